# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client of the Ringme/Telphin PBX REST API: its endpoints, on top of a token and a transport.

One :class:`ApiClient` per module run, shared by every worker thread. It builds the parts from a
:class:`~.connection.Connection`: the :class:`~.redact.Redactor` of the run's secrets, the
:class:`~.transport.Transport` (retries, rate limit, counters) and the token (:mod:`.tokens`), and adds the
one rule that joins them: a 401 gets one new token and one more try.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from ansible_collections.telphin.pbx.plugins.module_utils.budget import BudgetChecks
from ansible_collections.telphin.pbx.plugins.module_utils.connection import API_PREFIX
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError, error_from_answer
from ansible_collections.telphin.pbx.plugins.module_utils.extensions import is_phone
from ansible_collections.telphin.pbx.plugins.module_utils.redact import Redactor
from ansible_collections.telphin.pbx.plugins.module_utils.tokens import ClientCredentialsToken, GivenToken
from ansible_collections.telphin.pbx.plugins.module_utils.transport import Transport

USER_AGENT = "telphin.pbx-ansible-collection"
LIST_PAGE_SIZE = 100
MOST_READ_AHEAD = 16  # pages of a listing asked for at once: at most one batch of them is past the end
PHONE_PATH = "/extension/%s/phone/"
# Renewals of one request: a token may be revoked again while a request renews it (the vendor: ask for a new
# token after any 401); the bound only keeps a server that revokes every token from looping forever.
MAX_RENEWALS = 5
PHONE_RESOURCE = API_PREFIX + PHONE_PATH % "{}"  # the phone resource, as the rate limits are kept

_GIVEN_TOKEN_REFUSED = ("the access token was refused as expired or invalid: give a new access_token, or use "
                        "app_id and app_secret so that the client can get tokens itself")
_NEW_TOKEN_REFUSED = ("the API refused a token just issued for these credentials: check app_id and app_secret, "
                      "and that the application and its user are active")


