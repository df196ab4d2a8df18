# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/redact.py: no secret of the run, given or issued, in any error."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.redact import MASK, field_values, mask_fields

from ansible_collections.telphin.pbx.tests.unit.plugins.module_utils.api_fakes import (
    API,
    SECRET,
    STATIC_TOKEN,
    TOKEN_URL,
    make_client,
    tok,
    token_sequence,
)


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


NAMES = frozenset(("conference_pin", "password"))
OPTIONS = {"profiles": {"password": {"conference_pin": 100, "label": "000*100"}, "desk": {"conference_pin": ""}},
           "assignments": [{"overrides": {"password": "sip-pass", "conference_pin": None}}],
           "conference_pin": "4729", "label": "conference_pin"}


def test_secrets_are_masked_by_field_at_any_depth_and_nothing_else():
    masked = mask_fields(OPTIONS, NAMES)
    # a profile named like a secret field is masked whole: the invocation shows less, never a secret
    assert masked["profiles"] == {"password": MASK, "desk": {"conference_pin": ""}}
    assert masked["assignments"] == [{"overrides": {"password": MASK, "conference_pin": None}}]
    assert masked["conference_pin"] == MASK and masked["label"] == "conference_pin"
    assert OPTIONS["conference_pin"] == "4729"  # a copy


def test_the_values_of_secret_fields_are_found_at_any_depth():
    assert sorted(field_values(OPTIONS, NAMES)) == ["100", "4729", "sip-pass"]
    assert field_values(None, NAMES) == [] and field_values({"password": True}, NAMES) == []
