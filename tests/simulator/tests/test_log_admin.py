import json

import requests

from conftest import APPS, ApiClient


def test_log_entries(sim):
    c = ApiClient(sim)
    c.get("client/@me/extension/", params={"type": "phone", "per_page": "10"})
    c.put("extension/1013/phone/", {"hangup_timeout": 30})
    log = sim.log
    assert [e["seq"] for e in log] == [1, 2, 3]
    tok, lst, put = log
    for e in log:
        assert set(e) == {"seq", "method", "path", "query", "body", "status", "time", "duration_ms", "app_id", "gzip",
                          "fault", "applied"}
        assert e["app_id"] == "demo-app" and e["gzip"] is True
        assert e["fault"] is None and e["applied"] is True
        assert isinstance(e["time"], float) and e["duration_ms"] >= 0
    assert tok["method"] == "POST" and tok["path"] == "/oauth/token" and tok["status"] == 200
    assert tok["body"] == {"grant_type": "client_credentials", "client_id": "demo-app", "client_secret": "***"}
    assert lst["method"] == "GET" and lst["path"] == "/api/ver1.0/client/@me/extension/"
    assert lst["query"] == {"type": "phone", "per_page": "10"} and lst["body"] is None
    assert put["body"] == {"hangup_timeout": 30} and put["status"] == 200
    assert log[0]["time"] <= log[1]["time"] <= log[2]["time"]


def test_applied_says_whether_a_put_took_effect(sim):
    c = ApiClient(sim)
    c.put("extension/1013/phone/", {"hangup_timeout": 0})        # validation error: nothing stored
    c.put("extension/1013/phone/", {"hangup_timeout": 30})       # stored
    c.put("extension/1033/phone/", {"hangup_timeout": 30})       # not a phone
    ApiClient(sim, "readonly-app").put("extension/1013/phone/", {"hangup_timeout": 31})  # read-only user
    puts = [(e["status"], e["applied"], e["fault"]) for e in sim.log if e["method"] == "PUT"]
    assert puts == [(400, False, None), (200, True, None), (404, False, None), (403, False, None)]


def test_secret_never_logged(sim):
    for app in APPS:
        ApiClient(sim, app)
    requests.post(sim.url + "/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo-app",
                                                  "client_secret": "wrong-secret-123"}, timeout=10)
    requests.post(sim.url + "/oauth/token", json={"grant_type": "client_credentials", "client_id": "demo-app",
                                                  "client_secret": "demo-secret"}, timeout=10)
    text = json.dumps(sim.log) + requests.get(sim.url + "/__sim__/log", timeout=10).text
    for secret in list(APPS.values()) + ["wrong-secret-123"]:
        assert secret not in text
    assert sim.log[-1]["status"] == 400 and sim.log[-1]["body"]["client_secret"] == "***"


def test_failed_and_unauthenticated_requests_logged(sim):
    requests.get(sim.url + "/api/ver1.0/user/", timeout=10)
    e = sim.log[-1]
    assert e["status"] == 401 and e["app_id"] is None and e["gzip"] is True  # requests sends gzip by default


def test_admin_not_logged_and_clear(sim):
    ApiClient(sim).get("user/")
    requests.get(sim.url + "/__sim__/log", timeout=10)
    requests.get(sim.url + "/__sim__/phone/1001", timeout=10)
    assert len(sim.log) == 2
    assert len(requests.get(sim.url + "/__sim__/log", timeout=10).json()) == 2
    assert requests.delete(sim.url + "/__sim__/log", timeout=10).status_code == 204
    assert sim.log == []
    ApiClient(sim)
    assert sim.log[0]["seq"] == 3  # sequence numbers keep growing
    sim.clear_log()
    assert sim.log == []


def test_reset(sim):
    c = ApiClient(sim)
    c.put("extension/1005/phone/", {"geo_list": "*", "label": "changed"})
    sim.set_faults({"latency_ms": 1})
    sim.set_rate_limit(remaining=10)
    r = requests.post(sim.url + "/__sim__/reset", timeout=10)
    assert r.status_code == 200
    assert sim.log == [] and sim.faults() == {}
    assert c.get("user/").status_code == 401  # tokens dropped
    c2 = ApiClient(sim)
    assert c2.phone(1005)["geo_list"] == "RU" and c2.phone(1005)["label"] == "Anna Smirnova (softphone)"
    assert int(c2.get("user/").headers["X-RateLimit-Remaining"]) > 99990


def test_admin_phone_read_write(sim):
    r = requests.get(sim.url + "/__sim__/phone/1001", timeout=10)
    assert r.status_code == 200 and r.json()["password"] == "Xk8pQ2v-1001"
    # direct write: no validation, no bundle sync
    r = requests.put(sim.url + "/__sim__/phone/1004", json={"geo_list": "anything goes", "hangup_timeout": 0},
                     timeout=10)
    assert r.status_code == 200 and r.json()["geo_list"] == "anything goes"
    assert sim.phone(1003)["geo_list"] == "RU" and sim.phone(1005)["geo_list"] == "RU"
    assert ApiClient(sim).phone(1004)["hangup_timeout"] == 0
    sim.set_phone(1013, {"vm_mailto": "x@y.example"})
    assert sim.phone(1013)["vm_mailto"] == "x@y.example"
    assert requests.get(sim.url + "/__sim__/phone/1033", timeout=10).status_code == 404
    assert requests.get(sim.url + "/__sim__/phone/5", timeout=10).status_code == 404


def test_admin_misc(sim):
    assert requests.get(sim.url + "/__sim__/nothing", timeout=10).status_code == 404
    assert requests.get(sim.url + "/__sim__/reset", timeout=10).status_code == 405
    exts = requests.get(sim.url + "/__sim__/extensions", timeout=10).json()
    assert len(exts) == 42 and exts == sim.extensions()
    r = requests.post(sim.url + "/__sim__/advance-clock", json={"seconds": 10}, timeout=10)
    assert r.status_code == 200 and r.json()["offset"] == 10
    r = requests.get(sim.url + "/__sim__/rate-limit", timeout=10)
    assert r.json()["limit"] == 100000


def test_secret_in_query_is_masked(sim):
    r = requests.post(sim.url + "/oauth/token", params={"client_secret": "demo-secret"},
                      data={"grant_type": "client_credentials", "client_id": "demo-app"}, timeout=10)
    assert r.status_code == 400  # credentials belong in the form body
    assert "demo-secret" not in json.dumps(sim.log)
    assert sim.log[-1]["query"] == {"client_secret": "***"}
