# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of telphin.pbx.phone_properties: one task over many extensions against a loop of tasks; and
of the role: the collection's audit playbook against one task over the same phones (``--only role``); and
the requests and time that ``check_registrations`` adds to a real task (``--only registrations``); the bulk
registration read of registration_info (``--only bulk``) and ``parallel: auto`` against fixed values
(``--only parallel``, run only when asked for), both in concurrency.py; and one poll of the Event-Driven
Ansible sources (``--only eda``, eda_poll.py).

The simulator runs in its own process (no shared GIL) with a fixed latency per request and a generated
account. Before each run it is reset to its seed and every 10th targeted phone is made to drift, so a
real run writes exactly 10% of the targets. Each run is one ansible-playbook process, timed from start to
exit (what a user waits for). Request counts come from the simulator's log. See README.md here.

    .venv/bin/python tests/bench/bench.py [--quick] [--parallel 1,8,32] [--out FILE]
        [--only role|registrations|bulk|eda|parallel]

Nothing is asserted: the table says what was measured and whether each target is met.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import psutil

if __name__ == "__main__":  # concurrency.py imports this file as ``bench``: the same module, not a second copy
    sys.modules.setdefault("bench", sys.modules["__main__"])

import concurrency  # noqa: E402  (after the alias above)
import eda_poll  # noqa: E402
import module_cost

ROOT = pathlib.Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / ".build" / "collections"
SIMULATOR = ROOT / "tests" / "simulator"
ANSIBLE_PLAYBOOK = str(pathlib.Path(sys.executable).parent / "ansible-playbook")
CALLBACK_PLUGINS = pathlib.Path(__file__).resolve().parent / "callback_plugins"
MODULE = "telphin.pbx.phone_properties"
MODULE_PY = "ansible_collections.telphin.pbx.plugins.modules.phone_properties"
APP_ID, APP_SECRET = "demo-app", "demo-secret"  # credentials of every generated account

# The generator never changes these two fields, so every generated phone already holds the desired
# values; the drift makes exactly the chosen phones differ (auth_type is not synchronised across bundles).
DESIRED = {"auth_type": "digest", "record_stereo": False}
DRIFT = {"auth_type": "both"}
DRIFT_EVERY = 10  # every 10th target drifts: 10%

# The role's section: the collection's audit playbook, one profile over every phone of the account.
AUDIT_PLAYBOOK = "telphin.pbx.audit"
ROLE_PROFILES = {"bench": DESIRED}
ROLE_ASSIGNMENTS = [{"profile": "bench", "match": {}}]  # an empty match: every phone of the account
LIST_PAGE_SIZE = 100  # what the client asks for
LIST_READ_AHEAD = 16  # the most pages of a listing the client asks for at once (its MOST_READ_AHEAD)
MOST_PARALLEL = 32  # the workers of parallel auto, which may come to use them all
COMPARE_PARALLEL = 16  # the --compare runs: a value that trees before parallel auto accept too

# The registrations' section (issue 18): a drift in a field that logs no device out and is no registration
# field, so a real run writes 10% of the phones and every device that was registered still is afterwards.
REG_FIELD = "hangup_timeout"  # not synchronised across bundles; the task asks for the account's default
REG_DRIFT_VALUE = 97
REGISTRATION_PATH = re.compile(r"^/api/ver1\.0/extension/(\d+)/registration/$")

TARGET_SPEEDUP = 40.0
TARGET_ROLE_RATIO = 1.15
TARGET_BOUND_RATIO = 1.5
TARGET_MIB = 200.0
MIB = 1024.0 * 1024.0


# ---------------------------------------------------------------------------------------------------------
# environment, account, simulator


def child_env(collections=COLLECTIONS, **extra):
    """The environment of a child process that uses the collection at ``collections`` (this tree's link)."""
    env = dict(os.environ)
    paths = [str(collections), str(SIMULATOR)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                                  if p and p != str(COLLECTIONS)]
    env.update(
        PYTHONPATH=os.pathsep.join(dict.fromkeys(paths)),
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_DEPRECATION_WARNINGS="false", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
    )
    env.update(extra)
    return env


def module_default_parallel():
    """The module's default ``parallel``, read from the collection so that the report follows it."""
    sys.path.insert(0, str(COLLECTIONS))
    from ansible_collections.telphin.pbx.plugins.module_utils.api_module import DEFAULT_PARALLEL
    return DEFAULT_PARALLEL


def generate_account(phones, path):
    """A generated seed with at least ``phones`` phone extensions; (the first ``phones`` phone ids, size)."""
    extensions = int(phones / 0.88) + 20  # the generator makes ~90% phones
    while True:
        subprocess.run([sys.executable, "-m", "pbxsim", "generate", "--extensions", str(extensions),
                        "--seed-out", str(path)], env=child_env(), check=True, stderr=subprocess.DEVNULL)
        account = json.loads(path.read_text())["extensions"]
        ids = [e["id"] for e in account if e["type"] == "phone"]
        if len(ids) >= phones:
            return ids[:phones], len(account)
        extensions = int(extensions * 1.1) + 10


def generate_account_of_phones(phones, path):
    """A generated seed with exactly ``phones`` phone extensions, when the generator allows (it makes the
    same extensions, and more, for a larger size); (the ids of every phone, the account's size).

    For the role, whose ``match: {}`` selects every phone of the account: the account holds just the
    phones that the one task is given.
    """
    extensions, tried = int(phones / 0.9), {}
    for _attempt in range(40):
        subprocess.run([sys.executable, "-m", "pbxsim", "generate", "--extensions", str(extensions),
                        "--seed-out", str(path)], env=child_env(), check=True, stderr=subprocess.DEVNULL)
        account = json.loads(path.read_text())["extensions"]
        ids = [e["id"] for e in account if e["type"] == "phone"]
        tried[extensions] = len(ids)
        if len(ids) == phones or (len(ids) > phones and tried.get(extensions - 1, phones) < phones):
            return ids, len(account)  # exact, or the smallest account with more
        step = max(1, int(abs(phones - len(ids)) / 0.9))
        extensions += step if len(ids) < phones else -step
    return ids, len(account)


def workers(parallel):
    """The number of ``parallel`` (an integer, or ``auto``: as many workers as it may come to use)."""
    return MOST_PARALLEL if parallel == "auto" else int(parallel)


