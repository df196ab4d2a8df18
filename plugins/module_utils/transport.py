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

import json
import math
import os
import random
import re
import threading
import time
import traceback
from datetime import datetime, timezone

try:
    import requests
    import urllib3
    from requests.adapters import HTTPAdapter
except ImportError:  # reported by the module (missing_required_lib) before a Transport is made
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.telphin.pbx.plugins.module_utils.budget import EPOCH_THRESHOLD, shortfall
from ansible_collections.telphin.pbx.plugins.module_utils.concurrency import Throttle
from ansible_collections.telphin.pbx.plugins.module_utils.errors import (
    ApiError, clip, describe_exception, error_from_answer)

_RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
_ID_SEGMENT = re.compile(r"/(?:\d+|@me)/")
QUOTA_STATUS = "rate_limit_exceeded"


class Answer:
    """A final (not retried) HTTP answer: status, parsed body (JSON, or text when not JSON), headers."""

    __slots__ = ("status", "body", "headers")

    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers


class _Transient(Exception):
    """An attempt that may succeed when repeated: carries the ApiError to raise if none does.

    ``unreachable``: no connection could be made at all (refused, no such host, connect time-out).
    """

    def __init__(self, error, wait=None, client_wide=False, unreachable=False):
        super().__init__(str(error))
        self.error = error
        self.wait = wait
        self.client_wide = client_wide
        self.unreachable = unreachable


class Counters:
    """Requests sent by method (every attempt, so a retry is one more) and retries; read with :meth:`snapshot`.

    There is no counter of token requests of its own: the token endpoint is the only one the client POSTs to,
    so ``POST`` counts them.
    """

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
    """The API's ``X-RateLimit-*`` headers as the run knows them, per resource.

    The counters may be per client, per application or per resource ("per hour for this resource"), so the
    headers of each resource (a path with its ids taken out) are kept apart; the budget of the writes is that
    of the phone resource. Parallel answers arrive out of order, so the last one is not the latest count:
    within one window the lowest ``remaining`` is. A ``reset`` that grows means a new window has begun.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._seen = {}  # resource -> {limit, remaining, reset}

    def observe(self, headers, path):
        if not any(name in headers for name in _RATE_LIMIT_HEADERS):
            return
        limit, remaining, reset = (_to_int(headers.get(name)) for name in _RATE_LIMIT_HEADERS)
        seen = dict(limit=limit, remaining=remaining, reset=reset)
        resource = _resource(path)
        with self._lock:
            if newer_budget(self._seen.get(resource), seen):
                self._seen[resource] = seen

    def per_resource(self):
        """``{resource: {limit, remaining, reset}}`` of every resource seen."""
        with self._lock:
            return {resource: dict(seen) for resource, seen in self._seen.items()}

    def lowest_limit(self):
        """The lowest ``X-RateLimit-Limit`` seen, or None: the reserve's percentage is of the tightest budget."""
        with self._lock:
            limits = [seen["limit"] for seen in self._seen.values() if seen.get("limit") is not None]
        return min(limits, default=None)

    def snapshot(self, path=None):
        """``{limit, remaining, reset}`` of the resource of ``path``, or the lowest of all; None if unknown."""
        with self._lock:
            if path is not None:
                seen = self._seen.get(_resource(path))
            else:
                seen = min(self._seen.values(), key=lambda s: (s["remaining"] is None, s["remaining"] or 0),
                           default=None)
            return dict(seen) if seen else None


def _resource(path):
    """A path with its ids taken out: ``/api/ver1.0/extension/{}/phone/``."""
    return _ID_SEGMENT.sub("/{}/", path)


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


