"""Extensions added and removed while the simulator runs, as the vendor's web interface does: the listing and
the phone resource show them at once (the Event-Driven Ansible sources poll for them)."""

import pytest
import requests

from pbxsim import Simulator
from pbxsim.seed import SeedError


@pytest.fixture(scope="module")
def sim():
    with Simulator() as running:
        yield running


def _token(sim):
    answer = requests.post(sim.url + "/oauth/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": "demo-app", "client_secret": "demo-secret"})
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


def test_an_added_phone_is_listed_and_has_phone_properties_and_a_removed_one_is_gone(sim):
    sim.reset()
    added = sim.add_extension(number="777", label="New desk", phone={"record_enabled": True})
    headers = _token(sim)
    listed = requests.get(sim.url + "/api/ver1.0/client/@me/extension/", params={"per_page": 100},
                          headers=headers, timeout=10).json()
    assert [e for e in listed if e["id"] == added["id"]][0]["name"].endswith("*777")
    phone = requests.get(sim.url + "/api/ver1.0/extension/%d/phone/" % added["id"], headers=headers, timeout=10)
    assert phone.status_code == 200 and phone.json()["record_enabled"] is True
    sim.remove_extension(added["id"])
    gone = requests.get(sim.url + "/api/ver1.0/extension/%d/phone/" % added["id"], headers=headers, timeout=10)
    assert gone.status_code == 404


def test_an_added_extension_is_checked_as_a_seed_s(sim):
    sim.reset()
    with pytest.raises(SeedError, match="needs number"):
        sim.add_extension(label="no number")
    taken = sim.extensions()[0]["id"]
    with pytest.raises(SeedError, match="the id is taken"):
        sim.add_extension(id=taken, number="778")
