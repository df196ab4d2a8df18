# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""phone_properties on one extension, as a user runs it: check, apply, again; diffs, errors, secrets."""

from conftest import api_requests, issue_token

STANDARD = {"record_enabled": True, "incoming_limit": 1, "geo_list": "ru", "vm_mailto": "voicemail@example.com"}


def task(**options):
    return {"telphin.pbx.phone_properties": options}


def puts(sim):
    return api_requests(sim, "PUT")


def test_check_mode_sends_no_put_and_predicts_the_real_run(sim, play):
    # 1006 (number 105) has recording off and no voicemail e-mail: two fields drift, two are in sync.
    check = play(task(extension_name="105", **STANDARD), check=True)
    assert check.result["changed"] is True, check
    assert puts(sim) == []
    assert sim.phone(1006)["record_enabled"] is False

    sim.clear_log()
    real = play(task(extension_name="105", **STANDARD))
    assert real.result["changed"] is check.result["changed"]
    assert real.result["changes"] == check.result["changes"] == ["record_enabled", "vm_mailto"]


def test_real_run_sends_one_put_with_only_the_differing_fields_then_nothing(sim, play):
    first = play(task(extension_id=1006, **STANDARD))
    assert first.rc == 0, first
    assert [entry["body"] for entry in puts(sim)] == [{"record_enabled": True, "vm_mailto": "voicemail@example.com"}]
    assert [entry["method"] for entry in api_requests(sim)] == ["GET", "PUT"]
    assert first.result["extension_id"] == 1006
    assert first.result["properties"]["record_enabled"] is True
    assert sim.phone(1006)["vm_mailto"] == "voicemail@example.com"

    sim.clear_log()
    second = play(task(extension_id=1006, **STANDARD))
    assert second.result["changed"] is False, second
    assert second.result["changes"] == []
    assert puts(sim) == []


def test_equivalent_spellings_are_not_drift(sim, play):
    sim.set_phone(1014, {"geo_list": "by KZ ru", "vm_mailto": "B@Example.com,a@example.com"})
    run = play(task(extension_id=1014, geo_list="RU BY KZ", vm_mailto="a@example.com, b@example.com"))
    assert run.result["changed"] is False, run
    assert puts(sim) == []


def test_reset_clears_a_field(sim, play):
    run = play(task(extension_id=1007, reset=["vm_mailto"]), diff=True)
    assert run.result["changed"] is True
    assert [entry["body"] for entry in puts(sim)] == [{"vm_mailto": None}]
    assert sim.phone(1007)["vm_mailto"] is None
    assert run.result["diff"]["before"] == {"vm_mailto": "o.sokolova@acme.example"}
    assert run.result["diff"]["after"] == {"vm_mailto": None}


def test_diff_shows_before_and_after_of_the_managed_fields(sim, play):
    run = play(task(extension_id=1006, record_enabled=True, hangup_timeout=45), check=True, diff=True)
    assert run.result["diff"] == {"before": {"record_enabled": False, "hangup_timeout": 45},
                                  "after": {"record_enabled": True, "hangup_timeout": 45}}
    assert "-    \"record_enabled\": false" in run.output or "record_enabled" in run.output
    assert puts(sim) == []


def test_no_secret_appears_in_the_output_at_vvv(sim, play):
    sim.set_phone(1009, {"conference_pin": "743901", "replace_pin": "550177"})
    run = play(task(extension_id=1009, conference_pin="918273", record_enabled=False), diff=True, verbosity=3)
    assert run.result["changed"] is True, run
    assert sim.phone(1009)["conference_pin"] == "918273"
    tokens = [entry for entry in sim.log if entry["path"] == "/oauth/token"]
    assert tokens, "the run asked for a token"
    for secret in ["demo-secret", "743901", "550177", "918273"]:
        assert secret not in run.output, secret
        assert secret not in str(run.result), secret
    assert run.result["properties"]["conference_pin"] == "********"
    assert run.result["properties"]["replace_pin"] == "********"


def test_access_token_never_appears_at_vvv(sim, play):
    token = issue_token(sim)
    run = play(task(extension_id=1001, label="Ivan Petrov"), verbosity=3,
               env={"TELPHIN_ACCESS_TOKEN": token, "TELPHIN_APP_ID": "", "TELPHIN_APP_SECRET": ""})
    assert run.rc == 0 and run.result["changed"] is False, run
    assert token not in run.output


