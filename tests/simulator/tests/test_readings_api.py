"""What each reading does to the API's answers: phone fields, sounds, read-only fields, bundles, paging, OAuth."""

import pytest
import requests

from conftest import ApiClient
from pbxsim import Simulator, fields
from pbxsim.generator import generate

# The keys of the vendor's example answer of GET /phone/ (phone-terminal-resource.txt): 30 of the page's 35.
VENDOR_EXAMPLE_KEYS = {
    "auth_type", "hold_music", "preserve_caller_id_number_att_tr", "conference_pin", "conference_end_on_exit",
    "network_permission_group_id", "append_to_cid_name_on_transfer", "record_stereo", "incoming_limit",
    "vm_mailto", "vm_enabled", "hangup_timeout", "record_enabled", "vm_attach_file",
    "conference_announce_caller_name", "announce_sound_upon_outgoing_call", "vm_greeting", "ignore_early_media",
    "static_reg_address", "geo_list", "call_screening_enabled", "ringback_sound", "record_format",
    "transfer_caller_id_number", "record_transfer", "external_number", "bundle", "call_status_id",
    "call_status_set_dt", "transfer_after_call_end_to",
}
SOUNDS = ("hold_music", "ringback_sound", "vm_greeting")
LIST = "client/@me/extension/"


# ---- omit_fields -------------------------------------------------------------------------------------------
def test_omit_vendor_example_gives_the_example_keys(sim, api):
    assert set(api.phone(1013)) == set(fields.VISIBLE)  # default: every field
    sim.set_readings(omit_fields="vendor_example")
    assert set(api.phone(1013)) == VENDOR_EXAMPLE_KEYS
    r = api.put("extension/1013/phone/", {"hangup_timeout": 30})
    assert r.status_code == 200 and set(r.json()) == VENDOR_EXAMPLE_KEYS


def test_omitted_field_is_stored_and_never_shown(sim, api):
    sim.set_readings(omit_fields=["label", "intercom"])
    r = api.put("extension/1013/phone/", {"label": "Alexey K.", "intercom": 3})
    assert r.status_code == 200
    assert "label" not in r.json() and "intercom" not in r.json()
    assert "label" not in api.phone(1013)
    assert sim.phone(1013)["label"] == "Alexey K." and sim.phone(1013)["intercom"] == 3
    assert api.get("extension/1013/").json()["label"] == "Alexey K."  # the extension resource still shows it
    r = api.put("extension/1013/phone/", {"intercom": -1})
    assert r.status_code == 400  # still checked
    sim.set_readings(omit_fields=[])
    assert api.phone(1013)["intercom"] == 3


# ---- null_sounds -------------------------------------------------------------------------------------------
def test_null_sounds_show_null_for_stored_zero(sim, api):
    sim.set_phone(1014, {"ringback_sound": 7})
    assert [api.phone(1013)[s] for s in SOUNDS] == [0, 0, 0]
    sim.set_readings(null_sounds=True)
    assert [api.phone(1013)[s] for s in SOUNDS] == [None, None, None]
    assert api.phone(1014)["ringback_sound"] == 7 and api.phone(1014)["hold_music"] is None
    assert api.phone(1013)["announce_sound_upon_outgoing_call"] is None  # not a 0-default sound: as stored


def test_null_sounds_put_null_or_zero_stores_zero(sim, api):
    sim.set_readings(null_sounds=True)
    sim.set_phone(1013, {"hold_music": 4, "vm_greeting": 9})
    r = api.put("extension/1013/phone/", {"hold_music": None, "vm_greeting": 0, "ringback_sound": 2})
    assert r.status_code == 200
    assert (r.json()["hold_music"], r.json()["vm_greeting"], r.json()["ringback_sound"]) == (None, None, 2)
    p = sim.phone(1013)
    assert (p["hold_music"], p["vm_greeting"], p["ringback_sound"]) == (0, 0, 2)
    # bundle members receive the stored value, 0
    sim.set_phone(1004, {"hold_music": 5})
    api.put("extension/1003/phone/", {"hold_music": None})
    assert sim.phone(1004)["hold_music"] == 0
    # without the reading, a PUT of null stores null (the page's own example sends null)
    sim.set_readings(null_sounds=False)
    api.put("extension/1013/phone/", {"hold_music": None})
    assert sim.phone(1013)["hold_music"] is None


# ---- readonly_in_put ---------------------------------------------------------------------------------------
def test_readonly_in_put_reject_and_ignore(sim, api):
    body = dict(api.phone(1003), hangup_timeout=33)  # a GET answer sent back, bundle and all
    before = sim.phone(1003)
    r = api.put("extension/1003/phone/", body)
    assert r.status_code == 400 and "bundle" in r.json()["message"] and "call_status_set_dt" in r.json()["message"]
    assert sim.phone(1003) == before
    sim.set_readings(readonly_in_put="ignore")
    body["call_status_set_dt"] = "2020-01-01 00:00:00"
    body["bundle"] = {"bundle_list": {}, "bundle_id": 1}
    r = api.put("extension/1003/phone/", body)
    assert r.status_code == 200 and r.json()["hangup_timeout"] == 33
    assert r.json()["bundle"] == before["bundle"] and r.json()["call_status_set_dt"] is None
    r = api.put("extension/1003/phone/", {"bundle": "not even an object"})
    assert r.status_code == 200  # dropped unread
    assert api.put("extension/1003/phone/", {"nope": 1}).status_code == 400  # unknown fields still refused


