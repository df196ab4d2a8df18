"""Readings about limits: concurrent requests (concurrency_429, oauth_max_connections) and whose hourly budget
a request spends (rate_limit_scope)."""

import threading

import pytest
import requests

from conftest import APPS, ApiClient, get_token
from pbxsim import Simulator

CONCURRENCY_BODY = {"message": "Stats request already exists, concurrent request not allowed"}


def at_once(calls):
    """Run the callables in threads released together; their results in order."""
    results = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i):
        start.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def token_request(sim, app="demo-app"):
    return lambda: requests.post(sim.url + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app, "client_secret": APPS[app]}, timeout=10)


# ---- concurrency_429 ---------------------------------------------------------------------------------------
def test_concurrency_429(sim):
    token = get_token(sim)
    before = int(ApiClient(sim, token=token).get("user/").headers["X-RateLimit-Remaining"])
    sim.set_readings(concurrency_429=2)
    sim.set_faults({"latency_ms": 400})  # every request in flight for 0.4 s
    answers = at_once([lambda: ApiClient(sim, token=token).get("extension/1013/phone/") for _i in range(5)])
    sim.clear_faults()
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 200, 429, 429, 429]
    for r in answers:
        if r.status_code == 429:
            assert r.json() == CONCURRENCY_BODY
            assert int(r.headers["X-RateLimit-Remaining"]) > 0 and r.headers["X-RateLimit-Limit"] == "100000"
    after = int(ApiClient(sim, token=token).get("user/").headers["X-RateLimit-Remaining"])
    assert before - after == 3  # the two served and this one: the refusals spent nothing
    refused = [e for e in sim.log if e["status"] == 429]
    assert len(refused) == 3 and all(e["fault"] == "concurrency_429" and e["applied"] is False for e in refused)


def test_concurrency_is_per_client_and_refused_puts_do_nothing(sim):
    sim.set_readings(concurrency_429=1)
    acme, globex = ApiClient(sim), ApiClient(sim, "other-app")
    sim.set_faults({"latency_ms": 300})
    answers = at_once([lambda: acme.put("extension/1013/phone/", {"hangup_timeout": 31}),
                       lambda: ApiClient(sim, token=acme.token).put("extension/1014/phone/", {"hangup_timeout": 32}),
                       lambda: globex.get("extension/90001/phone/")])
    sim.clear_faults()
    assert sorted(r.status_code for r in answers[:2]) == [200, 429] and answers[2].status_code == 200
    stored = {sim.phone(1013)["hangup_timeout"], sim.phone(1014)["hangup_timeout"]}
    assert stored in ({31, 45}, {32, 45})  # exactly the one that was served
    puts = {e["path"]: e["applied"] for e in sim.log if e["method"] == "PUT"}
    assert sorted(puts.values()) == [False, True]


def test_concurrency_off_by_default(sim):
    token = get_token(sim)
    sim.set_faults({"latency_ms": 200})
    answers = at_once([lambda: ApiClient(sim, token=token).get("user/") for _i in range(6)])
    assert [r.status_code for r in answers] == [200] * 6


# ---- oauth_max_connections ---------------------------------------------------------------------------------
def test_oauth_max_connections_default_6(sim):
    sim.set_faults({"latency_ms": 400})
    answers = at_once([token_request(sim) for _i in range(7)])
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] * 6 + [429]
    refused = [r for r in answers if r.status_code == 429][0]
    assert refused.json()["status"] == "rate_limit_exceeded" and "6" in refused.json()["message"]
    assert [e["fault"] for e in sim.log if e["status"] == 429] == ["oauth_max_connections"]


def test_oauth_max_connections_set_and_off(sim):
    sim.set_readings(oauth_max_connections=2)
    sim.set_faults({"latency_ms": 300})
    assert sorted(r.status_code for r in at_once([token_request(sim) for _i in range(4)])) == [200, 200, 429, 429]
    sim.set_readings(oauth_max_connections=None)
    assert [r.status_code for r in at_once([token_request(sim) for _i in range(8)])] == [200] * 8


