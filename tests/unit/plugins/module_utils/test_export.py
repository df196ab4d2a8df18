# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An account as code: the export, given back to the profiles, plans no change and no bundle conflict."""

from hypothesis import given, settings, strategies as st

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils import plan
from ansible_collections.telphin.pbx.plugins.module_utils.export import export_profiles
from ansible_collections.telphin.pbx.plugins.module_utils.profiles import plan_profiles


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
    typo = export_profiles(account, skip=["lable"])["notes"]
    assert "lable: not a property of the phone terminal, so phone_profiles_export_skip skips nothing" in typo


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
