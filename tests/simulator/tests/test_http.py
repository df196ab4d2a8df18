import http.client
import json
import threading
import time

import requests

from conftest import ApiClient, get_token


def test_unknown_paths(sim, api):
    r = requests.get(sim.url + "/", timeout=10)
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/json" and r.json()["message"]
    r = api.get("extension/1001/voicemail/")
    assert r.status_code == 404 and r.json()["status"] == "not_found"
    r = requests.get(sim.url + "/api/ver2.0/user/", timeout=10)
    assert r.status_code == 404


def test_keep_alive_and_content_length(sim):
    tok = get_token(sim)
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    for _attempt in range(5):
        conn.request("GET", "/api/ver1.0/user/", headers={"Authorization": "Bearer " + tok})
        r = conn.getresponse()
        body = r.read()
        assert r.status == 200 and r.version == 11
        assert int(r.getheader("Content-Length")) == len(body)
        json.loads(body)
    body = json.dumps({"hangup_timeout": 33})
    conn.request("PUT", "/api/ver1.0/extension/1013/phone/", body=body,
                 headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    r = conn.getresponse()
    assert r.status == 200 and json.loads(r.read())["hangup_timeout"] == 33
    # chunked request body
    conn.putrequest("PUT", "/api/ver1.0/extension/1013/phone/")
    conn.putheader("Authorization", "Bearer " + tok)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    data = b'{"hangup_timeout": 34}'
    conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))
    r = conn.getresponse()
    assert r.status == 200 and json.loads(r.read())["hangup_timeout"] == 34
    conn.close()


def test_head_has_no_body(sim):
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    conn.request("HEAD", "/api/ver1.0/user/")
    r = conn.getresponse()
    assert r.status == 401 and r.read() == b""
    conn.close()


def test_throughput(sim):
    """Not a tight timing check: prints the rate; the simulator must sustain 200 req/s."""
    sim.set_rate_limit(limit=10 ** 9, remaining=10 ** 9)
    token = get_token(sim)
    n_threads, per_thread = 8, 100
    errors = []

    def worker(i):
        c = ApiClient(sim, token=token)
        try:
            for k in range(per_thread):
                if k % 4 == 3:
                    r = c.put("extension/%d/phone/" % (1009 + i), {"hangup_timeout": 30 + k})
                elif k % 4 == 2:
                    r = c.get("client/@me/extension/", params={"per_page": 100})
                else:
                    r = c.get("extension/%d/phone/" % (1001 + (k % 30)))
                if r.status_code != 200:
                    errors.append(r.status_code)
        finally:
            c.s.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    total = n_threads * per_thread
    rate = total / elapsed
    print("\npbxsim throughput: %d requests in %.2fs = %.0f req/s (%d threads, keep-alive, gzip)"
          % (total, elapsed, rate, n_threads))
    assert not errors
    assert rate > 100  # loose: the target is 200 req/s; typical runs are far above it
