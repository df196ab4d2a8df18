# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fault soak: hundreds of extensions, a third drifted, 5% of requests failing in every way the network and
the API can fail; the task is run again until it reports no failure (at most 5 runs).

The simulator's log and state are the witness: the final state is the desired one and nothing else changed;
every PUT the API accepted was reported as a change by the run that sent it, and no other extension was.
``SOAK_EXTENSIONS`` sets the size (500 in `make test`; `make soak` runs 2,000).
"""

import json
import os
import time

import pytest

from pbxsim import Simulator
from pbxsim.generator import generate

from conftest import run_tasks

PHONES = int(os.environ.get("SOAK_EXTENSIONS", "500"))
DESIRED = {"auth_type": "digest", "ignore_early_media": True}  # fields the generator never drifts
DRIFT = {"auth_type": "both", "ignore_early_media": False}
CHAOS = {"ratio": 0.05, "seed": int(os.environ.get("SOAK_SEED", "20261128")),
         "kinds": ["fail", "drop_before", "drop_after", "malformed", "rate_limited_short", "revoke_token"]}
MAX_RUNS = 5


@pytest.fixture(scope="module")
def soak_sim(tmp_path_factory):
    seed = tmp_path_factory.mktemp("soak") / "account.json"
    seed.write_text(json.dumps(generate(extensions=int(PHONES / 0.88) + 20, random_seed=7)))
    with Simulator(seed=str(seed), rate_limit=10 ** 8) as sim:
        yield sim


def run_task(sim, tmp_path, phones):
    task = {"telphin.pbx.phone_properties": dict(DESIRED, extensions=[{"extension_id": i} for i in phones])}
    results, output, _rc = run_tasks(sim, tmp_path, [task])
    assert results, output[-3000:]
    return results[0]


def test_a_fault_soak_converges_and_reports_exactly_what_the_api_applied(soak_sim, tmp_path):
    sim = soak_sim
    phones = [e["id"] for e in sim.extensions() if e["type"] == "phone" and e["client_id"] == 7000][:PHONES]
    assert len(phones) == PHONES
    drifted = set(phones[::3])
    for ext in drifted:
        sim.set_phone(ext, DRIFT)
    before = {ext: sim.phone(ext) for ext in phones}
    sim.clear_log()
    sim.set_faults({"chaos": CHAOS})

    runs = []
    for _run in range(MAX_RUNS):
        started = time.monotonic()
        result = run_task(sim, tmp_path, phones)
        log = sim.log
        sim.clear_log()
        runs.append(dict(result=result, log=log, seconds=time.monotonic() - started))
        if not result.get("failed"):
            break
    sim.clear_faults()
    fired = sum(1 for r in runs for e in r["log"] if e.get("fault"))
    print("soak: %d phones, %d drifted, %d runs, %d faults fired, %s s" % (
        PHONES, len(drifted), len(runs), fired, ", ".join("%.1f" % r["seconds"] for r in runs)))
    for run in runs[:-1]:
        print("  a run that failed: %s" % run["result"]["msg"][:600])

    assert not runs[-1]["result"].get("failed"), runs[-1]["result"]["msg"][:3000]
    assert fired >= PHONES // 20, "the chaos did not bite: %d faults" % fired
    for run in runs:
        # Every PUT the API applied was reported as a change by the run that sent it, and no other extension.
        applied = {int(e["path"].split("/")[4]) for e in run["log"]
                   if e["method"] == "PUT" and e.get("applied")}
        reported = {e["extension_id"] for e in run["result"]["extensions"] if e["changed"]}
        assert applied == reported, (sorted(applied - reported)[:10], sorted(reported - applied)[:10])
    # The final state is the desired one, and nothing else changed.
    for ext in phones:
        after = sim.phone(ext)
        expected = dict(before[ext], **DESIRED)
        assert {k: v for k, v in after.items() if k != "call_status_set_dt"} == \
            {k: v for k, v in expected.items() if k != "call_status_set_dt"}, ext
    total_changed = set().union(*({e["extension_id"] for e in r["result"]["extensions"] if e["changed"]}
                                  for r in runs))
    assert total_changed == drifted