def pages_of_one_listing(account_size, parallel):
    """The requests of one listing of the account: its full pages, then a short or an empty one (a page
    shorter than the longest seen ends it, so an account of one page takes a second, empty one), and the
    pages past the end that the last batch read ahead (after page 2, batches of 2, 4, 8... up to the
    task's ``parallel``, at most LIST_READ_AHEAD)."""
    read_ahead = min(workers(parallel), LIST_READ_AHEAD)
    needed, page, batch = max(2, account_size // LIST_PAGE_SIZE + 1), 2, 1
    while page <= needed:
        page, batch = page + batch, min(2 * batch, read_ahead)
    return page - 1


class SimProcess:
    """``python -m pbxsim serve`` in a child process, controlled through its admin endpoint."""

    def __init__(self, seed, workdir, latency_ms):
        port_file = workdir / ("%s.port" % seed.stem)
        port_file.unlink(missing_ok=True)  # that of an earlier simulator of this seed (another latency)
        self.stderr = open(workdir / ("%s.sim.log" % seed.stem), "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pbxsim", "serve", "--seed", str(seed), "--port", "0",
             "--port-file", str(port_file), "--latency-ms", str(latency_ms), "--rate-limit", "100000000"],
            env=child_env(), stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.monotonic() + 120
        while not port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start; see %s" % self.stderr.name)
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%d" % int(port_file.read_text())

    def admin(self, method, rel, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "/__sim__/" + rel, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def reset_with_drift(self, drifted):
        self.admin("POST", "reset")
        for ext_id in drifted:
            self.admin("PUT", "phone/%d" % ext_id, DRIFT)

    def cpu_seconds(self):
        times = psutil.Process(self.proc.pid).cpu_times()
        return times.user + times.system

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.stderr.close()


def drifted_of(ids):
    return ids[::DRIFT_EVERY]


# ---------------------------------------------------------------------------------------------------------
# running ansible-playbook and reading the simulator's log


def run_playbook(workdir, task, check=False, env=None, watch=None, sim=None, task_times=False):
    """One ansible-playbook process running one task on localhost; a dict of what it cost, with its result.

    The result is saved by the bench_result callback, not by a second task, so the wall time is that of
    the task alone plus Ansible's fixed cost. ``task_times``: the task_times callback also writes when each
    task ran (``run["task_times"]``). Raises if the task fails.
    """
    playbook = [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [task]}]
    path = workdir / "playbook.yml"
    path.write_text(json.dumps(playbook))  # JSON is YAML, and quick to parse with thousands of items
    args = [ANSIBLE_PLAYBOOK, str(path)] + (["--check"] if check else [])
    run = run_ansible(workdir, args, env, watch=watch, sim=sim, task_times=task_times)
    if "result" not in run:
        raise RuntimeError("ansible-playbook saved no result:\n%s" % run["output"][-4000:])
    return run


def run_ansible(workdir, args, env, watch=None, sim=None, task_times=False):
    """One ansible-playbook process (``args``), timed from start to exit, with the bench's callbacks.

    A dict: ``seconds`` (wall), ``started`` and ``ended`` (``time.time()``, the clock of task_times), the
    CPU of ansible-playbook with its children and of the simulator, ``output``, and what the callbacks
    saved: ``result`` (of the last task that ran) and ``task_times``. Raises if ansible-playbook fails.
    """
    out, times = workdir / "result.json", workdir / "task-times.json"
    out.unlink(missing_ok=True)
    times.unlink(missing_ok=True)
    env = dict(env, BENCH_RESULT=str(out), BENCH_TASK_TIMES=str(times), PWD=str(workdir),
               ANSIBLE_CALLBACKS_ENABLED="bench_result,task_times" if task_times else "bench_result",
               ANSIBLE_CALLBACK_PLUGINS=str(CALLBACK_PLUGINS))
    sim_cpu = sim.cpu_seconds() if sim else 0.0
    own_cpu = children_cpu_seconds()
    with open(workdir / "ansible.log", "w+") as log:
        started = time.time()
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
        poller = PeakRss(proc.pid).start() if watch is not None else None
        rc = proc.wait()
        seconds = time.perf_counter() - start
        ended = time.time()
        if poller:
            poller.stop()
            watch.append(poller)
        log.seek(0)
        output = log.read()
    if rc != 0:
        raise RuntimeError("ansible-playbook failed (rc %s):\n%s" % (rc, output[-4000:]))
    run = dict(seconds=seconds, started=started, ended=ended, output=output,
               ansible_cpu=children_cpu_seconds() - own_cpu,
               sim_cpu=(sim.cpu_seconds() - sim_cpu) if sim else None)
    if out.exists():
        run["result"] = json.loads(out.read_text())
    if times.exists():
        run["task_times"] = json.loads(times.read_text())
    return run


def children_cpu_seconds():
    """CPU time of the processes this one has waited for, and of theirs: ansible-playbook and the module."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def count_requests(log, targets, drifted, expect_puts):
    """Requests by kind, and the problems against the request target (empty when met)."""
    phone_get, put, listing, token, other, pages = {}, {}, 0, 0, 0, []
    for entry in log:
        m = re.match(r"^/api/ver1\.0/extension/(\d+)/phone/$", entry["path"])
        if entry["method"] == "POST" and entry["path"] == "/oauth/token":
            token += 1
        elif m and entry["method"] in ("GET", "PUT"):
            counts = phone_get if entry["method"] == "GET" else put
            counts[int(m.group(1))] = counts.get(int(m.group(1)), 0) + 1
        elif entry["method"] == "GET" and re.match(r"^/api/ver1\.0/client/[^/]+/extension/$", entry["path"]):
            listing += 1
            pages.append(entry.get("query", {}).get("page"))
        else:
            other += 1
    n = dict(get=sum(phone_get.values()), put=sum(put.values()), listing=listing, token=token, other=other,
             listing_repeats=len(pages) - len(set(pages)),
             bad_status=sum(1 for e in log if not 200 <= e["status"] < 300))
    n["GET"] = n["get"] + listing
    n["POST"] = token
    if log:
        n["api_seconds"] = max(e["time"] + e["duration_ms"] / 1000.0 for e in log) - min(e["time"] for e in log)
    problems = []
    if phone_get != {i: 1 for i in targets}:
        problems.append("phone GETs: %d for %d extensions (%d read more than once, %d not read)" % (
            n["get"], len(targets), sum(1 for c in phone_get.values() if c > 1), len(set(targets) - set(phone_get))))
    want_put = {i: 1 for i in drifted} if expect_puts else {}
    if put != want_put:
        problems.append("PUTs: %d, expected %d (one per drifted extension)" % (n["put"], len(want_put)))
    if other or n["bad_status"]:
        problems.append("%d other requests, %d non-2xx answers" % (other, n["bad_status"]))
    return n, problems


def split_registration_requests(log):
    """``(registration GETs per extension id, the rest of the log)``: count_requests knows no registration."""
    per_ext, rest = {}, []
    for entry in log:
        m = REGISTRATION_PATH.match(entry["path"])
        if m and entry["method"] == "GET":
            per_ext[int(m.group(1))] = per_ext.get(int(m.group(1)), 0) + 1
        else:
            rest.append(entry)
    return per_ext, rest


def seed_facts(seed_path, field):
    """``({phone id: its value of field in the seed}, {phone ids registered at the start})``: a phone is
    registered when it is active and one of its registrations has not expired (devices renew by default)."""
    seed = json.loads(pathlib.Path(seed_path).read_text())
    default = (seed.get("phone_defaults") or {}).get(field)
    values, registered = {}, set()
    for e in seed["extensions"]:
        if e["type"] != "phone":
            continue
        values[e["id"]] = (e.get("phone") or {}).get(field, default)
        if e.get("status", "active") == "active" and any(
                r.get("expires_in", 1) > 0 and r.get("renew", True) for r in e.get("registration") or ()):
            registered.add(e["id"])
    return values, registered


# ---------------------------------------------------------------------------------------------------------
# memory


class PeakRss:
    """Samples the RSS of a process and of its descendants every ``interval`` s; keeps each one's peak."""

    def __init__(self, pid, interval=0.05):
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peaks = {}  # pid -> peak RSS in bytes
        self.cmdlines = {}
        self.tree_peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.done.set()
        self.thread.join()

    def _run(self):
        while not self.done.is_set():
            try:
                procs = [self.root] + self.root.children(recursive=True)
            except psutil.Error:
                return
            total = 0
            for proc in procs:
                try:
                    rss = proc.memory_info().rss
                    if proc.pid not in self.cmdlines:
                        self.cmdlines[proc.pid] = " ".join(proc.cmdline())
                except psutil.Error:
                    continue
                total += rss
                self.peaks[proc.pid] = max(self.peaks.get(proc.pid, 0), rss)
            self.tree_peak = max(self.tree_peak, total)
            self.done.wait(self.interval)

    def peak_of(self, predicate):
        return max((rss for pid, rss in self.peaks.items() if predicate(pid, self.cmdlines.get(pid, ""))),
                   default=0)


def run_module_directly(workdir, params):
    """The module as its own process with an args file; (seconds, result, exact peak RSS, polled peak)."""
    args = workdir / "module-args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": params}))
    out = workdir / "module-out.json"
    with open(out, "w") as stdout:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", MODULE_PY, str(args)], env=child_env(), stdout=stdout,
                                stderr=subprocess.STDOUT)
        poller = PeakRss(proc.pid).start()
        _pid, status, usage = os.wait4(proc.pid, 0)  # ru_maxrss: the kernel's peak RSS of the process, KiB
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        poller.stop()
    text = out.read_text()
    if proc.returncode != 0:
        raise RuntimeError("the module failed (rc %s):\n%s" % (proc.returncode, text[-4000:]))
    return seconds, json.loads(text), usage.ru_maxrss * 1024, poller.tree_peak