# ---- bundle_sync_inactive ----------------------------------------------------------------------------------
# Demo bundle: main 1003, members 1004 (active) and 1005 (inactive).
def test_bundle_sync_inactive_default_true(api, sim):
    assert api.put("extension/1003/phone/", {"geo_list": "RU KZ"}).status_code == 200
    assert [sim.phone(i)["geo_list"] for i in (1003, 1004, 1005)] == ["RU KZ"] * 3


def test_bundle_sync_inactive_false(api, sim):
    sim.set_readings(bundle_sync_inactive=False)
    api.put("extension/1003/phone/", {"geo_list": "RU KZ"})
    assert [sim.phone(i)["geo_list"] for i in (1003, 1004, 1005)] == ["RU KZ", "RU KZ", "RU"]
    api.put("extension/1004/phone/", {"incoming_limit": 4})  # from an active member: main yes, 1005 no
    assert [sim.phone(i)["incoming_limit"] for i in (1003, 1004, 1005)] == [4, 4, 1]
    api.put("extension/1005/phone/", {"record_enabled": False})  # the inactive member passes nothing on
    assert [sim.phone(i)["record_enabled"] for i in (1003, 1004, 1005)] == [True, True, False]


# ---- paging ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def big():
    with Simulator(seed=generate(260, bundles=3, random_seed=7)) as s:
        yield s


@pytest.fixture
def big_api(big):
    big.reset()
    c = ApiClient(big)
    yield c
    c.s.close()


def ids(client, **params):
    r = client.get(LIST, params=params)
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()]


def test_per_page_default_and_max(big, big_api):
    big.set_readings(per_page_default=20, per_page_max=40)
    assert len(ids(big_api)) == 20
    assert len(ids(big_api, per_page=40)) == 40
    assert len(ids(big_api, per_page=100)) == 40  # clamp
    big.set_readings(per_page_default=50, per_page_max=30)
    assert len(ids(big_api)) == 30  # a default above the maximum is capped at it


def test_per_page_over_max_reject(big, big_api):
    big.set_readings(per_page_max=40, per_page_over_max="reject")
    r = big_api.get(LIST, params={"per_page": 41})
    assert r.status_code == 400
    assert "per_page" in r.json()["message"] and "40" in r.json()["message"]
    assert "X-RateLimit-Remaining" in r.headers
    assert len(ids(big_api, per_page=40)) == 40
    assert len(ids(big_api)) == 40  # no per_page sent: nothing to refuse


def test_ignore_page(big, big_api):
    first = ids(big_api, per_page=25)
    assert ids(big_api, per_page=25, page=2) != first
    big.set_readings(ignore_page=True)
    for page in (1, 2, 7, 1000, "x", 0):
        assert ids(big_api, per_page=25, page=page) == first
    assert big_api.get(LIST, params={"per_page": 0}).status_code == 400  # per_page is still checked


# ---- OAuth -------------------------------------------------------------------------------------------------
CREDS = {"grant_type": "client_credentials", "client_id": "demo-app", "client_secret": "demo-secret"}


def test_token_params_in_query(sim):
    url = sim.url + "/oauth/token"
    assert requests.post(url, params=CREDS, timeout=10).status_code == 400  # default: the form body only
    sim.set_readings(token_params_in_query=True)
    r = requests.post(url, params=CREDS, timeout=10)  # no body, no Content-Type
    assert r.status_code == 200 and r.json()["access_token"]
    assert ApiClient(sim, token=r.json()["access_token"]).get("user/").status_code == 200
    r = requests.post(url, params={"client_secret": "demo-secret"},
                      data={"grant_type": "client_credentials", "client_id": "demo-app"}, timeout=10)
    assert r.status_code == 200  # split between the query and the body
    r = requests.post(url, params=dict(CREDS, client_secret="wrong"), timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert requests.post(url, data=CREDS, timeout=10).status_code == 200  # the form body still works
    entry = sim.log[-5]
    assert entry["query"]["client_secret"] == "***" and entry["app_id"] == "demo-app"
    assert "demo-secret" not in str(sim.log)


def test_token_expires_in_omit(sim):
    sim.set_readings(token_expires_in="omit")
    r = requests.post(sim.url + "/oauth/token", data=CREDS, timeout=10)
    assert r.status_code == 200 and set(r.json()) == {"access_token", "token_type", "scope"}
    c = ApiClient(sim, token=r.json()["access_token"])
    sim.advance_clock(3601)  # it still expires
    assert c.get("user/").status_code == 401
