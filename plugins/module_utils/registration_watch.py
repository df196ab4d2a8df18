# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIP registrations around a change (``check_registrations``): which devices a run logged out.

Changing how a device registers (``auth_type``, ``password``, ``static_reg_address``, the trusted networks,
WebRTC) can log the handset out: it keeps its old settings. The runner calls :meth:`RegistrationWatch.before`
with the extensions it is about to write and :meth:`RegistrationWatch.after` with what it wrote; in check
mode, :meth:`RegistrationWatch.at_risk` says for each extension whose change touches those fields whether a
device is registered now. No registration request is made unless a task asks for the watch.
"""

from __future__ import annotations

import time
from dataclasses import replace
from types import MappingProxyType

from ansible_collections.telphin.pbx.plugins.module_utils.registrations import read_registrations

# The fields whose change decides how a device registers.
REGISTRATION_FIELDS = ("auth_type", "password", "static_reg_address", "network_permission_group_id",
                       "allow_webrtc")
POLL_SECONDS = 1.0


def _devices(found):
    return [r.get("device") for r in (found or {}).get("registrations", [])]


class RegistrationWatch:
    """Reads the registrations of the extensions a run writes, before and after, and names those lost."""

    def __init__(self, wait, parallel, sleep=time.sleep, clock=time.monotonic):
        self.wait = max(0.0, float(wait))
        self.parallel = parallel
        self._sleep = sleep
        self._clock = clock

    def before(self, client, outcomes):
        """``{extension id: normalized registration}`` of the outcomes about to be written."""
        found, _failures = read_registrations(client, [o.target.extension_id for o in outcomes], self.parallel)
        return found

    def at_risk(self, client, outcomes):
        """Check mode: each outcome whose change touches a registration field, with whether a device is
        registered now (``registration``)."""
        touching = [o for o in outcomes if not o.failed and set(o.changes) & set(REGISTRATION_FIELDS)]
        found, failures = read_registrations(client, [o.target.extension_id for o in touching], self.parallel)
        marked = {}
        for outcome in touching:
            ext_id = outcome.target.extension_id
            now = found.get(ext_id)
            marked[ext_id] = MappingProxyType({
                "fields": sorted(set(outcome.changes) & set(REGISTRATION_FIELDS)),
                "registered_now": None if now is None else now["registered"], "devices": _devices(now),
                "msg": failures.get(ext_id, "")})
        return tuple(replace(o, registration=marked[o.target.extension_id])
                     if o.target.extension_id in marked else o for o in outcomes)

    def after(self, client, outcomes, before):
        """The outcomes with their ``registration``: polls the written extensions whose devices were
        registered until each is registered again or the wait is over (``lost`` when one is not)."""
        written = {o.target.extension_id for o in outcomes if o.changed}
        pending = {ext_id for ext_id in written if (before.get(ext_id) or {}).get("registered")}
        now, failures = {}, {}
        deadline = self._clock() + self.wait
        while pending:
            found, failures = read_registrations(client, sorted(pending), self.parallel)
            now.update(found)
            pending = {ext_id for ext_id in pending if not (found.get(ext_id) or {}).get("registered")}
            if not pending or self._clock() + POLL_SECONDS > deadline:
                break
            self._sleep(POLL_SECONDS)
        marked = {}
        for ext_id in written:
            was = before.get(ext_id)
            registered_before = None if was is None else was["registered"]
            registered_after = now[ext_id]["registered"] if ext_id in now else None  # read only if it was
            marked[ext_id] = MappingProxyType({
                "registered_before": registered_before, "registered_after": registered_after,
                "lost": bool(registered_before) and ext_id in pending, "devices": _devices(was),
                "msg": failures.get(ext_id, "")})
        return tuple(replace(o, registration=marked[o.target.extension_id])
                     if o.target.extension_id in marked else o for o in outcomes)
