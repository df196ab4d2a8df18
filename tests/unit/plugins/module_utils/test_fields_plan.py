# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The field table and the plan: validation, normalisation, changes, diffs, masking, bundles."""

import pytest
from hypothesis import given, strategies as st

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils import plan, results
from ansible_collections.telphin.pbx.plugins.module_utils.runner import Outcome
from ansible_collections.telphin.pbx.plugins.module_utils.targets import Target


def desired(**options):
    result, problems = F.desired_properties(options, options.pop("reset", None) if "reset" in options else None)
    assert problems == []
    return result


# ---- the table against the vendor's page ---------------------------------------------------------

VENDOR_FIELDS = """label announce_sound_upon_outgoing_call announce_sound_upon_incoming_call append_to_cid_name_on_transfer
auth_type call_screening_enabled conference_announce_caller_name conference_end_on_exit conference_pin external_number
geo_list hangup_timeout hold_music ignore_early_media incoming_limit network_permission_group_id
preserve_caller_id_number_att_tr record_enabled record_format record_stereo record_transfer record_on_transfer
ringback_sound static_reg_address transfer_caller_id_number vm_attach_file vm_enabled vm_greeting vm_mailto intercom
bundle replace_pin call_status_id call_status_set_dt transfer_after_call_end_to""".split()

SYNCED = """record_transfer ringback_sound geo_list record_enabled hold_music announce_sound_upon_outgoing_call
announce_sound_upon_incoming_call conference_pin conference_announce_caller_name conference_end_on_exit record_format
record_stereo incoming_limit""".split()


def test_every_field_of_the_vendor_page_is_in_the_table():
    assert set(VENDOR_FIELDS) <= set(F.FIELDS_BY_NAME)


def test_read_only_secret_and_synchronized_fields_are_as_documented():
    assert {f.name for f in F.FIELDS if f.readonly} == {"bundle", "call_status_set_dt"}
    assert F.SECRET_NAMES == {"conference_pin", "replace_pin", "password"}
    assert [f.name for f in F.FIELDS if f.writeonly] == ["password"]
    assert F.SYNCED_NAMES == set(SYNCED)


def test_argument_spec_marks_secrets_no_log_at_both_levels():
    for spec in (F.argument_spec(), F.argument_spec(for_items=True)):
        assert spec["conference_pin"]["no_log"] and spec["replace_pin"]["no_log"]
        assert "bundle" not in spec and "call_status_set_dt" not in spec
    assert F.argument_spec()["auth_type"]["choices"] == ["digest", "network", "both"]


# ---- validation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("option, value, reason", [
    ("hangup_timeout", 0, "must be 1 or more"),
    ("incoming_limit", -1, "must be 0 or more"),
    ("intercom", -5, "must be 0 or more"),
    ("hold_music", "abc", "must be an integer"),
    ("record_enabled", "maybe", "must be a boolean"),
    ("auth_type", "kerberos", "must be one of digest, network, both"),
    ("record_format", "ogg", "must be one of mp3, wav"),
    ("geo_list", "RUS", "not a two-letter code: RUS"),
    ("geo_list", "   ", "use reset"),
    ("static_reg_address", "8.8.8.8", "host:port"),
    ("static_reg_address", "8.8.8.8:70000", "host:port"),
    ("vm_mailto", "ops@example.com, not-an-address", "not an address: not-an-address"),
    ("external_number", "+7 (987) 654", "digits with an optional leading +"),
    ("transfer_caller_id_number", "abc", "digits with an optional leading +"),
])
def test_bad_values_are_refused_naming_the_option_and_the_reason(option, value, reason):
    _desired, problems = F.desired_properties({option: value}, None)
    assert len(problems) == 1
    assert problems[0].startswith(option + ": ")
    assert reason in problems[0]


def test_secret_values_never_appear_in_a_validation_message():
    _desired, problems = F.desired_properties({"conference_pin": {"a": "s3cr3t-pin"}}, None)
    assert problems and "s3cr3t-pin" not in problems[0]


def test_every_problem_is_reported_at_once_with_its_prefix():
    _desired, problems = F.desired_properties(
        {"hangup_timeout": 0, "geo_list": "X"}, ["vm_enabled", "nope"], "extensions[3].")
    assert len(problems) == 4
    assert all(p.startswith("extensions[3].") for p in problems)
    assert any("vm_enabled cannot be null" in p for p in problems)
    assert any("'nope' is not a writable property" in p for p in problems)


