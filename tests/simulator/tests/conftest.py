import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SIM_ROOT = os.path.dirname(HERE)
if SIM_ROOT not in sys.path:
    sys.path.insert(0, SIM_ROOT)

import pytest  # noqa: E402
import requests  # noqa: E402

from pbxsim import Simulator  # noqa: E402

APPS = {
    "demo-app": "demo-secret",
    "callapi-app": "callapi-secret",
    "readonly-app": "readonly-secret",
    "ext-app": "ext-secret",
    "group-app": "group-secret",
    "other-app": "other-secret",
}


def get_token(sim, app="demo-app"):
    r = requests.post(sim.url + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app, "client_secret": APPS[app]}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


class ApiClient:
    """Tiny client for the tests: base URL + bearer token on a keep-alive session."""

    def __init__(self, sim, app="demo-app", token=None):
        self.sim = sim
        self.base = sim.url + "/api/ver1.0/"
        self.s = requests.Session()
        self.s.headers["Accept-Encoding"] = "gzip"
        self.token = token or get_token(sim, app)
        self.s.headers["Authorization"] = "Bearer " + self.token

    def get(self, rel, **kw):
        return self.s.get(self.base + rel, timeout=10, **kw)

    def put(self, rel, body=None, **kw):
        if body is not None:
            kw["json"] = body
        return self.s.put(self.base + rel, timeout=10, **kw)

    def request(self, method, rel, **kw):
        return self.s.request(method, self.base + rel, timeout=10, **kw)

    def phone(self, ext):
        r = self.get("extension/%s/phone/" % ext)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="session")
def shared_sim():
    with Simulator() as s:
        yield s


@pytest.fixture
def sim(shared_sim):
    shared_sim.reset()
    yield shared_sim
    shared_sim.clear_faults()


@pytest.fixture
def api(sim):
    c = ApiClient(sim)
    yield c
    c.s.close()


@pytest.fixture
def client_for(sim):
    made = []

    def make(app):
        c = ApiClient(sim, app)
        made.append(c)
        return c

    yield make
    for c in made:
        c.s.close()
