"""The fault kinds odd_body and chaos, and what the request log says of fired faults (fault, applied)."""

import json

import pytest
import requests

from conftest import ApiClient, get_token

PHONE = "extension/1013/phone/"


def last(sim):
    return sim.log[-1]


# ---- odd_body ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind,content,ctype", [
    ("empty", b"", "application/json"),
    ("list", b"[]", "application/json"),
    ("string", b'"ok"', "application/json"),
    ("html", None, "text/html; charset=utf-8"),
])
def test_odd_body_after_takes_effect(sim, api, kind, content, ctype):
    sim.set_faults({"odd_body": {"kind": kind}})  # count 1, after true by default
    r = api.put(PHONE, {"hangup_timeout": 31})
    assert r.status_code == 200 and r.headers["Content-Type"] == ctype
    if content is not None:
        assert r.content == content
    else:
        assert r.text.lstrip().lower().startswith("<!doctype html") and "</html>" in r.text
    assert "X-RateLimit-Remaining" in r.headers  # the API answered; a gateway replaced the body
    assert sim.phone(1013)["hangup_timeout"] == 31
    assert (last(sim)["fault"], last(sim)["applied"], last(sim)["status"]) == ("odd_body", True, 200)
    assert sim.faults()["odd_body"]["count"] == 0
    assert api.put(PHONE, {"hangup_timeout": 32}).json()["hangup_timeout"] == 32  # spent


def test_odd_body_before_does_not_take_effect(sim, api):
    sim.set_faults({"odd_body": {"kind": "html", "after": False, "count": 2, "match": {"method": "PUT"}}})
    assert api.get(PHONE).status_code == 200 and api.get(PHONE).json()["hangup_timeout"] == 45  # GETs not matched
    r = api.put(PHONE, {"hangup_timeout": 31})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "X-RateLimit-Remaining" not in r.headers  # answered by a gateway in front: the API never saw it
    assert sim.phone(1013)["hangup_timeout"] == 45
    assert (last(sim)["fault"], last(sim)["applied"]) == ("odd_body", False)


def test_odd_body_on_oauth(sim):
    sim.set_faults({"odd_body": {"kind": "empty", "match": {"path_regex": "^/oauth/"}}})
    r = requests.post(sim.url + "/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo-app",
                                                      "client_secret": "demo-secret"}, timeout=10)
    assert r.status_code == 200 and r.content == b""
    assert get_token(sim)


@pytest.mark.parametrize("bad", [{"odd_body": {}}, {"odd_body": {"kind": "xml"}}, {"odd_body": {"kind": "html", "x": 1}},
                                 {"chaos": {}}, {"chaos": {"ratio": 1.5}}, {"chaos": {"ratio": 0.1, "kinds": []}},
                                 {"chaos": {"ratio": 0.1, "kinds": ["meteor"]}}, {"chaos": {"ratio": 0.1, "count": 1}}])
def test_bad_configs(sim, bad):
    r = requests.put(sim.url + "/__sim__/faults", json=bad, timeout=10)
    assert r.status_code == 400, bad


# ---- chaos: each kind on its own ---------------------------------------------------------------------------
def chaos(sim, kind, **extra):
    sim.set_faults({"chaos": dict({"ratio": 1.0, "seed": 1, "kinds": [kind]}, **extra)})


def test_chaos_fail(sim, api):
    chaos(sim, "fail")
    statuses = set()
    for i in range(12):
        r = api.put(PHONE, {"hangup_timeout": 40 + i})
        statuses.add(r.status_code)
        assert set(r.json()) == {"message"}
    assert statuses <= {500, 502, 503} and len(statuses) > 1
    assert sim.phone(1013)["hangup_timeout"] == 45
    assert {(e["fault"], e["applied"]) for e in sim.log if e["method"] == "PUT"} == {("chaos:fail", False)}
    assert sim.faults()["chaos"]["fired"] == {"fail": 12}


def test_chaos_drop_before_and_after(sim, api):
    chaos(sim, "drop_before")
    with pytest.raises(requests.ConnectionError):
        api.put(PHONE, {"hangup_timeout": 31})
    assert sim.phone(1013)["hangup_timeout"] == 45
    assert (last(sim)["fault"], last(sim)["applied"], last(sim)["status"]) == ("chaos:drop_before", False, 0)
    chaos(sim, "drop_after")
    with pytest.raises(requests.ConnectionError):
        api.put(PHONE, {"hangup_timeout": 32})
    assert sim.phone(1013)["hangup_timeout"] == 32
    assert (last(sim)["fault"], last(sim)["applied"], last(sim)["status"]) == ("chaos:drop_after", True, 0)


def test_chaos_malformed(sim, api):
    chaos(sim, "malformed")
    r = api.put(PHONE, {"hangup_timeout": 33})
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.content)
    assert sim.phone(1013)["hangup_timeout"] == 33
    assert (last(sim)["fault"], last(sim)["applied"]) == ("chaos:malformed", True)


