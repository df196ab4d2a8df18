"""SIP registrations over HTTP: GET/DELETE /extension/{id}/registration/..., the bulk read, the log-out of
devices by a PUT of auth_type/password/static_reg_address, re-registration, every registration switch, the
Python helpers, the admin endpoint, the seed and the generator."""

import re
import time

import pytest
import requests

from conftest import ApiClient, get_token
from pbxsim import SeedError, Simulator, load_seed
from pbxsim.generator import generate

ID_RE = re.compile(r"^uloc-[0-9a-f]{8}-[0-9a-f]{4}-[0-9]{3,}$")
ANSWER_KEYS = ["device", "real_address", "contact_address", "expires", "registration_id"]
ACME_PHONES = list(range(1001, 1033))


def regs(c, ext, **kw):
    r = c.get("extension/%s/registration/" % ext, **kw)
    assert r.status_code == 200, r.text
    return r.json()


def advance(sim, seconds, c):
    """Move the clock; past a token's hour, the test's client gets a new token (of demo-app)."""
    sim.advance_clock(seconds)
    c.s.headers["Authorization"] = "Bearer " + get_token(sim)


def delete(c, rel):
    return c.request("DELETE", rel)


def ids(info):
    return [x["registration_id"] for x in info["registrations"]]


# ---- the seed's registrations and the answer's shape ------------------------------------------------------------

def test_registered_phone_answer(api, sim):
    info = regs(api, 1001)
    assert list(info) == ["registered", "extension_id", "registrations"]
    assert info["registered"] is True and info["extension_id"] == 1001
    assert [x["device"] for x in info["registrations"]] == ["Yealink SIP-T46U 108.86.0.50", "MicroSIP/3.21.3"]
    now = sim.clock.now()
    for x in info["registrations"]:
        assert list(x) == ANSWER_KEYS
        assert ID_RE.match(x["registration_id"]), x
        assert isinstance(x["expires"], int) and x["expires"] > now  # a UTC timestamp (reading registration_expires)
        assert x["contact_address"].startswith("sip:") and x["real_address"].startswith("sip:")
    first = info["registrations"][0]
    assert first["contact_address"] == "sip:000*100@192.168.5.52:5062"
    assert first["real_address"] == "sip:198.51.100.23:62338"
    assert 2890 <= first["expires"] - now <= 2899
    assert len(set(ids(info))) == 2
    assert info == sim.registrations(1001)


def test_default_addresses_and_the_vendors_699(api, sim):
    x = regs(api, 1006)["registrations"][0]
    assert x["device"] == "snom D785/10.1.141.13"
    assert x["contact_address"] == "sip:000*105@192.168.5.8:5060"
    assert re.match(r"^sip:203\.0\.113\.\d+:\d+$", x["real_address"])
    sim.set_readings(registration_expires="seconds_left")
    assert 690 <= regs(api, 1006)["registrations"][0]["expires"] <= 699


def test_expired_never_registered_and_blocked(api, sim):
    now = sim.clock.now()
    info = regs(api, 1005)  # the softphone lapsed a day before the start
    assert info["registered"] is False and len(info["registrations"]) == 1
    assert info["registrations"][0]["device"] == "MicroSIP/3.21.3"
    assert now - 86400 - 5 <= info["registrations"][0]["expires"] <= now - 86400 + 1
    assert regs(api, 1012) == {"registered": False, "extension_id": 1012, "registrations": []}
    blocked = regs(api, 1008)
    assert blocked["registered"] is False and blocked["registrations"][0]["expires"] < now - 29 * 86400


def test_at_me_and_other_client(client_for):
    assert regs(client_for("ext-app"), "@me")["extension_id"] == 1001
    assert regs(client_for("other-app"), 90001)["registrations"][0]["device"] == "Grandstream GXP2160 1.0.11.23"


# ---- access rules -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("app", ["demo-app", "callapi-app", "readonly-app"])
def test_every_application_level_reads(client_for, app):
    r = client_for(app).get("extension/1002/registration/")
    assert r.status_code == 200 and r.json()["registered"] is True
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(r.headers)


@pytest.mark.parametrize("app,status,api_status", [
    ("callapi-app", 403, "app_access_type_deny"),
    ("readonly-app", 403, "user_access_type_deny"),
])
def test_delete_needs_all_and_a_full_user(client_for, sim, app, status, api_status):
    c = client_for(app)
    rid = sim.registrations(1002)["registrations"][0]["registration_id"]
    for rel in ("extension/1002/registration/%s" % rid, "extension/1002/registration/",
                "extension/9999/registration/%s" % rid):  # the access check comes before the extension's
        r = delete(c, rel)
        assert (r.status_code, r.json()["status"]) == (status, api_status), rel
        assert "X-RateLimit-Remaining" in r.headers
    assert sim.registrations(1002)["registered"] is True


