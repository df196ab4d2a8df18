# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Relative paths of the modules' options taken from the folder where ansible-playbook was started.

Under a local connection Ansible runs a module in the playbook's folder (its loader's base folder), which for
the collection's playbooks is inside the installed collection; the modules' documentation promises the
folder the run was started from. The action of each module (plugins/action/) therefore makes a relative path
absolute on the controller, whose current folder is the start folder (Ansible never changes it), before the
module runs. A path on another host (a remote connection) is that host's: left as it is.
"""

from __future__ import annotations

import os

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.telphin.pbx.plugins.module_utils.backup import DEFAULT_DIR as DEFAULT_BACKUP_DIR

# Every option of type path of the collection's modules (a unit test checks this against their documentation),
# as its place in the arguments, and the environment variable a module falls back to when it is not given.
PATH_OPTIONS = (("ca_path",), ("report_dir",), ("restore_from",), ("backup_options", "dir_path"), ("export_file",))
ENVIRONMENT = {("ca_path",): "TELPHIN_CA_PATH"}


def absolute(path, start):
    """``path`` taken from ``start`` when relative; ``~`` and ``$VAR`` forms the module expands are absolute."""
    if not isinstance(path, str) or not path:
        return path
    if os.path.isabs(os.path.expandvars(os.path.expanduser(path))):
        return path
    return os.path.normpath(os.path.join(start, path))


def with_absolute_paths(args, start, environ=None):
    """A copy of the module arguments ``args`` whose relative paths are taken from ``start``."""
    args = dict(args)
    if boolean(args.get("backup") or False, strict=False) and not (args.get("backup_options") or {}).get("dir_path"):
        # The backups' default folder is relative too: the module would take it from its own folder.
        args["backup_options"] = dict(args.get("backup_options") or {}, dir_path=DEFAULT_BACKUP_DIR)
    for option in PATH_OPTIONS:
        holder = args
        for key in option[:-1]:
            if not isinstance(holder.get(key), dict):
                break
            holder[key] = holder = dict(holder[key])
        else:
            name = option[-1]
            if name in holder:
                holder[name] = absolute(holder[name], start)
            elif option in ENVIRONMENT:  # what the module would read instead, when it is relative
                given = (environ or {}).get(ENVIRONMENT[option])
                if absolute(given, start) != given:
                    holder[name] = absolute(given, start)
    return args


class StartFolderAction(ActionBase):
    """Runs the module of the task's name, its relative paths taken from the start folder under a local connection."""

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # no longer has any effect
        args = self._task.args
        if self._connection.transport == "local":
            args = with_absolute_paths(args, os.getcwd(), os.environ)
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(module_args=args, task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
