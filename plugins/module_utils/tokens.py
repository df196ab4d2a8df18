# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OAuth token's life: a given token as it is, or client-credentials tokens fetched and renewed.

Both kinds answer ``current()`` with ``(token, generation)`` and ``renew(generation)`` after a 401. The
generation counts issued tokens, so that of many threads refused with one token only the first asks for
a new one; the others take it.
"""

from __future__ import annotations

import threading
import time

from ansible_collections.telphin.pbx.plugins.module_utils.connection import TOKEN_PATH
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError, error_from_answer

# Renew an issued token this long before expires_in runs out (at most 60 s, at most 10 % of its life).
_MARGIN_MAX = 60.0
_MARGIN_RATIO = 0.1
TOKEN_HEADERS = {"Accept": "application/json", "Accept-Encoding": "gzip"}


class GivenToken:
    """An access token obtained elsewhere: used as it is, never renewed."""

    renewable = False
    expires_in = None  # unknown

    def __init__(self, token):
        self._token = token

    def current(self):
        return self._token, 0

    def renew(self, seen_generation):
        raise AssertionError("a given token cannot be renewed")  # the client checks `renewable` first

    def worked(self, generation):
        pass

    def proven(self, generation):
        return True


class ClientCredentialsToken:
    """Tokens of a trusted application (client-credentials grant), fetched lazily and renewed. Thread-safe."""

    renewable = True

    def __init__(self, transport, app_id, app_secret, user_agent, clock=time.monotonic):
        self._transport = transport
        self._app_id = app_id
        self._app_secret = app_secret
        self._headers = dict(TOKEN_HEADERS, **{"User-Agent": user_agent})
        self._clock = clock
        self._lock = threading.Lock()
        self._token = None
        self._generation = 0
        self._expires_at = None
        self._failure = None  # (generation, ApiError) of a token request refused for good
        self.expires_in = None  # of the last token issued, as the token endpoint said
        self._proven = 0  # the newest generation that some request was served with

    def worked(self, generation):
        """A request was served with the token of this generation: it was a good token."""
        if generation > self._proven:
            with self._lock:
                self._proven = max(self._proven, generation)

    def proven(self, generation):
        """Whether the token of this generation (or a later one) was ever accepted."""
        return self._proven >= generation

    def current(self):
        with self._lock:
            token, generation, expires_at = self._token, self._generation, self._expires_at
        if token is not None and (expires_at is None or self._clock() < expires_at):
            return token, generation
        return self.renew(generation)

    def renew(self, seen_generation):
        """A new token, unless another thread got one since ``seen_generation``; (token, generation)."""
        with self._lock:
            if self._generation != seen_generation and self._token is not None:
                return self._token, self._generation
            if self._failure is not None and self._failure[0] == self._generation:
                raise self._failure[1].replace()
            try:
                token, expires_in = self._fetch()
            except ApiError as exc:
                if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                    # Refused for good: threads waiting on the same generation fail the same way at once.
                    self._failure = (self._generation, exc)
                raise
            self._token = token
            self._generation += 1
            self.expires_in = expires_in
            self._expires_at = None
            if expires_in:
                self._expires_at = self._clock() + expires_in - min(_MARGIN_MAX, expires_in * _MARGIN_RATIO)
            return self._token, self._generation

    def _fetch(self):
        data = {"grant_type": "client_credentials", "client_id": self._app_id, "client_secret": self._app_secret}
        answer = self._transport.send("POST", TOKEN_PATH, self._headers, data=data, vital=True)
        if answer.status >= 400:
            raise error_from_answer("POST", TOKEN_PATH, answer.status, answer.body, self._transport.redactor,
                                    token_request=True)
        body = answer.body if isinstance(answer.body, dict) else {}
        token = body.get("access_token")
        if not token or not isinstance(token, str):
            raise ApiError("POST", TOKEN_PATH, status=answer.status, message="the token answer holds no access_token")
        self._transport.redactor.add(token)
        try:
            expires_in = int(float(body.get("expires_in")))
        except (TypeError, ValueError):
            expires_in = None
        return token, (expires_in if expires_in and expires_in > 0 else None)