def test_reset_and_value_for_one_field_is_refused():
    _desired, problems = F.desired_properties({"vm_mailto": "a@example.com"}, ["vm_mailto"])
    assert problems == ["reset: vm_mailto is also given a value; use one or the other"]


def test_values_are_sent_in_canonical_form():
    assert desired(geo_list="ru  by ru") == {"geo_list": "RU BY"}
    assert desired(vm_mailto=" a@example.com,b@example.com ,a@example.com") == {
        "vm_mailto": "a@example.com,b@example.com"}
    assert desired(hangup_timeout="45", record_enabled="yes") == {"hangup_timeout": 45, "record_enabled": True}
    assert desired(geo_list=" * ") == {"geo_list": "*"}


# ---- comparison ------------------------------------------------------------------------------------

def test_equivalent_values_are_not_changes():
    current = {"geo_list": "BY ru", "vm_mailto": "Ops@Example.com,b@example.com", "hangup_timeout": "60",
               "record_enabled": True, "label": "Anna"}
    wanted = desired(geo_list="RU BY", vm_mailto="b@example.com, ops@example.com", hangup_timeout=60,
                     record_enabled=True, label="Anna")
    assert plan.changes(current, wanted) == []


def test_only_managed_fields_that_differ_are_changes_in_table_order():
    current = {"record_enabled": False, "incoming_limit": 0, "geo_list": "RU", "label": "x"}
    wanted = desired(incoming_limit=1, record_enabled=True, geo_list="ru")
    assert plan.changes(current, wanted) == ["incoming_limit", "record_enabled"]
    assert plan.put_body(wanted, plan.changes(current, wanted)) == {"incoming_limit": 1, "record_enabled": True}


def test_the_write_only_password_is_a_change_whenever_it_is_managed_and_never_shown():
    wanted = desired(password="S1p-secret", record_enabled=True)
    assert plan.changes({"record_enabled": True}, wanted) == ["password"]
    entry = results.diff(planned({"record_enabled": True}, wanted))
    assert entry["after"]["password"] == F.MASK + " (changed)" and "S1p-secret" not in repr(entry)
    _desired, problems = F.desired_properties({}, ["password"])
    assert problems and "password cannot be null" in problems[0]


def test_reset_is_a_change_only_when_the_field_holds_a_value():
    wanted = desired(reset=["vm_mailto"])
    assert plan.changes({"vm_mailto": "a@example.com"}, wanted) == ["vm_mailto"]
    assert plan.changes({"vm_mailto": None}, wanted) == []
    assert plan.put_body(wanted, ["vm_mailto"]) == {"vm_mailto": None}


codes = st.lists(st.sampled_from(["RU", "US", "BY", "KZ", "DE"]), min_size=1, max_size=5)


@given(codes, st.randoms())
def test_geo_list_compares_as_a_set_whatever_the_order_case_and_spacing(picked, rnd):
    shuffled = list(picked)
    rnd.shuffle(shuffled)
    written = "  ".join(code.lower() if rnd.random() < 0.5 else code for code in shuffled)
    wanted = desired(geo_list=" ".join(picked))
    assert plan.changes({"geo_list": written}, wanted) == []
    assert plan.changes({"geo_list": written + " CN"}, wanted) == ["geo_list"]


@given(st.dictionaries(st.sampled_from(["record_enabled", "incoming_limit", "geo_list", "label"]),
                       st.one_of(st.booleans(), st.integers(0, 5), st.sampled_from(["RU", "RU US", "x"])),
                       min_size=1))
def test_applying_the_plan_leaves_nothing_to_change(current):
    wanted = desired(record_enabled=True, incoming_limit=1, geo_list="us ru", label="Desk")
    after = plan.predicted(current, wanted, plan.changes(current, wanted))
    assert plan.changes(after, wanted) == []


# ---- diff and masking --------------------------------------------------------------------------------

def planned(current, wanted):
    """The outcome of one extension as the runner plans it: what differs, and the PUT's body."""
    changes = tuple(plan.changes(current, wanted))
    return Outcome(Target(index=0, given="1001", extension_id="1001", desired=wanted), current=current,
                   changes=changes, body=plan.put_body(wanted, changes))


