# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The events of the Event-Driven Ansible sources (``extensions/eda/plugins/event_source/``): their arguments,
what one poll read (:class:`Poll`), and the step from one poll to the next (:func:`advance`). Pure: no I/O.

A source polls every ``interval`` seconds (on a worker thread, with the collection's client and reads) and hands
each :class:`Poll` to :func:`advance` with the :class:`Watch` of the polls before; it returns the new watch, the
events to put on the rulebook's queue, what to log and how long to wait. The watch keeps, per extension, the
state last reported (the first poll's is the baseline) and the state that is waiting to settle: an event goes out
once its new state has been seen for ``settle`` seconds (at a poll: settle is checked when the source polls). An
extension a poll could not read keeps its last state, so a failed or partial poll never reports a change of what
it could not read. More change events in one poll than ``max_events`` go out as one ``summary`` event.

- ``telphin.pbx.registrations``: per phone extension, the ``registered`` flag and the set of its devices (the
  user agents, ``registrations.device_text``, while registered); ``expires``, ``registration_id`` and the
  addresses (a NAT port that moves) are no part of it. Events ``registered``, ``unregistered``,
  ``device_changed``. An extension that leaves the listing (or the selection) is forgotten without an event; one
  that joins it after the first poll starts from not registered, so a new phone that registers is an event.
- ``telphin.pbx.extensions``: per extension of the listing, ``name``, ``type``, ``status`` and
  ``extension_group_id`` (a new ``label`` is no change). Events ``added``, ``removed``, ``changed``; its filters
  keep the events of extensions that match before or after the change.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Mapping, Optional

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.telphin.pbx.plugins.module_utils.budget import EPOCH_THRESHOLD
from ansible_collections.telphin.pbx.plugins.module_utils.connection import argument_spec as connection_spec
from ansible_collections.telphin.pbx.plugins.module_utils.connection import connection_from_params
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.extensions import ExtensionDirectory, is_phone
from ansible_collections.telphin.pbx.plugins.module_utils.registrations import Query, Wanted, device_regex_of

REGISTRATIONS = "telphin.pbx.registrations"
EXTENSIONS = "telphin.pbx.extensions"
DEFAULT_INTERVAL = 300
SHORTEST_INTERVAL = 1
DEFAULT_MAX_EVENTS = 50
SUMMARY_IDS = 10  # the ids a summary event names
NAMED_FAILURES = 3  # the reasons an error event of a partial poll names
BUDGET_SHARE = 0.5  # a poll rate that would spend more of the hourly limit is warned of at start
PARALLEL = 4  # registration reads in flight (where the account has no bulk read): a watch stays in the background
HOUR = 3600
STATUSES = ("active", "blocked")
WATCHED_FIELDS = ("name", "type", "status", "extension_group_id")  # what a `changed` event is about

_COMMON_OPTIONS = dict(interval=dict(type="float", default=DEFAULT_INTERVAL), settle=dict(type="float", default=0),
                       max_events=dict(type="int", default=DEFAULT_MAX_EVENTS),
                       emit_initial=dict(type="bool", default=False))
# The filters: of both sources, and each one's own.
_FILTER_OPTIONS = dict(status=dict(type="str", choices=list(STATUSES)), extension_group_id=dict(type="int"))
_REGISTRATION_FILTERS = dict(extensions=dict(type="list", elements="raw"), device_regex=dict(type="str"))
_EXTENSION_FILTERS = dict(type=dict(type="str"))
EXTENSION_EVENTS = ("added", "removed", "changed")


class _Marker:
    """A state that is no value: ``UNKNOWN`` (listed, never read), ``INITIAL`` (before the first poll)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


UNKNOWN = _Marker("UNKNOWN")
INITIAL = _Marker("INITIAL")
ABSENT = None  # an extension that is not (or no longer) in the listing


# ---- the arguments ---------------------------------------------------------------------------------------

def argument_spec(source):
    """The arguments of ``source``: the modules' connection options (with their environment variables), the
    poll's, and its filters."""
    spec = connection_spec()
    spec.update(_COMMON_OPTIONS)
    spec.update(_FILTER_OPTIONS)
    spec.update(_REGISTRATION_FILTERS if source == REGISTRATIONS else _EXTENSION_FILTERS)
    return spec


@dataclass(frozen=True)
class Selection:
    """The filters of a source. ``telphin.pbx.registrations``: which phone extensions it watches (:meth:`pick`:
    ``extensions``, ``status``, ``extension_group_id``), and which events it sends (:meth:`keeps`:
    ``device_regex``). ``telphin.pbx.extensions`` watches every extension and sends the events of those that
    match ``type``, ``status`` and ``extension_group_id`` before or after the change (:meth:`keeps`), so an
    extension blocked under ``status: active`` is a ``changed`` event, not one that vanishes."""

    wanted: Optional[tuple] = None  # the items of `extensions`, as given (ids, numbers, full names)
    status: Optional[str] = None
    extension_group_id: Optional[int] = None
    device_regex: Optional[re.Pattern] = None
    type: Optional[str] = None

    def pick(self, listed):
        """``(phones, problems)``: the phone extensions of a listing that the filters select, in the listing's
        order, and each item of ``extensions`` that names none (or two), naming it."""
        phones = [ext for ext in listed if isinstance(ext, Mapping) and is_phone(ext)]
        problems = []
        if self.wanted is not None:
            directory, chosen = ExtensionDirectory(phones), set()
            for index, given in enumerate(self.wanted):
                ext, why = directory.find(given, ids=True)
                if ext is None:
                    problems.append("extensions[%d]: %s (among the phone extensions)" % (index, why))
                else:
                    chosen.add(str(ext.get("id")))
            phones = [ext for ext in phones if str(ext.get("id")) in chosen]
        return tuple(ext for ext in phones if self.matches(ext)), tuple(problems)

    def matches(self, extension):
        """Whether a listed extension (or the fields of an extensions event) has ``type``, ``status`` and
        ``extension_group_id`` as the filters say."""
        wanted = (("type", self.type), ("status", self.status), ("extension_group_id", self.extension_group_id))
        return all(value is None or str(extension.get(key)) == str(value) for key, value in wanted)

    def keeps(self, event):
        """Whether an event passes the filters of events: an extensions event whose extension matches before or
        after the change; a registrations event with a device (before or after) that ``device_regex`` matches."""
        if event["type"] in EXTENSION_EVENTS:
            return any(self.matches(fields) for fields in (event.get("before"), event.get("after")) if fields)
        if self.device_regex is None:
            return True
        devices = list(event.get("devices") or ()) + list(event.get("before") or ()) + list(event.get("after") or ())
        return any(self.device_regex.search(device) for device in devices)


@dataclass(frozen=True)
class Options:
    """The checked arguments of a source."""

    source: str
    connection: object
    interval: float = DEFAULT_INTERVAL
    settle: float = 0.0
    max_events: int = DEFAULT_MAX_EVENTS
    emit_initial: bool = False
    selection: Selection = Selection()


def source_options(source, args):
    """The :class:`Options` of ``args`` as ansible-rulebook hands them to a source; ValueError naming each bad
    argument and why, before any request. Arguments ansible-rulebook adds itself (``eda_*``) are left alone."""
    spec = argument_spec(source)
    given = {key: value for key, value in (args or {}).items() if not str(key).startswith("eda_")}
    if isinstance(given.get("extensions"), str) and given["extensions"].strip().startswith("["):
        given["extensions"] = _literal_list(given["extensions"])  # a list rendered to its text by Jinja
    unknown = sorted(str(key) for key in given if key not in spec)
    problems = []
    if unknown:
        problems.append("unknown argument%s %s: %s takes %s" % (
            "s" if len(unknown) > 1 else "", ", ".join(unknown), source, ", ".join(sorted(spec))))
    result = ArgumentSpecValidator(spec).validate({key: value for key, value in given.items() if key in spec})
    problems.extend(result.error_messages)
    options = None
    if not result.error_messages:
        params = result.validated_parameters
        connection, found = connection_from_params(params)
        problems.extend(found)
        selection = _selection(params, problems)
        problems.extend(_poll_problems(params))
        options = Options(source, connection, interval=params["interval"], settle=params["settle"],
                          max_events=params["max_events"], emit_initial=params["emit_initial"], selection=selection)
    if problems:
        raise ValueError("%s: %s" % (source, "; ".join(problems)))
    return options


def _literal_list(text):
    """A list that an older ansible-rulebook rendered as text (``"['100', 1001]"``, ``"[]"``), else the text."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, list) else text


def _poll_problems(params):
    found = []
    if params["interval"] < SHORTEST_INTERVAL:
        found.append("interval: must be at least %d second, got %g" % (SHORTEST_INTERVAL, params["interval"]))
    if params["settle"] < 0:
        found.append("settle: must be 0 seconds or more, got %g" % params["settle"])
    if params["max_events"] < 1:
        found.append("max_events: must be 1 or more, got %d" % params["max_events"])
    return found


def _selection(params, problems):
    wanted = None
    if params.get("extensions"):  # an empty list, as `default([])` gives it, is every phone extension
        wanted = []
        for index, item in enumerate(params["extensions"]):
            if isinstance(item, int) and not isinstance(item, bool) and item > 0:
                wanted.append(item)
            elif isinstance(item, str) and item.strip():
                wanted.append(item.strip())
            else:
                problems.append("extensions[%d]: must be an extension id (an integer), a number such as \"100\" or "
                                "a full name such as \"000*100\", got %r" % (index, item))
        wanted = tuple(wanted)
    return Selection(wanted=wanted, status=params.get("status"), extension_group_id=params.get("extension_group_id"),
                     device_regex=device_regex_of(params.get("device_regex"), problems), type=params.get("type"))


# ---- what one poll read ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    """The state of one phone extension that a registrations event is about."""

    registered: bool
    devices: tuple = ()  # the user agents of its registrations while registered, sorted, each once


NOT_REGISTERED = Registration(False)


def registration_state(entry):
    """The :class:`Registration` of a normalized answer (``registrations.normalize``): the flag, and while it is
    registered the set of its devices' texts (an empty one left out); addresses, expiries and ids play no part."""
    if not entry.get("registered"):
        return NOT_REGISTERED
    devices = {str(item.get("device") or "") for item in entry.get("registrations") or () if isinstance(item, Mapping)}
    return Registration(True, tuple(sorted(device for device in devices if device)))


def extension_state(extension):
    """The state of a listed extension that an extensions event is about: its watched fields, as pairs."""
    return tuple((name, extension.get(name)) for name in WATCHED_FIELDS)


@dataclass(frozen=True)
class Poll:
    """What one poll read. ``states``: ``{extension id (str): state}`` of what it read; ``names``: ``{id: (name,
    label)}`` from the listing; ``unread``: ``{id: why}`` of the extensions it listed but could not read;
    ``complete``: the listing was read, so an extension of the watch it neither read nor listed has gone.
    ``error``: why the poll failed (it read what ``states`` holds, perhaps nothing); ``retry_after``: seconds to
    wait before the next (a quota 429, a budget that does not fit above the reserve); ``cost``: requests it sent;
    ``budget``: ``{limit, remaining, reset}`` as the answers told it; ``limit``: the lowest hourly limit seen;
    ``problems``: items of ``extensions`` that named nothing; ``outage``: the client stopped on an outage;
    ``over_budget``: the poll did not fit above the reserve of the hourly budget, so it waits for the reset."""

    at: float
    client_id: object = None
    states: Mapping = field(default_factory=dict)
    names: Mapping = field(default_factory=dict)
    unread: Mapping = field(default_factory=dict)
    complete: bool = False
    error: Optional[str] = None
    retry_after: Optional[float] = None
    cost: Optional[int] = None
    budget: Optional[Mapping] = None
    limit: Optional[int] = None
    problems: tuple = ()
    outage: bool = False
    over_budget: bool = False


def client_id_of(user):
    """The account's client id from ``GET /user/``'s answer, or None."""
    return user.get("client_id") if isinstance(user, Mapping) else None


def registration_query(phones):
    """The ``registrations.Query`` of ``runner.read_info`` that reads these listed phones, and no listing."""
    return Query(wanted=tuple(Wanted("extension_id", str(ext.get("id")), extension_id=str(ext.get("id")))
                              for ext in phones))


def registrations_poll(at, client_id, phones, problems, info, **told):
    """The :class:`Poll` of the registrations source: ``phones`` listed and selected, ``info`` (a
    ``registrations.Info`` of ``runner.read_info``) of their reads; a refusal by the budget reads nothing."""
    names = {str(ext.get("id")): (ext.get("name"), ext.get("label")) for ext in phones}
    states = {str(entry["extension_id"]): registration_state(entry) for entry in info.entries}
    unread = {ext_id: why for ext_id, why in info.failures.items() if ext_id not in states}
    error = info.refused[0] if info.refused else None
    if error:
        unread = {ext_id: error for ext_id in names if ext_id not in states}
    return Poll(at, client_id, states=MappingProxyType(states), names=MappingProxyType(names),
                unread=MappingProxyType(unread), complete=True, error=error, problems=tuple(problems),
                over_budget=bool(error), **told)


def extensions_poll(at, client_id, listed, **told):
    """The :class:`Poll` of the extensions source: every extension of the listing."""
    listed = [ext for ext in listed if isinstance(ext, Mapping) and ext.get("id") is not None]
    return Poll(at, client_id, states=MappingProxyType({str(ext["id"]): extension_state(ext) for ext in listed}),
                names=MappingProxyType({str(ext["id"]): (ext.get("name"), ext.get("label")) for ext in listed}),
                complete=True, **told)


def over_budget(client, watch, at, client_id, what):
    """The :class:`Poll` that refuses a poll before its first request when the last poll's cost does not fit in
    the budget left above the reserve (``client.budget_shortfall``: ``rate_limit_reserve``), or None. Only while
    the budget the client was told is this window's (``Watch.budget_current``); after the reset, polls go out."""
    if not watch.cost or not watch.budget_current(at):
        return None
    shortfall = client.budget_shortfall(what, watch.cost)
    if not shortfall:
        return None
    return Poll(at, client_id, error=shortfall.text(), retry_after=watch.until_reset(at), over_budget=True)


def failed_poll(at, client_id, exc, redactor, budget=None):
    """The :class:`Poll` of a poll that raised ``exc``: an ``errors.ApiError`` says why in its own words (secrets
    removed), with its ``retry_after``; anything else is named by its type (``redactor`` takes the secrets out).
    ``budget`` (the client's) counts only after an answer: without one, what the client holds may be an old one."""
    if isinstance(exc, ApiError):
        return Poll(at, client_id, error=str(exc), retry_after=exc.retry_after, outage=exc.outage,
                    budget=budget if exc.status is not None else None)
    return Poll(at, client_id, error="the poll failed: %s: %s" % (type(exc).__name__, redactor.text(str(exc))))


# ---- from one poll to the next -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Seen:
    """One extension in the watch: the state last reported (or the baseline), its name and label, and the state
    waiting to settle with when it was first seen (``(state, at)``), if any."""

    reported: object
    names: tuple = (None, None)
    pending: Optional[tuple] = None


@dataclass(frozen=True)
class Watch:
    """What a source knows between polls. ``started``: a listing has been read (the baseline is taken);
    ``cost``: the requests of the last poll that read; ``reset_at``: when the budget last told resets (a time);
    ``warned``: the budget's share was checked; ``problems``: the unresolved ``extensions`` last said."""

    client_id: object = None
    started: bool = False
    items: Mapping = field(default_factory=dict)
    cost: Optional[int] = None
    reset_at: Optional[float] = None
    warned: bool = False
    problems: tuple = ()

    def budget_current(self, now):
        """Whether the budget the client was last told is still this window's: once its reset has passed, the
        headers the client keeps are stale (only a request tells the new window), so no check relies on them."""
        return self.reset_at is not None and now < self.reset_at

    def until_reset(self, now):
        """Seconds until the budget last told resets, or None."""
        return None if self.reset_at is None else max(0.0, self.reset_at - now)


@dataclass(frozen=True)
class Change:
    """A state that settled: the events of the source say what changed from ``before`` to ``after``."""

    extension_id: str
    before: object
    after: object
    names: tuple
    at: float


@dataclass(frozen=True)
class Step:
    """What :func:`advance` returns: the next watch, the events to put on the queue in order, the lines to log
    (warnings) and the seconds to wait from the poll's start before the next poll."""

    watch: Watch
    events: tuple
    warnings: tuple
    delay: float


def settled(seen, state, names, at, settle):
    """``(Seen, (before, after, since) or None)``: ``seen`` after a poll that read ``state`` at ``at``. The
    state last reported again clears what was pending (a flap is no event); a new one waits until it has held
    ``settle`` seconds since it was first seen, then is reported."""
    if state == seen.reported:
        return Seen(seen.reported, names), None
    pending = seen.pending if seen.pending is not None and seen.pending[0] == state else (state, at)
    if at - pending[1] >= settle:
        return Seen(state, names), (seen.reported, state, pending[1])
    return Seen(seen.reported, names, pending), None


def _track(watch, poll, options):
    """``(items, changes)``: the watch's extensions after ``poll``, and the states that settled."""
    new_state = NOT_REGISTERED if options.source == REGISTRATIONS else ABSENT
    items, changes = dict(watch.items), []
    for ext_id, state in poll.states.items():
        seen, names = items.get(ext_id), poll.names.get(ext_id, (None, None))
        if (seen is None and not watch.started) or (seen is not None and seen.reported is UNKNOWN):
            items[ext_id] = Seen(state, names)  # the baseline
            if options.emit_initial:
                changes.append(Change(ext_id, INITIAL, state, names, poll.at))
            continue
        items[ext_id], change = settled(seen or Seen(new_state, names), state, names, poll.at, options.settle)
        if change:
            changes.append(Change(ext_id, change[0], change[1], names, change[2]))
    for ext_id in poll.unread:
        items.setdefault(ext_id, Seen(new_state if watch.started else UNKNOWN, poll.names.get(ext_id, (None, None))))
    if poll.complete:
        for ext_id in [i for i in items if i not in poll.states and i not in poll.unread]:
            if options.source == REGISTRATIONS:
                del items[ext_id]  # gone from the listing or the selection: the extensions source tells of it
                continue
            items[ext_id], change = settled(items[ext_id], ABSENT, items[ext_id].names, poll.at, options.settle)
            if change:
                changes.append(Change(ext_id, change[0], ABSENT, items[ext_id].names, change[2]))
            if items[ext_id].reported is ABSENT and items[ext_id].pending is None:
                del items[ext_id]
    return items, changes


def advance(watch, poll, options):
    """The :class:`Step` from ``watch`` after ``poll``: the settled changes as events (filtered by
    ``device_regex``; one summary beyond ``max_events``), an ``error`` event for a failed or partial poll and for
    names of ``extensions`` that name nothing (when that changes), the warning of a poll rate that would spend more
    than BUDGET_SHARE of the hourly limit (once, at the first poll that tells both), and the wait: ``interval``, or
    longer until the budget resets after a quota 429 or a budget spent."""
    client_id = poll.client_id if poll.client_id is not None else watch.client_id
    items, changes = _track(watch, poll, options)
    sent = [event for change in changes for event in change_events(options.source, change, client_id)]
    sent = [event for event in sent if options.selection.keeps(event)]
    if len(sent) > options.max_events:
        sent = [summary_event(sent, client_id, poll.at, options.max_events)]
    warnings = []
    problems = poll.problems if poll.complete else watch.problems
    if problems and problems != watch.problems:
        warnings.append("; ".join(problems))
        sent.append(error_event(client_id, poll.at, warnings[-1]))
    if poll.error:
        warnings.append(poll.error)
        sent.append(error_event(client_id, poll.at, poll.error))
    elif poll.unread:
        warnings.append(unread_message(poll))
        sent.append(error_event(client_id, poll.at, warnings[-1],
                                extension_ids=[_id_value(ext_id) for ext_id in list(poll.unread)[:SUMMARY_IDS]]))
    warned, share = watch.warned, budget_share(poll.cost, poll.limit, options.interval)
    if not warned and share is not None:
        warned = True
        if share > BUDGET_SHARE:
            warnings.append(share_warning(poll.cost, poll.limit, options.interval))
    reset_at = _reset_at(poll) if poll.budget else watch.reset_at
    waits = [options.interval, poll.retry_after or 0]
    spent = poll.over_budget or (poll.budget and poll.budget.get("remaining") == 0)
    if spent and reset_at is not None:
        waits.append(reset_at - poll.at)  # the budget (above the reserve) is spent: no poll fits before the reset
    after = replace(watch, client_id=client_id, started=watch.started or poll.complete,
                    items=MappingProxyType(items), cost=poll.cost if poll.cost is not None else watch.cost,
                    reset_at=reset_at, warned=warned, problems=problems)
    return Step(after, tuple(sent), tuple(warnings), max(waits))


def _reset_at(poll):
    """When the budget the poll was told resets, as a time: ``X-RateLimit-Reset`` is a Unix time or seconds from
    the answer; without one, an hour after the poll (the vendor's windows are hourly)."""
    reset = poll.budget.get("reset")
    if reset is None:
        return poll.at + HOUR
    return float(reset) if reset > EPOCH_THRESHOLD else poll.at + reset


def budget_share(cost, limit, interval):
    """The share of the hourly ``limit`` that a poll of ``cost`` requests every ``interval`` seconds spends, or None
    when either is unknown."""
    if cost is None or not limit:
        return None
    return cost * float(HOUR) / interval / limit


def share_warning(cost, limit, interval):
    hourly = cost * float(HOUR) / interval
    return ("a poll sends %d request%s: every %g s that is %d requests an hour, %d%% of the API's hourly limit of %d "
            "(X-RateLimit-Limit), which the account's modules and other applications share: raise interval, or "
            "select fewer extensions" % (cost, "" if cost == 1 else "s", interval, round(hourly),
                                         round(100 * hourly / limit), limit))


def unread_message(poll):
    """An error event's words for a partial poll: how many extensions it could not read, and why (the first few
    reasons, each with its ids)."""
    reasons = {}
    for ext_id, why in poll.unread.items():
        reasons.setdefault(why, []).append(ext_id)
    said = ["%s: %s" % (", ".join(ids[:5]) + (" and %d more" % (len(ids) - 5) if len(ids) > 5 else ""), why)
            for why, ids in list(reasons.items())[:NAMED_FAILURES]]
    return ("%d of %d extensions could not be read, so their changes wait for a poll that reads them: %s"
            % (len(poll.unread), len(poll.unread) + len(poll.states), "; ".join(said)))


# ---- the events --------------------------------------------------------------------------------------------

def iso_time(at):
    """A time as ISO 8601, UTC, to the second: ``2025-01-31T12:00:00Z``."""
    return datetime.fromtimestamp(at, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id_value(ext_id):
    text = str(ext_id)
    return int(text) if text.isascii() and text.isdigit() else ext_id


def event(kind, client_id, extension_id, names, at, **extra):
    """One event: ``type``, ``client_id``, ``extension_id``, ``name``, ``label``, ``at``, and what its type adds."""
    name, label = names or (None, None)
    base = dict(type=kind, client_id=client_id, extension_id=None if extension_id is None else _id_value(extension_id),
                name=name, label=label, at=iso_time(at))
    base.update(extra)
    return base


def change_events(source, change, client_id):
    """The events of a settled change: a registration's or an extension's."""
    kind, extra = (registration_change if source == REGISTRATIONS else extension_change)(change.before, change.after)
    if change.before is INITIAL:
        extra["initial"] = True
    return [event(kind, client_id, change.extension_id, change.names, change.at, **extra)]


def registration_change(before, after):
    """``(type, fields)`` of a change of a registration: ``registered`` / ``unregistered`` when the flag changed
    (``devices``: those now registered / those that were), else ``device_changed`` (``devices`` now, ``before``,
    ``after``). An initial state is ``registered`` or ``unregistered``."""
    if before is INITIAL or before.registered != after.registered:
        if after.registered:
            return "registered", dict(registered=True, devices=list(after.devices))
        return "unregistered", dict(registered=False, devices=[] if before is INITIAL else list(before.devices))
    return "device_changed", dict(registered=True, devices=list(after.devices), before=list(before.devices),
                                  after=list(after.devices))


def extension_change(before, after):
    """``(type, fields)`` of a change of a listed extension: ``added`` (``after``), ``removed`` (``before``), or
    ``changed`` (``before``, ``after``: the watched fields, and ``fields``: those that differ). Each also holds
    ``extension_type``, ``status`` and ``extension_group_id`` as they are now (as they were, when removed)."""
    old = None if before is INITIAL or before is ABSENT else dict(before)
    new = None if after is ABSENT else dict(after)
    now = new or old
    fields = dict(extension_type=now["type"], status=now["status"], extension_group_id=now["extension_group_id"])
    if old is None:
        return "added", dict(fields, after=new)
    if new is None:
        return "removed", dict(fields, before=old)
    return "changed", dict(fields, before=old, after=new,
                           fields=[name for name in WATCHED_FIELDS if old[name] != new[name]])


def error_event(client_id, at, message, **extra):
    """An ``error`` event: a failed or partial poll, with ``message`` (never a secret: errors are redacted)."""
    return event("error", client_id, None, None, at, message=message, **extra)


def summary_event(events, client_id, at, max_events):
    """One ``summary`` event in place of ``events``: ``total``, ``counts`` per type and the first ids."""
    counts = {}
    for one in events:
        counts[one["type"]] = counts.get(one["type"], 0) + 1
    ids = list(dict.fromkeys(one["extension_id"] for one in events))
    message = ("%d events in one poll, more than max_events (%d): %s" % (
        len(events), max_events, ", ".join("%d %s" % (count, kind) for kind, count in counts.items())))
    return event("summary", client_id, None, None, at, total=len(events), counts=counts,
                 extension_ids=ids[:SUMMARY_IDS], message=message)
