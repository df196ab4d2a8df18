# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/errors.py: an error answer read into an ApiError, with its hint."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError

from ansible_collections.telphin.pbx.tests.unit.plugins.module_utils.api_fakes import (
    API,
    STATIC_TOKEN,
    make_client,
)


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
