import pytest

from conftest import ApiClient
from pbxsim import Simulator
from pbxsim.generator import generate

EXT_KEYS = {"id", "name", "label", "type", "status", "domain", "create_date", "client_id",
            "extension_group_id", "caller_id_name", "dial_rule_id", "dial_rule_limit", "extra_params"}


def test_list_all(api):
    r = api.get("client/@me/extension/")
    assert r.status_code == 200
    exts = r.json()
    assert isinstance(exts, list)
    assert len(exts) == 40  # default per_page 50 holds the whole demo account
    assert [e["id"] for e in exts] == sorted(e["id"] for e in exts)
    assert all(set(e) == EXT_KEYS for e in exts)
    assert all(e["client_id"] == 7000 for e in exts)
    first = exts[0]
    assert first["id"] == 1001 and first["name"] == "000*100" and first["label"] == "Ivan Petrov"
    assert api.get("client/7000/extension/").json() == exts


def test_paging(api):
    pages = []
    for page in range(1, 6):
        r = api.get("client/@me/extension/", params={"page": page, "per_page": 15})
        assert r.status_code == 200
        pages.append(r.json())
    assert [len(p) for p in pages] == [15, 15, 10, 0, 0]
    ids = [e["id"] for p in pages for e in p]
    assert len(set(ids)) == 40
    assert api.get("client/@me/extension/", params={"page": 99}).json() == []


def test_per_page_default_and_clamp():
    seed = generate(260, bundles=3, random_seed=7)
    with Simulator(seed=seed) as s:
        c = ApiClient(s)
        assert len(c.get("client/@me/extension/").json()) == 50
        assert len(c.get("client/@me/extension/", params={"per_page": 500}).json()) == 100
        assert len(c.get("client/@me/extension/", params={"per_page": 100, "page": 3}).json()) == 60
        assert c.get("client/@me/extension/", params={"per_page": 100, "page": 4}).json() == []


@pytest.mark.parametrize("params", [{"page": 0}, {"page": "x"}, {"per_page": 0}, {"per_page": "-1"},
                                    {"extension_group_id": "sales"}])
def test_bad_paging_params(api, params):
    r = api.get("client/@me/extension/", params=params)
    assert r.status_code == 400
    assert r.json()["status"] == "validation_error"
    assert list(params)[0] in r.json()["message"]


def test_filters(api):
    def ids(**params):
        r = api.get("client/@me/extension/", params=params)
        assert r.status_code == 200
        return [e["id"] for e in r.json()]

    assert ids(type="queue") == [1033, 1034]
    assert ids(type="ivr") == [1035, 1036]
    assert ids(type="fax") == [1037, 1038]
    assert ids(type="conference") == [1039, 1040]
    assert len(ids(type="phone")) == 32
    assert ids(status="blocked") == [1008, 1019, 1026]
    assert ids(name="000*100") == [1001]
    assert ids(name="100") == []  # the name filter is an exact match on the full name
    assert ids(extension_group_id=51) == [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1033]
    assert ids(type="phone", status="blocked", extension_group_id=52) == []
    assert ids(type="phone", extension_group_id=53, status="active") == [1020, 1021, 1022, 1023, 1024, 1025]
    assert ids(type="trunk") == []


def test_other_and_unknown_client(api):
    r = api.get("client/7001/extension/")
    assert r.status_code == 403 and r.json()["status"] == "access_denied"
    r = api.get("client/9999/extension/")
    assert r.status_code == 404 and r.json()["status"] == "client_not_found"
    r = api.get("client/acme/extension/")
    assert r.status_code == 404 and r.json()["status"] == "client_not_found"


def test_other_client_sees_its_own(client_for):
    exts = client_for("other-app").get("client/@me/extension/").json()
    assert [e["name"] for e in exts] == ["001*100", "001*600"]


def test_group_user_sees_its_group(client_for):
    c = client_for("group-app")
    exts = c.get("client/@me/extension/").json()
    assert exts and all(e["extension_group_id"] == 51 for e in exts)
    assert c.get("client/@me/extension/", params={"extension_group_id": 52}).json() == []


def test_extension_user_sees_itself(client_for):
    exts = client_for("ext-app").get("client/@me/extension/").json()
    assert [e["id"] for e in exts] == [1001]


def test_list_wrong_method(api):
    r = api.request("PUT", "client/@me/extension/", json={})
    assert r.status_code == 405


def test_single_extension(api, client_for):
    r = api.get("extension/1033/")
    assert r.status_code == 200 and r.json()["type"] == "queue" and set(r.json()) == EXT_KEYS
    assert api.get("extension/424242/").status_code == 404
    assert api.get("extension/90001/").status_code == 403
    assert client_for("ext-app").get("extension/@me/").json()["id"] == 1001
