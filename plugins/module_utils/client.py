# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client of the Ringme/Telphin PBX REST API.

One :class:`ApiClient` per module run, shared by every worker thread. It owns:

* the OAuth 2 token (client-credentials grant, fetched lazily, renewed when it runs out or is refused),
* retries with exponential backoff and jitter on transient failures,
* the rate limit: ``X-RateLimit-*`` headers, 429 answers and a client-wide pause,
* turning every failure into one :class:`ApiError` with a readable one-line message,
* counters of the requests sent (each request costs the user part of an hourly budget).

Secrets (the application secret, static and issued tokens) never appear in an exception message.
"""

from __future__ import annotations

import email.utils
import json as _json
import os
import random
import re
import threading
import time
import traceback
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ansible.module_utils.basic import env_fallback, missing_required_lib

API_PREFIX = "/api/ver1.0"
TOKEN_PATH = "/oauth/token"
DEFAULT_API_URL = "https://apiproxy.telphin.ru"
USER_AGENT = "telphin.pbx-ansible-collection"

# Either access_token, or both app_id and app_secret. Written as two "one of" rules, so that an
# access_token given together with a stray app_id (say from the environment) is still accepted:
# the app credentials are then ignored.
API_REQUIRED_ONE_OF = [
    ("access_token", "app_id"),
    ("access_token", "app_secret"),
]

_MASK = "********"
# Renew an issued token this long before expires_in runs out (at most 60 s, at most 10 % of its life).
_TOKEN_MARGIN_MAX = 60.0
_TOKEN_MARGIN_RATIO = 0.1
# An X-RateLimit-Reset above this is a Unix time, not a number of seconds.
_EPOCH_THRESHOLD = 10 ** 9
_TEXT_LIMIT = 300
_USERINFO_RE = re.compile(r"(?<=//)[^/@\s]+@")


def api_argument_spec():
    """The connection options shared by every module of the collection (doc fragment ``telphin.pbx.api``)."""
    return dict(
        api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["TELPHIN_API_URL"])),
        app_id=dict(type="str", fallback=(env_fallback, ["TELPHIN_APP_ID"])),
        app_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["TELPHIN_APP_SECRET"])),
        access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["TELPHIN_ACCESS_TOKEN"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["TELPHIN_VALIDATE_CERTS"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["TELPHIN_CA_PATH"])),
        timeout=dict(type="float", default=30),
        max_retries=dict(type="int", default=4),
        rate_limit_wait=dict(type="int", default=60),
    )


def api_module_kwargs(**kwargs):
    """Keyword arguments for AnsibleModule with the connection rules merged into the module's own.

    ``AnsibleModule(argument_spec=spec, **api_module_kwargs(mutually_exclusive=[...], supports_check_mode=True))``
    """
    result = dict(kwargs)
    result["required_one_of"] = list(API_REQUIRED_ONE_OF) + list(kwargs.get("required_one_of") or [])
    return result


def credentials_problem(access_token=None, app_id=None, app_secret=None):
    """Why these credentials cannot work (a message), or None. Empty strings count as missing."""
    if access_token:
        return None
    missing = [name for name, value in (("app_id", app_id), ("app_secret", app_secret)) if not value]
    if not missing:
        return None
    return ("no API credentials: give access_token, or both app_id and app_secret "
            "(environment TELPHIN_ACCESS_TOKEN, or TELPHIN_APP_ID and TELPHIN_APP_SECRET); missing: %s"
            % ", ".join(missing))


class ApiError(Exception):
    """A request that failed for good (after any retries).

    :ivar method: HTTP method (``GET``, ``PUT``, ``POST`` for the token).
    :ivar path: the request path below ``api_url``, e.g. ``/api/ver1.0/extension/1001/phone/`` or ``/oauth/token``.
    :ivar status: HTTP status code, or None when no answer came (connection error, time-out).
    :ivar message: the API's ``message`` (or OAuth ``error_description``/``error``), or what went wrong on the way.
    :ivar api_status: the API's ``status`` field (``app_access_type_deny``...) or the OAuth ``error`` code.
    :ivar retry_after: seconds until a retry may succeed (rate limit), when known.
    :ivar hint: what the user can do about it, or None.
    :ivar details: any other fields of the error body (dict), e.g. of a 400 validation error, or None.
    """

    def __init__(self, method, path, status=None, message="", api_status=None, retry_after=None,
                 hint=None, details=None):
        self.method = method
        self.path = path
        self.status = status
        self.message = message or ""
        self.api_status = api_status
        self.retry_after = retry_after
        self.hint = hint
        self.details = details or None
        super().__init__(self.__str__())

    def __str__(self):
        where = "%s %s" % (self.method, self.path)
        what = "HTTP %s" % self.status if self.status is not None else "no answer"
        if self.api_status:
            what += " %s" % self.api_status
        text = "%s: %s" % (where, what)
        if self.message and self.message != self.api_status:
            text += ": %s" % self.message
        if self.details:
            details = _json.dumps(self.details, sort_keys=True, default=str)
            if len(details) <= _TEXT_LIMIT:
                text += " %s" % details
        if self.hint:
            text += " (%s)" % self.hint
        return text

    def __reduce__(self):
        return (_rebuild_api_error, (self.method, self.path, self.status, self.message, self.api_status,
                                     self.retry_after, self.hint, self.details))

    def as_dict(self):
        """The error as plain data, for a module's per-target results."""
        return dict(method=self.method, path=self.path, status=self.status, message=self.message,
                    api_status=self.api_status, retry_after=self.retry_after, hint=self.hint,
                    details=self.details, msg=str(self))

    def copy(self):
        return ApiError(self.method, self.path, status=self.status, message=self.message,
                        api_status=self.api_status, retry_after=self.retry_after, hint=self.hint,
                        details=self.details)


