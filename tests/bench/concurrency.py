# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sections of the benchmark for issue 25, point 4: the bulk registration read (``--only bulk``) and the option
``parallel``, ``auto`` against fixed values (``--only parallel``). See README.md here.

- bulk: ``telphin.pbx.registration_info`` over a whole account (no extension named) with the simulator serving
  the bulk read at ``/extension/registration/``, only at ``/client/@me/registration/``, or not at all (reading
  ``registration_bulk``): registration requests, total requests and time of each.
- parallel: one real ``telphin.pbx.phone_properties`` task writing one field on each of N phones, ``parallel``
  ``auto`` against fixed values, at each latency; then against a simulator that refuses more than a few
  requests in flight (reading ``concurrency_429``): time, and the 429 answers counted from its log.

The runs, the simulator and the request counts are bench.py's (imported as ``B``, used only inside functions:
when bench.py runs as a script it imports this module before it has defined them).
"""

from __future__ import annotations

import math
import re
import statistics

import bench as B

REGISTRATION_INFO = "telphin.pbx.registration_info"
BULK_PATH = re.compile(r"^/api/ver1\.0/(extension|client/[^/]+)/registration/$")
# (key, label, readings): where the simulator serves the bulk read; reset restores its start readings.
BULK_VARIANTS = (
    ("extension", "bulk read at `/extension/registration/`", {"registration_bulk": "extension"}),
    ("client", "bulk read only at `/client/@me/registration/`", {"registration_bulk": "client"}),
    ("none", "no bulk read (404): one GET per extension", {"registration_bulk": "none"}),
)

AUTO = "auto"
WRITE_FIELD = "hangup_timeout"  # not synchronised across bundles, logs no device out: one PUT per phone
CONCURRENCY_REFUSED = "concurrency_429"  # the log's ``fault`` of a request refused for the number in flight
TARGET_AUTO_RATIO = 1.15  # auto at most this times the best fixed parallel, at each latency
TARGET_REFUSED_AUTO_RATIO = 1.1  # against a server that refuses concurrency: auto against fixed = the limit
TARGET_REFUSED_SHARE = 0.05  # of auto's requests refused at most


# ---------------------------------------------------------------------------------------------------------
# options


def add_options(parser):
    """The options of these sections (``--only bulk``, ``--only parallel``)."""
    parser.add_argument("--bulk-extensions", type=int, default=None,
                        help="phones of the account of the bulk registration read (1000; 0: not run)")
    parser.add_argument("--bulk-rounds", type=int, default=None, help="rounds of the bulk registration read (3)")
    parser.add_argument("--parallel-variants", default="auto,8,16,32",
                        help="values of parallel compared at each latency (auto,8,16,32)")
    parser.add_argument("--parallel-extensions", type=int, default=None,
                        help="phones written by each run of --only parallel (1000)")
    parser.add_argument("--parallel-latencies", default="20,80", help="simulator latencies, ms (20,80)")
    parser.add_argument("--parallel-rounds", type=int, default=None, help="rounds of --only parallel (5)")
    parser.add_argument("--refusal-limit", type=int, default=6,
                        help="requests in flight the refusing simulator allows (reading concurrency_429; 6)")
    parser.add_argument("--refusal-extensions", type=int, default=None,
                        help="phones written against the refusing simulator (300)")


def settle_options(opts):
    """The sizes of these sections, small under ``--quick``."""
    quick = opts.quick
    opts.bulk_extensions = (150 if quick else 1000) if opts.bulk_extensions is None else opts.bulk_extensions
    opts.bulk_rounds = opts.bulk_rounds or (1 if quick else 3)
    opts.parallel_variants = [p if p == AUTO else int(p) for p in opts.parallel_variants.split(",")]
    opts.parallel_extensions = opts.parallel_extensions or (60 if quick else 1000)
    opts.parallel_latencies = [float(ms) for ms in opts.parallel_latencies.split(",")]
    opts.parallel_rounds = opts.parallel_rounds or (1 if quick else 5)
    opts.refusal_extensions = opts.refusal_extensions or (60 if quick else 300)


# ---------------------------------------------------------------------------------------------------------
# the log: what one run sent


def activity(log):
    """``(API seconds, peak, mean)``: from the first request's arrival to the last answer, and the requests in
    flight then as the simulator saw them (arrival to answer, latency included): what ``parallel`` gave,
    ``auto``'s choice included."""
    edges = sorted([(e["time"], 1) for e in log] + [(e["time"] + e["duration_ms"] / 1000.0, -1) for e in log])
    peak = now = 0
    for _moment, step in edges:
        now += step
        peak = max(peak, now)
    span = edges[-1][0] - edges[0][0] if edges else 0.0
    busy = sum(e["duration_ms"] for e in log) / 1000.0
    return span, peak, busy / span if span else 0.0


