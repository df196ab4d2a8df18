# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: phone_profile_export
short_description: Turn the phone properties of an account into phone profiles and assignments
version_added: 1.0.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - The export of M(telphin.pbx.phone_profiles) (its O(telphin.pbx.phone_profiles#module:export_file), which the
    P(telphin.pbx.phone_profiles#role) role's C(export) entry point runs), as data, for a play that reads the
    account itself with M(telphin.pbx.phone_properties_info). Applying the result to the same account changes
    nothing.
  - The profile C(default) holds the most common value of each exported field, when at least two
    extensions share it (values compared as M(telphin.pbx.phone_properties) compares them). Where
    O(group_min) or more extensions share the same differences from it, they take a profile that extends
    C(default); what else differs for an extension is in its assignment's C(overrides).
  - Not exported, and said so in C(notes). The write-only C(password); secrets unless O(secrets); the fields
    of O(skip); fields the API's answers leave out. For one extension, a value the field table refuses (or
    C(null) for a field that cannot be null), or a synchronized value of a bundle member that differs from
    its main's (it would be a bundle conflict), is left unmanaged (C(null) in its overrides), each with a
    note naming the extension and the field.
options:
  _input:
    description: RV(telphin.pbx.phone_properties_info#module:extensions) of the account.
    type: list
    elements: dict
    required: true
  secrets:
    description: Export C(conference_pin) and C(replace_pin); read them with C(show_secrets=true).
    type: bool
    default: false
  skip:
    description: Fields not to export. A name that is no property of the phone terminal is an error, with the
      closest property name.
    type: list
    elements: str
    default: []
  group_min:
    description: How many extensions must share the same differences to get a profile of their own.
    type: int
    default: 3
'''

EXAMPLES = r'''
- name: Export
  ansible.builtin.set_fact:
    export: "{{ info.extensions | telphin.pbx.phone_profile_export }}"
'''

RETURN = r'''
_value:
  description:
    - C(phone_profiles) and C(phone_profile_assignments), the variables of the role; C(notes), what is not
      exported and why; C(extensions), how many extensions were exported.
  type: dict
'''

# What the PBX returned stays data: wrap_var keeps Ansible from templating it (on every ansible-core).
from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.telphin.pbx.plugins.module_utils.export import export_profiles


def phone_profile_export(extensions, secrets=False, skip=None, group_min=3):
    try:
        return wrap_var(export_profiles(extensions, secrets=secrets, skip=skip or (), group_min=group_min))
    except ValueError as exc:  # a misspelt skip: named, with the closest field
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {"phone_profile_export": phone_profile_export}
