# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/client.py.

HTTP goes to the ``responses`` fake transport; sleep, clock, jitter and wall clock are fakes, so no test
sleeps (except for the real thread hand-offs of the concurrency tests, which take milliseconds).
"""

from __future__ import annotations

import json
import os
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from hypothesis import given, settings, strategies as st

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.telphin.pbx.plugins.module_utils.client import ApiClient
from ansible_collections.telphin.pbx.plugins.module_utils.connection import (
    API_PREFIX,
    TOKEN_PATH,
    Connection,
    argument_spec,
    connection_from_params,
    problems,
    url_secrets,
)
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.transport import newer_budget

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


@pytest.fixture
def ft():
    return FakeTime()


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


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


# --------------------------------------------------------------------------- construction, options


def test_argument_spec_options_and_env_fallback(monkeypatch):
    spec = argument_spec()
    assert set(spec) == {"api_url", "app_id", "app_secret", "access_token", "validate_certs", "ca_path",
                         "timeout", "max_retries", "rate_limit_wait"}
    assert spec["app_secret"]["no_log"] is True and spec["access_token"]["no_log"] is True
    assert spec["api_url"]["default"] == "https://apiproxy.telphin.ru"
    assert spec["timeout"] == dict(type="float", default=30)
    assert spec["max_retries"]["default"] == 4 and spec["rate_limit_wait"]["default"] == 60
    monkeypatch.setenv("TELPHIN_API_URL", "https://other.example.org")
    monkeypatch.setenv("TELPHIN_APP_ID", "env-app")
    monkeypatch.setenv("TELPHIN_APP_SECRET", "env-secret")
    monkeypatch.setenv("TELPHIN_VALIDATE_CERTS", "false")
    monkeypatch.setenv("TELPHIN_CA_PATH", "/tmp/ca.pem")
    result = ArgumentSpecValidator(spec).validate({})
    assert not result.error_messages
    params = result.validated_parameters
    assert params["api_url"] == "https://other.example.org"
    assert params["app_id"] == "env-app" and params["app_secret"] == "env-secret"
    assert params["validate_certs"] is False and params["ca_path"] == "/tmp/ca.pem"
    assert "env-secret" in result._no_log_values


def test_defaults_are_those_of_the_argument_spec():
    spec = argument_spec()
    connection, found = connection_from_params(ArgumentSpecValidator(spec).validate(
        {"app_id": "a", "app_secret": "s"}).validated_parameters)
    assert found == []
    assert (connection.api_url, connection.timeout, connection.max_retries, connection.rate_limit_wait,
            connection.validate_certs) == (spec["api_url"]["default"], spec["timeout"]["default"],
                                           spec["max_retries"]["default"], spec["rate_limit_wait"]["default"],
                                           spec["validate_certs"]["default"])
    assert connection == Connection(app_id="a", app_secret="s")
    assert SECRET not in repr(Connection(app_id="a", app_secret=SECRET, access_token=SECRET))


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_text_is_an_option_not_set(blank):
    """What an AWX credential's empty field injects (TELPHIN_API_URL='') means the default."""
    connection, found = connection_from_params({"api_url": blank, "app_id": "a", "app_secret": "s",
                                                "ca_path": blank, "access_token": blank})
    assert found == [] and connection == Connection(app_id="a", app_secret="s")
    assert connection.base_url == "https://apiproxy.telphin.ru"


def test_credentials_in_the_url_are_named_for_masking():
    assert url_secrets(Connection(api_url="https://admin:pw-123@pbx.example.com")) == ["pw-123", "admin"]
    assert url_secrets(Connection(api_url="https://pbx.example.com")) == []


@pytest.mark.parametrize("params, ok", [
    ({}, False),
    ({"app_id": "a"}, False),
    ({"app_secret": "s"}, False),
    ({"app_id": "a", "app_secret": "s"}, True),
    ({"access_token": "t"}, True),
    ({"access_token": "t", "app_id": "ignored"}, True),
    ({"access_token": "", "app_id": "x"}, False),
])
def test_credentials_rule(params, ok):
    _connection, found = connection_from_params(params)
    assert (not found) is ok, found
    if not ok:
        assert found[0].startswith("no API credentials: give access_token, or both app_id and app_secret")


@pytest.mark.parametrize("params, message", [
    ({"api_url": "apiproxy.telphin.ru"}, "api_url: must be an http:// or https:// URL with a host name"),
    ({"api_url": "ftp://x.example"}, "api_url: must be an http:// or https:// URL"),
    ({"api_url": "https://"}, "api_url: must be an http:// or https:// URL"),
    ({"api_url": ""}, "api_url: must be an http:// or https:// URL"),
    ({"api_url": "https://user:pw@pbx.example.com"}, "api_url: must not hold a user name or password"),
    ({"api_url": "https://pw@pbx.example.com/"}, "api_url: must not hold a user name or password"),
    ({"api_url": "https://pbx.example.com/api/ver1.0/"},
     "api_url: give the scheme and host only (and a path prefix, if any), without /api/ver1.0: the client adds"),
    ({"timeout": 0}, "timeout: must be more than 0"),
    ({"max_retries": -1}, "max_retries: must be 0 or more"),
    ({"rate_limit_wait": -5}, "rate_limit_wait: must be 0 or more"),
    ({"ca_path": "/nonexistent/ca.pem"}, "ca_path: no such file: /nonexistent/ca.pem"),
])
def test_each_bad_connection_option_is_named_with_the_reason(params, message):
    found = problems(Connection(**dict({"access_token": "t"}, **params)))
    assert len(found) == 1 and found[0].startswith(message), found
    assert "pw@" not in found[0]


