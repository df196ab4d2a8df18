# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An account as code: the export, given back to the profiles, plans no change and no bundle conflict; its file
is written at once (never through a link), and only once every phone was read."""

import os

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.telphin.pbx.plugins.module_utils.budget import BudgetChecks
from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils import plan
from ansible_collections.telphin.pbx.plugins.module_utils import export
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.export import export_profiles
from ansible_collections.telphin.pbx.plugins.module_utils.profiles import plan_profiles
from ansible_collections.telphin.pbx.plugins.module_utils.runner import Outcome, export_account
from ansible_collections.telphin.pbx.plugins.module_utils.targets import Target


def phone(ext_id, **properties):
    """An item of phone_properties_info: the common setup with ``properties`` over it."""
    values = {"record_enabled": True, "geo_list": "RU", "hold_music": 0, "vm_mailto": None, "label": "L%d" % ext_id,
              "hangup_timeout": 45, "conference_pin": None, "bundle": None}
    values.update(properties)
    return {"extension_id": ext_id, "name": "000*%d" % (ext_id - 900), "properties": values}


def round_trip(extensions, **options):
    """(export, the fields each extension would change, bundle conflicts) of applying the export to them."""
    exported = export_profiles(extensions, **options)
    listing = [{"id": e["extension_id"], "name": e["name"], "type": "phone"} for e in extensions]
    items = plan_profiles(exported["phone_profiles"], exported["phone_profile_assignments"], listing)
    by_id = {e["extension_id"]: e["properties"] for e in extensions}
    changes, planned = {}, []
    for item in items:
        desired, problems = F.desired_properties({k: v for k, v in item.items() if k in F.WRITABLE_NAMES},
                                                 item.get("reset"))
        assert problems == []
        current = by_id[item["extension_id"]]
        if plan.changes(current, desired):
            changes[item["extension_id"]] = plan.changes(current, desired)
        planned.append((item["name"], item["extension_id"], current, desired))
    assert len(items) == len(extensions)  # every extension is assigned, once
    return exported, changes, plan.bundle_conflicts(planned)


def test_default_holds_the_most_common_values_and_extensions_only_what_differs():
    account = [phone(1001), phone(1002), phone(1003, geo_list="RU BY"), phone(1004, hold_music=None),
               phone(1005, vm_mailto="a@example.com")]
    exported, changes, conflicts = round_trip(account, skip=["label"])
    default = exported["phone_profiles"]["default"]
    assert default["geo_list"] == "RU" and default["record_enabled"] is True and default["hangup_timeout"] == 45
    assert default["hold_music"] == 0  # 0 and null are one sound: 1004 does not differ
    assert default["reset"] == ["vm_mailto"]
    assert exported["phone_profile_assignments"] == [
        {"profile": "default", "extensions": ["000*101", "000*102", "000*104"]},
        {"profile": "default", "extensions": ["000*103"], "overrides": {"geo_list": "RU BY"}},
        {"profile": "default", "extensions": ["000*105"], "overrides": {"vm_mailto": "a@example.com"}},
    ]
    assert changes == {} and conflicts == []
    assert "label: skipped (phone_profiles_export_skip)" in exported["notes"]
    with pytest.raises(ValueError, match=r"phone_profiles_export_skip\[0\]: 'lable' is not a property of the "
                                         r"phone terminal; did you mean label\?"):
        export_profiles(account, skip=["lable"])


def test_shared_differences_become_profiles_that_extend_default():
    account = [phone(1001 + i) for i in range(4)]
    account += [phone(1010 + i, record_enabled=False, vm_mailto="desk@example.com") for i in range(3)]
    account += [phone(1020, record_enabled=False)]
    exported, changes, conflicts = round_trip(account, skip=["label"])
    assert exported["phone_profiles"]["record_enabled_off_vm_mailto_desk_example_com"] == {
        "extends": "default", "record_enabled": False, "vm_mailto": "desk@example.com"}
    assert {"profile": "record_enabled_off_vm_mailto_desk_example_com",
            "extensions": ["000*110", "000*111", "000*112"]} in exported["phone_profile_assignments"]
    assert {"profile": "default", "extensions": ["000*120"],
            "overrides": {"record_enabled": False}} in exported["phone_profile_assignments"]
    assert changes == {} and conflicts == []
    fewer = export_profiles(account, skip=["label"], group_min=4)
    assert list(fewer["phone_profiles"]) == ["default", "record_enabled_off"]


def test_what_cannot_be_compared_is_left_out_or_unmanaged():
    account = [phone(1001), phone(1002), phone(1003, hangup_timeout=0), phone(1004)]
    del account[3]["properties"]["geo_list"]  # left out of one answer
    for ext in account:
        ext["properties"].pop("record_enabled")  # left out of every answer
        ext["properties"]["password"] = "never returned, but if it were"
    exported, changes, conflicts = round_trip(account, skip=["label"])
    assert "record_enabled" not in exported["phone_profiles"]["default"]
    assert "record_enabled: the API's answers leave it out, so it cannot be exported" in exported["notes"]
    assert "password: write-only, the API never returns it" in exported["notes"]
    overrides = {a["extensions"][0]: a.get("overrides") for a in exported["phone_profile_assignments"]
                 if len(a["extensions"]) == 1}
    assert overrides["000*103"] == {"hangup_timeout": None}  # 0 is refused by the field table: unmanaged
    assert overrides["000*104"] == {"geo_list": None}
    assert changes == {} and conflicts == []
    # Each value left unmanaged is named in the notes, which the file's header lists.
    assert "geo_list: left out of 1 of the API's answers; not managed for those extensions" in exported["notes"]
    prefix = "000*103: hangup_timeout holds a value that cannot be sent ("
    unsendable = [note for note in exported["notes"] if note.startswith(prefix)]
    assert len(unsendable) == 1 and unsendable[0].endswith("got 0); left unmanaged there"), exported["notes"]
    text = export.export_file(exported)
    assert "#   - %s" % unsendable[0] in text.split("\n---\n", maxsplit=1)[0]


def test_a_null_the_field_cannot_take_and_a_masked_secret_are_named_and_never_shown():
    account = [phone(1001 + i, conference_pin="4321") for i in range(3)]
    account.append(phone(1004, record_enabled=None, conference_pin=F.MASK, vm_mailto="not an address"))
    exported, changes, _conflicts = round_trip(account, secrets=True, skip=["label"])
    notes = [note for note in exported["notes"] if note.startswith("000*104")]
    assert "000*104: record_enabled holds null, which the field cannot be set to; left unmanaged there" in notes
    assert "000*104: conference_pin holds a masked value, not the secret itself; left unmanaged there" in notes
    assert any(note.startswith("000*104: vm_mailto holds a value that cannot be sent") for note in notes)
    assert "4321" not in repr(exported["notes"]) and changes == {}


def test_a_misspelt_or_odd_skip_is_named_by_its_entry_with_the_closest_field():
    assert export.skip_problems(["label", "call_status_id"]) == []
    assert export.skip_problems(["label", "hangup_timout", 7, "zzzz"]) == [
        "phone_profiles_export_skip[1]: 'hangup_timout' is not a property of the phone terminal; did you mean "
        "hangup_timeout?",
        "phone_profiles_export_skip[2]: 7 is not a property of the phone terminal",
        "phone_profiles_export_skip[3]: 'zzzz' is not a property of the phone terminal"]
    assert export.skip_problems("label") == ["phone_profiles_export_skip: must be a list of field names, got str"]


# The first lines of the export files of 1.0.0 (a template) and 1.1.0 (vars_yaml), as they wrote them.
HEADER_1_0_0 = ("---\n# Phone profiles of the account, exported by telphin.pbx.export from its\n"
                "# 12 phone extensions. Applying this file to the same account changes nothing:\n")
HEADER_1_1_0 = ("# Phone profiles of north, exported by telphin.pbx.export from its 12 phone extensions. Applying "
                "this file to the same account changes nothing:\n#   ansible-playbook telphin.pbx.apply\n")


def test_an_export_is_known_by_its_header_of_any_release_and_nothing_else_is():
    written = export.export_file({"phone_profiles": {}, "phone_profile_assignments": [], "notes": [], "extensions": 0})
    for head in (written, HEADER_1_0_0, HEADER_1_1_0, HEADER_1_1_0.encode("utf-8")):
        assert export.is_export(head), head
    for head in ("phone_profiles:\n  standard: {}\n", "# My profiles\n# Phone profiles of x, exported by "
                 "telphin.pbx.export from its\n", "\n" + HEADER_1_1_0, b"\xff\xfe", ""):
        assert not export.is_export(head), head


def test_accounts_that_name_one_file_are_named_together():
    targets = {"north": "/srv/x.yml", "south": "/srv/x.yml", "west": "/srv/w.yml"}
    assert export.shared_file_problems("west", targets) == []
    assert export.shared_file_problems("south", targets) == [
        "phone_profiles_export_file names one file (/srv/x.yml) for the 2 accounts north, south: each would "
        "overwrite the others. Leave it empty (each account's file goes into its folder of "
        "phone_profiles_report_dir), or give each account its own (a host variable)"]


def test_the_export_replaces_only_an_earlier_export_unless_forced(tmp_path):
    path = tmp_path / "new" / "profiles.yml"
    assert export.problems(str(path)) == [] and path.parent.is_dir()  # its folder made, no file: it may write
    for head in (HEADER_1_0_0, HEADER_1_1_0):
        path.write_text(head + "phone_profiles: {}\n")
        assert export.problems(str(path)) == []
    path.write_text("# hand-written\nphone_profiles:\n  standard: {record_enabled: true}\n")
    assert export.problems(str(path)) == [
        "phone_profiles_export_file: %s exists and is not an earlier export (its first line is not an export's "
        "header): an export replaces only those. Name another file, or set phone_profiles_export_force: true "
        "to replace it" % path]
    assert export.problems(str(path), force=True) == []


def test_never_a_link_a_folder_or_a_file_it_cannot_read_even_forced(tmp_path, monkeypatch):
    earlier = tmp_path / "earlier.yml"
    earlier.write_text(HEADER_1_1_0)
    link = tmp_path / "link.yml"
    link.symlink_to(earlier)
    assert export.problems(str(link), force=True) == [
        "phone_profiles_export_file: %s is a symbolic link: an export never writes through one (name the file "
        "itself)" % link]
    assert export.problems(str(tmp_path), force=True) == [
        "phone_profiles_export_file: %s is a folder, not a file" % tmp_path]
    in_a_file = earlier / "x.yml"
    assert export.problems(str(in_a_file)) == ["phone_profiles_export_file: %s is a file, not a folder" % earlier]

    def refused(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(export, "open", refused, raising=False)
    assert export.problems(str(earlier), force=True) == [
        "phone_profiles_export_file: %s cannot be read (Permission denied), so it cannot be known to be an "
        "earlier export: an export replaces only those" % earlier]


def test_the_options_and_the_accounts_are_checked_before_the_file(tmp_path):
    path = tmp_path / "not-made" / "x.yml"
    found = export.problems(str(path), account="north", skip=["lable"],
                            targets={"north": str(path), "south": str(path)})
    assert [p.split(":")[0] for p in found] == ["phone_profiles_export_skip[0]", "phone_profiles_export_file names "
                                                "one file (%s) for the 2 accounts north, south" % path]
    assert not path.parent.exists()  # nothing made for an export refused anyway
    assert export.problems(os.path.join(str(tmp_path), "y.yml"), account="north", targets=None) == []


def test_secrets_only_when_asked_and_never_in_a_profile_name():
    account = [phone(1001 + i, conference_pin="4321") for i in range(3)] + [phone(1004, conference_pin=F.MASK)]
    without, changes, _conflicts = round_trip(account, skip=["label"])
    assert "4321" not in repr(without) and changes == {}
    exported, changes, _conflicts = round_trip(account, secrets=True, skip=["label"])
    assert exported["phone_profiles"]["default"]["conference_pin"] == "4321"
    masked = [a for a in exported["phone_profile_assignments"] if a["extensions"] == ["000*104"]]
    assert masked[0]["overrides"] == {"conference_pin": None}  # a masked value is never exported
    assert changes == {}
    grouped = export_profiles([phone(1001 + i, conference_pin="9%d" % (i % 2)) for i in range(8)],
                              secrets=True, skip=["label"])
    assert "conference_pin_set" in grouped["phone_profiles"] and "91" not in "".join(grouped["phone_profiles"])


def bundle(main, members, inactive=()):
    return {"bundle_id": main, "bundle_list": {str(m): {"active": m not in inactive} for m in members}}


def test_a_bundle_member_whose_synchronized_value_differs_from_its_main_leaves_it_alone():
    link = bundle(1001, [1002, 1003], inactive=[1003])
    account = [phone(1001, bundle=link, geo_list="RU BY"), phone(1002, bundle=link, geo_list="BY RU"),
               phone(1003, bundle=link, geo_list="RU KZ"), phone(1004), phone(1005), phone(1006)]
    exported, changes, conflicts = round_trip(account, skip=["label"])
    overrides = {a["extensions"][0]: a.get("overrides") for a in exported["phone_profile_assignments"]
                 if len(a["extensions"]) == 1}
    assert overrides["000*101"] == {"geo_list": "RU BY"} and overrides["000*102"] == {"geo_list": "BY RU"}
    assert overrides["000*103"] == {"geo_list": None}
    assert any(note.startswith("000*103: geo_list differs from its bundle's main extension 1001")
               for note in exported["notes"])
    assert changes == {} and conflicts == []


VALUES = {
    "record_enabled": st.sampled_from([True, False]),
    "hold_music": st.sampled_from([0, None, 5]),
    "geo_list": st.sampled_from(["RU", "RU BY", "BY ru", "*", None, "", "Russia"]),
    "vm_mailto": st.sampled_from([None, "a@x.io", "A@X.io", "a@x.io,b@x.io", "not an address"]),
    "label": st.sampled_from(["A", "B", None, "x" * 1100, "line\nbreak"]),
    "hangup_timeout": st.sampled_from([45, 30, 0, "60"]),
    "auth_type": st.sampled_from(["digest", "both", "weird", None]),
    "conference_pin": st.sampled_from(["1234", None, F.MASK]),
}


@st.composite
def accounts(draw):
    count = draw(st.integers(min_value=1, max_value=12))
    extensions = []
    for index in range(count):
        properties = {name: draw(values) for name, values in VALUES.items()
                      if not draw(st.booleans()) or name != "label"}
        if draw(st.integers(0, 9)) == 0:
            properties.pop(draw(st.sampled_from(sorted(VALUES))), None)
        extensions.append({"extension_id": 1001 + index, "name": "000*%d" % (100 + index), "properties": properties})
    if count >= 3 and draw(st.booleans()):
        link = bundle(1001, [1002, 1003], inactive=[1003])
        for ext in extensions[:3]:
            ext["properties"]["bundle"] = link
    return extensions


@settings(max_examples=300, deadline=None)
@given(accounts(), st.booleans(), st.integers(min_value=2, max_value=4))
def test_applying_an_export_to_its_account_changes_nothing(account, secrets, group_min):
    _exported, changes, conflicts = round_trip(account, secrets=secrets, group_min=group_min)
    assert changes == {} and conflicts == []


def read(*extensions):
    """The runner's outcomes of reading ``extensions`` (items of phone_properties_info)."""
    return [Outcome(Target(index=index, given=str(ext["extension_id"]), extension_id=str(ext["extension_id"]),
                           name=ext["name"]), current=ext["properties"]) for index, ext in enumerate(extensions)]


