# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: phone_profile_summary_total
short_description: Add up the phone profiles summaries of several accounts
version_added: 1.0.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - The P(telphin.pbx.phone_profiles#role) role publishes its result as the custom stat
    C(phone_profiles_summary) (an artifact of an AWX job), once for a run over one account or many.
options:
  _input:
    description:
      - Account (inventory host) -> its RV(telphin.pbx.phone_profiles#module:summary) (or what
        P(telphin.pbx.phone_profile_summary#filter) returns for it).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Publish
  ansible.builtin.set_stats:
    data:
      phone_profiles_summary: "{{ {'localhost': summary} | telphin.pbx.phone_profile_summary_total }}"
'''

RETURN = r'''
_value:
  description:
    - The counts of every account added up (C(extensions), C(drifted), C(changed), C(failed), and per profile
      in C(profiles)), C(check_mode) (true when any account's run was an audit), each account's own summary
      in C(accounts), and C(failed_accounts), which maps each account whose run failed to why.
    - C(registrations_lost) and C(registrations_unchecked) are added up too when an account's summary has
      them (its run watched the SIP registrations).
  type: dict
'''

# What the PBX returned stays data: wrap_var keeps Ansible from templating it (on every ansible-core).
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.telphin.pbx.plugins.module_utils.results import summary_total


def phone_profile_summary_total(accounts):
    return wrap_var(summary_total(accounts))


class FilterModule(object):
    def filters(self):
        return {"phone_profile_summary_total": phone_profile_summary_total}
