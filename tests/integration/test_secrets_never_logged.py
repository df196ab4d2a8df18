# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets at -vvv, with the invocation returned (issue 22): the PINs of profiles, overrides, items and options
are masked by their field wherever they appear; a short PIN ("100") masks no other text (``000*100``, the
id 1001), and a long one is also masked as text. The system log is tested in the unit tests of ApiModule."""

import re

import pytest

PROFILES = "telphin.pbx.phone_profiles"
PROPERTIES = "telphin.pbx.phone_properties"
SHOW_INVOCATION = {"ANSIBLE_INJECT_INVOCATION": "true"}  # ansible-core 2.21 returns it only when asked
LABEL = "000*100"
LONG_PIN = "long-pin-93817"
SHORT_OVERRIDE_PIN = "4729"


def assert_nothing_overmasked(output):
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" not in output, output
    assert "000*****" not in output, output
    assert LABEL in output, output


def assert_no_pin_shown(output, *pins):
    for pin in pins:
        # the 3-digit PIN is in every id 1001: it must never show as a value of its field
        assert not re.search(r"(conference_pin|replace_pin)\W{1,6}%s\b" % re.escape(pin), output), output
        if len(pin) > 3:
            assert pin not in output, output


def test_a_3_digit_pin_in_a_profile_masks_no_other_text_and_no_pin_is_shown(sim, play, tmp_path):
    task = {PROFILES: {
        "profiles": {"pinned": {"conference_pin": "100", "label": LABEL}},
        "assignments": [{"profile": "pinned", "extensions": [1001]},
                        {"profile": "pinned", "extensions": [1002],
                         "overrides": {"replace_pin": SHORT_OVERRIDE_PIN, "conference_pin": LONG_PIN}}],
        "report_dir": str(tmp_path / "report")}}
    run = play(task, diff=True, verbosity=3, env=SHOW_INVOCATION)
    assert run.rc == 0, run
    assert (sim.phone(1001)["conference_pin"], sim.phone(1002)["conference_pin"]) == ("100", LONG_PIN)
    assert sim.phone(1002)["replace_pin"] == SHORT_OVERRIDE_PIN
    assert sorted(entry["extension_id"] for entry in run.result["extensions"]) == [1001, 1002], run
    assert_nothing_overmasked(run.output)
    assert_no_pin_shown(run.output, "100", SHORT_OVERRIDE_PIN, LONG_PIN)
    invocation = run.result["invocation"]["module_args"]
    assert invocation["profiles"]["pinned"] == {"conference_pin": "********", "label": LABEL}, invocation
    assert invocation["assignments"][1]["overrides"] == {"replace_pin": "********", "conference_pin": "********"}
    report = (tmp_path / "report" / "phone_profiles_report.md").read_text()
    assert LABEL in report and "VALUE_SPECIFIED" not in report and "1001" in report, report
    assert_no_pin_shown(report, "100", SHORT_OVERRIDE_PIN, LONG_PIN)


@pytest.mark.parametrize("pin", ["100", LONG_PIN])
def test_a_pin_of_phone_properties_is_masked_by_field_and_masks_no_other_text(sim, play, pin):
    run = play({PROPERTIES: {"extension_id": 1001, "conference_pin": pin, "label": LABEL}},
               diff=True, verbosity=3, env=SHOW_INVOCATION)
    assert run.rc == 0 and run.result["changed"] is True, run
    assert sim.phone(1001)["conference_pin"] == pin
    assert run.result["extension_id"] == 1001 and run.result["properties"]["label"] == LABEL, run
    assert run.result["properties"]["conference_pin"] == "********"
    assert run.result["invocation"]["module_args"]["conference_pin"] == "********"
    assert_nothing_overmasked(run.output)
    assert_no_pin_shown(run.output, pin)


def test_the_pins_of_extensions_items_are_masked_and_mask_no_other_text(sim, play):
    run = play({PROPERTIES: {"extensions": [
        {"extension_id": 1001, "conference_pin": "100", "label": LABEL},
        {"extension_id": 1002, "replace_pin": SHORT_OVERRIDE_PIN, "conference_pin": LONG_PIN}]}},
        diff=True, verbosity=3, env=SHOW_INVOCATION)
    assert run.rc == 0, run
    assert [entry["extension_id"] for entry in run.result["extensions"]] == [1001, 1002], run
    assert_nothing_overmasked(run.output)
    assert_no_pin_shown(run.output, "100", SHORT_OVERRIDE_PIN, LONG_PIN)


def test_a_refused_task_shows_no_pin_of_its_profiles(sim, play):
    """Refused by the module's own check (a misspelt field, a PIN YAML read as a number): the messages name the
    fix without the value, and the invocation masks every PIN."""
    run = play({PROFILES: {"profiles": {"pinned": {"conference_pin": SHORT_OVERRIDE_PIN, "labl": LABEL}},
                           "assignments": [{"profile": "pinned", "extensions": [1001],
                                            "overrides": {"replace_pin": LONG_PIN, "conference_pin": 5813}}]}},
               verbosity=3, env=SHOW_INVOCATION)
    assert run.result["failed"] is True and "profiles.pinned.labl" in run.result["msg"], run
    assert "assignments[0].overrides.conference_pin: must be a string, got the number ********: quote it" \
        in run.result["msg"], run
    assert run.result["invocation"]["module_args"]["profiles"]["pinned"]["conference_pin"] == "********"
    assert_no_pin_shown(run.output, SHORT_OVERRIDE_PIN, LONG_PIN, "5813")
    assert sim.log == []


def test_a_refused_pin_option_is_named_without_its_value(sim, play):
    run = play({PROPERTIES: {"extensions": [{"extension_id": 1001, "replace_pin": 5813}], "parallel": 0}},
               verbosity=3, env=SHOW_INVOCATION)
    assert run.result["failed"] is True, run
    assert "extensions[0].replace_pin: must be a string, got the number ********" in run.result["msg"], run
    assert run.result["invocation"]["module_args"]["extensions"][0]["replace_pin"] == "********"
    assert_no_pin_shown(run.output, "5813")
    assert sim.log == []


def test_the_pins_of_a_restore_file_are_masked_and_mask_no_other_text(sim, play, tmp_path):
    """A backup holds the PINs it read in clear: restoring them shows none, and a short one masks nothing else."""
    sim.set_phone(1001, {"conference_pin": "100", "label": LABEL})
    sim.set_phone(1002, {"conference_pin": LONG_PIN, "replace_pin": SHORT_OVERRIDE_PIN})
    changed = play({PROPERTIES: {"extensions": [
        {"extension_id": 1001, "conference_pin": "200"},
        {"extension_id": 1002, "conference_pin": "300", "replace_pin": "400"}],
        "backup": True, "backup_options": {"dir_path": str(tmp_path / "backups")}}})
    assert changed.rc == 0 and changed.result["changed"], changed
    restored = play({PROPERTIES: {"restore_from": changed.result["backup_path"]}}, diff=True, verbosity=3,
                    env=SHOW_INVOCATION)
    assert restored.rc == 0 and restored.result["changed"], restored
    assert (sim.phone(1001)["conference_pin"], sim.phone(1002)["conference_pin"]) == ("100", LONG_PIN)
    assert sim.phone(1002)["replace_pin"] == SHORT_OVERRIDE_PIN
    assert [entry["extension_id"] for entry in restored.result["extensions"]] == [1001, 1002], restored
    assert_nothing_overmasked(restored.output)
    assert_no_pin_shown(restored.output, "100", SHORT_OVERRIDE_PIN, LONG_PIN)


def test_the_role_at_vvv_shows_no_pin_and_masks_no_other_text(sim, play_role, tmp_path):
    profiles = {"pinned": {"conference_pin": "100", "label": LABEL}}
    overrides = {"replace_pin": SHORT_OVERRIDE_PIN, "conference_pin": LONG_PIN}
    assignments = [{"profile": "pinned", "extensions": [1001]},
                   {"profile": "pinned", "extensions": [1002], "overrides": overrides}]
    run = play_role("telphin.pbx.phone_profiles", {
        "phone_profiles": profiles, "phone_profile_assignments": assignments,
        "phone_profiles_report_dir": str(tmp_path / "report")}, verbosity=3, env=SHOW_INVOCATION)
    assert run.rc == 0, run
    assert sim.phone(1002)["conference_pin"] == LONG_PIN
    assert_nothing_overmasked(run.output)
    assert_no_pin_shown(run.output, "100", SHORT_OVERRIDE_PIN, LONG_PIN)
    for report in (tmp_path / "report").iterdir():
        assert_no_pin_shown(report.read_text(), "100", SHORT_OVERRIDE_PIN, LONG_PIN)