def test_the_export_file_is_written_at_once_replacing_a_link_never_writing_through_it(tmp_path):
    earlier = tmp_path / "earlier.yml"
    earlier.write_text(HEADER_1_1_0)
    link = tmp_path / "profiles.yml"
    link.symlink_to(earlier)  # put there after the check before any request
    phones = [phone(1001 + i, conference_pin="4321") for i in range(3)]
    account = read(*phones)
    written = export.ExportFile(str(link), account="north", skip=("label",)).write(account)
    assert not link.is_symlink() and earlier.read_text() == HEADER_1_1_0
    text = link.read_text()
    assert text.startswith("# Phone profiles of north, exported by telphin.pbx.export from its 3 phone extensions")
    assert "telphin.pbx.apply -e @profiles.yml" in text and "4321" not in text
    assert oct(link.stat().st_mode & 0o777) == "0o644" and sorted(p.name for p in tmp_path.iterdir()) == [
        "earlier.yml", "profiles.yml"]  # no file left beside it
    assert written == {"path": str(link), "changed": True, "extensions": 3, "profiles": ["default"],
                       "assignments": 1, "notes": export_profiles(phones, skip=["label"])["notes"]}
    assert export.ExportFile(str(link), account="north", skip=("label",)).write(account)["changed"] is False


