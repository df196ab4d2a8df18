"""Fault injection.

Config (every key optional)::

    {"latency_ms": 20 | [10, 50],
     "fail":       {"count": 3, "status": 500, "message": "...", "api_status": "...", "after": false, "match": {...}},
     "fail_ratio": {"ratio": 0.1, "status": 503, "message": "...", "api_status": "...", "seed": 1, "match": {...}},
     "drop":       {"count": 2, "after": false, "match": {...}},
     "rate_limited": {"reset": 3600, "count": null, "match": {...}},
     "malformed":  {"count": 1, "match": {...}}}

``match`` = {"method": "PUT", "path_regex": "..."} (regex searched in the path, query excluded);
without it a fault applies to every /api and /oauth request. Counted faults decrement as they
fire; ``count: null`` means "until cleared". At most one fault fires per request, in the order
drop, rate_limited, fail, fail_ratio, malformed; latency adds to any of them.
``after: true`` (drop, fail) lets the request take effect before the answer is lost/replaced.
"""

import copy
import random
import re
import threading

KINDS = ("drop", "rate_limited", "fail", "fail_ratio", "malformed")
_ALLOWED = {
    "fail": {"count", "status", "message", "api_status", "after", "match"},
    "fail_ratio": {"ratio", "status", "message", "api_status", "seed", "match"},
    "drop": {"count", "after", "match"},
    "rate_limited": {"reset", "count", "match"},
    "malformed": {"count", "match"},
}
_DEFAULT_COUNT = {"fail": 1, "drop": 1, "rate_limited": None, "malformed": 1}


class FaultError(ValueError):
    pass


def _check_match(kind, match):
    if match is None:
        return None
    if not isinstance(match, dict) or set(match) - {"method", "path_regex"}:
        raise FaultError("%s.match must be {method, path_regex}" % kind)
    out = {}
    if match.get("method") is not None:
        out["method"] = str(match["method"]).upper()
    if match.get("path_regex") is not None:
        try:
            out["regex"] = re.compile(match["path_regex"])
        except re.error as exc:
            raise FaultError("%s.match.path_regex: %s" % (kind, exc))
        out["path_regex"] = match["path_regex"]
    return out


def _int_or_none(kind, key, value, minimum=0):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultError("%s.%s must be an integer >= %d or null" % (kind, key, minimum))
    return value


def parse(config):
    """Check a fault config and return the internal form (raises FaultError)."""
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise FaultError("the fault config must be an object")
    unknown = set(config) - set(KINDS) - {"latency_ms"}
    if unknown:
        raise FaultError("unknown fault kind(s): %s" % ", ".join(sorted(unknown)))
    out = {}
    lat = config.get("latency_ms")
    if lat is not None:
        if isinstance(lat, (int, float)) and not isinstance(lat, bool) and lat >= 0:
            out["latency_ms"] = (float(lat), float(lat))
        elif (isinstance(lat, list) and len(lat) == 2
              and all(isinstance(x, (int, float)) and not isinstance(x, bool) and x >= 0 for x in lat)
              and lat[0] <= lat[1]):
            out["latency_ms"] = (float(lat[0]), float(lat[1]))
        else:
            raise FaultError("latency_ms must be a number >= 0 or [low, high]")
    for kind in KINDS:
        spec = config.get(kind)
        if spec is None:
            continue
        if not isinstance(spec, dict):
            raise FaultError("%s must be an object" % kind)
        extra = set(spec) - _ALLOWED[kind]
        if extra:
            raise FaultError("%s: unknown key(s) %s" % (kind, ", ".join(sorted(extra))))
        f = {"match": _check_match(kind, spec.get("match"))}
        if kind != "fail_ratio":
            f["count"] = _int_or_none(kind, "count", spec.get("count", _DEFAULT_COUNT[kind]))
        if kind in ("fail", "fail_ratio"):
            status = spec.get("status", 500 if kind == "fail" else 503)
            if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
                raise FaultError("%s.status must be an HTTP status code" % kind)
            f["status"] = status
            f["message"] = str(spec.get("message") or "Simulated server error")
            f["api_status"] = spec.get("api_status")
        if kind in ("fail", "drop"):
            f["after"] = bool(spec.get("after", False))
        if kind == "fail_ratio":
            ratio = spec.get("ratio")
            if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
                raise FaultError("fail_ratio.ratio must be a number between 0 and 1")
            f["ratio"] = float(ratio)
            f["rng"] = random.Random(spec.get("seed"))
            f["seed"] = spec.get("seed")
        if kind == "rate_limited":
            f["reset"] = _int_or_none(kind, "reset", spec.get("reset", 3600))
            if f["reset"] is None:
                f["reset"] = 3600
        out[kind] = f
    return out


def _public(internal):
    """The config as it stands (remaining counts), for GET /__sim__/faults."""
    out = {}
    if "latency_ms" in internal:
        lo, hi = internal["latency_ms"]
        out["latency_ms"] = lo if lo == hi else [lo, hi]
    for kind in KINDS:
        f = internal.get(kind)
        if f is None:
            continue
        pub = {k: v for k, v in f.items() if k not in ("rng", "match")}
        if f.get("match"):
            pub["match"] = {k: v for k, v in f["match"].items() if k != "regex"}
        out[kind] = pub
    return out


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._cfg = {}
        self._rng = random.Random()

    def set(self, config):
        cfg = parse(copy.deepcopy(config))
        with self._lock:
            self._cfg = cfg

    def clear(self):
        with self._lock:
            self._cfg = {}

    def get(self):
        with self._lock:
            return _public(self._cfg)

    @staticmethod
    def _matches(f, method, path):
        m = f.get("match")
        if not m:
            return True
        if "method" in m and m["method"] != method:
            return False
        if "regex" in m and not m["regex"].search(path):
            return False
        return True

    def decide(self, method, path):
        """Return (latency_seconds, action) where action is None or (kind, spec copy)."""
        with self._lock:
            cfg = self._cfg
            if not cfg:
                return 0.0, None
            latency = 0.0
            if "latency_ms" in cfg:
                lo, hi = cfg["latency_ms"]
                latency = (lo if lo == hi else self._rng.uniform(lo, hi)) / 1000.0
            for kind in KINDS:
                f = cfg.get(kind)
                if f is None or not self._matches(f, method, path):
                    continue
                if kind == "fail_ratio":
                    if f["rng"].random() >= f["ratio"]:
                        continue
                else:
                    if f["count"] is not None:
                        if f["count"] <= 0:
                            continue
                        f["count"] -= 1
                return latency, (kind, {k: v for k, v in f.items() if k != "rng"})
            return latency, None
