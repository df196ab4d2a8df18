# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options of every module: their one table of defaults, the argument spec, and their checks.

``Connection`` is what the client is built from; its field defaults are the options' defaults, and the
argument spec (documented once in the doc fragment ``telphin.pbx.api``) is generated from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Optional
from urllib.parse import urlsplit

from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.telphin.pbx.plugins.module_utils.budget import DEFAULT_RESERVE, parse_reserve
from ansible_collections.telphin.pbx.plugins.module_utils.redact import without_userinfo

API_PREFIX = "/api/ver1.0"
TOKEN_PATH = "/oauth/token"
DEFAULT_API_URL = "https://apiproxy.telphin.ru"


@dataclass(frozen=True)
class Connection:
    """Where the API is and how to talk to it; one value per run. The defaults are the options' defaults."""

    api_url: str = DEFAULT_API_URL
    app_id: Optional[str] = None
    app_secret: Optional[str] = field(default=None, repr=False)
    access_token: Optional[str] = field(default=None, repr=False)
    validate_certs: bool = True
    ca_path: Optional[str] = None
    timeout: float = 30.0
    max_retries: int = 4
    rate_limit_wait: int = 60
    rate_limit_reserve: str = DEFAULT_RESERVE

    @property
    def reserve(self):
        """``rate_limit_reserve`` as a :class:`~.budget.Reserve` (the default's, when it is not valid:
        :func:`problems` refuses it before any request)."""
        return parse_reserve(self.rate_limit_reserve)[0]

    @property
    def base_url(self):
        """``api_url`` without surrounding blanks and trailing slashes."""
        return (self.api_url or "").strip().rstrip("/")

    @property
    def verify(self):
        """``verify`` for requests: the CA file, or whether to check certificates."""
        return self.ca_path if self.ca_path else bool(self.validate_certs)


SECRET_OPTIONS = ("app_secret", "access_token")
# The Ansible side of each option: its type and the environment variable it falls back to.
_OPTION_TYPES = dict(api_url=("str", "TELPHIN_API_URL"), app_id=("str", "TELPHIN_APP_ID"),
                     app_secret=("str", "TELPHIN_APP_SECRET"), access_token=("str", "TELPHIN_ACCESS_TOKEN"),
                     validate_certs=("bool", "TELPHIN_VALIDATE_CERTS"), ca_path=("path", "TELPHIN_CA_PATH"),
                     timeout=("float", None), max_retries=("int", None), rate_limit_wait=("int", None),
                     rate_limit_reserve=("raw", "TELPHIN_RATE_LIMIT_RESERVE"))


def argument_spec():
    """The connection options shared by every module of the collection (doc fragment ``telphin.pbx.api``)."""
    spec = {}
    for option in fields(Connection):
        type_name, env = _OPTION_TYPES[option.name]
        spec[option.name] = dict(type=type_name)
        if option.default is not None:
            spec[option.name]["default"] = option.default
        if env:
            spec[option.name]["fallback"] = (env_given, [env])
        if option.name in SECRET_OPTIONS:
            spec[option.name]["no_log"] = True
    return spec


def env_given(name):
    """The environment variable ``name`` as an option's fallback, unless it is unset or empty: an AWX credential
    injects an empty text for a field left empty (``TELPHIN_VALIDATE_CERTS=''``), which means not set, as
    :func:`_given` takes it of an option; Ansible's env_fallback would hand it to the type check instead."""
    value = os.environ.get(name, "")
    if not value.strip():
        raise AnsibleFallbackNotFound
    return value


def _given(value):
    """An option's value, or None when it is not set: also an empty text, which is what an AWX credential's
    empty field injects (``TELPHIN_API_URL=''``), so that the default applies."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def connection_from_params(params):
    """``(Connection, problems)`` from module parameters; each problem names the option and the reason."""
    connection = Connection(**{option.name: _given(params.get(option.name)) for option in fields(Connection)
                               if _given(params.get(option.name)) is not None})
    return connection, problems(connection)


def url_secrets(connection):
    """What is written before the host in ``api_url`` (``user:password`` of ``https://user:password@host``), to be
    masked: as a whole, so that a short user name (``u``) does not mask that letter in every message."""
    userinfo, at, _host = urlsplit(connection.base_url).netloc.rpartition("@")
    return [userinfo] if at and userinfo else []


def problems(connection):
    """Why this connection cannot work, as messages naming the option; empty when it can."""
    found = []
    url = connection.base_url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        found.append("api_url: must be an http:// or https:// URL with a host name, got %r" % without_userinfo(url))
    elif parts.username is not None or parts.password is not None:
        found.append("api_url: must not hold a user name or password (user:password@host): the API takes "
                     "no credentials in the URL, and they would reach proxies and logs; give app_id and "
                     "app_secret, or access_token, got %r" % without_userinfo(url))
    elif parts.path.rstrip("/").endswith(API_PREFIX) or parts.path.rstrip("/").endswith(TOKEN_PATH):
        found.append("api_url: give the scheme and host only (and a path prefix, if any), without %s: the "
                     "client adds %s/... and %s itself, got %r"
                     % (parts.path, API_PREFIX, TOKEN_PATH, without_userinfo(url)))
    if not connection.access_token:
        missing = [name for name in ("app_id", "app_secret") if not getattr(connection, name)]
        if missing:
            found.append("no API credentials: give access_token, or both app_id and app_secret (environment "
                         "TELPHIN_ACCESS_TOKEN, or TELPHIN_APP_ID and TELPHIN_APP_SECRET; the role and the "
                         "collection's playbooks: telphin_app_id and telphin_app_secret, as inventory or extra "
                         "variables); missing: %s" % ", ".join(missing))
    if connection.ca_path and not os.path.isfile(connection.ca_path):
        found.append("ca_path: no such file: %s" % connection.ca_path)
    if connection.timeout <= 0:
        found.append("timeout: must be more than 0, got %s" % connection.timeout)
    for name in ("max_retries", "rate_limit_wait"):
        if getattr(connection, name) < 0:
            found.append("%s: must be 0 or more, got %s" % (name, getattr(connection, name)))
    _reserve, problem = parse_reserve(connection.rate_limit_reserve)
    if problem:
        found.append(problem)
    return found