# ---------------------------------------------------------------------------------------------------------
# the runs


class RegistrationRuns:
    """The section of :class:`Bench` that measures check_registrations (issue 18)."""

    def registrations(self, sim, ids, account_size, seed_path):
        """check_registrations (issue 18): one real task over ``ids`` with and without it (registration_wait
        0), taking turns, then one check-mode run with it where the drift is in auth_type."""
        drifted = drifted_of(ids)
        values, seed_registered = seed_facts(seed_path, REG_FIELD)
        desired = statistics.mode(values[i] for i in ids)  # the account's default
        # exactly the drifted phones differ: they get another value, those the generator changed get it back
        fixes = {i: desired for i in ids if values[i] != desired and i not in drifted}
        fixes.update({i: REG_DRIFT_VALUE for i in drifted})
        items = [{"extension_id": i} for i in ids]
        parallel = self.opts.default_parallel
        plain = {MODULE: {REG_FIELD: desired, "parallel": parallel, "extensions": items}}
        watched = {MODULE: {REG_FIELD: desired, "parallel": parallel, "extensions": items,
                            "check_registrations": True, "registration_wait": 0}}
        env = child_env(TELPHIN_API_URL=sim.url, TELPHIN_APP_ID=APP_ID, TELPHIN_APP_SECRET=APP_SECRET)
        self.reg = dict(extensions=len(ids), account=account_size, drifted=len(drifted), desired=desired,
                        parallel=parallel, plain=[], watched=[], check=None, fixes=len(fixes))
        sides = {"plain": plain, "watched": watched}
        for round_ in range(self.opts.registration_rounds):
            for side in ("plain", "watched") if round_ % 2 == 0 else ("watched", "plain"):
                sim.admin("POST", "reset")
                for ext_id, value in fixes.items():
                    sim.admin("PUT", "phone/%d" % ext_id, {REG_FIELD: value})
                # the simulator's own view of who is registered now, against the account's
                registered = {i for i in drifted if sim.admin("GET", "registration/%d" % i)["registered"]}
                run = run_playbook(self.workdir, sides[side], env=env, sim=sim)
                log = sim.admin("GET", "log")
                regs, rest = split_registration_requests(log)
                n, problems = count_requests(rest, ids, drifted, expect_puts=True)
                want = {}
                if side == "watched":
                    want = {i: 2 if i in seed_registered else 1 for i in drifted}
                    if registered != seed_registered & set(drifted):
                        problems.append("the simulator shows %d written phones registered, the account %d"
                                        % (len(registered), len(seed_registered & set(drifted))))
                self.reg_check(regs, want, n, problems, run, len(drifted))
                stuck = [i for i in drifted if sim.admin("GET", "phone/%d" % i)[REG_FIELD] != desired]
                if stuck:
                    problems.append("%d written phones do not hold %s %s, e.g. %s"
                                    % (len(stuck), REG_FIELD, desired, stuck[:5]))
                row = dict(seconds=run["seconds"], n=n, regs=sum(regs.values()), want=sum(want.values()),
                           before=len(drifted) if side == "watched" else 0,
                           after=len(seed_registered & set(drifted)) if side == "watched" else 0,
                           problems=problems)
                self.reg[side].append(row)
                self.problems += ["registrations, %s, round %d: %s" % (REG_SIDES[side], round_ + 1, p)
                                  for p in problems]
                print("  %-7s round %d  %6.2f s  API %5.2f s  registration GETs %3d (expected %3d)  GET %4d  "
                      "PUT %3d  token %d  %s" % (side, round_ + 1, run["seconds"], n.get("api_seconds", 0),
                                                 row["regs"], row["want"], n["get"], n["put"], n["token"],
                                                 "; ".join(problems) or "as expected"), flush=True)
        # check mode, the drift in auth_type (a registration field): one registration GET per drifting phone
        sim.reset_with_drift(drifted)
        task = {MODULE: dict(DESIRED, parallel=parallel, extensions=items, check_registrations=True)}
        run = run_playbook(self.workdir, task, check=True, env=env, sim=sim)
        regs, rest = split_registration_requests(sim.admin("GET", "log"))
        n, problems = count_requests(rest, ids, drifted, expect_puts=False)
        want = {i: 1 for i in drifted}
        self.reg_check(regs, want, n, problems, run, len(drifted))
        self.reg["check"] = dict(seconds=run["seconds"], n=n, regs=sum(regs.values()), want=len(drifted),
                                 problems=problems)
        self.problems += ["registrations, check mode: " + p for p in problems]
        print("  check   once     %6.2f s  API %5.2f s  registration GETs %3d (expected %3d)  GET %4d  PUT %3d  "
              "token %d  %s" % (run["seconds"], n.get("api_seconds", 0), sum(regs.values()), len(drifted),
                                n["get"], n["put"], n["token"], "; ".join(problems) or "as expected"), flush=True)
        for line in registration_table(self.reg):
            print("  " + line, flush=True)

    @staticmethod
    def reg_check(regs, want, n, problems, run, changed):
        """The registration GETs per extension against ``want``; one token; stats.changed."""
        if regs != want:
            extra = sorted(i for i in set(regs) | set(want) if regs.get(i, 0) != want.get(i, 0))
            problems.append("registration GETs: %d, expected %d (%d extensions off, e.g. %s)"
                            % (sum(regs.values()), sum(want.values()), len(extra), extra[:5]))
        if n["token"] != 1 or n["listing"]:
            problems.append("%d token requests, %d listing requests (expected 1 and 0)" % (n["token"], n["listing"]))
        if run["result"]["stats"]["changed"] != changed:
            problems.append("stats.changed %s, expected %d" % (run["result"]["stats"]["changed"], changed))


