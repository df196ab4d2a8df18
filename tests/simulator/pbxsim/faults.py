"""Fault injection.

Config (every key optional)::

    {"latency_ms": 20 | [10, 50],
     "fail":       {"count": 3, "status": 500, "message": "...", "api_status": "...", "after": false, "match": {...}},
     "fail_ratio": {"ratio": 0.1, "status": 503, "message": "...", "api_status": "...", "seed": 1, "match": {...}},
     "drop":       {"count": 2, "after": false, "match": {...}},
     "rate_limited": {"reset": 3600, "count": null, "match": {...}},
     "malformed":  {"count": 1, "match": {...}},
     "odd_body":   {"kind": "empty" | "list" | "string" | "html", "count": 1, "after": true, "match": {...}},
     "chaos":      {"ratio": 0.05, "seed": 1, "kinds": ["fail", "drop_before", "drop_after", "malformed",
                                                       "rate_limited_short", "revoke_token"], "match": {...}},
     "slow":       {"latency_ms": 3000, "count": null, "match": {...}}}

``match`` = {"method": "PUT", "path_regex": "..."} (regex searched in the path, query excluded);
without it a fault applies to every /api and /oauth request (chaos: every /api request; it hits /oauth
only when its path_regex matches there). Counted faults decrement as they fire; ``count: null`` means
"until cleared". At most one fault fires per request, in the order drop, rate_limited, fail, fail_ratio,
malformed, odd_body, chaos; latency adds to any of them.
``after: true`` (drop, fail, odd_body) lets the request take effect before the answer is lost/replaced.
``slow`` is no fault of its own: it adds its latency to the requests it matches (one resource slower than the
rest, such as ``/registration/``), whatever fault answers them; ``count`` defaults to null (until cleared).

``decide`` answers an action ``(kind, spec, label)``: chaos picks one of its kinds and answers it as the
plain kind that plays it (fail, drop, malformed, rate_limited, or revoke_token), labelled
``"chaos:<its kind>"`` for the request log.
"""

import copy
import random
import re
import threading

KINDS = ("drop", "rate_limited", "fail", "fail_ratio", "malformed", "odd_body", "chaos")
_ALLOWED = {
    "fail": {"count", "status", "message", "api_status", "after", "match"},
    "fail_ratio": {"ratio", "status", "message", "api_status", "seed", "match"},
    "drop": {"count", "after", "match"},
    "rate_limited": {"reset", "count", "match"},
    "malformed": {"count", "match"},
    "odd_body": {"kind", "count", "after", "match"},
    "chaos": {"ratio", "seed", "kinds", "match"},
}
_DEFAULT_COUNT = {"fail": 1, "drop": 1, "rate_limited": None, "malformed": 1, "odd_body": 1}
ODD_BODIES = ("empty", "list", "string", "html")
CHAOS_KINDS = ("fail", "drop_before", "drop_after", "malformed", "rate_limited_short", "revoke_token")
_CHAOS_DEFAULT_REGEX = re.compile(r"^/api/")  # chaos without a path_regex: /api only


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
    unknown = set(config) - set(KINDS) - {"latency_ms", "slow"}
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
    if config.get("slow") is not None:
        out["slow"] = _parse_slow(config["slow"])
    for kind in KINDS:
        spec = config.get(kind)
        if spec is None:
            continue
        if not isinstance(spec, dict):
            raise FaultError("%s must be an object" % kind)
        extra = set(spec) - _ALLOWED[kind]
        if extra:
            raise FaultError("%s: unknown key(s) %s" % (kind, ", ".join(sorted(extra))))
        out[kind] = _parse_kind(kind, spec)
    return out


def _parse_slow(spec):
    if not isinstance(spec, dict) or set(spec) - {"latency_ms", "count", "match"}:
        raise FaultError("slow must be an object of latency_ms, count and match")
    lat = spec.get("latency_ms")
    if isinstance(lat, bool) or not isinstance(lat, (int, float)) or lat < 0:
        raise FaultError("slow.latency_ms must be a number >= 0")
    return {"latency_ms": float(lat), "count": _int_or_none("slow", "count", spec.get("count")),
            "match": _check_match("slow", spec.get("match"))}


def _ratio(kind, spec):
    ratio = spec.get("ratio")
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
        raise FaultError("%s.ratio must be a number between 0 and 1" % kind)
    return float(ratio)


