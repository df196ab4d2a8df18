# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 22, points 1 and 9, as a user runs the modules against the simulator.

``backup_options.keep`` prunes only this collection's backups of the account (by their header, 1.1.0's
too), never the backup just written, nor a user's file, a symlink or another account's backup; what it
cannot read it leaves, with a warning, and the change goes ahead. A malformed backup given to
``restore_from`` is refused before any request, naming the file, the entry and the reason. The info
modules answer an unknown or non-phone name as phone_properties does.
"""

import os

from conftest import api_requests

# A backup as telphin.pbx 1.1.0 wrote it: its header is the format this version reads.
BACKUP_1_1_0 = """\
# A backup of 1 phone extensions of client {client} at 127.0.0.1, taken by telphin.pbx 1.1.0 before a change.
# It holds secrets: keep it where only you can read it. Restore it with:
#   ansible-playbook telphin.pbx.restore -e phone_profiles_restore_file=/somewhere/old.yml
---
backup: {{format: !unsafe 'telphin.pbx phone properties backup', format_version: 1, collection_version: !unsafe \
'1.1.0', client_id: {client}, api_host: !unsafe '127.0.0.1', taken_at: '2026-11-01T00:00:00Z'}}
extensions:
- extension_id: 1001
  name: !unsafe '000*100'
  label: !unsafe 'Ivan Petrov'
  properties: {{hangup_timeout: 30, record_enabled: true, conference_pin: !unsafe '4455'}}
- extension_id: 1002
  name: !unsafe '000*101'
  label: !unsafe 'Maria Ivanova'
  properties: {{hangup_timeout: 30, record_enabled: false}}
