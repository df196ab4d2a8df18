"""Readings: switches for what the vendor leaves open (api-notes.md, "Readings the vendor leaves open").

Each switch has a default that is the simulator's historical behaviour, so a simulator started without
readings behaves as before (the registration switches, which came with that resource, default to the most
literal reading of the vendor's page). A readings mapping is checked here (unknown names and bad values raise
``ReadingsError``, a ``ValueError``) and turned into a ``Readings`` object: immutable, replaced as a whole
when a switch changes, so the request path reads it without a lock.

    >>> r = parse({"null_sounds": True, "omit_fields": "vendor_example"})
    >>> r.null_sounds, r.omit_fields[:2]
    (True, ('label', 'announce_sound_upon_incoming_call'))
"""

import json
from dataclasses import dataclass
from typing import Any, Callable

from . import fields

# The fields the vendor's example answer of GET /phone/ lacks, plus allow_webrtc (known from one client only).
VENDOR_EXAMPLE_OMITS = ("label", "announce_sound_upon_incoming_call", "record_on_transfer", "intercom",
                        "replace_pin", "allow_webrtc")
# Sound ids whose default is 0 ("the system's sound") and whose example value is null.
SOUND_FIELDS = ("hold_music", "ringback_sound", "vm_greeting")


class ReadingsError(ValueError):
    pass


def _bool(name, value):
    if not isinstance(value, bool):
        raise ReadingsError("reading %s must be true or false, got %s" % (name, json.dumps(value)))
    return value


def _choice(*choices):
    def check(name, value):
        if value not in choices:
            raise ReadingsError("reading %s must be one of %s, got %s"
                                % (name, ", ".join(json.dumps(c) for c in choices), json.dumps(value)))
        return value
    return check


def _int(minimum, nullable=False, zero_is_null=False):
    def check(name, value):
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if zero_is_null else minimum):
            raise ReadingsError("reading %s must be an integer >= %d%s, got %s"
                                % (name, minimum, " or null" if nullable else "", json.dumps(value)))
        return None if zero_is_null and value == 0 else value
    return check