def is_refused(entry):
    """A request the simulator refused for the number in flight (429, reading concurrency_429)."""
    return entry["status"] == 429 and entry.get("fault") == CONCURRENCY_REFUSED


def fresh_run(bench, sim, task, readings=None):
    """The simulator reset to its seed (with ``readings`` over its own), then one ansible-playbook run of
    ``task``; ``(run, log)``."""
    sim.admin("POST", "reset")
    if readings:
        sim.admin("PATCH", "readings", readings)
    run = bench.play(sim, task)
    return run, sim.admin("GET", "log")


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def seconds_list(runs):
    return ", ".join("%.2f" % r["seconds"] for r in runs)


def flag(runs):
    return "**off**" if any(r["problems"] for r in runs) else "ok"


# ---------------------------------------------------------------------------------------------------------
# bulk: registration_info over a whole account, with and without the bulk read


def bulk_section(bench, opts, workdir):
    """The bulk registration read on an account of its own whose phones are exactly ``--bulk-extensions``."""
    seed = workdir / "bulk.json"
    ids, size = B.generate_account_of_phones(opts.bulk_extensions, seed)
    print("bulk account: %d extensions, %d phones" % (size, len(ids)), flush=True)
    sim = B.SimProcess(seed, workdir, opts.latency_ms)
    try:
        bulk_runs(bench, sim, ids, size, B.seed_facts(seed, WRITE_FIELD)[1])
    finally:
        sim.stop()


def bulk_runs(bench, sim, ids, size, registered):
    """Each variant of BULK_VARIANTS once a round, for ``--bulk-rounds`` rounds; which one goes first rotates."""
    bench.bulk = dict(phones=len(ids), account=size, registered=len(registered), latency=bench.opts.latency_ms,
                      parallel=bench.opts.default_parallel, runs={key: [] for key, _label, _r in BULK_VARIANTS})
    for round_ in range(bench.opts.bulk_rounds):
        turn = round_ % len(BULK_VARIANTS)
        order = BULK_VARIANTS[turn:] + BULK_VARIANTS[:turn]
        for key, _label, readings in order:
            run, log = fresh_run(bench, sim, {REGISTRATION_INFO: {}}, readings)
            row = bulk_row(run, log, ids, registered, served_block(sim.admin("GET", "readings"), len(ids)))
            bench.bulk["runs"][key].append(row)
            bench.problems += ["bulk registration read, %s, round %d: %s" % (key, round_ + 1, p)
                               for p in row["problems"]]
            print("  %-9s round %d  %6.2f s  registration requests: bulk %3d (%d of them 404) + per extension %4d  "
                  "total %4d  %s" % (key, round_ + 1, row["seconds"], row["bulk"], row["bulk_missing"], row["per_ext"],
                                     row["total"], "; ".join(row["problems"]) or "as expected"), flush=True)
    for line in bulk_table(bench.bulk):
        print("  " + line, flush=True)


def served_block(readings, phones):
    """The phones one block of the bulk read holds under the simulator's readings: the listing's largest page
    (``per_page_max``: the module asks for 100 a block), or every phone when a block is the whole account."""
    if readings["registration_bulk_select"] == "all":
        return phones
    return min(readings["per_page_max"], B.LIST_PAGE_SIZE)


