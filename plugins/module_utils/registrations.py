# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIP registrations of phone extensions: the answers of ``GET /extension/{id}/registration/`` read and made
one shape, device models, and the options of module registration_info.

The vendor's page ("Internal Number Registration", tests/simulator/README.md quotes it) documents RegInfo
``{"registered", "extension_id", "registrations"}``; ``registered`` is true "if there are active
registrations", and when it is false ``registrations`` holds "the last (already expired)" ones. A
registration holds ``device`` (typed ``object``, "Device Name (User Agent)", a string in the page's example),
``real_address``, ``contact_address``, ``expires`` and ``registration_id``. :func:`normalize` turns any
answer into that shape without raising; ``runner.read_registrations`` reads many extensions, one GET each
(``runner.read_info``: registration_info's reads), and ``results.registration_info_result`` shapes its result.

``expires`` is passed on as the API gives it, because the page allows two readings that a client cannot tell
apart from one value with certainty: its table says "the date (UTC) after which the registration will be
lost", type long (a Unix timestamp in seconds, in the past for an expired registration), and its example
holds ``699`` (seconds until the registration lapses, negative for an expired one). A value above 10^9 can
only be a timestamp; module api_info says which one the account's API answers.

Why one GET per extension, and not the bulk read the page lists (``GET /extension/registration/``, "in
blocks"): no public copy of the page keeps that method's parameters or its answer's shape, so a client can
only guess where it lives (``/extension/registration/`` or elsewhere; some operators may not have it), what a
block is (pages of the account, or the ids asked for) and whether the answer is a list or a map. A server
that ignores a guessed parameter answers a block other than the one asked for, and one that ignores
``page`` repeats its first block: telling that apart costs requests, and a wrong guess would either read
part of the account as the whole or cost more than the one request per extension it was to save. The GET
of one extension is documented with its path, its answer and its errors; ``api_info`` checks that it can be
read. The bulk read is worth it only for large accounts (one request per block instead of one per extension)
once its parameters are known.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional

from ansible_collections.telphin.pbx.plugins.module_utils.targets import ME

# The fields of one registration, in the order of the vendor's example.
REGISTRATION_KEYS = ("device", "real_address", "contact_address", "expires", "registration_id")
# Where a device given as an object (the page types it so; nobody documents its keys) may hold its user agent.
USER_AGENT_KEYS = ("user_agent", "userAgent", "user-agent", "useragent", "UserAgent", "ua", "agent", "name",
                   "model", "device")
NO_USER_AGENT = "(no user agent)"

# A firmware version: digits with at least one dot, perhaps after up to three letters (v2.1, rv2.10.19.5),
# following a space, a slash or a hyphen.
_VERSION = re.compile(r"[\s/-]+[A-Za-z]{0,3}\d+(?:\.[0-9A-Za-z]+)+")
_TRUE_TEXTS = ("true", "1", "yes")


# ---- one answer ----------------------------------------------------------------------------------------

def normalize(answer, extension_id):
    """One answer of ``GET /extension/{id}/registration/`` in one shape; never raises.

    ``{"extension_id": int, "registered": bool, "registrations": [{"device": str, "real_address",
    "contact_address", "expires", "registration_id"}]}``.

    - ``extension_id``: the id asked for when it is a number, else (``@me``) the answer's, else as asked.
    - ``registered``: the answer's flag (true, or a text or number that says so); False when it is missing
      or unreadable: an unknown state is never reported as registered.
    - ``device``: always a string. A string as it is (trimmed); an object, the user agent under a plausible
      key (``user_agent``, ``userAgent``, ``ua``, ``name``, ``model``...), else the object as JSON; none, ``""``.
    - ``expires``: as the API gives it, a UTC Unix timestamp or seconds left (the two readings of the page:
      see the module docstring). The other fields as given; a missing one is None.
    - ``registrations`` that is not a list: one registration object is taken as a list of one, a map as its
      values; a string element as a device alone; anything else is left out.
    """
    if not isinstance(answer, Mapping):
        answer = {}
    items = (_registration(item) for item in _as_list(answer.get("registrations")))
    return {"extension_id": _extension_id(answer.get("extension_id"), extension_id),
            "registered": _flag(answer.get("registered")),
            "registrations": [item for item in items if item is not None]}


def _extension_id(answered, asked):
    for value in (asked, answered):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
            return int(value.strip())
    return asked


def _flag(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_TEXTS
    return False


def _as_list(value):
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, Mapping):
        if any(key in value for key in REGISTRATION_KEYS):
            return [value]
        return [item for item in value.values() if isinstance(item, Mapping)]
    return []


def _registration(item):
    if isinstance(item, str):
        item = {"device": item}
    if not isinstance(item, Mapping):
        return None
    registration = {key: item.get(key) for key in REGISTRATION_KEYS}
    registration["device"] = device_text(item.get("device"))
    return registration


def device_text(value):
    """A device as the API gives it -> its user agent as a string (see :func:`normalize`)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        for key in USER_AGENT_KEYS:
            if isinstance(value.get(key), str) and value[key].strip():
                return value[key].strip()
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # keys that cannot be sorted, say
        return str(value)


# ---- devices -------------------------------------------------------------------------------------------

def device_model(user_agent):
    """The model of a device: its user agent without its firmware version.

    The rule: whitespace is collapsed, then the user agent is cut before its first version, a run of digits
    with at least one dot (after up to three letters, as in ``v2.1`` or ``rv2.10.19.5``) that follows a
    space, a slash or a hyphen; what follows the version (a build, a comment in brackets) goes with it.
    A user agent without a version is its own model; an empty one is ``(no user agent)``.

    ``Yealink SIP-T46U 108.86.0.50`` -> ``Yealink SIP-T46U``, ``MicroSIP/3.21.3`` -> ``MicroSIP``,
    ``Cisco/SPA504G-7.6.2c`` -> ``Cisco/SPA504G``, ``Zoiper rv2.10.19.5`` -> ``Zoiper``,
    ``snom D785/10.1.141.13`` -> ``snom D785``, ``Grandstream GXP2170 1.0.11.23`` -> ``Grandstream GXP2170``.
    """
    text = " ".join(str(user_agent or "").split())
    match = _VERSION.search(text)
    model = (text[:match.start()] if match else text).strip(" /-")
    return model or text or NO_USER_AGENT


def device_counts(normalized_list):
    """``{device model: count}`` over the registrations of the registered extensions (``registered``
    true) of ``normalized_list`` (answers of :func:`normalize`, or anything with those two keys): each
    registration counts once, so an extension with a desk phone and a softphone counts for both models. The
    last expired registrations of an extension that is not registered do not count. The model is
    :func:`device_model`'s. Most frequent first, then by name."""
    counts = {}
    for info in normalized_list:
        if not info.get("registered"):
            continue
        for registration in info.get("registrations") or ():
            model = device_model(registration.get("device"))
            counts[model] = counts.get(model, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


# ---- module registration_info: its options and what it read (``runner.read_info`` reads) -----------------

@dataclass(frozen=True)
class Wanted:
    """One extension the task names, as the user wrote it (``option`` says where, for messages)."""

    option: str  # extension_id, extension_name or extensions[<index>]
    given: object
    extension_id: Optional[str] = None  # known without the listing: an integer, or @me
    ids: bool = False  # a text of digits: an id or a number, as the listing tells


@dataclass(frozen=True)
class Query:
    """What module registration_info is to read and return, checked before any request."""

    wanted: Optional[tuple] = None  # None: every phone extension of the account (one listing)
    registered: Optional[bool] = None
    device_regex: Optional[re.Pattern] = None
    filters: Mapping = field(default_factory=dict)  # of the listing, without wanted: status, extension_group_id

    def keeps(self, entry):
        """Whether an extension read passes the filters ``registered`` and ``device_regex``."""
        if self.registered is not None and entry["registered"] != self.registered:
            return False
        return self.device_regex is None or any(
            self.device_regex.search(registration["device"]) for registration in entry["registrations"])


@dataclass(frozen=True)
class Info:
    """What the task read: the extensions to read (id, name), those returned, failures, refusals."""

    targets: tuple = ()
    entries: tuple = ()
    failures: Mapping = field(default_factory=dict)
    refused: tuple = ()
    checked: int = 0


def query_from_params(params):
    """``(Query, problems)`` from the options of registration_info; each problem names its option."""
    problems, wanted = [], None
    if params.get("extension_id") is not None:
        wanted = [_wanted_id("extension_id", params["extension_id"], problems)]
    elif params.get("extension_name") is not None:
        name = str(params["extension_name"]).strip()
        if not name:
            problems.append("extension_name: must not be empty")
        wanted = [Wanted("extension_name", name)]
    elif params.get("extensions") is not None:
        wanted = [_wanted_item(index, item, problems) for index, item in enumerate(params["extensions"])]
    filters = {key: params.get(key) for key in ("status", "extension_group_id") if params.get(key) is not None}
    if wanted is not None and filters:
        problems.append("%s: filters the listing of every phone extension, so it cannot go with extension_id, "
                        "extension_name or extensions" % ", ".join(sorted(filters)))
    regex = None
    if params.get("device_regex") is not None:
        try:
            regex = re.compile(params["device_regex"])
        except re.error as exc:
            problems.append("device_regex: not a valid regular expression: %s" % exc)
    query = Query(wanted=None if wanted is None else tuple(w for w in wanted if w is not None),
                  registered=params.get("registered"), device_regex=regex, filters=MappingProxyType(filters))
    return query, problems


def _wanted_id(option, value, problems):
    text = str(value).strip()
    if text == ME:
        return Wanted(option, value, extension_id=ME)
    if not isinstance(value, bool) and text.isascii() and text.isdigit() and len(text) <= 20 and int(text) > 0:
        return Wanted(option, value, extension_id=str(int(text)))
    problems.append("%s: must be a positive integer or '@me', got %r" % (option, value))
    return None


def _wanted_item(index, item, problems):
    option = "extensions[%d]" % index
    if isinstance(item, int) and not isinstance(item, bool):
        return _wanted_id(option, item, problems)
    if isinstance(item, str) and item.strip() == ME:
        return Wanted(option, item, extension_id=ME)
    if isinstance(item, str) and item.strip():
        text = item.strip()
        return Wanted(option, text, ids=text.isascii() and text.isdigit())
    problems.append("%s: must be an extension id (an integer), a number such as \"100\" or a full name such as "
                    "\"000*100\", got %r" % (option, item))
    return None
