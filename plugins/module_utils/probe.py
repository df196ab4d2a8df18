# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A read-only probe of the API (module api_info): how the account's API behaves where the vendor is silent.

Only GETs, a dozen requests at most. Each part answers one of the readings that the README's table lists,
and ``findings`` says in words what was found and what the modules do about it.
"""

from __future__ import annotations

from ansible_collections.telphin.pbx.plugins.module_utils.connection import API_PREFIX
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.extensions import is_phone
from ansible_collections.telphin.pbx.plugins.module_utils.fields import FIELDS, FIELDS_BY_NAME, mask
from ansible_collections.telphin.pbx.plugins.module_utils.registrations import read_bulk

# Larger than any page size a server is likely to serve, so that its answer shows the largest it does.
PROBE_PAGE_SIZES = (1000, 500, 200, 100, 50, 20, 10)
VENDOR_FIELDS = frozenset(f.name for f in FIELDS if f.vendor)
SOUND_FIELDS = tuple(f.name for f in FIELDS if f.zero_is_null)


def probe(client, extension_id=None):
    """What the API of this account does: the result of module api_info, without ``changed``."""
    user = client.get_user()
    listing, first_page = probe_listing(client)
    if extension_id is None:
        extension_id = next((ext.get("id") for ext in first_page if is_phone(ext)), None)
    phone_fields = probe_phone(client, extension_id) if extension_id is not None else None
    result = dict(user=user, listing=listing, phone_fields=phone_fields,
                  token=client.token_lifetime(), rate_limit=client.write_budget(),
                  rate_limit_per_resource=client.rate_limits())
    result["rate_limit_reserve"] = reserve_facts(client)
    result["findings"] = findings(result)
    return result


def reserve_facts(client):
    """``{given, kept, may_spend}``: the reserve of the hourly budget (rate_limit_reserve) in requests now, and
    what a task may spend above it; ``kept`` and ``may_spend`` null when the answers carried no rate-limit
    headers."""
    budget = client.write_budget()
    if not budget or budget.get("remaining") is None:
        return dict(given=client.reserve.given, kept=None, may_spend=None)
    kept = client.reserve.of(client.lowest_limit())
    return dict(given=client.reserve.given, kept=kept, may_spend=max(0, budget["remaining"] - kept))


def probe_listing(client):
    """``(listing facts, the first page)``: the largest page, a too large per_page, whether page counts."""
    refused = []
    for per_page in PROBE_PAGE_SIZES:
        try:
            first = client.extension_page(1, per_page)
            break
        except ApiError as exc:
            if exc.status != 400 or per_page == PROBE_PAGE_SIZES[-1]:
                raise
            refused.append(per_page)
    default = client.extension_page(1)
    pages = [client.extension_page(page, 1) for page in (1, 2)]
    honoured = None if not pages[1] else pages[0] != pages[1]
    return dict(page_size=len(first), asked=per_page, refused_page_sizes=refused, default_page_size=len(default),
                page_honoured=honoured), first


def probe_phone(client, extension_id):
    """Which fields the phone resource returns, against the vendor's page."""
    answer = client.get_phone(extension_id)
    returned = sorted(answer)
    return dict(extension_id=extension_id, returned=returned,
                missing=sorted(VENDOR_FIELDS - set(answer)),
                extra=sorted(name for name in answer if name not in VENDOR_FIELDS),
                sounds={name: answer.get(name) for name in SOUND_FIELDS if name in answer},
                properties=mask(answer))


def findings(result):
    """The probe's result in words: what each finding means for the modules."""
    said = []
    listing = result["listing"]
    said.append("The listing served %d extensions on a page when asked for %d, and %d when per_page was not "
                "given." % (listing["page_size"], listing["asked"], listing["default_page_size"]))
    if listing["refused_page_sizes"]:
        said.append("The server answers 400 to per_page %s instead of serving fewer: the modules ask again "
                    "with smaller pages." % ", ".join(str(size) for size in listing["refused_page_sizes"]))
    if listing["page_honoured"] is False:
        # As client.Listing.read decides: a repeated page is never taken for the end of the account.
        said.append("The server ignores the page parameter (page 2 repeats page 1): a listing fails rather than "
                    "pass its first page off as the whole account, unless that page held more than was asked "
                    "for (the server then does not page at all); name extensions by extension_id, which needs "
                    "no listing.")
    phone = result["phone_fields"]
    if phone and phone["missing"]:
        managed = [name for name in phone["missing"] if FIELDS_BY_NAME[name].writable]
        said.append("GET /phone/ leaves out %s: a task that manages one of them sends it on every run and "
                    "reports a change, with a warning." % ", ".join(managed or phone["missing"]))
    if phone and phone["extra"]:
        said.append("GET /phone/ returns fields beyond the vendor's page: %s." % ", ".join(phone["extra"]))
    if phone and any(value is None for value in phone["sounds"].values()):
        said.append("%s answer null for the system's sound: the modules take 0 and null as the same sound."
                    % ", ".join(name for name, value in phone["sounds"].items() if value is None))
    reserve = result["rate_limit_reserve"]
    if reserve["kept"] is None:
        said.append("The answers carry no rate-limit headers: a task cannot check its requests against the hourly "
                    "budget and the reserve (rate_limit_reserve %s), and warns of it." % reserve["given"])
    else:
        said.append("%d requests remain of the hourly budget; rate_limit_reserve %s keeps %d of them for the "
                    "account's other applications, so a task may spend %d now."
                    % (result["rate_limit"]["remaining"], reserve["given"], reserve["kept"], reserve["may_spend"]))
    if result["token"]["renewable"] and not result["token"]["expires_in"]:
        said.append("The token answer has no expires_in: the client renews the token after a 401.")
    return said


