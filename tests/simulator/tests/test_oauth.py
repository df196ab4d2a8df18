import requests

from conftest import APPS, ApiClient, get_token
from pbxsim import Simulator


def post_token(sim, **form):
    return requests.post(sim.url + "/oauth/token", data=form, timeout=10)


def test_token_ok(sim):
    r = post_token(sim, grant_type="client_credentials", client_id="demo-app", client_secret="demo-secret")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "all"
    assert "refresh_token" not in body
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Type"] == "application/json"


def test_every_app_gets_a_token(sim):
    for app in APPS:
        assert get_token(sim, app)


def test_wrong_secret_and_unknown_app(sim):
    for cid, secret in (("demo-app", "nope"), ("ghost-app", "demo-secret"), ("demo-app", "callapi-secret")):
        r = post_token(sim, grant_type="client_credentials", client_id=cid, client_secret=secret)
        assert r.status_code == 401
        assert r.json()["error"] == "invalid_client"


def test_wrong_grant(sim):
    r = post_token(sim, grant_type="password", client_id="demo-app", client_secret="demo-secret")
    assert r.status_code == 400
    assert r.json()["error"] == "unsupported_grant_type"


def test_json_body_is_refused(sim):
    r = requests.post(sim.url + "/oauth/token", json={
        "grant_type": "client_credentials", "client_id": "demo-app", "client_secret": "demo-secret"}, timeout=10)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


def test_missing_params_and_basic_auth_not_accepted(sim):
    r = post_token(sim, grant_type="client_credentials", client_id="demo-app")
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = post_token(sim, client_id="demo-app", client_secret="demo-secret")
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    # credentials only in HTTP Basic: the vendor documents form parameters only
    r = requests.post(sim.url + "/oauth/token", data={"grant_type": "client_credentials"},
                      auth=("demo-app", "demo-secret"), timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_token_endpoint_methods_and_paths(sim):
    assert requests.get(sim.url + "/oauth/token", timeout=10).status_code == 405
    assert requests.post(sim.url + "/oauth/authorize", timeout=10).status_code == 404


def test_token_expires(sim):
    c = ApiClient(sim)
    assert c.get("user/").status_code == 200
    sim.advance_clock(3599)
    assert c.get("user/").status_code == 200
    sim.advance_clock(2)
    r = c.get("user/")
    assert r.status_code == 401
    assert "message" in r.json() and "status" not in r.json()
    # a new token works again
    assert ApiClient(sim).get("user/").status_code == 200


def test_custom_lifetime():
    with Simulator(token_lifetime=5) as s:
        r = requests.post(s.url + "/oauth/token", data={
            "grant_type": "client_credentials", "client_id": "demo-app", "client_secret": "demo-secret"}, timeout=10)
        assert r.json()["expires_in"] == 5
        c = ApiClient(s, token=r.json()["access_token"])
        assert c.get("user/").status_code == 200
        s.advance_clock(5)
        assert c.get("user/").status_code == 401


def test_revoke(sim):
    c = ApiClient(sim)
    c2 = ApiClient(sim, "readonly-app")
    assert sim.revoke_tokens() == 2
    assert c.get("user/").status_code == 401
    assert c2.get("user/").status_code == 401
    c3 = ApiClient(sim)
    assert c3.get("user/").status_code == 200
    r = requests.post(sim.url + "/__sim__/revoke-tokens", timeout=10)
    assert r.status_code == 200 and r.json() == {"revoked": 1}
    assert c3.get("user/").status_code == 401


def test_tokens_coexist(sim):
    a, b = ApiClient(sim), ApiClient(sim)
    assert a.token != b.token
    assert a.get("user/").status_code == 200 and b.get("user/").status_code == 200


def test_oauth_per_second_limit():
    with Simulator(oauth_rate_limit=20) as s:
        codes = [requests.post(s.url + "/oauth/token", data={
            "grant_type": "client_credentials", "client_id": "demo-app", "client_secret": "demo-secret"},
            timeout=10).status_code for _attempt in range(21)]
        assert codes[:20] == [200] * 20
        assert codes[20] == 429
