import json
import time

import pytest
import requests

from conftest import ApiClient, get_token
from pbxsim import Simulator


def statuses(sim):
    return [e["status"] for e in sim.log]


def test_latency_fixed_and_range(sim, api):
    sim.set_faults({"latency_ms": 60})
    t = time.perf_counter()
    assert api.get("user/").status_code == 200
    assert time.perf_counter() - t >= 0.055
    assert sim.log[-1]["duration_ms"] >= 55
    sim.set_faults({"latency_ms": [20, 40]})
    t = time.perf_counter()
    api.get("user/")
    assert 0.018 <= time.perf_counter() - t < 1.0


def test_fail_count(sim, api):
    sim.set_faults({"fail": {"count": 2, "status": 500, "message": "boom", "api_status": "internal_error"}})
    r = api.put("extension/1013/phone/", {"hangup_timeout": 30})
    assert r.status_code == 500 and r.json() == {"message": "boom", "status": "internal_error"}
    assert "X-RateLimit-Remaining" in r.headers
    assert sim.phone(1013)["hangup_timeout"] == 45  # the failed request had no effect
    assert api.get("user/").status_code == 500
    assert sim.faults()["fail"]["count"] == 0
    assert api.get("user/").status_code == 200
    assert statuses(sim)[-3:] == [500, 500, 200]


def test_fail_without_api_status(sim, api):
    sim.set_faults({"fail": {"count": 1, "status": 502}})
    r = api.get("user/")
    assert r.status_code == 502 and set(r.json()) == {"message"}


def test_fail_after_takes_effect(sim, api):
    sim.set_faults({"fail": {"count": 1, "status": 504, "after": True}})
    assert api.put("extension/1013/phone/", {"hangup_timeout": 30}).status_code == 504
    assert sim.phone(1013)["hangup_timeout"] == 30


def test_match_method_and_path(sim, api):
    sim.set_faults({"fail": {"count": 5, "status": 503, "match": {"method": "PUT", "path_regex": r"/extension/1013/"}}})
    assert api.get("extension/1013/phone/").status_code == 200
    assert api.put("extension/1014/phone/", {"hangup_timeout": 30}).status_code == 200
    assert api.put("extension/1013/phone/", {"hangup_timeout": 30}).status_code == 503
    assert sim.faults()["fail"]["count"] == 4
    assert sim.faults()["fail"]["match"] == {"method": "PUT", "path_regex": "/extension/1013/"}


def test_fail_ratio(sim, api):
    sim.set_faults({"fail_ratio": {"ratio": 1.0, "status": 503, "match": {"path_regex": "/phone/$"}}})
    assert [api.get("extension/1013/phone/").status_code for _attempt in range(5)] == [503] * 5
    assert api.get("user/").status_code == 200
    sim.set_faults({"fail_ratio": {"ratio": 0.5, "seed": 3}})
    codes = [api.get("user/").status_code for _attempt in range(40)]
    assert 5 < codes.count(503) < 35 and codes.count(200) + codes.count(503) == 40
    sim.set_faults({"fail_ratio": {"ratio": 0.0}})
    assert all(api.get("user/").status_code == 200 for _attempt in range(5))


def test_drop(sim, api):
    sim.set_faults({"drop": {"count": 1, "match": {"method": "PUT"}}})
    with pytest.raises(requests.ConnectionError):
        api.put("extension/1013/phone/", {"hangup_timeout": 30})
    assert sim.phone(1013)["hangup_timeout"] == 45
    assert sim.log[-1]["status"] == 0
    assert api.put("extension/1013/phone/", {"hangup_timeout": 30}).status_code == 200


def test_drop_after_takes_effect(sim, api):
    sim.set_faults({"drop": {"count": 1, "after": True}})
    with pytest.raises(requests.ConnectionError):
        api.put("extension/1013/phone/", {"hangup_timeout": 33})
    assert sim.phone(1013)["hangup_timeout"] == 33


def test_rate_limited_until_cleared(sim, api):
    sim.set_faults({"rate_limited": {"reset": 1800, "count": None}})
    for _attempt in range(3):
        r = api.get("user/")
        assert r.status_code == 429
        assert r.json()["status"] == "rate_limit_exceeded"
        assert r.headers["X-RateLimit-Remaining"] == "0" and r.headers["X-RateLimit-Reset"] == "1800"
    sim.clear_faults()
    assert api.get("user/").status_code == 200