# ---- rate_limit_scope --------------------------------------------------------------------------------------
def test_scope_client_shared_by_applications():
    with Simulator(rate_limit=3) as s:
        a, b = ApiClient(s), ApiClient(s, "readonly-app")
        assert [a.get("user/").status_code, b.get("user/").status_code, a.get("user/").status_code] == [200] * 3
        assert b.get("user/").status_code == 429


def test_scope_application():
    with Simulator(rate_limit=3, readings={"rate_limit_scope": "application"}) as s:
        a, b = ApiClient(s), ApiClient(s, "readonly-app")
        assert [a.get("user/").headers["X-RateLimit-Remaining"] for _i in range(3)] == ["2", "1", "0"]
        r = a.get("user/")
        assert r.status_code == 429 and r.json()["status"] == "rate_limit_exceeded"
        assert "application demo-app" in r.json()["message"]
        assert b.get("user/").status_code == 200 and b.get("user/").headers["X-RateLimit-Remaining"] == "1"
        s.set_rate_limit(app_id="readonly-app", remaining=0)
        assert b.get("user/").status_code == 429
        s.reset()
        s.set_rate_limit(remaining=0)  # no app named: every application of the first client
        assert ApiClient(s, "callapi-app").get("user/").status_code == 429
        assert ApiClient(s, "other-app").get("user/").status_code == 200


def test_scope_resource():
    with Simulator(rate_limit=3, readings={"rate_limit_scope": "resource"}) as s:
        c = ApiClient(s)
        assert [c.get("extension/%d/phone/" % i).status_code for i in (1001, 1002, 1013)] == [200] * 3
        r = c.get("extension/1014/phone/")
        assert r.status_code == 429 and r.json()["status"] == "rate_limit_exceeded" and "phone" in r.json()["message"]
        assert c.put("extension/1014/phone/", {"hangup_timeout": 30}).status_code == 429  # one resource, GET or PUT
        r = c.get("client/@me/extension/")
        assert r.status_code == 200 and r.headers["X-RateLimit-Remaining"] == "2"  # the listing counts apart
        assert c.get("user/").headers["X-RateLimit-Remaining"] == "2"
        assert s.rate_limit(resource="phone")["remaining"] == 0
        s.set_rate_limit(resource="phone", remaining=10)
        assert c.get("extension/1014/phone/").headers["X-RateLimit-Remaining"] == "9"
        r = requests.post(s.url + "/__sim__/rate-limit", json={"remaining": 0, "resource": "extensions"}, timeout=10)
        assert r.status_code == 200 and r.json()["remaining"] == 0
        assert c.get("client/@me/extension/").status_code == 429
        assert requests.get(s.url + "/__sim__/rate-limit", params={"resource": "phone"},
                            timeout=10).json()["remaining"] == 9


def test_scope_switch_at_run_time(sim, api):
    sim.set_rate_limit(remaining=0)
    assert api.get("user/").status_code == 429
    sim.set_readings(rate_limit_scope="application")  # a fresh budget per application
    assert api.get("user/").status_code == 200
    sim.set_readings(rate_limit_scope="client")  # the client's spent window again
    assert api.get("user/").status_code == 429


@pytest.mark.parametrize("scope", ["client", "application", "resource"])
def test_unauthenticated_answers_show_a_window(scope):
    with Simulator(readings={"rate_limit_scope": scope}) as s:
        r = requests.get(s.url + "/api/ver1.0/extension/1001/phone/", timeout=10)
        assert r.status_code == 401 and r.headers["X-RateLimit-Limit"] == "100000"
        for params in ({"client_id": 9}, {"app_id": "ghost-app"}, {"resource": "voicemail"},
                       {"client_id": 7001, "app_id": "demo-app"}):
            assert requests.get(s.url + "/__sim__/rate-limit", params=params, timeout=10).status_code == 404, params
        with pytest.raises(KeyError):
            s.set_rate_limit(remaining=0, resource="voicemail")
