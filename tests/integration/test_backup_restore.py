# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup before a change, restore after it: the account comes back exactly as it was.

Against the simulator over HTTP: a change with ``backup: true``, then ``restore_from`` the file it wrote;
check mode; a backup of another account and a file that is no backup refused; a label holding Jinja; the
file's mode; a backup that cannot be written; a change interrupted half-way, then restored.
"""

import json
import os
import stat

import yaml

from conftest import api_requests, read_vars_file
from test_collection_playbooks import custom_stats, playbook

SOUNDS = ("hold_music", "ringback_sound", "vm_greeting")  # 0 and null are the same sound
PHONES = list(range(1001, 1019))
CHANGE = {"record_enabled": False, "hangup_timeout": 33, "geo_list": "US", "vm_mailto": "all@acme.example",
          "label": "Changed", "conference_pin": "4455"}


def state(sim, ext_ids):
    """Every field of each phone, sounds 0 and null as one."""
    found = {}
    for ext_id in ext_ids:
        phone = dict(sim.phone(ext_id))
        phone.pop("password", None)  # write-only: never in a backup
        for name in SOUNDS:
            phone[name] = phone.get(name) or 0
        found[ext_id] = phone
    return found


def change_with_backup(play, tmp_path, **options):
    task = {"telphin.pbx.phone_properties": dict(
        CHANGE, extensions=[{"extension_id": ext_id} for ext_id in PHONES], backup=True,
        backup_options={"dir_path": str(tmp_path / "backups")}, **options)}
    return play(task)


def restore(play, path, **options):
    return play({"telphin.pbx.phone_properties": {"restore_from": str(path)}}, **options)


def test_a_change_with_a_backup_is_undone_exactly_and_a_second_restore_writes_nothing(sim, play, tmp_path):
    sim.set_phone(1003, {"label": "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % (tmp_path / "ran")})
    sim.set_phone(1004, {"hold_music": None, "label": "Приёмная {{ 7 * 7 }}"})
    before = state(sim, PHONES)
    changed = change_with_backup(play, tmp_path)
    assert changed.rc == 0 and changed.result["changed"], changed
    path = changed.result["backup_path"]
    assert os.path.dirname(path) == str(tmp_path / "backups")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    backup = read_vars_file(open(path, encoding="utf-8").read())
    assert backup["backup"]["client_id"] == 7000 and backup["backup"]["api_host"] == "127.0.0.1"
    assert [e["extension_id"] for e in backup["extensions"]] == PHONES
    assert all("password" not in e["properties"] for e in backup["extensions"])
    assert state(sim, [1005])[1005]["hangup_timeout"] == 33

    checked = restore(play, path, check=True)
    assert checked.rc == 0 and checked.result["changed"] and len(checked.result["extensions"]) == len(PHONES)
    sim.clear_log()
    restored = restore(play, path)
    assert restored.rc == 0, restored
    assert state(sim, PHONES) == before
    assert not (tmp_path / "ran").exists()
    assert sim.phone(1004)["label"] == "Приёмная {{ 7 * 7 }}"
    assert "4455" not in restored.output and "4455" not in changed.output
    sim.clear_log()
    again = restore(play, path)
    assert again.rc == 0 and not again.result["changed"] and api_requests(sim, "PUT") == [], again


def test_only_the_extensions_that_differ_are_written_back(sim, play, tmp_path):
    path = change_with_backup(play, tmp_path).result["backup_path"]
    restore(play, path)
    sim.set_phone(1007, {"hangup_timeout": 99})
    sim.clear_log()
    restored = restore(play, path)
    assert [e["path"] for e in api_requests(sim, "PUT")] == ["/api/ver1.0/extension/1007/phone/"], restored
    assert sim.phone(1007)["hangup_timeout"] != 99


def test_another_accounts_backup_and_a_file_that_is_no_backup_are_refused(sim, play, tmp_path):
    path = change_with_backup(play, tmp_path).result["backup_path"]
    other = tmp_path / "other.yml"
    other.write_text(open(path, encoding="utf-8").read().replace("client_id: 7000", "client_id: 7001"))
    sim.clear_log()
    refused = restore(play, other)
    assert refused.result["failed"] and "the backup is of client 7001, and these credentials are of client 7000" \
        in refused.result["msg"], refused
    assert [e["path"] for e in sim.log] == ["/oauth/token", "/api/ver1.0/user/"]  # no phone read or written
    for text, words in (("phone_profiles: {}\n", "is not a backup of telphin.pbx"), ("{{ [", "is not YAML")):
        (tmp_path / "not-a-backup.yml").write_text(text)
        sim.clear_log()
        refused = restore(play, tmp_path / "not-a-backup.yml")
        assert refused.result["failed"] and words in refused.result["msg"], refused
        assert "restore_from" in refused.result["msg"] and sim.log == []


def test_a_backup_that_cannot_be_written_stops_the_change_before_any_write(sim, play, tmp_path):
    (tmp_path / "backups").write_text("a file where the folder should be")
    run = change_with_backup(play, tmp_path)
    assert run.result["failed"] and "no backup, so nothing was written" in run.result["msg"], run
    assert api_requests(sim, "PUT") == []


def test_check_mode_and_no_drift_write_no_backup(sim, play, tmp_path):
    run = change_with_backup(play, tmp_path, **{})
    assert run.result.get("backup_path")
    checked = play({"telphin.pbx.phone_properties": dict(
        CHANGE, extension_id=1001, backup=True, backup_options={"dir_path": str(tmp_path / "more")})}, check=True)
    assert "backup_path" not in checked.result and not (tmp_path / "more").exists()


def test_an_interrupted_change_restored_converges(sim, play, tmp_path):
    """Half of the writes fail (the task stops as on a lost connection); the restore brings all back."""
    before = state(sim, PHONES)
    sim.set_faults({"fail": {"count": None, "status": 400, "message": "interrupted",
                             "match": {"method": "PUT", "path_regex": "/extension/10(0[5-9]|1[0-8])/"}}})
    run = change_with_backup(play, tmp_path)
    assert run.result["failed"] and run.result["backup_path"], run
    assert sim.phone(1001)["hangup_timeout"] == 33 and sim.phone(1010)["hangup_timeout"] != 33
    sim.clear_faults()
    restored = restore(play, run.result["backup_path"])
    assert restored.rc == 0, restored
    assert state(sim, PHONES) == before


def test_the_profiles_module_backs_up_and_says_where_in_its_summary(sim, play, tmp_path):
    run = play({"telphin.pbx.phone_profiles": {
        "profiles": {"std": {"hangup_timeout": 34}}, "assignments": [{"profile": "std", "extensions": [1001, 1002]}],
        "backup": True, "backup_options": {"dir_path": str(tmp_path), "filename": "before.yml"}}})
    assert run.rc == 0 and run.result["backup_path"] == str(tmp_path / "before.yml"), run
    assert run.result["summary"]["backup_path"] == str(tmp_path / "before.yml")
    restore(play, tmp_path / "before.yml")
    assert sim.phone(1001)["hangup_timeout"] != 34


def test_apply_backs_up_each_run_and_the_restore_playbook_brings_it_back(sim, tmp_path):
    """telphin.pbx.apply backs up by default, keeps the newest N, names the file in the report and the
    summary; telphin.pbx.restore undoes the run, and says in check mode what it would change."""
    profiles = {"phone_profiles": {"std": {"hangup_timeout": 35, "label": "Desk"}},
                "phone_profile_assignments": [{"profile": "std", "match": {"extension_group_id": 52}}]}
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump(profiles))
    before = state(sim, range(1009, 1019))
    paths = []
    for hangup_timeout in (35, 36, 37):  # three runs that each change something: three backups, two kept
        profiles["phone_profiles"]["std"]["hangup_timeout"] = hangup_timeout
        (tmp_path / "profiles.yml").write_text(yaml.safe_dump(profiles))
        run = playbook(sim, tmp_path, "apply", "-e", "@profiles.yml", "-e", "phone_profiles_backup_keep=2",
                       env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
        assert run.rc == 0, run
        report = json.loads((tmp_path / "phone_profiles_report.json").read_text())
        paths.append(report["backup_path"])
        assert custom_stats(run.output)["phone_profiles_summary"]["accounts"]["localhost"]["backup_path"] == paths[-1]
        assert "; backup %s" % paths[-1] in run.output
    assert sorted(str(p) for p in (tmp_path / "backups").iterdir()) == sorted(paths[1:])  # the newest two
    assert sim.phone(1012)["label"] == "Desk"

    checked = playbook(sim, tmp_path, "restore", "--check", "-e", "phone_profiles_restore_file=%s"
                       % os.path.relpath(paths[1], tmp_path))
    assert checked.rc == 0 and "Restore (check mode) of 10 extensions" in checked.output, checked
    sim.clear_log()
    first = playbook(sim, tmp_path, "restore", "-e", "phone_profiles_restore_file=%s" % paths[1])
    assert first.rc == 0 and "10 written back" in first.output, first
    assert {ext_id: sim.phone(ext_id)["hangup_timeout"] for ext_id in range(1009, 1019)} == dict.fromkeys(
        range(1009, 1019), 35)  # as the second run found them
    playbook(sim, tmp_path, "restore", "-e", "phone_profiles_restore_file=%s" % paths[1])
    missing = playbook(sim, tmp_path, "restore")
    assert missing.rc != 0 and "phone_profiles_restore_file: give the backup to restore" in missing.output
    assert before[1009]["hangup_timeout"] != 35
