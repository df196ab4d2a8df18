# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profiles and assignments -> phone_properties items, every problem found before anything is sent."""

import pytest

from ansible_collections.telphin.pbx.plugins.module_utils.profiles import ProfileError, plan_profiles

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
    assert problems[0].startswith("phone_profile_assignments[0].profile: 'nope' is not a profile")
    assert "phone_profile_assignments[1].extensions: no extension is named '999' in this account" in problems
    assert any(p.startswith("phone_profile_assignments[2].match.name_regex: not a valid regular expression")
               for p in problems)
    assert any(p.startswith("phone_profile_assignments[3].match: unknown keys colour") for p in problems)
    assert "phone_profile_assignments[4]: give extensions, match or both" in problems
    assert ("000*100 (id 1001) is matched by phone_profile_assignments[5] (profile std) and "
            "phone_profile_assignments[6] (profile desk); an extension takes one profile") in problems
