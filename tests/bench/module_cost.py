# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module's own cost, as figures of their own: start-up, and CPU per request.

The module runs as its own process with an args file (as Ansible runs it, without the AnsiballZ wrapper),
in check mode, against the benchmark's simulator:

- start-up: from the start of the process to the first request the simulator receives (Python, imports,
  the argument spec over every item, the targets), what every task pays before the API does any work;
- CPU per request: the module process's CPU time (the kernel's rusage), its run over many extensions minus
  its run over few, divided by the difference in requests: the client's and the runner's cost of each
  extension read.

``collection_at(ref)`` exports a git ref of the repository as a second collection tree, so that the same
figures can be taken before and after a change, side by side in one run (``bench.py --compare REF``).
"""

from __future__ import annotations

import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODULE_PY = "ansible_collections.telphin.pbx.plugins.modules.phone_properties"


def collection_at(ref, workdir):
    """A collections folder holding ``ref`` of this repository as ansible_collections/telphin/pbx."""
    sha = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout.strip()
    base = pathlib.Path(workdir) / ("collections-%s" % sha)
    dest = base / "ansible_collections" / "telphin" / "pbx"
    if not dest.exists():
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha, "plugins", "meta", "galaxy.yml"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return base, sha


def run_module(sim, env, desired, ids, workdir):
    """One check-mode run of the module over ``ids``: wall s, start-up s, CPU s, requests."""
    sim.reset_with_drift([])
    params = dict(desired, api_url=sim.url, app_id="demo-app", app_secret="demo-secret", _ansible_check_mode=True,
                  extensions=[{"extension_id": i} for i in ids])
    args = pathlib.Path(workdir) / "module-cost-args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": params}))
    started = time.time()
    with open(pathlib.Path(workdir) / "module-cost-out.json", "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", MODULE_PY, str(args)], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.time() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("the module failed: %s" % (pathlib.Path(workdir) / "module-cost-out.json").read_text()[-2000:])
    log = sim.admin("GET", "log")
    return dict(wall=wall, startup=min(e["time"] for e in log) - started,
                cpu=usage.ru_utime + usage.ru_stime, requests=len(log))


def measure(sim, env, desired, ids, workdir, rounds=3):
    """Start-up with few and with many items (median, s) and CPU per request (median slope, ms)."""
    few = ids[:max(1, len(ids) // 10)]
    small_startups, large_startups, slopes = [], [], []
    for _round in range(rounds):
        small = run_module(sim, env, desired, few, workdir)
        large = run_module(sim, env, desired, ids, workdir)
        small_startups.append(small["startup"])
        large_startups.append(large["startup"])
        slopes.append((large["cpu"] - small["cpu"]) * 1000.0 / (large["requests"] - small["requests"]))
    return dict(startup_few=statistics.median(small_startups), startup_many=statistics.median(large_startups),
                cpu_per_request_ms=statistics.median(slopes), few=len(few), many=len(ids))