def bulk_row(run, log, ids, registered, block):
    """One run of registration_info: its requests from the log against what the module says, and problems."""
    per_ext, rest = B.split_registration_requests(log)
    bulk = [e for e in rest if BULK_PATH.match(e["path"]) and e["method"] == "GET"]
    n, problems = B.count_requests([e for e in rest if not BULK_PATH.match(e["path"])], [], [], expect_puts=False)
    result = run["result"]
    stats = result.get("stats") or {}
    said = stats.get("registration_requests") or {}
    row = dict(seconds=run["seconds"], bulk=len(bulk), bulk_missing=sum(1 for e in bulk if e["status"] == 404),
               per_ext=sum(per_ext.values()), total=len(log), n=n, block=block, said=said,
               api_seconds=activity(log)[0], problems=problems)
    if (said.get("bulk"), said.get("per_extension")) != (row["bulk"], row["per_ext"]):
        problems.append("stats.registration_requests %s, the simulator saw bulk %d, per extension %d"
                        % (said, row["bulk"], row["per_ext"]))
    if (stats.get("requests") or {}).get("total") != len(log):
        problems.append("stats.requests %s, the simulator saw %d" % (stats.get("requests"), len(log)))
    if any(count > 1 for count in per_ext.values()):
        problems.append("%d extensions read more than once" % sum(1 for c in per_ext.values() if c > 1))
    entries = result.get("extensions") or []
    shown = sum(1 for e in entries if e.get("registered"))
    if sorted(int(e["extension_id"]) for e in entries) != sorted(ids) or shown != len(registered):
        problems.append("%d extensions returned, %d registered; expected %d and %d (the seed's)"
                        % (len(entries), shown, len(ids), len(registered)))
    if result.get("failed"):
        problems.append("the task failed: %s" % result.get("msg"))
    return row


def bulk_bound(phones, block):
    """The target's most registration requests where a bulk read exists: one a block, and one more (a first
    bulk path that is not there)."""
    return math.ceil(phones / block) + 1


def bulk_table(bulk):
    """Median seconds, the ratio to the run without the bulk read, and the requests of each variant."""
    plain = median_of(bulk["runs"]["none"], "seconds")
    lines = ["| run | median s | runs s | ratio to no bulk read | registration requests: bulk (404) + per extension "
             "| the module's stats.registration_requests | listing | token | total requests | API s | requests |",
             "|---|--:|---|--:|--:|---|--:|--:|--:|--:|---|"]
    for key, label, _readings in BULK_VARIANTS:
        runs = bulk["runs"][key]
        last = runs[-1]
        lines.append("| %s | %.2f | %s | %.2f | %s | bulk %s, per_extension %s | %s | %s | %s | %.2f | %s |" % (
            label, median_of(runs, "seconds"), seconds_list(runs), median_of(runs, "seconds") / plain,
            counts(runs, lambda r: "%d (%d) + %d" % (r["bulk"], r["bulk_missing"], r["per_ext"])),
            last["said"].get("bulk"), last["said"].get("per_extension"),
            counts(runs, lambda r: r["n"]["listing"]), counts(runs, lambda r: r["n"]["token"]),
            counts(runs, lambda r: r["total"]), median_of(runs, "api_seconds"), flag(runs)))
    return lines


def counts(runs, value):
    """The distinct values of ``value(run)`` over the runs (one when every run sent the same)."""
    return " / ".join(str(v) for v in dict.fromkeys(value(r) for r in runs))


def value_range(runs, key):
    """``low-high`` of a figure over the runs, or the one value."""
    low, high = min(r[key] for r in runs), max(r[key] for r in runs)
    return "%s" % low if low == high else "%s-%s" % (low, high)


def bulk_report(bulk):
    if not bulk:
        return []
    lines = ["", "## The bulk registration read: `%s` over %d phones" % (REGISTRATION_INFO, bulk["phones"]), "",
             "One `%s` task with no extension named (the whole account: %d extensions, %d phones, %d of them "
             "registered in the seed), `parallel` %s (the default), %g ms latency, against the simulator serving "
             "the bulk read at the vendor page's path, only at the client's path (the module tries the page's "
             "first), or nowhere (reading `registration_bulk`); %d rounds, the variants taking turns (which one "
             "goes first rotates); medians. Requests from the simulator's log; `ok`: the module's "
             "`stats.registration_requests` and `stats.requests` agree with the log, no extension is read twice, "
             "every phone is returned and as many registered as the seed has."
             % (REGISTRATION_INFO, bulk["account"], bulk["phones"], bulk["registered"], bulk["parallel"],
                bulk["latency"], len(bulk["runs"]["none"])), ""]
    return lines + bulk_table(bulk)


