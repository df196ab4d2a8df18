# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/backup.py: what a restore sends, and what a backup says of itself."""

import os
import pathlib
from datetime import datetime, timezone

import yaml

from ansible_collections.telphin.pbx.plugins.module_utils import backup
from ansible_collections.telphin.pbx.plugins.module_utils.backup import COLLECTION_VERSION, restore_items

ROOT = pathlib.Path(__file__).resolve().parents[4]


def test_a_backup_names_the_collection_version_of_galaxy_yml():
    assert COLLECTION_VERSION == yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]


def test_a_restore_sets_every_writable_field_resets_nulls_and_leaves_what_it_cannot_send():
    document = {"extensions": [{"extension_id": 1001, "name": "000*100", "properties": {
        "record_enabled": True, "vm_mailto": None, "record_enabled_typo": 1, "bundle": {"main": 1},
        "call_status_set_dt": "2024-01-01 00:00:00", "label": "line\nbreak", "ignore_early_media": None,
        "conference_pin": "0123"}}]}
    items, notes = restore_items(document)
    assert items == [{"extension_id": 1001, "name": "000*100", "record_enabled": True, "conference_pin": "0123",
                      "reset": ["vm_mailto"]}]
    assert len(notes) == 1 and notes[0].startswith("000*100: label is left as it is")


# A backup as 1.1.0 wrote it (the first release with backups): its header is read as this version's.
BACKUP_1_1_0 = """\
# A backup of 1 phone extensions of client 7000 at 127.0.0.1, taken by telphin.pbx 1.1.0 before a change.
# It holds secrets: keep it where only you can read it. Restore it with:
#   ansible-playbook telphin.pbx.restore -e phone_profiles_restore_file=/somewhere/old.yml
---
backup: {format: !unsafe 'telphin.pbx phone properties backup', format_version: 1, collection_version: !unsafe \
'1.1.0', client_id: 7000, api_host: !unsafe '127.0.0.1', taken_at: '%s'}
extensions:
- extension_id: 1001
  name: !unsafe '000*100'
  label: !unsafe 'Desk'
  properties: {hangup_timeout: 30, conference_pin: !unsafe '4455'}
"""


class FakeClient:
    def __init__(self, client_id=7000):
        self.client_id = client_id

    def get_user(self):
        return {"client_id": self.client_id}


def write_backup(monkeypatch, folder, taken, client_id=7000, api_url="https://127.0.0.1:8443/", keep=0):
    """A backup written by BackupWriter as a task writes it, taken at ``taken``: ``(path, notes)``."""
    monkeypatch.setattr(backup, "_now", lambda: taken)
    return backup.BackupWriter(api_url, str(folder), keep=keep)(FakeClient(client_id), [])


def at(hour, microsecond=0):
    return datetime(2026, 12, 1, hour, 0, 0, microsecond, tzinfo=timezone.utc)


