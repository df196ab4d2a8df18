# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profiles and assignments -> phone_properties items, every problem found before anything is sent."""

import pytest

from ansible_collections.telphin.pbx.plugins.module_utils.profiles import ProfileError, check, plan_profiles
from ansible_collections.telphin.pbx.plugins.module_utils.results import summary, summary_total

EXTENSIONS = [
    {"id": 1001, "name": "000*100", "label": "Ivan", "type": "phone", "status": "active", "extension_group_id": 51},
    {"id": 1002, "name": "000*101", "label": "Maria", "type": "phone", "status": "blocked", "extension_group_id": 51},
    {"id": 1003, "name": "000*102", "label": "Reception", "type": "phone", "status": "active",
     "extension_group_id": None},
    {"id": 1033, "name": "000*600", "label": "Sales queue", "type": "queue", "status": "active",
     "extension_group_id": 51},
]
PROFILES = {"std": {"record_enabled": True, "reset": ["vm_mailto"]}, "desk": {"hangup_timeout": 30}}


def test_match_selects_phones_and_overrides_win():
    items = plan_profiles(PROFILES, [
        {"profile": "std", "match": {"extension_group_id": 51, "status": "active"}},
        {"profile": "desk", "extensions": ["102"], "overrides": {"hangup_timeout": 45}},
    ], EXTENSIONS)
    assert items == [
        {"record_enabled": True, "reset": ["vm_mailto"], "extension_id": 1001, "name": "000*100", "profile": "std"},
        {"hangup_timeout": 45, "extension_id": 1003, "name": "000*102", "profile": "desk"},
    ]


def test_regexes_search_the_name_the_number_and_the_label():
    by_number = plan_profiles(PROFILES, [{"profile": "std", "match": {"name_regex": "^10[01]$"}}], EXTENSIONS)
    assert [i["extension_id"] for i in by_number] == [1001, 1002]
    by_label = plan_profiles(PROFILES, [{"profile": "std", "match": {"label_regex": "(?i)recep"}}], EXTENSIONS)
    assert [i["extension_id"] for i in by_label] == [1003]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ProfileError) as error:
        plan_profiles(PROFILES, [
            {"profile": "nope", "extensions": [1001]},
            {"profile": "std", "extensions": ["999"]},
            {"profile": "std", "match": {"name_regex": "("}},
            {"profile": "std", "match": {"colour": "red"}},
            {"profile": "desk"},
            {"profile": "std", "extensions": [1001]},
            {"profile": "desk", "match": {"label_regex": "Ivan"}},
        ], EXTENSIONS)
    problems = error.value.problems
    assert problems[0].startswith("assignments[0].profile: 'nope' is not in profiles")
    assert "assignments[1].extensions: no extension is named '999' in this account" in problems
    assert any(p.startswith("assignments[2].match.name_regex: not a valid regular expression")
               for p in problems)
    assert any(p.startswith("assignments[3].match: unknown keys colour") for p in problems)
    assert "assignments[4]: give extensions, match or both" in problems
    assert ("000*100 (id 1001) is matched by assignments[5] (profile std) and "
            "assignments[6] (profile desk); an extension takes one profile") in problems


# ---- extends, layers, and checks before any request ---------------------------------------------

def test_extends_composes_and_a_later_layer_wins_field_by_field():
    profiles = {
        "base": {"record_enabled": True, "geo_list": "RU", "reset": ["vm_mailto", "external_number"]},
        "desk": {"extends": "base", "vm_mailto": "desk@example.com", "reset": ["geo_list"]},
        "lobby": {"extends": "desk", "hangup_timeout": 30, "external_number": None},
    }
    items = plan_profiles(profiles, [
        {"profile": "lobby", "extensions": [1001], "overrides": {"geo_list": "RU BY", "reset": ["record_format"]}},
        {"profile": "desk", "extensions": [1003]},
    ], EXTENSIONS)
    lobby, desk = items
    # a child's value wins over an inherited reset, an override over the child's reset, null unmanages
    assert lobby == {"record_enabled": True, "vm_mailto": "desk@example.com", "hangup_timeout": 30,
                     "geo_list": "RU BY", "reset": ["record_format"], "extension_id": 1001, "name": "000*100",
                     "profile": "lobby"}
    # a child's reset wins over an inherited value
    assert desk["reset"] == ["external_number", "geo_list"] and "geo_list" not in desk
    assert desk["vm_mailto"] == "desk@example.com"


