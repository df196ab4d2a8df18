# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The field table of the Phone Terminal resource (``/extension/{id}/phone/``).

One row per field of the vendor's PhoneProperties page. The rows drive everything else:
the modules' argument specs, the validation of user input, the normalisation used to
compare desired and current values, the masking of secrets and the bundle checks.
A fact about a field is written here once and nowhere else.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Optional

from ansible_collections.telphin.pbx.plugins.module_utils.redact import MASK

STR = "str"
INT = "int"
BOOL = "bool"
DICT = "dict"
TYPES = (STR, INT, BOOL, DICT)

LONG_MAX = 2 ** 63 - 1  # the vendor's "long"; its "int" fields set their own maximum
TEXT_MAX = 1024  # the collection's own bound on a text: the vendor publishes none, and none is near it
_INTEGER = re.compile(r"^\s*[+-]?[0-9]{1,20}\s*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FieldError(ValueError):
    """A value that the field does not accept; the message names the reason, not the option."""


@dataclass(frozen=True)
class Field:
    """The facts of one field. A row that contradicts itself is refused when the table is built."""

    name: str
    type: str
    description: str
    nullable: bool = True
    default: Any = None  # the vendor's documented default, for docs only
    choices: Optional[tuple] = None
    minimum: Optional[int] = None
    maximum: Optional[int] = None  # integers: LONG_MAX unless set
    readonly: bool = False  # returned by GET, refused by PUT
    writeonly: bool = False  # accepted by PUT, never returned: cannot be compared, so always sent when given
    secret: bool = False  # masked in every output unless the user asks for secrets
    synced: bool = False  # carried by the API to every extension of a bundle
    text_only: bool = False  # a number is refused: YAML reads 0123 as 83 and +7987... as a number without its +
    zero_is_null: bool = False  # 0 and null are the same value (a sound id: 0 is "the system's sound")
    vendor: bool = True  # on the vendor's page; False for the fields known only from public clients
    check: Optional[Callable[[Any], None]] = dc_field(default=None, compare=False)  # format check, raises FieldError
    canonical: Optional[Callable[[Any], Any]] = dc_field(default=None, compare=False)  # value sent to the API
    comparable: Optional[Callable[[Any], Any]] = dc_field(default=None, compare=False)  # value used to compare

    def __post_init__(self):
        problems = self.contradictions()
        if problems:
            raise ValueError("field %s: %s" % (self.name, "; ".join(problems)))

    def contradictions(self):
        found = []
        if self.type not in TYPES:
            found.append("type must be one of %s" % ", ".join(TYPES))
        if self.readonly and self.writeonly:
            found.append("cannot be read-only and write-only")
        if self.writeonly and self.comparable is not None:
            found.append("a write-only field is never returned, so it cannot have a comparer")
        if self.readonly and (self.check or self.canonical or self.comparable or self.secret or self.synced):
            found.append("a read-only field is never sent, so it has no check, canonical form, comparer, "
                         "secrecy or bundle synchronisation")
        if (self.minimum is not None or self.maximum is not None or self.zero_is_null) and self.type != INT:
            found.append("only integers have a minimum, a maximum or a zero that means null")
        if self.text_only and self.type != STR:
            found.append("only strings can refuse numbers")
        if self.zero_is_null and not self.nullable:
            found.append("a field whose 0 means null must be nullable")
        if self.choices is not None and self.default is not None and self.default not in self.choices:
            found.append("the default %r is not one of the choices" % (self.default,))
        return found

    @property
    def writable(self):
        return not self.readonly

    @property
    def option_type(self):
        """The type of the module option. Texts are ``raw``: Ansible would turn a dict or a number into a
        string silently (``{'a': 1}``, ``83`` for ``0123``), and the table's own check must see what was given."""
        return "raw" if self.type == STR else self.type


# ---- format checks and normalisers -------------------------------------------------------

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
_PHONE_NUMBER = re.compile(r"^\+?[0-9]{1,20}$")
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


def _geo_codes(value):
    return [code.upper() for code in value.split()]


def check_geo_list(value):
    if value.strip() == "*":
        return
    codes = value.split()
    if not codes:
        raise FieldError('must be "*" or ISO 3166 alpha-2 country codes separated by spaces, e.g. "RU US"; '
                         "to fall back to the client's list, use reset")
    bad = [code for code in codes if not _COUNTRY.match(code)]
    if bad:
        raise FieldError('must be "*" or ISO 3166 alpha-2 country codes separated by spaces, e.g. "RU US"; '
                         "not a two-letter code: %s" % ", ".join(bad))


def canonical_geo_list(value):
    if value is None or value.strip() == "*":
        return value if value is None else "*"
    return " ".join(dict.fromkeys(_geo_codes(value)))  # upper case, single spaces, duplicates dropped


def comparable_geo_list(value):
    if value is None:
        return None
    if value.strip() == "*":
        return "*"
    return frozenset(_geo_codes(value))


def _addresses(value):
    return [address.strip() for address in value.split(",") if address.strip()]


def check_vm_mailto(value):
    addresses = _addresses(value)
    if not addresses:
        raise FieldError("must be one or more e-mail addresses separated by commas; to clear it, use reset")
    bad = [address for address in addresses if not _EMAIL.match(address)]
    if bad:
        raise FieldError("must be e-mail addresses separated by commas; not an address: %s" % ", ".join(bad))


def canonical_vm_mailto(value):
    return value if value is None else ",".join(dict.fromkeys(_addresses(value)))


def comparable_vm_mailto(value):
    return value if value is None else frozenset(address.casefold() for address in _addresses(value))


def check_phone_number(value):
    if not _PHONE_NUMBER.match(value.strip()):
        raise FieldError("must be digits with an optional leading +, e.g. +79876543210")


def check_host_port(value):
    host, sep, port = value.strip().rpartition(":")
    if not sep or not _HOST.match(host) or not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        raise FieldError("must be host:port, e.g. 8.8.8.8:5068, with a port from 1 to 65535")


def _strip(value):
    return value if value is None else value.strip()


# ---- the table ---------------------------------------------------------------------------

_SOUND = "ID of a sound file"

FIELDS = (
    Field("label", STR, "Name of the extension, shown on the called terminal for outgoing calls."),
    Field("announce_sound_upon_outgoing_call", INT, _SOUND + " played as an announcement on an outgoing call.",
          minimum=0, synced=True),
    Field("announce_sound_upon_incoming_call", INT, _SOUND + " played when an incoming call is answered, "
          "also through a queue.", minimum=0, synced=True),
    Field("append_to_cid_name_on_transfer", STR, "Text added to the caller name of a transferred call."),
    Field("auth_type", STR, "How the SIP server authenticates the terminal: C(digest) (login and password), "
          "C(network) (trusted networks) or C(both).", nullable=False, default="digest",
          choices=("digest", "network", "both")),
    Field("call_screening_enabled", BOOL, "Announce the caller and ask for 1 to accept an incoming call.",
          nullable=False, default=False),
    Field("conference_announce_caller_name", BOOL, "Local conference (*8<number>): announce the name of an "
          "extension that joins.", nullable=False, default=True, synced=True),
    Field("conference_end_on_exit", BOOL, "Local conference: end it when the extension that created it leaves.",
          nullable=False, default=True, synced=True),
    Field("conference_pin", STR, "Local conference: PIN other extensions enter to join.",
          secret=True, synced=True, text_only=True, canonical=_strip, comparable=_strip),
    Field("external_number", STR, "Number the SIP server sends calls to instead, e.g. a mobile, as digits with "
          "an optional leading C(+).", text_only=True, check=check_phone_number, canonical=_strip, comparable=_strip),
    Field("geo_list", STR, 'Countries whose IP addresses may use the SIP account: ISO 3166 alpha-2 codes '
          'separated by spaces (C("RU US")), or C("*") for all. Compared as a set, case-insensitively.',
          synced=True, check=check_geo_list, canonical=canonical_geo_list, comparable=comparable_geo_list),
    Field("hangup_timeout", INT, "Seconds to wait for an answer before the call counts as unanswered.",
          default=60, minimum=1),
    Field("hold_music", INT, _SOUND + " played to the other side while on hold.", default=0, minimum=0,
          synced=True, zero_is_null=True),
    Field("ignore_early_media", BOOL, "Ignore early media such as autoresponders.", nullable=False, default=True),
    Field("incoming_limit", INT, "Calls the extension can receive at once: C(0) no limit, C(1) one "
          "(call waiting off), C(2) two, and so on.", default=0, minimum=0, synced=True),
    Field("network_permission_group_id", INT, "ID of the client's trusted networks, for I(auth_type) "
          "C(network) or C(both).", default=0, minimum=0),
    Field("preserve_caller_id_number_att_tr", BOOL, "Pass the caller's number on an attended transfer (*2).",
          nullable=False, default=True),
    Field("record_enabled", BOOL, "Record calls.", nullable=False, default=True, synced=True),
    Field("record_format", STR, "Format of recordings; unset means the client's setting.",
          choices=("mp3", "wav"), synced=True),
    Field("record_stereo", BOOL, "Record in stereo; unset means the client's setting.", synced=True),
    Field("record_transfer", BOOL, "Keep recording after a transfer.", nullable=False, default=True,
          synced=True),
    Field("record_on_transfer", BOOL, "Record the other side of the conversation.", nullable=False,
          default=False),
    Field("ringback_sound", INT, _SOUND + " played instead of ringback beeps.", default=0, minimum=0,
          synced=True, zero_is_null=True),
    Field("static_reg_address", STR, "Fixed registration address as host:port, e.g. C(8.8.8.8:5068).",
          check=check_host_port, canonical=_strip, comparable=_strip),
    Field("transfer_caller_id_number", STR, "Caller number always shown when a call is forwarded inside the "
          "PBX, as digits with an optional leading C(+).", text_only=True, check=check_phone_number,
          canonical=_strip, comparable=_strip),
    Field("vm_attach_file", BOOL, "Attach the voice message to the notification e-mail.", nullable=False,
          default=True),
    Field("vm_enabled", BOOL, "Voicemail on.", nullable=False, default=True),
    Field("vm_greeting", INT, _SOUND + " played as the voicemail greeting.", default=0, minimum=0,
          zero_is_null=True),
    Field("vm_mailto", STR, "E-mail addresses, separated by commas, notified of new voice messages. "
          "Compared as a set, case-insensitively.", check=check_vm_mailto, canonical=canonical_vm_mailto,
          comparable=comparable_vm_mailto),
    Field("intercom", INT, "Auto-answer after this many seconds (C(0) at once); unset turns it off.",
          minimum=0),
    Field("replace_pin", STR, "Secret code of the substitution function.",
          secret=True, text_only=True, canonical=_strip, comparable=_strip),
    Field("call_status_id", INT, "Call status of the extension, an ID from C(/call_status/).", minimum=0,
          maximum=2 ** 31 - 1),
    Field("transfer_after_call_end_to", STR, "Number the call is transferred to when the conversation ends.",
          text_only=True, canonical=_strip, comparable=_strip),
    Field("password", STR, "SIP password of the terminal (not on the vendor's page; known from API clients).",
          nullable=False, secret=True, writeonly=True, text_only=True, vendor=False),
    Field("allow_webrtc", BOOL, "Allow WebRTC clients (not on the vendor's page; known from API clients).",
          nullable=False, default=False, vendor=False),
    Field("bundle", DICT, "Bundle membership; managed by the bundle resource.", readonly=True),
    Field("call_status_set_dt", STR, "When the call status was last set; set by the server.", readonly=True),
)

FIELDS_BY_NAME = {f.name: f for f in FIELDS}
WRITABLE = tuple(f for f in FIELDS if f.writable)
WRITABLE_NAMES = tuple(f.name for f in WRITABLE)
NULLABLE_NAMES = tuple(f.name for f in WRITABLE if f.nullable)
SECRET_NAMES = frozenset(f.name for f in FIELDS if f.secret)
SYNCED_NAMES = frozenset(f.name for f in FIELDS if f.synced)


# ---- validation and normalisation --------------------------------------------------------

def coerce(fld, value):
    """The value as the field's type, or FieldError. Accepts what a YAML user writes (``"60"``, ``yes``)."""
    if value is None:
        if not fld.nullable:
            raise FieldError("cannot be null")
        return None
    if fld.type == BOOL:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("yes", "true", "on", "1", "y", "t"):
            return True
        if text in ("no", "false", "off", "0", "n", "f"):
            return False
        raise FieldError("must be a boolean, got %r" % shown(fld, _short(value)))
    if fld.type == INT:
        if isinstance(value, bool):
            raise FieldError("must be an integer, got a boolean")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER.match(value):
            return int(value)
        raise FieldError("must be an integer, got %r" % shown(fld, _short(value)))
    if fld.type == STR:
        if isinstance(value, (dict, list, bool)):
            raise FieldError("must be a string, got a %s" % type(value).__name__)
        if isinstance(value, float) or (fld.text_only and isinstance(value, int)):
            raise FieldError("must be a string, got the number %s: quote it, since YAML reads a number such as "
                             "0123 as 83 and drops the + of +7987..." % shown(fld, value))
        return str(value)
    return value


def _short(value):
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "..."


def validate(fld, value):
    """Coerce and check one desired value; returns the canonical value to send. Raises FieldError."""
    value = coerce(fld, value)
    if value is None:
        return None
    if fld.type == STR and len(value) > TEXT_MAX:
        raise FieldError("must be at most %d characters, got %d" % (TEXT_MAX, len(value)))
    if fld.type == STR and _CONTROL.search(value):
        raise FieldError("must not hold control characters (such as NUL or a line break)")
    if fld.choices is not None and value not in fld.choices:
        raise FieldError("must be one of %s, got %r" % (", ".join(fld.choices), shown(fld, _short(value))))
    if fld.minimum is not None and value < fld.minimum:
        raise FieldError("must be %s or more, got %d" % (fld.minimum, value))
    if fld.type == INT and value > (fld.maximum if fld.maximum is not None else LONG_MAX):
        raise FieldError("must be %d or less, got %s" % (fld.maximum if fld.maximum is not None else LONG_MAX,
                                                         _short(value)))
    if fld.check is not None:
        fld.check(value)
    return fld.canonical(value) if fld.canonical else value


def desired_properties(options, reset, prefix=""):
    """Validate one target's property options and ``reset`` list.

    ``options`` maps field names to user values (None = not managed). Returns
    ``(desired, problems)``: desired maps each managed field to its canonical value (None for a
    reset field); problems is a list of ``"<prefix><option>: <reason>"`` strings.
    """
    desired = {}
    problems = []
    for name, value in options.items():
        if value is None:
            continue
        fld = FIELDS_BY_NAME.get(name)
        if fld is None or not fld.writable:
            problems.append("%s%s: not a writable property of the phone terminal" % (prefix, name))
            continue
        try:
            desired[name] = validate(fld, value)
        except FieldError as exc:
            problems.append("%s%s: %s" % (prefix, name, exc))
    for name in reset or ():
        fld = FIELDS_BY_NAME.get(name)
        if fld is None or not fld.writable:
            problems.append("%sreset: %r is not a writable property of the phone terminal" % (prefix, name))
        elif not fld.nullable:
            problems.append("%sreset: %s cannot be null; give it a value instead (the API's default is %r)"
                            % (prefix, name, fld.default))
        elif name in desired:
            problems.append("%sreset: %s is also given a value; use one or the other" % (prefix, name))
        else:
            desired[name] = None
    return desired, problems


def comparable(fld, value):
    """The form in which two values of the field are equal exactly when the API treats them as the same."""
    if value is None:
        return None
    try:
        value = coerce(fld, value)
    except FieldError:
        return value  # an unexpected value from the API compares as it is, so it shows up as drift
    if fld.zero_is_null and value == 0:
        return None
    return fld.comparable(value) if fld.comparable else value


def shown(fld, value):
    """A value as messages may show it: a secret that holds a value is masked."""
    return MASK if fld.secret and value not in (None, "") else value


def mask(properties, show_secrets=False):
    """A copy of a properties dict with every secret that holds a value replaced by MASK."""
    if properties is None or show_secrets:
        return properties
    return {name: (MASK if name in SECRET_NAMES and value not in (None, "") else value)
            for name, value in properties.items()}


def argument_spec(for_items=False):
    """Ansible argument spec of every writable field.

    Task-level options carry the real types and choices, so Ansible converts and checks them.
    Items of ``extensions`` take ``raw`` values: the module checks them itself with the table,
    so that every bad item is reported at once with its index (Ansible stops at the first).
    """
    spec = {}
    for fld in WRITABLE:
        if for_items:
            spec[fld.name] = dict(type="raw")
        else:
            spec[fld.name] = dict(type=fld.option_type)
            if fld.choices:
                spec[fld.name]["choices"] = list(fld.choices)
        if fld.secret:
            spec[fld.name]["no_log"] = True
    return spec


def did_you_mean(word, choices):
    """``"; did you mean X?"`` for a misspelt name (a property, a key, a profile), or nothing: the one wording of
    every message that names the closest of ``choices``."""
    found = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return "; did you mean %s?" % found[0] if found else ""