class _Health:
    """Whether the API answers at all: a failure that every request would meet stops the run early.

    A request that gives up after its retries, with no request answered since it began, is evidence of an
    outage. It is proof when the API could not be reached at all (no connection), or when the request was
    one that every other needs (the token); otherwise a second request, on another path, must give up the
    same way (every answer a 5xx, every read timing out). From then on every request fails at once with that
    error instead of repeating the whole retry cycle.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._answered = 0  # answers that were not transient failures
        self._failed_paths = set()  # paths that gave up since the last answer
        self.outage = None

    def mark(self):
        """A value to hand to :meth:`gave_up`: where the run stood when a request began."""
        return self._answered

    def answered(self):
        with self._lock:
            self._answered += 1
            self._failed_paths.clear()

    def gave_up(self, error, path, mark, decisive):
        """Record a request that failed for good; the error to raise (marked as an outage when it is one)."""
        with self._lock:
            if self.outage is None and self._answered == mark:
                self._failed_paths.add(path)
                if decisive or len(self._failed_paths) >= 2:
                    self.outage = error.replace(outage=True, hint=_OUTAGE_HINT % (error.hint or "no retry"))
            return self.outage if self.outage is not None and self._answered == mark else error


_OUTAGE_HINT = ("%s; no request of the task got an answer in the meantime, so the API seems unreachable or "
                "failing for every request: the task stops")


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
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return proxies, verify


class Transport:
    """Sends one logical request with retries; see the module docstring.

    ``adapter`` (anything with requests' ``send(prepared, **kwargs)``), ``sleep``, ``clock``, ``rng`` and
    ``wallclock`` can be replaced in tests.
    """

    def __init__(self, connection, redactor, pool_size=10, adapter=None, backoff_base=0.5, backoff_max=10.0,
                 sleep=time.sleep, clock=time.monotonic, rng=random.random, wallclock=time.time, adaptive=False):
        self.base_url = connection.base_url
        self.timeout = float(connection.timeout)
        self.max_retries = int(connection.max_retries)
        self.rate_limit_wait = connection.rate_limit_wait
        self.reserve = connection.reserve
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.proxies, self.verify = environment_settings(self.base_url, connection.verify)
        self.adapter = adapter if adapter is not None else new_adapter(pool_size)
        self.redactor = redactor
        self.counters = Counters()
        self.rate_limits = RateLimits()
        self.health = _Health()
        self.throttle = Throttle(pool_size, adaptive=adaptive)
        self.clock = clock
        self._gate = _Gate(clock, sleep)
        self._sleep = sleep
        self._rng = rng
        self._wallclock = wallclock

    def send(self, method, path, headers, params=None, json_body=None, data=None, vital=False, optional=False):
        """The final answer: a 2xx with its JSON parsed (None when empty), or a 4xx other than 429 with its
        body (JSON, else text), for the caller to judge (the client renews a token after a 401). Else ApiError:
        at once for a 3xx (the adapter follows no redirect, and one means api_url is wrong), a TLS error or a
        429 that asks to wait longer than rate_limit_wait; after the retries for a 5xx, another 429, a 2xx
        that is not JSON, a time-out or a connection error.

        ``vital``: every other request needs this one (the token), so its failing is an outage at once.
        ``optional``: the task goes on without this one (a registration read), so its giving up is no evidence
        of an outage: a slow or failing resource of its own must not stop the requests that matter.
        """
        prepared = requests.models.PreparedRequest()
        prepared.prepare(method=method, url=self.base_url + path, headers=headers, params=params,
                         json=json_body, data=data)
        mark = self.health.mark()
        attempt = 0
        while True:
            self._gate.wait()
            if self.health.outage is not None:  # unsent unless an earlier attempt was sent
                raise self.health.outage.replace(method=method, path=path, unsent=attempt == 0)
            try:
                answer = self._attempt(prepared, path, attempt)
            except _Transient as transient:
                into_reserve = self._retry_into_reserve(transient.error)
                if attempt >= self.max_retries or into_reserve:
                    error = transient.error
                    if into_reserve:
                        error = error.replace(hint=into_reserve)
                    elif attempt and error.hint is None:
                        error = error.replace(hint="gave up after %d %s"
                                              % (attempt, "retry" if attempt == 1 else "retries"))
                    if optional:
                        raise error
                    raise self.health.gave_up(error, path, mark, decisive=vital or transient.unreachable)
                if transient.client_wide:
                    self._gate.pause(transient.wait)
                else:
                    self._sleep(transient.wait if transient.wait is not None else self.backoff(attempt))
                attempt += 1
                self.counters.retried()
            else:
                self.health.answered()
                return answer

    def _retry_into_reserve(self, error):
        """Why a retry would spend the reserve of the hourly budget (``rate_limit_reserve``), or None: a retry is
        a request the run did not plan, so it never dips into the reserve. A quota 429 waits for a new window."""
        if error.api_status == QUOTA_STATUS or not self.reserve:
            return None
        budget = self.rate_limits.snapshot()
        found = budget and shortfall("a retry", 1, dict(budget, limit=self.rate_limits.lowest_limit()), self.reserve)
        if not found:
            return None
        return ("not retried: %d requests remain of the API's hourly budget, at or below the reserve of %d "
                "(rate_limit_reserve %s) kept for the account's other applications"
                % (found.remaining, found.kept, self.reserve.given))

    def _attempt(self, prepared, path, attempt):
        method = prepared.method
        self.counters.sent(method)
        try:
            with self.throttle:
                started = self.clock()
                response = self.adapter.send(prepared, timeout=self.timeout, verify=self.verify,
                                             proxies=self.proxies)
                content = response.content
                took = self.clock() - started
        except requests.exceptions.SSLError as exc:
            said = describe_exception(exc, self.redactor)
            raise ApiError(method, path, message="TLS error: %s" % said, hint=_tls_hint(said))
        except requests.exceptions.Timeout as exc:
            self.throttle.refused(concurrency=False)
            raise _Transient(ApiError(method, path, message="timed out: no answer within %g s" % self.timeout),
                             unreachable=isinstance(exc, requests.exceptions.ConnectTimeout))
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            raise _Transient(ApiError(method, path, message="connection error: %s"
                                      % describe_exception(exc, self.redactor)),
                             unreachable=_never_connected(exc))
        except requests.exceptions.RequestException as exc:
            raise ApiError(method, path, message="request failed: %s" % describe_exception(exc, self.redactor))

        status, headers = response.status_code, response.headers
        self.rate_limits.observe(headers, path)
        body, is_json = _parse_body(content)
        if status == 429 or (status == 503 and headers.get("Retry-After")):
            raise self._rate_limited(method, path, status, body, headers, attempt)
        if status >= 500:
            if status == 503:
                self.throttle.refused(concurrency=False)
            raise _Transient(error_from_answer(method, path, status, body, self.redactor))
        if 300 <= status < 400:
            raise ApiError(method, path, status=status, message="the server redirects to %s"
                           % self.redactor.text(headers.get("Location") or "another address"),
                           hint="give that address, without its path below the host, as api_url")
        if 200 <= status < 300 and not is_json:
            raise _Transient(ApiError(method, path, status=status, message="the answer is not valid JSON: %s"
                                      % clip(body, self.redactor)))
        self.throttle.answered(took)
        return Answer(status, body, headers)

    def _rate_limited(self, method, path, status, body, headers, attempt):
        """The error to raise for a 429 (or a 503 with Retry-After): a client-wide pause, or fail at once.

        Only the hourly quota (status ``rate_limit_exceeded``, or no budget left) waits for the window's
        reset. Another 429, such as a refusal of concurrent requests, or one with budget left, is retried
        after Retry-After (every request waits) or a short backoff (that request alone); it and a 503 tell the
        throttle to have fewer requests in flight.
        """
        error = error_from_answer(method, path, status, body, self.redactor)
        remaining = _to_int(headers.get("X-RateLimit-Remaining"))
        quota = status == 429 and (error.api_status == QUOTA_STATUS or remaining == 0)
        wait = self.retry_after(headers, window=quota)
        error = error.replace(retry_after=wait)
        if quota:
            error = error.replace(api_status=QUOTA_STATUS, message=error.message or "rate limit exceeded")
        else:
            self.throttle.refused(concurrency=status == 429)
        if wait is not None and wait > self.rate_limit_wait:
            at = datetime.fromtimestamp(self._wallclock() + wait, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            return error.replace(
                message="rate limit exceeded: the request budget resets in %d s (at %s); that is longer than "
                        "rate_limit_wait (%s s), so the client does not wait: raise rate_limit_wait to wait "
                        "for the reset, or run again after it" % (math.ceil(wait), at, self.rate_limit_wait),
                hint=None) if quota else error.replace(
                hint="the server asks to wait %d s, longer than rate_limit_wait (%s s)"
                     % (math.ceil(wait), self.rate_limit_wait))
        if wait is None and not quota:
            # A refusal of concurrent requests that names no wait: the throttle has lowered the number in
            # flight, so this request alone tries again after a short pause (it then waits for a free slot);
            # the others go on.
            return _Transient(error, wait=self.backoff(attempt) / 5.0)
        return _Transient(error, wait=wait if wait is not None else self.backoff(attempt), client_wide=True)

    def retry_after(self, headers, window=True):
        """Seconds to wait from Retry-After (seconds or HTTP date), else (``window``) X-RateLimit-Reset; or None."""
        value = (headers.get("Retry-After") or "").strip()
        if value:
            seconds = _to_float(value)
            if seconds is None:
                seconds = _http_date_in(value, self._wallclock())
            if seconds is not None:
                return max(0.0, seconds)
        seconds = _to_float(headers.get("X-RateLimit-Reset")) if window else None
        if seconds is None:
            return None
        if seconds > EPOCH_THRESHOLD:
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


# What OpenSSL says when the server answers a TLS handshake in plain HTTP.
_PLAIN_HTTP = ("WRONG_VERSION_NUMBER", "wrong version number", "record layer failure", "http request")


def _tls_hint(said):
    """What to do about a TLS error: a server that speaks plain HTTP at an https:// api_url, or a certificate."""
    if any(sign in said for sign in _PLAIN_HTTP):
        return ("the server answers in plain HTTP, not HTTPS: check the port of api_url, or give it as http:// "
                "if that server has no TLS (then requests and tokens cross the network unencrypted)")
    return "check validate_certs and ca_path"


def _never_connected(exc):
    """Whether a connection error happened before any connection was made (refused, no such host)."""
    reason = exc
    for _depth in range(10):  # the chain of causes urllib3 and requests wrap around each other
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            return True
        inner = reason.args[0] if reason.args and isinstance(reason.args[0], BaseException) else None
        reason = inner if inner is not None else getattr(reason, "reason", None)
        if not isinstance(reason, BaseException):
            return False
    return False


def _http_date_in(value, now):
    """Seconds from ``now`` to an HTTP date, or None when ``value`` is not one."""
    import email.utils  # only for a Retry-After given as a date
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp() - now


def _to_float(value):
    try:
        return float(str(value).strip()) if value is not None else None
    except (TypeError, ValueError):
        return None


def _to_int(value):
    number = _to_float(value)
    return int(number) if number is not None and math.isfinite(number) else None
