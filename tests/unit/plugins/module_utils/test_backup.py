# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/backup.py: what a restore sends, and what a backup says of itself."""

import pathlib

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


def test_keep_removes_only_the_oldest_backups_of_the_same_account(tmp_path):
    names = ["phone_properties_7000_20261201T0%d0000000000Z.yml" % hour for hour in range(1, 5)] + [
        "phone_properties_7001_20261201T010000000000Z.yml",  # another account's
        "phone_properties_7000_before-the-migration.yml",  # a name of the user's (backup_options.filename)
        "notes.txt"]
    for name in names:
        (tmp_path / name).write_text("")
    backup._keep_newest(str(tmp_path), backup._name_prefix(7000), 2)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names[2:])