class Bench(RegistrationRuns):
    """Every measurement of a run of the bench; the registrations' in :class:`RegistrationRuns`."""

    def __init__(self, opts, workdir):
        self.opts = opts
        self.workdir = workdir
        self.latency = opts.latency_ms / 1000.0
        self.rows = []
        self.notes = []
        self.problems = []
        self.empty = 0.0
        self.mem = None
        self.costs = []  # (tree label, module_cost.measure(...))
        self.unreachable_rows = []
        self.role = None  # the role against one task: see role_against_task
        self.reg = None  # check_registrations: see registrations
        self.bulk = None  # the bulk registration read: concurrency.bulk_runs
        self.concurrency = None  # parallel auto against fixed values: concurrency.parallel_section
        self.eda = None  # one poll of the event sources: eda_poll.eda_section

    def module_cost(self, sim, ids, trees):
        """Start-up and CPU per request of the module of each tree, the trees taking turns."""
        results = {label: [] for label, _path in trees}
        for _round in range(self.opts.cost_rounds):
            for label, path in trees:
                results[label].append(module_cost.measure(sim, child_env(path), DESIRED, ids, self.workdir,
                                                          rounds=1))
        for label, _path in trees:
            runs = results[label]
            cost = {key: statistics.median(r[key] for r in runs)
                    for key in ("startup_few", "startup_many", "cpu_per_request_ms")}
            cost.update(few=runs[0]["few"], many=runs[0]["many"], rounds=len(runs))
            self.costs.append((label, cost))
            print("  module cost, %s: start-up %.2f s (%d items) / %.2f s (%d items), CPU %.2f ms per request"
                  % (label, cost["startup_few"], cost["few"], cost["startup_many"], cost["many"],
                     cost["cpu_per_request_ms"]), flush=True)

    def play(self, sim, task, check=False, watch=None, collections=COLLECTIONS):
        env = child_env(collections, TELPHIN_API_URL=sim.url, TELPHIN_APP_ID=APP_ID, TELPHIN_APP_SECRET=APP_SECRET)
        return run_playbook(self.workdir, task, check=check, env=env, watch=watch, sim=sim)

    def empty_task(self, sim):
        """Ansible's fixed cost: a playbook of one debug task on localhost (median of a few runs)."""
        times = [self.play(sim, {"ansible.builtin.debug": {"msg": "empty"}})["seconds"]
                 for _attempt in range(self.opts.empty_runs)]
        self.empty = statistics.median(times)
        self.notes.append("one empty task (ansible.builtin.debug): median %.2f s of %s"
                          % (self.empty, ", ".join("%.2f" % t for t in times)))

    def one_task(self, sim, ids, account_size, parallel, check, tree=None):
        drifted = drifted_of(ids)
        sim.reset_with_drift(drifted)
        task = {MODULE: dict(DESIRED, parallel=parallel, extensions=[{"extension_id": i} for i in ids])}
        run = self.play(sim, task, check=check, collections=tree[1] if tree else COLLECTIONS)
        stats = run["result"]["stats"]
        n, problems = count_requests(sim.admin("GET", "log"), ids, drifted, expect_puts=not check)
        if stats["changed"] != len(drifted):
            problems.append("stats.changed %s, expected %d" % (stats["changed"], len(drifted)))
        said = stats["requests"]
        if (said.get("GET", 0), said.get("PUT", 0), said.get("POST", 0)) != (n["GET"], n["put"], n["POST"]):
            problems.append("the task reports %s, the simulator saw GET %d PUT %d POST %d"
                            % (said, n["GET"], n["put"], n["POST"]))
        max_pages = pages_of_one_listing(account_size, parallel)
        if n["token"] > 1 or n["listing"] > max_pages:
            problems.append("%d token requests, %d listing pages (at most 1 and %d)"
                            % (n["token"], n["listing"], max_pages))
        if not check:
            stuck = [i for i in drifted if sim.admin("GET", "phone/%d" % i)["auth_type"] != DESIRED["auth_type"]]
            if stuck:
                problems.append("%d drifted extensions did not converge, e.g. %s" % (len(stuck), stuck[:5]))
        bound = (n["token"] + n["listing"]) * self.latency + (n["get"] + n["put"]) * self.latency / workers(parallel)
        self.add_row("check" if check else "real", "one task" if tree is None else "one task, %s" % tree[0],
                     len(ids), parallel, run, n, bound + self.empty, problems)

    def role_against_task(self, sim, ids, account_size):
        """The collection's audit (the role, in check mode) against one phone_properties task in check mode
        over the same phones with the same values, taking turns (which one goes first alternates)."""
        drifted = drifted_of(ids)
        reports = self.workdir / "reports"
        profiles = self.workdir / "profiles.yml"
        profiles.write_text(json.dumps(dict(
            phone_profiles=ROLE_PROFILES, phone_profile_assignments=ROLE_ASSIGNMENTS,
            phone_profiles_report_dir=str(reports), phone_profiles_parallel=self.opts.default_parallel)))
        task = {MODULE: dict(DESIRED, parallel=self.opts.default_parallel,
                             extensions=[{"extension_id": i} for i in ids])}
        env = child_env(TELPHIN_API_URL=sim.url, TELPHIN_APP_ID=APP_ID, TELPHIN_APP_SECRET=APP_SECRET)
        audit = [ANSIBLE_PLAYBOOK, AUDIT_PLAYBOOK, "--check", "-e", "@%s" % profiles]
        self.role = dict(extensions=len(ids), account=account_size, drifted=len(drifted), role=[], task=[],
                         listing_pages=pages_of_one_listing(account_size, self.opts.default_parallel))
        for round_ in range(self.opts.role_rounds):
            for side in ("role", "task") if round_ % 2 == 0 else ("task", "role"):
                sim.reset_with_drift(drifted)
                if side == "role":
                    run = run_ansible(self.workdir, audit, env, sim=sim, task_times=True)
                    summary = json.loads((reports / "phone_profiles_report.json").read_text())["summary"]
                else:
                    run = run_playbook(self.workdir, task, check=True, env=env, sim=sim, task_times=True)
                    result = run["result"]
                    summary = dict(extensions=len(result["extensions"]), drifted=result["stats"]["changed"])
                n, problems = count_requests(sim.admin("GET", "log"), ids, drifted, expect_puts=False)
                if (summary["extensions"], summary["drifted"]) != (len(ids), len(drifted)):
                    problems.append("%s extensions, %s drifting; expected %d and %d"
                                    % (summary["extensions"], summary["drifted"], len(ids), len(drifted)))
                listing = self.role["listing_pages"] if side == "role" else 0
                if n["token"] != 1 or n["listing"] != listing or n["listing_repeats"]:
                    problems.append("%d token requests, %d listing requests, %d of a page asked for before "
                                    "(expected 1, %d and 0)" % (n["token"], n["listing"], n["listing_repeats"], listing))
                self.role[side].append(dict(seconds=run["seconds"], n=n, problems=problems,
                                            steps=steps_of(run)))
                self.problems += ["%s, round %d: %s" % (ROLE_SIDES[side], round_ + 1, p) for p in problems]
                print("  %-4s round %d  %6.2f s  API %5.2f s  token %d  listing %2d  GET %4d  PUT %d  %s" % (
                    side, round_ + 1, run["seconds"], n.get("api_seconds", 0), n["token"], n["listing"], n["get"],
                    n["put"], "; ".join(problems) or "as expected"), flush=True)
        for line in role_table(self.role):
            print("  " + line, flush=True)

    def unreachable(self, sim, ids, trees):
        """How long a task of 20 extensions takes to fail against an API that does not answer (issue 9)."""
        for label, path in trees:
            task = {MODULE: dict(DESIRED, extensions=[{"extension_id": i} for i in ids[:20]]), "ignore_errors": True}
            env = child_env(path, TELPHIN_API_URL="http://127.0.0.1:1", TELPHIN_APP_ID=APP_ID,
                            TELPHIN_APP_SECRET=APP_SECRET)
            run = run_playbook(self.workdir, task, env=env)
            result = run["result"]
            requests = (result.get("stats") or {}).get("requests") or {}
            self.unreachable_rows.append(dict(tree=label, seconds=run["seconds"], msg=(result.get("msg") or "")[:90],
                                              requests=requests.get("total", requests.get("POST", "?"))))
            print("  unreachable API, 20 extensions, %s: %.1f s, %s requests" % (
                label, run["seconds"], self.unreachable_rows[-1]["requests"]), flush=True)

    def loop(self, sim, ids, check):
        """What users do today: a loop over single-extension tasks."""
        drifted = drifted_of(ids)
        sim.reset_with_drift(drifted)
        task = {MODULE: dict(DESIRED, extension_id="{{ item }}"), "loop": ids}
        run = self.play(sim, task, check=check)
        n, problems = count_requests(sim.admin("GET", "log"), ids, drifted, expect_puts=not check)
        changed = sum(1 for item in run["result"]["results"] if item.get("changed"))
        if changed != len(drifted):
            problems.append("%d items changed, expected %d" % (changed, len(drifted)))
        bound = (n["token"] + n["listing"] + n["get"] + n["put"]) * self.latency + self.empty
        self.add_row("check" if check else "real", "loop", len(ids), 1, run, n, bound, problems)

    def add_row(self, mode, how, extensions, parallel, run, n, bound, problems):
        seconds = run["seconds"]
        self.rows.append(dict(mode=mode, how=how, extensions=extensions, parallel=parallel, seconds=seconds,
                              ms_per_ext=seconds * 1000.0 / extensions, n=n, bound=bound, ratio=seconds / bound,
                              ansible_cpu=run["ansible_cpu"], sim_cpu=run["sim_cpu"], problems=problems))
        print("  %-5s %-8s %6d ext  parallel %4s  %7.2f s  %s" % (
            mode, how, extensions, parallel, seconds, "; ".join(problems) or "requests as expected"), flush=True)
        for problem in problems:
            self.problems.append("%s %s, %d extensions, parallel %s: %s" % (mode, how, extensions, parallel, problem))

    def memory(self, sim, ids):
        """Peak RSS of one real run over many extensions: the module alone, then through ansible-playbook."""
        drifted = drifted_of(ids)
        items = [{"extension_id": i} for i in ids]
        sim.reset_with_drift(drifted)
        seconds, result, exact, polled = run_module_directly(
            self.workdir, dict(DESIRED, api_url=sim.url, app_id=APP_ID, app_secret=APP_SECRET, extensions=items))
        n, problems = count_requests(sim.admin("GET", "log"), ids, drifted, expect_puts=True)
        self.mem = dict(extensions=len(ids), drifted=len(drifted), module_seconds=seconds, module_exact=exact,
                        module_polled=polled, module_changed=result["stats"]["changed"], n=n)
        self.problems += ["memory run (module run directly): " + problem for problem in problems]

        sim.reset_with_drift(drifted)
        watch = []
        run = self.play(sim, {MODULE: dict(DESIRED, extensions=items)}, watch=watch)
        n, problems = count_requests(sim.admin("GET", "log"), ids, drifted, expect_puts=True)
        self.problems += ["memory run (ansible-playbook): " + problem for problem in problems]
        poller = watch[0]
        root = poller.root.pid
        self.mem.update(
            playbook_seconds=run["seconds"], playbook_changed=run["result"]["stats"]["changed"],
            controller=poller.peaks.get(root, 0),
            module_in_playbook=poller.peak_of(lambda pid, cmd: "AnsiballZ" in cmd),
            workers=poller.peak_of(lambda pid, cmd: pid != root and "AnsiballZ" not in cmd),
            tree=poller.tree_peak)
        print("  memory: module %.0f MiB (run directly), controller %.0f MiB"
              % (exact / MIB, self.mem["controller"] / MIB), flush=True)


