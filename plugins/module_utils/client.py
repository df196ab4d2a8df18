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

from urllib.parse import quote

from ansible_collections.telphin.pbx.plugins.module_utils.connection import API_PREFIX
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError, error_from_answer
from ansible_collections.telphin.pbx.plugins.module_utils.redact import Redactor
from ansible_collections.telphin.pbx.plugins.module_utils.tokens import ClientCredentialsToken, GivenToken
from ansible_collections.telphin.pbx.plugins.module_utils.transport import Transport

USER_AGENT = "telphin.pbx-ansible-collection"
LIST_PAGE_SIZE = 100

_GIVEN_TOKEN_REFUSED = ("the access token was refused as expired or invalid: give a new access_token, or use "
                        "app_id and app_secret so that the client can get tokens itself")
_NEW_TOKEN_REFUSED = ("the API refused a token just issued for these credentials: check app_id and app_secret, "
                      "and that the application and its user are active")


class ApiClient:
    """A thread-safe client of the PBX REST API.

    ``transport_options`` (``adapter``, ``sleep``, ``clock``, ``rng``, ``wallclock``, ``backoff_base``,
    ``backoff_max``) go to the :class:`~.transport.Transport`; tests replace them.
    """

    def __init__(self, connection, pool_size=10, **transport_options):
        self.redactor = Redactor((connection.app_secret, connection.access_token))
        self.transport = Transport(connection, self.redactor, pool_size=pool_size, **transport_options)
        if connection.access_token:
            self.token = GivenToken(connection.access_token)
        else:
            self.token = ClientCredentialsToken(self.transport, connection.app_id, connection.app_secret,
                                                USER_AGENT, clock=self.transport.clock)

    def stats(self):
        """Requests sent (by method and ``total``; token requests are ``POST``) and retries, as a snapshot."""
        return self.transport.counters.snapshot()

    def rate_limit(self):
        """``{limit, remaining, reset}`` of the API's rate-limit headers, or None."""
        return self.transport.rate_limits.snapshot()

    def request(self, method, path, params=None, json=None):
        """Call ``API_PREFIX + path``; the parsed JSON answer, or None for an empty answer.

        Raises :class:`~.errors.ApiError` when the request fails for good.
        """
        api_path = API_PREFIX + path
        renewed = False
        while True:
            token, generation = self.token.current()
            headers = {"Authorization": "Bearer %s" % token, "Accept": "application/json",
                       "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
            answer = self.transport.send(method, api_path, headers, params=params, json_body=json)
            if answer.status == 401 and self.token.renewable and not renewed:
                self.token.renew(generation)
                renewed = True
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
        return self.request("GET", "/extension/%s/phone/" % path_part(extension_id))

    def put_phone(self, extension_id, body):
        """``PUT /extension/{id}/phone/`` with the fields to change; the resulting properties."""
        return self.request("PUT", "/extension/%s/phone/" % path_part(extension_id), json=body)

    def list_extensions(self, client_id="@me", per_page=LIST_PAGE_SIZE, **filters):
        """Every extension of a client (``GET /client/{id}/extension/``), all pages.

        Filters (``type``, ``status``, ``name``, ``extension_group_id``...) with a None value are not sent.
        Paging ends on an empty page, or on a page shorter than the longest page seen so far: a server may
        clamp ``per_page`` silently, so a page shorter than asked for is not proof of the end.
        """
        path = "/client/%s/extension/" % path_part(client_id)
        params = {key: value for key, value in filters.items() if value is not None}
        result = []
        longest = 0
        previous = None
        page = 1
        while True:
            items = self.request("GET", path, params=dict(params, page=page, per_page=per_page))
            if items is None:
                items = []
            if not isinstance(items, list):
                raise ApiError("GET", API_PREFIX + path, status=200,
                               message="expected a JSON list of extensions, got %s" % type(items).__name__)
            if not items:
                break
            if previous is not None and items == previous:
                raise ApiError("GET", API_PREFIX + path, status=200,
                               message="page %d repeats page %d: the server seems to ignore the page "
                                       "parameter" % (page, page - 1))
            result.extend(items)
            if len(items) < longest:
                break
            longest = max(longest, len(items))
            previous = items
            page += 1
        return result


def path_part(value):
    """An id (int or ``@me``) as a path segment; never lets a value add segments."""
    return quote(str(value), safe="@")