@pytest.mark.parametrize("app,ext,status", [
    ("ext-app", 1001, 200), ("ext-app", 1002, 403),
    ("group-app", 1002, 200), ("group-app", 1009, 403),
    ("other-app", 1001, 403), ("demo-app", 90001, 403),
])
def test_scopes(client_for, app, ext, status):
    c = client_for(app)
    r = c.get("extension/%d/registration/" % ext)
    assert r.status_code == status, r.text
    if status == 403:
        assert r.json()["status"] == "access_denied"
        assert delete(c, "extension/%d/registration/" % ext).status_code == 403


def test_scoped_user_may_delete_its_own(client_for, sim):
    c = client_for("ext-app")
    assert delete(c, "extension/@me/registration/").status_code == 204
    assert sim.registrations(1001) == {"registered": False, "extension_id": 1001, "registrations": []}


@pytest.mark.parametrize("ref,method", [(9999, "GET"), (1033, "GET"), ("abc", "GET"), (1037, "DELETE"),
                                        (9999, "DELETE")])
def test_unknown_extensions_and_non_phones(api, ref, method):
    r = api.request(method, "extension/%s/registration/" % ref)
    assert r.status_code == 404 and r.json()["status"] == "not_found"
    r = api.request("DELETE", "extension/%s/registration/uloc-00000000-0000-001" % ref)
    assert r.status_code == 404


def test_no_token_methods_and_paths(sim, api):
    r = requests.get(sim.url + "/api/ver1.0/extension/1001/registration/", timeout=10)
    assert r.status_code == 401 and "X-RateLimit-Limit" in r.headers
    r = api.request("PUT", "extension/1001/registration/", json={})
    assert r.status_code == 405 and r.headers["Allow"] == "GET, DELETE"
    rid = sim.registrations(1001)["registrations"][0]["registration_id"]
    r = api.get("extension/1001/registration/%s" % rid)
    assert r.status_code == 405 and r.headers["Allow"] == "DELETE"
    r = api.get("extension/1001/registration")
    assert r.status_code == 404 and "end with a slash" in r.json()["message"]


def test_rate_limit_counts_and_refuses(sim, api):
    r1 = api.get("extension/1001/registration/")
    r2 = delete(api, "extension/1012/registration/")
    assert r2.status_code == 204
    assert int(r2.headers["X-RateLimit-Remaining"]) == int(r1.headers["X-RateLimit-Remaining"]) - 1
    sim.set_rate_limit(remaining=0)
    r = api.get("extension/1001/registration/")
    assert r.status_code == 429 and r.json()["status"] == "rate_limit_exceeded"
    assert delete(api, "extension/1001/registration/").status_code == 429
    assert sim.registrations(1001)["registered"] is True


def test_rate_limit_scope_resource():
    with Simulator(rate_limit=2, readings={"rate_limit_scope": "resource"}) as s:
        c = ApiClient(s)
        assert c.get("extension/1001/registration/").status_code == 200
        assert c.get("extension/registration/").status_code == 200  # the bulk read: the same resource
        r = c.get("extension/1002/registration/")
        assert r.status_code == 429 and "registration resource" in r.json()["message"]
        assert c.get("extension/1002/phone/").status_code == 200  # phone counts apart
        assert s.rate_limit(resource="registration")["remaining"] == 0


def test_request_log(sim, api):
    sim.clear_log()
    rid = sim.registrations(1002)["registrations"][0]["registration_id"]
    api.get("extension/1002/registration/")
    delete(api, "extension/1002/registration/%s" % rid)
    delete(api, "extension/1002/registration/%s" % rid)
    log = sim.log
    assert [(e["method"], e["status"], e["applied"], e["app_id"]) for e in log] == [
        ("GET", 200, True, "demo-app"), ("DELETE", 204, True, "demo-app"), ("DELETE", 404, False, "demo-app")]
    assert log[1]["path"] == "/api/ver1.0/extension/1002/registration/%s" % rid


# ---- faults ---------------------------------------------------------------------------------------------------