"""
OTHER_ACCOUNT = {"app_id": "other-app", "app_secret": "other-secret"}  # client 7001 of the demo seed


def change(folder, hangup_timeout, keep, extension_id=1001, **options):
    return {"telphin.pbx.phone_properties": dict(
        extension_id=extension_id, hangup_timeout=hangup_timeout, backup=True,
        backup_options={"dir_path": str(folder), "keep": keep}, **options)}


def test_keep_prunes_only_this_accounts_backups_and_warns_of_what_it_cannot_read(sim, play_tasks, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "phone_properties_7000_20261101T000000000000Z.yml"
    old.write_text(BACKUP_1_1_0.format(client=7000))
    other_account = folder / "phone_properties_7001_20261101T000000000000Z.yml"
    other_account.write_text(BACKUP_1_1_0.format(client=7001))
    outside = tmp_path / "kept-elsewhere.yml"
    outside.write_text(BACKUP_1_1_0.format(client=7000))
    # Each sorts after every backup the tasks write: 1.1.0 removed what sorted first.
    users = {"phone_properties_7000_notes-Z.yml": "my notes\n",
             "phone_properties_7000_20991231T235959999999Z.yml": "named like a backup, but mine\n"}
    for name, text in users.items():
        (folder / name).write_text(text)
    link = folder / "phone_properties_7000_20991231T235959999998Z.yml"
    link.symlink_to(outside)
    unreadable = folder / "phone_properties_7000_20991231T235959999997Z.yml"
    unreadable.write_bytes(b"\xff\xfe\x00binary\n")

    run = play_tasks([
        change(folder, 31, 0),  # keeps every backup
        change(folder, 32, 2),  # keeps its own and the first task's; removes 1.1.0's
        change(folder, 33, 1),  # keeps its own only
        change(folder, 34, 1, extension_id=90001, **OTHER_ACCOUNT),  # the other account's, in the same folder
        {"telphin.pbx.phone_profiles": {
            "profiles": {"std": {"hangup_timeout": 35}}, "assignments": [{"profile": "std", "extensions": [1002]}],
            "backup": True, "backup_options": {"dir_path": str(folder), "keep": 2}}},
    ])
    first, second, third, other, profiles = run.result
    assert all(r["changed"] and not r["failed"] for r in run.result), run
    assert sim.phone(1001)["hangup_timeout"] == 33 and sim.phone(90001)["hangup_timeout"] == 34
    assert sim.phone(1002)["hangup_timeout"] == 35
    assert not os.path.exists(first["backup_path"]) and not os.path.exists(second["backup_path"])
    assert not old.exists() and not other_account.exists()
    kept = {third["backup_path"], other["backup_path"], profiles["backup_path"], str(link), str(unreadable)}
    kept |= {str(folder / name) for name in users}
    assert {str(path) for path in folder.iterdir()} == kept
    assert link.is_symlink() and outside.exists()
    assert [(folder / name).read_text() for name in users] == list(users.values())

    note = "backup_options.keep: %s is left alone: it cannot be read (" % unreadable
    for result in (second, third, profiles):
        assert [w for w in result["warnings"] if w.startswith(note)] != [], result
    # ansible-core 2.16 and 2.17 wrap warnings, also inside the path: the warning's start is shown
    assert "[WARNING]: backup_options.keep: " in " ".join(run.output.split())
    assert not any(w.startswith("backup_options.keep") for w in first.get("warnings", []) + other.get("warnings", []))


def test_a_backup_the_user_named_stays_and_keep_still_counts_the_one_just_written(sim, play_tasks, tmp_path):
    named = change(tmp_path, 33, 2)
    named["telphin.pbx.phone_properties"]["backup_options"]["filename"] = "before-the-migration.yml"
    run = play_tasks([change(tmp_path, 31, 0), change(tmp_path, 32, 0), named])
    first, second, named = run.result
    assert named["backup_path"] == str(tmp_path / "before-the-migration.yml"), run
    assert not os.path.exists(first["backup_path"]) and os.path.exists(second["backup_path"])
    assert sim.phone(1001)["hangup_timeout"] == 33


def malformed(text, old, new):
    assert old in text
    return text.replace(old, new)


def test_a_malformed_backup_is_refused_before_any_request_naming_the_file_and_the_entry(sim, play_tasks, tmp_path):
    good = BACKUP_1_1_0.format(client=7000)
    entry_1 = "- extension_id: 1002\n  name: !unsafe '000*101'\n  label: !unsafe 'Maria Ivanova'\n"
    cases = {
        # issue 22: "'list' object has no attribute 'items'" after two requests
        "properties-list.yml": (malformed(good, "properties: {hangup_timeout: 30, record_enabled: false}",
                                          "properties: [hangup_timeout, record_enabled]"),
                                "extensions[1].properties: must be a mapping of field names to values, got a list"),
        "entry-text.yml": (malformed(good, entry_1, "- '1002'\n- extension_id: 1003\n  name: !unsafe '000*102'\n"),
                           "extensions[1]: must be a mapping (extension_id, name, label, properties), got a text"),
        "no-id.yml": (malformed(good, "- extension_id: 1002\n", "- name_only: 1002\n"),
                      "extensions[1].extension_id: missing"),
        "bad-id.yml": (malformed(good, "- extension_id: 1002\n", "- extension_id: one-oh-oh-two\n"),
                       "extensions[1].extension_id: must be a positive integer or '@me', got 'one-oh-oh-two'"),
        "twice.yml": (malformed(good, "- extension_id: 1002\n", "- extension_id: 1001\n"),
                      "extensions[0] and extensions[1] both name 000*101 (id 1001)"),
        "pin-list.yml": (malformed(good, "conference_pin: !unsafe '4455'", "conference_pin: [4455]"),
                         "extensions[0].properties.conference_pin: must be a single value, got a list"),
        "extensions-mapping.yml": (malformed(good, "extensions:\n- extension_id: 1001\n",
                                             "extensions:\n  first:\n    extension_id: 1001\n").replace(
            "\n- extension_id: 1002", "\n  second:\n    extension_id: 1002"),
            "extensions: must be a list of the extensions backed up, got a mapping"),
        "no-client.yml": (malformed(good, "client_id: 7000, ", ""),
                          "backup.client_id: missing, so the account it was taken of is not known"),
    }
    for name, (text, _reason) in cases.items():
        (tmp_path / name).write_text(text)
    sim.clear_log()
    run = play_tasks([{"telphin.pbx.phone_properties": {"restore_from": str(tmp_path / name)}} for name in cases])
    assert sim.log == [], sim.log  # not even a token
    for (name, (_text, reason)), result in zip(cases.items(), run.result):
        assert result["failed"], (name, result)
        assert result["msg"] == "Invalid options, nothing was sent: restore_from: %s: %s" % (tmp_path / name, reason)
    assert "4455" not in run.output
    assert run.rc == 0  # every task failed, ignored: the play went on to the end


def test_the_info_modules_answer_an_unknown_or_non_phone_name_as_phone_properties_does(sim, play_tasks):
    names = ["999", "600", "000*600"]
    tasks = []
    for name in names:
        tasks += [{"telphin.pbx.phone_properties": {"extension_name": name, "hangup_timeout": 30}},
                  {"telphin.pbx.phone_properties_info": {"extension_name": name}},
                  {"telphin.pbx.registration_info": {"extension_name": name}}]
    tasks += [{"telphin.pbx.phone_properties": {"extensions": [{"extension_name": "999"}, {"extension_id": 1033}],
                                                "hangup_timeout": 30}},
              {"telphin.pbx.registration_info": {"extensions": ["999", 1033]}}]
    sim.clear_log()
    run = play_tasks(tasks)
    assert all(r["failed"] for r in run.result), run
    assert "NoneType" not in run.output
    # Only listings were read: no phone's properties nor registrations.
    assert {e["path"] for e in api_requests(sim)} == {"/api/ver1.0/client/@me/extension/"}
    for index, name in enumerate(names):
        properties, info, registrations = run.result[3 * index: 3 * index + 3]
        expected = ["extension_name: no extension is named '999' in this account"] if name == "999" else [
            "extension_name: 000*600 (id 1033) is of type 'queue'; only extensions of type 'phone' have phone "
            "properties"]
        assert properties["problems"] == expected, properties
        assert info["problems"] == expected and info["msg"] == expected[0], info
        assert info["extensions"] == [] and info["stats"]["checked"] == 0
        assert registrations["problems"] == [p.replace("phone properties", "SIP registrations") for p in expected]
    properties, registrations = run.result[-2:]
    assert properties["problems"] == [
        "extensions[0]: no extension is named '999' in this account",
        "extensions[1]: 000*600 (id 1033) is of type 'queue'; only extensions of type 'phone' have phone properties"]
    assert registrations["problems"] == [p.replace("phone properties", "SIP registrations")
                                         for p in properties["problems"]]
