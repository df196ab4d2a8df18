import requests

from conftest import ApiClient, get_token
from pbxsim import Simulator

RL = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def test_headers_on_every_api_answer(api):
    for rel, status in (("user/", 200), ("extension/424242/phone/", 404), ("nowhere/", 404),
                        ("extension/1033/phone/", 404)):
        r = api.get(rel)
        assert r.status_code == status
        for h in RL:
            assert h in r.headers, (rel, h)
    r = api.put("extension/1013/phone/", {"hangup_timeout": 0})
    assert r.status_code == 400 and all(h in r.headers for h in RL)
    assert int(api.get("user/").headers["X-RateLimit-Limit"]) == 100000


def test_remaining_counts_api_requests_only(sim, api):
    r1 = api.get("user/")
    get_token(sim)  # /oauth is not counted
    r2 = api.get("user/")
    assert int(r1.headers["X-RateLimit-Remaining"]) - int(r2.headers["X-RateLimit-Remaining"]) == 1
    assert 3590 <= int(r2.headers["X-RateLimit-Reset"]) <= 3600


def test_budget_runs_out():
    with Simulator(rate_limit=5) as s:
        c = ApiClient(s)
        remaining = [int(c.get("user/").headers["X-RateLimit-Remaining"]) for _attempt in range(5)]
        assert remaining == [4, 3, 2, 1, 0]
        for _attempt in range(2):
            r = c.get("user/")
            assert r.status_code == 429
            assert r.json()["status"] == "rate_limit_exceeded" and r.json()["message"]
            assert r.headers["X-RateLimit-Remaining"] == "0"
            assert int(r.headers["X-RateLimit-Reset"]) > 3500
        # shared by the client's applications
        assert ApiClient(s, "readonly-app").get("user/").status_code == 429
        # another client has its own budget
        assert ApiClient(s, "other-app").get("user/").status_code == 200
        s.advance_clock(3601)
        r = ApiClient(s).get("user/")  # (the old token expired too)
        assert r.status_code == 200 and r.headers["X-RateLimit-Remaining"] == "4"


def test_set_rate_limit(sim, api):
    state = sim.set_rate_limit(limit=1000, remaining=1, reset=120)
    assert state == {"limit": 1000, "remaining": 1, "reset": 120}
    r = api.get("user/")
    assert r.status_code == 200 and r.headers["X-RateLimit-Remaining"] == "0"
    r = api.get("user/")
    assert r.status_code == 429
    assert 118 <= int(r.headers["X-RateLimit-Reset"]) <= 120
    assert r.headers["X-RateLimit-Limit"] == "1000"
    r = requests.post(sim.url + "/__sim__/rate-limit", json={"remaining": 50}, timeout=10)
    assert r.status_code == 200 and r.json()["remaining"] == 50
    assert api.get("user/").headers["X-RateLimit-Remaining"] == "49"
    sim.advance_clock(121)
    assert api.get("user/").headers["X-RateLimit-Remaining"] == "999"


def test_reset_restores_budget(sim, api):
    sim.set_rate_limit(remaining=0)
    assert api.get("user/").status_code == 429
    sim.reset()
    assert ApiClient(sim).get("user/").status_code == 200
