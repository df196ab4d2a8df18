# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP for the client: one logical request, sent with retries and backoff, under a shared rate-limit pause.

A :class:`Transport` is shared by every worker thread of a run. It owns the connection pool (requests'
``HTTPAdapter``, called directly: the client needs none of what ``Session`` adds per request), the retries
of transient failures, the pause that a 429 puts on every worker, the rate-limit headers seen and the
counters of requests sent. It knows nothing of tokens or endpoints: those are the client's.
"""

from __future__ import annotations

import email.utils
import json
import math
import os
import random
import threading
import time
import traceback
from datetime import datetime, timezone

try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:  # reported by the module (missing_required_lib) before a Transport is made
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.telphin.pbx.plugins.module_utils.errors import (
    ApiError, clip, describe_exception, error_from_answer)

# An X-RateLimit-Reset above this is a Unix time, not a number of seconds.
_EPOCH_THRESHOLD = 10 ** 9
_RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


class Answer:
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


class Counters:
    """Requests sent by method, retries and token requests; read them with :meth:`snapshot`."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_method = {}
        self._retries = 0

    def sent(self, method):
        with self._lock:
            self._by_method[method] = self._by_method.get(method, 0) + 1

    def retried(self):
        with self._lock:
            self._retries += 1

    def snapshot(self):
        with self._lock:
            requests_sent = dict(self._by_method, total=sum(self._by_method.values()))
            return dict(requests=requests_sent, retries=self._retries)


class RateLimits:
    """The API's ``X-RateLimit-*`` headers as the run knows them.

    Parallel answers arrive out of order, so the last one is not the latest count: within one window the
    lowest ``remaining`` is. A ``reset`` that grows means a new window has begun.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._seen = None

    def observe(self, headers):
        if not any(name in headers for name in _RATE_LIMIT_HEADERS):
            return
        limit, remaining, reset = (_to_int(headers.get(name)) for name in _RATE_LIMIT_HEADERS)
        seen = dict(limit=limit, remaining=remaining, reset=reset)
        with self._lock:
            if newer_budget(self._seen, seen):
                self._seen = seen

    def snapshot(self):
        """``{limit, remaining, reset}`` or None when the API sent no such headers."""
        with self._lock:
            return dict(self._seen) if self._seen else None


def newer_budget(old, new):
    """Whether ``new`` rate-limit headers tell more than ``old`` about the budget left."""
    if old is None or old.get("remaining") is None or new.get("remaining") is None:
        return True
    if old.get("reset") is not None and new.get("reset") is not None and new["reset"] > old["reset"] + 1:
        return True
    return new["remaining"] <= old["remaining"]


class _Gate:
    """The client-wide pause of a 429: no request starts before ``not_before`` (a ``clock()`` value)."""

    def __init__(self, clock, sleep):
        self._lock = threading.Lock()
        self._not_before = 0.0
        self._clock = clock
        self._sleep = sleep

    def pause(self, seconds):
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + max(0.0, seconds))

    def wait(self):
        while True:
            with self._lock:
                not_before = self._not_before
            delay = not_before - self._clock()
            if delay <= 0:
                return
            self._sleep(delay)
            with self._lock:
                if self._not_before <= not_before:
                    return


def new_adapter(pool_size):
    """A connection pool of ``pool_size`` connections to the API; requests' own retries off."""
    return HTTPAdapter(pool_connections=2, pool_maxsize=max(1, int(pool_size)), max_retries=0)


def environment_settings(base_url, verify):
    """``(proxies, verify)`` as requests would read them from the environment, read once per run.

    requests reads the proxy and CA-bundle environment on every request (a third of the client's CPU time
    over thousands of requests) and may take credentials from ~/.netrc; the client does neither.
    """
    proxies = requests.utils.get_environ_proxies(base_url)
    if verify is True:
        verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    if verify is False:
        import urllib3
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return proxies, verify