def test_faults_apply(sim, api):
    rid = sim.registrations(1002)["registrations"][0]["registration_id"]
    rel = "extension/1002/registration/%s" % rid
    sim.set_faults({"fail": {"count": 1, "status": 503, "match": {"method": "DELETE", "path_regex": "/registration/"}}})
    assert api.get("extension/1002/registration/").status_code == 200  # not matched
    r = delete(api, rel)
    assert r.status_code == 503 and "X-RateLimit-Remaining" in r.headers
    assert ids(sim.registrations(1002)) == [rid]  # a failure before: nothing removed
    assert sim.log[-1]["fault"] == "fail" and sim.log[-1]["applied"] is False
    sim.set_faults({"fail": {"count": 1, "status": 500, "after": True}})
    assert delete(api, rel).status_code == 500
    assert sim.registrations(1002)["registrations"] == [] and sim.log[-1]["applied"] is True
    sim.set_faults({"rate_limited": {"reset": 60, "count": 1}})
    r = api.get("extension/1001/registration/")
    assert r.status_code == 429 and r.headers["X-RateLimit-Reset"] == "60"
    sim.set_faults({"drop": {"count": 1}})
    with pytest.raises(requests.ConnectionError):
        api.get("extension/1001/registration/")
    sim.set_faults({"odd_body": {"kind": "html", "count": 1}})
    r = api.get("extension/1001/registration/")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")


# ---- expiry on the simulator's clock ------------------------------------------------------------------------

def test_renewing_registration_stays_and_a_lapsing_one_expires(api, sim):
    live = regs(api, 1013)["registrations"][0]
    gone = sim.set_registration(1012, device="Zoiper rv2.10.19.5", interval=60, renew=False)
    assert regs(api, 1012)["registered"] is True and regs(api, 1012)["registrations"] == [gone]
    sim.advance_clock(61)
    info = regs(api, 1012)
    assert info["registered"] is False and info["registrations"] == [gone]
    assert gone["expires"] < sim.clock.now()
    advance(sim, 10 * 86400, api)  # a live handset renews every interval: still registered, same binding
    again = regs(api, 1013)["registrations"][0]
    assert again["registration_id"] == live["registration_id"]
    assert sim.clock.now() < again["expires"] <= sim.clock.now() + 3600
    assert (again["expires"] - live["expires"]) % 3600 == 0


# ---- log-out by a PUT of the phone -------------------------------------------------------------------------

@pytest.mark.parametrize("change", [{"auth_type": "both"}, {"password": "n3w-Secret"},
                                    {"static_reg_address": "8.8.8.8:5068"},
                                    {"hangup_timeout": 30, "password": "n3w-Secret"}])
def test_auth_changes_log_the_devices_out(api, sim, change):
    before = regs(api, 1001)
    r = api.put("extension/1001/phone/", change)
    assert r.status_code == 200, r.text
    after = regs(api, 1001)
    now = sim.clock.now()
    assert after["registered"] is False
    assert ids(after) == ids(before)  # the last registrations, kept
    assert [x["device"] for x in after["registrations"]] == [x["device"] for x in before["registrations"]]
    assert all(now - 5 < x["expires"] <= now for x in after["registrations"])  # lapsed at the change
    advance(sim, 30 * 86400, api)  # reregister_after null: the handset keeps its old settings for good
    assert regs(api, 1001)["registered"] is False and ids(regs(api, 1001)) == ids(before)


@pytest.mark.parametrize("change", [{"hangup_timeout": 30}, {"geo_list": "RU BY"}, {"label": "Ivan P."},
                                    {"vm_mailto": "i.petrov@acme.example"}, {"record_enabled": False},
                                    {"network_permission_group_id": 2}, {"external_number": "+79001234567"},
                                    {"auth_type": "digest"},                     # the stored value: no change
                                    {"password": "Xk8pQ2v-1001"},                # the stored value: no change
                                    {"static_reg_address": None}, {}])
def test_other_puts_log_no_one_out(api, change):
    before = regs(api, 1001)
    assert api.put("extension/1001/phone/", change).status_code == 200
    assert regs(api, 1001) == before


def test_refused_puts_log_no_one_out(api, client_for):
    before = regs(api, 1013)
    assert api.put("extension/1013/phone/", {"password": "x", "hangup_timeout": 0}).status_code == 400
    assert client_for("readonly-app").put("extension/1013/phone/", {"password": "x"}).status_code == 403
    assert client_for("callapi-app").put("extension/1013/phone/", {"auth_type": "both"}).status_code == 403
    assert regs(api, 1013) == before


