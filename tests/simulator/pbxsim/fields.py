"""The phone terminal properties, as the simulator's own table.

Written from the vendor's page (``phone-terminal-resource.txt``) and ``api-notes.md``;
it shares nothing with the collection's plugins on purpose.

Rules taken from the page:
- default: the page's "Default value" column; "None" and an empty column mean JSON null.
- types: ``long``/``int`` accept JSON integers only (no bool, no float, no numeric string);
  ``boolean`` accepts JSON true/false only; ``string`` accepts JSON strings only.
- nullable: strings, longs/ints (the page's own example sends ``"hold_music": null``),
  ``record_format``, ``record_stereo`` and ``intercom``; booleans with a true/false default
  and ``auth_type`` are not nullable.
- read-only: ``bundle`` and ``call_status_set_dt`` (rejected in a PUT body; dropped silently under the
  reading ``readonly_in_put: ignore``).
- write-only: ``password`` (accepted and stored, never returned).
"""

import re
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from .iso3166 import ALPHA2

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # "string" | "long" | "int" | "boolean" | "object"
    default: Any = None
    nullable: bool = True
    choices: Optional[Tuple[Any, ...]] = None
    minimum: Optional[int] = None
    readonly: bool = False
    writeonly: bool = False
    check: Optional[str] = None  # name of an extra check ("geo_list")


def _s(name, **kw):
    return Field(name, "string", **kw)


def _l(name, default=None, **kw):
    return Field(name, "long", default=default, **kw)


def _b(name, default, **kw):
    # booleans with a true/false default cannot be null
    return Field(name, "boolean", default=default, nullable=default is None, **kw)


# Page order; `allow_webrtc` and `password` come from the API notes (public clients).
FIELD_LIST = (
    _s("label"),
    _l("announce_sound_upon_outgoing_call", minimum=0),
    _l("announce_sound_upon_incoming_call", minimum=0),
    _s("append_to_cid_name_on_transfer"),
    _s("auth_type", default="digest", nullable=False, choices=("digest", "network", "both")),
    _b("call_screening_enabled", False),
    _b("conference_announce_caller_name", True),
    _b("conference_end_on_exit", True),
    _s("conference_pin"),
    _s("external_number"),
    _s("geo_list", check="geo_list"),
    _l("hangup_timeout", 60, minimum=1),
    _l("hold_music", 0, minimum=0),
    _b("ignore_early_media", True),
    _l("incoming_limit", 0, minimum=0),
    _l("network_permission_group_id", 0, minimum=0),
    _b("preserve_caller_id_number_att_tr", True),
    _b("record_enabled", True),
    _s("record_format", choices=("mp3", "wav")),
    _b("record_stereo", None),
    _b("record_transfer", True),
    _b("record_on_transfer", False),
    _l("ringback_sound", 0, minimum=0),
    _s("static_reg_address"),
    _s("transfer_caller_id_number"),
    _b("vm_attach_file", True),
    _b("vm_enabled", True),
    _l("vm_greeting", 0, minimum=0),
    _s("vm_mailto"),
    _l("intercom", None, minimum=0),
    Field("bundle", "object", readonly=True),
    _s("replace_pin"),
    Field("call_status_id", "int", minimum=0),
    _s("call_status_set_dt", readonly=True),
    _s("transfer_after_call_end_to"),
    _b("allow_webrtc", False),
    _s("password", writeonly=True),
)

FIELDS = {f.name: f for f in FIELD_LIST}

# Fields the GET answer shows, in order.
VISIBLE = tuple(f.name for f in FIELD_LIST if not f.writeonly)

# Fields stored per phone (bundle is computed from the bundle table, label lives on the extension).
STORED = tuple(f.name for f in FIELD_LIST if f.name not in ("bundle", "label"))

# Synchronized phone parameters of a bundle (api-notes.md).
SYNC_PHONE = (
    "record_transfer", "ringback_sound", "geo_list", "record_enabled", "hold_music",
    "announce_sound_upon_outgoing_call", "announce_sound_upon_incoming_call", "conference_pin",
    "conference_announce_caller_name", "conference_end_on_exit", "record_format", "record_stereo",
    "incoming_limit",
)
# Synchronized extension parameters (outside /phone/).
SYNC_EXTENSION = ("status", "dial_rule_id", "dial_rule_limit")

_GEO_RE = re.compile(r"^[A-Z]{2}( [A-Z]{2})*$")


def defaults():
    """A fresh dict of the stored fields with the page's defaults."""
    return {name: FIELDS[name].default for name in STORED}


def _type_name(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def check_value(field, value):
    """Return an error text for one value of a writable field, or None if it is valid."""
    if value is None:
        if field.nullable:
            return None
        return "may not be null"
    t = field.type
    if t in ("long", "int"):
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer (%s), got %s %s" % (t, _type_name(value), _short(value))
        if not INT64_MIN <= value <= INT64_MAX:
            return "integer out of range"
    elif t == "boolean":
        if not isinstance(value, bool):
            return "must be a boolean (true or false), got %s %s" % (_type_name(value), _short(value))
    elif t == "string":
        if not isinstance(value, str):
            return "must be a string, got %s %s" % (_type_name(value), _short(value))
    elif t == "object":
        if not isinstance(value, dict):
            return "must be an object, got %s" % _type_name(value)
    if field.choices is not None and value not in field.choices:
        allowed = ", ".join(str(c) for c in field.choices)
        if field.nullable:
            allowed += ", null"
        return "must be one of: %s; got %s" % (allowed, _short(value))
    if field.minimum is not None and value < field.minimum:
        return "must be >= %d, got %d" % (field.minimum, value)
    if field.check == "geo_list":
        return _check_geo_list(value)
    return None


def _check_geo_list(value):
    if value == "*":
        return None
    if not _GEO_RE.match(value):
        return ('must be "*" or ISO 3166-1 alpha-2 country codes (upper case) separated by single '
                'spaces, e.g. "RU US BY"; got %s' % _short(value))
    bad = [c for c in value.split(" ") if c not in ALPHA2]
    if bad:
        return "unknown ISO 3166-1 alpha-2 code(s): %s" % ", ".join(bad)
    return None


def _short(value):
    import json
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_update(body, ignore_readonly=False):
    """Validate a PUT body. Returns (clean_dict, errors); errors is a list of (field, text).

    Read-only fields are errors, or silently dropped with ``ignore_readonly`` (reading readonly_in_put)."""
    if not isinstance(body, dict):
        return {}, [(None, "the request body must be a JSON object, got %s" % _type_name(body))]
    clean, errors = {}, []
    for name, value in body.items():
        field = FIELDS.get(name)
        if field is None:
            errors.append((name, "unknown field"))
            continue
        if field.readonly:
            if not ignore_readonly:
                errors.append((name, "field is read-only"))
            continue
        err = check_value(field, value)
        if err:
            errors.append((name, err))
            continue
        clean[name] = value
    return clean, errors


def format_errors(errors):
    parts = []
    for name, text in errors:
        parts.append("%s: %s" % (name, text) if name else text)
    return "Validation failed: " + "; ".join(parts)
