# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: phone_profile_summary
short_description: Count what a run of the phone profiles found on one account, in all and per profile
version_added: 1.0.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - The counts of RV(telphin.pbx.phone_profiles#module:summary), from a list of entries; the module returns
    them itself. The P(telphin.pbx.phone_profiles#role) role uses this filter only for an account whose run
    failed before the module could return a summary (no entries, and why in O(msg)).
options:
  _input:
    description:
      - RV(telphin.pbx.phone_profiles#module:extensions) of a run, counted per their C(profile); C([]) for a
        run that read nothing.
    type: list
    elements: dict
    required: true
  check_mode:
    description: Whether the run was an audit (nothing is counted as changed then).
    type: bool
    default: false
  msg:
    description: Why the run failed; empty when it did not.
    type: str
    default: ""
'''

EXAMPLES = r'''
- name: The summary of an account whose run failed before the module returned one
  ansible.builtin.set_fact:
    summary: "{{ [] | telphin.pbx.phone_profile_summary(check_mode=ansible_check_mode, msg='the account is unreachable') }}"
'''

RETURN = r'''
_value:
  description:
    - C(extensions), C(drifted) (fields differed from the profile), C(changed) (written; none in check mode),
      C(failed), the same counts per profile in C(profiles), C(check_mode), and C(msg).
  type: dict
'''

# What the PBX returned stays data: wrap_var keeps Ansible from templating it (on every ansible-core).
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.telphin.pbx.plugins.module_utils.results import summary


def phone_profile_summary(entries, check_mode=False, msg=""):
    return wrap_var(summary(entries, check_mode, msg))


class FilterModule(object):
    def filters(self):
        return {"phone_profile_summary": phone_profile_summary}