def test_log_out_is_per_extension_even_in_a_bundle(api):
    assert api.put("extension/1003/phone/", {"password": "n3w", "geo_list": "RU KZ"}).status_code == 200
    assert regs(api, 1003)["registered"] is False
    assert regs(api, 1004)["registered"] is True  # geo_list synchronized, auth fields are not
    assert api.phone(1004)["geo_list"] == "RU KZ"


def test_admin_set_phone_logs_no_one_out(sim, api):
    sim.set_phone(1001, {"password": "raw"})
    requests.put(sim.url + "/__sim__/phone/1001", json={"auth_type": "both"}, timeout=10)
    assert regs(api, 1001)["registered"] is True


def test_put_with_a_fault_after_still_logs_out(sim, api):
    sim.set_faults({"fail": {"count": 1, "status": 502, "after": True}})
    assert api.put("extension/1001/phone/", {"password": "n3w"}).status_code == 502
    assert regs(api, 1001)["registered"] is False


# ---- reregister_after ----------------------------------------------------------------------------------------

def test_reregister_after_on_the_clock(api, sim):
    sim.set_readings(reregister_after=30)
    before = regs(api, 1001)
    t = api.put("extension/1001/phone/", {"password": "n3w"})
    assert t.status_code == 200
    changed_at = int(sim.clock.now())
    assert regs(api, 1001)["registered"] is False
    sim.advance_clock(25)
    assert regs(api, 1001)["registered"] is False
    sim.advance_clock(6)
    after = regs(api, 1001)
    assert after["registered"] is True
    assert [x["device"] for x in after["registrations"]] == [x["device"] for x in before["registrations"]]
    assert not set(ids(after)) & set(ids(before))  # new registrations, new ids
    assert [x["contact_address"] for x in after["registrations"]] == \
           [x["contact_address"] for x in before["registrations"]]
    # registered again at the change + 30 s (whole seconds), renewing every interval from then
    assert after["registrations"][0]["expires"] - (changed_at + 30) in (3599, 3600, 3601)
    assert after["registrations"][1]["expires"] - (changed_at + 30) in (599, 600, 601)


def test_reregister_after_in_real_time(client_for, sim):
    c = client_for("demo-app")
    sim.set_readings(reregister_after=1)
    assert c.put("extension/1013/phone/", {"auth_type": "both"}).status_code == 200
    assert regs(c, 1013)["registered"] is False
    deadline = time.time() + 5
    while time.time() < deadline:  # an HTTP client polling sees the handset come back: no clock moved
        if regs(c, 1013)["registered"]:
            break
        time.sleep(0.1)
    assert regs(c, 1013)["registered"] is True and sim.clock.offset == 0


def test_reregister_after_zero_and_a_second_change(api, sim):
    sim.set_readings(reregister_after=0)
    before = ids(regs(api, 1013))
    api.put("extension/1013/phone/", {"static_reg_address": "8.8.8.8:5068"})
    now_back = regs(api, 1013)
    assert now_back["registered"] is True and ids(now_back) != before
    sim.set_readings(reregister_after=100)
    api.put("extension/1013/phone/", {"password": "a"})
    sim.advance_clock(60)
    api.put("extension/1013/phone/", {"password": "b"})  # the devices wait 100 s from this change
    sim.advance_clock(60)
    assert regs(api, 1013)["registered"] is False
    sim.advance_clock(41)
    assert regs(api, 1013)["registered"] is True
    sim.set_readings(reregister_after=100)
    api.put("extension/1013/phone/", {"password": "c"})
    sim.set_readings(reregister_after=None)
    api.put("extension/1013/phone/", {"password": "d"})  # now under null: the waiting devices stay out
    advance(sim, 1000, api)
    assert regs(api, 1013)["registered"] is False


def test_reregister_after_only_brings_back_who_was_in(api, sim):
    sim.set_readings(reregister_after=5)
    api.put("extension/1005/phone/", {"password": "n3w"})  # its softphone had lapsed before: nothing to bring back
    sim.advance_clock(10)
    assert regs(api, 1005)["registered"] is False


# ---- DELETE ---------------------------------------------------------------------------------------------------

