"""SIP registrations of phone extensions: the vendor's page "Internal Number Registration (/registration/)".

What a registration is (README.md, "Registrations"): a device (user agent) bound to a phone extension, with
the address it gave (``contact_address``), the address its request came from (``real_address``), a unique
``registration_id`` and an expiry. A device renews its registration every ``interval`` seconds while it is
online (``renew``), so a live registration's expiry moves forward with the simulator's clock; one that does
not renew lapses at its expiry. A change of ``auth_type``, ``password`` or ``static_reg_address`` through
``PUT /phone/`` logs the devices out (their registrations lapse at once and are kept as the last, expired
ones); under the reading ``reregister_after`` they register again that many seconds later.

Everything is evaluated lazily against the simulator's clock (wall time plus the offset of
``advance_clock``) when a registration is read: no timers, so a re-registration shows both to an HTTP client
that polls in real time and to a test that moves the clock. All times stored here are whole seconds of that
clock. Not thread-safe by itself: the API layer holds the lock.
"""

import math
import zlib

DEFAULT_INTERVAL = 3600  # seconds between renewals when a seed or a helper does not say
# what the seed / set_registration accept for one registration
SPEC_KEYS = ("device", "contact_address", "real_address", "registration_id", "interval", "expires_in", "renew")
# the fields of one registration in an answer, in the order of the vendor's example
ANSWER_KEYS = ("device", "real_address", "contact_address", "expires", "registration_id")
# a PUT that changes one of these logs the devices out
LOGOUT_FIELDS = ("auth_type", "password", "static_reg_address")


class Registration:
    __slots__ = ("registration_id", "device", "real_address", "contact_address", "interval", "registered_at",
                 "renew", "lapsed_at", "returns_at", "deleted")

    def __init__(self, registration_id, device, real_address, contact_address, interval, registered_at,
                 renew=True, lapsed_at=None):
        self.registration_id = registration_id
        self.device = device
        self.real_address = real_address
        self.contact_address = contact_address
        self.interval = interval
        self.registered_at = registered_at  # whole seconds: the (last) REGISTER that started this binding
        self.renew = renew                  # the device renews every `interval` seconds while online
        self.lapsed_at = lapsed_at          # set when the device was logged out (or seeded expired)
        self.returns_at = None              # when a logged-out (or deleted) device registers again, or None
        self.deleted = False                # removed by DELETE, waiting for returns_at (delete_reregisters)

    def expires_at(self, now):
        if self.lapsed_at is not None:
            return self.lapsed_at
        if not self.renew or now < self.registered_at:
            return self.registered_at + self.interval
        # renewed every interval since registered_at: the next renewal after now
        return self.registered_at + (math.floor((now - self.registered_at) / self.interval) + 1) * self.interval

    def active(self, now):
        return not self.deleted and self.lapsed_at is None and self.expires_at(now) > now


def check_spec(spec):
    """A registration as a seed or set_registration gives it -> a clean dict; ValueError naming the problem."""
    if not isinstance(spec, dict):
        raise ValueError("a registration must be a mapping, got %r" % (spec,))
    unknown = sorted(str(k) for k in spec if k not in SPEC_KEYS)
    if unknown:
        raise ValueError("unknown registration key(s) %s (known: %s)" % (", ".join(unknown), ", ".join(SPEC_KEYS)))
    out = dict(spec)
    device = out.get("device")
    if not isinstance(device, str) or not device:
        raise ValueError("a registration needs device: the user agent, a non-empty string")
    for key in ("contact_address", "real_address", "registration_id"):
        v = out.get(key)
        if v is not None and (not isinstance(v, str) or not v):
            raise ValueError("registration %s must be a non-empty string or null, got %r" % (key, v))
    interval = out.get("interval", DEFAULT_INTERVAL)
    if interval is None:
        interval = DEFAULT_INTERVAL
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        raise ValueError("registration interval must be an integer >= 1 (seconds), got %r" % (interval,))
    out["interval"] = interval
    expires_in = out.get("expires_in")
    if expires_in is None:
        expires_in = interval
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        raise ValueError("registration expires_in must be an integer (seconds; <= 0: already expired), got %r"
                         % (expires_in,))
    out["expires_in"] = expires_in
    renew = out.get("renew", True)
    if not isinstance(renew, bool):
        raise ValueError("registration renew must be true or false, got %r" % (renew,))
    out["renew"] = renew
    return out


