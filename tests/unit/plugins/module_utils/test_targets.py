# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Targets: options and items -> validated targets; names -> ids from one listing."""

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils.extensions import ExtensionDirectory
from ansible_collections.telphin.pbx.plugins.module_utils.targets import (
    Target, duplicate_targets, resolve, targets_from_params)


def params(**kw):
    base = {name: None for name in F.WRITABLE_NAMES}
    base.update(extension_id=None, extension_name=None, extensions=None, reset=None)
    base.update(kw)
    return base


def item(**kw):
    base = {name: None for name in F.WRITABLE_NAMES}
    base.update(extension_id=None, extension_name=None, reset=None)
    base.update(kw)
    return base


def test_item_values_win_over_task_values_and_resets_cross_over():
    targets, problems = targets_from_params(params(
        record_enabled=True, geo_list="RU", reset=["vm_mailto"],
        extensions=[item(extension_id=1001),
                    item(extension_name="101", geo_list="ru by", reset=["record_format"]),
                    item(extension_id="1003", vm_mailto="a@example.com", reset=["geo_list"])]))
    assert problems == []
    assert [t.desired for t in targets] == [
        {"record_enabled": True, "geo_list": "RU", "vm_mailto": None},
        {"record_enabled": True, "geo_list": "RU BY", "vm_mailto": None, "record_format": None},
        {"record_enabled": True, "geo_list": None, "vm_mailto": "a@example.com"},
    ]
    assert [t.extension_id for t in targets] == ["1001", None, "1003"]


def test_every_bad_item_is_reported_with_its_index_and_option():
    targets, problems = targets_from_params(params(extensions=[
        item(extension_id=1001, hangup_timeout=0),
        item(extension_name="100", extension_id=5),
        item(extension_id="abc"),
        item(extension_id=1004, geo_list="RUS", incoming_limit="many"),
    ]))
    assert "extensions[0].hangup_timeout: must be 1 or more, got 0" in problems
    assert "extensions[1]: give exactly one of extension_id and extension_name" in problems
    assert any(p.startswith("extensions[2].extension_id: must be a positive integer or '@me'") for p in problems)
    assert any(p.startswith("extensions[3].geo_list:") for p in problems)
    assert any(p.startswith("extensions[3].incoming_limit: must be an integer") for p in problems)


def test_a_bad_task_level_value_is_reported_once():
    _desired, problems = targets_from_params(params(hangup_timeout=-1, extensions=[item(extension_id=1), item(extension_id=2)]))
    assert problems == ["hangup_timeout: must be 1 or more, got -1"]


def test_masked_secrets_from_the_info_module_are_not_values():
    targets, problems = targets_from_params(params(extensions=[
        item(extension_id=1001, conference_pin=F.MASK, label="Desk")]))
    assert problems == [] and targets[0].desired == {"label": "Desk"}


EXTENSIONS = [
    {"id": 1001, "name": "000*100", "label": "Anna", "type": "phone"},
    {"id": 1002, "name": "000*101", "label": "Boris", "type": "phone"},
    {"id": 1040, "name": "000*200", "label": "Sales queue", "type": "queue"},
    {"id": 2001, "name": "001*100", "label": "Other", "type": "phone"},
]


def test_names_resolve_by_full_name_or_unique_number():
    directory = ExtensionDirectory(EXTENSIONS)
    targets, _problems = targets_from_params(params(extensions=[
        item(extension_name="101"), item(extension_name="000*100"), item(extension_id=1002)]))
    resolved, problems = resolve(targets, directory)
    assert problems == []
    assert [t.extension_id for t in resolved] == ["1002", "1001", "1002"]
    assert resolved[1].name == "000*100" and resolved[1].label == "Anna"
    assert targets[1].name is None  # the given targets are not changed: resolve returns new ones
    assert duplicate_targets(resolved) == ["extensions[0] and extensions[2] both name 000*101 (id 1002)"]


def test_names_that_cannot_be_resolved_are_problems_of_the_whole_task():
    # Changed with the restructuring (issue 9): an unknown, ambiguous or non-phone name used to fail only
    # its own item while the others were written; it is an input error, found before any write.
    targets, _problems = targets_from_params(params(extensions=[
        item(extension_name="100"), item(extension_name="999"), item(extension_name="200"),
        item(extension_name="101")]))
    _resolved, problems = resolve(targets, ExtensionDirectory(EXTENSIONS))
    assert problems[0].startswith("extensions[0]: '100' is ambiguous") and "000*100 (id 1001)" in problems[0]
    assert problems[1] == "extensions[1]: no extension is named '999' in this account"
    assert "extensions[2]: 000*200 (id 1040) is of type 'queue'" in problems[2]
    assert len(problems) == 3


def test_a_single_target_names_its_option_and_a_text_of_digits_may_be_an_id():
    directory = ExtensionDirectory(EXTENSIONS)
    for given, problem in (("999", "extension_name: no extension is named '999' in this account"),
                           ("200", "extension_name: 000*200 (id 1040) is of type 'queue'; only extensions of type "
                                   "'phone' have SIP registrations")):
        targets, _problems = targets_from_params(params(extension_name=given))
        assert resolve(targets, directory, holding="SIP registrations")[1] == [problem]
    # registration_info's extensions: "1002" is an id as well as a number (here only an id).
    resolved, problems = resolve((Target(index=0, given="1002", ids=True),), directory)
    assert problems == [] and resolved[0].extension_id == "1002" and resolved[0].name == "000*101"
    assert resolve((Target(index=0, given="1002"),), directory)[1] == [
        "extensions[0]: no extension is named '1002' in this account"]
