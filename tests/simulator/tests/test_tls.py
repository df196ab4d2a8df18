"""The simulator over HTTPS: a self-signed certificate made at test time, real TLS with requests/http.client."""

import datetime
import gzip
import http.client
import ipaddress
import json
import os
import re
import signal
import socket
import ssl
import stat
import subprocess
import sys
import time

import pytest
import requests

from pbxsim import Simulator
from pbxsim.tls import make_self_signed

SIM_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN_FORM = {"grant_type": "client_credentials", "client_id": "demo-app", "client_secret": "demo-secret"}


def run_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = SIM_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    return make_self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def shared_tls_sim(tls_files):
    with Simulator(tls=tls_files) as s:
        yield s


@pytest.fixture
def tls_sim(shared_tls_sim):
    shared_tls_sim.reset()
    yield shared_tls_sim
    shared_tls_sim.clear_faults()


def https_session(sim, cert_path):
    """A keep-alive session with a token. Each call must pass verify=cert_path: REQUESTS_CA_BUNDLE, when set,
    wins over Session.verify."""
    s = requests.Session()
    r = s.post(sim.url + "/oauth/token", data=TOKEN_FORM, verify=cert_path, timeout=10)
    assert r.status_code == 200, r.text
    s.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    return s


def test_token_and_phone_over_https(tls_sim, tls_files):
    cert_path, _key_path = tls_files
    assert re.match(r"^https://127\.0\.0\.1:\d+$", tls_sim.url)
    r = requests.post(tls_sim.url + "/oauth/token", data=TOKEN_FORM, verify=cert_path, timeout=10)
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer"
    auth = {"Authorization": "Bearer " + r.json()["access_token"]}
    r = requests.get(tls_sim.url + "/api/ver1.0/extension/1001/phone/", headers=auth, verify=cert_path, timeout=10)
    assert r.status_code == 200 and r.json()["label"] == "Ivan Petrov"
    # the certificate names localhost too
    by_name = tls_sim.url.replace("127.0.0.1", "localhost") + "/api/ver1.0/extension/1002/phone/"
    assert requests.get(by_name, headers=auth, verify=cert_path, timeout=10).status_code == 200
    assert [(e["method"], e["path"], e["status"], e["app_id"]) for e in tls_sim.log] == [
        ("POST", "/oauth/token", 200, "demo-app"),
        ("GET", "/api/ver1.0/extension/1001/phone/", 200, "demo-app"),
        ("GET", "/api/ver1.0/extension/1002/phone/", 200, "demo-app"),
    ]


def test_system_cas_do_not_trust_the_certificate(tls_sim):
    with pytest.raises(requests.exceptions.SSLError) as caught:
        requests.post(tls_sim.url + "/oauth/token", data=TOKEN_FORM, verify=True, timeout=10)
    assert "certificate" in str(caught.value)


def test_failed_handshakes_leave_the_server_serving(tls_sim, tls_files, capfd):
    cert_path, _key_path = tls_files
    host, port = "127.0.0.1", tls_sim.port
    # a client that rejects the certificate and hangs up
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_sim.url + "/api/ver1.0/user/", verify=True, timeout=10)
    # plain HTTP spoken to the HTTPS port
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(tls_sim.url.replace("https://", "http://") + "/api/ver1.0/user/", timeout=10)
    # a connection closed before any handshake, and one that sends garbage
    socket.create_connection((host, port), timeout=10).close()
    with socket.create_connection((host, port), timeout=10) as garbage:
        garbage.sendall(b"\x16\x03\x01\x00\x05hello" * 3)
        garbage.recv(1024)  # the server's alert or EOF: it hung up on us
    r = requests.post(tls_sim.url + "/oauth/token", data=TOKEN_FORM, verify=cert_path, timeout=10)
    assert r.status_code == 200
    assert [e["path"] for e in tls_sim.log] == ["/oauth/token"]  # handshakes that failed are no requests
    assert "Traceback" not in capfd.readouterr().err


def test_a_stalled_handshake_does_not_hold_up_others(tls_sim, tls_files):
    cert_path, _key_path = tls_files
    # connected, never says hello: the server waits for this handshake in this connection's thread only
    stalled = [socket.create_connection(("127.0.0.1", tls_sim.port), timeout=10) for _i in range(3)]
    try:
        t0 = time.perf_counter()
        r = requests.post(tls_sim.url + "/oauth/token", data=TOKEN_FORM, verify=cert_path, timeout=3)
        assert r.status_code == 200 and time.perf_counter() - t0 < 3
    finally:
        for s in stalled:
            s.close()


