# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""check_registrations: which devices a change logged out, read around the writes over HTTP.

The simulator logs a phone's devices out when a PUT changes auth_type, password or static_reg_address
(the handset keeps its old settings); under the reading reregister_after they come back N seconds later.
In the demo seed 1001-1004 are registered, 1012 never was.
"""

import time

from conftest import api_requests
from test_collection_playbooks import custom_stats

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
