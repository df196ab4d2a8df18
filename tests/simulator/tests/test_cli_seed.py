import json
import os
import shutil
import signal
import subprocess
import sys

import pytest
import requests
import yaml

from conftest import ApiClient
from pbxsim import SeedError, Simulator, load_seed

SIM_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = SIM_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_cli_serve(tmp_path):
    port_file = tmp_path / "port"
    proc = subprocess.Popen([sys.executable, "-m", "pbxsim", "serve", "--port", "0", "--port-file", str(port_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run_env(), text=True)
    try:
        line = proc.stdout.readline().rstrip("\n")
        assert line.startswith("pbxsim listening on http://127.0.0.1:")
        url = line.split(" on ", 1)[1]
        port = int(url.rsplit(":", 1)[1])
        assert port > 0 and int(port_file.read_text()) == port
        tok = requests.post(url + "/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo-app",
                                                        "client_secret": "demo-secret"}, timeout=10).json()
        h = {"Authorization": "Bearer " + tok["access_token"]}
        if shutil.which("curl"):
            out = subprocess.run(["curl", "-sS", "--compressed", "-H", h["Authorization"].join(["Authorization: ", ""]),
                                  url + "/api/ver1.0/extension/1001/phone/"],
                                 capture_output=True, text=True, timeout=10, check=True).stdout
            assert json.loads(out)["label"] == "Ivan Petrov"
        r = requests.put(url + "/api/ver1.0/extension/1001/phone/", json={"hangup_timeout": 25}, headers=h, timeout=10)
        assert r.status_code == 200 and r.json()["hangup_timeout"] == 25
        assert requests.get(url + "/api/ver1.0/extension/1001/phone/", headers=h, timeout=10).json()["hangup_timeout"] == 25
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert rc == 0


def test_cli_sigint_and_options(tmp_path):
    seed = tmp_path / "s.json"
    subprocess.run([sys.executable, "-m", "pbxsim", "generate", "--extensions", "120", "--bundles", "2",
                    "--seed-out", str(seed)], env=run_env(), check=True, capture_output=True, timeout=60)
    proc = subprocess.Popen([sys.executable, "-m", "pbxsim", "serve", "--seed", str(seed), "--rate-limit", "3",
                             "--token-lifetime", "60", "--latency-ms", "1"],
                            stdout=subprocess.PIPE, env=run_env(), text=True)
    try:
        url = proc.stdout.readline().split(" on ", 1)[1].strip()
        tok = requests.post(url + "/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo-app",
                                                        "client_secret": "demo-secret"}, timeout=10).json()
        assert tok["expires_in"] == 60
        r = requests.get(url + "/api/ver1.0/user/", headers={"Authorization": "Bearer " + tok["access_token"]},
                         timeout=10)
        assert r.headers["X-RateLimit-Limit"] == "3"
    finally:
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=10)
        proc.stdout.close()
    assert rc == 0


def test_cli_bad_seed(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("clients: []\n")
    r = subprocess.run([sys.executable, "-m", "pbxsim", "serve", "--seed", str(bad)], env=run_env(),
                       capture_output=True, text=True, timeout=30, check=False)
    assert r.returncode == 2 and "client" in r.stderr


def test_generate(tmp_path):
    out = tmp_path / "big.json"
    cmd = [sys.executable, "-m", "pbxsim", "generate", "--extensions", "2000", "--bundles", "20",
           "--random-seed", "5", "--seed-out", str(out)]
    subprocess.run(cmd, env=run_env(), check=True, capture_output=True, timeout=60)
    data = json.loads(out.read_text())
    assert len(data["extensions"]) == 2000
    assert len(data["bundles"]) == 20
    share = sum(e["type"] == "phone" for e in data["extensions"]) / 2000
    assert 0.85 < share < 0.95
    assert {e["type"] for e in data["extensions"]} == {"phone", "queue", "ivr", "fax", "conference"}
    first = out.read_bytes()
    subprocess.run(cmd, env=run_env(), check=True, capture_output=True, timeout=60)
    assert out.read_bytes() == first  # deterministic
    with Simulator(seed=str(out)) as s:
        c = ApiClient(s)
        assert c.get("user/").json()["login"] == "admin@acme"
        assert len(c.get("client/@me/extension/", params={"per_page": 100, "page": 20}).json()) == 100
        assert c.get("client/@me/extension/", params={"per_page": 100, "page": 21}).json() == []
        assert ApiClient(s, "ext-app").phone("@me")
        b = data["bundles"][0]
        assert c.phone(b["members"][0])["bundle"]["bundle_id"] == b["main"]


def test_generate_yaml_default_count(tmp_path):
    out = tmp_path / "g.yml"
    subprocess.run([sys.executable, "-m", "pbxsim", "generate", "--extensions", "50", "--bundles", "2",
                    "--seed-out", str(out)], env=run_env(), check=True, capture_output=True, timeout=60)
    data = yaml.safe_load(out.read_text())
    assert len(data["extensions"]) == 50
    assert len(load_seed(str(out))["extensions"]) == 50


def test_demo_seed_facts():
    s = load_seed(None)
    exts = {e["id"]: e for e in s["extensions"]}
    acme = [e for e in exts.values() if e["client_id"] == 7000]
    assert len(acme) == 40
    assert sorted(i for i, e in exts.items() if e["type"] != "phone" and e["client_id"] == 7000) == list(range(1033, 1041))
    assert sorted(i for i, e in exts.items() if e["status"] == "blocked") == [1008, 1019, 1026]
    assert [(b["main"], b["members"]) for b in s["bundles"]] == [(1003, [1004, 1005]), (1010, [1011])]
    apps = {a["app_id"]: a for a in s["applications"]}
    assert {"demo-app", "callapi-app", "readonly-app", "ext-app", "group-app"} <= set(apps)


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: d["extensions"][0]["phone"].update(hangup_timeout=0), "hangup_timeout"),
    (lambda d: d["extensions"][0]["phone"].update(nope=1), "nope"),
    (lambda d: d["extensions"].append(dict(d["extensions"][0])), "duplicate"),
    (lambda d: d["bundles"].append({"main": 1033, "members": [1034]}), "not a phone"),
    (lambda d: d["applications"][0].update(access="Everything"), "access"),
    (lambda d: d.update(surprise=1), "surprise"),
])
def test_seed_errors(mutate, needle):
    d = yaml.safe_load(open(os.path.join(SIM_ROOT, "seeds", "demo.yml")))
    mutate(d)
    with pytest.raises(SeedError) as exc:
        Simulator(seed=d)
    assert needle in str(exc.value)
