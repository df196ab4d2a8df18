# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: phone_profile_report
short_description: The report of one account's run of the phone profiles, as JSON or Markdown
version_added: 1.1.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - Used by the P(telphin.pbx.phone_profiles#role) role to write C(phone_profiles_report.json) and
    C(phone_profiles_report.md).
  - Texts are written as they are (UTF-8). In the Markdown tables, a text can neither break a row (C(|) and
    line breaks are escaped) nor become markup (C(<), C(>) and C(&) are escaped).
options:
  _input:
    description:
      - C(check_mode), C(failed), C(msg), C(summary), C(stats) and C(extensions) of one run of
        M(telphin.pbx.phone_profiles).
    type: dict
    required: true
  account:
    description: The account's name for the Markdown report's title; empty for none.
    type: str
    default: ""
  format:
    description: C(json) or C(md).
    type: str
    default: md
    choices: [json, md]
'''

EXAMPLES = r'''
- name: Write the Markdown report of a run
  ansible.builtin.copy:
    content: "{{ report | telphin.pbx.phone_profile_report(format='md') }}"
    dest: report.md
    mode: "0644"
'''

RETURN = r'''
_value:
  description: The text of the report.
  type: str
'''

from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.telphin.pbx.plugins.module_utils.report import as_json, as_markdown


def phone_profile_report(report, account="", format="md"):  # pylint: disable=redefined-builtin
    if format not in ("json", "md"):
        raise AnsibleFilterError("phone_profile_report: format must be json or md, got %r" % (format,))
    # What the PBX returned stays data: wrap_var keeps Ansible from templating it (on every ansible-core).
    return wrap_var(as_json(report) if format == "json" else as_markdown(report, str(account or "")))


class FilterModule(object):
    def filters(self):
        return {"phone_profile_report": phone_profile_report}
