# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/tokens.py: a given token as it is; client-credentials tokens fetched
once, renewed before they expire, and renewed once for many threads.
"""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs

import pytest
import responses

from ansible_collections.telphin.pbx.plugins.module_utils.connection import TOKEN_PATH
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError

from ansible_collections.telphin.pbx.tests.unit.plugins.module_utils.api_fakes import (
    API,
    APP_ID,
    SECRET,
    STATIC_TOKEN,
    TOKEN_URL,
    api_calls,
    make_client,
    request_counts,
    requests_sent,
    tok,
    token_calls,
    token_sequence,
)


def test_token_fetched_once_and_reused(rsps, ft):
    token_sequence(rsps)
    rsps.add(responses.GET, API + "/user/", json={"id": 7})
    client = make_client(ft)
    assert requests_sent(client, "POST") == 0  # lazy
    assert client.get_user() == {"id": 7}
    assert client.get_user() == {"id": 7}
    assert requests_sent(client, "POST") == 1
    (token_call,) = token_calls(rsps)
    assert parse_qs(token_call.request.body) == {
        "grant_type": ["client_credentials"], "client_id": [APP_ID], "client_secret": [SECRET]}
    assert token_call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    for call in api_calls(rsps):
        assert call.request.headers["Authorization"] == "Bearer " + tok(1)


def test_static_token_never_asks_for_one(rsps, ft):
    rsps.add(responses.GET, API + "/user/", json={"id": 1})
    client = make_client(ft, access_token=STATIC_TOKEN, app_id="ignored", app_secret="ignored-secret")
    client.get_user()
    assert requests_sent(client, "POST") == 0 and not token_calls(rsps)


def test_token_renewed_before_it_expires(rsps, ft):
    token_sequence(rsps, expires_in=3600)
    rsps.add(responses.GET, API + "/user/", json={})
    client = make_client(ft)
    client.get_user()
    ft.now += 3000
    client.get_user()
    assert requests_sent(client, "POST") == 1
    ft.now += 3600 - 3000 - 30  # within the renewal margin of the token's end
    client.get_user()
    assert requests_sent(client, "POST") == 2
    assert api_calls(rsps)[-1].request.headers["Authorization"] == "Bearer " + tok(2)


@pytest.mark.parametrize("status, body", [
    (401, {"error": "invalid_client"}),
    (400, {"error": "invalid_client", "error_description": "Client authentication failed"}),
])
def test_invalid_client(rsps, ft, status, body):
    rsps.add(responses.POST, TOKEN_URL, status=status, json=body)
    client = make_client(ft)
    with pytest.raises(ApiError) as info:
        client.get_user()
    err = info.value
    assert (err.method, err.path, err.status, err.api_status) == ("POST", TOKEN_PATH, status, "invalid_client")
    assert "check app_id and app_secret" in str(err)
    assert str(err).startswith("POST /oauth/token: HTTP %d invalid_client" % status)
    if "error_description" in body:
        assert err.message == "Client authentication failed"
    assert SECRET not in str(err)
    assert requests_sent(client) == 1  # not retried
    assert not api_calls(rsps)


def test_token_answer_without_token(rsps, ft):
    rsps.add(responses.POST, TOKEN_URL, json={"token_type": "Bearer"})
    with pytest.raises(ApiError, match="no access_token"):
        make_client(ft).get_user()


# --------------------------------------------------------------------------- concurrency


def test_concurrent_401_one_new_token(rsps, ft):
    workers = 16
    barrier = threading.Barrier(workers, timeout=10)
    token_sequence(rsps)

    def callback(request):
        if request.headers["Authorization"] == "Bearer " + tok(1):
            barrier.wait()  # every worker holds a refused token before any of them renews
            return 401, {}, json.dumps({"message": "Token expired"})
        return 200, {}, json.dumps({"ok": True})

    rsps.add_callback(responses.GET, API + "/user/", callback=callback, content_type="application/json")
    client = make_client(ft, pool_size=workers)
    results, errors = [], []

    def work():
        try:
            results.append(client.get_user())
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _attempt in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors
    assert results == [{"ok": True}] * workers
    assert requests_sent(client, "POST") == 2  # the first token, then exactly one renewal
    assert len(token_calls(rsps)) == 2
    assert requests_sent(client) == 2 + 2 * workers
    assert request_counts(client) == {"POST": 2, "GET": 2 * workers}


def test_concurrent_refused_credentials_one_token_request(rsps, ft):
    workers = 8
    gate = threading.Event()

    def callback(request):
        gate.wait(5)
        return 401, {}, json.dumps({"error": "invalid_client"})

    rsps.add_callback(responses.POST, TOKEN_URL, callback=callback, content_type="application/json")
    client = make_client(ft)
    errors = []

    def work():
        try:
            client.get_user()
        except ApiError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _attempt in range(workers)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(20)
    assert len(errors) == workers and all(e.api_status == "invalid_client" for e in errors)
    assert requests_sent(client, "POST") == 1
