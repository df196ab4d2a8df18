import gzip
import http.client
import json

from conftest import get_token


def raw_get(sim, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r, body


def test_gzip_when_accepted(sim):
    tok = get_token(sim)
    r, body = raw_get(sim, "/api/ver1.0/extension/1001/phone/",
                      {"Authorization": "Bearer " + tok, "Accept-Encoding": "gzip, deflate"})
    assert r.status == 200
    assert r.getheader("Content-Encoding") == "gzip"
    assert int(r.getheader("Content-Length")) == len(body)
    assert json.loads(gzip.decompress(body))["label"] == "Ivan Petrov"
    assert sim.log[-1]["gzip"] is True


def test_errors_are_gzipped_too(sim):
    r, body = raw_get(sim, "/api/ver1.0/user/", {"Accept-Encoding": "gzip"})
    assert r.status == 401 and r.getheader("Content-Encoding") == "gzip"
    assert "message" in json.loads(gzip.decompress(body))


def test_plain_when_not_accepted(sim):
    tok = get_token(sim)
    for ae in ("identity", "gzip;q=0", None):
        headers = {"Authorization": "Bearer " + tok}
        if ae:
            headers["Accept-Encoding"] = ae
        r, body = raw_get(sim, "/api/ver1.0/user/", headers)
        assert r.status == 200 and r.getheader("Content-Encoding") is None
        assert json.loads(body)["login"] == "admin@acme"
        assert sim.log[-1]["gzip"] is False