def test_bad_input_fails_before_any_request(sim, play):
    run = play(task(extension_id=1001, hangup_timeout=0, geo_list="RUS", static_reg_address="nowhere"))
    assert run.result["failed"] is True
    msg = run.result["msg"]
    assert "hangup_timeout: must be 1 or more" in msg
    assert "geo_list:" in msg and "static_reg_address: must be host:port" in msg
    assert sim.log == []


def test_a_wrong_choice_fails_before_any_request(sim, play):
    run = play(task(extension_id=1001, auth_type="kerberos"))
    assert run.result["failed"] is True and "auth_type" in run.result["msg"]
    assert sim.log == []


def test_an_expired_token_is_renewed_once(sim, play):
    sim.set_faults({"fail": {"count": 1, "status": 401, "message": "Token expired", "match": {"method": "GET"}}})
    run = play(task(extension_id=1006, record_enabled=True))
    assert run.rc == 0 and run.result["changed"] is True, run
    assert len([e for e in sim.log if e["path"] == "/oauth/token"]) == 2
    assert [(e["method"], e["status"]) for e in api_requests(sim)] == [("GET", 401), ("GET", 200), ("PUT", 200)]


def test_a_500_followed_by_success_succeeds(sim, play):
    sim.set_faults({"fail": {"count": 1, "status": 500, "message": "Internal error", "match": {"method": "PUT"}}})
    run = play(task(extension_id=1006, record_enabled=True))
    assert run.rc == 0 and run.result["changed"] is True, run
    assert [e["status"] for e in puts(sim)] == [500, 200]
    assert sim.phone(1006)["record_enabled"] is True


def test_persistent_500s_fail_with_the_status_and_the_apis_message(sim, play):
    sim.set_faults({"fail": {"count": 100, "status": 500, "message": "Database unavailable",
                             "match": {"method": "PUT"}}})
    run = play(task(extension_id=1006, record_enabled=True, max_retries=2))
    assert run.result["failed"] is True
    msg = run.result["msg"]
    assert "1006" in msg and "500" in msg and "Database unavailable" in msg, msg
    assert len(puts(sim)) == 3
    assert sim.phone(1006)["record_enabled"] is False


def test_a_long_429_fails_at_once_saying_when_the_budget_resets(sim, play):
    sim.set_faults({"rate_limited": {"reset": 3000, "match": {"path_regex": "^/api/"}}})
    run = play(task(extension_id=1006, record_enabled=True))
    assert run.result["failed"] is True
    msg = run.result["msg"]
    assert "429" in msg and "3000" in msg and "rate_limit_wait" in msg, msg
    assert len(api_requests(sim)) == 1


def test_a_call_api_application_is_told_it_needs_access_level_all(sim, play):
    run = play(task(extension_id=1006, record_enabled=True), app=("callapi-app", "callapi-secret"))
    assert run.result["failed"] is True
    msg = run.result["msg"]
    assert "403" in msg and "app_access_type_deny" in msg and '"All"' in msg, msg


def test_a_non_phone_extension_gets_a_clear_404(sim, play):
    run = play(task(extension_id=1033, record_enabled=True))
    assert run.result["failed"] is True
    assert "1033" in run.result["msg"] and "404" in run.result["msg"], run
    named = play(task(extension_name="600", record_enabled=True))
    assert "type 'queue'" in named.result["msg"], named


def test_an_unknown_id_gets_a_clear_404(sim, play):
    run = play(task(extension_id=999999, record_enabled=True))
    assert run.result["failed"] is True
    assert "999999" in run.result["msg"] and "404" in run.result["msg"], run


def test_a_bundle_synchronized_change_warns_and_names_the_partners(sim, play):
    run = play(task(extension_id=1004, incoming_limit=3))
    assert run.result["changed"] is True, run
    warning = " ".join(run.result.get("warnings", []))
    assert "1003" in warning and "1005" in warning and "incoming_limit" in warning, run
    assert sim.phone(1003)["incoming_limit"] == 3 and sim.phone(1005)["incoming_limit"] == 3