def test_delete_one(api, sim):
    first, second = ids(regs(api, 1001))
    r = delete(api, "extension/1001/registration/%s" % first)
    assert r.status_code == 204 and r.content == b""
    assert ids(regs(api, 1001)) == [second] and regs(api, 1001)["registered"] is True
    r = delete(api, "extension/1001/registration/%s" % first)
    assert r.status_code == 404 and r.json()["status"] == "not_found"
    assert delete(api, "extension/1002/registration/%s" % second).status_code == 404  # another phone's
    assert delete(api, "extension/1001/registration/%s" % second).status_code == 204
    assert regs(api, 1001) == {"registered": False, "extension_id": 1001, "registrations": []}
    advance(sim, 7200, api)  # delete_reregisters false: gone for good
    assert regs(api, 1001)["registrations"] == []


def test_delete_an_expired_one_and_all(api):
    rid = ids(regs(api, 1005))[0]
    assert delete(api, "extension/1005/registration/%s" % rid).status_code == 204
    assert regs(api, 1005)["registrations"] == []
    assert delete(api, "extension/1001/registration/").status_code == 204
    assert regs(api, 1001)["registrations"] == []
    assert delete(api, "extension/1012/registration/").status_code == 204  # none to delete: still 204


def test_delete_reregisters(api, sim):
    sim.set_readings(delete_reregisters=True)
    info = regs(api, 1013)
    (x,) = info["registrations"]
    assert delete(api, "extension/1013/registration/%s" % x["registration_id"]).status_code == 204
    assert regs(api, 1013)["registered"] is False and regs(api, 1013)["registrations"] == []
    sim.advance_clock(x["expires"] - sim.clock.now() - 1)
    assert regs(api, 1013)["registrations"] == []
    sim.advance_clock(2)  # at its next renewal the handset registers again
    back = regs(api, 1013)
    assert back["registered"] is True and back["registrations"][0]["device"] == x["device"]
    assert back["registrations"][0]["registration_id"] != x["registration_id"]
    assert delete(api, "extension/1013/registration/%s" % x["registration_id"]).status_code == 404
    # an expired one, or a lapsing one, is gone for good
    gone = sim.set_registration(1012, device="MicroSIP/3.21.3", interval=60, renew=False)
    assert delete(api, "extension/1012/registration/%s" % gone["registration_id"]).status_code == 204
    assert delete(api, "extension/1005/registration/").status_code == 204
    advance(sim, 3600, api)
    assert regs(api, 1012)["registrations"] == [] and regs(api, 1005)["registrations"] == []


def test_delete_reregisters_keeps_a_pending_return(api, sim):
    sim.set_readings(delete_reregisters=True, reregister_after=50)
    api.put("extension/1013/phone/", {"password": "n3w"})
    assert delete(api, "extension/1013/registration/").status_code == 204
    assert regs(api, 1013)["registrations"] == []
    sim.advance_clock(51)
    assert regs(api, 1013)["registered"] is True


@pytest.mark.parametrize("slash,without,with_", [("without", 204, 404), ("with", 404, 204), ("either", 204, 204)])
def test_registration_id_slash(api, sim, slash, without, with_):
    sim.set_readings(registration_id_slash=slash)
    first, second = ids(regs(api, 1001))
    r = delete(api, "extension/1001/registration/%s" % first)
    assert r.status_code == without
    if without == 404:
        assert "end with a slash" in r.json()["message"]
    r = delete(api, "extension/1001/registration/%s/" % second)
    assert r.status_code == with_
    if with_ == 404:
        assert "no trailing slash" in r.json()["message"]


# ---- the readings of the answer's fields -------------------------------------------------------------------

def test_registration_expires_seconds_left(api, sim):
    sim.set_readings(registration_expires="seconds_left")
    live = regs(api, 1004)["registrations"][0]  # Zoiper, renewing every 300 s
    assert 0 < live["expires"] <= 187
    expired = regs(api, 1005)["registrations"][0]
    assert -86400 - 5 <= expired["expires"] <= -86400
    api.put("extension/1004/phone/", {"password": "n3w"})
    assert regs(api, 1004)["registrations"][0]["expires"] <= 0  # lapsed at the change
    sim.advance_clock(200)
    assert -201 <= regs(api, 1004)["registrations"][0]["expires"] <= -199


def test_registration_device_object(api, sim):
    sim.set_readings(registration_device="object")
    info = regs(api, 1001)
    assert [x["device"] for x in info["registrations"]] == [
        {"user_agent": "Yealink SIP-T46U 108.86.0.50"}, {"user_agent": "MicroSIP/3.21.3"}]
    assert regs(api, 1002)["registrations"][0]["device"] == {"user_agent": "Grandstream GXP2170 1.0.11.23"}


