#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: phone_profiles
short_description: Bring the account's phone extensions to standard profiles, or audit them in check mode
version_added: 1.1.0
description:
  - Standard profiles (sets of phone terminal properties) and the assignments that say which extensions take
    which profile, brought to one account in one step. The whole input is checked, the account is listed
    once, the assignments are matched, and every selected extension is read, compared and written as
    M(telphin.pbx.phone_properties) does it, O(parallel) at a time, with one token.
  - Check mode is the audit. It reads and compares the same way and writes nothing.
  - A profile may build on another with C(extends). A profile's own values and C(reset), and an assignment's
    C(overrides), are layers over the profile it extends. A later layer wins field by field (a value over
    an inherited C(reset), a C(reset) over an inherited value, C(null) leaves the field unmanaged).
  - Every problem of the input is reported at once, before any request. Each names the profile
    (C(profiles.<name>)) or the assignment (C(assignments[<index>])) and the field, with the closest name
    for a misspelt profile, property or assignment key.
  - What only the account can tell fails before any phone is read. That is an extension that is not there,
    an assignment that matches no extension (unless it is C(optional)), or an extension matched by two
    assignments. Two extensions of one bundle given different values of a synchronized field fail before
    any write.
  - The role P(telphin.pbx.phone_profiles#role) runs this module once per account, with O(report_dir), and
    publishes the run's summary from its result.
author:
  - telphin.pbx maintainers (@telphin-pbx)
extends_documentation_fragment:
  - telphin.pbx.api
  - telphin.pbx.attributes
  - telphin.pbx.backup
  - telphin.pbx.registrations
attributes:
  check_mode:
    support: full
    description: The audit. The same reads and plan as a real run, without any write.
  diff_mode:
    support: full
    description: Before and after of the managed fields of each extension that drifts; secrets are masked.
options:
  profiles:
    description:
      - Profile name -> property values (the options of M(telphin.pbx.phone_properties), such as
        C(record_enabled) or C(geo_list)), C(reset) (a list of fields set to null) and C(extends) (the name
        of the profile this one builds on).
      - The role's C(phone_profiles).
    type: dict
    default: {}
  assignments:
    description:
      - Which extensions take which profile, each a dict of C(profile) (required), C(extensions) (ids,
        numbers such as C("100") or full names such as C("000*100")), C(match) (extensions whose attributes
        match, see below), C(overrides) (property values and C(reset) over the profile, for these extensions)
        and C(optional) (true, when matching no extension is no error).
      - C(match) takes C(type) (C(phone) when not given), C(status), C(extension_group_id), C(name_regex)
        (searched in the full name and the number) and C(label_regex).
      - The role's C(phone_profile_assignments).
    type: list
    elements: dict
    default: []
  parallel:
    description:
      - How many extensions are worked on at once, 1 to 32; all share one token and one connection pool.
    type: int
    default: 16
  report_dir:
    description:
      - Write the report of the run, C(phone_profiles_report.json) and C(phone_profiles_report.md), to this
        folder on the host that runs the module (the controller, for a play on C(localhost) or a local
        connection), each replacing an older one at once; RV(report_path) says where.
      - A relative path is taken from the folder where C(ansible-playbook) was started (under a local
        connection; on a remote host, from the module's working folder there); C(~) is expanded.
      - The folder is made when missing, and checked before any request; when it cannot be written, the task
        fails before anything is sent.
      - Written in check mode too (the report is the audit's output) and when the run fails, saying why
        (also when it failed before any phone was read). Secrets are masked as in the task's output.
      - The role P(telphin.pbx.phone_profiles#role) sets it to its O(telphin.pbx.phone_profiles#role:main:phone_profiles_report_dir).
      - Unset, no report is written.
    type: path
  report_account:
    description: The account's name in the title of the Markdown report; empty for none.
    type: str
    default: ""
  allow_empty:
    description:
      - Run also when O(profiles) or O(assignments) is empty, which otherwise is refused before any request (a
        vars file left out, or its variable misspelt, would make an audit that checks nothing look green).
      - The role's O(telphin.pbx.phone_profiles#role:main:phone_profiles_allow_empty).
    type: bool
    default: false
    version_added: 2.0.0
  report_failure:
    description:
      - Why a run failed before this module could run (a role variable, an undefined variable). Only the report
        that says so is written to O(report_dir), replacing an older one; nothing is read or sent, and the task
        fails with this text. The other options but O(report_account) are not looked at.
      - The role P(telphin.pbx.phone_profiles#role) uses it when a task of the account fails before this
        module's report is written.
    type: str
    version_added: 2.0.0
notes:
  - Request cost. One token request, one listing of the account (one request per 100 extensions, plus
    one; see M(telphin.pbx.extension_info)), one C(GET) per extension an assignment selects and one C(PUT)
    per extension that drifts.
  - Secrets given in profiles or overrides (C(conference_pin), C(replace_pin), C(password)) are masked by their
    field in every output, diff and report, and in the invocation that Ansible logs to the system log and
    returns (shown at C(-vvv)). A secret shorter than 6 characters (a PIN such as C(100)) masks no other text,
    so C(000*100) and the id C(1001) are shown as they are; a longer one is also masked wherever its text appears.
seealso:
  - module: telphin.pbx.phone_properties
'''

EXAMPLES = r'''
- name: Audit the standard profiles (run with --check; add --diff for before and after)
  telphin.pbx.phone_profiles:
    profiles:
      standard: {record_enabled: true, incoming_limit: 1, geo_list: RU, reset: [vm_mailto]}
      reception: {extends: standard, record_enabled: false, hangup_timeout: 60}
    assignments:
      - profile: standard
        match: {extension_group_id: 52, status: active}
      - profile: reception
        extensions: ["126", 1028]
        overrides: {hangup_timeout: 90, vm_mailto: reception@example.com}
  register: audit

- name: Say what drifts
  ansible.builtin.debug:
    msg: "{{ audit.summary.drifted }} of {{ audit.summary.extensions }} extensions drift"
'''

RETURN = r'''
report_path:
  description: The Markdown report written (O(report_dir)); the JSON one is beside it.
  returned: when O(report_dir) is set and the report was written
  type: str
  sample: /home/admin/reports/phone_profiles_report.md
registrations_lost:
  description: The extensions written whose devices were registered before the change and are not after it
    (O(check_registrations)).
  returned: when O(check_registrations) is true
  type: list
  elements: int
  sample: [1003]
registrations_unchecked:
  description:
    - The extensions whose SIP registrations could not be read (O(check_registrations)), so that a device
      the change logged out would go unnoticed. Before the writes (also in check mode) or after them,
      the registration resource answered an error (404, 500...) or nothing within O(timeout). A warning
      names them and why; each entry's C(registration.msg) says why.
    - A failed registration read never stops or delays a write beyond its own time-out, and never counts
      toward the task's stop after an outage.
  returned: when O(check_registrations) is true
  type: list
  elements: int
  sample: [1004]
backup_path:
  description: The backup written before the first write (O(backup)).
  returned: when O(backup) is true and the task wrote
  type: str
  sample: /home/admin/backups/phone_properties_7000_20261202T101500123456Z.yml
changed:
  description: Whether any extension was (or, in check mode, would be) changed.
  returned: always
  type: bool
summary:
  description: The counts of the run, in all and per profile, and why it failed.
  returned: always
  type: dict
  contains:
    extensions:
      description: Extensions the assignments selected.
      type: int
    drifted:
      description: Extensions whose fields differed from their profile.
      type: int
    changed:
      description: Extensions written (none in check mode).
      type: int
    failed:
      description: Extensions that failed.
      type: int
    check_mode:
      description: Whether the run was an audit.
      type: bool
    profiles:
      description: The same counts per profile.
      type: dict
      sample: {"standard": {"extensions": 12, "drifted": 3, "changed": 0, "failed": 0}}
    msg:
      description: Why the run failed; empty when it did not.
      type: str
extensions:
  description: One entry per selected extension, in the listing's order, as M(telphin.pbx.phone_properties)
    returns them, each with its C(profile).
  returned: always
  type: list
  elements: dict
  contains:
    extension_id:
      description: The extension's id.
      type: int
    name:
      description: The extension's full name, such as C(000*100).
      type: str
    registration:
      description:
        - With O(check_registrations), the SIP registration around the write, as in
          RV(telphin.pbx.phone_properties#module:extensions[].registration).
      type: dict
      returned: when O(check_registrations) is true and the extension is written, or in check mode its change
        touches a registration field
    profile:
      description: The profile it takes.
      type: str
    changed:
      description: Whether this extension was (or would be) changed.
      type: bool
    changes:
      description: Names of the fields that differed.
      type: list
      elements: str
    drift:
      description: For each field that differed, its value before and after (secrets masked).
      type: dict
      returned: when the extension differed
    failed:
      description: Whether this extension failed.
      type: bool
    msg:
      description: Why it failed, with the HTTP method, path, status and the API's own message.
      type: str
    bundle_changes:
      description: Bundle partners that the API changes along with this extension, which the run does not
        manage, with the synchronized fields changed on them.
      type: dict
stats:
  description: Counts of the run, as M(telphin.pbx.phone_properties) returns them (C(requests) by method).
  returned: always
  type: dict
problems:
  description: Every reason the input was refused, or the plan was, before any write.
  returned: when the run was refused
  type: list
  elements: str
rate_limit:
  description: The API's rate-limit headers as the run last knew them.
  returned: when the API sent them
  type: dict
diff:
  description: Before and after of the managed fields, one entry per extension that drifts.
  returned: in diff mode
  type: list
  elements: dict
'''

from ansible.module_utils.common.parameters import remove_values

from ansible_collections.telphin.pbx.plugins.module_utils import profiles as P
from ansible_collections.telphin.pbx.plugins.module_utils import report, results
from ansible_collections.telphin.pbx.plugins.module_utils.api_module import (
    BACKUP_OPTIONS, PARALLEL_OPTION, REGISTRATION_OPTIONS, ApiModule, backup_writer, registration_watch)
from ansible_collections.telphin.pbx.plugins.module_utils.runner import apply_profiles


def argument_spec():
    # Free-form on purpose: the module checks every profile and assignment itself and reports every
    # problem at once, with its index and the closest name; Ansible's own check stops at the first.
    return dict(profiles=dict(type="dict", default={}), assignments=dict(type="list", elements="dict", default=[]),
                report_dir=dict(type="path"), report_account=dict(type="str", default=""),
                allow_empty=dict(type="bool", default=False), report_failure=dict(type="str"),
                **dict(PARALLEL_OPTION, **BACKUP_OPTIONS, **REGISTRATION_OPTIONS))


def ended(module, result):
    """Every result the module ends with: with its summary, and with its report written when asked for."""
    result = results.phone_profiles_ended(result, module.check_mode)
    report_dir = module.params["report_dir"]
    if not report_dir:
        return result
    # Masked as Ansible masks the result it prints: the report shows what the output shows.
    content = remove_values(results.phone_profiles_report(result, module.check_mode), module.ansible.no_log_values)
    try:
        return dict(result, report_path=report.write(report_dir, content, module.params["report_account"]))
    except OSError as exc:
        return results.report_unwritten(result, "report_dir: the report could not be written to %s: %s"
                                        % (report_dir, exc.strerror or exc))


def main():
    module = ApiModule(argument_spec())
    params = module.params  # the secrets in profiles and overrides: masked by field by ApiModule
    # The report folder first: when it cannot be written, no report (not even of the refusal) is attempted.
    report_problems = report.folder_problems(params["report_dir"]) if params["report_dir"] else []
    if not report_problems:
        module.on_finish = lambda result: ended(module, result)
    if params["report_failure"] is not None:
        module.finish(results.phone_profiles_failed_before(params["report_failure"], report_problems,
                                                           module.check_mode))
    empty = [] if params["allow_empty"] else P.empty_problems(params["profiles"], params["assignments"])
    problems = module.input_problems(report_problems + P.check(params["profiles"], params["assignments"]) + empty)
    if problems:
        module.finish(results.phone_profiles_refusal(problems, module.check_mode))
    backup = backup_writer(module)
    run = module.run(lambda client: apply_profiles(client, params["profiles"], params["assignments"],
                                                   parallel=params["parallel"], check_mode=module.check_mode,
                                                   backup=backup, watch=registration_watch(module)))
    module.finish(results.phone_profiles_result(run, module.client, params, module.check_mode,
                                                module.diff_mode), results.warnings(run))


if __name__ == "__main__":
    main()