EVERY_FIELD = {
    "label": "Front desk", "announce_sound_upon_outgoing_call": 11, "announce_sound_upon_incoming_call": 12,
    "append_to_cid_name_on_transfer": "via reception", "auth_type": "both", "call_screening_enabled": True,
    "conference_announce_caller_name": False, "conference_end_on_exit": False, "conference_pin": "8812",
    "external_number": "+79876543210", "geo_list": "us ru", "hangup_timeout": "25", "hold_music": 3,
    "ignore_early_media": False, "incoming_limit": 2, "network_permission_group_id": 4,
    "preserve_caller_id_number_att_tr": False, "record_enabled": False, "record_format": "wav",
    "record_stereo": True, "record_transfer": False, "record_on_transfer": True, "ringback_sound": 5,
    "static_reg_address": "10.1.2.3:5060", "transfer_caller_id_number": "74951234567", "vm_attach_file": False,
    "vm_enabled": False, "vm_greeting": 6, "vm_mailto": "Desk@Example.com, ops@example.com", "intercom": 0,
    "replace_pin": "3141", "call_status_id": 2, "transfer_after_call_end_to": "200", "allow_webrtc": True,
}


def test_every_writable_field_converges_and_a_second_run_changes_nothing(sim, play):
    first = play(task(extension_id=1013, **EVERY_FIELD))
    assert first.rc == 0 and first.result["changed"] is True, first
    assert len(first.result["changes"]) == len(EVERY_FIELD)
    sim.clear_log()
    second = play(task(extension_id=1013, **EVERY_FIELD))
    assert second.result["changed"] is False, second
    assert puts(sim) == []

    nullable = ["label", "geo_list", "vm_mailto", "conference_pin", "replace_pin", "intercom", "record_format",
                "record_stereo", "static_reg_address", "hold_music", "call_status_id"]
    reset = play(task(extension_id=1013, reset=nullable))
    assert reset.rc == 0 and sorted(reset.result["changes"]) == sorted(nullable), reset
    assert all(sim.phone(1013)[name] is None for name in nullable)
    sim.clear_log()
    again = play(task(extension_id=1013, reset=nullable))
    assert again.result["changed"] is False and puts(sim) == [], again


def test_a_dropped_connection_is_retried_and_a_persistent_one_is_reported(sim, play):
    sim.set_faults({"drop": {"count": 1, "match": {"method": "PUT"}}})
    run = play(task(extension_id=1006, record_enabled=True))
    assert run.rc == 0 and run.result["changed"] is True, run
    assert [e["status"] for e in puts(sim)] == [0, 200]

    sim.reset()
    sim.set_faults({"drop": {"count": 100, "match": {"method": "PUT"}}})
    failed = play(task(extension_id=1006, record_enabled=True, max_retries=1))
    msg = failed.result["msg"]
    assert failed.result["failed"] is True and "1006" in msg and "connection" in msg, failed
    assert "gave up after 1 retry" in msg


def test_a_time_out_names_the_extension_and_the_limit(sim, play):
    token = issue_token(sim)
    sim.set_faults({"latency_ms": 1500})
    run = play(task(extension_id=1006, record_enabled=True, timeout=0.5, max_retries=0),
               env={"TELPHIN_ACCESS_TOKEN": token, "TELPHIN_APP_ID": "", "TELPHIN_APP_SECRET": ""})
    msg = run.result["msg"]
    assert run.result["failed"] is True and "1006" in msg and "timed out" in msg and "0.5" in msg, run
    assert puts(sim) == []


def test_a_sip_password_is_sent_every_time_and_never_shown(sim, play):
    run = play(task(extension_id=1002, password="Zq9-new-sip-pass"), diff=True, verbosity=3)
    assert run.rc == 0 and run.result["changes"] == ["password"], run
    assert sim.phone(1002)["password"] == "Zq9-new-sip-pass"
    assert "Zq9-new-sip-pass" not in run.output and "Zq9-new-sip-pass" not in str(run.result)
    sim.clear_log()
    again = play(task(extension_id=1002, password="Zq9-new-sip-pass"), check=True)
    assert again.result["changed"] is True and puts(sim) == [], again  # write-only: cannot be compared
