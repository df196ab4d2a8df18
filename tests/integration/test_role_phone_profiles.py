# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role phone_profiles: one listing, one apply task, a report, a summary, and refusals before any write."""

import json
import re
import sys

import yaml

from conftest import ansible_env, api_requests, run_playbook

ROLE = "telphin.pbx.phone_profiles"
PROFILES = {
    "standard": {"record_enabled": True, "incoming_limit": 1, "geo_list": "RU", "reset": ["vm_mailto"]},
    "reception": {"record_enabled": False, "hangup_timeout": 60, "conference_pin": "605040"},
}
ASSIGNMENTS = [
    {"profile": "standard", "match": {"extension_group_id": 52, "status": "active"}},
    {"profile": "reception", "extensions": ["126", 1028], "overrides": {"hangup_timeout": 90}},
]


def role_vars(tmp_path, **extra):
    values = dict(phone_profiles=PROFILES, phone_profile_assignments=ASSIGNMENTS,
                  phone_profiles_report_dir=str(tmp_path / "report"))
    values.update(extra)
    return values


def report(tmp_path):
    return json.loads((tmp_path / "report" / "phone_profiles_report.json").read_text())


def custom_stats(output):
    """The custom stats the default callback prints at the end (ANSIBLE_SHOW_CUSTOM_STATS)."""
    found = re.search(r"^\s*RUN: (\{.*\})\s*$", output, re.M)
    return json.loads(found.group(1)) if found else None


SHOW_STATS = {"ANSIBLE_SHOW_CUSTOM_STATS": "true"}


def test_an_audit_reports_drift_per_extension_and_writes_nothing(sim, play_role, tmp_path):
    run = play_role(ROLE, role_vars(tmp_path), check=True, verbosity=3, env=SHOW_STATS)
    assert run.rc == 0, run
    assert api_requests(sim, "PUT") == []
    listing = [e for e in api_requests(sim, "GET") if e["path"].endswith("/extension/")]
    assert len(listing) == 2  # one listing for the whole run: 40 extensions, then the empty page
    got = report(tmp_path)
    assert got["check_mode"] is True
    by_id = {e["extension_id"]: e for e in got["extensions"]}
    assert set(by_id) == set(range(1009, 1019)) | {1027, 1028}
    assert by_id[1012]["profile"] == "standard"
    assert by_id[1012]["drift"] == {"incoming_limit": {"before": 0, "after": 1}}
    assert by_id[1015]["drift"]["vm_mailto"]["after"] is None
    assert by_id[1027]["drift"]["hangup_timeout"] == {"before": 30, "after": 90}
    assert by_id[1027]["drift"]["conference_pin"] == {"before": None, "after": "******** (changed)"}
    markdown = (tmp_path / "report" / "phone_profiles_report.md").read_text()
    assert "Audit (check mode)" in markdown and "| 000*111 | 1012 | standard | incoming_limit | 0 | 1 |" in markdown
    assert "605040" not in markdown and "605040" not in json.dumps(got) and "605040" not in run.output
    # What a workflow reads: the summary in the custom stats, and the run's one line.
    counts = {"extensions": 12, "drifted": 7, "changed": 0, "failed": 0}
    summary = custom_stats(run.output)["phone_profiles_summary"]
    assert {name: summary[name] for name in counts} == counts and summary["check_mode"] is True, summary
    assert summary["profiles"] == {"standard": {"extensions": 10, "drifted": 5, "changed": 0, "failed": 0},
                                   "reception": {"extensions": 2, "drifted": 2, "changed": 0, "failed": 0}}
    assert summary["failed_accounts"] == {} and got["summary"]["drifted"] == 7
    assert "Audit of 12 extensions (standard, reception): 7 drifting, 0 failed; report " in run.output


