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
answer into that shape without raising; ``runner.read_registrations`` reads many extensions, in blocks or
one GET each (``runner.read_info``: registration_info's reads), and ``results.registration_info_result``
shapes its result.

``expires`` is passed on as the API gives it, because the page allows two readings that a client cannot tell
apart from one value with certainty: its table says "the date (UTC) after which the registration will be
lost", type long (a Unix timestamp in seconds, in the past for an expired registration), and its example
holds ``699`` (seconds until the registration lapses, negative for an expired one). A value above 10^9 can
only be a timestamp; module api_info says which one the account's API answers.

The bulk read the page lists (``GET /extension/registration/``, "in blocks"): no public copy of the page keeps
its parameters or its answer's shape, so the client reads it in a way that every guess survives
(:func:`read_in_blocks`; what the run learnt of it is kept on the client, ``client.BulkRegistrations``). It is
tried only where it pays (:func:`bulk_pays`: the account's phones are known from a listing of the run, and the
phones selected are at least the account's phones divided by the block size the listing served); each block asks
for ``page``/``per_page`` and names the ids it still lacks (``extension_id``), so a server that pages the
account, one that reads the ids named and one that answers everything at once all serve it; the blocks end as
the listing's pages do (:func:`block_ends`), and only answers that are recognisably RegInfo with an
``extension_id`` count (:func:`bulk_block`). Every phone selected that the blocks did not hold is read on its
own (``GET /extension/{id}/registration/``): an extension missing from a block is never taken for one without
registrations, so part of the account is never read as the whole. A 404, a 403, a 400 or an answer of another
shape falls back to one GET per extension for the rest of the run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional

from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
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


# ---- the bulk read: when it pays, what a block holds, when the blocks end ---------------------------------

def bulk_pays(selected, account_phones, block):
    """Whether reading ``selected`` phones in blocks costs no more than one GET each: ``selected`` is at least
    ``account_phones / block`` (a block read pages the whole account). False when either is unknown, and for one
    phone (a block cannot cost less than its one GET)."""
    if selected < 2 or not account_phones or not block:
        return False
    return selected * block >= account_phones


def bulk_block(answer):
    """One answer of the bulk read as ``{extension id (str): normalized RegInfo}`` in the answer's order, or None
    when it is not recognisably registrations: a list of RegInfo objects, or a map ``{extension id: RegInfo}``,
    each with the ``extension_id`` (in the map, the key stands for a missing one) and ``registered`` or
    ``registrations``. An empty list or map is an empty block; anything else (an empty body, one RegInfo, a
    page of a gateway) is None."""
    if isinstance(answer, list):
        items = [(None, item) for item in answer]
    elif isinstance(answer, Mapping):
        items = list(answer.items())
    else:
        return None
    block = {}
    for key, item in items:
        if not isinstance(item, Mapping) or not ("registered" in item or "registrations" in item):
            return None
        extension_id = _extension_id(item.get("extension_id"), None)
        if not isinstance(extension_id, int):
            extension_id = _extension_id(key, None)
        if not isinstance(extension_id, int):
            return None
        block.setdefault(str(extension_id), normalize(item, extension_id))
    return block


def block_ends(block_ids, seen, longest):
    """Whether a block of the bulk read ends it, as a page ends the extension listing: an empty block, one shorter
    than the longest served before it (a server may cap the block silently, so one shorter than asked for is
    not the end), or one that repeats ids already seen (a server that ignores ``page``)."""
    return not block_ids or len(block_ids) < longest or bool(set(block_ids) & set(seen))


def read_cost(client, extension_ids):
    """The requests reading the registrations of ``extension_ids`` will cost, for the budget's check: the blocks of
    the whole account (one more for the end, one for a first bulk path that is not there) where the bulk read
    pays, else one GET each."""
    bulk = client.bulk_registrations
    wanted = len(set(str(extension_id) for extension_id in extension_ids))
    if bulk.missing or bulk.account is None or not bulk_pays(wanted, *bulk.account):
        return wanted
    phones, block = bulk.account
    return -(-phones // block) + 1 + (bulk.path is None)


class _NoBulkRead(Exception):
    """The bulk path answered that it is not there (404, 403, 400) or not in a shape known."""


def read_in_blocks(client, extension_ids, optional=False):
    """``{extension id (str): normalized RegInfo}`` of those of ``extension_ids`` that blocks of the bulk read
    held, where it pays (:func:`bulk_pays`, over ``client.bulk_registrations``); ``{}`` where it does not or
    fails. The rest are for the caller to read one by one. ``optional`` as for a GET."""
    bulk = client.bulk_registrations
    wanted = [str(extension_id) for extension_id in extension_ids if str(extension_id).isdigit()]
    if bulk.missing or bulk.account is None or not bulk_pays(len(wanted), *bulk.account):
        return {}
    return read_bulk(client, wanted, optional)


def read_bulk(client, wanted, optional=False):
    """The blocks that hold ``wanted`` (ids, as texts of digits) from the path that answered before, or from each
    bulk path in turn until one does (``client.bulk_registrations`` remembers which, or that none did)."""
    bulk = client.bulk_registrations
    for path in (bulk.path,) if bulk.path else bulk.PATHS:
        try:
            found = _blocks(client, path, wanted, optional)
        except _NoBulkRead:
            continue
        except ApiError:  # an outage, the rate limit: the reads of one extension meet it and say so
            return {}
        bulk.path = path
        return found
    bulk.missing = True
    return {}


def _blocks(client, path, wanted, optional):
    """The blocks of ``path``, each naming the ids still lacking, until all are held or a block ends them."""
    bulk = client.bulk_registrations
    found, seen, longest, sizes, page = {}, set(), 0, list(bulk.BLOCK_SIZES), 1
    asked = set(wanted)
    while len(found) < len(asked):
        lacking = [extension_id for extension_id in wanted if extension_id not in found]
        params = dict(page=page, per_page=sizes[0], extension_id=",".join(lacking[:sizes[0]]))
        bulk.requests += 1
        try:
            block = bulk_block(client.request("GET", path, params=params, optional=optional))
        except ApiError as exc:
            if page > 1:
                break  # a block that failed midway: what the others held is kept, the rest read one by one
            if exc.status == 400 and len(sizes) > 1:
                sizes.pop(0)  # a smaller block, as the listing asks for smaller pages
                continue
            if exc.status in (400, 403, 404):
                raise _NoBulkRead() from exc
            raise
        if block is None:
            if page == 1:
                raise _NoBulkRead()
            break
        ends = block_ends(list(block), seen, longest)
        for extension_id in asked.intersection(block):
            found.setdefault(extension_id, block[extension_id])
        seen.update(block)
        longest, page = max(longest, len(block)), page + 1
        if ends:
            break
    return found


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
    reads: Mapping = field(default_factory=dict)  # the registration requests: {bulk, per_extension}


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
    regex = device_regex_of(params.get("device_regex"), problems)
    query = Query(wanted=None if wanted is None else tuple(w for w in wanted if w is not None),
                  registered=params.get("registered"), device_regex=regex, filters=MappingProxyType(filters))
    return query, problems


def device_regex_of(value, problems):
    """The option ``device_regex`` compiled, or None when not given; a pattern that does not compile is a
    problem (appended to ``problems``) and None."""
    if value is None:
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        problems.append("device_regex: not a valid regular expression: %s" % exc)
        return None


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
