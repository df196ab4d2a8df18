import time

import pytest

from pbxsim import fields


def test_put_merges(api, sim):
    before = api.phone(1013)
    r = api.put("extension/1013/phone/", {"hangup_timeout": 30})
    assert r.status_code == 200
    after = r.json()
    assert after == api.phone(1013)
    assert after["hangup_timeout"] == 30
    assert {k: v for k, v in after.items() if k != "hangup_timeout"} == \
           {k: v for k, v in before.items() if k != "hangup_timeout"}


def test_put_empty_object_changes_nothing(api):
    before = api.phone(1013)
    r = api.put("extension/1013/phone/", {})
    assert r.status_code == 200 and r.json() == before


def test_put_many_fields_and_nulls(api):
    body = {"record_format": None, "record_stereo": None, "intercom": 0, "hold_music": None, "vm_mailto": None,
            "auth_type": "both", "geo_list": "RU US BY", "external_number": "+79876543210",
            "call_screening_enabled": True, "allow_webrtc": True, "conference_pin": "4321", "replace_pin": None,
            "transfer_after_call_end_to": "600", "network_permission_group_id": 1, "ringback_sound": 5}
    r = api.put("extension/1013/phone/", body)
    assert r.status_code == 200, r.text
    p = r.json()
    for k, v in body.items():
        assert p[k] == v, k
    r = api.put("extension/1013/phone/", {"intercom": None, "geo_list": "*"})
    assert r.json()["intercom"] is None and r.json()["geo_list"] == "*"


def test_password_write_only(api, sim):
    r = api.put("extension/1013/phone/", {"password": "n3w-Secret"})
    assert r.status_code == 200
    assert "password" not in r.json()
    assert "password" not in api.phone(1013)
    assert sim.phone(1013)["password"] == "n3w-Secret"
    assert sim.phone(1001)["password"] == "Xk8pQ2v-1001"


def test_label_is_the_extension_label(api):
    r = api.put("extension/1013/phone/", {"label": "Alexey Kozlov (remote)"})
    assert r.json()["label"] == "Alexey Kozlov (remote)"
    ext = api.get("client/@me/extension/", params={"name": "000*112"}).json()[0]
    assert ext["label"] == "Alexey Kozlov (remote)"


def test_call_status_sets_timestamp(api):
    t0 = time.gmtime()
    r = api.put("extension/1013/phone/", {"call_status_id": 7})
    p = r.json()
    assert p["call_status_id"] == 7
    assert p["call_status_set_dt"] is not None
    assert p["call_status_set_dt"][:10] == time.strftime("%Y-%m-%d", t0)
    assert time.strptime(p["call_status_set_dt"], "%Y-%m-%d %H:%M:%S")


def test_call_status_timestamp_only_when_it_changes(api, sim):
    r = api.put("extension/1013/phone/", {"call_status_id": None, "hangup_timeout": 30})
    assert r.json()["call_status_set_dt"] is None  # null to null: no change
    r = api.put("extension/1002/phone/", {"call_status_id": 3})
    assert r.json()["call_status_set_dt"] == "2024-05-14 09:12:00"  # same status: the old time stays
    r = api.put("extension/1002/phone/", {"call_status_id": 4})
    assert r.json()["call_status_set_dt"] != "2024-05-14 09:12:00"


INVALID = [
    ({"no_such_field": 1}, "no_such_field"),
    ({"hangup_timeout": "60"}, "hangup_timeout"),          # string for a long
    ({"hangup_timeout": True}, "hangup_timeout"),          # bool for a long
    ({"hangup_timeout": 60.0}, "hangup_timeout"),          # float for a long
    ({"call_status_id": "3"}, "call_status_id"),           # string for an int
    ({"record_enabled": 1}, "record_enabled"),             # int for a boolean
    ({"record_enabled": "true"}, "record_enabled"),        # string for a boolean
    ({"record_stereo": "yes"}, "record_stereo"),
    ({"geo_list": ["RU"]}, "geo_list"),                    # array for a string
    ({"vm_mailto": 5}, "vm_mailto"),
    ({"auth_type": "basic"}, "auth_type"),
    ({"auth_type": "Digest"}, "auth_type"),
    ({"record_format": "ogg"}, "record_format"),
    ({"hangup_timeout": 0}, "hangup_timeout"),
    ({"incoming_limit": -1}, "incoming_limit"),
    ({"intercom": -1}, "intercom"),
    ({"hold_music": -5}, "hold_music"),
    ({"vm_greeting": -1}, "vm_greeting"),
    ({"call_status_id": -1}, "call_status_id"),
    ({"network_permission_group_id": -2}, "network_permission_group_id"),
    ({"ringback_sound": 2 ** 70}, "ringback_sound"),
    ({"geo_list": "ru"}, "geo_list"),
    ({"geo_list": "RU,US"}, "geo_list"),
    ({"geo_list": "RU  US"}, "geo_list"),
    ({"geo_list": " RU"}, "geo_list"),
    ({"geo_list": "XX"}, "geo_list"),
    ({"geo_list": "RUS"}, "geo_list"),
    ({"geo_list": "* RU"}, "geo_list"),
    ({"geo_list": ""}, "geo_list"),
    ({"call_status_set_dt": "2024-01-01 00:00:00"}, "call_status_set_dt"),
    ({"bundle": None}, "bundle"),
    ({"bundle": {"bundle_list": {}, "bundle_id": 1003}}, "bundle"),
    ({"record_enabled": None}, "record_enabled"),
    ({"allow_webrtc": None}, "allow_webrtc"),
    ({"auth_type": None}, "auth_type"),
    ({"vm_enabled": None}, "vm_enabled"),
]


