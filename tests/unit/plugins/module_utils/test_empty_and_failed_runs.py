# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run that would check nothing is refused; a run that failed before phone_profiles ran gets a report that says so."""

import json

from ansible_collections.telphin.pbx.plugins.module_utils import report, results
from ansible_collections.telphin.pbx.plugins.module_utils.profiles import empty_problems

PROFILES = {"std": {"record_enabled": True}}
ASSIGNMENTS = [{"profile": "std", "extensions": ["100"]}]


def test_no_profile_or_no_assignment_is_refused_naming_the_option_and_the_role_variable():
    assert empty_problems(PROFILES, ASSIGNMENTS) == []
    (only,) = empty_problems({}, ASSIGNMENTS)
    assert only.startswith("profiles is empty: the run would check nothing (the role's phone_profiles: ")
    assert "allow_empty (the role's phone_profiles_allow_empty: true) lets an empty run through" in only
    (only,) = empty_problems(PROFILES, [])
    assert only.startswith("assignments is empty: the run would check nothing (the role's phone_profile_assignments:")
    (both,) = empty_problems(None, None)
    assert both.startswith("profiles and assignments are empty: ") and "phone_profiles and phone_profile_assignments" \
        in both and "that holds them" in both


def test_a_run_that_failed_before_the_module_is_reported_failed_with_why(tmp_path):
    result = results.phone_profiles_failed_before("'vault_x' is undefined", [], check_mode=True)
    assert result["failed"] is True and result["msg"] == "'vault_x' is undefined"
    assert result["summary"] == {"extensions": 0, "drifted": 0, "changed": 0, "failed": 0, "check_mode": True,
                                 "profiles": {}, "msg": "'vault_x' is undefined"}
    path = report.write(str(tmp_path), results.phone_profiles_report(result, True), "northwind")
    markdown = (tmp_path / "phone_profiles_report.md").read_text()
    assert path.endswith("phone_profiles_report.md")
    assert "The run failed before any phone was read: nothing was written." in markdown
    assert "**'vault_x' is undefined**" in markdown
    assert json.loads((tmp_path / "phone_profiles_report.json").read_text())["failed"] is True


def test_a_report_that_cannot_be_written_either_is_said_in_the_summary():
    result = results.phone_profiles_failed_before("'x' is undefined", ["report_dir: /r is a file, not a folder"],
                                                  check_mode=False)
    assert result["summary"]["msg"] == result["msg"] == (
        "'x' is undefined; the report could not be written: report_dir: /r is a file, not a folder")
    assert results.summary_line(result["summary"], "") == \
        "Nothing was read or written: the run failed (below); no report was written"
    assert results.summary_line(result["summary"], "r/phone_profiles_report.md").endswith(
        "; report r/phone_profiles_report.md")