def test_chaos_rate_limited_short(sim, api):
    before = int(api.get("user/").headers["X-RateLimit-Remaining"])
    chaos(sim, "rate_limited_short")
    r = api.put(PHONE, {"hangup_timeout": 34})
    assert r.status_code == 429 and r.json()["status"] == "rate_limit_exceeded"
    assert r.headers["X-RateLimit-Reset"] == "1" and r.headers["Retry-After"] == "1"
    assert sim.phone(1013)["hangup_timeout"] == 45
    assert (last(sim)["fault"], last(sim)["applied"]) == ("chaos:rate_limited_short", False)
    sim.clear_faults()
    assert int(api.get("user/").headers["X-RateLimit-Remaining"]) == before - 1  # the 429 was not charged


def test_chaos_revoke_token(sim, api):
    other = ApiClient(sim, "other-app")
    chaos(sim, "revoke_token")
    r = api.put(PHONE, {"hangup_timeout": 35})
    assert r.status_code == 401 and set(r.json()) == {"message"}
    assert sim.phone(1013)["hangup_timeout"] == 45
    assert (last(sim)["fault"], last(sim)["applied"], last(sim)["app_id"]) == ("chaos:revoke_token", False, "demo-app")
    sim.clear_faults()
    assert other.get("user/").status_code == 401  # every token went
    assert ApiClient(sim).put(PHONE, {"hangup_timeout": 35}).status_code == 200


def test_chaos_hits_oauth_only_when_matched(sim):
    chaos(sim, "fail")
    assert get_token(sim)  # /api only by default
    chaos(sim, "fail", match={"path_regex": "^/oauth/"})
    r = requests.post(sim.url + "/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo-app",
                                                      "client_secret": "demo-secret"}, timeout=10)
    assert r.status_code in (500, 502, 503) and last(sim)["fault"] == "chaos:fail"
    chaos(sim, "revoke_token", match={"path_regex": "^/oauth/"})
    old = ApiClient(sim, token=get_token(sim))  # the token request revokes the others, then is served
    new_token = get_token(sim)
    sim.clear_faults()
    assert old.get("user/").status_code == 401 and ApiClient(sim, token=new_token).get("user/").status_code == 200


def test_chaos_deterministic_for_a_seed(sim, api):
    def run():
        sim.set_faults({"chaos": {"ratio": 0.5, "seed": 42, "kinds": ["fail", "rate_limited_short", "malformed"]}})
        sim.clear_log()
        for _i in range(30):
            api.get("user/")
        return [e["fault"] for e in sim.log]

    first = run()
    assert first == run()
    assert 5 < sum(f is not None for f in first) < 25
    assert {f for f in first if f} == {"chaos:fail", "chaos:rate_limited_short", "chaos:malformed"}


def test_order_chaos_after_the_others(sim, api):
    sim.set_faults({"odd_body": {"kind": "list", "count": 1}, "fail": {"count": 1, "status": 500},
                    "chaos": {"ratio": 1.0, "kinds": ["rate_limited_short"]}})
    assert [api.get("user/").status_code for _i in range(3)] == [500, 200, 429]
    assert [e["fault"] for e in sim.log][-3:] == ["fail", "odd_body", "chaos:rate_limited_short"]


# ---- chaos soak: the log tells exactly which PUTs changed state ---------------------------------------------
def test_chaos_soak_log_tells_which_puts_applied(sim):
    sim.set_faults({"chaos": {"ratio": 0.3, "seed": 7}})
    client = ApiClient(sim)
    exts = (1013, 1014, 1016, 1018, 1020)
    seen_errors = 0
    for i in range(200):
        ext = exts[i % len(exts)]
        try:
            r = client.put("extension/%d/phone/" % ext, {"hangup_timeout": 100 + i})
        except requests.ConnectionError:
            seen_errors += 1
            client.s.close()
            client = ApiClient(sim, token=client.token)
            continue
        if r.status_code == 401:
            client = ApiClient(sim, token=get_token(sim))
    sim.clear_faults()
    puts = [e for e in sim.log if e["method"] == "PUT"]
    assert len(puts) == 200 and seen_errors > 0
    kinds = {e["fault"] for e in puts if e["fault"]}
    assert kinds == {"chaos:" + k for k in ("fail", "drop_before", "drop_after", "malformed", "rate_limited_short",
                                            "revoke_token")}
    assert all(e["applied"] is (e["fault"] in (None, "chaos:drop_after", "chaos:malformed")) for e in puts)
    for ext in exts:
        path = "/api/ver1.0/extension/%d/phone/" % ext
        applied = [e["body"]["hangup_timeout"] for e in puts if e["path"] == path and e["applied"]]
        assert sim.phone(ext)["hangup_timeout"] == (applied[-1] if applied else 45), ext
