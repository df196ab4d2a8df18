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
  - Used by the P(telphin.pbx.phone_profiles#role) role to publish C(phone_profiles_summary) once for a run
    over one or many accounts.
options:
  _input:
    description: Account (inventory host) -> its P(telphin.pbx.phone_profile_summary#filter).
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
      in C(profiles)), C(check_mode), each account's own summary in C(accounts), and the accounts whose run
      failed in C(failed_accounts).
  type: dict
'''

# What the PBX returned stays data: wrap_var keeps Ansible from templating it (on every ansible-core).
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.telphin.pbx.plugins.module_utils.profiles import summary_total


def phone_profile_summary_total(accounts):
    return wrap_var(summary_total(accounts))


class FilterModule(object):
    def filters(self):
        return {"phone_profile_summary_total": phone_profile_summary_total}
