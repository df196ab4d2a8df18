# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role phone_profiles: one listing, one apply task, a report, and conflicts stopped before any write."""

import json

from conftest import api_requests

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


def test_an_audit_reports_drift_per_extension_and_writes_nothing(sim, play_role, tmp_path):
    run = play_role(ROLE, role_vars(tmp_path), check=True, verbosity=3)
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


def test_applying_then_again_changes_nothing(sim, play_role, tmp_path):
    first = play_role(ROLE, role_vars(tmp_path))
    assert first.rc == 0, first
    assert sorted(int(e["path"].split("/")[4]) for e in api_requests(sim, "PUT")) == [
        1010, 1011, 1012, 1014, 1015, 1027, 1028]  # 1010 and 1011 (one bundle) both held "RU BY"
    assert sim.phone(1027)["conference_pin"] == "605040" and sim.phone(1027)["hangup_timeout"] == 90
    sim.clear_log()
    second = play_role(ROLE, role_vars(tmp_path))
    assert second.rc == 0 and api_requests(sim, "PUT") == [], second
    assert not any(e["changed"] for e in report(tmp_path)["extensions"])


def test_an_extension_matched_twice_fails_before_any_write(sim, play_role, tmp_path):
    twice = ASSIGNMENTS + [{"profile": "reception", "match": {"name_regex": "^11[0-2]$"}}]
    run = play_role(ROLE, role_vars(tmp_path, phone_profile_assignments=twice))
    assert run.rc != 0
    for part in ["000*111 (id 1012) is matched by phone_profile_assignments[0] (profile standard)",
                 "phone_profile_assignments[2] (profile reception)", "nothing was written"]:
        assert part in run.output, run
    assert [e for e in api_requests(sim) if "/phone/" in e["path"]] == []


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
