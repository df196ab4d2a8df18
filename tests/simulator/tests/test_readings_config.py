"""How readings are set: Python, the admin endpoint, the seed, the command line; their checks and reset."""

import os
import subprocess
import sys

import pytest
import requests
import yaml

from conftest import ApiClient
from pbxsim import SeedError, Simulator
from pbxsim import readings as R

SIM_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULTS = {
    "omit_fields": [], "null_sounds": False, "per_page_default": 50, "per_page_max": 100,
    "per_page_over_max": "clamp", "ignore_page": False, "concurrency_429": None, "rate_limit_scope": "client", "rate_limit_headers": "send",
    "readonly_in_put": "reject", "bundle_sync_inactive": True, "token_params_in_query": False,
    "token_expires_in": "send", "oauth_max_connections": 6,
    "registration_expires": "timestamp", "registration_device": "string", "reregister_after": None,
    "delete_reregisters": False, "registration_bulk": "extension", "registration_bulk_select": "pages",
    "registration_bulk_shape": "list", "registration_id_slash": "without",
}
BAD = [
    ({"no_such_reading": 1}, "no_such_reading"),
    ({"null_sounds": "yes"}, "null_sounds"),
    ({"null_sounds": 1}, "null_sounds"),
    ({"omit_fields": ["password"]}, "password"),       # never shown anyway: not a field an answer holds
    ({"omit_fields": ["nope"]}, "nope"),
    ({"omit_fields": 5}, "omit_fields"),
    ({"per_page_default": 0}, "per_page_default"),
    ({"per_page_max": "100"}, "per_page_max"),
    ({"per_page_over_max": "truncate"}, "per_page_over_max"),
    ({"ignore_page": None}, "ignore_page"),
    ({"concurrency_429": 0}, "concurrency_429"),
    ({"concurrency_429": True}, "concurrency_429"),
    ({"rate_limit_scope": "user"}, "rate_limit_scope"),
    ({"readonly_in_put": "accept"}, "readonly_in_put"),
    ({"bundle_sync_inactive": "false"}, "bundle_sync_inactive"),
    ({"token_params_in_query": 1}, "token_params_in_query"),
    ({"token_expires_in": "never"}, "token_expires_in"),
    ({"oauth_max_connections": -1}, "oauth_max_connections"),
    ({"registration_expires": "date"}, "registration_expires"),
    ({"registration_device": "dict"}, "registration_device"),
    ({"reregister_after": -1}, "reregister_after"),
    ({"reregister_after": 1.5}, "reregister_after"),
    ({"delete_reregisters": "no"}, "delete_reregisters"),
    ({"registration_bulk": "group"}, "registration_bulk"),
    ({"registration_bulk_select": "offset"}, "registration_bulk_select"),
    ({"registration_bulk_shape": "dict"}, "registration_bulk_shape"),
    ({"registration_id_slash": True}, "registration_id_slash"),
]


def test_defaults_are_the_historical_behaviour(sim):
    assert sim.readings == DEFAULTS
    assert set(R.SWITCHES) == set(DEFAULTS)
    assert requests.get(sim.url + "/__sim__/readings", timeout=10).json() == DEFAULTS


def test_vendor_example_shorthand_and_forms():
    r = R.parse({"omit_fields": "vendor_example"})
    assert set(r.omit_fields) == {"label", "announce_sound_upon_incoming_call", "record_on_transfer", "intercom",
                                  "replace_pin", "allow_webrtc"}
    assert len(R.parse({"omit_fields": ["vendor_example", "geo_list"]}).omit_fields) == 7
    assert R.parse({"omit_fields": "intercom, label"}).omit_fields == ("label", "intercom")  # page order
    assert R.parse({"oauth_max_connections": 0}).oauth_max_connections is None
    assert R.parse_assignment("omit_fields=vendor_example") == ("omit_fields", "vendor_example")
    assert R.parse_assignment("concurrency_429=null") == ("concurrency_429", None)
    assert R.parse_assignment("per_page_max=20") == ("per_page_max", 20)


@pytest.mark.parametrize("bad,needle", BAD, ids=[repr(b)[:40] for b, _n in BAD])
def test_bad_readings_everywhere(sim, bad, needle):
    with pytest.raises(ValueError) as exc:
        sim.set_readings(**bad)
    assert needle in str(exc.value)
    for method in ("PUT", "PATCH"):
        r = requests.request(method, sim.url + "/__sim__/readings", json=bad, timeout=10)
        assert r.status_code == 400 and needle in r.json()["message"], (method, r.text)
    assert sim.readings == DEFAULTS  # nothing half-applied


