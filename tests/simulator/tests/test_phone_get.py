from pbxsim import fields

PAGE_FIELDS = {
    "label", "announce_sound_upon_outgoing_call", "announce_sound_upon_incoming_call",
    "append_to_cid_name_on_transfer", "auth_type", "call_screening_enabled", "conference_announce_caller_name",
    "conference_end_on_exit", "conference_pin", "external_number", "geo_list", "hangup_timeout", "hold_music",
    "ignore_early_media", "incoming_limit", "network_permission_group_id", "preserve_caller_id_number_att_tr",
    "record_enabled", "record_format", "record_stereo", "record_transfer", "record_on_transfer", "ringback_sound",
    "static_reg_address", "transfer_caller_id_number", "vm_attach_file", "vm_enabled", "vm_greeting", "vm_mailto",
    "intercom", "bundle", "replace_pin", "call_status_id", "call_status_set_dt", "transfer_after_call_end_to",
}


def test_get_phone_fields(api):
    p = api.phone(1001)
    assert set(p) == PAGE_FIELDS | {"allow_webrtc"}
    assert "password" not in p
    assert p["allow_webrtc"] is False
    assert p["bundle"] is None
    assert p["label"] == "Ivan Petrov"
    assert p["auth_type"] == "digest" and p["geo_list"] == "RU" and p["hangup_timeout"] == 45


def test_page_defaults_for_unseeded_fields(api):
    p = api.phone(1013)
    for name in ("call_screening_enabled", "conference_announce_caller_name", "conference_end_on_exit",
                 "ignore_early_media", "preserve_caller_id_number_att_tr", "record_transfer",
                 "record_on_transfer", "hold_music", "ringback_sound", "vm_greeting",
                 "network_permission_group_id", "intercom", "replace_pin", "conference_pin"):
        assert p[name] == fields.FIELDS[name].default, name


def test_bundle_field(api):
    expect = {"bundle_list": {"1004": {"active": True}, "1005": {"active": False}}, "bundle_id": 1003}
    for ext in (1003, 1004, 1005):
        assert api.phone(ext)["bundle"] == expect
    assert api.phone(1011)["bundle"] == {"bundle_list": {"1011": {"active": True}}, "bundle_id": 1010}


def test_seed_bundle_copies_main_values(api):
    assert api.phone(1010)["geo_list"] == "RU BY"
    assert api.phone(1011)["geo_list"] == "RU BY"


def test_seeded_call_status(api):
    p = api.phone(1002)
    assert p["call_status_id"] == 3 and p["call_status_set_dt"] == "2024-05-14 09:12:00"


def test_me(client_for, api):
    p = client_for("ext-app").phone("@me")
    assert p["label"] == "Ivan Petrov"
    r = api.get("extension/@me/phone/")
    assert r.status_code in (403, 404)
    assert "@me" in r.json()["message"]


def test_unknown_and_non_phone(api):
    r = api.get("extension/424242/phone/")
    assert r.status_code == 404 and r.json()["message"]
    r = api.get("extension/abc/phone/")
    assert r.status_code == 404
    for ext in (1033, 1035, 1037, 1039):
        r = api.get("extension/%d/phone/" % ext)
        assert r.status_code == 404
        assert "not phone" in r.json()["message"]


def test_out_of_scope(api, client_for):
    r = api.get("extension/90001/phone/")
    assert r.status_code == 403 and r.json()["status"] == "access_denied"
    r = client_for("group-app").get("extension/1009/phone/")
    assert r.status_code == 403 and r.json()["status"] == "access_denied"
    assert client_for("group-app").get("extension/1002/phone/").status_code == 200
    r = client_for("ext-app").get("extension/1002/phone/")
    assert r.status_code == 403 and r.json()["status"] == "access_denied"
    assert client_for("readonly-app").get("extension/1002/phone/").status_code == 200
    assert client_for("callapi-app").get("extension/1002/phone/").status_code == 200


def test_trailing_slash_required(api):
    r = api.get("extension/1001/phone")
    assert r.status_code == 404
    assert "slash" in r.json()["message"]


def test_wrong_methods(api):
    for method in ("POST", "DELETE", "PATCH"):
        r = api.request(method, "extension/1001/phone/", json={})
        assert r.status_code == 405
        assert r.json()["status"] == "method_not_allowed"
        assert r.headers["Content-Type"] == "application/json"