class ApiClient(BudgetChecks):
    """A thread-safe client of the PBX REST API, and its checks of the hourly budget (``budget.BudgetChecks``).

    ``pool_size``: the connections, and the most requests in flight; ``adaptive``: the option parallel's
    ``auto`` (see concurrency.Throttle). ``transport_options`` (``adapter``, ``sleep``, ``clock``, ``rng``, ``wallclock``, ``backoff_base``,
    ``backoff_max``) go to the :class:`~.transport.Transport`; tests replace them.
    """

    def __init__(self, connection, pool_size=10, adaptive=False, **transport_options):
        self.pool_size = pool_size
        self.redactor = Redactor((connection.app_secret, connection.access_token))
        self.transport = Transport(connection, self.redactor, pool_size=pool_size, adaptive=adaptive,
                                   **transport_options)
        if connection.access_token:
            self.token = GivenToken(connection.access_token)
        else:
            self.token = ClientCredentialsToken(self.transport, connection.app_id, connection.app_secret,
                                                USER_AGENT, clock=self.transport.clock)
        self.bulk_registrations = BulkRegistrations()
        self.reserve = connection.reserve

    def stats(self):
        """Requests sent, by method and ``total`` (a retry is one more; the token requests are the ``POST``
        count, as the API's own requests are GETs and PUTs), and retries, as a snapshot."""
        return self.transport.counters.snapshot()

    def token_lifetime(self):
        """``{expires_in, renewable}``: the lifetime in seconds the token endpoint gave the last token issued
        (None before one is, when the answer did not say, or for a given ``access_token``), and whether the
        client gets tokens itself, so that it can renew one after a 401."""
        return dict(expires_in=self.token.expires_in, renewable=self.token.renewable)

    def rate_limit(self, path=None):
        """``{limit, remaining, reset}`` of the resource of ``path`` (default: the lowest seen), or None."""
        return self.transport.rate_limits.snapshot(path)

    def rate_limits(self):
        """``{resource: {limit, remaining, reset}}`` of every resource whose answers carried rate-limit headers."""
        return self.transport.rate_limits.per_resource()

    def write_budget(self):
        """The budget the writes of phone properties draw on, as far as the answers told it."""
        return self.rate_limit(PHONE_RESOURCE) or self.rate_limit()

    def lowest_limit(self):
        """The lowest ``X-RateLimit-Limit`` seen, or None (``budget.BudgetChecks`` takes the reserve's share of it)."""
        return self.transport.rate_limits.lowest_limit()

    def request(self, method, path, params=None, json=None, optional=False):
        """Call ``API_PREFIX + path``; the parsed JSON answer, or None for an empty answer.

        Raises :class:`~.errors.ApiError` when the request fails for good. ``optional``: the task can do
        without the answer, so its time-outs never count toward the outage breaker (see Transport.send).
        """
        api_path = API_PREFIX + path
        renewals = unproven_refusals = 0
        while True:
            token, generation = self.token.current()
            headers = {"Authorization": "Bearer %s" % token, "Accept": "application/json",
                       "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
            answer = self.transport.send(method, api_path, headers, params=params, json_body=json, optional=optional)
            if answer.status != 401:
                self.token.worked(generation)
            elif self.token.renewable:
                # Once any token of the run has worked, a refusal means a revoked or expired token: renew it.
                # Before, the credentials' tokens may be refused for good: one more try, then say so.
                unproven_refusals += not self.token.proven(generation)
                if (self.token.proven(1) or unproven_refusals <= 1) and renewals < MAX_RENEWALS:
                    self.token.renew(generation)  # or take the token another thread got since
                    renewals += 1
                    continue
            if answer.status == 401:
                hint = _NEW_TOKEN_REFUSED if self.token.renewable else _GIVEN_TOKEN_REFUSED
                raise error_from_answer(method, api_path, answer.status, answer.body, self.redactor, hint=hint)
            if answer.status >= 400:
                raise error_from_answer(method, api_path, answer.status, answer.body, self.redactor)
            return answer.body

    def get_user(self):
        """``GET /user/``: the user the token acts as."""
        return self.request("GET", "/user/")

    def get_phone(self, extension_id):
        """``GET /extension/{id}/phone/``: the phone terminal properties."""
        return self._phone("GET", extension_id)

    def put_phone(self, extension_id, body):
        """``PUT /extension/{id}/phone/`` with the fields to change; the resulting properties."""
        return self._phone("PUT", extension_id, body)

    def _phone(self, method, extension_id, body=None):
        return self._extension_object(method, PHONE_PATH % path_part(extension_id), ("phone properties",) * 2,
                                      json=body)

    def get_registration(self, extension_id, optional=False):
        """``GET /extension/{id}/registration/``: the SIP registrations of a phone extension, as answered
        (RegInfo: ``registered``, ``extension_id``, ``registrations``). Errors as :meth:`get_phone`'s: a 404
        names the likely cause, and an answer that is not a JSON object fails.

        One extension; ``registrations.read_in_blocks`` reads many in blocks, where that pays.

        ``optional``: the read only watches a change (check_registrations): a registration resource that
        times out must not trip the outage breaker and stop the writes.
        """
        return self._extension_object("GET", "/extension/%s/registration/" % path_part(extension_id),
                                      ("SIP registrations", "registrations"), optional=optional)

    def _extension_object(self, method, path, what, **options):
        """The JSON object of one resource of a phone extension; ``what`` names it in the 404's hint and in the
        message of an answer that is not an object (``("SIP registrations", "registrations")``).

        A 404 says the likely cause; an answer that is not a JSON object fails: a gateway may answer 200 with an
        empty body or a page of its own.
        """
        try:
            answer = self.request(method, path, **options)
        except ApiError as exc:
            if exc.status == 404 and not exc.hint:
                raise exc.replace(hint="no such extension, or it is not a phone extension: only extensions of "
                                       "type 'phone' have %s" % what[0])
            raise
        if not isinstance(answer, dict):
            raise ApiError(method, API_PREFIX + path, status=200,
                           message="the answer is %s, not the %s (a JSON object)" % (_kind(answer), what[1]))
        return answer

    def list_extensions(self, client_id="@me", per_page=LIST_PAGE_SIZE, **filters):
        """Every extension of a client (``GET /client/{id}/extension/``), all pages: see :class:`Listing`.

        Filters (``type``, ``status``, ``name``, ``extension_group_id``...) with a None value are not sent.
        A listing of the whole account (``@me``, no filter but ``type: phone``) tells the bulk read of the
        registrations how many phones the account has and how large a block the server serves.
        """
        listing = Listing(self, client_id, filters, per_page, read_ahead=min(self.pool_size, MOST_READ_AHEAD))
        extensions = listing.read()
        if client_id == "@me" and set(listing.filters) <= {"type"} and listing.filters.get("type", "phone") == "phone":
            self.bulk_registrations.account = (sum(1 for ext in extensions if is_phone(ext)), listing.longest)
        return extensions

    def extension_page(self, page, per_page=None, client_id="@me", **filters):
        """One page of the extension listing as the server serves it (``per_page`` None: the server's default).

        For a probe of how the server pages; :meth:`list_extensions` reads the whole listing.
        """
        return Listing(self, client_id, filters).page(page, per_page)


class Listing:
    """The pages of one extension listing, read until the end, whatever the server makes of paging.

    Pages are read until an empty page, or one shorter than the longest page seen: a server may clamp
    ``per_page`` silently, so a page shorter than asked for is not proof of the end. A server that answers
    400 to a large ``per_page`` is asked again with smaller ones. A server that ignores ``page`` serves its
    first page again: when that page held more than was asked for, the server does not page at all and it
    is the whole listing; otherwise nothing can tell whether the server also capped it, so the listing fails
    saying so rather than pass off part of the account as the whole.

    While the pages come full, the next ones are asked for a batch at a time, the batch doubling up to
    ``read_ahead`` (the client's connections, at most MOST_READ_AHEAD): a listing of 100 pages takes about 10
    round trips, not 100. The price is at most one batch of empty pages past the end; an account of one page
    is read as before.
    """

    SMALLER_PAGES = (50, 20, 10)

    def __init__(self, client, client_id, filters, per_page=LIST_PAGE_SIZE, read_ahead=1):
        self.client = client
        self.path = "/client/%s/extension/" % path_part(client_id)
        self.filters = {key: value for key, value in filters.items() if value is not None}
        self.page_sizes = (per_page,) + tuple(size for size in self.SMALLER_PAGES if size < per_page)
        self.per_page = None
        self.read_ahead = max(1, read_ahead)
        self.longest = 0  # the longest page served, once read

    def read(self):
        first = self._first_page()
        result, previous, longest, page, batch = list(first), first, len(first), 2, 1
        with ThreadPoolExecutor(max_workers=self.read_ahead) as pool:
            while previous and len(previous) >= longest:
                asked = [pool.submit(self.page, number, self.per_page) for number in range(page, page + batch)]
                for number, future in enumerate(asked, start=page):
                    if not (previous and len(previous) >= longest):
                        break  # the end was in this batch: the pages after it are not looked at
                    items = future.result()
                    if items and items == previous:
                        if number == 2 and len(first) > self.per_page:
                            return first  # the server pages neither by `page` nor by `per_page`: it sent everything
                        raise ApiError("GET", API_PREFIX + self.path, status=200, message=(
                            "page %d repeats page %d: the server ignores the page parameter, so a listing cannot be "
                            "known to reach beyond its first %d extensions; name the extensions by extension_id, "
                            "which needs no listing (module api_info shows how the server pages)"
                            % (number, number - 1, len(first))))
                    result.extend(items)
                    longest = self.longest = max(longest, len(items))
                    previous = items
                page, batch = page + batch, min(2 * batch, self.read_ahead)
        return result

    def _first_page(self):
        for per_page in self.page_sizes:
            try:
                items = self.page(1, per_page)
            except ApiError as exc:
                if exc.status == 400 and per_page != self.page_sizes[-1]:
                    continue  # the server refuses this page size instead of capping it: ask for less
                raise
            self.per_page = per_page
            self.longest = len(items)
            return items
        raise AssertionError("unreachable")  # pragma: no cover

    def page(self, page, per_page):
        """One page of the listing (``per_page`` None: the server's default)."""
        params = dict(self.filters, page=page)
        if per_page is not None:
            params["per_page"] = per_page
        items = self.client.request("GET", self.path, params=params)
        if items is None:
            return []
        if not isinstance(items, list):
            raise ApiError("GET", API_PREFIX + self.path, status=200,
                           message="expected a JSON list of extensions, got %s" % _kind(items))
        return items


class BulkRegistrations:
    """What one run learnt of the bulk read of SIP registrations ("in blocks"; ``registrations.read_in_blocks``
    reads it, see module_utils/registrations.py), shared by every read of the run.

    ``account``: ``(phones, block)`` from a listing of the whole account (:meth:`ApiClient.list_extensions`), or
    None; ``path``: the bulk path that answered; ``missing``: the bulk paths answered that they are not there,
    so the run reads one GET per extension from then on (the registration watch reads before and after the
    writes: the second read does not try again). ``requests``: the bulk requests sent; ``per_extension``: the
    extensions read with a GET of their own.
    """

    PATHS = ("/extension/registration/", "/client/@me/registration/")
    BLOCK_SIZES = (LIST_PAGE_SIZE,) + Listing.SMALLER_PAGES

    def __init__(self):
        self.account = None
        self.path = None
        self.missing = False
        self.requests = self.per_extension = 0

    def stats(self):
        """The registration requests of the run: ``{bulk, per_extension}``."""
        return dict(bulk=self.requests, per_extension=self.per_extension)


def _kind(value):
    if value is None:
        return "an empty body"
    return {dict: "a JSON object", list: "a JSON list", str: "a JSON string"}.get(type(value), "a JSON %s" % type(value).__name__)


def path_part(value):
    """An id (int or ``@me``) as a path segment; never lets a value add segments."""
    return quote(str(value), safe="@")
