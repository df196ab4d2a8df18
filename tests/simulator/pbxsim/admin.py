"""The admin endpoint /__sim__/: no auth, not logged, not rate-limited, no faults (README.md, "Admin endpoint").

Each endpoint is a mapping of HTTP method -> handler(sim, body, query, arg) returning a Response.
"""

import json
import re

from .api import Response, error
from .faults import FaultError

PREFIX = "/__sim__/"
_RATE_KEYS = {"limit", "remaining", "reset", "client_id", "app_id", "resource"}


def _no_content(action):
    def handler(sim, body, query, arg):
        action(sim)
        return Response(204)
    return handler


def _set_faults(sim, body, query, arg):
    sim.set_faults(body or {})
    return Response(200, sim.faults())


def _reset(sim, body, query, arg):
    sim.reset()
    return Response(200, {"reset": True})


def _readings_body(body):
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValueError("the body must be an object of readings")
    return body


def _put_readings(sim, body, query, arg):
    sim.readings = _readings_body(body)
    return Response(200, sim.readings)


def _patch_readings(sim, body, query, arg):
    return Response(200, sim.set_readings(**_readings_body(body)))


def _rate_args(mapping):
    out = {}
    for key in ("client_id", "app_id", "resource"):
        if mapping.get(key) is not None:
            out[key] = int(mapping[key]) if key == "client_id" else mapping[key]
    return out


def _set_rate_limit(sim, body, query, arg):
    body = body or {}
    if not isinstance(body, dict) or set(body) - _RATE_KEYS:
        return error(400, "admin: body must be {limit, remaining, reset} (and optionally client_id, app_id, "
                          "resource)", "bad_request")
    return Response(200, sim.set_rate_limit(**body))


def _advance_clock(sim, body, query, arg):
    if not isinstance(body, dict) or not isinstance(body.get("seconds"), (int, float)):
        return error(400, "admin: body must be {seconds}", "bad_request")
    sim.advance_clock(body["seconds"])
    return Response(200, {"offset": sim.clock.offset})


def _set_registration(sim, body, query, arg):
    if not isinstance(body, dict):
        return error(400, "admin: body must be an object: {device, contact_address, real_address, registration_id, "
                          "interval, expires_in, renew}", "bad_request")
    return Response(200, sim.set_registration(arg, **body))


def _clear_registration(sim, body, query, arg):
    return Response(200, {"removed": sim.clear_registration(arg, query.get("registration_id"))})


def _set_phone(sim, body, query, arg):
    if not isinstance(body, dict):
        return error(400, "admin: body must be an object", "bad_request")
    return Response(200, sim.set_phone(arg, body))


ENDPOINTS = {
    "log": {"GET": lambda sim, b, q, a: Response(200, sim.log), "DELETE": _no_content(lambda sim: sim.clear_log())},
    "faults": {"GET": lambda sim, b, q, a: Response(200, sim.faults()), "PUT": _set_faults,
               "DELETE": _no_content(lambda sim: sim.clear_faults())},
    "readings": {"GET": lambda sim, b, q, a: Response(200, sim.readings), "PUT": _put_readings,
                 "PATCH": _patch_readings},
    "reset": {"POST": _reset},
    "revoke-tokens": {"POST": lambda sim, b, q, a: Response(200, {"revoked": sim.revoke_tokens()})},
    "rate-limit": {"GET": lambda sim, b, q, a: Response(200, sim.rate_limit(**_rate_args(q))),
                   "POST": _set_rate_limit},
    "advance-clock": {"POST": _advance_clock},
    "extensions": {"GET": lambda sim, b, q, a: Response(200, sim.extensions())},
    "phone": {"GET": lambda sim, b, q, a: Response(200, sim.phone(a)), "PUT": _set_phone},
    "registration": {"GET": lambda sim, b, q, a: Response(200, sim.registrations(a)), "POST": _set_registration,
                     "DELETE": _clear_registration},
}
_PER_PHONE = re.compile(r"^(phone|registration)/([0-9]+)$")


def handle(sim, method, path, query, raw):
    rel = path[len(PREFIX):].rstrip("/") if path.startswith(PREFIX) else ""
    arg = None
    m = _PER_PHONE.match(rel)
    if m:
        rel, arg = m.group(1), m.group(2)
    elif rel in ("phone", "registration"):
        rel = ""
    methods = ENDPOINTS.get(rel)
    if methods is None:
        return error(404, "admin: unknown endpoint %s" % path, "not_found")
    handler = methods.get(method)
    if handler is None:
        allowed = ", ".join(methods)
        return error(405, "admin: use %s" % allowed, "method_not_allowed", {"Allow": allowed})
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return error(400, "admin: body is not JSON", "bad_request")
    try:
        return handler(sim, body, query, arg)
    except KeyError as exc:
        return error(404, "admin: %s" % exc.args[0], "not_found")
    except (FaultError, TypeError, ValueError) as exc:
        return error(400, "admin: %s" % exc, "bad_request")