# ---------------------------------------------------------------------------------------------------------
# the role against one task

ROLE_SIDES = {"role": "`ansible-playbook %s --check` (the role)" % AUDIT_PLAYBOOK,
              "task": "one `%s` task, `--check`" % MODULE}
START_UP, THE_END = "(start-up: Python, Ansible, reading the playbook)", "(the end: stats, exit)"
MODULE_STEP = "the task of the module (phone_profiles in the role; phone_properties)"
PBX_MODULES = ("telphin.pbx.phone_profiles", "telphin.pbx.phone_properties")


def steps_of(run):
    """``[(step, seconds, ran)]`` of one ansible-playbook run: start-up to the first task, each task (from its
    start to the next one's, as task_times writes them) and the end (stats, exit); the steps sum to the run.
    The task that runs the module (phone_profiles or phone_properties) is the step MODULE_STEP."""
    times = run.get("task_times") or {"tasks": [], "stats": run["ended"]}
    tasks = times["tasks"]
    first = tasks[0]["start"] if tasks else times["stats"]
    steps = [(START_UP, first - run["started"], True)]
    steps += [(MODULE_STEP if t["action"] in PBX_MODULES else t["name"], t["end"] - t["start"], t["ran"])
              for t in tasks]
    steps.append((THE_END, run["ended"] - times["stats"], True))
    return steps


def median_steps(runs):
    """The steps of a side's runs with the median seconds of each, in the order they ran."""
    names = list(dict.fromkeys(name for run in runs for name, _seconds, _ran in run["steps"]))
    medians = []
    for name in names:
        seconds = [sum(s for n, s, _ran in run["steps"] if n == name) for run in runs]
        ran = any(r for run in runs for n, _s, r in run["steps"] if n == name)
        medians.append((name, statistics.median(seconds), ran))
    return medians


def role_table(role):
    """The side-by-side table of the role's section: median seconds, ratio, requests."""
    task_median = statistics.median(r["seconds"] for r in role["task"])
    lines = ["| run | median s | runs s | ratio to the task | API s | token requests | listing requests "
             "| phone GETs | PUTs | requests |", "|---|--:|---|--:|--:|--:|--:|--:|--:|---|"]
    for side in ("role", "task"):
        runs = role[side]
        median = statistics.median(r["seconds"] for r in runs)

        def counts(key, runs=runs):
            return "/".join(str(v) for v in sorted({r["n"][key] for r in runs}))
        lines.append("| %s | %.2f | %s | %.2f | %.2f | %s | %s | %s | %s | %s |" % (
            ROLE_SIDES[side], median, ", ".join("%.2f" % r["seconds"] for r in runs), median / task_median,
            statistics.median(r["n"].get("api_seconds", 0) for r in runs), counts("token"), counts("listing"),
            counts("get"), counts("put"), "**off**" if any(r["problems"] for r in runs) else "ok"))
    return lines


def role_report(role):
    if not role:
        return []
    role_median = statistics.median(r["seconds"] for r in role["role"])
    task_median = statistics.median(r["seconds"] for r in role["task"])
    lines = ["", "## The role against one task: an audit of %d phones" % role["extensions"], "",
             "`ansible-playbook %s --check -e @profiles.yml`, one profile (`%s`) with `match: {}` over every phone "
             "of an account of %d extensions (%d phones, %d drifting), against one `%s` task in check mode over "
             "the same phones by `extension_id`, with the same values and `parallel`. %d rounds, the two taking "
             "turns (which one goes first alternates); medians. Requests from the simulator's log; one listing "
             "of this account is %d requests (%d a page)."
             % (AUDIT_PLAYBOOK, json.dumps(DESIRED), role["account"], role["extensions"], role["drifted"], MODULE,
                len(role["role"]), role["listing_pages"], LIST_PAGE_SIZE), ""]
    lines += role_table(role)
    # Runs of one round ran one after the other, under about the same load: their ratio drifts less.
    paired = [r["seconds"] / t["seconds"] for r, t in zip(role["role"], role["task"])]
    lines += ["", "- role / task, round by round: %s; median %.2f" % (
        ", ".join("%.2f" % ratio for ratio in paired), statistics.median(paired))]
    role_steps, task_steps = median_steps(role["role"]), median_steps(role["task"])
    task_seconds = {name: seconds for name, seconds, _ran in task_steps}  # start-up, the module's task, the end
    lines += ["", "Where the time goes, per step of the run (the task_times callback: a task lasts from its start to "
              "the next one's start; the median of each step, so the steps add up to about the median run):", "",
              "| step of the role's run | role: median s | share of the run | the one task's run: median s |",
              "|---|--:|--:|--:|"]
    for name, seconds, ran in role_steps:
        other = task_seconds.get(name)
        lines.append("| %s%s | %.2f | %.0f%% | %s |" % (
            name.replace("|", "/"), "" if ran else " (skipped)", seconds, 100.0 * seconds / role_median,
            "%.2f" % other if other is not None else ""))
    role_seconds = {name: seconds for name, seconds, _ran in role_steps}
    others = [seconds for name, seconds, _ran in role_steps if name not in task_seconds]
    lines += ["", "- the role's median run is %.2f s longer than the task's: the task of the module %+.2f s, "
              "start-up and end %+.2f s, and the role's %d other tasks %.2f s (the medians of the steps need not "
              "add up exactly to that of the runs)" % (
                  role_median - task_median, role_seconds.get(MODULE_STEP, 0) - task_seconds.get(MODULE_STEP, 0),
                  role_seconds[START_UP] + role_seconds[THE_END] - task_seconds[START_UP] - task_seconds[THE_END],
                  len(others), sum(others))]
    return lines


