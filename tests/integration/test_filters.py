# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's filters in a playbook: no deprecation warning that the playbook did not cause, and a removed
filter fails saying what to use instead.

Until 2.0.0 every playbook that called any filter of the collection (every run of the role) warned of the
deprecation of phone_profile_targets and phone_profile_problems: to find one filter, ansible-core loads every
file of plugins/filter/. The rule behind it: tests/unit/plugins/filter/test_routing.py.
"""

SUMMARY = {"extensions": 2, "drifted": 1, "changed": 0, "failed": 0, "check_mode": True,
           "profiles": {"standard": {"extensions": 2, "drifted": 1, "changed": 0, "failed": 0}}, "msg": ""}


def test_the_filters_warn_of_no_deprecation_and_a_removed_one_says_what_to_use(play_tasks):
    run = play_tasks([
        {"ansible.builtin.debug": {"msg": "{{ summary | telphin.pbx.phone_profile_summary_line('r.md') }}"},
         "vars": {"summary": SUMMARY}},
        {"ansible.builtin.debug": {"msg": "{{ {'pbx1': summary} | telphin.pbx.phone_profile_summary_total }}"},
         "vars": {"summary": SUMMARY}},
        {"ansible.builtin.debug": {"msg": "{{ [] | telphin.pbx.phone_profile_targets({}, []) }}"}},
        {"ansible.builtin.debug": {"msg": "{{ {} | telphin.pbx.phone_profile_report }}"}},
    ], env={"ANSIBLE_DEPRECATION_WARNINGS": "true"})
    line, total, targets, report = run.result
    assert line["msg"] == "Audit of 2 extensions (standard): 1 drifting, 0 failed; report r.md", run
    assert total["msg"]["drifted"] == 1 and total["msg"]["accounts"] == {"pbx1": SUMMARY}, run
    assert [text for text in run.output.splitlines() if "DEPRECATION WARNING" in text] == [], run
    assert targets["failed"] and "removed" in targets["msg"], run
    assert "Use the module telphin.pbx.phone_profiles, which checks, matches and applies" in targets["msg"], run
    assert report["failed"] and "removed" in report["msg"], run
    assert "Use the option report_dir of the module telphin.pbx.phone_profiles" in report["msg"], run