def test_session_setup(ft, tmp_path):
    client = make_client(ft, api_url=BASE + "/", pool_size=32)
    assert client.transport.base_url == BASE
    adapter = client.transport.adapter
    assert adapter._pool_maxsize == 32
    assert adapter.max_retries.total == 0
    env_ca = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    assert client.transport.verify == env_ca
    assert make_client(ft, validate_certs=False).transport.verify is False
    ca = tmp_path / "ca.pem"
    assert make_client(ft, validate_certs=False, ca_path=str(ca)).transport.verify == str(ca)


def test_proxy_and_ca_bundle_come_from_the_environment_once(ft, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/private-ca.pem")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = make_client(ft)
    assert client.transport.proxies.get("https") == "http://proxy.example:3128"
    assert client.transport.verify == "/etc/private-ca.pem"
    monkeypatch.setenv("NO_PROXY", "pbx.example.com")
    assert "https" not in make_client(ft).transport.proxies
    assert make_client(ft, ca_path="/etc/ca.pem").transport.verify == "/etc/ca.pem"


def test_issued_tokens_reach_the_sinks_of_the_redactor(rsps, ft):
    token_sequence(rsps)
    rsps.add(responses.GET, API + "/user/", json={"id": 1})
    client = make_client(ft)
    no_log_values = set()
    client.redactor.add_sink(no_log_values.add)
    assert SECRET in no_log_values  # known secrets are handed over at once
    client.get_user()
    # an issued token is a secret Ansible did not know of: it is registered for masking
    assert tok(1) in no_log_values


# --------------------------------------------------------------------------- token


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


def test_headers_and_url(rsps, ft):
    rsps.add(responses.PUT, API + "/extension/1001/phone/", json={"label": "x"})
    client = make_client(ft, access_token=STATIC_TOKEN)
    assert client.put_phone(1001, {"label": "x"}) == {"label": "x"}
    (call,) = rsps.calls
    assert call.request.url == BASE + "/api/ver1.0/extension/1001/phone/"
    assert call.request.headers["Authorization"] == "Bearer " + STATIC_TOKEN
    assert call.request.headers["Accept-Encoding"] == "gzip"
    assert call.request.headers["Accept"] == "application/json"
    assert json.loads(call.request.body) == {"label": "x"}


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


def test_401_gets_one_new_token_and_retries_once(rsps, ft):
    token_sequence(rsps)
    rsps.add(responses.GET, API + "/user/", status=401, json={"message": "Token expired"})
    rsps.add(responses.GET, API + "/user/", json={"id": 3})
    client = make_client(ft)
    assert client.get_user() == {"id": 3}
    assert requests_sent(client, "POST") == 2
    first, second = api_calls(rsps)
    assert first.request.headers["Authorization"] == "Bearer " + tok(1)
    assert second.request.headers["Authorization"] == "Bearer " + tok(2)
    assert ft.sleeps == []


def test_second_401_of_tokens_that_never_worked_raises(rsps, ft):
    token_sequence(rsps)
    rsps.add(responses.GET, API + "/user/", status=401, json={"message": "Unauthorized"})
    client = make_client(ft)
    with pytest.raises(ApiError) as info:
        client.get_user()
    err = info.value
    assert err.status == 401 and err.method == "GET" and err.path == "/api/ver1.0/user/"
    assert "refused" in str(err) and "app_id" in str(err)
    assert requests_sent(client, "POST") == 2 and len(api_calls(rsps)) == 2


def test_tokens_that_worked_are_renewed_each_time_they_are_revoked(rsps, ft):
    # The fault soak found a run stopped by a token revoked again while a request renewed it: a token
    # that was accepted before is revoked, not refused for good, so the request renews it again.
    token_sequence(rsps)
    answers = iter([200, 401, 200, 401, 401, 200])

    def callback(request):
        status = next(answers)
        return status, {}, json.dumps({"message": "Token revoked"} if status == 401 else {"id": 1})

    rsps.add_callback(responses.GET, API + "/user/", callback=callback, content_type="application/json")
    client = make_client(ft)
    client.get_user()  # token 1 works
    assert client.get_user() == {"id": 1}  # revoked: token 2 works
    assert client.get_user() == {"id": 1}  # revoked, token 3 revoked before use... token 4 works
    assert requests_sent(client, "POST") == 4


def test_static_token_refused(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=401, json={"message": "Invalid token"})
    client = make_client(ft, access_token=STATIC_TOKEN)
    with pytest.raises(ApiError) as info:
        client.get_user()
    text = str(info.value)
    assert info.value.status == 401
    assert "access token was refused as expired or invalid" in text
    assert STATIC_TOKEN not in text
    assert requests_sent(client) == 1 and requests_sent(client, "POST") == 0


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


# --------------------------------------------------------------------------- retries and backoff


def test_500_then_200(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=500, json={"message": "oops"})
    rsps.add(responses.GET, API + "/user/", json={"id": 1})
    client = make_client(ft, access_token=STATIC_TOKEN)
    assert client.get_user() == {"id": 1}
    assert ft.sleeps == [pytest.approx(0.375)]  # base 0.5, jitter 0.5 -> 0.25 + 0.5 * 0.25
    assert requests_sent(client) == 2 and client.stats()["retries"] == 1


def test_persistent_500(rsps, ft):
    rsps.add(responses.GET, API + "/extension/5/phone/", status=500,
             json={"message": "Internal error", "status": "internal_error"})
    client = make_client(ft, access_token=STATIC_TOKEN, max_retries=3)
    with pytest.raises(ApiError) as info:
        client.get_phone(5)
    err = info.value
    assert err.status == 500 and err.message == "Internal error" and err.api_status == "internal_error"
    assert len(rsps.calls) == 4 and len(ft.sleeps) == 3
    assert "gave up after 3 retries" in str(err)


def test_backoff_grows_up_to_max(rsps, ft):
    ft.rng_value = 0.999999
    rsps.add(responses.GET, API + "/user/", status=503, body="busy")
    client = make_client(ft, access_token=STATIC_TOKEN, max_retries=7, backoff_base=0.5, backoff_max=10.0)
    with pytest.raises(ApiError):
        client.get_user()
    assert len(ft.sleeps) == 7
    assert ft.sleeps == sorted(ft.sleeps) and ft.sleeps[0] < ft.sleeps[-1]
    assert all(0 <= s <= 10.0 for s in ft.sleeps)
    assert ft.sleeps[:5] == pytest.approx([0.5, 1, 2, 4, 8], rel=1e-4)
    assert ft.sleeps[-1] == pytest.approx(10.0, rel=1e-4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), min_size=10, max_size=10),
       st.floats(min_value=0.01, max_value=5), st.floats(min_value=0.1, max_value=60))