def bulk_target(bulk):
    """Registration requests at most ceil(phones / block) + 1 where the bulk read exists, in every run."""
    if not bulk:
        return []
    out = []
    for key, label, _readings in BULK_VARIANTS[:2]:
        runs = bulk["runs"][key]
        block = runs[0]["block"]
        most = bulk_bound(bulk["phones"], block)
        seen = [r["bulk"] + r["per_ext"] for r in runs]
        out.append("- %s: registration requests at most ceil(%d / %d) + 1 = %d: %s, %s" % (
            label, bulk["phones"], block, most, B.verdict(max(seen) <= most), " / ".join(str(s) for s in seen)))
    off = [r for runs in bulk["runs"].values() for r in runs if r["problems"]]
    out.append("- the bulk read's requests as the module says, every phone read once: %s, %d of %d runs" % (
        B.verdict(not off), sum(len(runs) for runs in bulk["runs"].values()) - len(off),
        sum(len(runs) for runs in bulk["runs"].values())))
    return out


# ---------------------------------------------------------------------------------------------------------
# parallel: auto against fixed values


def parallel_section(bench, opts, workdir):
    """``parallel`` auto against fixed values at each latency, then against a simulator that refuses more than
    ``--refusal-limit`` requests in flight (on the first latency's simulator)."""
    seed, ids, value = parallel_account(opts, workdir)
    conc = bench.concurrency = dict(value=value, auto=None, latencies=[], refusal=None)
    for latency in opts.parallel_latencies:
        sim = B.SimProcess(seed, workdir, latency)
        try:
            if conc["auto"] is None:
                conc["auto"] = accepts_auto(bench, sim, ids[:1], value)
            conc["latencies"].append(parallel_rounds(bench, sim, ids[:opts.parallel_extensions], latency))
            if conc["refusal"] is None and opts.refusal_extensions:
                conc["refusal"] = parallel_rounds(bench, sim, ids[:opts.refusal_extensions], latency,
                                                  limit=opts.refusal_limit)
        finally:
            sim.stop()


def parallel_account(opts, workdir):
    """``(seed, phone ids, value)``: an account with enough phones, and a value of WRITE_FIELD that no phone
    holds, so that every run writes every phone it is given."""
    seed = workdir / "parallel.json"
    ids, size = B.generate_account(max(opts.parallel_extensions, opts.refusal_extensions), seed)
    held = set(B.seed_facts(seed, WRITE_FIELD)[0].values())
    value = next(v for v in range(90, 10000) if v not in held)
    print("parallel account: %d extensions; %d phones written (%s: %d)"
          % (size, opts.parallel_extensions, WRITE_FIELD, value), flush=True)
    return seed, ids, value


def accepts_auto(bench, sim, ids, value):
    """Whether the module takes ``parallel: auto`` (one real write of one phone); if not, the section compares
    the fixed values only and the report says so."""
    task = {B.MODULE: {WRITE_FIELD: value, "parallel": AUTO, "extensions": [{"extension_id": i} for i in ids]},
            "ignore_errors": True}
    result = fresh_run(bench, sim, task)[0]["result"]
    if result.get("failed"):
        print("  parallel: auto is not accepted: %s" % (result.get("msg") or "")[:200], flush=True)
        return False
    return True


def variants_of(bench, limit):
    """The values of parallel compared: ``--parallel-variants``, or against a simulator that refuses more than
    ``limit`` in flight auto, the limit and 16 (for contrast); auto only if the module takes it."""
    wanted = [AUTO, limit, 16] if limit else bench.opts.parallel_variants
    return [p for p in dict.fromkeys(wanted) if p != AUTO or bench.concurrency["auto"]]