def test_rate_limited_count_and_oauth(sim):
    sim.set_faults({"rate_limited": {"reset": 60, "count": 1, "match": {"path_regex": "^/oauth/"}}})
    r = requests.post(sim.url + "/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo-app",
                                                      "client_secret": "demo-secret"}, timeout=10)
    assert r.status_code == 429 and r.headers["X-RateLimit-Reset"] == "60"
    assert get_token(sim)


def test_malformed(sim, api):
    sim.set_faults({"malformed": {"count": 1}})
    r = api.get("extension/1013/phone/")
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.content)
    assert api.phone(1013)["label"] == "Alexey Kozlov"


def test_default_match_covers_oauth(sim):
    sim.set_faults({"fail": {"count": 1, "status": 500}})
    r = requests.post(sim.url + "/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo-app",
                                                      "client_secret": "demo-secret"}, timeout=10)
    assert r.status_code == 500


def test_admin_not_subject_to_faults(sim):
    sim.set_faults({"fail": {"count": None, "status": 500}, "drop": {"count": 3}})
    for _attempt in range(4):
        assert requests.get(sim.url + "/__sim__/log", timeout=10).status_code == 200
    assert sim.faults()["drop"]["count"] == 3


def test_admin_faults_endpoint(sim, api):
    cfg = {"fail": {"count": 1, "status": 500, "message": "x"}, "latency_ms": [1, 2]}
    r = requests.put(sim.url + "/__sim__/faults", json=cfg, timeout=10)
    assert r.status_code == 200 and r.json()["fail"]["count"] == 1 and r.json()["latency_ms"] == [1, 2]
    api.get("user/")
    assert requests.get(sim.url + "/__sim__/faults", timeout=10).json()["fail"]["count"] == 0
    assert requests.delete(sim.url + "/__sim__/faults", timeout=10).status_code == 204
    assert requests.get(sim.url + "/__sim__/faults", timeout=10).json() == {}
    for bad in ({"explode": {}}, {"fail": {"count": -1}}, {"fail": {"status": 42}}, {"latency_ms": "slow"},
                {"fail_ratio": {"ratio": 2}}, {"drop": {"match": {"path_regex": "("}}}, {"fail": {"cnt": 1}}):
        r = requests.put(sim.url + "/__sim__/faults", json=bad, timeout=10)
        assert r.status_code == 400, bad


def test_faults_in_constructor():
    with Simulator(faults={"fail": {"count": 1, "status": 503}}) as s:
        assert requests.get(s.url + "/api/ver1.0/user/", timeout=10).status_code == 503
        assert ApiClient(s).get("user/").status_code == 200


def test_slow_delays_only_the_requests_it_matches(sim, api):
    sim.set_faults({"slow": {"latency_ms": 400, "match": {"path_regex": "/registration/$"}}})
    t = time.perf_counter()
    assert api.get("extension/1001/phone/").status_code == 200
    assert time.perf_counter() - t < 0.35
    t = time.perf_counter()
    assert api.get("extension/1001/registration/").status_code == 200  # slow, and answered as ever
    assert time.perf_counter() - t >= 0.39
    assert sim.faults()["slow"] == {"latency_ms": 400.0, "count": None,
                                    "match": {"path_regex": "/registration/$"}}


def test_slow_adds_to_a_fault_and_counts_down(sim, api):
    sim.set_faults({"slow": {"latency_ms": 300, "count": 1}, "fail": {"count": 1, "status": 404}})
    t = time.perf_counter()
    assert api.get("extension/1001/registration/").status_code == 404
    assert time.perf_counter() - t >= 0.29 and sim.faults()["slow"]["count"] == 0
    t = time.perf_counter()
    assert api.get("extension/1001/registration/").status_code == 200
    assert time.perf_counter() - t < 0.25


@pytest.mark.parametrize("bad", [{"slow": {}}, {"slow": {"latency_ms": -1}}, {"slow": {"latency_ms": True}},
                                 {"slow": {"latency_ms": 1, "count": -1}}, {"slow": {"latency_ms": 1, "cnt": 1}},
                                 {"slow": 5}, {"slow": {"latency_ms": 1, "match": {"path_regex": "("}}}])
def test_slow_refuses_a_bad_config(sim, bad):
    assert requests.put(sim.url + "/__sim__/faults", json=bad, timeout=10).status_code == 400
