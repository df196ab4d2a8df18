"""Quick throughput check of the simulator: requests per second over keep-alive HTTP.

    PYTHONPATH=tests/simulator python tests/simulator/tools/rps.py [--seconds 5] [--procs 2] [--threads 4]

Starts ``python -m pbxsim serve`` in a child process (rate limit out of the way) and drives it from
``--procs`` processes of ``--threads`` keep-alive connections each: 3 GETs of a phone, 1 PUT and, every
8th request, a listing page of 100. Prints one line: requests, seconds, requests/s, the simulator's CPU time
per request (Linux: from /proc; steadier than requests/s on a busy machine), non-200 answers.
Extra ``serve`` arguments may follow ``--`` (e.g. ``-- --readings '{"null_sounds": true}'``).
"""

import argparse
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

SIM_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _token(url):
    data = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "demo-app",
                                   "client_secret": "demo-secret"}).encode()
    with urllib.request.urlopen(url + "/oauth/token", data=data, timeout=10) as r:
        return json.loads(r.read())["access_token"]


def _cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def _drive(port, token, seconds, threads, out):
    counts = []

    def one(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        hdr = {"Authorization": "Bearer " + token, "Accept-Encoding": "gzip", "Content-Type": "application/json"}
        n = bad = k = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            ext = 1001 + (i * 7 + k) % 30
            if k % 8 == 7:
                conn.request("GET", "/api/ver1.0/client/@me/extension/?per_page=100", headers=hdr)
            elif k % 4 == 3:
                conn.request("PUT", "/api/ver1.0/extension/%d/phone/" % ext,
                             body=json.dumps({"hangup_timeout": 30 + k % 20}), headers=hdr)
            else:
                conn.request("GET", "/api/ver1.0/extension/%d/phone/" % ext, headers=hdr)
            r = conn.getresponse()
            r.read()
            n += 1
            bad += r.status != 200
            k += 1
        conn.close()
        counts.append((n, bad))

    ts = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put((sum(c[0] for c in counts), sum(c[1] for c in counts)))


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--procs", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    args, extra = p.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    env = dict(os.environ, PYTHONPATH=SIM_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        proc = subprocess.Popen([sys.executable, "-m", "pbxsim", "serve", "--port-file", port_file,
                                 "--rate-limit", "1000000000"] + extra,
                                env=env, stdout=subprocess.DEVNULL)
        try:
            while not os.path.exists(port_file):
                if proc.poll() is not None:
                    raise SystemExit("the simulator did not start")
                time.sleep(0.05)
            port = int(open(port_file).read())
            url = "http://127.0.0.1:%d" % port
            token = _token(url)
            q = multiprocessing.Queue()
            workers = [multiprocessing.Process(target=_drive, args=(port, token, args.seconds, args.threads, q))
                       for _i in range(args.procs)]
            cpu0 = _cpu_seconds(proc.pid)
            t0 = time.perf_counter()
            for w in workers:
                w.start()
            results = [q.get() for _w in workers]
            for w in workers:
                w.join()
            elapsed = time.perf_counter() - t0
            cpu = _cpu_seconds(proc.pid) - cpu0
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    n = sum(r[0] for r in results)
    bad = sum(r[1] for r in results)
    print("%d requests in %.2f s = %.0f requests/s, simulator CPU %.0f us/request (%d procs x %d keep-alive "
          "connections), %d not 200" % (n, elapsed, n / elapsed, cpu / n * 1e6, args.procs, args.threads, bad))


if __name__ == "__main__":
    main()
