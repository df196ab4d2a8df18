# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section of the benchmark for issue 26, point 6 (``--only eda``): what one poll of the Event-Driven Ansible
sources costs over an account of 1,000 phones, in requests (what the hourly budget sees) and in CPU of the
polling process (what a decision environment pays).

The sources run in this process, as ansible-rulebook runs them: each one's ``read`` (one poll, on the
collection's client) and ``events.advance`` (the diff against the last poll), polled back to back with one
client, as a source's ``main`` does between its waits. The simulator runs in another process (bench.py's
SimProcess), so ``time.process_time()`` around a poll is the source's CPU alone, its client's threads included.
The first poll also reads ``/user/`` (the client id) and a token and is the baseline: it is reported apart.

The simulator, the account and the report's helpers are bench.py's (imported as ``B``, used only inside
functions: when bench.py runs as a script it imports this module before it has defined them).
"""

from __future__ import annotations

import importlib.util
import re
import statistics
import sys
import time

import bench as B
import concurrency

SOURCE_DIR = ("ansible_collections", "telphin", "pbx", "extensions", "eda", "plugins", "event_source")
LISTING_PATH = re.compile(r"^/api/ver1\.0/client/[^/]+/extension/$")
BULK_PATH = re.compile(r"^/api/ver1\.0/(extension|client/[^/]+)/registration/$")
# (key, source file, label, the simulator's readings after its reset)
VARIANTS = (
    ("bulk", "registrations", "`telphin.pbx.registrations`, the bulk read served (the simulator's default)", None),
    ("none", "registrations", "`telphin.pbx.registrations`, no bulk read (`registration_bulk: none`)",
     {"registration_bulk": "none"}),
    ("extensions", "extensions", "`telphin.pbx.extensions`", None),
)
SHORT = {"bulk": "registrations with the bulk read", "none": "registrations without it", "extensions": "extensions"}
EXAMPLE_LIMIT = 5000  # an example of an hourly limit, labelled as one: the simulator's is set by bench.py


# ---------------------------------------------------------------------------------------------------------
# options and the section


def add_options(parser):
    """The options of this section (``--only eda``)."""
    parser.add_argument("--eda-extensions", type=int, default=None,
                        help="phones of the account polled by the EDA sources (1000; 0: not run)")
    parser.add_argument("--eda-polls", type=int, default=None, help="polls measured after the first (5)")


def settle_options(opts):
    """The sizes of this section, small under ``--quick``."""
    quick = opts.quick
    opts.eda_extensions = (150 if quick else 1000) if opts.eda_extensions is None else opts.eda_extensions
    opts.eda_polls = opts.eda_polls or (2 if quick else 5)


def eda_section(bench, opts, workdir):
    """The sources' polls on an account of their own whose phones are exactly ``--eda-extensions``."""
    seed = workdir / "eda.json"
    ids, size = B.generate_account_of_phones(opts.eda_extensions, seed)
    print("eda account: %d extensions, %d phones" % (size, len(ids)), flush=True)
    events = collection_events()
    sim = B.SimProcess(seed, workdir, opts.latency_ms)
    try:
        bench.eda = dict(phones=len(ids), account=size, latency=opts.latency_ms, interval=events.DEFAULT_INTERVAL,
                         share_warned=events.BUDGET_SHARE,
                         variants={key: variant_polls(sim, events, key, source, readings, opts.eda_polls,
                                                      expect=len(ids) if source == "registrations" else size)
                                   for key, source, _label, readings in VARIANTS})
    finally:
        sim.stop()
    bench.problems += ["eda poll, %s: %s" % (SHORT[key], p) for key, runs in bench.eda["variants"].items()
                       for row in [runs["first"]] + runs["polls"] for p in row["problems"]]
    for line in eda_table(bench.eda) + findings(bench.eda, bench.eda["share_warned"]):
        print("  " + line, flush=True)


# ---------------------------------------------------------------------------------------------------------
# the sources, loaded as ansible-rulebook loads them


def collection_events():
    """``module_utils/events.py`` of the collection that the link points at (the sources import it so)."""
    if str(B.COLLECTIONS) not in sys.path:
        sys.path.insert(0, str(B.COLLECTIONS))
    from ansible_collections.telphin.pbx.plugins.module_utils import events
    return events