def _parse_kind(kind, spec):
    f = {"match": _check_match(kind, spec.get("match"))}
    if kind in _DEFAULT_COUNT:
        f["count"] = _int_or_none(kind, "count", spec.get("count", _DEFAULT_COUNT[kind]))
    if kind in ("fail", "fail_ratio"):
        status = spec.get("status", 500 if kind == "fail" else 503)
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise FaultError("%s.status must be an HTTP status code" % kind)
        f["status"] = status
        f["message"] = str(spec.get("message") or "Simulated server error")
        f["api_status"] = spec.get("api_status")
    if kind in ("fail", "drop", "odd_body"):
        f["after"] = bool(spec.get("after", kind == "odd_body"))
    if kind in ("fail_ratio", "chaos"):
        f["ratio"] = _ratio(kind, spec)
        f["rng"] = random.Random(spec.get("seed"))
        f["seed"] = spec.get("seed")
    if kind == "rate_limited":
        f["reset"] = _int_or_none(kind, "reset", spec.get("reset", 3600))
        if f["reset"] is None:
            f["reset"] = 3600
    if kind == "odd_body":
        if spec.get("kind") not in ODD_BODIES:
            raise FaultError("odd_body.kind must be one of %s" % ", ".join(ODD_BODIES))
        f["kind"] = spec["kind"]
    if kind == "chaos":
        kinds = spec.get("kinds", list(CHAOS_KINDS))
        if not isinstance(kinds, list) or not kinds or any(k not in CHAOS_KINDS for k in kinds):
            raise FaultError("chaos.kinds must be a non-empty list of %s" % ", ".join(CHAOS_KINDS))
        f["kinds"] = list(dict.fromkeys(kinds))
        f["fired"] = {k: 0 for k in f["kinds"]}
    return f


def _public(internal):
    """The config as it stands (remaining counts), for GET /__sim__/faults."""
    out = {}
    if "latency_ms" in internal:
        lo, hi = internal["latency_ms"]
        out["latency_ms"] = lo if lo == hi else [lo, hi]
    for kind in KINDS + ("slow",):
        f = internal.get(kind)
        if f is None:
            continue
        pub = {k: copy.deepcopy(v) for k, v in f.items() if k not in ("rng", "match")}
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
    def _matches(kind, f, method, path):
        m = f.get("match")
        if kind == "chaos" and not (m and "regex" in m) and not _CHAOS_DEFAULT_REGEX.match(path):
            return False
        if not m:
            return True
        if "method" in m and m["method"] != method:
            return False
        if "regex" in m and not m["regex"].search(path):
            return False
        return True

    def decide(self, method, path):
        """Return (latency_seconds, action) where action is None or (kind, spec copy, label for the log)."""
        with self._lock:
            cfg = self._cfg
            if not cfg:
                return 0.0, None
            latency = 0.0
            if "latency_ms" in cfg:
                lo, hi = cfg["latency_ms"]
                latency = (lo if lo == hi else self._rng.uniform(lo, hi)) / 1000.0
            slow = cfg.get("slow")
            if slow is not None and self._matches("slow", slow, method, path) and slow["count"] != 0:
                latency += slow["latency_ms"] / 1000.0
                if slow["count"] is not None:
                    slow["count"] -= 1
            for kind in KINDS:
                f = cfg.get(kind)
                if f is None or not self._matches(kind, f, method, path):
                    continue
                if kind in ("fail_ratio", "chaos"):
                    if f["rng"].random() >= f["ratio"]:
                        continue
                elif f["count"] is not None:
                    if f["count"] <= 0:
                        continue
                    f["count"] -= 1
                if kind == "chaos":
                    return latency, _chaos_action(f)
                return latency, (kind, {k: v for k, v in f.items() if k != "rng"}, kind)
            return latency, None


def _chaos_action(f):
    """One chaos hit as the plain fault that plays it (called under the lock: the rng sequence is the seed's)."""
    pick = f["rng"].choice(f["kinds"])
    f["fired"][pick] += 1
    label = "chaos:" + pick
    if pick == "fail":
        return "fail", {"status": f["rng"].choice((500, 502, 503)), "api_status": None, "after": False,
                        "message": "Simulated server error (chaos)"}, label
    if pick in ("drop_before", "drop_after"):
        return "drop", {"after": pick == "drop_after"}, label
    if pick == "rate_limited_short":
        return "rate_limited", {"reset": 1, "retry_after": True}, label
    return pick, {}, label  # malformed, revoke_token
