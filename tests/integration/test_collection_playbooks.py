# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's playbooks as a job template runs them: ``ansible-playbook telphin.pbx.<name>``.

audit refuses without check mode before any request; export writes the account as profiles that, applied
to it, send no PUT (under the API's readings too); one run over an inventory of three accounts, one with a
wrong secret, converges two, writes two reports and fails.
"""

import json
import os
import re
import stat
import subprocess

import pytest
import yaml

from conftest import ANSIBLE_PLAYBOOK, ROOT, Run, ansible_env, api_requests, read_vars_file
from pbxsim import Simulator


def playbook(sim, folder, name, *args, env=None):
    """Run the collection playbook ``name`` from ``folder`` (its current folder: PWD) -> Run."""
    environ = ansible_env(sim, ("demo-app", "demo-secret"), dict(env or {}, PWD=str(folder)))
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "telphin.pbx." + name, *args], cwd=folder, env=environ,
                          capture_output=True, text=True, timeout=300, check=False)
    return Run(None, proc.stdout + proc.stderr, proc.returncode)


def custom_stats(output):
    found = re.search(r"^\s*RUN: (\{.*\})\s*$", output, re.M)
    return json.loads(found.group(1)) if found else None


def test_audit_without_check_mode_sends_nothing(sim, tmp_path):
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump({
        "phone_profiles": {"standard": {"record_enabled": True}},
        "phone_profile_assignments": [{"profile": "standard", "match": {}}]}))
    run = playbook(sim, tmp_path, "audit", "-e", "@profiles.yml")
    assert run.rc != 0
    assert "telphin.pbx.audit only audits, so it runs in check mode: add --check (in AWX, job type Check)" in run.output
    assert sim.log == [], run  # not even a token
    assert not list(tmp_path.glob("phone_profiles_report*"))


def export_then_apply(sim, folder, *export_args):
    """Export the account, apply the file to it: (the file's text, the apply's run, PUTs the apply sent)."""
    export = playbook(sim, folder, "export", *export_args)
    assert export.rc == 0, export
    text = (folder / "phone_profiles_export.yml").read_text()
    sim.clear_log()
    applied = playbook(sim, folder, "apply", "-e", "@phone_profiles_export.yml")
    assert applied.rc == 0, applied
    return text, applied, api_requests(sim, "PUT")


def test_export_then_apply_sends_no_put_with_secrets_when_asked(sim, tmp_path):
    sim.set_phone(1027, {"conference_pin": "605040"})
    text, applied, puts = export_then_apply(sim, tmp_path, "-e", "phone_profiles_export_secrets=true")
    assert puts == [], applied
    exported = read_vars_file(text)
    default = exported["phone_profiles"]["default"]
    assert default["geo_list"] == "RU" and default["hangup_timeout"] == 45 and "vm_mailto" in default["reset"]
    assert "password" not in text.split("phone_profiles:")[1] and "password: write-only" in text  # the header
    assert {"profile": "default", "extensions": ["000*126"],
            "overrides": {"label": "Reception", "hangup_timeout": 30, "conference_pin": "605040"}} \
        in exported["phone_profile_assignments"]
    assert stat.S_IMODE(os.stat(tmp_path / "phone_profiles_export.yml").st_mode) == 0o600
    assert "605040" not in applied.output
    listed = [e for e in api_requests(sim, "GET") if not e["path"].endswith("/phone/")]
    assert len(api_requests(sim, "GET")) - len(listed) == 32  # one GET per phone, nothing else
    assert "Run of 32 extensions" in applied.output and "0 drifted, 0 written, 0 failed" in applied.output


def test_export_then_apply_sends_no_put_under_the_apis_readings(sim, tmp_path):
    # Sounds answered as null, five fields left out of answers, a bundle's inactive member not synchronized
    # (and holding another hold_music than its main), a secret not asked for.
    sim.set_readings(null_sounds=True, omit_fields="vendor_example", bundle_sync_inactive=False)
    sim.set_phone(1005, {"hold_music": 7})
    sim.set_phone(1027, {"conference_pin": "605040"})
    text, applied, puts = export_then_apply(sim, tmp_path, "-e", "phone_profiles_export_file=phone_profiles_export.yml")
    assert puts == [], applied
    exported = read_vars_file(text)
    assert "hold_music" in exported["phone_profiles"]["default"]["reset"]  # null: the system's sound
    assert {"profile": "default", "extensions": ["000*104"],
            "overrides": {"hold_music": None, "vm_mailto": "a.smirnova@acme.example"}} \
        in exported["phone_profile_assignments"]
    assert "000*104: hold_music differs from its bundle's main extension 1003; left unmanaged there" in text
    assert "label: the API's answers leave it out" in text and "label:" not in text.split("phone_profiles:")[1]
    assert "605040" not in text and "conference_pin: a secret" in text


@pytest.fixture(scope="module")
def accounts_simulator():
    with Simulator(seed=str(ROOT / "tests" / "simulator" / "seeds" / "accounts.yml")) as sim:
        yield sim


def account_hosts(sim):
    """The inventory's hosts of the three accounts of seeds/accounts.yml, each with its own credentials."""
    return {name: {"telphin_api_url": sim.url, "telphin_app_id": "%s-app" % name,
                   "telphin_app_secret": "%s-secret" % name} for name in ("northwind", "initech", "umbrella")}


def test_one_run_over_three_accounts_one_with_a_wrong_secret(accounts_simulator, tmp_path):
    sim = accounts_simulator
    sim.reset()
    hosts = account_hosts(sim)
    hosts["umbrella"]["telphin_app_secret"] = "not-the-secret"
    (tmp_path / "accounts.yml").write_text(yaml.safe_dump({"pbx_accounts": {"hosts": hosts}}))
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump({
        "phone_profiles": {"standard": {"geo_list": "RU", "record_enabled": True, "incoming_limit": 1,
                                        "vm_enabled": True, "hangup_timeout": 45}},
        "phone_profile_assignments": [{"profile": "standard", "match": {"status": "active"}}]}))
    run = playbook(sim, tmp_path, "apply", "-i", "accounts.yml", "-e", "telphin_accounts=pbx_accounts",
                   "-e", "@profiles.yml",
                   env={"ANSIBLE_SHOW_CUSTOM_STATS": "true", "TELPHIN_API_URL": "", "TELPHIN_APP_ID": "",
                        "TELPHIN_APP_SECRET": ""})
    assert run.rc != 0
    assert sorted(int(e["path"].split("/")[4]) for e in api_requests(sim, "PUT")) == [2003, 2006, 3002, 3005, 3009]
    assert sim.phone(2003)["geo_list"] == "RU" and sim.phone(3009)["hangup_timeout"] == 45
    reports = {path.parent.name: json.loads(path.read_text()) for path in tmp_path.glob("*/phone_profiles_report.json")}
    assert sorted(reports) == ["initech", "northwind", "umbrella"]
    assert reports["northwind"]["summary"]["extensions"] == 7 and reports["northwind"]["summary"]["changed"] == 2
    # The account that failed before anything was read has a report that says so.
    assert reports["umbrella"]["failed"] is True and "could not be listed" in reports["umbrella"]["msg"]
    markdown = (tmp_path / "umbrella" / "phone_profiles_report.md").read_text()
    assert "The run failed before any phone was read" in markdown and "could not be listed" in markdown
    summary = custom_stats(run.output)["phone_profiles_summary"]
    assert (summary["extensions"], summary["changed"], list(summary["failed_accounts"])) == (17, 5, ["umbrella"])
    assert "invalid_client" in summary["failed_accounts"]["umbrella"] or "401" in summary["failed_accounts"]["umbrella"]
    assert re.search(r"umbrella\] => \{\s*\"msg\": \"Nothing was read or written: the run failed", run.output), run
    assert re.search(r"umbrella\s*: ok=\d+ .*failed=1", run.output) and re.search(r"initech\s*: .*failed=0", run.output)
    assert "not-the-secret" not in run.output