def test_python_merge_and_replace(sim):
    got = sim.set_readings(null_sounds=True, per_page_max=20, per_page_default=10)
    assert got["null_sounds"] is True and got["per_page_max"] == 20 and got == sim.readings
    sim.set_readings(ignore_page=True)  # merge keeps the others
    assert sim.readings["null_sounds"] is True and sim.readings["ignore_page"] is True
    sim.readings = {"token_expires_in": "omit"}  # replace: the rest back to defaults
    assert sim.readings == dict(DEFAULTS, token_expires_in="omit")
    sim.readings = {}
    assert sim.readings == DEFAULTS


def test_admin_put_patch_and_reset(sim):
    url = sim.url + "/__sim__/readings"
    r = requests.patch(url, json={"null_sounds": True, "omit_fields": "vendor_example"}, timeout=10)
    assert r.status_code == 200 and r.json()["null_sounds"] is True and len(r.json()["omit_fields"]) == 6
    r = requests.patch(url, json={"rate_limit_scope": "resource"}, timeout=10)
    assert r.json()["null_sounds"] is True and r.json()["rate_limit_scope"] == "resource"
    r = requests.put(url, json={"ignore_page": True}, timeout=10)
    assert r.status_code == 200 and r.json() == dict(DEFAULTS, ignore_page=True)
    assert requests.get(url, timeout=10).json() == sim.readings
    assert requests.post(url, json={}, timeout=10).status_code == 405
    assert requests.put(url, json=[1], timeout=10).status_code == 400
    assert requests.put(url, data=b"{nope", timeout=10).status_code == 400
    assert requests.post(sim.url + "/__sim__/reset", timeout=10).status_code == 200
    assert requests.get(url, timeout=10).json() == DEFAULTS


def test_seed_readings_constructor_over_them_and_reset():
    seed = yaml.safe_load(open(os.path.join(SIM_ROOT, "seeds", "demo.yml")))
    seed["readings"] = {"null_sounds": True, "per_page_max": 30}
    with Simulator(seed=seed, readings={"per_page_max": 40, "ignore_page": True}) as s:
        start = dict(DEFAULTS, null_sounds=True, per_page_max=40, ignore_page=True)
        assert s.readings == start
        s.set_readings(null_sounds=False, concurrency_429=3)
        s.reset()  # back to the readings it started with: the seed's, with the constructor's over them
        assert s.readings == start
        assert ApiClient(s).phone(1013)["hold_music"] is None  # null_sounds at work


def test_seed_with_bad_readings():
    seed = yaml.safe_load(open(os.path.join(SIM_ROOT, "seeds", "demo.yml")))
    seed["readings"] = {"null_sound": True}
    with pytest.raises(SeedError) as exc:
        Simulator(seed=seed)
    assert "null_sound" in str(exc.value)
    with pytest.raises(ValueError):
        Simulator(readings={"per_page_over_max": "drop"})


def _env():
    return dict(os.environ, PYTHONPATH=SIM_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def test_cli_readings(tmp_path):
    port_file = tmp_path / "port"
    readings_file = tmp_path / "r.yml"
    readings_file.write_text("per_page_max: 20\nper_page_default: 20\nnull_sounds: true\n")
    proc = subprocess.Popen([sys.executable, "-m", "pbxsim", "serve", "--port-file", str(port_file),
                             "--readings", str(readings_file), "--reading", "null_sounds=false",
                             "--reading", "omit_fields=vendor_example", "--reading", "concurrency_429=4"],
                            stdout=subprocess.PIPE, env=_env(), text=True)
    try:
        url = proc.stdout.readline().split(" on ", 1)[1].strip()
        got = requests.get(url + "/__sim__/readings", timeout=10).json()
        assert got["per_page_max"] == 20 and got["null_sounds"] is False and got["concurrency_429"] == 4
        assert len(got["omit_fields"]) == 6
        requests.put(url + "/__sim__/readings", json={}, timeout=10)
        requests.post(url + "/__sim__/reset", timeout=10)
        assert requests.get(url + "/__sim__/readings", timeout=10).json() == got  # the command line's again
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


@pytest.mark.parametrize("args,needle", [
    (["--reading", "nope=1"], "nope"),
    (["--reading", "per_page_max=many"], "per_page_max"),
    (["--reading", "null_sounds"], "NAME=VALUE"),
    (["--readings", "{not json"], "--readings"),
    (["--readings", '{"rate_limit_scope": "planet"}'], "rate_limit_scope"),
])
def test_cli_bad_readings_exit_2(args, needle):
    r = subprocess.run([sys.executable, "-m", "pbxsim", "serve"] + args, env=_env(), capture_output=True,
                       text=True, timeout=30, check=False)
    assert r.returncode == 2 and needle in r.stderr, r.stderr
