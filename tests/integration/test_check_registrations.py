# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""check_registrations: which devices a change logged out, read around the writes over HTTP.

The simulator logs a phone's devices out when a PUT changes auth_type, password or static_reg_address
(the handset keeps its old settings); under the reading reregister_after they come back N seconds later.
In the demo seed 1001-1004 are registered, 1012 never was.

A registration resource that fails (404, 500) or answers too slowly never passes for a watch that saw
nothing lost: the phones it could not check are named with why, and every write is still sent.
"""

import json
import os
import time

import pytest

from conftest import api_requests
from test_collection_playbooks import custom_stats, playbook

TASK = "telphin.pbx.phone_properties"


def registration_reads(sim):
    return [e["path"] for e in api_requests(sim, "GET") if e["path"].endswith("/registration/")]


def test_a_change_that_logs_devices_out_names_them(sim, play):
    run = play({TASK: {"extensions": [{"extension_id": 1001, "auth_type": "both"},
                                      {"extension_id": 1002, "static_reg_address": "10.1.2.3:5060"},
                                      {"extension_id": 1003, "hangup_timeout": 41},
                                      {"extension_id": 1012, "auth_type": "both"}],
                       "check_registrations": True, "registration_wait": 0}})
    assert run.rc == 0, run
    assert run.result["registrations_lost"] == [1001, 1002]
    assert "2 extensions lost their SIP registration" in run.output and "id 1001, id 1002" in run.output
    by_id = {e["extension_id"]: e["registration"] for e in run.result["extensions"]}
    assert by_id[1001]["registered_before"] is True and by_id[1001]["registered_after"] is False
    assert by_id[1001]["lost"] is True and by_id[1001]["devices"]
    assert by_id[1003] == dict(by_id[1003], registered_before=True, registered_after=True, lost=False)
    assert by_id[1012]["registered_before"] is False and by_id[1012]["lost"] is False
    # One read per extension written before; after, one round over those that were registered (wait 0).
    reads = registration_reads(sim)
    assert len(reads) == 4 + 3, reads


BULK_PATHS = ("/api/ver1.0/extension/registration/", "/api/ver1.0/client/@me/registration/")
# By number: the listing of the account (40 extensions, 32 phones, one page of 40) tells the bulk read it pays.
BY_NUMBER = [{"extension_name": "100", "auth_type": "both"},
             {"extension_name": "101", "static_reg_address": "10.1.2.3:5060"},
             {"extension_name": "102", "hangup_timeout": 41},
             {"extension_name": "111", "auth_type": "both"}]


def test_the_watch_reads_in_blocks_before_and_after_the_writes(sim, play):
    run = play({TASK: {"extensions": BY_NUMBER, "check_registrations": True, "registration_wait": 0}})
    assert run.rc == 0, run
    assert run.result["registrations_lost"] == [1001, 1002] and run.result["registrations_unchecked"] == []
    by_id = {e["extension_id"]: e["registration"] for e in run.result["extensions"]}
    assert by_id[1003] == dict(by_id[1003], registered_before=True, registered_after=True, lost=False)
    assert by_id[1012]["registered_before"] is False and by_id[1012]["lost"] is False
    assert registration_reads(sim) == [BULK_PATHS[0]] * 2  # one block before, one after


def test_the_watch_remembers_that_the_bulk_read_is_not_there(sim, play):
    sim.set_readings(registration_bulk="none")
    run = play({TASK: {"extensions": BY_NUMBER, "check_registrations": True, "registration_wait": 0}})
    assert run.rc == 0 and run.result["registrations_lost"] == [1001, 1002], run
    reads = registration_reads(sim)
    assert reads[:2] == list(BULK_PATHS)  # tried once each (404), before the writes only
    assert sorted(reads[2:]) == sorted("/api/ver1.0/extension/%d/registration/" % i
                                       for i in (1001, 1002, 1003, 1012, 1001, 1002, 1003))
    assert api_requests(sim, "PUT") and all(not e["failed"] for e in run.result["extensions"])


def test_devices_that_register_again_within_the_wait_are_not_lost(sim, play):
    sim.set_readings(reregister_after=2)
    started = time.monotonic()
    run = play({TASK: {"extension_id": 1001, "password": "New-pass-123", "check_registrations": True,
                       "registration_wait": 20}})
    assert run.rc == 0 and run.result["registrations_lost"] == [], run
    assert time.monotonic() - started >= 2
    assert "New-pass-123" not in run.output


def test_check_mode_says_which_changes_touch_a_registered_device(sim, play):
    run = play({TASK: {"extensions": [{"extension_id": 1001, "password": "Other-pass-1"},
                                      {"extension_id": 1003, "hangup_timeout": 42},
                                      {"extension_id": 1012, "auth_type": "network"}],
                       "check_registrations": True}}, check=True)
    assert run.rc == 0, run
    by_id = {e["extension_id"]: e for e in run.result["extensions"]}
    assert by_id[1001]["registration"]["registered_now"] is True and by_id[1001]["registration"]["devices"]
    assert by_id[1001]["registration"]["fields"] == ["password"]
    assert by_id[1012]["registration"]["registered_now"] is False
    assert "registration" not in by_id[1003]
    assert api_requests(sim, "PUT") == [] and len(registration_reads(sim)) == 2


def test_no_registration_request_unless_asked(sim, play):
    run = play({TASK: {"extension_id": 1001, "auth_type": "both"}})
    assert run.rc == 0 and "registrations_lost" not in run.result
    assert registration_reads(sim) == []


def test_the_profiles_module_counts_the_registrations_it_lost(sim, play):
    run = play({"telphin.pbx.phone_profiles": {
        "profiles": {"net": {"auth_type": "both"}}, "assignments": [{"profile": "net", "extensions": [1001, 1012]}],
        "check_registrations": True, "registration_wait": 0}})
    assert run.rc == 0 and run.result["registrations_lost"] == [1001], run
    assert run.result["summary"]["registrations_lost"] == 1


def test_the_role_counts_and_reports_the_registrations_it_lost(sim, play_role, tmp_path):
    run = play_role("telphin.pbx.phone_profiles", {
        "phone_profiles": {"net": {"auth_type": "both"}},
        "phone_profile_assignments": [{"profile": "net", "extensions": [1001, 1002, 1012]}],
        "phone_profiles_check_registrations": True, "phone_profiles_report_dir": str(tmp_path / "report")},
        env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc == 0, run
    summary = custom_stats(run.output)["phone_profiles_summary"]
    assert summary["registrations_lost"] == 2 and summary["accounts"]["localhost"]["registrations_lost"] == 2
    markdown = (tmp_path / "report" / "phone_profiles_report.md").read_text()
    assert "## Registrations lost" in markdown and "| 000*100 | 1001 | net |" in markdown
    assert "| 000*111 | 1012" not in markdown.split("## Registrations lost")[1]


# ---- a registration resource that cannot be read -------------------------------------------------------

REGISTRATION_PATH = r"/registration/$"
CHANGES = [{"extension_id": 1001, "auth_type": "both"}, {"extension_id": 1002, "static_reg_address": "10.1.2.3:5060"},
           {"extension_id": 1003, "hangup_timeout": 41}]


def puts(sim):
    return sorted(e["path"] for e in api_requests(sim, "PUT") if e["status"] == 200)


@pytest.mark.parametrize("status", [404, 500])
def test_a_registration_resource_answering_an_error_leaves_the_phones_unchecked_and_says_so(sim, play, status):
    sim.set_faults({"fail": {"count": None, "status": status, "message": "registration broken",
                             "match": {"method": "GET", "path_regex": REGISTRATION_PATH}}})
    run = play({TASK: {"extensions": CHANGES, "check_registrations": True, "registration_wait": 0,
                       "max_retries": 1}})
    assert run.rc == 0, run  # a warning, not a failure: every write was made
    assert run.result["registrations_lost"] == [] and run.result["registrations_unchecked"] == [1001, 1002, 1003]
    assert puts(sim) == ["/api/ver1.0/extension/%d/phone/" % i for i in (1001, 1002, 1003)]
    assert sim.phone(1001)["auth_type"] == "both" and sim.phone(1003)["hangup_timeout"] == 41
    warning = " ".join(run.output.split())
    assert ("The SIP registrations of 3 extensions could not be read (registrations_unchecked), so a device the "
            "change logged out would go unnoticed: id 1001, id 1002, id 1003: before the writes: GET "
            "/api/ver1.0/extension/{id}/registration/: HTTP %d" % status) in warning, run.output
    assert "registration broken" in warning and "may have been applied" not in run.output
    for entry in run.result["extensions"]:
        assert entry["changed"] and not entry["failed"], entry
        assert entry["registration"]["unchecked"] is True and entry["registration"]["lost"] is False
        assert entry["registration"]["msg"].startswith("before the writes: GET /api/ver1.0/extension/%d/registration/: "
                                                       "HTTP %d" % (entry["extension_id"], status))


def test_a_registration_resource_slower_than_the_timeout_never_stops_the_writes(sim, play):
    """Every read times out: in 1.1.0 the outage breaker took that for an outage and failed the PUTs
    unsent, saying the write "may have been applied"."""
    sim.set_faults({"slow": {"latency_ms": 2500, "match": {"path_regex": REGISTRATION_PATH}}})
    run = play({TASK: {"extensions": CHANGES, "check_registrations": True, "registration_wait": 0,
                       "timeout": 1, "max_retries": 1}})
    assert run.rc == 0, run
    assert puts(sim) == ["/api/ver1.0/extension/%d/phone/" % i for i in (1001, 1002, 1003)]
    assert run.result["registrations_unchecked"] == [1001, 1002, 1003] and run.result["registrations_lost"] == []
    assert "may have been applied" not in run.output and "seems unreachable" not in run.output
    assert "timed out: no answer within 1 s" in run.result["extensions"][0]["registration"]["msg"]
    assert "could not be read (registrations_unchecked)" in " ".join(run.output.split())  # 2.16, 2.17 wrap it


def test_check_mode_says_which_phones_it_could_not_check(sim, play):
    sim.set_faults({"fail": {"count": None, "status": 403, "message": "Access denied", "api_status": "access_denied",
                             "match": {"path_regex": REGISTRATION_PATH}}})
    run = play({TASK: {"extensions": [{"extension_id": 1001, "password": "Other-pass-1"},
                                      {"extension_id": 1003, "hangup_timeout": 42}],
                       "check_registrations": True}}, check=True)
    assert run.rc == 0, run
    assert run.result["registrations_unchecked"] == [1001]  # 1003's change touches no registration field
    entry = run.result["extensions"][0]["registration"]
    assert entry["unchecked"] is True and entry["registered_now"] is None and "HTTP 403" in entry["msg"]
    assert ("could not be read (registrations_unchecked), so whether the change would log a device out is not "
            "known: id 1001") in " ".join(run.output.split())
    assert api_requests(sim, "PUT") == []


def test_the_role_reports_and_sums_up_the_phones_it_could_not_check(sim, play_role, tmp_path):
    sim.set_faults({"fail": {"count": None, "status": 404, "match": {"path_regex": REGISTRATION_PATH}}})
    run = play_role("telphin.pbx.phone_profiles", {
        "phone_profiles": {"net": {"auth_type": "both"}},
        "phone_profile_assignments": [{"profile": "net", "extensions": [1001, 1002]}],
        "phone_profiles_check_registrations": True, "phone_profiles_report_dir": str(tmp_path / "report")},
        env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc == 0, run
    summary = custom_stats(run.output)["phone_profiles_summary"]
    assert summary["registrations_unchecked"] == 2 and summary["accounts"]["localhost"]["registrations_unchecked"] == 2
    assert "WARNING: the SIP registrations of 2 could not be read (see the report)" in run.output
    assert "[WARNING]: The SIP registrations of 2 extensions could not be read" in run.output
    report = json.loads((tmp_path / "report" / "phone_profiles_report.json").read_text())
    assert report["summary"]["registrations_unchecked"] == 2
    assert [e["registration"]["unchecked"] for e in report["extensions"]] == [True, True]
    markdown = (tmp_path / "report" / "phone_profiles_report.md").read_text()
    assert "**Warning: the SIP registrations of 2 extensions could not be read" in markdown
    section = markdown.split("## Registrations not checked")[1]
    assert "| 000*100 | 1001 | net | before the writes: GET /api/ver1.0/extension/1001/registration/: HTTP 404" in section
    assert len(api_requests(sim, "PUT")) == 2


# ---- restore ---------------------------------------------------------------------------------------------

def test_a_restore_watches_the_registrations_when_asked(sim, play, tmp_path):
    changed = play({TASK: {"extension_id": 1001, "auth_type": "both", "backup": True,
                           "backup_options": {"dir_path": str(tmp_path / "backups")}}})
    assert changed.rc == 0, changed
    sim.set_registration(1001, "Yealink SIP-T46U 108.86.0.50")  # the handset set up anew, then the restore
    restored = play({TASK: {"restore_from": changed.result["backup_path"], "check_registrations": True,
                            "registration_wait": 0}})
    assert restored.rc == 0 and restored.result["registrations_lost"] == [1001], restored
    assert restored.result["registrations_unchecked"] == []
    assert "1 extension lost its SIP registration" in restored.output


def test_the_restore_playbook_takes_phone_profiles_check_registrations(sim, play, tmp_path):
    changed = play({TASK: {"extension_id": 1001, "hangup_timeout": 44, "backup": True,
                           "backup_options": {"dir_path": str(tmp_path / "backups")}}})
    assert changed.rc == 0, changed
    backup = os.path.relpath(changed.result["backup_path"], tmp_path)
    sim.clear_log()
    run = playbook(sim, tmp_path, "restore", "-e", "phone_profiles_restore_file=%s" % backup,
                   "-e", "phone_profiles_check_registrations=true")
    assert run.rc == 0 and "1 written back" in run.output, run
    assert "SIP registrations lost: 0; not checked (read failed): 0." in " ".join(run.output.split())
    assert registration_reads(sim) == ["/api/ver1.0/extension/1001/registration/"] * 2  # before and after
    sim.clear_log()
    unwatched = playbook(sim, tmp_path, "restore", "-e", "phone_profiles_restore_file=%s" % backup)
    assert unwatched.rc == 0 and registration_reads(sim) == [], unwatched
