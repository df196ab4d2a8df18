# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/transport.py: the connection pool, retries and backoff, rate limits,
counters and outages.

HTTP goes to the ``responses`` fake transport; sleep, clock, jitter and wall clock are fakes, so no test
sleeps (except for the real thread hand-offs of the concurrency tests, which take milliseconds).
"""

from __future__ import annotations

import os
import threading

import pytest
import requests
import responses
from hypothesis import given, settings, strategies as st

from ansible_collections.telphin.pbx.plugins.module_utils.client import ApiClient
from ansible_collections.telphin.pbx.plugins.module_utils.connection import API_PREFIX, Connection
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.transport import newer_budget

from ansible_collections.telphin.pbx.tests.unit.plugins.module_utils.api_fakes import (
    API,
    BASE,
    STATIC_TOKEN,
    TOKEN_URL,
    WALL,
    FakeTime,
    make_client,
    request_counts,
    requests_sent,
    token_calls,
    token_sequence,
)


# --------------------------------------------------------------------------- construction


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


def test_an_html_page_is_retried_then_reported(rsps, ft):
    rsps.add(responses.GET, API + "/extension/1/phone/", status=200, body="<html><body>Gateway</body></html>",
             content_type="text/html")
    with pytest.raises(ApiError) as info:
        make_client(ft, access_token=STATIC_TOKEN, max_retries=1).get_phone(1)
    assert "the answer is not valid JSON: <html><body>Gateway</body></html>" in str(info.value)
    assert len(rsps.calls) == 2


def test_a_redirect_is_an_error_that_names_where_it_points_not_an_answer(rsps, ft):
    rsps.add(responses.GET, API + "/user/", status=301, headers={"Location": "https://new.example.com/api/"})
    client = make_client(ft, access_token=STATIC_TOKEN)
    with pytest.raises(ApiError) as info:
        client.get_user()
    assert info.value.status == 301 and "the server redirects to https://new.example.com/api/" in str(info.value)
    assert "as api_url" in str(info.value)
    assert len(rsps.calls) == 1 and ft.sleeps == []  # neither followed nor retried


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
    assert ft.sleeps == [pytest.approx(0.375 / 5)]  # that request alone, briefly: it then waits for a slot


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


def test_rate_limit_keeps_the_lowest_remaining_of_a_window_whatever_the_order_of_answers():
    assert newer_budget(None, {"limit": 10, "remaining": 5, "reset": 100})
    assert not newer_budget({"remaining": 3, "reset": 100}, {"remaining": 4, "reset": 100})  # arrived late
    assert newer_budget({"remaining": 3, "reset": 100}, {"remaining": 2, "reset": 99})
    assert newer_budget({"remaining": 0, "reset": 2}, {"remaining": 999, "reset": 3600})  # a new window


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


def test_optional_reads_that_give_up_are_no_outage_and_never_stop_a_write(rsps, ft):
    """Registration reads of check_registrations timing out on two paths: the PUT after them is sent."""
    for ext in (1, 2, 3):
        rsps.add(responses.GET, API + "/extension/%d/registration/" % ext,
                 body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.add(responses.PUT, API + "/extension/1/phone/", json={"hangup_timeout": 40})
    client = make_client(ft, access_token=STATIC_TOKEN, max_retries=1)
    for ext in (1, 2, 3):
        with pytest.raises(ApiError) as info:
            client.get_registration(ext, optional=True)
        assert not info.value.outage and "timed out" in str(info.value)
    assert client.put_phone(1, {"hangup_timeout": 40}) == {"hangup_timeout": 40}
    assert client.transport.health.outage is None
    # The same reads, not optional (module registration_info): two paths giving up are an outage.
    client = make_client(ft, access_token=STATIC_TOKEN, max_retries=0)
    with pytest.raises(ApiError):
        client.get_registration(1)
    with pytest.raises(ApiError) as info:
        client.get_registration(2)
    assert info.value.outage


def test_a_write_refused_unsent_after_an_outage_is_known_not_applied(rsps, ft):
    for ext in (1, 2):
        rsps.add(responses.GET, API + "/extension/%d/phone/" % ext, status=503, json={"message": "down"})
    rsps.add(responses.PUT, API + "/extension/3/phone/", status=503, json={"message": "down"})
    client = make_client(ft, access_token=STATIC_TOKEN, max_retries=0)
    for ext in (1, 2):
        with pytest.raises(ApiError):
            client.get_phone(ext)
    with pytest.raises(ApiError) as info:
        client.put_phone(3, {"hangup_timeout": 40})
    assert info.value.outage and info.value.unsent and not info.value.outcome_unknown
    assert [call.request.method for call in rsps.calls] == ["GET", "GET"]  # the PUT never left
