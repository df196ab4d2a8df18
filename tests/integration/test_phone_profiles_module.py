# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module phone_profiles, and the role through it: the defects a new user met at the role's seams.

Every problem of the input at once before any request; one token and one listing; a numeric profile name;
the report folder checked before any request; every account of a play in the summary with its reason; an
old report replaced; Markdown that shows texts as they are; one export file for several accounts refused;
an audit that fails on drift.
"""

import json
import re

import yaml

from conftest import api_requests
from test_collection_playbooks import custom_stats, playbook
from test_role_phone_profiles import PROFILES, ROLE, role_vars

MODULE = "telphin.pbx.phone_profiles"


def test_every_problem_of_the_input_at_once_before_any_request(sim, play):
    run = play({MODULE: {
        "profiles": {"std": {"record_enable": True}, "desk": {"extends": "std", "hangup_timeout": "soon"}},
        "assignments": [{"profile": "std", "overides": {"label": "x"}},
                        {"profile": "stdd", "match": {"extension_grop_id": 52}, "optionl": True},
                        {"profile": "desk", "extensions": ["100"]}],
        "parallel": 0}}, check=True)
    problems = run.result["problems"]
    for expected in ["profiles.std.record_enable: not a property of the phone terminal; did you mean record_enabled?",
                     "profiles.desk.hangup_timeout: must be an integer",
                     "assignments[0].overides: not a key of an assignment; use profile, extensions, match, "
                     "overrides, optional; did you mean overrides?",
                     "assignments[1].profile: 'stdd' is not in profiles (desk, std); did you mean std?",
                     "assignments[1].match: unknown keys extension_grop_id; use type, status, name_regex, "
                     "label_regex, extension_group_id; did you mean extension_group_id?",
                     "assignments[1].optionl: not a key of an assignment; use profile, extensions, match, "
                     "overrides, optional; did you mean optional?",
                     "parallel: must be auto or an integer from 1 to 32, got 0"]:
        assert any(problem.startswith(expected) for problem in problems), (expected, problems)
    assert run.result["summary"]["msg"].startswith("Invalid options, nothing was sent: ")
    assert sim.log == []  # not even a token


def test_one_token_one_listing_and_a_profile_named_by_a_number(sim, play):
    run = play({MODULE: {"profiles": {1: {"hangup_timeout": 61}, "two": {"extends": 1, "record_enabled": True}},
                         "assignments": [{"profile": 1, "extensions": [1001, "101"]},
                                         {"profile": "two", "match": {"extension_group_id": 53}}]}}, diff=True)
    assert run.rc == 0, run
    assert [sim.phone(ext_id)["hangup_timeout"] for ext_id in (1001, 1002, 1020)] == [61, 61, 61]
    assert run.result["summary"]["profiles"]["1"]["extensions"] == 2
    group_53 = [e for e in sim.extensions() if e["extension_group_id"] == 53 and e["type"] == "phone"]
    assert run.result["summary"]["profiles"]["two"]["extensions"] == len(group_53) > 0
    tokens = [e for e in sim.log if e["path"] == "/oauth/token"]
    listing = [e for e in api_requests(sim, "GET") if e["path"].endswith("/extension/")]
    # One listing: the account's 40 extensions on page 1, and the empty page that ends it.
    assert len(tokens) == 1 and [e["query"]["page"] for e in listing] == ["1", "2"], (tokens, listing)
    assert {entry["profile"] for entry in run.result["extensions"]} == {"1", "two"}
    assert len(run.result["diff"]) == run.result["summary"]["drifted"]


def test_a_report_folder_that_is_a_file_stops_the_account_before_any_request(sim, play_role, tmp_path):
    (tmp_path / "report").write_text("not a folder")
    run = play_role(ROLE, role_vars(tmp_path), env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc != 0
    assert sim.log == [], run  # not even a token
    summary = custom_stats(run.output)["phone_profiles_summary"]
    assert "report_dir: %s is a file, not a folder" % (tmp_path / "report") in summary["failed_accounts"]["localhost"], summary


def test_every_account_of_the_play_is_in_the_summary_with_its_reason(sim, tmp_path):
    """An account whose host variables hold a typo fails in the module; one whose report folder is a file
    fails before its run; the third is applied, and its writes are counted."""
    hosts = {name: {"telphin_api_url": sim.url, "telphin_app_id": "demo-app", "telphin_app_secret": "demo-secret"}
             for name in ("good", "typo", "nofolder")}
    hosts["typo"]["phone_profiles"] = {"standard": {"record_enable": True}}
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "nofolder").write_text("a file where the account's folder goes")
    profiles = {"phone_profiles": {"standard": {"hangup_timeout": 63}},
                "phone_profile_assignments": [{"profile": "standard", "extensions": [1001, 1002]}]}
    (tmp_path / "accounts.yml").write_text(yaml.safe_dump({"pbx_accounts": {"hosts": hosts, "vars": profiles}}))
    run = playbook(sim, tmp_path, "apply", "-i", "accounts.yml", "-e", "telphin_accounts=pbx_accounts",
                   "-e", "phone_profiles_report_dir=reports", env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc != 0
    summary = custom_stats(run.output)["phone_profiles_summary"]
    assert sorted(summary["accounts"]) == ["good", "nofolder", "typo"], summary
    assert sorted(summary["failed_accounts"]) == ["nofolder", "typo"]
    assert "profiles.standard.record_enable: not a property" in summary["failed_accounts"]["typo"]
    assert "report_dir: " in summary["failed_accounts"]["nofolder"], summary
    assert summary["accounts"]["good"]["changed"] == 2 and summary["changed"] == 2, summary
    assert len(api_requests(sim, "PUT")) == 2


def test_an_account_that_fails_replaces_its_older_report(sim, play_role, tmp_path):
    first = play_role(ROLE, role_vars(tmp_path), check=True)
    assert first.rc == 0 and "failed: 0." in (tmp_path / "report" / "phone_profiles_report.md").read_text()
    sim.set_faults({"fail": {"count": None, "status": 400, "message": "listing refused",
                             "match": {"path_regex": "/extension/$"}}})
    failed = play_role(ROLE, role_vars(tmp_path), check=True)
    assert failed.rc != 0
    markdown = (tmp_path / "report" / "phone_profiles_report.md").read_text()
    assert "The run failed before any phone was read" in markdown and "listing refused" in markdown
    assert json.loads((tmp_path / "report" / "phone_profiles_report.json").read_text())["failed"] is True


def test_the_markdown_report_shows_texts_as_they_are_and_keeps_its_tables(sim, play_role, tmp_path):
    sim.set_phone(1012, {"label": "Приёмная | стойка 2"})
    profiles = dict(PROFILES, standard=dict(PROFILES["standard"], label="Ресепшн"))
    run = play_role(ROLE, role_vars(tmp_path, phone_profiles=profiles), check=True)
    assert run.rc == 0, run
    markdown = (tmp_path / "report" / "phone_profiles_report.md").read_text(encoding="utf-8")
    assert "| 000*111 | 1012 | standard | label | Приёмная \\| стойка 2 | Ресепшн |" in markdown
    assert "\\u04" not in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| 000*")]
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 7 for row in rows), rows  # six cells in every row


def test_one_export_file_for_several_accounts_is_refused_before_any_request(sim, tmp_path):
    hosts = {name: {"telphin_api_url": sim.url, "telphin_app_id": "demo-app", "telphin_app_secret": "demo-secret"}
             for name in ("north", "south")}
    (tmp_path / "accounts.yml").write_text(yaml.safe_dump({"pbx_accounts": {"hosts": hosts}}))
    run = playbook(sim, tmp_path, "export", "-i", "accounts.yml", "-e", "telphin_accounts=pbx_accounts",
                   "-e", "phone_profiles_export_file=profiles.yml")
    assert run.rc != 0
    assert "phone_profiles_export_file names one file" in run.output and "north, south" in run.output, run
    assert sim.log == [] and not (tmp_path / "profiles.yml").exists()


def test_an_audit_fails_on_drift_when_asked_after_its_report_and_summary(sim, play_role, tmp_path):
    run = play_role(ROLE, role_vars(tmp_path, phone_profiles_fail_on_drift=True), check=True,
                    env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc != 0
    assert "7 of 12 extensions drift from their profiles" in run.output, run
    assert custom_stats(run.output)["phone_profiles_summary"]["drifted"] == 7
    assert json.loads((tmp_path / "report" / "phone_profiles_report.json").read_text())["summary"]["drifted"] == 7
    applied = play_role(ROLE, role_vars(tmp_path))
    assert applied.rc == 0, applied
    clean = play_role(ROLE, role_vars(tmp_path, phone_profiles_fail_on_drift=True), check=True)
    assert clean.rc == 0 and "0 drifting" in clean.output, clean


def test_the_report_headline_and_the_summary_say_the_same_counts_when_a_write_is_refused(sim, play_role, tmp_path):
    sim.set_faults({"fail": {"count": None, "status": 400, "message": "refused by the PBX",
                             "match": {"method": "PUT", "path_regex": "/extension/1012/"}}})
    profiles = dict(PROFILES, standard=dict(PROFILES["standard"], hangup_timeout=77))
    run = play_role(ROLE, role_vars(tmp_path, phone_profiles=profiles), env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc != 0 and "refused by the PBX" in run.output, run
    summary = json.loads((tmp_path / "report" / "phone_profiles_report.json").read_text())["summary"]
    assert summary["failed"] == 1 and summary["changed"] == summary["drifted"] - 1, summary
    markdown = (tmp_path / "report" / "phone_profiles_report.md").read_text()
    assert "Extensions: %d; drifted: %d; written: %d; failed: 1." % (
        summary["extensions"], summary["drifted"], summary["changed"]) in markdown, markdown
    assert custom_stats(run.output)["phone_profiles_summary"]["changed"] == summary["changed"]
    assert "%d drifted, %d written, 1 failed" % (summary["drifted"], summary["changed"]) in run.output


def phone_gets(sim):
    return sorted(int(e["path"].split("/")[-3]) for e in api_requests(sim, "GET") if e["path"].endswith("/phone/"))


def test_only_extensions_reads_and_writes_those_named_and_warns_of_one_no_assignment_takes(sim, play):
    group_53 = [e["id"] for e in sim.extensions() if e["extension_group_id"] == 53 and e["type"] == "phone"]
    others = [e["id"] for e in sim.extensions() if e["extension_group_id"] != 53 and e["type"] == "phone"]
    for ext in group_53 + others:
        sim.set_phone(ext, {"record_enabled": False})
    # The onboarding of two new extensions: one by id, one by its number; and one that no assignment takes.
    number = next(e["name"] for e in sim.extensions() if e["id"] == group_53[1]).rpartition("*")[2]
    run = play({MODULE: {"profiles": {"desk": {"record_enabled": True}},
                         "assignments": [{"profile": "desk", "match": {"extension_group_id": 53}}],
                         "only_extensions": [group_53[0], number, others[0]]}})
    assert run.rc == 0 and run.result["summary"]["changed"] == 2, run
    assert phone_gets(sim) == sorted(group_53[:2])
    assert [sim.phone(ext)["record_enabled"] for ext in group_53[:3]] == [True, True, False]
    untaken = next(e["name"] for e in sim.extensions() if e["id"] == others[0])
    assert any("only_extensions: no assignment takes %s (id %s), so nothing was done for it" % (untaken, others[0])
               in " ".join(w.split()) for w in run.result["warnings"]), run.result.get("warnings")


def test_only_extensions_that_name_nothing_or_nothing_at_all_are_refused_before_any_phone_is_read(sim, play_tasks):
    task = {"profiles": {"desk": {"record_enabled": True}}, "assignments": [{"profile": "desk", "match": {}}]}
    run = play_tasks([{MODULE: dict(task, only_extensions=["777"])}, {MODULE: dict(task, only_extensions=[])}])
    unknown, empty = run.result
    assert unknown["failed"] and "only_extensions[0]: no extension is named '777' in this account" in unknown["msg"]
    assert empty["failed"] and "only_extensions: empty: name at least one extension" in empty["msg"], empty
    assert phone_gets(sim) == []