def test_keep_prunes_only_this_accounts_backups_by_the_time_in_their_header(monkeypatch, tmp_path):
    oldest = tmp_path / "phone_properties_7000_20261201T010000000000Z.yml"
    oldest.write_text(BACKUP_1_1_0 % "2026-12-01T01:00:00Z")  # written by 1.1.0: counted
    second, _notes = write_backup(monkeypatch, tmp_path, at(2, 5))
    # Named as the newest, but its header says it is older than the second: the time inside counts.
    renamed = tmp_path / "phone_properties_7000_20261201T090000000000Z.yml"
    renamed.write_text(BACKUP_1_1_0 % "2026-12-01T01:30:00Z")
    third, _notes = write_backup(monkeypatch, tmp_path, at(3, 1))
    same_second, _notes = write_backup(monkeypatch, tmp_path, at(3, 2))  # a tie broken by the name's microseconds
    left_alone = {
        "phone_properties_7000_notes-Z.yml": "a user's notes",  # the name of issue 22
        "phone_properties_7000_20261201T000000000000Z.yml": "not a backup, named like one",
        "phone_properties_7000_20261201T000100000000Z.yml": "phone_profiles: {}\n",
        "phone_properties_7001_20261201T000000000000Z.yml": BACKUP_1_1_0.replace("client_id: 7000",
                                                                                 "client_id: 7001") % "x",
        "phone_properties_7000_20261201T000200000000Z.yml": (BACKUP_1_1_0 % "2026-12-01T00:00:00Z").replace(
            "127.0.0.1'", "pbx.example'"),  # the same client id on another API host
        "notes.txt": "",
    }
    for name, text in left_alone.items():
        (tmp_path / name).write_text(text)
    outside = tmp_path.parent / (tmp_path.name + "-outside.yml")
    outside.write_text(BACKUP_1_1_0 % "2026-12-01T00:00:00Z")
    link = tmp_path / "phone_properties_7000_20261201T000300000000Z.yml"
    link.symlink_to(outside)

    newest, notes = write_backup(monkeypatch, tmp_path, at(4), keep=3)
    assert notes == ()
    kept = {newest, same_second, third} | {str(tmp_path / name) for name in left_alone} | {str(link)}
    assert {str(path) for path in tmp_path.iterdir()} == kept
    assert outside.exists() and link.is_symlink()
    assert not os.path.exists(second) and not oldest.exists() and not renamed.exists()


def test_keep_1_never_removes_the_backup_just_written(monkeypatch, tmp_path):
    """Issue 22: a user file sorted after the default names made keep: 1 remove the backup just written."""
    (tmp_path / "phone_properties_7000_notes-Z.yml").write_text("mine")
    older, _notes = write_backup(monkeypatch, tmp_path, at(1))
    # A later backup already in the folder (another controller's clock): the one just written stays anyway.
    later, _notes = write_backup(monkeypatch, tmp_path, at(9))
    path, notes = write_backup(monkeypatch, tmp_path, at(5), keep=1)
    assert notes == () and os.path.exists(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [os.path.basename(path), "phone_properties_7000_notes-Z.yml"])
    assert not os.path.exists(older) and not os.path.exists(later)


def test_a_file_that_cannot_be_read_or_removed_is_left_with_a_note_and_the_backup_stands(monkeypatch, tmp_path):
    unreadable = tmp_path / "phone_properties_7000_20261201T010000000000Z.yml"
    unreadable.write_text(BACKUP_1_1_0 % "2026-12-01T01:00:00Z")
    binary = tmp_path / "phone_properties_7000_20261201T010100000000Z.yml"
    binary.write_bytes(b"\xff\xfe# not text\n")
    broken = tmp_path / "phone_properties_7000_20261201T010200000000Z.yml"
    broken.write_text("---\nbackup: {format: [\nextensions: []\n")
    stuck, _notes = write_backup(monkeypatch, tmp_path, at(2))
    real_open, real_remove = os.open, os.remove

    def refusing_open(path, *args, **kwargs):
        if str(path) == str(unreadable):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    def refusing_remove(path):
        if str(path) == stuck:
            raise PermissionError(13, "Operation not permitted")
        real_remove(path)

    monkeypatch.setattr(os, "open", refusing_open)
    monkeypatch.setattr(os, "remove", refusing_remove)
    path, notes = write_backup(monkeypatch, tmp_path, at(3), keep=1)
    assert os.path.exists(path) and unreadable.exists() and binary.exists() and broken.exists()
    assert "backup_options.keep: %s is left alone: it cannot be read (Permission denied)" % unreadable in notes
    assert any(n.startswith("backup_options.keep: %s is left alone: it cannot be read ('utf-8' codec" % binary)
               for n in notes)
    assert any(n.startswith("backup_options.keep: %s is left alone: its header is not YAML" % broken) for n in notes)
    assert "backup_options.keep: the older backup %s could not be removed: Operation not permitted" % stuck in notes
    assert len(notes) == 4