def role_target(role):
    if not role:
        return []
    runs = role["role"]
    ratio = statistics.median(r["seconds"] for r in runs) / statistics.median(r["seconds"] for r in role["task"])
    tokens_ok = all(r["n"]["token"] == 1 for r in runs)
    listing_ok = all(r["n"]["listing"] == role["listing_pages"] and not r["n"]["listing_repeats"] for r in runs)
    return ["- the audit through the role at most %gx one %s task over the same %d phones: %s, %.2fx"
            % (TARGET_ROLE_RATIO, MODULE, role["extensions"], verdict(ratio <= TARGET_ROLE_RATIO), ratio),
            "- the role's run: exactly one token request (%s: %s) and the listing read once (%s: %s requests, one "
            "listing being %d, no page asked for twice)"
            % (verdict(tokens_ok), "/".join(str(r["n"]["token"]) for r in runs),
               verdict(listing_ok), "/".join(str(r["n"]["listing"]) for r in runs), role["listing_pages"])]


# ---------------------------------------------------------------------------------------------------------
# check_registrations

REG_SIDES = {"plain": "one real `%s` task" % MODULE,
             "watched": "the same with `check_registrations: true, registration_wait: 0`"}


def registration_table(reg):
    """Median seconds, ratio and the exact requests of the real runs with and without check_registrations,
    and of the check-mode run."""
    plain_median = statistics.median(r["seconds"] for r in reg["plain"])
    lines = ["| run | median s | runs s | ratio to without | registration GETs: seen / expected (before + after) "
             "| phone GETs | PUTs | tokens | API s | requests |", "|---|--:|---|--:|--:|--:|--:|--:|--:|---|"]

    def counts(runs, key):
        return "/".join(str(v) for v in sorted({r["n"][key] for r in runs}))
    for side in ("plain", "watched"):
        runs = reg[side]
        median = statistics.median(r["seconds"] for r in runs)
        lines.append("| %s | %.2f | %s | %.2f | %s / %d (%d + %d) | %s | %s | %s | %.2f | %s |" % (
            REG_SIDES[side], median, ", ".join("%.2f" % r["seconds"] for r in runs), median / plain_median,
            "/".join(str(v) for v in sorted({r["regs"] for r in runs})), runs[0]["want"], runs[0]["before"],
            runs[0]["after"], counts(runs, "get"), counts(runs, "put"), counts(runs, "token"),
            statistics.median(r["n"].get("api_seconds", 0) for r in runs),
            "**off**" if any(r["problems"] for r in runs) else "exact"))
    check = reg["check"]
    if check:
        lines.append("| check mode, `auth_type` drifting, `check_registrations: true` | %.2f | %.2f | | %d / %d "
                     "(one per drifting phone) | %d | %d | %d | %.2f | %s |" % (
                         check["seconds"], check["seconds"], check["regs"], check["want"], check["n"]["get"],
                         check["n"]["put"], check["n"]["token"], check["n"].get("api_seconds", 0),
                         "**off**" if check["problems"] else "exact"))
    return lines


def registration_report(reg):
    if not reg:
        return []
    plain = [r["seconds"] for r in reg["plain"]]
    watched = [r["seconds"] for r in reg["watched"]]
    lines = ["", "## check_registrations on %d phones" % reg["extensions"], "",
             "An account of %d extensions; %d of the %d phones drift in `%s` (the task asks for %s, the account's "
             "default; a field that logs no device out). One real `%s` task over the %d phones by `extension_id`, "
             "`parallel` %s, without and with `check_registrations: true, registration_wait: 0`, taking turns for "
             "%d rounds (which one goes first alternates), the simulator reset before each run; medians. Expected "
             "registration GETs: one per written phone before the writes, and one per written phone that was "
             "registered (from the account's seed; the simulator's own view agreed or a problem is listed) after "
             "them. Then one check-mode run with `check_registrations: true`, the drift (%d phones) in "
             "`auth_type`: one registration GET per drifting phone expected. `exact`: every extension got exactly "
             "the registration GETs expected, one phone GET each, one PUT per written phone, one token, no other "
             "request, and `stats.changed` is the number drifting."
             % (reg["account"], reg["drifted"], reg["extensions"], REG_FIELD, reg["desired"], MODULE,
                reg["extensions"], reg["parallel"], len(plain), reg["drifted"]), ""]
    lines += registration_table(reg)
    paired = [w["seconds"] / p["seconds"] for p, w in zip(reg["plain"], reg["watched"])]
    lines += ["", "- with / without, round by round: %s; median %.2f; the median run %+.2f s" % (
        ", ".join("%.2f" % r for r in paired), statistics.median(paired),
        statistics.median(watched) - statistics.median(plain))]
    return lines


def registration_target(reg):
    if not reg:
        return []
    runs = reg["watched"] + reg["plain"] + ([reg["check"]] if reg["check"] else [])
    off = [r for r in runs if r["problems"]]
    return ["- check_registrations: the requests exactly as expected (%d + %d registration GETs a real run, %d in "
            "check mode; one phone GET each, the PUTs, one token): %s, %d of %d runs"
            % (reg["watched"][0]["before"], reg["watched"][0]["after"], reg["drifted"], verdict(not off),
               len(runs) - len(off), len(runs))]


# ---------------------------------------------------------------------------------------------------------
# report


def loop_baseline(rows, mode):
    """ms per extension of the loop in this mode (or of the real loop when only that one ran)."""
    loops = {r["mode"]: r["ms_per_ext"] for r in rows if r["how"] == "loop"}
    return loops.get(mode) or loops.get("real")


def report(bench, opts):
    rows = bench.rows
    lines = [
        "# telphin.pbx.phone_properties benchmark",
        "",
        "%s. Simulator in its own process, %g ms of latency per request; every %dth targeted phone drifts "
        "(`%s`, desired `%s`). %d CPUs, load average %.2f at the end. Seconds: wall time of the whole "
        "ansible-playbook process." % (time.strftime("%Y-%m-%d %H:%M"), opts.latency_ms, DRIFT_EVERY,
                                       json.dumps(DRIFT), json.dumps(DESIRED), os.cpu_count(), os.getloadavg()[0]),
    ]
    if rows:
        lines += one_task_report(bench, opts)
    lines += role_report(bench.role)
    lines += registration_report(bench.reg)
    lines += concurrency.bulk_report(bench.bulk)
    lines += concurrency.parallel_report(bench.concurrency)
    lines += eda_poll.eda_report(bench.eda)
    if not rows:  # else the notes follow the table of the one-task runs
        lines += [""] + ["- " + note for note in bench.notes]
    mem = bench.mem
    if mem:
        lines += memory_report(mem, opts)

    lines += ["", "## Targets", ""]
    if (opts.extensions, opts.loop_extensions, opts.memory_extensions, opts.role_extensions) != (1000, 100, 10000,
                                                                                                 1000):
        lines += ["The targets are set for 1,000 extensions (loop: 100; memory: 10,000; role: 1,000); at the sizes "
                  "of this run the verdicts are only indicative.", ""]
    if rows:
        lines += targets(rows, [r for r in rows if r["how"] == "one task"], mem, opts.default_parallel)
    lines += role_target(bench.role)
    lines += registration_target(bench.reg)
    lines += concurrency.bulk_target(bench.bulk)
    lines += concurrency.parallel_target(bench.concurrency)
    if bench.problems:
        lines += ["", "## Problems seen", ""] + ["- " + p for p in bench.problems]
    return "\n".join(lines) + "\n"


