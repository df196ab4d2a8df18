# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: phone_profile_summary_line
short_description: One line that says what a run of the phone profiles found on one account
version_added: 1.1.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - "The line the P(telphin.pbx.phone_profiles#role) role prints for each account as its run ends, such as
    V(Audit of 12 extensions \\(standard, reception\\): 7 drifting, 0 failed; report reports/phone_profiles_report.md)."
  - When the summary holds them, it also counts the devices that lost their SIP registration and those whose
    registration could not be read, and says that the run failed and where its backup is.
options:
  _input:
    description:
      - RV(telphin.pbx.phone_profiles#module:summary) of the run (or what
        P(telphin.pbx.phone_profile_summary#filter) returns for it).
    type: dict
    required: true
  report_path:
    description: Where the account's report is, to name it; empty when none was written (the line says so).
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Say what the audit found
  ansible.builtin.debug:
    msg: "{{ audit.summary | telphin.pbx.phone_profile_summary_line('reports/phone_profiles_report.md') }}"
'''

RETURN = r'''
_value:
  description: The line.
  type: str
'''

from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.telphin.pbx.plugins.module_utils.results import summary_line


def phone_profile_summary_line(summary, report_path):
    return wrap_var(summary_line(summary, str(report_path)))


class FilterModule(object):
    def filters(self):
        return {"phone_profile_summary_line": phone_profile_summary_line}
