# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many targets in parallel: resolve names, GET each, plan, check the whole plan, then PUT where needed.

Every driver of a run is here, and every one sends its requests through :func:`run_each` (one thread pool,
one stop rule, one ``NOT_ATTEMPTED``): :func:`apply_phone_properties`, :func:`apply_profiles`,
:func:`restore`, :func:`read_phone_properties` (and the export's :func:`export_account`), and the SIP
registration reads (:func:`read_registrations`; registration_info's :func:`read_info`).

Each phase takes frozen values and returns new ones; the result of a run is one immutable
:class:`Outcome` per target, in input order, and a :class:`Run` that holds them with what the user should
be warned of (as facts: ``results.warnings`` words them) and, when the plan as a whole could not go
ahead, why. The phases are strict so that nothing is written
until every target has been read and the plan is known to be sound (no bundle conflict, enough
rate-limit budget). Check mode runs the same phases and stops before the writes.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping, Optional

from ansible_collections.telphin.pbx.plugins.module_utils import plan
from ansible_collections.telphin.pbx.plugins.module_utils.backup import account_of, restore_items
from ansible_collections.telphin.pbx.plugins.module_utils.budget import OverBudget, Shortfall
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.extensions import ExtensionDirectory, is_phone
from ansible_collections.telphin.pbx.plugins.module_utils.profiles import ProfileError, limit_to, plan_profiles
from ansible_collections.telphin.pbx.plugins.module_utils.registrations import (
    Info, normalize, read_cost, read_in_blocks)
from ansible_collections.telphin.pbx.plugins.module_utils.targets import (
    ME, Target, duplicate_targets, needs_listing, resolve, targets_from_params)


# Said once in the task's message; each extension it stopped says only this.
NOT_ATTEMPTED = "not attempted: the task stopped after an error that every request would meet (see msg)"
NOT_WRITTEN = "not written: the task stopped after an error that every request would meet (see msg)"
NOT_WRITTEN_RESERVE = ("not written: the hourly request budget above the reserve (rate_limit_reserve) was spent by "
                       "the writes before it (allow_partial)")


@dataclass(frozen=True)
class Outcome:
    """What happened to one target: what was read, what differs, what was written (or would be), and why not."""

    target: Target
    current: Optional[Mapping] = None  # the properties read; None when the read failed or was not made
    changes: tuple = ()  # the managed fields that differ, in table order
    body: Mapping = field(default_factory=dict)  # what the PUT carries (or would): the changes' desired values
    after: Optional[Mapping] = None  # the PUT's answer, the prediction in check mode, or what was read
    changed: bool = False
    failed: bool = False
    msg: str = ""
    bundle_effects: Mapping = field(default_factory=dict)  # partner id -> synchronized fields changed there
    read_back: str = ""  # the error of a write whose answer was lost, and reading back found it applied
    registration: Optional[Mapping] = None  # SIP registrations around the write, when the task watches them


@dataclass(frozen=True)
class Run:
    """The outcomes in input order, what to warn of, and the reasons the plan was refused, if it was."""

    outcomes: tuple
    refused: tuple = ()  # when set, nothing was written
    stopped: Optional[str] = None  # the error that stopped the task, said once
    backup_path: Optional[str] = None  # the backup of what was read, written before the first write
    registration_wait: Optional[float] = None  # seconds the registrations were waited for; None: not watched
    empty: bool = False  # the task named no extension
    # The writes do not fit in the hourly budget above the reserve (a budget.Shortfall): warned when a
    # check-mode run or allow_partial (``going_ahead``) goes ahead; otherwise the run is refused, saying so.
    budget_shortfall: Optional[Shortfall] = None
    going_ahead: str = ""  # "check_mode" or "allow_partial", when the writes did not fit
    # Said as worded: what a restore could not bring back (``backup.restore_items``), what pruning the older
    # backups (backup_options.keep) could not do (``backup.prune``).
    notes: tuple = ()

    @property
    def watched(self):
        """Whether the registrations were watched (check_registrations)."""
        return self.registration_wait is not None


def _failed(outcome, msg):
    return replace(outcome, failed=True, msg=msg)


def run_each(outcomes, work, parallel):
    """``work(outcome) -> outcome`` for each, on up to ``parallel`` threads; ``(outcomes, stop reason)``.

    A failure becomes that outcome's message; nothing is lost. A task-wide API error (credentials refused,
    rate limit, access level, the API unreachable) stops the rest: those not started yet are failed with
    that reason instead of sending requests bound to fail.
    """
    stop = threading.Event()
    reasons = []

    def guarded(outcome):
        if stop.is_set():
            return _failed(outcome, NOT_ATTEMPTED)
        try:
            return work(outcome)
        except ApiError as exc:
            if exc.task_wide and not stop.is_set():
                reasons.append(str(exc))
                stop.set()
            return _failed(outcome, str(exc))
        except Exception as exc:  # a bug must not lose the other extensions' results
            return _failed(outcome, "unexpected error: %r" % (exc,))

    if parallel <= 1 or len(outcomes) <= 1:
        done = [guarded(outcome) for outcome in outcomes]
    else:
        with ThreadPoolExecutor(max_workers=min(parallel, len(outcomes))) as pool:
            done = list(pool.map(guarded, outcomes))
    return tuple(done), (reasons[0] if reasons else None)


def read_phones(client, outcomes, parallel):
    """GET the properties of each outcome's target: ``(outcomes with current and after, stop reason)``."""
    return run_each(outcomes, _phone_reader(client), parallel)


def _phone_reader(client):
    """``work(outcome) -> outcome`` of one phone's GET, for :func:`run_each`."""
    def get(outcome):
        current = MappingProxyType(client.get_phone(outcome.target.extension_id))
        return replace(outcome, current=current, after=current)
    return get


def first_alone(client, items, work):
    """``(done, rest, stopped)``: when no answer has told the hourly budget yet, the first item's ``work`` alone,
    whose answer's headers tell it, so that the rest can be set against the budget before they go out. After a
    stop the rest fail ``NOT_ATTEMPTED`` (in ``done``; ``rest`` is then empty)."""
    if not items or client.budget_told():
        return (), items, None
    done, stopped = run_each(items[:1], work, 1)
    if stopped:
        return done + tuple(_failed(item, NOT_ATTEMPTED) for item in items[1:]), (), stopped
    return done, items[1:], None


def read_phones_within_budget(client, outcomes, parallel):
    """:func:`read_phones`, once the reads are known to fit in the hourly budget above the reserve:
    ``(outcomes, stop reason, refusal)``; the first GET is sent alone when no listing has told the budget
    (:func:`first_alone`). A refusal (``refusal``: why) reads nothing more."""
    get = _phone_reader(client)
    done, outcomes, stopped = first_alone(client, outcomes, get)
    if stopped:
        return done, stopped, None
    shortfall = client.budget_shortfall("the reads of the phones", len(outcomes))
    if shortfall:
        return done + outcomes, None, shortfall.text() + ". " + _AFTER_SHORTFALL
    read, stopped = run_each(outcomes, get, parallel)
    return done + read, stopped, None


_AFTER_SHORTFALL = "Run again after the reset, select fewer extensions, or lower rate_limit_reserve"


def resolve_names(client, targets):
    """``(targets, problems)``: names resolved with one paged listing, made only when a name needs it, and
    ``@me`` resolved through ``/user/`` when other targets might name the same extension by its id."""
    me = None
    if len(targets) > 1 and any(t.extension_id == ME for t in targets):
        me = (client.get_user() or {}).get("extension_id")
    directory = ExtensionDirectory(client.list_extensions("@me")) if needs_listing(targets) else None
    return resolve(targets, directory, me)


def read_phone_properties(client, targets, parallel=1, **filters):
    """Read the properties of the targets, or of every phone extension of the account when there are none.

    ``filters`` (status, name, extension_group_id) narrow the listing when there are no targets.
    """
    if targets:
        targets, problems = resolve_names(client, targets)
        if problems:
            return Run(tuple(Outcome(t) for t in targets), refused=tuple(problems))
    else:
        listed = client.list_extensions("@me", type="phone", **filters)
        targets = [Target(index=index, given=str(ext["id"]), extension_id=str(ext["id"]), name=ext.get("name"),
                          label=ext.get("label")) for index, ext in enumerate(listed) if is_phone(ext)]
    outcomes, stopped, refusal = read_phones_within_budget(client, tuple(Outcome(t) for t in targets), parallel)
    return Run(outcomes, stopped=stopped, refused=(refusal,) if refusal else ())


def export_account(client, write, parallel=1):
    """Read every phone extension of the account, then ``write(outcomes)`` (phone_profiles' export file) once
    every read succeeded: ``(run, what write returned)``, or ``(run, None)`` when a read failed (a file
    written from a part of the account would say the rest has no phones)."""
    run = read_phone_properties(client, (), parallel)
    if any(outcome.failed for outcome in run.outcomes):
        return run, None
    return run, write(run.outcomes)


def apply_phone_properties(client, targets, parallel=1, check_mode=False, allow_partial=False,
                           backup=None, watch=None):
    """Bring every target's managed fields to their desired values: a :class:`Run`.

    ``backup(client, outcomes) -> (path, notes)``, when given, is called once with what was read, after the plan is
    known to be sound and before the first write (not in check mode, nor when nothing differs); if it
    raises, nothing is written. ``watch`` (a RegistrationWatch) reads the SIP registrations of the
    extensions written, before and after the writes (in check mode: of those whose change touches them).
    """
    if not targets:
        return Run((), empty=True)
    targets, problems = resolve_names(client, targets)
    problems += duplicate_targets(targets)
    if problems:
        return Run(tuple(Outcome(t) for t in targets), refused=tuple(problems))

    outcomes, stopped, refusal = read_phones_within_budget(client, tuple(Outcome(t) for t in targets), parallel)
    if refusal:
        return Run(outcomes, refused=(refusal,))
    outcomes = tuple(o if o.failed else _planned(o) for o in outcomes)
    readable = [o for o in outcomes if not o.failed]
    problems = plan.bundle_conflicts(
        [(o.target.title_with_profile, o.target.extension_id, o.current, o.target.desired) for o in readable])
    if problems:
        return Run(outcomes, refused=tuple(problems))
    outcomes = _with_bundle_effects(outcomes)

    shortfall = None if stopped else _writes_shortfall(client, outcomes, watch)
    if shortfall and (shortfall.reserve_too_large or not (check_mode or allow_partial)):
        return Run(outcomes, refused=("%s. %s, or set allow_partial=true to write what fits above the reserve"
                                      % (shortfall.text(), _AFTER_SHORTFALL),))
    if shortfall and not check_mode:
        outcomes = _within(outcomes, shortfall.fitting)
    going_ahead = ("check_mode" if check_mode else "allow_partial") if shortfall else ""
    facts = dict(budget_shortfall=shortfall, going_ahead=going_ahead,
                 registration_wait=None if watch is None else watch.wait)
    writes = sum(1 for o in outcomes if o.changes and not o.failed)

    registered_before = None
    if watch is not None and writes and not stopped:
        to_write = [o for o in outcomes if o.changes and not o.failed]
        if check_mode:
            outcomes = watch.at_risk(client, outcomes)
        else:
            registered_before = watch.before(client, to_write)
    backup_path, backup_notes = None, ()
    if backup is not None and writes and not check_mode and not stopped:
        try:
            backup_path, backup_notes = backup(client, outcomes)
        except Exception as exc:  # BackupError, or the /user/ read failing: no write without a backup
            return Run(outcomes, refused=("no backup, so nothing was written: %s" % exc,), **facts)
    outcomes, stopped = _write(client, outcomes, parallel, check_mode, stopped)
    if registered_before is not None:
        outcomes = watch.after(client, outcomes, registered_before)
    return Run(outcomes, stopped=stopped, backup_path=backup_path, notes=tuple(backup_notes), **facts)


def _planned(outcome):
    """The outcome with what differs and the PUT that would bring it to its desired values."""
    changes = tuple(plan.changes(outcome.current, outcome.target.desired))
    return replace(outcome, changes=changes, body=MappingProxyType(plan.put_body(outcome.target.desired, changes)))


def apply_profiles(client, profiles, assignments, parallel=1, check_mode=False, backup=None,
                   watch=None, only=None):
    """The profiles brought to the account: one listing, the assignments matched, then one run of the
    phases above over every extension they select. A :class:`Run` whose targets carry their profile.

    Input that is wrong without the account is refused before this is called (``profiles.check``); what
    only the listing shows (an extension not there, an assignment matching nothing, an extension matched
    twice) refuses the run here, before any phone is read. ``only`` (only_extensions) limits the run to the
    extensions it names; one that no assignment takes is said in ``notes``.
    """
    try:
        listing = client.list_extensions("@me")
    except ApiError as exc:
        return Run((), refused=("the account's extensions could not be listed, so no phone was read: %s" % exc,))
    try:
        items = plan_profiles(profiles, assignments, listing)
    except ProfileError as exc:
        return Run((), refused=tuple(exc.problems))
    items, problems, untaken = limit_to(items, only, listing)
    targets, more = targets_from_params({"extensions": items})
    if problems or more:  # more: values the checks passed, a bug, but never a write from an unsound plan
        return Run((), refused=tuple(problems + more))
    notes = tuple("only_extensions: no assignment takes %s, so nothing was done for it" % name for name in untaken)
    if not targets:
        return Run((), notes=notes)
    run = apply_phone_properties(client, targets, parallel=parallel, check_mode=check_mode, backup=backup,
                                 watch=watch)
    return replace(run, notes=run.notes + notes)


def restore(client, document, parallel, check_mode, backup=None, watch=None):
    """Bring the account back to a backup (``document``, as ``backup.read`` read it): a :class:`Run` of the
    phases above over the extensions it holds, refused for a backup of another account."""
    header = document["backup"]
    try:
        client_id = account_of(client)
    except ApiError as exc:
        return Run((), refused=("the account could not be read (/user/), so nothing was restored: %s" % exc,))
    if str(client_id) != str(header.get("client_id")):
        return Run((), refused=("the backup is of client %s, and these credentials are of client %s: nothing "
                                "was restored" % (header.get("client_id"), client_id),))
    items, notes = restore_items(document)
    targets, problems = targets_from_params({"extensions": items})
    if problems:
        return Run((), refused=tuple(problems))
    run = apply_phone_properties(client, targets, parallel=parallel, check_mode=check_mode, backup=backup,
                                 watch=watch)
    return replace(run, notes=run.notes + tuple(notes))


def _write(client, outcomes, parallel, check_mode, stopped):
    """The writes of a sound plan: PUT each outcome with changes (or predict it, in check mode).

    ``(outcomes, the error that stopped the task, if one did)``.
    """
    def put(outcome):
        try:
            after = MappingProxyType(client.put_phone(outcome.target.extension_id, dict(outcome.body)))
        except ApiError as exc:
            if not exc.outcome_unknown:
                raise
            return _read_back(client, outcome, exc)
        return replace(outcome, after=after, changed=True)

    def predict(outcome):
        after = plan.predicted(outcome.current, outcome.target.desired, outcome.changes)
        return replace(outcome, after=MappingProxyType(after), changed=True)

    def not_written(outcome):
        return _failed(outcome, NOT_WRITTEN)

    positions = [i for i, o in enumerate(outcomes) if o.changes and not o.failed]
    to_write = tuple(outcomes[i] for i in positions)
    if stopped:
        written = tuple(not_written(o) for o in to_write)
    elif check_mode:
        written = tuple(predict(o) for o in to_write)
    else:
        written, stopped = run_each(to_write, put, parallel)
    merged = list(outcomes)
    for position, outcome in zip(positions, written):
        merged[position] = outcome
    return tuple(merged), stopped


def _read_back(client, outcome, error):
    """A write whose outcome is unknown (no answer, a 5xx, an unreadable 200): what does the server hold?"""
    desired = outcome.target.desired
    try:
        now = client.get_phone(outcome.target.extension_id)
    except ApiError as again:  # raised, so that an outage still stops the task
        raise error.replace(outage=error.outage or again.outage, message="%s; the write may have been applied, "
                            "and reading the extension back failed too: %s" % (error.message, again))
    unknown = set(plan.unverifiable(outcome.current, outcome.changes))
    remaining = [name for name in plan.changes(now, desired) if name not in unknown]
    moved = plan.differing(outcome.current, now, [name for name in outcome.changes if name not in unknown])
    if remaining:
        return replace(outcome, after=MappingProxyType(now), changed=bool(moved), failed=True, msg=(
            "%s; read back, the server holds %s: %s still differ" % (
                error, "part of the change" if moved else "the values before the write", ", ".join(remaining))))
    return replace(outcome, after=MappingProxyType(now), changed=True, read_back=str(error))


def _with_bundle_effects(outcomes):
    """Outcomes with the bundle partners their changes reach beyond the task (``results.warnings`` warns)."""
    managed_by_id = {o.target.extension_id: set(o.target.desired) for o in outcomes if not o.failed}
    result = []
    for outcome in outcomes:
        effects = {} if outcome.failed else plan.bundle_side_effects(
            outcome.target.extension_id, outcome.current, outcome.changes, managed_by_id)
        result.append(replace(outcome, bundle_effects=MappingProxyType(effects)) if effects else outcome)
    return tuple(result)


def _writes_shortfall(client, outcomes, watch):
    """A ``budget.Shortfall`` when the writes of the plan, and the registration reads around them when ``watch``,
    do not fit in the hourly budget above the reserve; else None."""
    writes = sum(1 for o in outcomes if o.changes and not o.failed)
    if not writes:
        return None
    # A watched write is read before and after (a GET each, at most: blocks cost less).
    per_write = 1 if watch is None else 3
    return client.budget_shortfall("the writes" if watch is None else "the writes and the registration reads "
                                   "around them", writes * per_write, per_item=per_write)


def _within(outcomes, allowed):
    """The outcomes with the writes after the first ``allowed`` failed, unsent (allow_partial's part)."""
    result = []
    for outcome in outcomes:
        if outcome.changes and not outcome.failed:
            if allowed <= 0:
                outcome = _failed(outcome, NOT_WRITTEN_RESERVE)
            allowed -= 1
        result.append(outcome)
    return tuple(result)


# ---- the SIP registrations: their reads, and registration_info's -------------------------------------------

@dataclass(frozen=True)
class _Read:
    """One extension's read of its registrations, in the shape :func:`run_each` works on (``failed``, ``msg``)."""

    extension_id: str
    info: Optional[Mapping] = None
    failed: bool = False
    msg: str = ""


def read_registrations(client, extension_ids, parallel, optional=False, within_budget=False):
    """The registrations of each extension: in blocks where that pays (``registrations.read_in_blocks``), and
    ``GET /extension/{id}/registration/`` of each one the blocks did not hold, ``parallel`` at a time:
    ``(by_id, failures)``.

    ``by_id``: ``{extension id (str): normalized answer}``; ``failures``: ``{extension id (str): why}``, both
    in the order of ``extension_ids`` (an id given twice is read once). The reads go through
    :func:`run_each`, so they stop as every other phase does: a failure of one extension does not stop the
    others; a task-wide error (credentials refused, access level, rate limit, the API unreachable) stops the
    rest, which fail with ``NOT_ATTEMPTED`` instead of sending requests bound to fail. ``optional``
    (the registration watch of a change): a time-out never counts toward the outage breaker.
    ``within_budget``: the reads one by one must fit above the reserve too (``budget.OverBudget`` before any
    of them), as the bulk read they were counted as may not be there; when no answer has told the budget yet,
    the first is read alone, and its answer tells it.
    """
    ids = list(dict.fromkeys(str(extension_id) for extension_id in extension_ids))
    in_blocks = read_in_blocks(client, ids, optional=optional)
    one_by_one = tuple(_Read(i) for i in ids if i not in in_blocks)
    client.bulk_registrations.per_extension += len(one_by_one)

    def read(one):
        answer = client.get_registration(one.extension_id, optional=optional)
        return replace(one, info=normalize(answer, one.extension_id))

    done, stopped = (), None
    if within_budget:
        done, one_by_one, stopped = first_alone(client, one_by_one, read)
    shortfall = within_budget and one_by_one and not stopped and client.budget_shortfall(
        "the reads of the SIP registrations", len(one_by_one))
    if shortfall:
        raise OverBudget(shortfall)
    if not stopped:
        done += run_each(one_by_one, read, parallel)[0]
    done = {one.extension_id: one for one in done}
    done = [_Read(i, info=in_blocks[i]) if i in in_blocks else done[i] for i in ids]
    by_id = {one.extension_id: one.info for one in done if not one.failed}
    failures = {one.extension_id: one.msg for one in done if one.failed}
    return by_id, failures


def read_info(client, query, parallel):
    """The work of registration_info: the extensions (one listing when names or the whole account need
    it), their registrations (:func:`read_registrations`: in blocks where that pays), the filters. A
    ``registrations.Info``; a problem that only the listing shows (a name that names nothing, a queue) refuses
    the task before any registration is read."""
    if query.wanted is None:
        listed = client.list_extensions(ME, type="phone", **query.filters)
        targets, refused = [(str(ext.get("id")), ext.get("name")) for ext in listed if is_phone(ext)], []
    elif any(w.extension_id is None for w in query.wanted):
        targets, refused = _resolve(query.wanted, ExtensionDirectory(client.list_extensions(ME)))
    else:
        targets, refused = [(w.extension_id, None) for w in query.wanted], []
    if refused:
        return Info(refused=tuple(refused))
    targets = _once(targets)
    by_id, failures, refusal = _registrations_within_budget(client, [ext_id for ext_id, _name in targets], parallel)
    if refusal:
        return Info(refused=(refusal,))
    entries = tuple(_entry(by_id[extension_id], name) for extension_id, name in targets if extension_id in by_id)
    return Info(targets=targets, entries=tuple(e for e in entries if query.keeps(e)),
                failures=MappingProxyType(failures), checked=len(by_id),
                reads=MappingProxyType(client.bulk_registrations.stats()))


def _registrations_within_budget(client, ids, parallel):
    """:func:`read_registrations`, once the reads are known to fit in the hourly budget above the reserve (the
    blocks, or a GET each): ``(by_id, failures, refusal)``; a refusal reads nothing more."""
    try:
        shortfall = client.budget_told() and client.budget_shortfall("the reads of the SIP registrations",
                                                                     read_cost(client, ids))
        if shortfall:
            raise OverBudget(shortfall)
        by_id, failures = read_registrations(client, ids, parallel, within_budget=True)
    except OverBudget as exc:
        return {}, {}, "%s. %s" % (exc, _AFTER_SHORTFALL)
    return by_id, failures, None


def _once(targets):
    """The targets with an extension named twice read once, where it was first named."""
    seen = {}
    for extension_id, name in targets:
        seen.setdefault(extension_id, (extension_id, name))
    return tuple(seen.values())


def _resolve(wanted, directory):
    """``(targets, problems)``: each wanted extension found in the listing as ``(id, name)``, the names
    resolved and refused (none such, ambiguous, not a phone) as phone_properties resolves them."""
    given = [Target(index=None if w.option in ("extension_id", "extension_name") else index, given=str(w.given),
                    extension_id=w.extension_id, ids=w.ids) for index, w in enumerate(wanted)]
    resolved, problems = resolve(given, directory, holding="SIP registrations")
    return [(t.extension_id, t.name) for t in resolved], problems


def _entry(info, name):
    return {"extension_id": info["extension_id"], "name": name, "registered": info["registered"],
            "registrations": info["registrations"]}
