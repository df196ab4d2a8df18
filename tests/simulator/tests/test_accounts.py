"""The three-account seed (seeds/accounts.yml), and two simulators side by side in one process."""

import os

import pytest
import requests

from conftest import ApiClient
from pbxsim import Simulator, load_seed

SEED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "seeds", "accounts.yml")
ACCOUNTS = {  # app -> (secret, client, prefix, phone ids)
    "northwind-app": ("northwind-secret", 8001, "801", list(range(2001, 2008))),
    "initech-app": ("initech-secret", 8002, "802", list(range(3001, 3011))),
    "umbrella-app": ("umbrella-secret", 8003, "803", list(range(4001, 4007))),
}


@pytest.fixture(scope="module")
def accounts():
    with Simulator(seed=SEED) as s:
        yield s


def client(sim, app):
    secret = ACCOUNTS[app][0]
    r = requests.post(sim.url + "/oauth/token", data={"grant_type": "client_credentials", "client_id": app,
                                                      "client_secret": secret}, timeout=10)
    assert r.status_code == 200, r.text
    return ApiClient(sim, token=r.json()["access_token"])


def test_seed_shape():
    s = load_seed(SEED)
    assert [(c["id"], c["prefix"]) for c in s["clients"]] == [(8001, "801"), (8002, "802"), (8003, "803")]
    assert {a["app_id"]: a["access"] for a in s["applications"]} == {a: "All" for a in ACCOUNTS}
    for app, (_secret, cid, _prefix, phones) in ACCOUNTS.items():
        mine = [e for e in s["extensions"] if e["client_id"] == cid and e["type"] == "phone"]
        assert [e["id"] for e in mine] == phones, app
        drifting = [e for e in mine if e["phone"]]
        assert 1 <= len(drifting) <= 3, app


@pytest.mark.parametrize("app", sorted(ACCOUNTS))
def test_each_app_sees_only_its_account(accounts, app):
    accounts.reset()
    _secret, cid, prefix, phones = ACCOUNTS[app]
    c = client(accounts, app)
    user = c.get("user/").json()
    assert user["client_id"] == cid and user["admin"] is True and user["access"] == "full"
    exts = c.get("client/@me/extension/").json()
    assert exts and all(e["client_id"] == cid and e["name"].startswith(prefix + "*") for e in exts)
    assert [e["id"] for e in exts if e["type"] == "phone"] == phones
    assert c.put("extension/%d/phone/" % phones[0], {"hangup_timeout": 20}).status_code == 200
    for other, (_s, other_cid, _p, other_phones) in ACCOUNTS.items():
        if other == app:
            continue
        assert c.get("client/%d/extension/" % other_cid).status_code == 403
        r = c.get("extension/%d/phone/" % other_phones[0])
        assert r.status_code == 403 and r.json()["status"] == "access_denied"
        r = c.put("extension/%d/phone/" % other_phones[0], {"hangup_timeout": 20})
        assert r.status_code == 403
        assert accounts.phone(other_phones[0])["hangup_timeout"] != 20


def test_budgets_are_per_account(accounts):
    accounts.reset()
    accounts.set_rate_limit(client_id=8002, remaining=0)
    assert client(accounts, "initech-app").get("user/").status_code == 429
    assert client(accounts, "northwind-app").get("user/").status_code == 200
    assert client(accounts, "umbrella-app").get("user/").status_code == 200


def test_accounts_bundle_and_drift(accounts):
    accounts.reset()
    c = client(accounts, "initech-app")
    assert c.phone(3008)["bundle"] == {"bundle_list": {"3008": {"active": True}}, "bundle_id": 3007}
    assert c.phone(3002)["incoming_limit"] == 0 and c.phone(3001)["incoming_limit"] == 1
    assert client(accounts, "umbrella-app").get("client/@me/extension/", params={"status": "blocked"}).json()[0]["id"] == 4006


def test_two_simulators_side_by_side():
    with Simulator() as a, Simulator(seed=SEED, readings={"null_sounds": True}) as b, Simulator() as c:
        assert len({a.port, b.port, c.port}) == 3
        ca, cc = ApiClient(a), ApiClient(c)
        assert ca.put("extension/1013/phone/", {"hangup_timeout": 21}).status_code == 200
        assert c.phone(1013)["hangup_timeout"] == 45 and a.phone(1013)["hangup_timeout"] == 21
        # a token of one is nothing to the other
        assert ApiClient(c, token=ca.token).get("user/").status_code == 401
        # faults, readings, logs, clocks and budgets are each their own
        a.set_faults({"fail": {"count": None, "status": 503}})
        assert ca.get("user/").status_code == 503 and cc.get("user/").status_code == 200
        assert a.readings["null_sounds"] is False and b.readings["null_sounds"] is True
        a.clear_faults()
        c.set_readings(omit_fields="vendor_example")
        assert "label" in ca.phone(1001) and "label" not in cc.phone(1001) and a.readings["omit_fields"] == []
        c.advance_clock(4000)
        assert cc.get("user/").status_code == 401 and ca.get("user/").status_code == 200
        c.set_rate_limit(remaining=0)
        assert a.rate_limit()["remaining"] > 0
        assert {e["app_id"] for e in a.log} == {"demo-app"}  # b's logins are in b's log only
        assert "northwind-app" not in {e["app_id"] for e in c.log}
        assert client(b, "northwind-app").phone(2001)["hold_music"] is None