def test_diff_shows_managed_fields_only_and_masks_secrets():
    current = {"record_enabled": False, "conference_pin": "1234", "label": "x", "replace_pin": "9"}
    wanted = desired(record_enabled=True, conference_pin="5678")
    entry = results.diff(planned(current, wanted), header="000*100 (id 1001)")
    assert entry["before"] == {"record_enabled": False, "conference_pin": F.MASK}
    assert entry["after"] == {"record_enabled": True, "conference_pin": F.MASK + " (changed)"}
    assert entry["before_header"] == "000*100 (id 1001) (before)"
    assert "1234" not in repr(entry) and "5678" not in repr(entry)


def test_mask_hides_every_secret_with_a_value():
    masked = F.mask({"conference_pin": "1", "replace_pin": None, "label": "a"})
    assert masked == {"conference_pin": F.MASK, "replace_pin": None, "label": "a"}
    assert F.mask({"conference_pin": "1"}, show_secrets=True) == {"conference_pin": "1"}


# ---- bundles -----------------------------------------------------------------------------------------

def bundle(main, *members):
    return {"bundle": {"bundle_id": main, "bundle_list": {str(m): {"active": True} for m in members}}}


def test_bundle_members_include_the_main_extension():
    assert plan.bundle_members(bundle(1003, 1004, 1005)) == ("1003", frozenset({"1003", "1004", "1005"}))
    assert plan.bundle_members({"bundle": None}) is None


def test_different_values_of_a_synchronized_field_in_one_bundle_conflict():
    planned = [("000*103 (id 1004)", "1004", bundle(1003, 1004, 1005), desired(record_enabled=False)),
               ("000*104 (id 1005)", "1005", bundle(1003, 1004, 1005), desired(record_enabled=True)),
               ("000*109 (id 1010)", "1010", bundle(1010, 1011), desired(record_enabled=False))]
    problems = plan.bundle_conflicts(planned)
    assert len(problems) == 1
    assert "000*103 (id 1004) and 000*104 (id 1005)" in problems[0]
    assert "record_enabled" in problems[0] and "False and True" in problems[0]


def test_same_values_and_unsynchronized_fields_do_not_conflict():
    planned = [("a", "1004", bundle(1003, 1004), desired(geo_list="RU US", label="A")),
               ("b", "1003", bundle(1003, 1004), desired(geo_list="us ru", label="B"))]
    assert plan.bundle_conflicts(planned) == []


def test_conflicting_secrets_are_masked_in_the_message():
    planned = [("a", "1004", bundle(1003, 1004), desired(conference_pin="1111")),
               ("b", "1003", bundle(1003, 1004), desired(conference_pin="2222"))]
    problems = plan.bundle_conflicts(planned)
    assert problems and "1111" not in problems[0] and "2222" not in problems[0]


def test_side_effects_name_partners_that_do_not_manage_the_field():
    props = bundle(1003, 1004, 1005)
    effects = plan.bundle_side_effects("1004", props, ["record_enabled", "label"],
                                       {"1004": {"record_enabled", "label"}, "1005": {"record_enabled"}})
    assert effects == {"1003": ["record_enabled"]}
    assert plan.bundle_side_effects("1004", props, ["label"], {}) == {}


@pytest.mark.parametrize("row, reason", [
    (dict(readonly=True, writeonly=True), "cannot be read-only and write-only"),
    (dict(writeonly=True, comparable=str.strip), "a write-only field is never returned, so it cannot have a comparer"),
    (dict(readonly=True, secret=True), "a read-only field is never sent"),
    (dict(minimum=0), "only integers have a minimum"),
    (dict(text_only=True, type=F.INT), "only strings can refuse numbers"),
    (dict(type=F.INT, zero_is_null=True, nullable=False), "a field whose 0 means null must be nullable"),
    (dict(choices=("a", "b"), default="c"), "the default 'c' is not one of the choices"),
    (dict(type="float"), "type must be one of"),
])
def test_a_contradictory_row_is_refused_when_the_table_is_built(row, reason):
    options = dict(type=F.STR)
    options.update(row)
    with pytest.raises(ValueError, match="field odd: .*" + reason.replace("(", r"\(").replace(")", r"\)")):
        F.Field("odd", description="a row that contradicts itself", **options)


def test_every_row_of_the_table_is_consistent():
    assert all(fld.contradictions() == [] for fld in F.FIELDS)
