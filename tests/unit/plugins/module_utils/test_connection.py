# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/connection.py: the options, their defaults and environment, their checks."""

from __future__ import annotations

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.telphin.pbx.plugins.module_utils.connection import (
    Connection,
    argument_spec,
    connection_from_params,
    problems,
    url_secrets,
)

from ansible_collections.telphin.pbx.tests.unit.plugins.module_utils.api_fakes import SECRET


def test_argument_spec_options_and_env_fallback(monkeypatch):
    spec = argument_spec()
    assert set(spec) == {"api_url", "app_id", "app_secret", "access_token", "validate_certs", "ca_path",
                         "timeout", "max_retries", "rate_limit_wait", "rate_limit_reserve"}
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
    assert url_secrets(Connection(api_url="https://admin:pw-123@pbx.example.com")) == ["admin:pw-123"]
    assert url_secrets(Connection(api_url="https://tok3n@pbx.example.com")) == ["tok3n"]
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


def test_an_empty_environment_variable_is_not_set(monkeypatch):
    """An AWX credential's empty field (TELPHIN_VALIDATE_CERTS='') means the default, not a bad boolean."""
    for name in ("TELPHIN_API_URL", "TELPHIN_VALIDATE_CERTS", "TELPHIN_CA_PATH", "TELPHIN_APP_ID"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("TELPHIN_APP_SECRET", " ")
    result = ArgumentSpecValidator(argument_spec()).validate({"app_id": "a", "app_secret": "s"})
    assert not result.error_messages
    params = result.validated_parameters
    assert params["validate_certs"] is True and params["ca_path"] is None
    assert params["api_url"] == "https://apiproxy.telphin.ru" and params["app_secret"] == "s"