# ---- the bulk read ("in blocks") ------------------------------------------------------------------------------

def bulk(c, rel="extension/registration/", **params):
    r = c.get(rel, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_bulk_default_pages(api, sim):
    page1 = bulk(api)
    assert [i["extension_id"] for i in page1] == ACME_PHONES  # phones of the client, by id (32 < 50)
    assert page1[0] == regs(api, 1001)
    by_id = {i["extension_id"]: i for i in page1}
    assert by_id[1005]["registered"] is False and by_id[1012]["registrations"] == []
    assert [i["extension_id"] for i in bulk(api, per_page=10, page=2)] == ACME_PHONES[10:20]
    assert [i["extension_id"] for i in bulk(api, per_page=10, page=4)] == ACME_PHONES[30:]
    assert bulk(api, per_page=10, page=5) == []
    for bad in ({"page": "0"}, {"per_page": "x"}, {"page": "-1"}):
        r = api.get("extension/registration/", params=bad)
        assert r.status_code == 400 and r.json()["status"] == "validation_error"


def test_bulk_pages_follow_the_paging_readings(api, sim):
    sim.set_readings(per_page_max=5, per_page_default=3)
    assert len(bulk(api)) == 3
    assert len(bulk(api, per_page=50)) == 5  # clamped
    sim.set_readings(per_page_over_max="reject")
    assert api.get("extension/registration/", params={"per_page": 50}).status_code == 400
    sim.set_readings(ignore_page=True)
    assert bulk(api, page=3) == bulk(api, page="nonsense") == bulk(api)


@pytest.mark.parametrize("app,expected", [
    ("ext-app", [1001]), ("group-app", list(range(1001, 1009))), ("callapi-app", ACME_PHONES),
    ("readonly-app", ACME_PHONES), ("other-app", [90001])])
def test_bulk_scopes(client_for, app, expected):
    assert [i["extension_id"] for i in bulk(client_for(app))] == expected


def test_bulk_shape_map(api, sim):
    sim.set_readings(registration_bulk_shape="map")
    got = bulk(api, per_page=3)
    assert got == {"1001": regs(api, 1001), "1002": regs(api, 1002), "1003": regs(api, 1003)}


def test_bulk_select_ids(api, sim, client_for):
    sim.set_readings(registration_bulk_select="ids")
    got = bulk(api, extension_id=["1013", "1001,1005"])
    assert [i["extension_id"] for i in got] == [1001, 1005, 1013]
    # ids that are no phone of this user (a queue, another client's, unknown) are left out
    got = bulk(api, extension_id="1033,90001,424242,1002")
    assert [i["extension_id"] for i in got] == [1002]
    assert [i["extension_id"] for i in bulk(client_for("group-app"), extension_id="1002,1009")] == [1002]
    for bad in ({}, {"extension_id": ""}, {"extension_id": "1001,abc"}):
        r = api.get("extension/registration/", params=bad)
        assert r.status_code == 400 and "extension_id" in r.json()["message"]
    assert [i["extension_id"] for i in bulk(api, extension_id="1001", page="x")] == [1001]  # paging unread
    sim.set_readings(per_page_max=3)
    assert len(bulk(api, extension_id="1001,1002,1003,1004,1005")) == 3  # clamp: the first three
    sim.set_readings(per_page_over_max="reject")
    r = api.get("extension/registration/", params={"extension_id": "1001,1002,1003,1004"})
    assert r.status_code == 400 and "at most 3" in r.json()["message"]
    sim.set_readings(registration_bulk_shape="map")
    assert list(bulk(api, extension_id="1001,1002")) == ["1001", "1002"]


def test_bulk_select_all(api, sim):
    sim.set_readings(registration_bulk_select="all", per_page_max=5)
    assert [i["extension_id"] for i in bulk(api, per_page=2, page=3)] == ACME_PHONES


def test_bulk_client_path(api, sim, client_for):
    sim.set_readings(registration_bulk="client")
    assert [i["extension_id"] for i in bulk(api, "client/@me/registration/", per_page=5)] == ACME_PHONES[:5]
    assert bulk(api, "client/7000/registration/") == bulk(api, "client/@me/registration/")
    r = api.get("client/7001/registration/")
    assert r.status_code == 403 and r.json()["status"] == "access_denied"
    for ref in ("424242", "abc"):
        r = api.get("client/%s/registration/" % ref)
        assert r.status_code == 404 and r.json()["status"] == "client_not_found"
    r = api.get("extension/registration/")  # not there under this reading: read as an extension id
    assert r.status_code == 404
    assert [i["extension_id"] for i in bulk(client_for("group-app"), "client/@me/registration/")] == \
           list(range(1001, 1009))


def test_bulk_none(api, sim):
    sim.set_readings(registration_bulk="none")
    for rel in ("extension/registration/", "client/@me/registration/"):
        r = api.get(rel)
        assert r.status_code == 404 and r.json()["status"] == "not_found", rel
    assert regs(api, 1001)["registered"] is True  # the per-extension resource is always there
    sim.set_readings(registration_bulk="extension")
    assert api.get("client/@me/registration/").status_code == 404


def test_bulk_sees_log_outs_and_expiry(api, sim):
    api.put("extension/1002/phone/", {"auth_type": "network"})
    sim.set_registration(1012, device="Telephone 1.6", interval=60, renew=False)
    assert {i["extension_id"]: i["registered"] for i in bulk(api)}[1012] is True
    sim.advance_clock(61)
    state = {i["extension_id"]: i["registered"] for i in bulk(api)}
    assert state[1002] is False and state[1012] is False and state[1001] is True


# ---- Python helpers and the admin endpoint ------------------------------------------------------------------

def test_python_helpers(sim, api):
    x = sim.set_registration(1012, device="Grandstream GXP2170 1.0.11.23", registration_id="uloc-1",
                             contact_address="sip:000*111@192.168.7.7:5060", real_address="sip:198.51.100.1:5060",
                             interval=120, expires_in=100)
    assert x == {"device": "Grandstream GXP2170 1.0.11.23", "real_address": "sip:198.51.100.1:5060",
                 "contact_address": "sip:000*111@192.168.7.7:5060", "expires": x["expires"],
                 "registration_id": "uloc-1"}
    assert 98 <= x["expires"] - sim.clock.now() <= 100
    assert sim.registrations(1012) == regs(api, 1012) == {"registered": True, "extension_id": 1012,
                                                          "registrations": [x]}
    y = sim.set_registration(1012, device="MicroSIP/3.21.3")  # a second device
    assert ID_RE.match(y["registration_id"]) and len(regs(api, 1012)["registrations"]) == 2
    with pytest.raises(ValueError):
        sim.set_registration(1013, device="dup", registration_id="uloc-1")
    with pytest.raises(ValueError):
        sim.set_registration(1013, device="")
    with pytest.raises(ValueError):
        sim.set_registration(1013, device="x", interval=0)
    with pytest.raises(KeyError):
        sim.set_registration(1033, device="x")  # a queue
    with pytest.raises(KeyError):
        sim.registrations(424242)
    assert sim.clear_registration(1012, "uloc-1") == 1
    assert ids(sim.registrations(1012)) == [y["registration_id"]]
    assert sim.clear_registration(1012) == 1 and sim.registrations(1012)["registrations"] == []
    # an expired one; then an active one supersedes it
    old = sim.set_registration(1012, device="Zoiper rv2.10.19.5", expires_in=-3600)
    info = sim.registrations(1012)
    assert info["registered"] is False and info["registrations"] == [old]
    sim.set_registration(1012, device="Zoiper rv2.10.20.3")
    assert [r["device"] for r in sim.registrations(1012)["registrations"]] == ["Zoiper rv2.10.20.3"]


def test_helpers_follow_readings_and_reset(sim):
    sim.set_readings(registration_device="object", registration_expires="seconds_left")
    x = sim.set_registration(1012, device="Telephone 1.6", interval=600)
    assert x["device"] == {"user_agent": "Telephone 1.6"} and x["expires"] == 600
    sim.reset()
    assert sim.registrations(1012)["registrations"] == []
    assert sim.registrations(1001)["registered"] is True


def test_admin_endpoint(sim, api):
    base = sim.url + "/__sim__/registration/"
    assert requests.get(base + "1001", timeout=10).json() == regs(api, 1001)
    r = requests.post(base + "1012", json={"device": "snom D717/10.1.127.10", "interval": 600}, timeout=10)
    assert r.status_code == 200 and r.json()["device"] == "snom D717/10.1.127.10"
    assert regs(api, 1012)["registered"] is True
    assert requests.post(base + "1012", json={"device": "x", "colour": "red"}, timeout=10).status_code == 400
    assert requests.post(base + "1012", json=["x"], timeout=10).status_code == 400
    assert requests.post(base + "1033", json={"device": "x"}, timeout=10).status_code == 404
    assert requests.get(base + "424242", timeout=10).status_code == 404
    rid = ids(regs(api, 1001))[0]
    r = requests.delete(base + "1001", params={"registration_id": rid}, timeout=10)
    assert r.json() == {"removed": 1} and rid not in ids(regs(api, 1001))
    assert requests.delete(base + "1001", timeout=10).json() == {"removed": 1}
    assert regs(api, 1001)["registrations"] == []
    assert all(not e["path"].startswith("/__sim__") for e in sim.log)  # not logged


# ---- seeds and the generator ------------------------------------------------------------------------------

BASE_SEED = {
    "clients": [{"id": 1, "prefix": "900"}],
    "users": [{"id": 1, "login": "a@x", "access": "full"}],
    "applications": [{"app_id": "a", "secret": "s", "access": "All", "user": "a@x"}],
}


def seed_with(*exts):
    return dict(BASE_SEED, extensions=list(exts))


def test_seed_forms():
    s = load_seed(seed_with(
        {"id": 1, "number": 100, "registration": {"device": "Yealink SIP-T46U 108.86.0.50"}},
        {"id": 2, "number": 101, "registration": [{"device": "MicroSIP/3.21.3", "interval": 600, "expires_in": 30},
                                                  {"device": "Zoiper rv2.10.19.5", "expires_in": -60,
                                                   "registration_id": "uloc-x"}]},
        {"id": 3, "number": 102, "status": "blocked", "registration": {"device": "x", "expires_in": 0}},
        {"id": 4, "number": 103}))
    assert [len(e["registration"]) for e in s["extensions"]] == [1, 2, 1, 0]
    with Simulator(seed=s) as sim:
        assert sim.registrations(1)["registrations"][0]["contact_address"].startswith("sip:900*100@")
        two = sim.registrations(2)
        assert two["registered"] is True and [r["device"] for r in two["registrations"]] == ["MicroSIP/3.21.3"]
        sim.advance_clock(31)
        assert sim.registrations(2)["registered"] is True  # renews
        assert sim.registrations(3)["registered"] is False and sim.registrations(4)["registrations"] == []


@pytest.mark.parametrize("ext,needle", [
    ({"id": 1, "number": 1, "type": "queue", "registration": {"device": "x"}}, "only phone"),
    ({"id": 1, "number": 1, "status": "blocked", "registration": {"device": "x"}}, "blocked"),
    ({"id": 1, "number": 1, "registration": {"device": "x", "colour": "red"}}, "colour"),
    ({"id": 1, "number": 1, "registration": {"interval": 60}}, "device"),
    ({"id": 1, "number": 1, "registration": {"device": "x", "interval": "60"}}, "interval"),
    ({"id": 1, "number": 1, "registration": {"device": "x", "expires_in": 1.5}}, "expires_in"),
    ({"id": 1, "number": 1, "registration": {"device": "x", "renew": "yes"}}, "renew"),
    ({"id": 1, "number": 1, "registration": "Yealink"}, "mapping"),
])
def test_seed_errors(ext, needle):
    with pytest.raises(SeedError) as exc:
        load_seed(seed_with(ext))
    assert needle in str(exc.value)


def test_seed_duplicate_registration_id():
    with pytest.raises(SeedError) as exc:
        load_seed(seed_with({"id": 1, "number": 1, "registration": {"device": "a", "registration_id": "u"}},
                            {"id": 2, "number": 2, "registration": {"device": "b", "registration_id": "u"}}))
    assert "duplicate registration_id" in str(exc.value)


def test_generator_registers_real_handsets():
    data = generate(400, bundles=2, random_seed=3)
    assert generate(400, bundles=2, random_seed=3) == data  # deterministic
    phones = [e for e in data["extensions"] if e["type"] == "phone"]
    registered = [e for e in phones if any(r["expires_in"] > 0 for r in e.get("registration", ()))]
    assert 0.55 < len(registered) / len(phones) < 0.8
    devices = {r["device"].split("/")[0].split(" ")[0] for e in phones for r in e.get("registration", ())}
    assert {"Yealink", "Grandstream", "snom", "MicroSIP", "Zoiper"} <= devices
    assert all(all(r["expires_in"] <= 0 for r in e.get("registration", ())) for e in phones
               if e["status"] == "blocked")
    with Simulator(seed=data) as s:
        c = ApiClient(s)
        got = c.get("extension/registration/", params={"per_page": 100}).json()
        assert len(got) == 100 and sum(i["registered"] for i in got) > 50
