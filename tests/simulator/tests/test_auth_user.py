import requests

from conftest import ApiClient


def test_missing_token(sim):
    r = requests.get(sim.url + "/api/ver1.0/user/", timeout=10)
    assert r.status_code == 401
    assert set(r.json()) == {"message"}
    assert r.headers["Content-Type"] == "application/json"
    assert "X-RateLimit-Limit" in r.headers


def test_bad_tokens(sim):
    for header in ("Bearer nope", "Token abc", "Bearer", "Basic ZGVtbzpkZW1v"):
        r = requests.get(sim.url + "/api/ver1.0/user/", headers={"Authorization": header}, timeout=10)
        assert r.status_code == 401, header


def test_token_in_query_is_not_accepted(sim):
    c = ApiClient(sim)
    r = requests.get(sim.url + "/api/ver1.0/user/", params={"access_token": c.token}, timeout=10)
    assert r.status_code == 401


def test_user_admin(api):
    r = api.get("user/")
    assert r.status_code == 200
    u = r.json()
    assert set(u) == {"id", "login", "client_id", "extension_id", "extension_group_id", "access", "admin",
                      "dealer_id", "timezone", "extra_params"}
    assert u["client_id"] == 7000 and u["access"] == "full" and u["admin"] is True
    assert u["extension_id"] is None and u["extension_group_id"] is None


def test_user_kinds(client_for):
    assert client_for("readonly-app").get("user/").json()["access"] == "read_only"
    assert client_for("ext-app").get("user/").json()["extension_id"] == 1001
    assert client_for("group-app").get("user/").json()["extension_group_id"] == 51
    assert client_for("callapi-app").get("user/").json()["login"] == "admin@acme"
    assert client_for("other-app").get("user/").json()["client_id"] == 7001


def test_user_wrong_method(api):
    r = api.request("POST", "user/", json={})
    assert r.status_code == 405
    assert r.json()["status"] == "method_not_allowed"
    assert r.headers["Allow"] == "GET"


def test_blocked_user():
    import yaml
    import os
    from pbxsim import Simulator
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "seeds", "demo.yml")
    seed = yaml.safe_load(open(path))
    for u in seed["users"]:
        if u["login"] == "auditor@acme":
            u["blocked"] = True
    with Simulator(seed=seed) as s:
        r = ApiClient(s, "readonly-app").get("user/")
        assert r.status_code == 403 and r.json()["status"] == "user_blocked"
        assert ApiClient(s).get("user/").status_code == 200
