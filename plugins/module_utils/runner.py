# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many targets in parallel: list once, GET each, plan, check the whole plan, then PUT where needed.

The phases are strict so that nothing is written until every target has been read and the
plan as a whole is known to be sound (no bundle conflict, enough rate-limit budget). Check mode
runs the same phases and stops before the writes.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.telphin.pbx.plugins.module_utils import plan
from ansible_collections.telphin.pbx.plugins.module_utils.client import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.targets import (
    ExtensionDirectory, Target, duplicate_targets, needs_listing, resolve)

DEFAULT_PARALLEL = 16  # fastest in `make bench` (1,000 extensions, 20 ms latency): see README
MAX_PARALLEL = 32

# Errors that every other request of the task would meet too: stop instead of repeating them.
_TASK_WIDE_API_STATUSES = ("app_access_type_deny", "user_access_type_deny", "user_blocked", "rate_limit_exceeded")
_STOPPED = "the task stopped after an error that every request would meet: %s"


class PlanRefused(Exception):
    """The task as a whole cannot go ahead; nothing has been written. ``problems`` says why."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def is_task_wide(exc):
    return isinstance(exc, ApiError) and (exc.status in (401, 429) or exc.api_status in _TASK_WIDE_API_STATUSES)


def run_each(items, work, parallel):
    """Call ``work(item)`` for every item on up to ``parallel`` threads.

    A task-wide API error (credentials refused, rate limit, access level) stops the rest: the
    items not started yet are failed with that reason instead of sending requests bound to fail.
    Returns the first task-wide error, or None.
    """
    stop = threading.Event()
    reason = []

    def guarded(target):
        if stop.is_set():
            target.fail("not attempted: " + _STOPPED % reason[0])
            return
        try:
            work(target)
        except Exception as exc:  # every failure is reported per target; nothing is lost
            target.fail(str(exc) if isinstance(exc, ApiError) else "unexpected error: %r" % (exc,))
            if is_task_wide(exc) and not stop.is_set():
                reason.append(str(exc))
                stop.set()

    if parallel <= 1 or len(items) <= 1:
        for item in items:
            guarded(item)
    else:
        with ThreadPoolExecutor(max_workers=min(parallel, len(items))) as pool:
            list(pool.map(guarded, items))
    return reason[0] if reason else None


def resolve_names(client, targets):
    """Resolve names with one paged listing of the account, when any target is given by name."""
    if needs_listing(targets):
        resolve(targets, ExtensionDirectory(client.list_extensions("@me")))


def read_phones(client, targets, parallel):
    def get(target):
        target.current = client.get_phone(target.extension_id)
    return run_each([t for t in targets if not t.failed], get, parallel)


def read_phone_properties(client, targets, parallel=DEFAULT_PARALLEL, **filters):
    """Read the properties of the targets, or of every phone extension of the account when there are none.

    ``filters`` (status, name, extension_group_id) narrow the listing when there are no targets.
    """
    if targets:
        resolve_names(client, targets)
    else:
        listed = client.list_extensions("@me", type="phone", **filters)
        targets = [Target(index=index, given=str(ext["id"]), extension_id=str(ext["id"]), name=ext.get("name"),
                          label=ext.get("label")) for index, ext in enumerate(listed)
                   if ext.get("type") in (None, "phone")]
    read_phones(client, targets, parallel)
    return targets


def apply_phone_properties(client, targets, parallel=DEFAULT_PARALLEL, check_mode=False,
                           allow_partial=False, warn=lambda msg: None):
    """Bring every target's managed fields to their desired values. Returns the targets, updated.

    Raises PlanRefused before any write when the plan as a whole cannot go ahead.
    """
    resolve_names(client, targets)
    problems = duplicate_targets(targets)
    if problems:
        raise PlanRefused(problems)

    stopped = read_phones(client, targets, parallel)
    readable = [t for t in targets if not t.failed]
    for target in readable:
        target.changes = plan.changes(target.current, target.desired)

    problems = plan.bundle_conflicts(
        [(t.title_with_profile, t.extension_id, t.current, t.desired) for t in readable])
    if problems:
        raise PlanRefused(problems)
    _report_bundle_effects(readable, warn)

    to_write = [t for t in readable if t.changes]
    shortfall = None if stopped else _budget_shortfall(client, len(to_write))
    if shortfall and check_mode:
        warn(shortfall + "; a real run now would stop before writing, unless allow_partial is set.")
    elif shortfall and not allow_partial:
        raise PlanRefused([shortfall + ". Run again after the reset, or set allow_partial=true to write what "
                                       "the budget allows"])
    elif shortfall:
        warn(shortfall + "; allow_partial is set, so the writes go ahead until the API refuses them.")

    def put(target):
        target.properties = client.put_phone(target.extension_id, plan.put_body(target.desired, target.changes))
        target.changed = True

    if check_mode or stopped:
        for target in to_write:
            if stopped:
                target.fail("not written: " + _STOPPED % stopped)
            else:
                target.changed = True
                target.properties = plan.predicted(target.current, target.desired, target.changes)
    else:
        run_each(to_write, put, parallel)
    for target in readable:
        if target.properties is None and not target.failed:
            target.properties = target.current
    return targets


def _report_bundle_effects(targets, warn):
    managed_by_id = {t.extension_id: set(t.desired) for t in targets}
    for target in targets:
        target.bundle_effects = plan.bundle_side_effects(
            target.extension_id, target.current, target.changes, managed_by_id)
        if target.bundle_effects:
            warn("%s is in a bundle: changing %s there also changes it on %s, which the task does not manage."
                 % (target.title,
                    ", ".join(sorted({n for names in target.bundle_effects.values() for n in names})),
                    ", ".join("id %s" % partner for partner in target.bundle_effects)))


def _budget_shortfall(client, writes):
    """Why the API's remaining hourly budget cannot cover the writes, or None when it can (or is unknown)."""
    budget = client.rate_limit
    if not writes or not budget or budget.get("remaining") is None or budget["remaining"] >= writes:
        return None
    return ("the plan needs %d write requests but only %d remain of the API's hourly budget "
            "(it resets in %s s)" % (writes, budget["remaining"], budget.get("reset", "?")))


def request_summary(client):
    """Requests the task sent, by method and in all."""
    summary = dict(client.request_counts)
    summary["total"] = client.requests_sent
    return summary


def failure_summary(targets):
    """One message naming every failed target and why, or None."""
    failed = [t for t in targets if t.failed]
    if not failed:
        return None
    if len(targets) == 1:
        return "%s: %s" % (failed[0].title, failed[0].msg)
    return "%d of %d extensions failed: %s" % (
        len(failed), len(targets), "; ".join("%s: %s" % (t.title, t.msg) for t in failed))