def _rebuild_api_error(*args):
    return ApiError(*args)


class _Answer:
    """A final (not retried) HTTP answer: status, parsed body (JSON, or text when not JSON), headers."""

    __slots__ = ("status", "body", "headers")

    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers


class _Transient(Exception):
    """An attempt that may succeed when repeated: carries the ApiError to raise if none does."""

    def __init__(self, error, wait=None, client_wide=False):
        super().__init__(str(error))
        self.error = error
        self.wait = wait
        self.client_wide = client_wide


def _to_int(value):
    if value is None:
        return None
    try:
        return int(float(str(value).strip()))
    except (TypeError, ValueError):
        return None


def _hint_for(status, api_status, token_request):
    if token_request:
        if api_status == "invalid_client" or status == 401:
            return "the token endpoint refused the application credentials: check app_id and app_secret"
        if api_status == "unauthorized_client":
            return "the application may not use the client-credentials grant: it must be a trusted application"
        return None
    if status == 403:
        return {
            "app_access_type_deny": 'the application needs access level "All" to change the configuration; '
                                    'its level is lower, probably "Call API"',
            "user_access_type_deny": "the user that created the application has read-only access; "
                                     "writes need a user with full access",
            "user_blocked": "the user that created the application is blocked",
            "access_denied": "the user of the token has no rights to this resource",
        }.get(api_status)
    if status == 404 and api_status == "client_not_found":
        return "no such client: check client_id"
    return None


