# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: phone_profile_problems
short_description: Check phone profiles and their assignments before any request
version_added: 1.0.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - Used by the P(telphin.pbx.phone_profiles#role) role before it sends its first request. Returns every
    problem that shows without the account, each naming the profile (or the assignment) and the field.
  - Each profile, after C(extends), is checked against the field table of M(telphin.pbx.phone_properties)
    (names, types, choices, formats, C(reset) of a field that cannot be null); a misspelt field name
    comes with the closest property name. An unknown or cyclic C(extends), an assignment naming an
    unknown profile, an unknown key of an assignment or of its C(match), and bad C(overrides) are problems.
options:
  _input:
    description: Profile name -> property values (and C(extends), C(reset)).
    type: dict
    required: true
  assignments:
    description: Which extensions take which profile, as for P(telphin.pbx.phone_profile_targets#filter).
    type: list
    elements: dict
    required: true
'''

EXAMPLES = r'''
- name: Stop before any request when the profiles are wrong
  ansible.builtin.fail:
    msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ phone_profiles | telphin.pbx.phone_profile_problems(phone_profile_assignments) }}"
  when: problems | length > 0
'''

RETURN = r'''
_value:
  description: The problems, one message each; empty when the profiles can be applied.
  type: list
  elements: str
'''

from ansible_collections.telphin.pbx.plugins.module_utils.profiles import check


def phone_profile_problems(profiles, assignments):
    return check(profiles, assignments)


class FilterModule(object):
    def filters(self):
        return {"phone_profile_problems": phone_profile_problems}
