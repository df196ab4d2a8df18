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


def test_one_run_over_three_accounts_one_with_a_wrong_secret(accounts_simulator, tmp_path):
    sim = accounts_simulator
    sim.reset()
    hosts = {name: {"telphin_api_url": sim.url, "telphin_app_id": "%s-app" % name,
                    "telphin_app_secret": "%s-secret" % name} for name in ("northwind", "initech", "umbrella")}
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
