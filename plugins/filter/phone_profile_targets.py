# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: phone_profile_targets
short_description: Turn phone profiles and their assignments into the items of one phone_properties task
version_added: 1.0.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - Used by the P(telphin.pbx.phone_profiles#role) role. Matches the assignments against a listing of the
    account (from M(telphin.pbx.extension_info)) and returns the O(telphin.pbx.phone_properties#module:extensions)
    items, or every problem found.
  - A profile may build on another with C(extends); a profile's own values, its C(reset), and an
    assignment's O(assignments[].overrides) are layers over it, and a later layer wins field by field (a
    value over an inherited C(reset), a C(reset) over an inherited value, C(null) takes the field out).
  - An assignment's O(assignments[].match) selects C(phone) extensions unless it gives another C(type);
    C(name_regex) is searched in the full name and in the number, C(label_regex) in the label.
    O(assignments[].extensions) and O(assignments[].match) add up.
  - Problems, all reported at once, nothing applied then. Those of P(telphin.pbx.phone_profile_problems#filter),
    an extension that is not in the listing, an assignment that matches no extension (unless
    O(assignments[].optional)), an extension matched by two assignments.
options:
  _input:
    description: The account's extensions, as RV(telphin.pbx.extension_info#module:extensions) returns them.
    type: list
    elements: dict
    required: true
  profiles:
    description: Profile name -> property values (and C(extends), C(reset)).
    type: dict
    required: true
  assignments:
    description: Which extensions take which profile.
    type: list
    elements: dict
    required: true
    suboptions:
      profile:
        description: The name of a profile.
        type: str
      extensions:
        description: Ids, numbers or full names.
        type: list
        elements: raw
      match:
        description: C(type), C(status), C(name_regex), C(label_regex), C(extension_group_id).
        type: dict
      overrides:
        description: Property values (and C(reset)) that win over the profile's.
        type: dict
      optional:
        description: The assignment may match no extension of the account.
        type: bool
'''

EXAMPLES = r'''
- name: Plan
  ansible.builtin.set_fact:
    plan: "{{ listing.extensions | telphin.pbx.phone_profile_targets(phone_profiles, phone_profile_assignments) }}"
'''

RETURN = r'''
_value:
  description: C(targets), the items for phone_properties (each with C(profile)), and C(problems), a list of messages.
  type: dict
'''

# What the PBX returned stays data: wrap_var keeps Ansible from templating it (on every ansible-core).
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.telphin.pbx.plugins.module_utils.profiles import ProfileError, plan_profiles


def phone_profile_targets(extensions, profiles, assignments):
    try:
        return wrap_var({"targets": plan_profiles(profiles, assignments, extensions), "problems": []})
    except ProfileError as exc:
        return wrap_var({"targets": [], "problems": exc.problems})


class FilterModule(object):
    def filters(self):
        return {"phone_profile_targets": phone_profile_targets}
