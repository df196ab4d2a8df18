# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # backup and backup_options of the modules that write (api_module.BACKUP_OPTIONS).
    DOCUMENTATION = r'''
options:
  backup:
    description:
      - Before the first write, save every extension of the task as it was read (every field the API
        returned, secrets included) to a file on the host that runs the module (the controller, for a play on
        C(localhost)), readable by its owner only; RV(backup_path) says where. If the backup cannot be
        written, nothing is written to the API.
      - The file is YAML, its texts tagged C(!unsafe) (Ansible reads them as data, never as templates); a
        header (C(backup), with the client id of the account from C(/user/), the API host, when it was taken, the
        collection's version), then C(extensions) in the shape of
        RV(telphin.pbx.phone_properties_info#module:extensions).
      - The write-only C(password) is never in a backup (the API never returns it), so a restore cannot
        bring an old SIP password back.
      - Nothing is saved in check mode, nor when nothing differs (there is nothing to undo). The backup costs
        one request (C(/user/)); the extensions were read anyway.
      - Restore it with the playbook C(telphin.pbx.restore), or with
        O(telphin.pbx.phone_properties#module:restore_from).
    type: bool
    default: false
  backup_options:
    description: Where the backup goes, as the network modules' option of the same name.
    type: dict
    suboptions:
      dir_path:
        description:
          - The folder, made (mode 0700) when missing. A relative path is taken from the folder where
            C(ansible-playbook) was started (under a local connection; on a remote host, from the module's
            working folder there); C(~) is expanded.
          - Default C(backups) (taken as a relative path).
        type: path
      filename:
        description:
          - The file's name; an existing file is never overwritten (the task then fails before any write).
          - Default C(phone_properties_<client id>_<UTC time>.yml).
        type: str
      keep:
        description:
          - After writing the backup, keep only the newest O(backup_options.keep) backups of the account in
            O(backup_options.dir_path), the one just written among them, removing the older ones.
          - Counted are the files of the default name whose header (read alone, not the whole file) says they
            are backups of this collection (1.1.0's too) of the same client id and API host, ordered by the time
            in their header. The backup just written is never removed. Files of other names or contents, other
            accounts' backups, symlinks (never followed) are left alone.
          - A file that cannot be read, or an older backup that cannot be removed, is left with a warning; the
            change goes ahead.
          - Unset or C(0) keeps every backup.
        type: int
'''