def one_task_report(bench, opts):
    """The one-task runs, the loop, best parallel, the --compare runs, the module's cost, an unreachable API."""
    rows = bench.rows
    lines = [
        "",
        "| mode | how | extensions | parallel | seconds | ms / ext | API s | CPU s ansible / sim | GET / PUT / POST "
        "| per ext | lower bound s | ratio to bound | speed-up / ext vs loop | requests |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        n, ext = r["n"], r["extensions"]
        base = loop_baseline(rows, r["mode"])
        lines.append("| %s | %s | %d | %s | %.2f | %.1f | %.2f | %.1f / %.1f | %d / %d / %d | %.3f / %.3f / %.3f "
                     "| %.2f | %.2f | %s | %s |" % (
                         r["mode"], r["how"], ext, r["parallel"], r["seconds"], r["ms_per_ext"],
                         n.get("api_seconds", 0), r["ansible_cpu"], r["sim_cpu"], n["GET"], n["put"], n["POST"],
                         n["GET"] / ext, n["put"] / ext, n["POST"] / ext, r["bound"], r["ratio"],
                         "%.1fx" % (base / r["ms_per_ext"]) if base else "-", "**off**" if r["problems"] else "ok"))
    lines += [
        "",
        "- GET: the listing pages (%s here) and one GET per extension; POST: token requests. API s: first to "
        "last request the simulator saw. CPU s: ansible-playbook with its workers and the module / the "
        "simulator, during the run (the machine has %d CPUs)." % (
            ", ".join(sorted({str(r["n"]["listing"]) for r in rows if r["how"] == "one task"})), os.cpu_count()),
        "- Lower bound: (token + listing pages) x latency + (GETs + PUTs) x latency / parallel + one empty task; "
        "in the loop every request is serial; for parallel auto, the most it may use (%d)." % MOST_PARALLEL,
    ]
    if not any(r["how"] == "loop" and r["mode"] == "check" for r in rows):
        lines.append("- The check-mode runs are compared with the real loop (the check-mode loop did not run; "
                     "`--loop-check`).")
    lines += ["- " + note for note in bench.notes]

    one = [r for r in rows if r["how"] == "one task"]
    lines += ["", "## Best parallel", ""]
    for mode in ("check", "real"):
        runs = sorted((r for r in one if r["mode"] == mode), key=lambda r: r["seconds"])
        if runs:
            best = runs[0]
            near = min((r["parallel"] for r in runs if r["seconds"] <= best["seconds"] * 1.1), key=workers)
            lines.append("- %s: fastest with parallel %s (%.2f s); the smallest parallel within 10%% of it: %s. "
                         "All: %s" % (mode, best["parallel"], best["seconds"], near,
                                      ", ".join("%s: %.2f s" % (r["parallel"], r["seconds"]) for r in runs)))

    lines += side_by_side(rows)
    lines += cost_report(bench.costs)
    if bench.unreachable_rows:
        lines += ["", "## An unreachable API", "",
                  "One task of 20 extensions against `http://127.0.0.1:1` (nothing listens): the wall time "
                  "until the task fails, and the connection attempts it made.", "",
                  "| tree | seconds | requests attempted | the task's message begins |", "|---|--:|--:|---|"]
        lines += ["| %s | %.1f | %s | %s |" % (r["tree"], r["seconds"], r["requests"], r["msg"].replace("|", "/"))
                  for r in bench.unreachable_rows]
    return lines


def memory_report(mem, opts):
    return [
        "", "## Memory: one real run over %d extensions (%d drifted), parallel %s (the default)"
        % (mem["extensions"], mem["drifted"], opts.default_parallel), "",
        "- the module run directly with an args file: peak RSS **%.1f MiB** (the kernel's ru_maxrss; polled "
        "%.1f MiB); %.1f s, %d changed; GET / PUT / POST %d / %d / %d, of which %d listing pages" % (
            mem["module_exact"] / MIB, mem["module_polled"] / MIB, mem["module_seconds"], mem["module_changed"],
            mem["n"]["GET"], mem["n"]["put"], mem["n"]["POST"], mem["n"]["listing"]),
        "- the same task through ansible-playbook, polled every 50 ms: controller %.1f MiB, module process "
        "%.1f MiB, largest worker %.1f MiB, all of them at once %.1f MiB; %.1f s, %d changed" % (
            mem["controller"] / MIB, mem["module_in_playbook"] / MIB, mem["workers"] / MIB, mem["tree"] / MIB,
            mem["playbook_seconds"], mem["playbook_changed"]),
    ]


def side_by_side(rows):
    """The --compare runs: median seconds per tree and mode, and the ratio to the first tree."""
    compared = [r for r in rows if r["how"].startswith("one task, ")]
    if not compared:
        return []
    trees = list(dict.fromkeys(r["how"][len("one task, "):] for r in compared))
    lines = ["", "## Side by side (parallel %s, %d extensions, the trees taking turns)"
             % (compared[0]["parallel"], compared[0]["extensions"]), "",
             "| mode | " + " | ".join("%s: median s (runs)" % t for t in trees) + " | ratio to %s |" % trees[0],
             "|---|" + "--:|" * len(trees) + "---|"]
    for mode in ("check", "real"):
        medians = []
        cells = []
        for tree in trees:
            times = [r["seconds"] for r in compared if r["mode"] == mode and r["how"].endswith(", " + tree)]
            medians.append(statistics.median(times))
            cells.append("%.2f (%s)" % (medians[-1], ", ".join("%.2f" % t for t in times)))
        ratios = ", ".join("%.2f" % (m / medians[0]) for m in medians)
        lines.append("| %s | %s | %s |" % (mode, " | ".join(cells), ratios))
    return lines


def cost_report(costs):
    """The module's start-up and CPU per request, per tree, with the ratio to the first tree."""
    if not costs:
        return []
    first = costs[0][1]
    lines = ["", "## The module's own cost", "",
             "Run directly in check mode (`tests/bench/module_cost.py`); medians of %d rounds, the trees taking "
             "turns. Start-up: process start to the first request the simulator sees. CPU per request: the "
             "module process's CPU, the run over %d extensions minus the run over %d, per request."
             % (first["rounds"], first["many"], first["few"]), "",
             "| tree | start-up, %d items (s) | start-up, %d items (s) | CPU per request (ms) | ratio to %s |"
             % (first["few"], first["many"], costs[0][0]),
             "|---|--:|--:|--:|---|"]
    for label, cost in costs:
        lines.append("| %s | %.2f | %.2f | %.2f | start-up %.2f / %.2f, CPU %.2f |" % (
            label, cost["startup_few"], cost["startup_many"], cost["cpu_per_request_ms"],
            cost["startup_few"] / first["startup_few"], cost["startup_many"] / first["startup_many"],
            cost["cpu_per_request_ms"] / first["cpu_per_request_ms"]))
    return lines


def verdict(ok):
    return "**met**" if ok else "**not met**"


def targets(rows, one, mem, default_parallel):
    out = []
    biggest = max((r["extensions"] for r in one), default=0)
    for mode in ("real", "check"):
        runs = [r for r in one if r["mode"] == mode and r["extensions"] == biggest]
        base = loop_baseline(rows, mode)
        if runs and base:
            best = min(runs, key=lambda r: r["ms_per_ext"])
            default = [r for r in runs if r["parallel"] == default_parallel]
            out.append("- one task at least %gx faster per extension than the loop (%s, %d extensions): %s, %.1fx "
                       "at the best parallel (%s)%s" % (
                           TARGET_SPEEDUP, mode, biggest, verdict(base / best["ms_per_ext"] >= TARGET_SPEEDUP),
                           base / best["ms_per_ext"], best["parallel"],
                           "; %.1fx at parallel %s (the default)" % (base / default[0]["ms_per_ext"], default_parallel)
                           if default else ""))
    if one:
        good = [r for r in one if r["ratio"] <= TARGET_BOUND_RATIO]
        out.append("- within %gx the lower bound: %s; %d of %d runs are within it (%s)" % (
            TARGET_BOUND_RATIO, verdict(len(good) == len(one)), len(good), len(one),
            ", ".join("%s p%s: %.2f" % (r["mode"], r["parallel"], r["ratio"]) for r in one)))
        off = [r for r in one if r["problems"]]
        out.append("- exactly one GET per extension, one PUT per drifted extension, at most one token request and "
                   "the listing pages: %s; %d of %d runs sent exactly that" % (
                       verdict(not off), len(one) - len(off), len(one)))
    if mem:
        out.append("- under %g MiB for %d extensions: %s, module process %.1f MiB (controller %.1f MiB)" % (
            TARGET_MIB, mem["extensions"], verdict(mem["module_exact"] / MIB < TARGET_MIB),
            mem["module_exact"] / MIB, mem["controller"] / MIB))
    return out


# ---------------------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--parallel", default=None,
                        help="comma-separated values of parallel, integers or auto (default 1,4,8,16,32,auto)")
    parser.add_argument("--extensions", type=int, default=None, help="extensions of the one-task runs (1000)")
    parser.add_argument("--loop-extensions", type=int, default=None, help="extensions of the loop runs (100)")
    parser.add_argument("--memory-extensions", type=int, default=None, help="extensions of the memory run (10000)")
    parser.add_argument("--latency-ms", type=float, default=20, help="simulator latency per request (20)")
    parser.add_argument("--loop-check", action="store_true", help="also run the loop in check mode (+1 min)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: everything small")
    parser.add_argument("--compare", metavar="REF", default=None,
                        help="also run the module of this git ref (e.g. a commit before a change), side by side: "
                             "parallel 16, check and real, and the module's own cost")
    parser.add_argument("--cost-rounds", type=int, default=None, help="rounds of the module-cost runs (5)")
    parser.add_argument("--role-extensions", type=int, default=None,
                        help="phones of the role's audit against one task (1000; 0: not run)")
    parser.add_argument("--role-rounds", type=int, default=None, help="rounds of the role against one task (5)")
    parser.add_argument("--registration-extensions", type=int, default=None,
                        help="phones of the check_registrations section (1000; 0: not run)")
    parser.add_argument("--registration-rounds", type=int, default=None,
                        help="rounds of the check_registrations section (3)")
    parser.add_argument("--only", choices=["role", "registrations", "bulk", "eda", "parallel"], default=None,
                        help="run only this section: role (the audit playbook against one task, about 2 minutes), "
                             "registrations (check_registrations on 1,000 phones, about 3 minutes), bulk "
                             "(registration_info's bulk read, about a minute), eda (one poll of the event sources on "
                             "1,000 phones, about a minute), parallel (auto against fixed values; run only when "
                             "asked for)")
    concurrency.add_options(parser)
    eda_poll.add_options(parser)
    parser.add_argument("--out", default=str(ROOT / "tests" / "bench" / "results" / "latest.md"),
                        help="markdown report (default tests/bench/results/latest.md)")
    opts = parser.parse_args(argv)
    quick = opts.quick
    opts.parallel = [p if p == "auto" else int(p)
                     for p in (opts.parallel or ("1,8" if quick else "1,4,8,16,32,auto")).split(",")]
    opts.extensions = opts.extensions or (50 if quick else 1000)
    opts.loop_extensions = opts.loop_extensions or (5 if quick else 100)
    opts.memory_extensions = opts.memory_extensions or (1000 if quick else 10000)
    opts.empty_runs = 1 if quick else 3
    opts.cost_rounds = opts.cost_rounds or (1 if quick else 5)
    opts.role_extensions = (50 if quick else 1000) if opts.role_extensions is None else opts.role_extensions
    opts.role_rounds = opts.role_rounds or (1 if quick else 5)
    opts.registration_extensions = ((50 if quick else 1000) if opts.registration_extensions is None
                                    else opts.registration_extensions)
    opts.registration_rounds = opts.registration_rounds or (1 if quick else 3)
    concurrency.settle_options(opts)
    eda_poll.settle_options(opts)
    return opts