# ---- issue 22: a run that checks nothing fails; every failure ends in a report and a summary -----------------

GREEN_REPORT = {"check_mode": True, "failed": False, "msg": "", "extensions": [],
                "summary": {"extensions": 3, "drifted": 0, "changed": 0, "failed": 0, "check_mode": True, "msg": "",
                            "profiles": {}}}


def green_reports(folder):
    """An older report of a run that went well, which a failed run must replace."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "phone_profiles_report.json").write_text(json.dumps(GREEN_REPORT))
    (folder / "phone_profiles_report.md").write_text("# Phone profiles report\n\nAudit (check mode): all green.\n")


def failed_report(folder):
    """The account's report, asserting that it is one of a failed run that replaced the green one: its message."""
    written = json.loads((folder / "phone_profiles_report.json").read_text())
    markdown = (folder / "phone_profiles_report.md").read_text()
    assert written["failed"] is True and "all green" not in markdown, markdown
    assert "The run failed before any phone was read: nothing was written." in markdown
    assert written["msg"] and written["summary"]["msg"] == written["msg"]
    return written["msg"]


def test_an_audit_of_no_profile_fails_and_says_why_unless_allowed(sim, tmp_path):
    # phone_profile (singular) misspelt: the role's phone_profiles stays empty.
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump({
        "phone_profile": {"standard": {"record_enabled": True}},
        "phone_profile_assignments": [{"profile": "standard", "match": {}}]}))
    green_reports(tmp_path)
    run = playbook(sim, tmp_path, "audit", "--check", "-e", "@profiles.yml", "-e", "phone_profiles_fail_on_drift=true",
                   env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc != 0
    why = ("profiles is empty: the run would check nothing (the role's phone_profiles: was the vars file that holds "
           "it left out, or a name misspelt?); allow_empty (the role's phone_profiles_allow_empty: true) lets an "
           "empty run through")
    assert why in run.output and "Audit of 0 extensions" not in run.output, run
    assert sim.log == []  # refused before any request, not even a token
    assert why in failed_report(tmp_path)
    summary = custom_stats(run.output)["phone_profiles_summary"]
    assert list(summary["failed_accounts"]) == ["localhost"] and why in summary["failed_accounts"]["localhost"]
    assert re.search(r"localhost\s*: ok=\d+ .*failed=1", run.output), run

    # No vars file at all: both are named. Let through, the empty audit ends well and says what it did.
    run = playbook(sim, tmp_path, "audit", "--check")
    assert run.rc != 0 and "profiles and assignments are empty" in run.output, run
    run = playbook(sim, tmp_path, "audit", "--check", "-e", "phone_profiles_allow_empty=true",
                   env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc == 0, run
    assert "Audit of 0 extensions" in run.output
    assert custom_stats(run.output)["phone_profiles_summary"]["failed_accounts"] == {}
    assert json.loads((tmp_path / "phone_profiles_report.json").read_text())["failed"] is False


ACCOUNTS_INVENTORY = {"pbx_accounts": {"hosts": {"northwind": {}, "initech": {}}}, "web": {"hosts": {"web1": {}}}}


@pytest.mark.parametrize("name, args, why", [
    ("audit", ["-e", "telphin_accounts=pbx_acounts"],
     "telphin_accounts=pbx_acounts matches no host of the inventory; did you mean pbx_accounts?"),
    ("apply", ["-e", "telphin_accounts=pbx_accounts", "--limit", "web1"],
     "telphin_accounts=pbx_accounts selects no account with --limit web1"),
    ("audit", ["--limit", "northwind"],
     "localhost (telphin_accounts is not set) selects no account with --limit northwind"),
], ids=["misspelt", "limit", "limit-without-telphin_accounts"])
def test_a_run_that_selects_no_account_fails_before_anything_runs(sim, tmp_path, name, args, why):
    (tmp_path / "accounts.yml").write_text(yaml.safe_dump(ACCOUNTS_INVENTORY))
    check = ["--check"] if name == "audit" else []
    run = playbook(sim, tmp_path, name, "-i", "accounts.yml", *check, *args)
    assert run.rc != 0
    assert why in run.output and "nothing was run" in run.output, run
    assert "To let a run that selects no account end well, set phone_profiles_allow_empty=true." in run.output
    assert "PLAY [" not in run.output and sim.log == []
    allowed = playbook(sim, tmp_path, name, "-i", "accounts.yml", *check, *args, "-e", "phone_profiles_allow_empty=true")
    assert allowed.rc == 0 and "skipping: no hosts matched" in allowed.output, allowed
    assert sim.log == [] and list(tmp_path.glob("**/phone_profiles_report*")) == []


PROFILES = {"phone_profiles": {"standard": {"record_enabled": True}},
            "phone_profile_assignments": [{"profile": "standard", "match": {}}]}


@pytest.mark.parametrize("extra, why", [
    ({"phone_profiles": [1, 2]}, ["profiles (the role's phone_profiles): must be a mapping of profile names to "
                                  "property values", "got a list"]),
    ({"telphin_app_secret": "{{ vault_pbx_secret }}"}, ["'vault_pbx_secret' is undefined"]),
    ({"phone_profiles_fail_on_drift": "sometimes"}, ["argument 'phone_profiles_fail_on_drift' is of type",
                                                     "unable to convert to bool"]),
], ids=["not-a-dict", "undefined-secret", "not-a-bool"])
def test_a_run_that_fails_before_the_module_replaces_the_report_and_publishes_the_summary(sim, tmp_path, extra, why):
    (tmp_path / "vars.yml").write_text(yaml.safe_dump(dict(PROFILES, **extra)))
    green_reports(tmp_path)
    run = playbook(sim, tmp_path, "apply", "-e", "@vars.yml", env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc != 0
    assert sim.log == [], run
    said = failed_report(tmp_path)
    summary = custom_stats(run.output)["phone_profiles_summary"]
    assert all(part in said and part in summary["failed_accounts"]["localhost"] for part in why), (said, summary)
    assert summary["accounts"]["localhost"]["extensions"] == 0
    assert "Nothing was read or written: the run failed (below); report %s/phone_profiles_report.md" % tmp_path \
        in run.output
    assert re.search(r"localhost\s*: ok=\d+ .*failed=1", run.output), run


def test_a_report_folder_that_is_the_bad_variable_is_said_in_the_summary(sim, tmp_path):
    (tmp_path / "vars.yml").write_text(yaml.safe_dump(dict(PROFILES, phone_profiles_report_dir="{{ reports_root }}/pbx")))
    run = playbook(sim, tmp_path, "audit", "--check", "-e", "@vars.yml", env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc != 0 and sim.log == []
    said = custom_stats(run.output)["phone_profiles_summary"]["failed_accounts"]["localhost"]
    assert "'reports_root' is undefined" in said and "the report could not be written" in said, said
    assert "Nothing was read or written: the run failed (below); no report was written" in run.output
    assert list(tmp_path.glob("**/phone_profiles_report*")) == []


def test_every_account_failing_before_the_module_gets_its_report_and_the_summary(accounts_simulator, tmp_path):
    sim = accounts_simulator
    sim.reset()
    hosts = account_hosts(sim)
    hosts["initech"]["telphin_app_secret"] = "{{ vault_initech_secret }}"
    hosts["umbrella"]["phone_profiles_parallel"] = "many"
    (tmp_path / "accounts.yml").write_text(yaml.safe_dump({"pbx_accounts": {"hosts": hosts}}))
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump({
        "phone_profiles": {"standard": {"geo_list": "RU"}},
        "phone_profile_assignments": [{"profile": "standard", "match": {"status": "active"}}]}))
    for name in hosts:
        green_reports(tmp_path / name)
    env = {"ANSIBLE_SHOW_CUSTOM_STATS": "true", "TELPHIN_API_URL": "", "TELPHIN_APP_ID": "", "TELPHIN_APP_SECRET": ""}
    args = ("-i", "accounts.yml", "-e", "telphin_accounts=pbx_accounts", "-e", "@profiles.yml")
    run = playbook(sim, tmp_path, "audit", "--check", *args, env=env)
    assert run.rc != 0
    assert "'vault_initech_secret' is undefined" in failed_report(tmp_path / "initech")
    assert "parallel: must be auto or an integer from 1 to 32, got 'many'" in failed_report(tmp_path / "umbrella")
    assert json.loads((tmp_path / "northwind" / "phone_profiles_report.json").read_text())["summary"]["extensions"] == 7
    summary = custom_stats(run.output)["phone_profiles_summary"]
    assert sorted(summary["accounts"]) == ["initech", "northwind", "umbrella"]
    assert sorted(summary["failed_accounts"]) == ["initech", "umbrella"] and summary["extensions"] == 7
    assert re.search(r"northwind\s*: .*failed=0", run.output) and re.search(r"initech\s*: .*failed=1", run.output)

    # Every account at once (an extra variable that no account can take): each gets its report, and the
    # summary still names them all.
    sim.clear_log()
    run = playbook(sim, tmp_path, "apply", *args, "-e", "phone_profiles_parallel=many", env=env)
    assert run.rc != 0 and sim.log == []
    assert "parallel: must be auto or an integer from 1 to 32, got 'many'" in failed_report(tmp_path / "northwind")
    assert "parallel: must be auto or an integer from 1 to 32, got 'many'" in failed_report(tmp_path / "umbrella")
    assert "'vault_initech_secret' is undefined" in failed_report(tmp_path / "initech")
    summary = custom_stats(run.output)["phone_profiles_summary"]
    assert sorted(summary["failed_accounts"]) == ["initech", "northwind", "umbrella"], summary
    assert summary["check_mode"] is False and summary["extensions"] == 0


def test_apply_with_only_extensions_reads_and_writes_those_alone(sim, tmp_path):
    # What the onboarding rulebook runs for a new extension: the apply playbook limited to it.
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump({
        "phone_profiles": {"standard": {"record_enabled": True}},
        "phone_profile_assignments": [{"profile": "standard", "match": {}}]}))
    for ext in (1005, 1006):
        sim.set_phone(ext, {"record_enabled": False})
    run = playbook(sim, tmp_path, "apply", "-e", "@profiles.yml", "-e", '{"phone_profiles_only_extensions": [1005]}',
                   env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert run.rc == 0, run
    assert [sim.phone(ext)["record_enabled"] for ext in (1005, 1006)] == [True, False]
    reads = [e["path"] for e in sim.log if e["method"] == "GET" and e["path"].endswith("/phone/")]
    assert reads == ["/api/ver1.0/extension/1005/phone/"]
    assert custom_stats(run.output)["phone_profiles_summary"]["extensions"] == 1


def test_an_audit_prints_no_warning_the_user_did_not_cause_and_says_what_changed_means(sim, tmp_path):
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump(PROFILES))
    run = playbook(sim, tmp_path, "audit", "--check", "-e", "@profiles.yml")
    assert run.rc == 0, run
    assert "[WARNING]" not in run.output and "DEPRECATION" not in run.output, run.output
    assert "Audit (in check mode, changed means a real run would change it) or apply every profile" in run.output
    assert "CUSTOM STATS" not in run.output  # shown only when asked for (ANSIBLE_SHOW_CUSTOM_STATS)