def parallel_rounds(bench, sim, ids, latency, limit=None):
    """Each variant once a round in the same order (auto, 8, 16, 32, auto, 8, ...), for ``--parallel-rounds``;
    ``limit``: the simulator refuses more requests in flight than that (reading concurrency_429). The section:
    ``{latency, phones, limit, runs: {parallel: [row of each round]}}``."""
    section = dict(latency=latency, phones=len(ids), limit=limit, runs={p: [] for p in variants_of(bench, limit)})
    readings = {"concurrency_429": limit} if limit else None
    title = "%g ms%s" % (latency, ", %d in flight at most" % limit if limit else "")
    for round_ in range(bench.opts.parallel_rounds):
        for parallel in section["runs"]:
            task = {B.MODULE: {WRITE_FIELD: bench.concurrency["value"], "parallel": parallel,
                               "extensions": [{"extension_id": i} for i in ids]}, "ignore_errors": True}
            run, log = fresh_run(bench, sim, task, readings)
            row = write_row(run, log, ids)
            section["runs"][parallel].append(row)
            bench.problems += ["parallel %s at %s, round %d: %s" % (parallel, title, round_ + 1, p)
                               for p in row["problems"]]
            print("  %s  parallel %-4s round %d  %6.2f s  API %5.2f s  requests %4d  refused %3d  in flight: peak "
                  "%2d, mean %4.1f  %s" % (title, parallel, round_ + 1, row["seconds"], row["api_seconds"],
                                           row["total"], row["refused"], row["peak"], row["mean"],
                                           "; ".join(row["problems"]) or "as expected"), flush=True)
    for line in parallel_table(section):
        print("  " + line, flush=True)
    return section


def write_row(run, log, ids):
    """One real run writing every phone of ``ids``: time, requests, refusals, in flight, and problems (the
    requests that were answered: one GET and one PUT per phone, one token; every phone written)."""
    answered = [e for e in log if not is_refused(e)]
    n, problems = B.count_requests(answered, ids, ids, expect_puts=True)
    result = run["result"]
    stats = result.get("stats") or {}
    span, peak, mean = activity(log)
    row = dict(seconds=run["seconds"], api_seconds=span, total=len(log), n=n,
               refused=len(log) - len(answered), peak=peak, mean=mean, problems=problems)
    if result.get("failed"):
        problems.append("the task failed: %s" % (result.get("msg") or "")[:300])
    if stats.get("changed") != len(ids):
        problems.append("stats.changed %s, expected %d" % (stats.get("changed"), len(ids)))
    if (stats.get("requests") or {}).get("total") != len(log):
        problems.append("stats.requests %s, the simulator saw %d" % (stats.get("requests"), len(log)))
    if n["token"] != 1:
        problems.append("%d token requests" % n["token"])
    return row


def best_fixed(section):
    """``(parallel, median s)`` of the fastest fixed value, or None."""
    fixed = [(p, median_of(runs, "seconds")) for p, runs in section["runs"].items() if p != AUTO]
    return min(fixed, key=lambda pair: pair[1]) if fixed else None


def parallel_table(section):
    """Median seconds, the ratio to the best fixed value (to the limit's, against the refusing simulator),
    API time, requests, refusals and requests in flight of each value of parallel."""
    limit = section["limit"]
    base = (limit, median_of(section["runs"][limit], "seconds")) if limit else best_fixed(section)
    lines = ["| parallel | median s | runs s | ratio to %s | API s | requests in all | answered: GET / PUT / token "
             "| refused (429) | share refused | in flight: peak (range) / mean | requests |"
             % ("fixed %d" % limit if limit else "the best fixed (%s)" % base[0]),
             "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|---|"]
    for parallel, runs in section["runs"].items():
        total, refusals = sum(r["total"] for r in runs), sum(r["refused"] for r in runs)
        lines.append("| %s | %.2f | %s | %.2f | %.2f | %s | %s | %s | %.1f%% | %s / %.1f | %s |" % (
            parallel, median_of(runs, "seconds"), seconds_list(runs), median_of(runs, "seconds") / base[1],
            median_of(runs, "api_seconds"), value_range(runs, "total"),
            counts(runs, lambda r: "%d / %d / %d" % (r["n"]["GET"], r["n"]["put"], r["n"]["token"])),
            value_range(runs, "refused"), 100.0 * refusals / total, value_range(runs, "peak"),
            median_of(runs, "mean"), flag(runs)))
    return lines