# A profile built on another, overridden per assignment: a value of a child or of an override wins over an
# inherited reset, a child's reset over an inherited value.
EXTENDED = {
    "standard": {"record_enabled": True, "incoming_limit": 1, "geo_list": "RU", "reset": ["vm_mailto"]},
    "desk": {"extends": "standard", "vm_mailto": "desk@acme.example", "reset": ["geo_list"]},
    "reception": {"extends": "desk", "record_enabled": False, "hangup_timeout": 60, "conference_pin": "605040"},
}
EXTENDED_ASSIGNMENTS = [
    {"profile": "standard", "match": {"extension_group_id": 52, "status": "active"}},
    {"profile": "reception", "extensions": ["126", 1028], "overrides": {"hangup_timeout": 90, "geo_list": "RU KZ"}},
    {"profile": "desk", "extensions": ["100"], "overrides": {"reset": ["vm_mailto"]}},
]


def test_extends_and_overrides_converge_in_one_run_and_the_next_sends_nothing(sim, play_role, tmp_path):
    values = role_vars(tmp_path, phone_profiles=EXTENDED, phone_profile_assignments=EXTENDED_ASSIGNMENTS)
    first = play_role(ROLE, values)
    assert first.rc == 0, first
    assert sorted(int(e["path"].split("/")[4]) for e in api_requests(sim, "PUT")) == [
        1001, 1010, 1011, 1012, 1014, 1015, 1027, 1028]  # 1010 and 1011 (one bundle) both held "RU BY"
    for ext_id in (1027, 1028):
        assert {name: sim.phone(ext_id)[name] for name in (
            "conference_pin", "hangup_timeout", "geo_list", "vm_mailto", "record_enabled", "incoming_limit")} == {
            "conference_pin": "605040", "hangup_timeout": 90, "geo_list": "RU KZ", "vm_mailto": "desk@acme.example",
            "record_enabled": False, "incoming_limit": 1}
    assert sim.phone(1001)["geo_list"] is None and sim.phone(1001)["vm_mailto"] is None  # desk's reset, override's
    assert sim.phone(1013)["geo_list"] == "RU" and sim.phone(1015)["vm_mailto"] is None
    sim.clear_log()
    second = play_role(ROLE, values)
    assert second.rc == 0 and api_requests(sim, "PUT") == [], second
    assert not any(e["changed"] for e in report(tmp_path)["extensions"])


def test_wrong_profiles_are_refused_before_any_request_every_problem_at_once(sim, play_role, tmp_path):
    profiles = dict(EXTENDED, typo={"extends": "desk", "record_enable": True, "hangup_timeout": "soon"},
                    loop_a={"extends": "loop_b"}, loop_b={"extends": "loop_a"}, orphan={"extends": "standrad"})
    assignments = EXTENDED_ASSIGNMENTS + [{"profile": "receptoin", "extensions": ["127"]}]
    run = play_role(ROLE, role_vars(tmp_path, phone_profiles=profiles, phone_profile_assignments=assignments))
    assert run.rc != 0
    for part in ["nothing was sent",
                 "profiles.typo.record_enable: not a property of the phone terminal; did you mean record_enabled?",
                 "profiles.typo.hangup_timeout: must be an integer",
                 "profiles.loop_a.extends: a cycle: loop_a -> loop_b -> loop_a",
                 "profiles.orphan.extends: 'standrad' is not in profiles",
                 "did you mean standard?",
                 "assignments[3].profile: 'receptoin' is not in profiles", "did you mean reception?"]:
        assert part in run.output, (part, run)
    assert sim.log == []  # not even a token


def test_what_only_the_listing_shows_is_refused_before_any_request_to_phones(sim, play_role, tmp_path):
    wrong = ASSIGNMENTS + [{"profile": "reception", "match": {"name_regex": "^11[0-2]$"}},
                           {"profile": "standard", "match": {"extension_group_id": 59}},
                           {"profile": "standard", "match": {"extension_group_id": 58}, "optional": True},
                           {"profile": "standard", "extensions": ["999"]}]
    run = play_role(ROLE, role_vars(tmp_path, phone_profile_assignments=wrong))
    assert run.rc != 0
    for part in ["000*111 (id 1012) is matched by assignments[0] (profile standard)",
                 "assignments[2] (profile reception)", "Nothing was written",
                 "assignments[3] (profile standard) matches no extension of this account",
                 "assignments[5].extensions: no extension is named '999' in this account"]:
        assert part in run.output, run
    assert "assignments[4]" not in run.output  # optional
    assert [e for e in api_requests(sim) if "/phone/" in e["path"]] == []
    assert report(tmp_path)["failed"] is True  # the account was listed: its report says why nothing was done