@pytest.mark.parametrize("body,field", INVALID, ids=[repr(b)[:40] for b, _field in INVALID])
def test_validation(api, sim, body, field):
    before = sim.phone(1013)
    r = api.put("extension/1013/phone/", body)
    assert r.status_code == 400, r.text
    err = r.json()
    assert err["status"] == "validation_error"
    assert field in err["message"]
    assert r.headers["Content-Type"] == "application/json"
    assert sim.phone(1013) == before


@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"1", b"null", b"{not json", b"", b"\xff\xfe"])
def test_non_object_or_bad_json_body(api, sim, raw):
    before = sim.phone(1013)
    r = api.put("extension/1013/phone/", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["status"] == "validation_error"
    assert sim.phone(1013) == before


def test_form_body_refused(api):
    r = api.put("extension/1013/phone/", data={"hangup_timeout": "30"})
    assert r.status_code == 400
    assert "application/json" in r.json()["message"]


def test_all_or_nothing(api, sim):
    before = {i: sim.phone(i) for i in (1003, 1004, 1005, 1013)}
    r = api.put("extension/1013/phone/", {"hangup_timeout": 30, "record_enabled": False, "geo_list": "R U"})
    assert r.status_code == 400
    assert "geo_list" in r.json()["message"] and "hangup_timeout" not in r.json()["message"]
    r = api.put("extension/1004/phone/", {"record_enabled": False, "incoming_limit": -3})
    assert r.status_code == 400
    assert {i: sim.phone(i) for i in before} == before


def test_every_invalid_field_is_named(api):
    r = api.put("extension/1013/phone/", {"foo": 1, "hangup_timeout": 0, "auth_type": "x"})
    msg = r.json()["message"]
    assert "foo" in msg and "hangup_timeout" in msg and "auth_type" in msg


def test_access_levels(client_for, sim):
    before = sim.phone(1013)
    r = client_for("callapi-app").put("extension/1013/phone/", {"hangup_timeout": 30})
    assert r.status_code == 403 and r.json()["status"] == "app_access_type_deny" and r.json()["message"]
    r = client_for("readonly-app").put("extension/1013/phone/", {"hangup_timeout": 30})
    assert r.status_code == 403 and r.json()["status"] == "user_access_type_deny"
    r = client_for("group-app").put("extension/1013/phone/", {"hangup_timeout": 30})
    assert r.status_code == 403 and r.json()["status"] == "access_denied"
    r = client_for("other-app").put("extension/1013/phone/", {"hangup_timeout": 30})
    assert r.status_code == 403 and r.json()["status"] == "access_denied"
    assert sim.phone(1013) == before
    r = client_for("group-app").put("extension/1002/phone/", {"hangup_timeout": 30})
    assert r.status_code == 200
    r = client_for("ext-app").put("extension/@me/phone/", {"hangup_timeout": 31})
    assert r.status_code == 200 and sim.phone(1001)["hangup_timeout"] == 31


def test_put_unknown_and_non_phone(api):
    assert api.put("extension/424242/phone/", {"hangup_timeout": 30}).status_code == 404
    r = api.put("extension/1034/phone/", {"hangup_timeout": 30})
    assert r.status_code == 404 and "not phone" in r.json()["message"]
    assert api.put("extension/@me/phone/", {"hangup_timeout": 30}).status_code in (403, 404)


def test_bundle_sync_from_member(api, sim):
    r = api.put("extension/1005/phone/", {"record_enabled": False, "geo_list": "RU KZ", "incoming_limit": 3,
                                          "hangup_timeout": 20, "vm_mailto": "only-1005@acme.example",
                                          "auth_type": "network"})
    assert r.status_code == 200
    for ext in (1003, 1004, 1005):
        p = sim.phone(ext)
        assert p["record_enabled"] is False and p["geo_list"] == "RU KZ" and p["incoming_limit"] == 3, ext
    # not synchronized: stays per extension
    assert sim.phone(1005)["hangup_timeout"] == 20 and sim.phone(1003)["hangup_timeout"] == 45
    assert sim.phone(1004)["vm_mailto"] is None and sim.phone(1003)["vm_mailto"] is None
    assert sim.phone(1003)["auth_type"] == "digest"
    # an extension outside the bundle is untouched
    assert sim.phone(1006)["geo_list"] == "RU"


def test_bundle_sync_from_main_all_sync_fields(api, sim):
    body = {"record_transfer": False, "ringback_sound": 4, "geo_list": "*", "record_enabled": False,
            "hold_music": 9, "announce_sound_upon_outgoing_call": 11, "announce_sound_upon_incoming_call": 12,
            "conference_pin": "9999", "conference_announce_caller_name": False, "conference_end_on_exit": False,
            "record_format": "wav", "record_stereo": True, "incoming_limit": 2}
    assert set(body) == set(fields.SYNC_PHONE)
    assert api.put("extension/1010/phone/", body).status_code == 200
    p = sim.phone(1011)
    for k, v in body.items():
        assert p[k] == v, k
    assert api.phone(1011)["bundle"]["bundle_id"] == 1010


def test_non_sync_fields_not_propagated(api, sim):
    body = {"hangup_timeout": 10, "vm_enabled": False, "external_number": "+7999", "intercom": 2,
            "call_status_id": 4, "allow_webrtc": True, "label": "Dmitry (new desk)", "password": "p"}
    assert api.put("extension/1010/phone/", body).status_code == 200
    other = sim.phone(1011)
    assert other["hangup_timeout"] == 45 and other["vm_enabled"] is True and other["external_number"] is None
    assert other["intercom"] is None and other["call_status_id"] is None and other["allow_webrtc"] is False
    assert other["label"] == "Dmitry Volkov (softphone)" and other["password"] is None
