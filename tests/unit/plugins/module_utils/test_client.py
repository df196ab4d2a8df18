# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/client.py: the endpoints, the rule that a 401 gets one new token, the
phone resource's answers, the listing's pages, and what the client tells of its parts.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from ansible_collections.telphin.pbx.plugins.module_utils.connection import API_PREFIX
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError

from ansible_collections.telphin.pbx.tests.unit.plugins.module_utils.api_fakes import (
    API,
    BASE,
    STATIC_TOKEN,
    api_calls,
    make_client,
    query,
    requests_sent,
    tok,
    token_sequence,
)


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


# --------------------------------------------------------------------------- a 401: one new token, one more try


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


# --------------------------------------------------------------------------- the phone resource


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


def test_other_4xx_not_retried(rsps, ft):
    rsps.add(responses.GET, API + "/extension/9/phone/", status=404,
             json={"message": "Extension not found"})
    client = make_client(ft, access_token=STATIC_TOKEN)
    with pytest.raises(ApiError) as info:
        client.get_phone(9)
    assert str(info.value) == ("GET /api/ver1.0/extension/9/phone/: HTTP 404: Extension not found (no such extension, "
                               "or it is not a phone extension: only extensions of type 'phone' have phone properties)")
    assert requests_sent(client) == 1 and ft.sleeps == []


def test_path_parts(rsps, ft):
    rsps.add(responses.GET, API + "/extension/@me/phone/", json={})
    rsps.add(responses.GET, API + "/extension/a%2F..%2Fb/phone/", json={})
    client = make_client(ft, access_token=STATIC_TOKEN)
    client.get_phone("@me")
    client.get_phone("a/../b")
    assert [urlsplit(c.request.url).path for c in rsps.calls] == [
        "/telephony/api/ver1.0/extension/@me/phone/", "/telephony/api/ver1.0/extension/a%2F..%2Fb/phone/"]


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
    # Page 2 came full, so pages 3 and 4 were asked for at once: 4 lies past the end.
    assert sorted(query(c)["page"] for c in rsps.calls) == ["1", "2", "3", "4"]
    assert all(query(c)["per_page"] == "100" for c in rsps.calls)


def test_list_extensions_empty_page_ends(rsps, ft):
    _pages(rsps, [_ext(1, 3), _ext(4, 3)])
    result = make_client(ft, access_token=STATIC_TOKEN).list_extensions(per_page=3)
    assert len(result) == 6 and sorted(query(c)["page"] for c in rsps.calls) == ["1", "2", "3", "4"]


def test_a_long_listing_reads_ahead_in_doubling_batches(rsps, ft):
    """34 full pages of 3, and a short one: the batches after page 2 are of 2, 4, 8 and then 10 pages (the
    client's 10 connections), so 7 round trips read 35 pages, and the last batch (27 to 36) asks for one page
    past the end."""
    _pages(rsps, [_ext(1 + 3 * n, 3) for n in range(34)] + [_ext(103, 1)])
    result = make_client(ft, access_token=STATIC_TOKEN, pool_size=10).list_extensions(per_page=3)
    assert [e["id"] for e in result] == list(range(1, 104))
    assert sorted(int(query(c)["page"]) for c in rsps.calls) == list(range(1, 37))


def test_a_page_that_fails_after_the_end_is_not_looked_at(rsps, ft):
    def callback(request):
        page = int(query_of(request.url)["page"])
        if page > 3:
            return 500, {}, json.dumps({"message": "no such page"})
        return 200, {}, json.dumps([_ext(1, 3), _ext(4, 3), _ext(7, 1)][page - 1])

    rsps.add_callback(responses.GET, API + "/client/@me/extension/", callback=callback,
                      content_type="application/json")
    assert len(make_client(ft, access_token=STATIC_TOKEN).list_extensions(per_page=3)) == 7


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
    # 20, 20 and 5 of 45 on pages 1 to 3; page 4, asked for with page 3, lies past the end.
    assert sorted(query(c)["per_page"] for c in rsps.calls) == ["100", "20", "20", "20", "20", "50"]


def test_list_extensions_not_a_list(rsps, ft):
    rsps.add(responses.GET, API + "/client/@me/extension/", json={"items": []})
    with pytest.raises(ApiError, match="JSON list"):
        make_client(ft, access_token=STATIC_TOKEN).list_extensions()


# --------------------------------------------------------------------------- what the client tells of its parts


def test_token_lifetime_is_that_of_the_last_token_issued(rsps, ft):
    token_sequence(rsps, expires_in=3600)
    rsps.add(responses.GET, API + "/user/", json={})
    client = make_client(ft)
    assert client.token_lifetime() == {"expires_in": None, "renewable": True}  # no token asked for yet
    client.get_user()
    assert client.token_lifetime() == {"expires_in": 3600, "renewable": True}
    assert make_client(ft, access_token=STATIC_TOKEN).token_lifetime() == {"expires_in": None, "renewable": False}


def test_rate_limits_are_told_per_resource_as_a_copy(rsps, ft):
    rsps.add(responses.GET, API + "/extension/1001/phone/", json={},
             headers={"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "40", "X-RateLimit-Reset": "600"})
    rsps.add(responses.GET, API + "/user/", json={})
    client = make_client(ft, access_token=STATIC_TOKEN)
    assert client.rate_limits() == {}
    client.get_phone(1001)
    client.get_user()  # no headers: not a resource the run knows a budget of
    told = client.rate_limits()
    assert told == {API_PREFIX + "/extension/{}/phone/": {"limit": 100, "remaining": 40, "reset": 600}}
    told[API_PREFIX + "/extension/{}/phone/"]["remaining"] = 0
    assert client.rate_limits()[API_PREFIX + "/extension/{}/phone/"]["remaining"] == 40


def test_extension_page_is_one_page_as_the_server_serves_it(rsps, ft):
    rsps.add(responses.GET, API + "/client/@me/extension/", json=_ext(1, 5))  # ignores page and per_page
    client = make_client(ft, access_token=STATIC_TOKEN)
    assert client.extension_page(2, 1) == _ext(1, 5)  # as served: no paging rule applied
    assert client.extension_page(1, type="phone") == _ext(1, 5)
    assert [query(c) for c in rsps.calls] == [{"page": "2", "per_page": "1"}, {"type": "phone", "page": "1"}]