def test_two_profiles_on_one_bundle_fail_before_any_write(sim, play_role, tmp_path):
    split = [{"profile": "standard", "extensions": [1010]},
             {"profile": "desk", "extensions": [1011]}]
    profiles = dict(PROFILES, desk={"geo_list": "RU BY"})
    run = play_role(ROLE, role_vars(tmp_path, phone_profiles=profiles, phone_profile_assignments=split))
    assert run.rc != 0
    for part in ["profile standard", "profile desk", "geo_list", "1010", "1011", "Nothing was written"]:
        assert part in run.output, run
    assert api_requests(sim, "PUT") == []
    assert report(tmp_path)["failed"] is True


def python_without_requests(folder):
    """An interpreter for the modules on which ``import requests`` fails, as on a controller without it."""
    blocker = folder / "no-requests"
    blocker.mkdir()
    (blocker / "requests.py").write_text("raise ImportError('No module named requests (blocked by the test)')\n")
    interpreter = folder / "python-without-requests"
    interpreter.write_text("#!/bin/sh\nPYTHONPATH=%s exec %s \"$@\"\n" % (blocker, sys.executable))
    interpreter.chmod(0o755)
    return str(interpreter)


def test_a_module_that_cannot_start_still_replaces_the_report_and_publishes_the_summary(sim, play_role, tmp_path):
    # In a user's own play, from the role's first task on: the module fails before it can write its report
    # (the Python library requests is missing), and the role writes the report that says so.
    first = play_role(ROLE, role_vars(tmp_path), check=True)
    assert first.rc == 0 and report(tmp_path)["failed"] is False, first
    sim.clear_log()
    path = tmp_path / "playbook.yml"
    path.write_text(yaml.safe_dump([{"hosts": "localhost", "connection": "local", "gather_facts": False,
                                     "vars": {"ansible_python_interpreter": python_without_requests(tmp_path)},
                                     "roles": [dict(role=ROLE, **role_vars(tmp_path))]}]))
    output, rc = run_playbook(path, ansible_env(sim, ("demo-app", "demo-secret"), SHOW_STATS), True, False, 0)
    assert rc != 0
    assert sim.log == [], output
    got = report(tmp_path)
    assert got["failed"] is True and got["extensions"] == [] and "requests" in got["msg"], output
    markdown = (tmp_path / "report" / "phone_profiles_report.md").read_text()
    assert "The run failed before any phone was read: nothing was written." in markdown
    summary = custom_stats(output)["phone_profiles_summary"]
    assert "requests" in summary["failed_accounts"]["localhost"], summary
    assert "Nothing was read or written: the run failed (below); report %s" % (tmp_path / "report") in output


def test_an_empty_run_fails_after_its_report_unless_allowed(sim, play_role, tmp_path):
    run = play_role(ROLE, role_vars(tmp_path, phone_profile_assignments=[]), check=True, env=SHOW_STATS)
    assert run.rc != 0 and sim.log == []
    why = "assignments is empty: the run would check nothing (the role's phone_profile_assignments"
    assert why in run.output and why in report(tmp_path)["msg"]
    assert why in custom_stats(run.output)["phone_profiles_summary"]["failed_accounts"]["localhost"]
    run = play_role(ROLE, role_vars(tmp_path, phone_profile_assignments=[], phone_profiles_allow_empty=True),
                    check=True)
    assert run.rc == 0 and "Audit of 0 extensions" in run.output, run
    assert report(tmp_path)["failed"] is False
