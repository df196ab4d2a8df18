# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIP registrations around a change (``check_registrations``): which devices a run logged out.

Changing how a device registers (``auth_type``, ``password``, ``static_reg_address``, the trusted networks,
WebRTC) can log the handset out: it keeps its old settings. The runner calls :meth:`RegistrationWatch.before`
with the extensions it is about to write and :meth:`RegistrationWatch.after` with what it wrote; in check
mode, :meth:`RegistrationWatch.at_risk` says for each extension whose change touches those fields whether a
device is registered now. No registration request is made unless a task asks for the watch.

A read that fails (the resource answering 404, 500, too slowly) leaves the extension ``unchecked``, with
why: ``results.warnings`` names those, so that a watch that could not watch never passes for one that saw
nothing lost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping

from ansible_collections.telphin.pbx.plugins.module_utils.registrations import read_cost
from ansible_collections.telphin.pbx.plugins.module_utils.runner import read_registrations

# The fields whose change decides how a device registers.
REGISTRATION_FIELDS = ("auth_type", "password", "static_reg_address", "network_permission_group_id",
                       "allow_webrtc")
POLL_SECONDS = 1.0


def _devices(found):
    return [r.get("device") for r in (found or {}).get("registrations", [])]


@dataclass(frozen=True)
class Before:
    """The registrations read before the writes: ``found`` ``{extension id: normalized answer}`` and
    ``failures`` ``{extension id: why}`` (those extensions cannot be checked against a state before)."""

    found: Mapping = field(default_factory=dict)
    failures: Mapping = field(default_factory=dict)


class RegistrationWatch:
    """Reads the registrations of the extensions a run writes, before and after, and names those lost, and
    those that could not be checked (``unchecked``, with why in ``msg``): a watch that could not read says so.

    Every read is ``optional`` for the client: a registration resource that fails or times out never counts
    toward the outage breaker, so it never keeps a write from being sent.
    """

    def __init__(self, wait, parallel, sleep=time.sleep, clock=time.monotonic):
        self.wait = max(0.0, float(wait))
        self.parallel = parallel
        self._sleep = sleep
        self._clock = clock

    def _read(self, client, extension_ids):
        return read_registrations(client, extension_ids, self.parallel, optional=True)

    def before(self, client, outcomes):
        """A :class:`Before` of the outcomes about to be written."""
        found, failures = self._read(client, [o.target.extension_id for o in outcomes])
        return Before(MappingProxyType(found), MappingProxyType(failures))

    def at_risk(self, client, outcomes):
        """Check mode: each outcome whose change touches a registration field, with whether a device is
        registered now (``registration``); ``unchecked`` when that could not be read."""
        touching = [o for o in outcomes if not o.failed and set(o.changes) & set(REGISTRATION_FIELDS)]
        found, failures = self._read(client, [o.target.extension_id for o in touching])
        marked = {}
        for outcome in touching:
            ext_id = outcome.target.extension_id
            now = found.get(ext_id)
            marked[ext_id] = MappingProxyType({
                "fields": sorted(set(outcome.changes) & set(REGISTRATION_FIELDS)),
                "registered_now": None if now is None else now["registered"], "devices": _devices(now),
                "unchecked": ext_id in failures, "msg": failures.get(ext_id, "")})
        return _marked(outcomes, marked)

    def after(self, client, outcomes, before):
        """The outcomes with their ``registration``: polls the written extensions whose devices were
        registered until each is registered again or the wait is over (``lost`` when one is not). One whose
        registrations could not be read before is read once: registered then, it is fine; else ``unchecked``.
        """
        written = [o.target.extension_id for o in outcomes if o.changed]
        was_registered = {ext_id for ext_id in written if (before.found.get(ext_id) or {}).get("registered")}
        unknown = {ext_id for ext_id in written if ext_id in before.failures}
        now, failed_after = self._poll(client, was_registered, unknown)
        marked = {}
        for ext_id in written:
            was = before.found.get(ext_id)
            registered_after = now[ext_id]["registered"] if ext_id in now else None
            back = bool(registered_after)
            unchecked = (ext_id in was_registered and ext_id not in now) or (ext_id in unknown and not back)
            msg = ("before the writes: %s" % before.failures[ext_id] if ext_id in unknown else
                   "after the writes: %s" % failed_after[ext_id] if ext_id in failed_after else "")
            marked[ext_id] = MappingProxyType({
                "registered_before": None if was is None else was["registered"],
                "registered_after": registered_after, "devices": _devices(was),
                "lost": ext_id in was_registered and ext_id in now and not back,
                "unchecked": unchecked, "msg": msg})
        return _marked(outcomes, marked)

    def _poll(self, client, was_registered, unknown):
        """``(last answer read, last failure)`` by extension id: rounds a second apart until each extension
        of ``was_registered`` is registered again or the wait is over; ``unknown`` is read in the first only."""
        pending, now, failed_after = set(was_registered) | set(unknown), {}, {}
        deadline = self._clock() + self.wait
        while pending:
            found, failures = self._read(client, sorted(pending))
            now.update(found)
            failed_after.update(failures)
            for ext_id in found:
                failed_after.pop(ext_id, None)
            pending = {ext_id for ext_id in pending - set(unknown) if not (found.get(ext_id) or {}).get("registered")}
            unknown = ()
            if not pending or self._clock() + POLL_SECONDS > deadline:
                break
            shortfall = client.budget_shortfall("another round of registration reads", read_cost(client, pending))
            if shortfall:  # never into the reserve: those still waited for are unchecked, not lost
                for ext_id in pending:
                    now.pop(ext_id, None)
                    failed_after[ext_id] = "not read again: %s" % shortfall.text()
                break
            self._sleep(POLL_SECONDS)
        return now, failed_after


def _marked(outcomes, marked):
    return tuple(replace(o, registration=marked[o.target.extension_id])
                 if o.target.extension_id in marked else o for o in outcomes)