def test_every_profile_problem_is_found_without_the_account_naming_profile_and_field():
    problems = check({
        "std": {"record_enable": True, "geo_list": "Russia", "reset": ["vm_mailt", "auth_type"]},
        "desk": {"extends": "stdd"},
        "a": {"extends": "b"}, "b": {"extends": "a"},
        "ok": {"hold_music": 0, "bundle": {}},
        "both": {"geo_list": "RU", "reset": ["geo_list"]},
    }, [{"profile": "standard", "extensions": [1]}, {"profile": "ok", "match": {"group": 5}},
        {"profile": "ok", "extensions": [1], "overides": {}},
        {"profile": "ok", "extensions": [1], "overrides": {"hangup_timeout": "soon"}}])
    expected = [
        "profiles.std.record_enable: not a property of the phone terminal; did you mean record_enabled?",
        "profiles.std.reset: 'vm_mailt' is not a property of the phone terminal; did you mean vm_mailto?",
        "profiles.std.reset: auth_type cannot be null",
        "profiles.std.geo_list: must be",
        "profiles.desk.extends: 'stdd' is not in profiles",
        "profiles.a.extends: a cycle: a -> b -> a",
        "profiles.ok.bundle: read-only",
        "profiles.both.reset: geo_list is also given a value",
        "assignments[0].profile: 'standard' is not in profiles",
        "assignments[1].match: unknown keys group",
        "assignments[2].overides: not a key of an assignment",
        "assignments[2].overides: not a key of an assignment; use profile, extensions, match, "
        "overrides, optional; did you mean overrides?",
        "assignments[3].overrides.hangup_timeout: must be an integer",
    ]
    for part in expected:
        assert any(p.startswith(part) for p in problems), (part, problems)
    assert "did you mean std?" in " ".join(p for p in problems if "stdd" in p)
    assert sum("cycle" in p for p in problems) == 1  # one cycle, said once
    assert len(problems) == 12, problems


def test_a_child_of_a_broken_profile_is_not_planned_and_not_reported_twice():
    problems = check({"std": {"record_enable": True}, "desk": {"extends": "std"}},
                     [{"profile": "desk", "extensions": [1001]}])
    assert problems == ["profiles.std.record_enable: not a property of the phone terminal; "
                        "did you mean record_enabled?"]


def test_an_assignment_that_matches_nothing_is_refused_unless_optional():
    with pytest.raises(ProfileError) as error:
        plan_profiles(PROFILES, [
            {"profile": "std", "match": {"extension_group_id": 99}},
            {"profile": "desk", "match": {"extension_group_id": 98}, "optional": True},
            {"profile": "desk", "extensions": ["102"]},
        ], EXTENSIONS)
    assert error.value.problems == [
        "assignments[0] (profile std) matches no extension of this account; correct it, or give "
        "it optional: true"]


def test_secrets_are_masked_in_problems():
    problems = check({"std": {"conference_pin": 1234, "replace_pin": ["x"]}}, [])
    assert len(problems) == 2 and "1234" not in " ".join(problems)


# ---- summary ----------------------------------------------------------------------------------

ENTRIES = [
    {"profile": "std", "changed": True, "changes": ["geo_list"], "failed": False},
    {"profile": "std", "changed": False, "changes": [], "failed": False},
    {"profile": "desk", "changed": False, "changes": ["hangup_timeout"], "failed": True},
]


def test_summary_counts_in_all_and_per_profile():
    run = summary(ENTRIES, check_mode=False)
    assert run == {"extensions": 3, "drifted": 2, "changed": 1, "failed": 1, "check_mode": False, "msg": "",
                   "profiles": {"std": {"extensions": 2, "drifted": 1, "changed": 1, "failed": 0},
                                "desk": {"extensions": 1, "drifted": 1, "changed": 0, "failed": 1}}}
    audit = summary(ENTRIES, check_mode=True, msg="boom")
    assert (audit["drifted"], audit["changed"], audit["msg"]) == (2, 0, "boom")


def test_summary_total_adds_up_accounts():
    total = summary_total({"a": summary(ENTRIES, False), "b": summary(ENTRIES[:1], False),
                           "c": summary([], False, msg="401 invalid_client")})
    assert (total["extensions"], total["drifted"], total["changed"], total["failed"]) == (4, 3, 2, 1)
    assert total["profiles"]["std"] == {"extensions": 3, "drifted": 2, "changed": 2, "failed": 0}
    assert total["failed_accounts"] == {"c": "401 invalid_client"} and set(total["accounts"]) == {"a", "b", "c"}


def test_match_and_extensions_agree_on_what_a_phone_is_when_the_listing_has_no_type():
    listing = [{"id": 1001, "name": "000*100"}, {"id": 1002, "name": "000*101"},
               {"id": 1003, "name": "000*600", "type": "queue"}]
    items = plan_profiles({"std": {"record_enabled": True}},
                          [{"profile": "std", "match": {"name_regex": "^10"}}], listing)
    assert [item["extension_id"] for item in items] == [1001, 1002]
    items = plan_profiles({"std": {"record_enabled": True}}, [{"profile": "std", "extensions": [1001, "101"]}], listing)
    assert [item["extension_id"] for item in items] == [1001, 1002]


def test_a_profile_named_by_a_number():
    items = plan_profiles({1: {"hangup_timeout": 61}, "two": {"extends": 1}},
                          [{"profile": 1, "extensions": [1001]}, {"profile": "two", "extensions": [1002]}],
                          [{"id": 1001, "name": "000*100"}, {"id": 1002, "name": "000*101"}])
    assert [(item["profile"], item["hangup_timeout"]) for item in items] == [("1", 61), ("two", 61)]


def test_a_profile_name_that_yaml_reads_as_a_float_or_a_boolean_is_refused_with_the_quoted_name():
    problems = check({2.5: {"hangup_timeout": 61}, "desk": {"extends": True}},
                     [{"profile": 2.5, "extensions": [1001]}])
    assert problems == ["profiles.2.5: 2.5 is read as a float, not a profile name: quote it ('2.5')",
                        "profiles.desk.extends: True is read as a bool, not a profile name: quote it ('True')",
                        "assignments[0].profile: 2.5 is read as a float, not a profile name: quote it ('2.5')"]
    assert not any("did you mean" in problem for problem in problems)
