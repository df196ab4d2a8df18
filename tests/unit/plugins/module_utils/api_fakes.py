# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the unit tests of the client's parts share: the fake API's addresses and secrets, fake time, a client
of both, and readers of what was sent. The fixtures over these (``ft``, ``rsps``) are in tests/unit/conftest.py.

A module of its own rather than part of conftest.py, because the tests import these names: pytest imports
a conftest.py itself, as the module ``conftest`` under plain pytest (the name the simulator's tests import
theirs by, in the same session) and by the collection's name under ansible-test units, so importing it
would give the wrong file or a second copy. This module has one name under both.
"""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, urlsplit

import responses

from ansible_collections.telphin.pbx.plugins.module_utils.client import ApiClient
from ansible_collections.telphin.pbx.plugins.module_utils.connection import API_PREFIX, TOKEN_PATH, Connection

BASE = "https://pbx.example.com/telephony"
API = BASE + API_PREFIX
TOKEN_URL = BASE + TOKEN_PATH
APP_ID = "app-id-4711"
SECRET = "s3cr3t-APP-secret-value"
STATIC_TOKEN = "static-TOKEN-0123456789abcdef"
WALL = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


class FakeTime:
    """sleep/clock/rng/wallclock for the client; records every sleep."""

    def __init__(self, advance=True, rng=0.5):
        self.now = 1000.0
        self.sleeps = []
        self.advance = advance
        self.rng_value = rng
        self._lock = threading.Lock()

    def clock(self):
        return self.now

    def sleep(self, seconds):
        with self._lock:
            self.sleeps.append(seconds)
            if self.advance:
                self.now += seconds

    def rng(self):
        return self.rng_value

    def wallclock(self):
        return WALL


TRANSPORT_OPTIONS = ("adapter", "backoff_base", "backoff_max", "sleep", "clock", "rng", "wallclock")


def make_client(ft, pool_size=10, **kwargs):
    """A client of BASE with the app credentials (unless replaced) and the fake time."""
    transport = dict(sleep=ft.sleep, clock=ft.clock, rng=ft.rng, wallclock=ft.wallclock)
    transport.update({key: kwargs.pop(key) for key in TRANSPORT_OPTIONS if key in kwargs})
    settings = dict(api_url=BASE, app_id=APP_ID, app_secret=SECRET)
    settings.update(kwargs)
    return ApiClient(Connection(**settings), pool_size=pool_size, **transport)


def requests_sent(client, method=None):
    counts = client.stats()["requests"]
    return counts.get(method, 0) if method else counts["total"]


def request_counts(client):
    return {method: count for method, count in client.stats()["requests"].items() if method != "total"}


def token_sequence(rsps, tokens=None, expires_in=3600):
    """Register the token endpoint: answers tok-1, tok-2, ... (or the given tokens) in turn."""
    state = {"n": 0}
    lock = threading.Lock()

    def callback(request):
        with lock:
            state["n"] += 1
            n = state["n"]
        token = tokens[n - 1] if tokens else "issued-token-%d-abcdefghijklmnop" % n
        body = {"access_token": token, "token_type": "Bearer", "scope": "all"}
        if expires_in is not None:
            body["expires_in"] = expires_in
        return 200, {}, json.dumps(body)

    rsps.add_callback(responses.POST, TOKEN_URL, callback=callback, content_type="application/json")
    return state


def tok(n):
    return "issued-token-%d-abcdefghijklmnop" % n


def api_calls(rsps):
    return [c for c in rsps.calls if c.request.url.startswith(API)]


def token_calls(rsps):
    return [c for c in rsps.calls if c.request.url.startswith(TOKEN_URL)]


def query(call):
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}
