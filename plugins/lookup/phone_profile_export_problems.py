# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: phone_profile_export_problems
short_description: Why an export must not start, before any request
version_added: 2.0.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - The play-wide check of the P(telphin.pbx.phone_profiles#role) role's C(export) entry point (the playbook
    C(telphin.pbx.export)), before any account is read; M(telphin.pbx.phone_profiles) checks its own
    O(telphin.pbx.phone_profiles#module:export_file) the same way, except for the other accounts, which only the
    play knows. Returns every problem, each naming the role's variable.
  - An entry of O(skip) that is no property of the phone terminal, with the closest property name.
  - Other accounts of the play whose export file is the same file (O(targets), compared as real paths, so
    C(x.yml), C(./x.yml), its absolute path and a link to it are one file).
  - The file, on the controller. Its folder is made when missing and must be writable. An existing file is
    replaced only when it is an earlier export (its first line is the header an export writes, also that of
    1.0.0 and 1.1.0), or any regular file with O(force); a symbolic link, a folder and a file that cannot be
    read are never replaced.
options:
  _terms:
    description: The export file's path (absolute).
    type: list
    elements: path
    required: true
  account:
    description: The account of the export, as in O(targets).
    type: str
    default: localhost
  targets:
    description: Each account of the play -> the real path of its export file.
    type: dict
    default: {}
  skip:
    description: C(phone_profiles_export_skip).
    type: list
    elements: raw
    default: []
  force:
    description: C(phone_profiles_export_force).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Refuse before any request
  ansible.builtin.fail:
    msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ query('telphin.pbx.phone_profile_export_problems', '/srv/pbx/profiles.yml') }}"
  when: problems | length > 0
'''

RETURN = r'''
_raw:
  description: The problems, one message each; empty when the export may start.
  type: list
  elements: str
'''

from ansible.plugins.lookup import LookupBase

from ansible_collections.telphin.pbx.plugins.module_utils.export import problems


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        found = []
        for path in terms:
            found.extend(problems(str(path), account=self.get_option("account"),
                                  targets=self.get_option("targets") or None, skip=self.get_option("skip"),
                                  force=self.get_option("force")))
        return found