def test_keep_alive_and_gzip_over_tls(tls_sim, tls_files):
    cert_path, _key_path = tls_files
    token = requests.post(tls_sim.url + "/oauth/token", data=TOKEN_FORM, verify=cert_path,
                          timeout=10).json()["access_token"]
    conn = http.client.HTTPSConnection("127.0.0.1", tls_sim.port, timeout=10,
                                       context=ssl.create_default_context(cafile=cert_path))
    headers = {"Authorization": "Bearer " + token, "Accept-Encoding": "gzip"}
    try:
        conn.request("GET", "/api/ver1.0/extension/1001/phone/", headers=headers)
        first_socket = conn.sock
        assert conn.sock.version() in ("TLSv1.2", "TLSv1.3")
        for ext in (1001, 1002, 1003):
            if ext != 1001:
                conn.request("GET", "/api/ver1.0/extension/%d/phone/" % ext, headers=headers)
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200 and r.version == 11 and r.getheader("Content-Encoding") == "gzip"
            assert int(r.getheader("Content-Length")) == len(body)
            assert json.loads(gzip.decompress(body))["label"] == tls_sim.phone(ext)["label"]
            assert conn.sock is first_socket  # one TLS connection for all three
    finally:
        conn.close()
    assert [e["gzip"] for e in tls_sim.log[-3:]] == [True, True, True]


def test_faults_over_tls(tls_sim, tls_files):
    cert_path, _key_path = tls_files
    session = https_session(tls_sim, cert_path)
    phone_url = tls_sim.url + "/api/ver1.0/extension/1013/phone/"
    try:
        tls_sim.set_faults({"drop": {"count": 1, "match": {"method": "PUT"}}})
        with pytest.raises(requests.ConnectionError):
            session.put(phone_url, json={"hangup_timeout": 30}, verify=cert_path, timeout=10)
        assert tls_sim.phone(1013)["hangup_timeout"] == 45
        assert (tls_sim.log[-1]["status"], tls_sim.log[-1]["fault"]) == (0, "drop")
        tls_sim.set_faults({"fail": {"count": 1, "status": 503}})
        assert session.get(phone_url, verify=cert_path, timeout=10).status_code == 503
        r = session.put(phone_url, json={"hangup_timeout": 30}, verify=cert_path, timeout=10)
        assert r.status_code == 200 and r.json()["hangup_timeout"] == 30
        assert [(e["status"], e["fault"], e["applied"]) for e in tls_sim.log[-3:]] == [
            (0, "drop", False), (503, "fail", False), (200, None, True)]
    finally:
        session.close()


def test_plain_http_simulator_is_unchanged(sim, api):
    assert re.match(r"^http://127\.0\.0\.1:\d+$", sim.url)
    assert sim.tls is None
    assert api.phone(1001)["label"] == "Ivan Petrov"
    with pytest.raises(requests.exceptions.SSLError):  # it speaks no TLS
        requests.get(sim.url.replace("http://", "https://") + "/api/ver1.0/user/", verify=False, timeout=10)
    assert requests.get(sim.url + "/api/ver1.0/user/", timeout=10).status_code == 401


def test_stop_lets_go_of_tls_connections(tls_files):
    cert_path, _key_path = tls_files
    sim = Simulator(tls=tls_files).start()
    stalled = socket.create_connection(("127.0.0.1", sim.port), timeout=5)  # a handshake never made
    # a keep-alive TLS connection stays open; served after the stalled one, so that one has been accepted
    session = https_session(sim, cert_path)
    try:
        t0 = time.perf_counter()
        sim.stop()
        assert time.perf_counter() - t0 < 5  # well under the handshake timeout (10 s)
        assert stalled.recv(1024) == b""  # closed by the server, not left to its handshake timeout
    finally:
        stalled.close()
        session.close()


def test_make_self_signed(tmp_path):
    from cryptography import x509

    cert_path, key_path = make_self_signed(tmp_path / "certs", hosts=("127.0.0.1", "::1", "pbx.test"),
                                           common_name="unit test")
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    with open(cert_path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1"),
                                                       ipaddress.ip_address("::1")]
    assert san.get_values_for_type(x509.DNSName) == ["pbx.test"]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.subject.rfc4514_string() == cert.issuer.rfc4514_string() == "CN=unit test"
    now = datetime.datetime.now(datetime.timezone.utc)
    assert now - datetime.timedelta(minutes=2) < cert.not_valid_before_utc < now
    assert now + datetime.timedelta(days=1) < cert.not_valid_after_utc < now + datetime.timedelta(days=10)