class ApiClient:
    """A thread-safe client of the PBX REST API.

    ``api_url`` is scheme + host with an optional path prefix; the client appends :data:`API_PREFIX` to it
    for API calls and :data:`TOKEN_PATH` for the token. ``session``, ``sleep``, ``clock``, ``rng`` and
    ``wallclock`` can be replaced in tests.
    """

    def __init__(self, api_url, app_id=None, app_secret=None, access_token=None, validate_certs=True,
                 ca_path=None, timeout=30, max_retries=4, rate_limit_wait=60, pool_size=10,
                 backoff_base=0.5, backoff_max=10.0, session=None, sleep=time.sleep, clock=time.monotonic,
                 rng=random.random, wallclock=time.time):
        api_url = (api_url or "").strip().rstrip("/")
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("api_url must be an http:// or https:// URL with a host name, got %r"
                             % _USERINFO_RE.sub("", api_url))
        problem = credentials_problem(access_token, app_id, app_secret)
        if problem:
            raise ValueError(problem)
        self.api_url = api_url
        self.app_id = app_id
        self._app_secret = app_secret
        self._static_token = access_token or None
        self.verify = ca_path if ca_path else bool(validate_certs)
        self.timeout = float(timeout)
        self.max_retries = max(0, int(max_retries))
        self.rate_limit_wait = rate_limit_wait
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._wallclock = wallclock

        if session is None:
            if not HAS_REQUESTS:
                raise RuntimeError("the Python library requests is required")
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(1, int(pool_size)), max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            # requests reads the proxy and CA-bundle environment on every request (a third of the client's
            # CPU time over thousands of requests); read it once here instead, as requests would. This also
            # keeps a ~/.netrc entry from replacing the bearer token.
            session.trust_env = False
            session.proxies = requests.utils.get_environ_proxies(api_url)
            if self.verify is True:
                self.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            if self.verify is False:
                try:
                    import urllib3
                    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
                except Exception:  # pragma: no cover - urllib3 always comes with requests
                    pass
        self.session = session

        # Token state, guarded by _token_lock. _token_gen counts issued tokens: a thread that got a 401
        # with generation g asks for a new token only if nobody did since g.
        self._token_lock = threading.Lock()
        self._token = None
        self._token_gen = 0
        self._token_expires_at = None
        self._token_failure = None  # (generation, ApiError) of a token request refused for good

        self._secrets = set()
        self._secret_sinks = []
        for secret in (app_secret, access_token):
            self._remember_secret(secret)

        # Client-wide pause (rate limit): no request starts before this clock() value.
        self._gate_lock = threading.Lock()
        self._not_before = 0.0

        self._stats_lock = threading.Lock()
        self.requests_sent = 0
        self.request_counts = {}
        self.token_requests = 0
        self.retries = 0
        self.rate_limit = None

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_module(cls, module, pool_size=10):
        """The client for an AnsibleModule whose argument_spec includes :func:`api_argument_spec`."""
        if not HAS_REQUESTS:
            module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        p = module.params
        problem = credentials_problem(p.get("access_token"), p.get("app_id"), p.get("app_secret"))
        if problem:
            module.fail_json(msg=problem)
        if p.get("rate_limit_wait") is not None and p["rate_limit_wait"] < 0:
            module.fail_json(msg="rate_limit_wait must be 0 or more, got %s" % p["rate_limit_wait"])
        if p.get("max_retries") is not None and p["max_retries"] < 0:
            module.fail_json(msg="max_retries must be 0 or more, got %s" % p["max_retries"])
        if p.get("timeout") is not None and p["timeout"] <= 0:
            module.fail_json(msg="timeout must be more than 0, got %s" % p["timeout"])
        try:
            client = cls(
                api_url=p.get("api_url") or DEFAULT_API_URL,
                app_id=p.get("app_id"),
                app_secret=p.get("app_secret"),
                access_token=p.get("access_token"),
                validate_certs=p.get("validate_certs", True),
                ca_path=p.get("ca_path"),
                timeout=p.get("timeout") or 30,
                max_retries=p["max_retries"] if p.get("max_retries") is not None else 4,
                rate_limit_wait=p["rate_limit_wait"] if p.get("rate_limit_wait") is not None else 60,
                pool_size=pool_size,
            )
        except ValueError as exc:
            module.fail_json(msg=str(exc))
        # Issued tokens are secrets Ansible does not know of: let it mask them in any output too.
        no_log_values = getattr(module, "no_log_values", None)
        if no_log_values is not None:
            client._secret_sinks.append(no_log_values.add)
        return client

    # ------------------------------------------------------------------ public API

    def request(self, method, path, params=None, json=None):
        """Call ``API_PREFIX + path``; the parsed JSON answer, or None for an empty answer (204).

        Raises :class:`ApiError` when the request fails for good.
        """
        method = method.upper()
        if not path.startswith("/"):
            path = "/" + path
        api_path = API_PREFIX + path
        url = self.api_url + api_path
        renewed = False
        while True:
            token, generation = self._current_token()
            headers = {
                "Authorization": "Bearer %s" % token,
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "User-Agent": USER_AGENT,
            }
            answer = self._send(method, api_path, url, headers=headers, params=params, json_body=json)
            if answer.status == 401:
                if self._static_token is not None:
                    raise self._http_error(
                        method, api_path, answer,
                        hint="the access token was refused as expired or invalid: give a new access_token, "
                             "or use app_id and app_secret so that the client can get tokens itself")
                if renewed:
                    raise self._http_error(
                        method, api_path, answer,
                        hint="the API refused a token just issued for these credentials: check app_id and "
                             "app_secret, and that the application and its user are active")
                self._renew_token(generation)
                renewed = True
                continue
            if answer.status >= 400:
                raise self._http_error(method, api_path, answer)
            return answer.body

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def put(self, path, json):
        return self.request("PUT", path, json=json)

    def get_user(self):
        """``GET /user/``: the user the token acts as."""
        return self.get("/user/")

    def get_phone(self, extension_id):
        """``GET /extension/{id}/phone/``: the phone terminal properties."""
        return self.get("/extension/%s/phone/" % _path_part(extension_id))

    def put_phone(self, extension_id, body):
        """``PUT /extension/{id}/phone/`` with the fields to change; the resulting properties."""
        return self.put("/extension/%s/phone/" % _path_part(extension_id), body)

    def list_extensions(self, client_id="@me", per_page=100, **filters):
        """Every extension of a client (``GET /client/{id}/extension/``), all pages.

        Filters (``type``, ``status``, ``name``, ``extension_group_id``...) with a None value are not sent.
        Paging ends on an empty page, or on a page shorter than the longest page seen so far: a server may
        clamp ``per_page`` silently, so a page shorter than asked for is not proof of the end.
        """
        path = "/client/%s/extension/" % _path_part(client_id)
        params = {key: value for key, value in filters.items() if value is not None}
        result = []
        longest = 0
        previous = None
        page = 1
        while True:
            params.update(page=page, per_page=per_page)
            items = self.get(path, params=dict(params))
            if items is None:
                items = []
            if not isinstance(items, list):
                raise ApiError("GET", API_PREFIX + path, status=200,
                               message="expected a JSON list of extensions, got %s" % type(items).__name__)
            if not items:
                break
            if previous is not None and items == previous:
                raise ApiError("GET", API_PREFIX + path, status=200,
                               message="page %d repeats page %d: the server seems to ignore the page "
                                       "parameter" % (page, page - 1))
            result.extend(items)
            if len(items) < longest:
                break
            longest = max(longest, len(items))
            previous = items
            page += 1
        return result

    def stats(self):
        """A snapshot of the counters."""
        with self._stats_lock:
            return dict(requests_sent=self.requests_sent, request_counts=dict(self.request_counts),
                        token_requests=self.token_requests, retries=self.retries,
                        rate_limit=dict(self.rate_limit) if self.rate_limit else None)

    # ------------------------------------------------------------------ token

    def _current_token(self):
        if self._static_token is not None:
            return self._static_token, 0
        with self._token_lock:
            token, generation, expires_at = self._token, self._token_gen, self._token_expires_at
        if token is not None and (expires_at is None or self._clock() < expires_at):
            return token, generation
        return self._renew_token(generation)

    def _renew_token(self, seen_generation):
        """A new token, unless another thread got one since ``seen_generation``; (token, generation)."""
        with self._token_lock:
            if self._token_gen != seen_generation and self._token is not None:
                return self._token, self._token_gen
            failure = self._token_failure
            if failure is not None and failure[0] == self._token_gen:
                raise failure[1].copy()
            try:
                token, expires_in = self._fetch_token()
            except ApiError as exc:
                if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                    # Refused for good: threads waiting on the same generation fail the same way at once.
                    self._token_failure = (self._token_gen, exc)
                raise
            self._token = token
            self._token_gen += 1
            if expires_in:
                margin = min(_TOKEN_MARGIN_MAX, expires_in * _TOKEN_MARGIN_RATIO)
                self._token_expires_at = self._clock() + expires_in - margin
            else:
                self._token_expires_at = None
            return self._token, self._token_gen

    def _fetch_token(self):
        with self._stats_lock:
            self.token_requests += 1
        data = {"grant_type": "client_credentials", "client_id": self.app_id, "client_secret": self._app_secret}
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        answer = self._send("POST", TOKEN_PATH, self.api_url + TOKEN_PATH, headers=headers, data=data)
        if answer.status >= 400:
            raise self._http_error("POST", TOKEN_PATH, answer, token_request=True)
        body = answer.body
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token or not isinstance(token, str):
            raise ApiError("POST", TOKEN_PATH, status=answer.status,
                           message="the token answer holds no access_token")
        self._remember_secret(token)
        expires_in = _to_int(body.get("expires_in"))
        return token, (expires_in if expires_in and expires_in > 0 else None)

    # ------------------------------------------------------------------ transport

    def _send(self, method, api_path, url, headers, params=None, json_body=None, data=None):
        """One logical request with retries; the final answer (2xx parsed, or 4xx) or ApiError."""
        attempt = 0
        while True:
            self._wait_for_gate()
            try:
                return self._attempt(method, api_path, url, headers, params, json_body, data, attempt)
            except _Transient as transient:
                if attempt >= self.max_retries:
                    error = transient.error
                    if attempt and error.hint is None:
                        error.hint = "gave up after %d %s" % (attempt, "retry" if attempt == 1 else "retries")
                    raise error
                if transient.client_wide:
                    self._pause_client(transient.wait)
                else:
                    self._sleep(transient.wait if transient.wait is not None else self._backoff(attempt))
                attempt += 1
                with self._stats_lock:
                    self.retries += 1

    def _attempt(self, method, api_path, url, headers, params, json_body, data, attempt):
        with self._stats_lock:
            self.requests_sent += 1
            self.request_counts[method] = self.request_counts.get(method, 0) + 1
        try:
            response = self.session.request(method, url, params=params, json=json_body, data=data,
                                            headers=headers, timeout=self.timeout, verify=self.verify)
        except requests.exceptions.SSLError as exc:
            raise ApiError(method, api_path, message="TLS error: %s" % self._describe(exc),
                           hint="check validate_certs and ca_path")
        except requests.exceptions.Timeout:
            raise _Transient(ApiError(method, api_path,
                                      message="timed out: no answer within %g s" % self.timeout))
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            raise _Transient(ApiError(method, api_path, message="connection error: %s" % self._describe(exc)))
        except requests.exceptions.RequestException as exc:
            raise ApiError(method, api_path, message="request failed: %s" % self._describe(exc))

        status = response.status_code
        rheaders = response.headers
        self._record_rate_limit(rheaders)
        body, is_json = self._parse_body(response)

        if status == 429 or (status == 503 and rheaders.get("Retry-After")):
            raise self._rate_limited(method, api_path, status, body, rheaders, attempt)
        if status >= 500:
            raise _Transient(self._http_error(method, api_path, _Answer(status, body, rheaders)))
        if 200 <= status < 300 and not is_json:
            raise _Transient(ApiError(method, api_path, status=status,
                                      message="the answer is not valid JSON: %s" % self._clip(body)))
        return _Answer(status, body, rheaders)

    def _parse_body(self, response):
        """(body, is_json): parsed JSON; None for an empty body (counts as JSON); else the text."""
        content = response.content
        if not content or not content.strip():
            return None, True
        try:
            return _json.loads(content), True
        except ValueError:
            try:
                text = content.decode("utf-8", errors="replace")
            except Exception:  # pragma: no cover
                text = repr(content[:_TEXT_LIMIT])
            return text, False

    def _rate_limited(self, method, api_path, status, body, headers, attempt):
        wait = self._retry_after(headers)
        known = wait is not None
        if wait is None:
            wait = self._backoff(attempt)
        error = self._http_error(method, api_path, _Answer(status, body, headers))
        error.retry_after = wait if known else None
        if known and wait > self.rate_limit_wait:
            seconds = int(-(-wait // 1))
            at = datetime.fromtimestamp(self._wallclock() + wait, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            error.message = ("rate limit exceeded: the request budget resets in %d s (at %s); that is longer "
                             "than rate_limit_wait (%s s), so the client does not wait: raise rate_limit_wait "
                             "to wait for the reset, or run again after it" % (seconds, at, self.rate_limit_wait))
            error.hint = None
            if not error.api_status and status == 429:
                error.api_status = "rate_limit_exceeded"
            return error
        if status == 429 and not error.message:
            error.message = "rate limit exceeded"
        return _Transient(error, wait=wait, client_wide=True)

    def _retry_after(self, headers):
        """Seconds to wait from Retry-After (seconds or HTTP date), else X-RateLimit-Reset; or None."""
        value = headers.get("Retry-After")
        if value:
            value = value.strip()
            seconds = _to_float(value)
            if seconds is None:
                try:
                    when = email.utils.parsedate_to_datetime(value)
                except (TypeError, ValueError, IndexError):
                    when = None
                if when is not None:
                    if when.tzinfo is None:
                        when = when.replace(tzinfo=timezone.utc)
                    seconds = when.timestamp() - self._wallclock()
            if seconds is not None:
                return max(0.0, seconds)
        seconds = _to_float(headers.get("X-RateLimit-Reset"))
        if seconds is not None:
            if seconds > _EPOCH_THRESHOLD:
                seconds -= self._wallclock()
            return max(0.0, seconds)
        return None

    def _backoff(self, attempt):
        """Exponential backoff with 'equal jitter': in [cap/2, cap], cap = min(backoff_max, base * 2**attempt).

        Never more than backoff_max and never less than the previous attempt's delay could have been.
        """
        cap = min(self.backoff_max, self.backoff_base * (2 ** min(attempt, 62)))
        return cap / 2.0 + self._rng() * cap / 2.0

    def _pause_client(self, wait):
        with self._gate_lock:
            self._not_before = max(self._not_before, self._clock() + max(0.0, wait))

    def _wait_for_gate(self):
        while True:
            with self._gate_lock:
                not_before = self._not_before
            delay = not_before - self._clock()
            if delay <= 0:
                return
            self._sleep(delay)
            with self._gate_lock:
                if self._not_before <= not_before:
                    return

    def _record_rate_limit(self, headers):
        names = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
        if not any(name in headers for name in names):
            return
        limit, remaining, reset = (_to_int(headers.get(name)) for name in names)
        seen = dict(limit=limit, remaining=remaining, reset=reset)
        with self._stats_lock:
            if _newer_budget(self.rate_limit, seen):
                self.rate_limit = seen

    # ------------------------------------------------------------------ errors and secrets

    def _http_error(self, method, api_path, answer, hint=None, token_request=False):
        body = answer.body
        message = api_status = None
        details = None
        if isinstance(body, dict):
            raw_message = body.get("message")
            if raw_message is None:
                raw_message = body.get("error_description")
            if raw_message is None:
                raw_message = body.get("error")
            if raw_message is None:
                raw_message = body.get("detail")
            if raw_message is not None and not isinstance(raw_message, str):
                raw_message = _json.dumps(raw_message, sort_keys=True, default=str)
            message = raw_message
            for key in ("status", "error"):
                value = body.get(key)
                if isinstance(value, str) and value:
                    api_status = value
                    break
            rest = {key: value for key, value in body.items()
                    if key not in ("message", "status", "error", "error_description", "detail")}
            if rest:
                details = self._scrub_data(rest)
        elif body is not None:
            message = self._clip(body)
        if not message:
            message = _reason(answer.status)
        if hint is None:
            hint = _hint_for(answer.status, api_status, token_request)
        return ApiError(method, api_path, status=answer.status, message=self._scrub(message),
                        api_status=self._scrub(api_status) if api_status else None, hint=hint, details=details)

    def _remember_secret(self, value):
        if value and isinstance(value, str):
            self._secrets.add(value)
            for sink in self._secret_sinks:
                try:
                    sink(value)
                except Exception:  # pragma: no cover - best effort
                    pass

    def _scrub(self, text):
        if not text:
            return text
        text = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            if len(secret) >= 4:
                text = text.replace(secret, _MASK)
        text = re.sub(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]{16,}=*", r"\1" + _MASK, text)
        text = re.sub(r"(?i)(client_secret=)[^&\s]+", r"\1" + _MASK, text)
        text = re.sub(r"(?i)(access_token=)[^&\s]+", r"\1" + _MASK, text)
        return _USERINFO_RE.sub("", text)

    def _scrub_data(self, data):
        if isinstance(data, dict):
            return {self._scrub(str(key)): self._scrub_data(value) for key, value in data.items()}
        if isinstance(data, (list, tuple)):
            return [self._scrub_data(value) for value in data]
        if isinstance(data, str):
            return self._scrub(data)
        return data

    def _clip(self, text):
        text = " ".join(str(text).split())
        if len(text) > _TEXT_LIMIT:
            text = text[:_TEXT_LIMIT] + "..."
        return self._scrub(text)

    def _describe(self, exc):
        """A short description of a transport exception: its innermost reason, secrets removed."""
        reason = exc
        seen = set()
        while True:
            inner = None
            if reason.args and isinstance(reason.args[0], BaseException):
                inner = reason.args[0]
            elif getattr(reason, "reason", None) is not None and isinstance(reason.reason, BaseException):
                inner = reason.reason
            if inner is None or id(inner) in seen:
                break
            seen.add(id(inner))
            reason = inner
        text = str(reason) or type(reason).__name__
        # urllib3 prefixes "<urllib3.connection.HTTPSConnection object at 0x...>: "
        text = re.sub(r"<[^>]* object at 0x[0-9a-f]+>:\s*", "", text)
        return self._clip(text)


def _newer_budget(old, new):
    """Whether ``new`` rate-limit headers tell more than ``old`` about the budget left.

    Parallel answers arrive out of order, so the last one is not the latest count: within one window
    the lowest ``remaining`` is. A ``reset`` that grows means a new window has begun.
    """
    if old is None or old.get("remaining") is None or new.get("remaining") is None:
        return True
    if old.get("reset") is not None and new.get("reset") is not None and new["reset"] > old["reset"] + 1:
        return True
    return new["remaining"] <= old["remaining"]


def _to_float(value):
    if value is None:
        return None
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def _reason(status):
    try:
        from http import HTTPStatus
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP error"


def _path_part(value):
    """An id (int or ``@me``) as a path segment; never lets a value add segments."""
    return quote(str(value), safe="@")