def test_backoff_property(rolls, base, cap):
    rolls = iter(rolls)
    client = ApiClient(Connection(BASE, access_token=STATIC_TOKEN), backoff_base=base, backoff_max=cap,
                       rng=lambda: next(rolls))
    delays = [client.transport.backoff(attempt) for attempt in range(10)]
    assert all(0 <= d <= cap for d in delays)
    for attempt, delay in enumerate(delays):
        ceiling = min(cap, base * 2 ** attempt)
        assert ceiling / 2 <= delay <= ceiling  # jitter never takes more than half
        if attempt and base * 2 ** attempt <= cap:
            assert delay >= delays[attempt - 1]  # grows until the cap is reached


@pytest.mark.parametrize("exc, text", [
    (requests.exceptions.ConnectionError("Connection refused by peer"), "connection error"),
    (requests.exceptions.ReadTimeout("read timed out"), "timed out"),
    (requests.exceptions.ConnectTimeout("connect timed out"), "timed out"),
])
def test_transport_errors_retried_then_raised(rsps, ft, exc, text):
    rsps.add(responses.GET, API + "/user/", body=exc)
    client = make_client(ft, access_token=STATIC_TOKEN, max_retries=2, timeout=12)
    with pytest.raises(ApiError) as info:
        client.get_user()
    err = info.value
    assert err.status is None and text in err.message
    assert "no answer" in str(err)
    assert len(rsps.calls) == 3 and len(ft.sleeps) == 2 and requests_sent(client) == 3


def test_connection_error_then_success(rsps, ft):
    rsps.add(responses.GET, API + "/user/", body=requests.exceptions.ConnectionError("reset"))
    rsps.add(responses.GET, API + "/user/", json={"id": 2})
    assert make_client(ft, access_token=STATIC_TOKEN).get_user() == {"id": 2}


def test_tls_error_not_retried(rsps, ft):
    rsps.add(responses.GET, API + "/user/", body=requests.exceptions.SSLError("certificate verify failed"))
    client = make_client(ft, access_token=STATIC_TOKEN)
    with pytest.raises(ApiError, match="validate_certs and ca_path"):
        client.get_user()
    assert requests_sent(client) == 1 and ft.sleeps == []


def test_malformed_json_retried(rsps, ft):
    rsps.add(responses.GET, API + "/user/", body="{not json", content_type="application/json")
    rsps.add(responses.GET, API + "/user/", json={"id": 9})
    client = make_client(ft, access_token=STATIC_TOKEN)
    assert client.get_user() == {"id": 9}
    assert requests_sent(client) == 2 and len(ft.sleeps) == 1


