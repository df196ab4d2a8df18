# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: phone_profile_export_file
short_description: The text of an export file, whose texts Ansible never templates
version_added: 1.1.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - The file that O(telphin.pbx.phone_profiles#module:export_file) of M(telphin.pbx.phone_profiles) writes (the
    P(telphin.pbx.phone_profiles#role) role's C(export) entry point runs it), as text, for a play that writes it
    itself. The module also checks the file before any request and replaces it at once.
  - A header of comments says what the file is and what the export left out; then C(phone_profiles) and
    C(phone_profile_assignments) as YAML.
  - Every text is tagged C(!unsafe), so that Ansible reads the file back (C(-e @file), C(vars_files),
    C(include_vars)) as data and never runs a text read from the PBX as a template. To read the file from
    Python, give C(yaml.SafeLoader) a constructor for the tag (see the collection's README).
options:
  _input:
    description: What P(telphin.pbx.phone_profile_export#filter) returns.
    type: dict
    required: true
  account:
    description: How the header names the account.
    type: str
    default: the account
  filename:
    description: The file's name, for the command in its header.
    type: str
    default: phone_profiles_export.yml
  secrets:
    description: Whether the export holds secrets; the header then says to keep the file in a vault.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Write the export
  ansible.builtin.copy:
    content: "{{ export | telphin.pbx.phone_profile_export_file(filename='profiles.yml') }}"
    dest: profiles.yml
    mode: "0644"
'''

RETURN = r'''
_value:
  description: The text of the file, UTF-8, every text of the variables tagged C(!unsafe).
  type: str
'''

from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.telphin.pbx.plugins.module_utils.export import export_file


def phone_profile_export_file(export, account="the account", filename="phone_profiles_export.yml", secrets=False):
    # The text holds what the PBX holds: never a template, on any ansible-core (wrap_var marks it so).
    return wrap_var(export_file(export, account=str(account), filename=str(filename), secrets=bool(secrets)))


class FilterModule(object):
    def filters(self):
        return {"phone_profile_export_file": phone_profile_export_file}