# An `expires` above this is a Unix time (2001 on); at or below, seconds left (the page's example holds 699).
_EPOCH_THRESHOLD = 10 ** 9


def probe_with_registration(client, extension_id=None):
    """:func:`probe`, and whether the registration resource can be read with these credentials: one
    ``GET /extension/{id}/registration/`` of the phone probed (``registration``, and a finding)."""
    result = probe(client, extension_id)
    phone = result["phone_fields"]
    result["registration"] = probe_registration(client, phone["extension_id"]) if phone else None
    result["registration_bulk"] = probe_bulk_registration(client, phone["extension_id"]) if phone else None
    result["findings"] = result["findings"] + registration_findings(result["registration"]) + \
        bulk_registration_findings(result["registration_bulk"])
    return result


def probe_bulk_registration(client, extension_id):
    """Whether the account serves the bulk read of registrations: one block that names ``extension_id`` (one
    request per path tried; the vendor's path first). ``available``: True, False (404,
    403, 400, an answer of another shape), or None (another error, or an id that is not a number)."""
    bulk = client.bulk_registrations
    found = read_bulk(client, [str(extension_id)]) if str(extension_id).isdigit() else {}
    available = True if bulk.path else (False if bulk.missing else None)
    return dict(available=available, path=API_PREFIX + bulk.path if bulk.path else None,
                holds_the_phone=str(extension_id) in found, requests=bulk.requests)


def bulk_registration_findings(bulk):
    """The bulk read's part of the probe in words."""
    if bulk is None or bulk["available"] is None:
        return ["The bulk read of registrations could not be tried: registration_info and check_registrations "
                "try it themselves where it pays."] if bulk else []
    if bulk["available"]:
        return ["GET %s answered registrations in blocks: registration_info and check_registrations read them so "
                "where that pays (the phones selected are at least the account's phones divided by the block size), "
                "and read on its own every phone a block does not hold." % bulk["path"]]
    return ["The bulk read of registrations (GET /api/ver1.0/extension/registration/, or /client/@me/registration/) "
            "is not served: registration_info and check_registrations read one GET per extension."]


def probe_registration(client, extension_id):
    """Whether the registrations of one phone can be read, and the readings its answer shows: whether
    ``expires`` is a timestamp or seconds left, and what type ``device`` is. An outage is raised."""
    try:
        answer = client.get_registration(extension_id)
    except ApiError as exc:
        if exc.outage:
            raise
        return dict(extension_id=extension_id, readable=False, status=exc.status, api_status=exc.api_status,
                    error=str(exc))
    items = answer.get("registrations")
    items = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    numbers = [item["expires"] for item in items
               if isinstance(item.get("expires"), (int, float)) and not isinstance(item.get("expires"), bool)]
    reading = None
    if numbers:
        reading = "timestamp" if any(number > _EPOCH_THRESHOLD for number in numbers) else "seconds_left"
    kinds = sorted({_json_type(item.get("device")) for item in items})
    return dict(extension_id=extension_id, readable=True, registered=answer.get("registered"),
                registrations=len(items), expires_reading=reading, device_types=kinds)


def _json_type(value):
    if value is None:
        return "null"
    return {str: "string", dict: "object", list: "array", bool: "boolean"}.get(type(value), "number")


def registration_findings(registration):
    """The registration part of the probe in words."""
    if registration is None:
        return ["No phone extension was found, so the registration resource was not read."]
    path = "GET /extension/%s/registration/" % registration["extension_id"]
    if not registration["readable"]:
        said = ["%s failed (%s): module registration_info and the option check_registrations cannot read SIP "
                "registrations with these credentials." % (path, registration["error"])]
        if registration["status"] == 404:
            said.append("The phone's properties were read, so this API may not serve the registration resource "
                        "at all (the vendor says some resources are not available to every application type).")
        return said
    said = ["%s answered: the registration resource can be read with these credentials (module "
            "registration_info, the option check_registrations)." % path]
    if registration["expires_reading"] == "timestamp":
        said.append("Registrations' expires is a UTC Unix timestamp (the vendor's table), not seconds left.")
    elif registration["expires_reading"] == "seconds_left":
        said.append("Registrations' expires is seconds until the registration lapses (the vendor's example), "
                    "not a timestamp.")
    odd = [kind for kind in registration["device_types"] if kind not in ("string", "null")]
    if odd:
        said.append("Registrations' device is %s, not a string: the modules return its user agent as a string."
                    % " or ".join("a JSON " + kind for kind in odd))
    return said