def test_malformed_json_for_good(rsps, ft):
    rsps.add(responses.GET, API + "/user/", body="<html>gateway</html>", content_type="text/html")
    client = make_client(ft, access_token=STATIC_TOKEN, max_retries=1)
    with pytest.raises(ApiError, match="not valid JSON") as info:
        client.get_user()
    assert info.value.status == 200 and requests_sent(client) == 2


def test_empty_answer_is_none(rsps, ft):
    rsps.add(responses.PUT, API + "/something/", status=204)
    assert make_client(ft, access_token=STATIC_TOKEN).request("PUT", "/something/", json={}) is None


@pytest.mark.parametrize("status, body, content_type, kind", [
    (200, "", "application/json", "an empty body"),
    (200, "[]", "application/json", "a JSON list"),
    (200, '"ok"', "application/json", "a JSON string"),
    (204, "", "application/json", "an empty body"),
])
def test_an_answer_that_is_not_the_properties_is_an_error_that_says_what_came(rsps, ft, status, body,
                                                                              content_type, kind):
    # Readings of issue 8: a gateway answers 200 with something else; it must not crash the task.
    rsps.add(responses.PUT, API + "/extension/1/phone/", status=status, body=body, content_type=content_type)
    with pytest.raises(ApiError) as info:
        make_client(ft, access_token=STATIC_TOKEN).put_phone(1, {"label": "x"})
    assert str(info.value) == ("PUT /api/ver1.0/extension/1/phone/: HTTP 200: the answer is %s, not the phone "
                               "properties (a JSON object)" % kind)
    assert info.value.outcome_unknown  # a write answered this way may have been applied: read it back


def test_an_html_page_is_retried_then_reported(rsps, ft):
    rsps.add(responses.GET, API + "/extension/1/phone/", status=200, body="<html><body>Gateway</body></html>",
             content_type="text/html")
    with pytest.raises(ApiError) as info:
        make_client(ft, access_token=STATIC_TOKEN, max_retries=1).get_phone(1)
    assert "the answer is not valid JSON: <html><body>Gateway</body></html>" in str(info.value)
    assert len(rsps.calls) == 2


# --------------------------------------------------------------------------- rate limit