def test_secrets_go_to_the_file_readable_by_its_owner_and_never_to_what_the_module_returns(tmp_path):
    path = tmp_path / "profiles.yml"
    written = export.ExportFile(str(path), secrets=True).write(read(*[phone(1001 + i, conference_pin="4321")
                                                                      for i in range(3)]))
    assert "conference_pin: '4321'" in path.read_text()
    assert oct(path.stat().st_mode & 0o777) == "0o600" and "4321" not in repr(written)
    folder = tmp_path / "gone"
    failed = export.ExportFile(str(folder / "x.yml")).write(read(phone(1001)))
    assert failed == {"path": str(folder / "x.yml"), "msg": "export_file: the export could not be written to %s: "
                      "No such file or directory" % (folder / "x.yml")}


def test_the_module_names_its_own_options_and_the_role_its_variables():
    assert export.skip_problems(["lable"], export.MODULE_OPTIONS) == [
        "export_skip[0]: 'lable' is not a property of the phone terminal; did you mean label?"]
    assert export.skip_problems(["lable"])[0].startswith("phone_profiles_export_skip[0]: 'lable'")


class ListedClient(BudgetChecks):
    """A client whose listing holds ``ids`` and whose GET of ``broken`` fails."""

    def __init__(self, ids, broken=()):
        self.ids, self.broken = ids, broken

    def write_budget(self):  # answers with no rate-limit headers
        return None

    def lowest_limit(self):
        return None

    def list_extensions(self, _who, **_filters):
        return [{"id": ext_id, "name": "000*%d" % (ext_id - 900), "type": "phone"} for ext_id in self.ids]

    def get_phone(self, ext_id):
        if int(ext_id) in self.broken:
            raise ApiError("GET", "/extension/%s/phone/" % ext_id, 500, "broken")
        return phone(int(ext_id))["properties"]


def test_an_account_is_exported_only_when_every_phone_was_read():
    written = []
    run, done = export_account(ListedClient([1001, 1002]), lambda outcomes: written.append(outcomes) or "done", 2)
    assert done == "done" and [o.target.extension_id for o in written[0]] == ["1001", "1002"]
    run, done = export_account(ListedClient([1001, 1002, 1003], broken=[1002]), written.append, 2)
    assert done is None and len(written) == 1 and [o.failed for o in run.outcomes] == [False, True, False]