def _fields(name, value):
    """A list of phone property names; "vendor_example" (alone or in the list) stands for VENDOR_EXAMPLE_OMITS;
    a string is split at commas (handy on the command line)."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ReadingsError("reading %s must be a list of phone property names or \"vendor_example\"" % name)
    wanted = set()
    for v in value:
        if v == "vendor_example":
            wanted.update(VENDOR_EXAMPLE_OMITS)
        elif v in fields.VISIBLE:
            wanted.add(v)
        else:
            raise ReadingsError("reading %s: %r is not a phone property an answer shows (known: %s)"
                                % (name, v, ", ".join(fields.VISIBLE)))
    return tuple(f for f in fields.VISIBLE if f in wanted)  # page order


@dataclass(frozen=True)
class Switch:
    name: str
    default: Any
    values: str    # the accepted values, as the README's table says them
    check: Callable
    silence: str   # the vendor's silence it plays


SWITCHES = {s.name: s for s in (
    Switch("omit_fields", (), 'list of property names, or "vendor_example"', _fields,
           "which fields a GET/PUT answer holds (the example answer lacks five)"),
    Switch("null_sounds", False, "true / false", _bool,
           "sound ids: default 0, example answer null"),
    Switch("per_page_default", 50, "integer >= 1 (capped at per_page_max)", _int(1),
           "default per_page of the listing"),
    Switch("per_page_max", 100, "integer >= 1", _int(1), "maximum per_page of the listing"),
    Switch("per_page_over_max", "clamp", '"clamp" / "reject"', _choice("clamp", "reject"),
           "what a per_page above the maximum gets"),
    Switch("ignore_page", False, "true / false", _bool, "whether the listing honours page"),
    Switch("concurrency_429", None, "null / integer >= 1", _int(1, nullable=True),
           "the 429 \"concurrent request not allowed\" of a client's fixtures"),
    Switch("rate_limit_scope", "client", '"client" / "application" / "resource"',
           _choice("client", "application", "resource"), "whose hourly budget a request spends"),
    Switch("rate_limit_headers", "send", '"send" / "omit"', _choice("send", "omit"),
           "every answer's X-RateLimit-* headers, or none (a gateway that strips them)"),
    Switch("readonly_in_put", "reject", '"reject" / "ignore"', _choice("reject", "ignore"),
           "bundle / call_status_set_dt in a PUT body"),
    Switch("bundle_sync_inactive", True, "true / false", _bool,
           "whether bundle members with active false are synchronised"),
    Switch("token_params_in_query", False, "true / false", _bool,
           "token request parameters in the query string"),
    Switch("token_expires_in", "send", '"send" / "omit"', _choice("send", "omit"),
           "whether the token answer holds expires_in"),
    Switch("oauth_max_connections", 6, "null / integer >= 1 (0 = null)", _int(1, nullable=True, zero_is_null=True),
           "the documented 6 concurrent /oauth connections"),
    # registrations (vendor page "Internal Number Registration (/registration/)")
    Switch("registration_expires", "timestamp", '"timestamp" / "seconds_left"', _choice("timestamp", "seconds_left"),
           "expires: the table's \"date (UTC)\" of type long, or the example's 699"),
    Switch("registration_device", "string", '"string" / "object"', _choice("string", "object"),
           "device: the example's string, or the table's type object"),
    Switch("reregister_after", None, "null / integer >= 0 (seconds)", _int(0, nullable=True),
           "whether devices logged out by a PUT of auth_type/password/static_reg_address register again"),
    Switch("delete_reregisters", False, "true / false", _bool,
           "whether a device whose registration was deleted registers again at its next renewal"),
    Switch("registration_bulk", "extension", '"extension" / "client" / "none"',
           _choice("extension", "client", "none"), "where the registrations of many extensions are read"),
    Switch("registration_bulk_select", "pages", '"pages" / "ids" / "all"', _choice("pages", "ids", "all"),
           "what a block of the bulk read is"),
    Switch("registration_bulk_shape", "list", '"list" / "map"', _choice("list", "map"),
           "the bulk answer: an array of RegInfo, or an object keyed by extension id"),
    Switch("registration_id_slash", "without", '"without" / "with" / "either"',
           _choice("without", "with", "either"), "the trailing slash of DELETE .../registration/{registration_id}"),
)}


class Readings:
    """One immutable set of readings; attributes are the switch names, plus derived flags."""

    __slots__ = tuple(SWITCHES) + ("shapes_phone",)

    def __init__(self, values):
        for name in SWITCHES:
            object.__setattr__(self, name, values[name])
        object.__setattr__(self, "shapes_phone", bool(values["omit_fields"]) or values["null_sounds"])

    def __setattr__(self, name, value):
        raise AttributeError("Readings are immutable: make a new set with parse()")

    def as_dict(self):
        out = {name: getattr(self, name) for name in SWITCHES}
        out["omit_fields"] = list(out["omit_fields"])
        return out

    def __eq__(self, other):
        return isinstance(other, Readings) and self.as_dict() == other.as_dict()

    def __repr__(self):
        return "Readings(%s)" % self.as_dict()

    # ---- what the switches do to a phone answer -----------------------------------------
    def shape_phone(self, view):
        """The phone properties as an answer shows them (a fresh dict from phone_view)."""
        for name in self.omit_fields:
            view.pop(name, None)
        if self.null_sounds:
            for name in SOUND_FIELDS:
                if view.get(name) == 0:
                    view[name] = None
        return view

    def store_sounds(self, clean):
        """Under null_sounds a PUT of null for a sound id stores 0: the same sound."""
        if self.null_sounds:
            for name in SOUND_FIELDS:
                if name in clean and clean[name] is None:
                    clean[name] = 0
        return clean


def parse(mapping=None, base=None):
    """A Readings from a mapping of switches; switches not named come from base (default: the defaults)."""
    if mapping is None:
        mapping = {}
    if isinstance(mapping, Readings):
        mapping = mapping.as_dict()
    if not isinstance(mapping, dict):
        raise ReadingsError("readings must be a mapping of switch names to values")
    unknown = sorted(str(k) for k in mapping if k not in SWITCHES)
    if unknown:
        raise ReadingsError("unknown reading(s): %s (known: %s)" % (", ".join(unknown), ", ".join(SWITCHES)))
    values = base.as_dict() if base is not None else {n: s.default for n, s in SWITCHES.items()}
    values["omit_fields"] = tuple(values["omit_fields"])
    for name, value in mapping.items():
        values[name] = SWITCHES[name].check(name, value)
    return Readings(values)


DEFAULTS = parse()


def parse_assignment(text):
    """``name=value`` of the command line -> (name, value); the value is JSON if it parses, else a string."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ReadingsError("--reading wants NAME=VALUE, got %r" % text)
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value