def test_429_with_short_reset_waits_then_succeeds(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=429,
             json={"message": "Too many requests", "status": "rate_limit_exceeded"},
             headers={"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7"})
    rsps.add(responses.GET, API + "/user/", json={"id": 1},
             headers={"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "999", "X-RateLimit-Reset": "3600"})
    client = make_client(ft, access_token=STATIC_TOKEN)
    assert client.get_user() == {"id": 1}
    assert ft.sleeps == [7]
    assert client.rate_limit() == {"limit": 1000, "remaining": 999, "reset": 3600}


def test_retry_after_wins_over_reset(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=429, headers={"Retry-After": "3", "X-RateLimit-Reset": "50"})
    rsps.add(responses.GET, API + "/user/", json={})
    make_client(ft, access_token=STATIC_TOKEN).get_user()
    assert ft.sleeps == [3]


def test_retry_after_http_date(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=429,
             headers={"Retry-After": "Tue, 14 Nov 2023 22:13:30 GMT"})  # WALL + 10 s
    rsps.add(responses.GET, API + "/user/", json={})
    make_client(ft, access_token=STATIC_TOKEN).get_user()
    assert ft.sleeps == [pytest.approx(10)]


def test_503_with_retry_after(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=503, headers={"Retry-After": "4"}, body="maintenance")
    rsps.add(responses.GET, API + "/user/", json={})
    make_client(ft, access_token=STATIC_TOKEN).get_user()
    assert ft.sleeps == [4]


def test_429_beyond_rate_limit_wait_fails_at_once(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=429,
             json={"message": "Rate limit exceeded", "status": "rate_limit_exceeded"},
             headers={"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800"})
    client = make_client(ft, access_token=STATIC_TOKEN, rate_limit_wait=60)
    with pytest.raises(ApiError) as info:
        client.get_user()
    err = info.value
    text = str(err)
    assert ft.sleeps == [] and requests_sent(client) == 1
    assert err.status == 429 and err.api_status == "rate_limit_exceeded" and err.retry_after == 1800
    assert "rate limit exceeded" in text
    assert "resets in 1800 s" in text
    assert "2023-11-14 22:43:20 UTC" in text  # WALL + 1800
    assert "rate_limit_wait" in text
    assert client.rate_limit() == {"limit": 1000, "remaining": 0, "reset": 1800}


def test_429_reset_as_unix_time(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=429, json={"status": "rate_limit_exceeded"},
             headers={"X-RateLimit-Reset": str(int(WALL) + 5)})
    rsps.add(responses.GET, API + "/user/", json={})
    make_client(ft, access_token=STATIC_TOKEN).get_user()
    assert ft.sleeps == [pytest.approx(5)]


def test_429_without_headers_backs_off(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=429, json={"status": "rate_limit_exceeded"})
    client = make_client(ft, access_token=STATIC_TOKEN, max_retries=2)
    with pytest.raises(ApiError) as info:
        client.get_user()
    assert info.value.status == 429 and requests_sent(client) == 3
    assert ft.sleeps == [pytest.approx(0.375), pytest.approx(0.75)]


def test_a_429_that_is_not_the_quota_is_retried_after_a_short_backoff(rsps, ft):
    # The Go client's fixture: a refusal of concurrent requests, no status, and budget left; the window's
    # reset (an hour away) is not what to wait for.
    headers = {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "420", "X-RateLimit-Reset": "3598"}
    rsps.add(responses.GET, API + "/user/", status=429, headers=headers,
             json={"message": "Stats request already exists, concurrent request not allowed"})
    rsps.add(responses.GET, API + "/user/", json={"id": 1}, headers=headers)
    client = make_client(ft, access_token=STATIC_TOKEN)
    assert client.get_user() == {"id": 1}
    assert ft.sleeps == [pytest.approx(0.375)]


def test_a_429_with_no_budget_left_is_the_quota_even_without_its_status(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=429, json={"message": "Too many"},
             headers={"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800"})
    with pytest.raises(ApiError) as info:
        make_client(ft, access_token=STATIC_TOKEN).get_user()
    assert info.value.api_status == "rate_limit_exceeded" and "resets in 1800 s" in str(info.value)
    assert info.value.task_wide and ft.sleeps == []


def test_a_concurrency_429_that_persists_is_not_task_wide(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=429, json={"message": "concurrent request not allowed"},
             headers={"X-RateLimit-Remaining": "10", "X-RateLimit-Reset": "3000"})
    with pytest.raises(ApiError) as info:
        make_client(ft, access_token=STATIC_TOKEN, max_retries=2).get_user()
    assert info.value.status == 429 and not info.value.task_wide and len(ft.sleeps) == 2


def test_rate_limits_are_kept_per_resource(rsps, ft):
    rsps.add(responses.GET, API + "/extension/1001/phone/", json={},
             headers={"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "40", "X-RateLimit-Reset": "600"})
    rsps.add(responses.GET, API + "/user/", json={},
             headers={"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "90", "X-RateLimit-Reset": "600"})
    client = make_client(ft, access_token=STATIC_TOKEN)
    client.get_phone(1001)
    client.get_user()
    assert client.rate_limit(API_PREFIX + "/extension/1005/phone/")["remaining"] == 40
    assert client.rate_limit(API_PREFIX + "/user/")["remaining"] == 90
    assert client.rate_limit()["remaining"] == 40  # the lowest of all


def test_rate_limit_pause_is_client_wide(rsps):
    # A frozen clock: sleeping does not move time, so the pause is still on when the second request starts.
    ft = FakeTime(advance=False)
    rsps.add(responses.GET, API + "/a/", status=429, headers={"Retry-After": "5"})
    rsps.add(responses.GET, API + "/a/", json={})
    rsps.add(responses.GET, API + "/b/", json={})
    client = make_client(ft, access_token=STATIC_TOKEN)
    client.request("GET", "/a/")
    assert ft.sleeps == [5]
    ft.now += 2
    other = threading.Thread(target=client.request, args=("GET", "/b/"))
    other.start()
    other.join()
    assert ft.sleeps == [5, 3]  # the other worker waits for the rest of the pause
    ft.now += 10
    client.request("GET", "/b/")
    assert ft.sleeps == [5, 3]  # pause over


def test_rate_limit_none_without_headers(rsps, ft):
    rsps.add(responses.GET, API + "/user/", json={})
    client = make_client(ft, access_token=STATIC_TOKEN)
    client.get_user()
    assert client.rate_limit() is None


# --------------------------------------------------------------------------- errors


def test_other_4xx_not_retried(rsps, ft):
    rsps.add(responses.GET, API + "/extension/9/phone/", status=404,
             json={"message": "Extension not found"})
    client = make_client(ft, access_token=STATIC_TOKEN)
    with pytest.raises(ApiError) as info:
        client.get_phone(9)
    assert str(info.value) == ("GET /api/ver1.0/extension/9/phone/: HTTP 404: Extension not found (no such extension, "
                               "or it is not a phone extension: only extensions of type 'phone' have phone properties)")
    assert requests_sent(client) == 1 and ft.sleeps == []


def test_403_app_access_type_deny(rsps, ft):
    rsps.add(responses.PUT, API + "/extension/1001/phone/", status=403,
             json={"message": "Application access type deny", "status": "app_access_type_deny"})
    with pytest.raises(ApiError) as info:
        make_client(ft, access_token=STATIC_TOKEN).put_phone(1001, {"label": "a"})
    err = info.value
    assert str(err).startswith(
        "PUT /api/ver1.0/extension/1001/phone/: HTTP 403 app_access_type_deny: Application access type deny")
    assert 'access level "All"' in str(err)


def test_403_user_access_type_deny(rsps, ft):
    rsps.add(responses.PUT, API + "/extension/1/phone/", status=403,
             json={"message": "denied", "status": "user_access_type_deny"})
    with pytest.raises(ApiError, match="read-only"):
        make_client(ft, access_token=STATIC_TOKEN).put_phone(1, {})


@pytest.mark.parametrize("status, body, content_type, message, api_status", [
    (400, {"message": "Invalid value of field record_format"}, None, "Invalid value of field record_format", None),
    (404, {"message": "Client not found", "status": "client_not_found"}, None, "Client not found",
     "client_not_found"),
    (400, {"error": "invalid_request", "error_description": "bad grant"}, None, "bad grant", "invalid_request"),
    (400, {"error": "invalid_request"}, None, "invalid_request", "invalid_request"),
    (409, {"message": {"label": ["too long"]}}, None, '{"label": ["too long"]}', None),
    (404, "<html><body>  Not   here </body></html>", "text/html", "<html><body> Not here </body></html>", None),
    (404, "", "text/plain", "Not Found", None),
])
def test_error_parsing(rsps, ft, status, body, content_type, message, api_status):
    kwargs = dict(json=body) if isinstance(body, dict) else dict(body=body, content_type=content_type)
    rsps.add(responses.GET, API + "/user/", status=status, **kwargs)
    with pytest.raises(ApiError) as info:
        make_client(ft, access_token=STATIC_TOKEN).get_user()
    assert info.value.status == status
    assert info.value.message == message
    assert info.value.api_status == api_status


def test_error_details_of_validation(rsps, ft):
    rsps.add(responses.PUT, API + "/extension/1/phone/", status=400,
             json={"message": "Validation failed", "errors": {"hangup_timeout": "must be >= 0"}})
    with pytest.raises(ApiError) as info:
        make_client(ft, access_token=STATIC_TOKEN).put_phone(1, {"hangup_timeout": -1})
    assert info.value.details == {"errors": {"hangup_timeout": "must be >= 0"}}
    assert "hangup_timeout" in str(info.value)


def test_api_error_is_a_value_that_replace_derives_from():
    err = ApiError("GET", "/api/ver1.0/user/", status=403, message="m", api_status="access_denied", hint="h")
    again = err.replace(hint="another")
    assert str(err).endswith("(h)") and str(again).endswith("(another)")
    assert (again.method, again.path, again.status, again.api_status) == (err.method, err.path, 403, "access_denied")


# --------------------------------------------------------------------------- secrets


def _secret_scenarios():
    echo = "token %s and secret %s" % (STATIC_TOKEN, SECRET)
    return [
        ("token-endpoint-echo", dict(), [(responses.POST, TOKEN_URL, 401,
                                          {"error": "invalid_client", "error_description": "bad " + SECRET})]),
        ("api-echo-static", dict(access_token=STATIC_TOKEN),
         [(responses.GET, API + "/user/", 403, {"message": echo, "status": "access_denied"})]),
        ("api-401-static", dict(access_token=STATIC_TOKEN),
         [(responses.GET, API + "/user/", 401, {"message": "Bearer " + STATIC_TOKEN + " refused"})]),
        ("api-details", dict(access_token=STATIC_TOKEN),
         [(responses.GET, API + "/user/", 400, {"message": "x", "auth": {"token": STATIC_TOKEN}})]),
        ("text-body", dict(access_token=STATIC_TOKEN), [(responses.GET, API + "/user/", 500, echo)]),
        ("transport", dict(access_token=STATIC_TOKEN),
         [(responses.GET, API + "/user/", None, requests.exceptions.ConnectionError(
             "proxy http://user:%s@proxy:3128 failed for %s" % (SECRET, STATIC_TOKEN)))]),
    ]


@pytest.mark.parametrize("name, options, answers", _secret_scenarios(), ids=[s[0] for s in _secret_scenarios()])
def test_no_secret_in_errors(rsps, ft, name, options, answers):
    for method, url, status, body in answers:
        if isinstance(body, Exception):
            rsps.add(method, url, body=body)
        elif isinstance(body, dict):
            rsps.add(method, url, status=status, json=body)
        else:
            rsps.add(method, url, status=status, body=body)
    client = make_client(ft, max_retries=0, **options)
    with pytest.raises(ApiError) as info:
        client.get_user()
    err = info.value
    texts = [str(err), repr(err), json.dumps(vars(err), default=str)]
    for text in texts:
        assert SECRET not in text and STATIC_TOKEN not in text, text
        assert "Authorization" not in text


def test_no_issued_token_in_errors(rsps, ft):
    token_sequence(rsps)
    rsps.add_callback(responses.GET, API + "/user/",
                      callback=lambda request: (401, {}, json.dumps(
                          {"message": "refused " + request.headers["Authorization"]})))
    with pytest.raises(ApiError) as info:
        make_client(ft).get_user()
    text = str(info.value)
    assert tok(1) not in text and tok(2) not in text and "refused" in text


# --------------------------------------------------------------------------- counters


def test_counters(rsps, ft):
    token_sequence(rsps)
    rsps.add(responses.GET, API + "/user/", status=502, body="bad gateway")
    rsps.add(responses.GET, API + "/user/", json={"id": 1})
    rsps.add(responses.PUT, API + "/extension/1/phone/", json={})
    client = make_client(ft)
    client.get_user()
    client.put_phone(1, {"label": "x"})
    assert requests_sent(client) == 4
    assert request_counts(client) == {"POST": 1, "GET": 2, "PUT": 1}
    assert requests_sent(client, "POST") == 1
    stats = client.stats()
    assert stats["requests"]["total"] == 4 and stats["retries"] == 1
    stats["requests"]["GET"] = 99
    assert request_counts(client)["GET"] == 2  # a snapshot, not the live dict


# --------------------------------------------------------------------------- paging


def _pages(rsps, pages, path="/client/@me/extension/"):
    """Serve the given pages by the page parameter; an unknown page is empty."""
    def callback(request):
        page = int(query_of(request.url)["page"])
        items = pages[page - 1] if page <= len(pages) else []
        return 200, {}, json.dumps(items)

    rsps.add_callback(responses.GET, API + path, callback=callback, content_type="application/json")


def query_of(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _ext(first, count):
    return [{"id": n, "name": "000*%d" % n} for n in range(first, first + count)]


def test_list_extensions_clamped_pages(rsps, ft):
    # per_page=100 asked, the server gives 50 a page: a 50-item page is not the end
    _pages(rsps, [_ext(1, 50), _ext(51, 50), _ext(101, 20)])
    client = make_client(ft, access_token=STATIC_TOKEN)
    result = client.list_extensions(per_page=100)
    assert [e["id"] for e in result] == list(range(1, 121))
    assert [query(c)["page"] for c in rsps.calls] == ["1", "2", "3"]
    assert all(query(c)["per_page"] == "100" for c in rsps.calls)


def test_list_extensions_empty_page_ends(rsps, ft):
    _pages(rsps, [_ext(1, 3), _ext(4, 3)])
    result = make_client(ft, access_token=STATIC_TOKEN).list_extensions(per_page=3)
    assert len(result) == 6 and len(rsps.calls) == 3


def test_list_extensions_short_first_page(rsps, ft):
    _pages(rsps, [_ext(1, 2)])
    result = make_client(ft, access_token=STATIC_TOKEN).list_extensions()
    assert len(result) == 2 and len(rsps.calls) == 2  # a short first page cannot prove the end


def test_list_extensions_empty(rsps, ft):
    _pages(rsps, [])
    assert make_client(ft, access_token=STATIC_TOKEN).list_extensions() == []
    assert len(rsps.calls) == 1


def test_list_extensions_filters(rsps, ft):
    _pages(rsps, [_ext(1, 1)], path="/client/42/extension/")
    make_client(ft, access_token=STATIC_TOKEN).list_extensions(
        client_id=42, per_page=10, type="phone", status=None, name="000*1", extension_group_id=None)
    assert query(rsps.calls[0]) == {"type": "phone", "name": "000*1", "page": "1", "per_page": "10"}


class FakeAdapter:
    """Stands in for requests' HTTPAdapter: records each prepared request and the keyword arguments."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def send(self, prepared, **kwargs):
        self.calls.append(dict(method=prepared.method, query=query_of(prepared.url), **kwargs))
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        return response


def test_list_extensions_none_filters_not_passed(ft):
    adapter = FakeAdapter([(200, _ext(1, 2)), (200, [])])
    client = make_client(ft, access_token=STATIC_TOKEN, adapter=adapter)
    assert len(client.list_extensions(per_page=2, type="phone", status=None, name=None)) == 2
    assert [c["query"] for c in adapter.calls] == [
        {"type": "phone", "page": "1", "per_page": "2"}, {"type": "phone", "page": "2", "per_page": "2"}]
    assert all(c["timeout"] == 30.0 for c in adapter.calls)


def test_list_extensions_page_ignored(rsps, ft):
    rsps.add(responses.GET, API + "/client/@me/extension/", json=_ext(1, 5))
    with pytest.raises(ApiError, match="ignores the page parameter, so a listing cannot be known to reach beyond"):
        make_client(ft, access_token=STATIC_TOKEN).list_extensions(per_page=5)
    assert len(rsps.calls) == 2


def test_list_extensions_page_ignored_and_a_short_first_page_cannot_be_trusted(rsps, ft):
    # 5 of 10 asked: the whole account, or a silent cap at 5 of more? Nothing tells, so the listing fails.
    rsps.add(responses.GET, API + "/client/@me/extension/", json=_ext(1, 5))
    with pytest.raises(ApiError, match="cannot be known to reach beyond its first 5 extensions"):
        make_client(ft, access_token=STATIC_TOKEN).list_extensions(per_page=10)
    assert len(rsps.calls) == 2


def test_list_extensions_from_a_server_that_does_not_page_at_all(rsps, ft):
    rsps.add(responses.GET, API + "/client/@me/extension/", json=_ext(1, 15))
    assert len(make_client(ft, access_token=STATIC_TOKEN).list_extensions(per_page=10)) == 15
    assert len(rsps.calls) == 2


def test_list_extensions_asks_for_smaller_pages_after_a_400(rsps, ft):
    def callback(request):
        per_page = int(query_of(request.url)["per_page"])
        if per_page > 20:
            return 400, {}, json.dumps({"message": "per_page must be at most 20"})
        page = int(query_of(request.url)["page"])
        return 200, {}, json.dumps(_ext(1, 45)[(page - 1) * per_page:page * per_page])

    rsps.add_callback(responses.GET, API + "/client/@me/extension/", callback=callback,
                      content_type="application/json")
    result = make_client(ft, access_token=STATIC_TOKEN).list_extensions()
    assert [e["id"] for e in result] == list(range(1, 46))
    assert [query(c)["per_page"] for c in rsps.calls] == ["100", "50", "20", "20", "20"]


def test_list_extensions_not_a_list(rsps, ft):
    rsps.add(responses.GET, API + "/client/@me/extension/", json={"items": []})
    with pytest.raises(ApiError, match="JSON list"):
        make_client(ft, access_token=STATIC_TOKEN).list_extensions()


def test_path_parts(rsps, ft):
    rsps.add(responses.GET, API + "/extension/@me/phone/", json={})
    rsps.add(responses.GET, API + "/extension/a%2F..%2Fb/phone/", json={})
    client = make_client(ft, access_token=STATIC_TOKEN)
    client.get_phone("@me")
    client.get_phone("a/../b")
    assert [urlsplit(c.request.url).path for c in rsps.calls] == [
        "/telephony/api/ver1.0/extension/@me/phone/", "/telephony/api/ver1.0/extension/a%2F..%2Fb/phone/"]


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


def test_counters_thread_safe(rsps, ft):
    rsps.add(responses.GET, API + "/user/", json={})
    client = make_client(ft, access_token=STATIC_TOKEN, pool_size=8)

    def work():
        for _attempt in range(25):
            client.get_user()

    threads = [threading.Thread(target=work) for _attempt in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert requests_sent(client) == 200 and request_counts(client) == {"GET": 200}


def test_rate_limit_keeps_the_lowest_remaining_of_a_window_whatever_the_order_of_answers():
    assert newer_budget(None, {"limit": 10, "remaining": 5, "reset": 100})
    assert not newer_budget({"remaining": 3, "reset": 100}, {"remaining": 4, "reset": 100})  # arrived late
    assert newer_budget({"remaining": 3, "reset": 100}, {"remaining": 2, "reset": 99})
    assert newer_budget({"remaining": 0, "reset": 2}, {"remaining": 999, "reset": 3600})  # a new window


# --------------------------------------------------------------------------- outages (issue 9)


def test_an_unreachable_token_endpoint_fails_every_request_after_one_retry_cycle(rsps, ft):
    rsps.add(responses.POST, TOKEN_URL, body=requests.exceptions.ConnectionError("Connection refused"))
    client = make_client(ft, max_retries=3)
    errors = []
    for _extension in range(20):
        with pytest.raises(ApiError) as info:
            client.get_phone(1001)
        errors.append(info.value)
    assert len(token_calls(rsps)) == 4  # one cycle: the first attempt and 3 retries, then no more
    assert all(e.outage and e.task_wide for e in errors)
    assert "connection error: Connection refused" in str(errors[0])
    assert "the API seems unreachable or failing for every request" in str(errors[0])
    assert errors[-1].path == "/oauth/token"  # each later request fails at once, on the token it needs


def test_a_storm_of_5xx_stops_after_two_paths_give_up(rsps, ft):
    for ext in range(1, 6):
        rsps.add(responses.GET, API + "/extension/%d/phone/" % ext, status=503, json={"message": "down"})
    client = make_client(ft, access_token=STATIC_TOKEN, max_retries=2)
    outcomes = []
    for ext in range(1, 6):
        with pytest.raises(ApiError) as info:
            client.get_phone(ext)
        outcomes.append(info.value.outage)
    assert outcomes == [False, True, True, True, True]  # one broken resource is not yet an outage
    assert len(rsps.calls) == 6  # two full cycles of 3 attempts, then nothing


def test_one_broken_extension_among_answering_ones_is_no_outage(rsps, ft):
    rsps.add(responses.GET, API + "/extension/1/phone/", status=500, json={"message": "broken"})
    rsps.add(responses.GET, API + "/extension/2/phone/", json={"ok": True})
    rsps.add(responses.GET, API + "/extension/3/phone/", status=500, json={"message": "broken too"})
    client = make_client(ft, access_token=STATIC_TOKEN, max_retries=1)
    for ext in (1, 2, 3, 2):
        try:
            client.get_phone(ext)
        except ApiError as exc:
            assert not exc.outage