def parallel_report(conc):
    if not conc:
        return []
    lines = []
    for section in conc["latencies"]:
        lines += ["", "## `parallel`: auto against fixed values, %g ms latency" % section["latency"], "",
                  "One real `%s` task writing `%s: %d` on each of %d phones (one GET and one PUT each), %d rounds, "
                  "the values taking turns in the same order; medians. In flight: as the simulator saw the requests "
                  "(arrival to answer)." % (B.MODULE, WRITE_FIELD, conc["value"], section["phones"],
                                            len(next(iter(section["runs"].values())))), ""]
        lines += parallel_table(section) + by_round(section, best_fixed(section)[0])
    refusal = conc["refusal"]
    if refusal:
        lines += ["", "## `parallel` against a server that refuses more than %d requests in flight" % refusal["limit"],
                  "", "The simulator's reading `concurrency_429: %d` (a 429 \"concurrent request not allowed\" for "
                  "each request beyond it), %g ms latency, %d phones written; refused: those 429 answers in its "
                  "log, a share of the run's requests." % (refusal["limit"], refusal["latency"], refusal["phones"]),
                  ""]
        lines += parallel_table(refusal) + by_round(refusal, refusal["limit"])
    if not conc["auto"]:
        lines += ["", "- `parallel: auto` is not accepted by the module of this tree: only fixed values were run."]
    return lines


def by_round(section, base):
    """auto against ``base`` round by round (the two ran one after the other, under about the same load), in
    wall time and in API time (without Ansible's fixed cost)."""
    if AUTO not in section["runs"]:
        return []
    pairs = list(zip(section["runs"][AUTO], section["runs"][base]))
    wall = [a["seconds"] / b["seconds"] for a, b in pairs]
    api = [a["api_seconds"] / b["api_seconds"] for a, b in pairs]
    return ["", "- auto / %s, round by round: %s (median %.2f); in API time: %s (median %.2f)" % (
        base, ", ".join("%.2f" % r for r in wall), statistics.median(wall), ", ".join("%.2f" % r for r in api),
        statistics.median(api))]


def parallel_target(conc):
    """auto within 1.15x the best fixed value at each latency; against the refusing simulator within 1.1x of
    fixed = the limit, and at most 5% of its requests refused."""
    if not conc:
        return []
    if not conc["auto"]:
        return ["- `parallel: auto` within %gx of the best fixed value: **not measured**, the module does not "
                "accept `auto`" % TARGET_AUTO_RATIO]
    out = []
    for section in conc["latencies"]:
        best, auto = best_fixed(section), median_of(section["runs"][AUTO], "seconds")
        out.append("- auto within %gx of the best fixed parallel at %g ms: %s, %.2f s against %.2f s (parallel %s), "
                   "%.2fx" % (TARGET_AUTO_RATIO, section["latency"], B.verdict(auto <= TARGET_AUTO_RATIO * best[1]),
                              auto, best[1], best[0], auto / best[1]))
    refusal = conc["refusal"]
    if refusal:
        runs, limit = refusal["runs"], refusal["limit"]
        auto, fixed = median_of(runs[AUTO], "seconds"), median_of(runs[limit], "seconds")
        refusals, total = sum(r["refused"] for r in runs[AUTO]), sum(r["total"] for r in runs[AUTO])
        out.append("- against %d in flight at most: auto within %gx of fixed %d: %s, %.2f s against %.2f s, %.2fx"
                   % (limit, TARGET_REFUSED_AUTO_RATIO, limit, B.verdict(auto <= TARGET_REFUSED_AUTO_RATIO * fixed),
                      auto, fixed, auto / fixed))
        out.append("- against %d in flight at most: at most %g%% of auto's requests refused: %s, %.1f%% (%d of %d)"
                   % (limit, 100 * TARGET_REFUSED_SHARE, B.verdict(refusals <= TARGET_REFUSED_SHARE * total),
                      100.0 * refusals / total, refusals, total))
    return out
