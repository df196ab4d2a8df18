"""The path of one /api or /oauth request: the readings' gates on concurrent requests, the faults, the API;
and what the request log says of it (``fault``: what decided the answer; ``applied``: whether it took effect).

Order: a gate refuses first (concurrency_429 for /api, oauth_max_connections for /oauth; a refused request
spends no fault count and no budget); then the faults decide (latency, at most one fault); then the API.
"""

import threading
import time

from .api import Response, error

DROP = "drop"  # the connection is closed without an answer
CONCURRENCY_MESSAGE = "Stats request already exists, concurrent request not allowed"
MALFORMED = b'{"auth_type": "digest", "hangup_timeout": 60, "geo_list": "R'
ODD_BODIES = {
    "empty": (b"", "application/json"),
    "list": (b"[]", "application/json"),
    "string": (b'"ok"', "application/json"),
    "html": (b"<!DOCTYPE html>\n<html><head><title>Service</title></head><body><h1>It works</h1>"
             b"<p>The gateway answered for the API.</p></body></html>\n", "text/html; charset=utf-8"),
}


class Request:
    __slots__ = ("method", "path", "query", "headers", "raw", "faulted", "is_api", "multi")

    def __init__(self, method, path, query, headers, raw, faulted, multi=None):
        self.method = method
        self.path = path
        self.query = query  # unmasked: the token endpoint may read client_secret from it
        self.multi = multi  # every value of each query parameter (repeated ones), or None
        self.headers = headers
        self.raw = raw
        self.faulted = faulted  # /api or /oauth: faults and gates apply
        self.is_api = path.startswith("/api/")


class Outcome:
    __slots__ = ("resp", "fault", "applied")

    def __init__(self, resp, fault=None, applied=False):
        self.resp = resp          # a Response, or DROP
        self.fault = fault        # None, a fault kind ("fail", "chaos:drop_after", ...) or a gate's reading
        self.applied = applied    # the API handled the request and answered 2xx: a PUT's change is stored


class InFlight:
    """Requests being handled, per key; enter() refuses beyond a limit."""

    def __init__(self):
        self._lock = threading.Lock()
        self._n = {}

    def enter(self, key, limit):
        with self._lock:
            n = self._n.get(key, 0)
            if n >= limit:
                return False
            self._n[key] = n + 1
            return True

    def leave(self, key):
        with self._lock:
            n = self._n[key] - 1
            if n:
                self._n[key] = n
            else:
                del self._n[key]


def _sleep(seconds):
    if seconds > 0:
        time.sleep(seconds)


def serve(sim, req):
    """The Outcome of one request that is not for the admin endpoint."""
    if not req.faulted:
        return real(sim._api, req)
    key = refusal = None
    if not req.is_api or sim._api.readings.concurrency_429 is not None:  # the default /api path has no gate
        key, refusal = _enter(sim, req)
    if refusal is not None:
        _sleep(sim.latency_ms / 1000.0)
        return refusal
    try:
        latency, action = sim._faults.decide(req.method, req.path)
        _sleep(sim.latency_ms / 1000.0 + latency)
        if action is None:
            return real(sim._api, req)
        return with_fault(sim._api, req, action)
    finally:
        if key is not None:
            sim._inflight.leave(key)


def _enter(sim, req):
    """(key to leave later, None) or (None, the refusal's Outcome); (None, None) when no gate applies."""
    api = sim._api
    r = api.readings
    if req.is_api:
        if r.concurrency_429 is None:
            return None, None
        client = api.client_of(req.headers)
        if client is None:  # no live token: the API answers 401 anyway
            return None, None
        key = ("api", client)
        if sim._inflight.enter(key, r.concurrency_429):
            return key, None
        headers = api.rate_headers_for(req.headers, charge=False, path=req.path)
        return None, Outcome(error(429, CONCURRENCY_MESSAGE, None, headers), "concurrency_429")
    if r.oauth_max_connections is None or not req.path.startswith("/oauth/"):
        return None, None
    if sim._inflight.enter("oauth", r.oauth_max_connections):
        return "oauth", None
    body = {"error": "rate_limit_exceeded", "status": "rate_limit_exceeded",
            "message": "Too many concurrent token requests: %d allowed" % r.oauth_max_connections}
    return None, Outcome(Response(429, body, {"Retry-After": "1"}), "oauth_max_connections")


def real(api, req):
    resp = api.handle(req.method, req.path, req.query, req.headers, req.raw, req.multi)
    return Outcome(resp, None, 200 <= resp.status < 300)


def with_fault(api, req, action):
    kind, spec, label = action
    before = _answer_before(api, req, kind, spec)
    if before is not None:
        return Outcome(before, label, False)
    if kind == "revoke_token":  # every token goes; the request itself then meets the API as it is
        with api.lock:
            api.account.revoke_tokens()
    out = real(api, req)
    out.resp = _answer_after(out.resp, kind, spec)
    out.fault = label
    return out


def _answer_before(api, req, kind, spec):
    """The answer of a fault that hits before the request takes effect, or None."""
    if kind == "drop" and not spec["after"]:
        return DROP
    if kind == "rate_limited":
        hdr = {}
        if req.is_api:
            hdr = api.rate_headers_for(req.headers, charge=False, path=req.path)
            hdr["X-RateLimit-Remaining"] = "0"
        hdr["X-RateLimit-Reset"] = str(spec["reset"])
        if spec.get("retry_after"):
            hdr["Retry-After"] = str(spec["reset"])
        return error(429, "Rate limit exceeded (simulated); resets in %s seconds" % spec["reset"],
                     "rate_limit_exceeded", hdr)
    if kind == "fail" and not spec["after"] or kind == "fail_ratio":
        hdr = api.rate_headers_for(req.headers, charge=True, path=req.path) if req.is_api else {}
        return error(spec["status"], spec["message"], spec["api_status"], hdr)
    if kind == "odd_body" and not spec["after"]:
        return _odd(spec["kind"], {})  # a gateway's own answer: no rate-limit headers
    return None


def _answer_after(resp, kind, spec):
    """The answer of a fault that lets the request take effect first."""
    rate = {k: v for k, v in resp.headers.items() if k.startswith("X-RateLimit-")}
    if kind == "drop":
        return DROP
    if kind == "fail":
        return error(spec["status"], spec["message"], spec["api_status"], rate)
    if kind == "malformed":
        return Response(200, MALFORMED, {**resp.headers, "Content-Type": "application/json"})
    if kind == "odd_body":
        return _odd(spec["kind"], rate)
    return resp


def _odd(kind, headers):
    body, ctype = ODD_BODIES[kind]
    return Response(200, body, {**headers, "Content-Type": ctype})