def main(argv=None):
    opts = parse_args(argv)
    if not (COLLECTIONS / "ansible_collections" / "telphin" / "pbx").exists():
        sys.exit("%s is missing: run `make link` first" % (COLLECTIONS / "ansible_collections/telphin/pbx"))
    opts.default_parallel = module_default_parallel()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="telphin-bench-") as tmp:
        workdir = pathlib.Path(tmp)
        bench = Bench(opts, workdir)
        if opts.only is None:
            one_task_and_loop(bench, opts, workdir)
        if opts.role_extensions and opts.only in (None, "role"):
            role_against_task(bench, opts, workdir)
        if opts.registration_extensions and opts.only in (None, "registrations"):
            registrations(bench, opts, workdir)
        if opts.bulk_extensions and opts.only in (None, "bulk"):
            concurrency.bulk_section(bench, opts, workdir)
        if opts.eda_extensions and opts.only in (None, "eda"):
            eda_poll.eda_section(bench, opts, workdir)
        if opts.only == "parallel":  # about 8 minutes: not part of the default run
            concurrency.parallel_section(bench, opts, workdir)
        if opts.only is None and opts.memory_extensions:
            memory(bench, opts, workdir)
        bench.notes.append("benchmark wall time %.0f s" % (time.monotonic() - started))

    text = report(bench, opts)
    print()
    print(text)
    out = pathlib.Path(opts.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("written to %s" % out)


def one_task_and_loop(bench, opts, workdir):
    """The one-task runs at each parallel, the loop, --compare, the module's cost and an unreachable API."""
    ids, size = generate_account(max(opts.extensions, opts.loop_extensions), workdir / "account.json")
    print("account: %d extensions; targets: %d phones (one task), %d (loop)" % (
        size, opts.extensions, opts.loop_extensions), flush=True)
    sim = SimProcess(workdir / "account.json", workdir, opts.latency_ms)
    try:
        bench.empty_task(sim)
        print("  " + bench.notes[-1], flush=True)
        for parallel in opts.parallel:
            for check in (True, False):
                bench.one_task(sim, ids[:opts.extensions], size, parallel, check)
        for check in ((True, False) if opts.loop_check else (False,)):
            bench.loop(sim, ids[:opts.loop_extensions], check)
        trees = [("this tree", COLLECTIONS)]
        if opts.compare:
            path, sha = module_cost.collection_at(opts.compare, workdir)
            trees.insert(0, ("%s (%s)" % (opts.compare, sha), path))
            for _round in range(opts.cost_rounds):
                for check in (True, False):
                    for tree in trees:
                        bench.one_task(sim, ids[:opts.extensions], size, COMPARE_PARALLEL, check, tree)
        bench.module_cost(sim, ids[:opts.extensions], trees)
        bench.unreachable(sim, ids, trees)
    finally:
        sim.stop()


def role_against_task(bench, opts, workdir):
    """The audit playbook against one task, on an account of its own whose phones are just those compared."""
    ids, size = generate_account_of_phones(opts.role_extensions, workdir / "role.json")
    print("role account: %d extensions, %d phones" % (size, len(ids)), flush=True)
    sim = SimProcess(workdir / "role.json", workdir, opts.latency_ms)
    try:
        bench.role_against_task(sim, ids, size)
    finally:
        sim.stop()


def registrations(bench, opts, workdir):
    """check_registrations on an account of its own (about 70% of its active phones registered)."""
    seed = workdir / "registrations.json"
    ids, size = generate_account(opts.registration_extensions, seed)
    print("registrations account: %d extensions, %d phones targeted" % (size, len(ids)), flush=True)
    sim = SimProcess(seed, workdir, opts.latency_ms)
    try:
        bench.registrations(sim, ids, size, seed)
    finally:
        sim.stop()


def memory(bench, opts, workdir):
    big_ids, big_size = generate_account(opts.memory_extensions, workdir / "big.json")
    print("memory account: %d extensions" % big_size, flush=True)
    sim = SimProcess(workdir / "big.json", workdir, opts.latency_ms)
    try:
        bench.memory(sim, big_ids)
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