def test_a_prune_that_fails_outright_is_a_note_never_an_error(monkeypatch, tmp_path):
    def broken(*_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(backup, "prune", broken)
    path, notes = write_backup(monkeypatch, tmp_path, at(3), keep=2)
    assert os.path.exists(path)
    assert notes == ("backup_options.keep: the older backups in %s were not pruned: RuntimeError('a bug')"
                     % tmp_path,)


def test_the_header_is_read_alone(tmp_path):
    path = tmp_path / "b.yml"
    # What follows the header is neither YAML nor text: it is not read.
    path.write_bytes((BACKUP_1_1_0 % "2026-12-01T01:00:00Z").split("extensions:", maxsplit=1)[0].encode()
                     + b"extensions: [\xff\xfe" + b"x" * 100000)
    assert backup.read_header(str(path))["taken_at"] == "2026-12-01T01:00:00Z"
    path.write_text("# a comment\nextensions: []\nbackup: {format: x}\n")  # a header not at the top
    assert backup.read_header(str(path)) is None
    path.write_text("---\nbackup:\n  format: block style\n  client_id: 7000\nextensions: []\n")
    assert backup.read_header(str(path)) == {"format": "block style", "client_id": 7000}


GOOD_ENTRY = {"extension_id": 1001, "name": "000*100", "label": "Desk",
              "properties": {"hangup_timeout": 30, "conference_pin": "4455", "bundle": {"main": 1001}}}


def test_entries_a_restore_cannot_send_are_problems_naming_the_entry():
    assert backup.entry_problems([GOOD_ENTRY, dict(GOOD_ENTRY, extension_id="@me")]) == []
    assert backup.entry_problems({"1001": GOOD_ENTRY}) == [
        "extensions: must be a list of the extensions backed up, got a mapping"]
    problems = backup.entry_problems([
        GOOD_ENTRY, "1002", dict(GOOD_ENTRY, properties=[["hangup_timeout", 30]]), dict(GOOD_ENTRY, properties=None),
        {"name": "000*101", "properties": {}}, dict(GOOD_ENTRY, name=["000*100"]),
        dict(GOOD_ENTRY, properties={"conference_pin": ["4455"], "hangup_timeout": {"s": 30}})])
    assert problems == [
        "extensions[1]: must be a mapping (extension_id, name, label, properties), got a text",
        "extensions[2].properties: must be a mapping of field names to values, got a list",
        "extensions[3].properties: must be a mapping of field names to values, got nothing",
        "extensions[4].extension_id: missing",
        "extensions[5].name: must be a text, got a list",
        "extensions[6].properties.conference_pin: must be a single value, got a list",
        "extensions[6].properties.hangup_timeout: must be a single value, got a mapping"]
    assert not any("4455" in problem for problem in problems)
    assert backup.entry_problems([GOOD_ENTRY, dict(GOOD_ENTRY, extension_id="abc"), GOOD_ENTRY]) == [
        "extensions[1].extension_id: must be a positive integer or '@me', got 'abc'",
        "extensions[0] and extensions[2] both name 000*100 (id 1001)"]


def test_read_refuses_a_malformed_backup_naming_the_file_and_the_entry(tmp_path):
    path = tmp_path / "b.yml"
    path.write_text((BACKUP_1_1_0 % "2026-12-01T01:00:00Z").replace(
        "properties: {hangup_timeout: 30, conference_pin: !unsafe '4455'}", "properties: [hangup_timeout]"))
    document, problems = backup.read(str(path))
    assert document is None
    assert problems == ["restore_from: %s: extensions[0].properties: must be a mapping of field names to values, "
                        "got a list" % path]
    path.write_text((BACKUP_1_1_0 % "2026-12-01T01:00:00Z").replace("client_id: 7000, ", ""))
    assert backup.read(str(path))[1] == [
        "restore_from: %s: backup.client_id: missing, so the account it was taken of is not known" % path]
    path.write_text(BACKUP_1_1_0 % "2026-12-01T01:00:00Z")
    document, problems = backup.read(str(path))
    assert problems == [] and document["extensions"][0]["properties"]["conference_pin"] == "4455"