class Transport:
    """Sends one logical request with retries; see the module docstring.

    ``adapter`` (anything with requests' ``send(prepared, **kwargs)``), ``sleep``, ``clock``, ``rng`` and
    ``wallclock`` can be replaced in tests.
    """

    def __init__(self, connection, redactor, pool_size=10, adapter=None, backoff_base=0.5, backoff_max=10.0,
                 sleep=time.sleep, clock=time.monotonic, rng=random.random, wallclock=time.time):
        self.base_url = connection.base_url
        self.timeout = float(connection.timeout)
        self.max_retries = int(connection.max_retries)
        self.rate_limit_wait = connection.rate_limit_wait
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.proxies, self.verify = environment_settings(self.base_url, connection.verify)
        self.adapter = adapter if adapter is not None else new_adapter(pool_size)
        self.redactor = redactor
        self.counters = Counters()
        self.rate_limits = RateLimits()
        self.clock = clock
        self._gate = _Gate(clock, sleep)
        self._sleep = sleep
        self._rng = rng
        self._wallclock = wallclock

    def send(self, method, path, headers, params=None, json_body=None, data=None):
        """The final answer (2xx parsed, 3xx or 4xx as it came), or ApiError when it failed for good."""
        prepared = requests.models.PreparedRequest()
        prepared.prepare(method=method, url=self.base_url + path, headers=headers, params=params,
                         json=json_body, data=data)
        attempt = 0
        while True:
            self._gate.wait()
            try:
                return self._attempt(prepared, path, attempt)
            except _Transient as transient:
                if attempt >= self.max_retries:
                    error = transient.error
                    if attempt and error.hint is None:
                        error = error.replace(hint="gave up after %d %s"
                                              % (attempt, "retry" if attempt == 1 else "retries"))
                    raise error
                if transient.client_wide:
                    self._gate.pause(transient.wait)
                else:
                    self._sleep(transient.wait if transient.wait is not None else self.backoff(attempt))
                attempt += 1
                self.counters.retried()

    def _attempt(self, prepared, path, attempt):
        method = prepared.method
        self.counters.sent(method)
        try:
            response = self.adapter.send(prepared, timeout=self.timeout, verify=self.verify,
                                         proxies=self.proxies)
            content = response.content
        except requests.exceptions.SSLError as exc:
            raise ApiError(method, path, message="TLS error: %s" % describe_exception(exc, self.redactor),
                           hint="check validate_certs and ca_path")
        except requests.exceptions.Timeout:
            raise _Transient(ApiError(method, path, message="timed out: no answer within %g s" % self.timeout))
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            raise _Transient(ApiError(method, path, message="connection error: %s"
                                      % describe_exception(exc, self.redactor)))
        except requests.exceptions.RequestException as exc:
            raise ApiError(method, path, message="request failed: %s" % describe_exception(exc, self.redactor))

        status, headers = response.status_code, response.headers
        self.rate_limits.observe(headers)
        body, is_json = _parse_body(content)
        if status == 429 or (status == 503 and headers.get("Retry-After")):
            raise self._rate_limited(method, path, status, body, headers, attempt)
        if status >= 500:
            raise _Transient(error_from_answer(method, path, status, body, self.redactor))
        if 300 <= status < 400:
            raise ApiError(method, path, status=status, message="the server redirects to %s"
                           % self.redactor.text(headers.get("Location") or "another address"),
                           hint="give that address, without its path below the host, as api_url")
        if 200 <= status < 300 and not is_json:
            raise _Transient(ApiError(method, path, status=status, message="the answer is not valid JSON: %s"
                                      % clip(body, self.redactor)))
        return Answer(status, body, headers)

    def _rate_limited(self, method, path, status, body, headers, attempt):
        """The error to raise for a 429 (or a 503 with Retry-After): a client-wide pause, or fail at once."""
        wait = self.retry_after(headers)
        error = error_from_answer(method, path, status, body, self.redactor).replace(retry_after=wait)
        if wait is not None and wait > self.rate_limit_wait:
            at = datetime.fromtimestamp(self._wallclock() + wait, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            return error.replace(
                message="rate limit exceeded: the request budget resets in %d s (at %s); that is longer than "
                        "rate_limit_wait (%s s), so the client does not wait: raise rate_limit_wait to wait "
                        "for the reset, or run again after it" % (math.ceil(wait), at, self.rate_limit_wait),
                hint=None, api_status=error.api_status or ("rate_limit_exceeded" if status == 429 else None))
        if status == 429 and not error.message:
            error = error.replace(message="rate limit exceeded")
        return _Transient(error, wait=wait if wait is not None else self.backoff(attempt), client_wide=True)

    def retry_after(self, headers):
        """Seconds to wait from Retry-After (seconds or HTTP date), else X-RateLimit-Reset; or None."""
        value = (headers.get("Retry-After") or "").strip()
        if value:
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
        if seconds is None:
            return None
        if seconds > _EPOCH_THRESHOLD:
            seconds -= self._wallclock()
        return max(0.0, seconds)

    def backoff(self, attempt):
        """Exponential backoff with 'equal jitter': in [cap/2, cap], cap = min(backoff_max, base * 2**attempt)."""
        cap = min(self.backoff_max, self.backoff_base * (2 ** min(attempt, 62)))
        return cap / 2.0 + self._rng() * cap / 2.0


def _parse_body(content):
    """(body, is_json): parsed JSON; None for an empty body (counts as JSON); else the text."""
    if not content or not content.strip():
        return None, True
    try:
        return json.loads(content), True
    except ValueError:
        return content.decode("utf-8", errors="replace"), False


def _to_float(value):
    try:
        return float(str(value).strip()) if value is not None else None
    except (TypeError, ValueError):
        return None


def _to_int(value):
    number = _to_float(value)
    return int(number) if number is not None and math.isfinite(number) else None