def test_bad_tls_files_are_refused(tmp_path, tls_files):
    cert_path, key_path = tls_files
    missing = str(tmp_path / "missing.pem")
    with pytest.raises(ValueError, match="certificate file not found: .*missing.pem"):
        Simulator(tls=(missing, key_path))
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate\n")
    with pytest.raises(ValueError, match="cannot use TLS certificate"):
        Simulator(tls=(str(not_pem), key_path))
    _other_cert, other_key = make_self_signed(tmp_path / "other")
    with pytest.raises(ValueError, match="cannot use TLS certificate"):  # a key that is not the certificate's
        Simulator(tls=(cert_path, other_key))
    with pytest.raises(ValueError, match="cert_path, key_path"):
        Simulator(tls=cert_path)


def test_cli_serves_https_with_a_self_signed_certificate(tmp_path):
    cert_dir = tmp_path / "certs"
    proc = subprocess.Popen([sys.executable, "-m", "pbxsim", "serve", "--port", "0",
                             "--tls-self-signed", str(cert_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run_env(), text=True)
    try:
        line = proc.stdout.readline().rstrip("\n")
        assert re.match(r"^pbxsim listening on https://127\.0\.0\.1:\d+$", line), line
        url = line.split(" on ", 1)[1]
        cert_path = str(cert_dir / "cert.pem")
        assert cert_path in proc.stderr.readline()
        r = requests.post(url + "/oauth/token", data=TOKEN_FORM, verify=cert_path, timeout=10)
        assert r.status_code == 200
        r = requests.get(url + "/api/ver1.0/extension/1001/phone/", verify=cert_path, timeout=10,
                         headers={"Authorization": "Bearer " + r.json()["access_token"]})
        assert r.status_code == 200 and r.json()["label"] == "Ivan Petrov"
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert rc == 0


def test_cli_serves_https_with_given_files(tls_files):
    cert_path, key_path = tls_files
    proc = subprocess.Popen([sys.executable, "-m", "pbxsim", "serve", "--tls-cert", cert_path, "--tls-key", key_path],
                            stdout=subprocess.PIPE, env=run_env(), text=True)
    try:
        line = proc.stdout.readline().rstrip("\n")
        assert re.match(r"^pbxsim listening on https://127\.0\.0\.1:\d+$", line), line
        url = line.split(" on ", 1)[1]
        assert requests.post(url + "/oauth/token", data=TOKEN_FORM, verify=cert_path, timeout=10).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
        proc.stdout.close()
    assert rc == 0


def test_cli_bad_tls_cert_path_exits_2(tmp_path, tls_files):
    _cert_path, key_path = tls_files
    missing = str(tmp_path / "missing.pem")
    r = subprocess.run([sys.executable, "-m", "pbxsim", "serve", "--tls-cert", missing, "--tls-key", key_path],
                       env=run_env(), capture_output=True, text=True, timeout=30, check=False)
    assert r.returncode == 2
    assert "pbxsim: TLS certificate file not found: %s" % missing in r.stderr
    assert r.stdout == ""  # never listened


@pytest.mark.parametrize("options, reason", [
    (["--tls-cert", "{not_pem}", "--tls-key", "{key}"], "cannot use TLS certificate {not_pem} with key {key}"),
    (["--tls-cert", "{cert}", "--tls-key", "{missing}"], "TLS key file not found: {missing}"),
    (["--tls-cert", "{cert}"], "--tls-cert and --tls-key go together"),
    (["--tls-self-signed", "{dir}", "--tls-cert", "{cert}"],
     "--tls-self-signed cannot be combined with --tls-cert/--tls-key"),
])
def test_cli_bad_tls_options_exit_2(tmp_path, tls_files, capsys, options, reason):
    """In process (the same main() as the subprocess above, without an interpreter's start-up each)."""
    from pbxsim.__main__ import main

    cert_path, key_path = tls_files
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate\n")
    names = {"missing": str(tmp_path / "missing.pem"), "not_pem": str(not_pem), "cert": cert_path,
             "key": key_path, "dir": str(tmp_path / "certs")}
    assert main(["serve"] + [o.format(**names) for o in options]) == 2
    out, err = capsys.readouterr()
    assert "pbxsim: " + reason.format(**names) in err
    assert out == ""