def load_source(name):
    """A source file loaded by its path under the link, as ansible-rulebook loads a source: not as a package
    module, so that what runs is the file the decision environment ships."""
    path = B.COLLECTIONS.joinpath(*SOURCE_DIR) / ("%s.py" % name)
    spec = importlib.util.spec_from_file_location("bench_eda_%s" % name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def source_args(sim):
    """The source's arguments, the connection among them (rather than TELPHIN_* in this process's environment,
    which other sections set for their children only)."""
    return dict(api_url=sim.url, app_id=B.APP_ID, app_secret=B.APP_SECRET)


# ---------------------------------------------------------------------------------------------------------
# the polls


def variant_polls(sim, events, key, name, readings, polls, expect):
    """The first poll and ``polls`` more of one source on one client, the simulator reset (with ``readings``)
    before the first: ``{first: row, polls: [row, ...]}``."""
    sim.admin("POST", "reset")
    if readings:
        sim.admin("PATCH", "readings", readings)
    source = load_source(name)
    options = events.source_options(source.NAME, source_args(sim))
    client, watch, rows = source.new_client(options.connection), events.Watch(), []
    for number in range(polls + 1):
        watch, row = one_poll(sim, events, source, client, options, watch, expect, first=not number)
        rows.append(row)
        print("  %-10s poll %d  %5.2f s  CPU %5.3f s  requests %4d (listing %d, bulk %d, per extension %d, other %d)"
              "  the source's cost %s  limit %s  events %d  %s" % (
                  key, number, row["seconds"], row["cpu"], row["total"], row["listing"], row["bulk"],
                  row["per_ext"], row["other"], row["cost"], row["limit"], row["events"],
                  "; ".join(row["problems"]) or "as expected"), flush=True)
    return dict(first=rows[0], polls=rows[1:])


def one_poll(sim, events, source, client, options, watch, expect, first):
    """One poll as the source's ``main`` makes it (``read``, then ``advance``), timed in wall and in this
    process's CPU, its requests from the simulator's log (emptied before it); ``(next watch, row)``."""
    sim.admin("DELETE", "log")
    wall, cpu = time.perf_counter(), time.process_time()
    poll = source.read(client, options, watch, time.time())
    step = events.advance(watch, poll, options)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    log = sim.admin("GET", "log")
    row = dict(by_kind(log), total=len(log), seconds=wall, cpu=cpu, cost=poll.cost, limit=poll.limit,
               events=len(step.events), not_found=sum(1 for e in log if e["status"] == 404))
    row["problems"] = poll_problems(poll, log, row, expect, first)
    return step.watch, row


def by_kind(log):
    """The requests of a poll by kind: listing pages, bulk blocks, per-extension registration GETs, the rest
    (the token and ``/user/`` of the first poll)."""
    per_ext, rest = B.split_registration_requests(log)
    counts = dict(listing=0, bulk=0, per_ext=sum(per_ext.values()), other=0)
    for entry in rest:
        if entry["method"] == "GET" and LISTING_PATH.match(entry["path"]):
            counts["listing"] += 1
        elif entry["method"] == "GET" and BULK_PATH.match(entry["path"]):
            counts["bulk"] += 1
        else:
            counts["other"] += 1
    return counts


def poll_problems(poll, log, row, expect, first):
    """What is off in a poll: an error, extensions it could not read or did not list, answers other than 2xx
    and the bulk read's 404, and the source's own count of its requests against the simulator's (the first
    poll's token and ``/user/`` come before the source starts counting)."""
    problems = []
    if poll.error or poll.unread:
        problems.append("the poll failed or was partial: %s (%d unread)" % (poll.error, len(poll.unread)))
    if len(poll.states) != expect:
        problems.append("%d extensions read, expected %d" % (len(poll.states), expect))
    odd = [e for e in log if not 200 <= e["status"] < 300 and not (e["status"] == 404 and BULK_PATH.match(e["path"]))]
    if odd:
        problems.append("%d answers not 2xx, e.g. %s %s" % (len(odd), odd[0]["status"], odd[0]["path"]))
    before = row["other"] if first else 0
    if poll.cost != row["total"] - before:
        problems.append("the source counted %s requests, the simulator saw %d (%d before it counts)"
                        % (poll.cost, row["total"], before))
    return problems


# ---------------------------------------------------------------------------------------------------------
# the report


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def hourly(requests, interval):
    """Requests an hour of a poll of ``requests`` every ``interval`` seconds."""
    return requests * 3600.0 / interval


def share(requests, interval, limit):
    """The share of an hourly ``limit`` as a percentage of two significant figures, never in exponent form
    (the simulator's limit is high: a share of it is tiny)."""
    if not limit:
        return "-"
    text = "%f" % float("%.2g" % (100.0 * hourly(requests, interval) / limit))
    return text.rstrip("0").rstrip(".") + "%"


def eda_table(eda):
    """Per source: the first poll, the medians of the polls after it, the hour at the default interval and its
    share of the hourly limit the client saw (and, labelled, of an example limit)."""
    lines = ["| source | poll | requests: listing / bulk (404) / per extension / other | all | the source's cost "
             "| wall s | CPU s | CPU ms per request | requests an hour at %g s | share of the limit seen (%s) "
             "| share of %d (example) |" % (eda["interval"], limit_seen(eda), EXAMPLE_LIMIT),
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for key, _source, label, _readings in VARIANTS:
        runs = eda["variants"][key]
        lines.append(table_row(label, "first (baseline)", [runs["first"]], eda["interval"]))
        lines.append(table_row(label, "median of %d after" % len(runs["polls"]), runs["polls"], eda["interval"]))
    return lines


def table_row(label, title, rows, interval):
    total = median(rows, "total")
    return "| %s | %s | %s | %g | %s | %.2f | %.3f | %.2f | %.0f | %s | %s |" % (
        label, title, concurrency.counts(rows, kind_text), total, concurrency.counts(rows, cost_text),
        median(rows, "seconds"), median(rows, "cpu"), 1000.0 * median(rows, "cpu") / total,
        hourly(total, interval), share(total, interval, rows[0]["limit"]), share(total, interval, EXAMPLE_LIMIT))


def kind_text(row):
    return "%d / %d (%d) / %d / %d" % (row["listing"], row["bulk"], row["not_found"], row["per_ext"], row["other"])


def cost_text(row):
    return row["cost"]


def every_row(eda):
    return [row for runs in eda["variants"].values() for row in [runs["first"]] + runs["polls"]]


def limit_seen(eda):
    """The ``X-RateLimit-Limit`` the client saw (every variant's, once)."""
    return "/".join(str(v) for v in dict.fromkeys(row["limit"] for row in every_row(eda)))


def findings(eda, share_warned):
    """The polls after the first without the bulk read against with it (requests, wall, CPU); and, at the example
    limit, the shortest interval of each source within ``share_warned`` of it (above it the source warns at
    start: ``events.BUDGET_SHARE``)."""
    bulk, none = eda["variants"]["bulk"]["polls"], eda["variants"]["none"]["polls"]
    lines = ["- without the bulk read / with it, the polls after the first: requests %.1fx, wall %.1fx, CPU %.1fx"
             % tuple(median(none, key) / median(bulk, key) for key in ("total", "seconds", "cpu"))]
    shortest = ["%s %.0f s" % (SHORT[key], median(runs["polls"], "total") * 3600.0 / (share_warned * EXAMPLE_LIMIT))
                for key, runs in eda["variants"].items()]
    lines.append("- at an hourly limit of %d (an example), the shortest interval that keeps a source within %g%% of "
                 "it (above, it warns at start): %s" % (EXAMPLE_LIMIT, 100 * share_warned, ", ".join(shortest)))
    return lines


def eda_report(eda):
    if not eda:
        return []
    polls = len(eda["variants"]["bulk"]["polls"])
    lines = ["", "## One poll of the event sources over %d phones (issue 26, point 6)" % eda["phones"], "",
             "Each source's `read` and `events.advance` run in this process on one client, as ansible-rulebook runs "
             "them, against the simulator (an account of %d extensions, %d phones, %g ms latency) in another: the "
             "first poll (the baseline; it also gets a token and reads `/user/`), then %d more back to back, the "
             "simulator reset before each source. Requests from the simulator's log (bulk: blocks of the bulk read, "
             "its 404s in brackets; other: token and `/user/`); the source's cost: what the source counted itself "
             "(from after `/user/`), which its budget checks use; CPU: `time.process_time()` of this process "
             "around the poll (the client's threads included). Requests an hour: at the default `interval` of "
             "%g s, %d polls an hour; the limit seen is the `X-RateLimit-Limit` the client was told (bench.py "
             "starts the simulator with a high one), %d an example limit only."
             % (eda["account"], eda["phones"], eda["latency"], polls, eda["interval"], 3600 / eda["interval"],
                EXAMPLE_LIMIT), ""]
    return lines + eda_table(eda) + [""] + findings(eda, eda["share_warned"])
