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
  - telphin.pbx.parallel
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
      - The role's C(phone_profiles). Anything but a mapping is refused, saying what was given.
    type: raw
    default: {}
  assignments:
    description:
      - Which extensions take which profile, each a dict of C(profile) (required), C(extensions) (ids,
        numbers such as C("100") or full names such as C("000*100")), C(match) (extensions whose attributes
        match, see below), C(overrides) (property values and C(reset) over the profile, for these extensions)
        and C(optional) (true, when matching no extension is no error).
      - C(match) takes C(type) (C(phone) when not given), C(status), C(extension_group_id), C(name_regex)
        (searched in the full name and the number) and C(label_regex).
      - The role's C(phone_profile_assignments). Anything but a list of mappings is refused, saying what was
        given.
    type: raw
    default: []
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
    description:
      - The account's name in the title of the Markdown report, and in the header of the export file
        (O(export_file)); empty for none (the export's header then says C(the account)).
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
  only_extensions:
    description:
      - Limit the run to these extensions (ids, full names such as C(000*100), or numbers such as C(100));
        the profiles are matched against the whole account as always, and only these extensions are read,
        compared and written. For an event-driven run on one new extension (see the collection's rulebooks),
        without auditing the account.
      - A name that names no extension is refused before any phone is read; an extension that no assignment
        takes is a warning, and nothing is done for it. An empty list is refused; leave the option out for
        every extension.
      - The role's O(telphin.pbx.phone_profiles#role:main:phone_profiles_only_extensions).
    type: list
    elements: raw
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
  export_file:
    description:
      - Write the account as code to this YAML file, on the host that runs the module (the controller, for a
        play on C(localhost) or a local connection), instead of applying profiles. Every phone extension is
        read once and written as C(phone_profiles) and C(phone_profile_assignments) that, applied to the same
        account (this module, the role P(telphin.pbx.phone_profiles#role)), change nothing. RV(export) says
        what the file holds, RV(export_path) where it is.
      - The profile C(default) holds the most common value of each field (when at least two extensions share
        it). Extensions that share the same differences from it (at least O(export_group_min)) take a profile
        of their own that extends it. What else differs for one extension is in its assignment's
        C(overrides).
      - Not exported, and listed in the file's header. The write-only C(password), fields the API's answers
        leave out, secrets unless O(export_secrets), and the fields of O(export_skip). For one extension, a
        value the field table refuses, or a synchronized value of a bundle member that differs from its
        main's (a bundle conflict otherwise), is left unmanaged (C(null) in its overrides).
      - Every text is tagged C(!unsafe), so that Ansible reads the file back as data and never runs a text
        read from the PBX as a template.
      - Checked before any request, and its folder made when missing. An existing file is replaced only when an
        earlier export wrote it (its first line is the header an export writes), unless O(export_force); a
        symbolic link, a folder and a file that cannot be read never are. The file is replaced at once (a new
        file renamed over it, never written through a link), also in check mode, which writes nothing to the
        PBX. No file is written when a phone could not be read.
      - A relative path is taken like O(report_dir)'s; C(~) is expanded.
      - An export only reads, so O(profiles), O(assignments) and O(report_dir) are refused with it; without
        them it is no empty run (O(allow_empty) is not needed).
      - The role's C(export) entry point (the playbook C(telphin.pbx.export)) runs it.
    type: path
    version_added: 2.0.0
  export_force:
    description:
      - Replace O(export_file) also when it is not an earlier export (a file of your own, such as hand-written
        profiles). Never a symbolic link, a folder or a file that cannot be read.
    type: bool
    default: false
    version_added: 2.0.0
  export_secrets:
    description:
      - Export C(conference_pin) and C(replace_pin) in clear to O(export_file), which is then readable by its
        owner only (keep it in a vault). The task's result and output never hold them.
    type: bool
    default: false
    version_added: 2.0.0
  export_skip:
    description:
      - Fields not to export to O(export_file), for example C(label) or C(call_status_id). A name that is no
        property of the phone terminal is refused before any request, with the closest property name.
    type: list
    elements: str
    default: []
    version_added: 2.0.0
  export_group_min:
    description:
      - How many extensions must share the same differences to get a profile of their own in O(export_file),
        2 or more.
    type: int
    default: 3
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
- name: Audit the standard profiles (check mode writes nothing; run with --diff for before and after)
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
  check_mode: true
  register: audit

- name: Say what drifts
  ansible.builtin.debug:
    msg: "{{ audit.summary.drifted }} of {{ audit.summary.extensions }} extensions drift"

- name: Write the account as profiles and assignments (only reads the PBX; also in check mode)
  telphin.pbx.phone_profiles:
    export_file: profiles.yml
    export_skip: [label, call_status_id]
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
  description:
    - Whether any extension was (or, in check mode, would be) changed.
    - For an export (O(export_file)), whether the file's text changed; the PBX is only read.
  returned: always
  type: bool
export_path:
  description: The export file written (O(export_file)).
  returned: when O(export_file) is set and the file was written
  type: str
  sample: /home/admin/pbx/phone_profiles_export.yml
export:
  description: What the export file holds (O(export_file)), as its header and the task's message say it.
  returned: when O(export_file) is set and the file was written
  type: dict
  contains:
    extensions:
      description: How many phone extensions were exported.
      type: int
    profiles:
      description: The names of the profiles, C(default) first.
      type: list
      elements: str
      sample: ["default", "record_enabled_off"]
    assignments:
      description: How many assignments the file holds.
      type: int
    notes:
      description: What is not exported, and why.
      type: list
      elements: str
      sample: ["password: write-only, the API never returns it"]
msg:
  description: For an export (O(export_file)), what was exported to which file, and what was not; otherwise,
    why the run failed.
  returned: when the run failed, or an export was written
  type: str
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
      description: Why the run failed; empty when it did not. For an export (O(export_file)), the task's
        RV(msg).
      type: str
    backup_path:
      description: The backup written before the first write, as RV(backup_path); the role's summary line and
        the report name it.
      returned: when O(backup) is true and the task wrote
      type: str
      sample: /home/admin/backups/phone_properties_7000_20261202T101500123456Z.yml
    registrations_lost:
      description: How many extensions RV(registrations_lost) names.
      returned: when O(check_registrations) is true and the run read the extensions
      type: int
      sample: 1
    registrations_unchecked:
      description: How many extensions RV(registrations_unchecked) names.
      returned: when O(check_registrations) is true and the run read the extensions
      type: int
      sample: 0
extensions:
  description: One entry per selected extension, in the listing's order, as M(telphin.pbx.phone_properties)
    returns them, each with its C(profile).
  returned: unless O(export_file) is set
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
status:
  description:
    - The HTTP status of an error that stopped an export (O(export_file)) outside any one extension, such as
      the credentials refused or the listing refused; null when no answer came (the API unreachable, a
      time-out). A run that applies or audits profiles says such an error in RV(problems) instead.
    - RV(msg) names the request and says why.
  returned: when such an error stopped an export
  type: int
  sample: 401
api_status:
  description: The API's own code of that error (its C(status), or the token endpoint's C(error)); null when
    its answer gave none.
  returned: when an error outside any one extension stopped an export (RV(status))
  type: str
  sample: invalid_client
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

from ansible_collections.telphin.pbx.plugins.module_utils import export
from ansible_collections.telphin.pbx.plugins.module_utils import profiles as P
from ansible_collections.telphin.pbx.plugins.module_utils import report, results
from ansible_collections.telphin.pbx.plugins.module_utils.api_module import (
    BACKUP_OPTIONS, PARALLEL_OPTION, REGISTRATION_OPTIONS, ApiModule, backup_writer, registration_watch)
from ansible_collections.telphin.pbx.plugins.module_utils.runner import apply_profiles, export_account


def argument_spec():
    # Free-form on purpose: the module checks every profile and assignment itself and reports every
    # problem at once, with its index and the closest name; Ansible's own check stops at the first.
    return dict(profiles=dict(type="raw", default={}), assignments=dict(type="raw", default=[]),
                report_dir=dict(type="path"), report_account=dict(type="str", default=""),
                allow_empty=dict(type="bool", default=False), report_failure=dict(type="str"),
                export_file=dict(type="path"), export_force=dict(type="bool", default=False),
                export_secrets=dict(type="bool", default=False),
                export_skip=dict(type="list", elements="str", default=[]),
                export_group_min=dict(type="int", default=3),
                only_extensions=dict(type="list", elements="raw"),
                **dict(PARALLEL_OPTION, **BACKUP_OPTIONS, **REGISTRATION_OPTIONS))


def ended(module, result, report_problems):
    """Every result the module ends with: with its summary, and with its report written when asked for (and its
    folder has no ``report_problems``)."""
    result = results.phone_profiles_ended(result, module.check_mode)
    report_dir = module.params["report_dir"]
    if not report_dir or report_problems:
        return result
    # Masked as Ansible masks the result it prints: the report shows what the output shows.
    content = remove_values(results.phone_profiles_report(result, module.check_mode), module.ansible.no_log_values)
    try:
        return dict(result, report_path=report.write(report_dir, content, module.params["report_account"]))
    except OSError as exc:
        return results.report_unwritten(result, "report_dir: the report could not be written to %s: %s"
                                        % (report_dir, exc.strerror or exc))


def result_of(module, report_problems):
    """``(result, warnings)`` of the task: its refusal before any request, or its run."""
    params = module.params  # the secrets in profiles and overrides: masked by field by ApiModule
    if params["report_failure"] is not None:
        return results.phone_profiles_failed_before(params["report_failure"], report_problems, module.check_mode), ()
    if params["export_file"]:
        return exported(module)
    empty = [] if params["allow_empty"] else P.empty_problems(params["profiles"], params["assignments"])
    own = P.check(params["profiles"], params["assignments"]) + empty + P.only_problems(params["only_extensions"])
    problems = module.input_problems(report_problems + own)
    if problems:
        return results.invalid_input(problems), ()
    backup = backup_writer(module)
    return module.run(lambda client: apply_profiles(client, params["profiles"], params["assignments"],
                                                    parallel=module.parallel, check_mode=module.check_mode,
                                                    backup=backup, watch=registration_watch(module),
                                                    only=params["only_extensions"]),
                      lambda run: results.phone_profiles_result(run, module.client, params, module.check_mode,
                                                                module.diff_mode), results.warnings)


def export_problems(params):
    """Why the export (export_file) must not start: options it does not take, its own, then the file's (whose
    folder is made only when the options leave none)."""
    given = [name for name in ("profiles", "assignments", "report_dir") if params[name]]
    found = ["export_file: an export only reads the account, so it takes no %s (give them to a task of their own)"
             % " or ".join(given)] if given else []
    if params["export_group_min"] < 2:
        found.append("export_group_min: must be 2 or more, got %d" % params["export_group_min"])
    return found or export.problems(params["export_file"], skip=params["export_skip"], force=params["export_force"],
                                    prefix=export.MODULE_OPTIONS)


def exported(module):
    """``(result, warnings)`` of the export: every phone extension read, then written to export_file."""
    params = module.params
    problems = module.input_problems(export_problems(params))
    if problems:
        return results.invalid_input(problems), ()
    account = export.ExportFile(params["export_file"], params["report_account"] or "the account",
                                params["export_secrets"], tuple(params["export_skip"]), params["export_group_min"])
    return module.run(lambda client: export_account(client, account.write, module.parallel),
                      lambda done: results.phone_profiles_export_result(done[0], module.client, done[1]))


def main():
    module = ApiModule(argument_spec())
    # The report folder first: when it cannot be written, no report (not even of the refusal) is attempted.
    report_problems = report.folder_problems(module.params["report_dir"]) if module.params["report_dir"] else []
    result, warnings = result_of(module, report_problems)
    module.finish(ended(module, result, report_problems), warnings)


if __name__ == "__main__":
    main()