class Book:
    """The registrations of every phone extension of an account: ext_id -> [Registration, ...]."""

    def __init__(self):
        self.by_ext = {}
        self._seq = 0
        self._ids = set()

    # ---- making ---------------------------------------------------------------------------
    def new_id(self, ext_id, at):
        """A fresh id in the form of the vendor's example, "uloc-572b0ffb-6d47-001"."""
        while True:
            self._seq += 1
            rid = "uloc-%08x-%04x-%03d" % (int(at) & 0xFFFFFFFF, zlib.crc32(str(ext_id).encode()) & 0xFFFF,
                                           self._seq)
            if rid not in self._ids:
                self._ids.add(rid)
                return rid

    def add(self, ext_id, ext_name, spec, now):
        """Add a checked spec (check_spec) to a phone; answers the Registration. An active one supersedes the
        phone's expired registrations (they are no longer "the last" ones)."""
        now = math.floor(now)
        rid = spec.get("registration_id")
        if rid is not None:
            if rid in self._ids:
                raise ValueError("registration_id %s is already in use" % rid)
            self._ids.add(rid)
        else:
            rid = self.new_id(ext_id, now)
        interval, expires_in = spec["interval"], spec["expires_in"]
        n = len(self.by_ext.get(ext_id, ())) + 1
        contact = spec.get("contact_address") or default_contact(ext_id, ext_name, n)
        real = spec.get("real_address") or default_real(ext_id, n)
        expiry = now + expires_in
        if expires_in > 0:
            reg = Registration(rid, spec["device"], real, contact, interval, expiry - interval, renew=spec["renew"])
            self._drop_expired(ext_id, now)
        else:
            reg = Registration(rid, spec["device"], real, contact, interval, expiry - interval, renew=spec["renew"],
                               lapsed_at=expiry)
        self.by_ext.setdefault(ext_id, []).append(reg)
        return reg

    def _drop_expired(self, ext_id, now):
        regs = self.by_ext.get(ext_id)
        if regs:
            keep = [r for r in regs if r.active(now) or r.returns_at is not None]
            for r in regs:
                if r not in keep:
                    self._ids.discard(r.registration_id)
            self.by_ext[ext_id] = keep

    # ---- time -----------------------------------------------------------------------------
    def refresh(self, ext_id, now):
        """Devices whose return time has come register again (a new registration_id)."""
        regs = self.by_ext.get(ext_id)
        if not regs:
            return
        back = False
        for r in regs:
            if r.returns_at is not None and r.returns_at <= now:
                self._ids.discard(r.registration_id)
                r.registration_id = self.new_id(ext_id, r.returns_at)
                r.registered_at = r.returns_at
                r.lapsed_at = None
                r.returns_at = None
                r.deleted = False
                r.renew = True
                back = True
        if back:
            self._drop_expired(ext_id, now)

    # ---- what a GET shows -----------------------------------------------------------------
    def shown(self, ext_id, now):
        """(registered, [Registration]): the active ones, or when there are none the last, expired ones."""
        self.refresh(ext_id, now)
        regs = [r for r in self.by_ext.get(ext_id, ()) if not r.deleted]
        active = [r for r in regs if r.active(now)]
        return (True, active) if active else (False, regs)

    def find(self, ext_id, registration_id, now):
        self.refresh(ext_id, now)
        for r in self.by_ext.get(ext_id, ()):
            if not r.deleted and r.registration_id == registration_id:
                return r
        return None

    # ---- changes --------------------------------------------------------------------------
    def log_out(self, ext_id, now, reregister_after):
        """A PUT changed auth_type, password or static_reg_address: every active registration lapses now and is
        kept as an expired one. ``reregister_after`` (the reading): None = the devices stay out; N = they
        register again N seconds from now. Devices already out and waiting to return wait N seconds from this
        change instead (or, under None, stay out)."""
        self.refresh(ext_id, now)
        now = math.floor(now)
        regs = self.by_ext.get(ext_id)
        if not regs:
            return 0
        n = 0
        keep = []
        for r in regs:
            if r.active(now):
                r.lapsed_at = now
                r.returns_at = None if reregister_after is None else now + reregister_after
                n += 1
            elif r.returns_at is not None:
                r.returns_at = None if reregister_after is None else now + reregister_after
                if r.deleted and r.returns_at is None:
                    self._ids.discard(r.registration_id)
                    continue
            keep.append(r)
        self.by_ext[ext_id] = keep
        return n

    def delete(self, ext_id, reg, now, reregisters):
        """DELETE of one registration. ``reregisters`` (the reading delete_reregisters): a device that is
        online (renewing) comes back at its next renewal, the time its `expires` showed, with a new id; a
        logged-out one waiting to return still returns. Otherwise the registration is gone for good."""
        if reregisters:
            if reg.active(now) and reg.renew:
                reg.returns_at = reg.expires_at(now)
                reg.deleted = True
                return
            if reg.returns_at is not None:
                reg.deleted = True
                return
        self.by_ext[ext_id] = [r for r in self.by_ext.get(ext_id, ()) if r is not reg]
        self._ids.discard(reg.registration_id)

    def delete_all(self, ext_id, now, reregisters):
        self.refresh(ext_id, now)
        regs = [r for r in self.by_ext.get(ext_id, ()) if not r.deleted]
        for r in regs:
            self.delete(ext_id, r, now, reregisters)
        return len(regs)

    def clear(self, ext_id, registration_id=None):
        """Remove registrations outright (a helper for tests: no re-registration). Answers how many."""
        regs = self.by_ext.get(ext_id, [])
        gone = [r for r in regs if registration_id is None or r.registration_id == registration_id]
        for r in gone:
            self._ids.discard(r.registration_id)
        self.by_ext[ext_id] = [r for r in regs if r not in gone]
        return len(gone)


def default_contact(ext_id, ext_name, n):
    """What a handset on an office LAN gives: sip:<extension name>@192.168.x.y:port (the example's form)."""
    return "sip:%s@192.168.%d.%d:%d" % (ext_name, 1 + (ext_id // 250) % 250, 2 + ext_id % 250, 5060 + 2 * (n - 1))


def default_real(ext_id, n):
    """Where the REGISTER came from: the office's public address (TEST-NET-3) and a NAT port."""
    return "sip:203.0.113.%d:%d" % (1 + (ext_id // 97) % 254, 20000 + (ext_id * 131 + n * 7919) % 40000)


def render(reg, now, readings):
    """One registration as an answer shows it, under the readings registration_expires / registration_device."""
    expires = reg.expires_at(now)
    if readings.registration_expires == "seconds_left":
        expires = int(math.ceil(expires - now))  # negative: lapsed that many seconds ago
    device = reg.device
    if readings.registration_device == "object":
        device = {"user_agent": device}
    return {"device": device, "real_address": reg.real_address, "contact_address": reg.contact_address,
            "expires": int(expires), "registration_id": reg.registration_id}


def reg_info(book, ext_id, now, readings):
    """The RegInfo of one phone extension: {"registered", "extension_id", "registrations"}."""
    registered, regs = book.shown(ext_id, now)
    return {"registered": registered, "extension_id": ext_id,
            "registrations": [render(r, now, readings) for r in regs]}
