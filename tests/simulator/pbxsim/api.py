"""The vendor API: OAuth token endpoint and the /api/ver1.0/ resources.

Pure request -> Response logic (no sockets), guarded by one lock around the account state.
"""

import collections
import hmac
import json
import re
import threading
from urllib.parse import parse_qs, unquote

from . import fields, registrations
from .readings import DEFAULTS as DEFAULT_READINGS
from .state import Account, EXT_FIELDS

API_PREFIX = "/api/ver1.0/"
OAUTH_TOKEN = "/oauth/token"
MAX_BODY = 1024 * 1024

_INT_RE = re.compile(r"^[0-9]+$")
# (route name, path below the prefix, methods). Three routes exist only under a reading (see _match):
# "registrations" (registration_bulk "extension"), "registrations_client" (registration_bulk "client"), and
# "registration_one" follows registration_id_slash. "registrations" comes before "extension", which would
# otherwise read "registration" as an extension id.
_ROUTES = (
    ("user", re.compile(r"^user/$"), ("GET",)),
    ("extensions", re.compile(r"^client/(?P<ref>[^/]+)/extension/$"), ("GET",)),
    ("registrations_client", re.compile(r"^client/(?P<ref>[^/]+)/registration/$"), ("GET",)),
    ("phone", re.compile(r"^extension/(?P<ref>[^/]+)/phone/$"), ("GET", "PUT")),
    ("registration", re.compile(r"^extension/(?P<ref>[^/]+)/registration/$"), ("GET", "DELETE")),
    ("registration_one", re.compile(r"^extension/(?P<ref>[^/]+)/registration/(?P<rid>[^/]+)(?P<slash>/?)$"),
     ("DELETE",)),
    ("registrations", re.compile(r"^extension/registration/$"), ("GET",)),
    ("extension", re.compile(r"^extension/(?P<ref>[^/]+)/$"), ("GET",)),
)
# the budget a route spends under the reading rate_limit_scope "resource" (state.RESOURCES)
_RESOURCE_OF = {"registration_one": "registration", "registrations": "registration",
                "registrations_client": "registration"}


class Response:
    __slots__ = ("status", "body", "headers")

    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = body  # JSON-able object, raw bytes, or None (no body)
        self.headers = dict(headers or {})


def error(status, message, api_status=None, headers=None):
    body = {"message": message}
    if api_status is not None:
        body["status"] = api_status
    return Response(status, body, headers)


def oauth_error(status, code, description):
    return Response(status, {"error": code, "error_description": description},
                    {"Cache-Control": "no-store", "Pragma": "no-cache"})


def media_type(headers):
    return (headers.get("Content-Type") or "").split(";")[0].strip().lower()


def bearer_token(headers):
    auth = headers.get("Authorization")
    if not auth:
        return None
    parts = auth.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1].strip()


def _mask_secret(d):
    if isinstance(d, dict) and "client_secret" in d:
        d = dict(d)
        d["client_secret"] = "***"
    return d


class Api:
    def __init__(self, seed, *, rate_limit, token_lifetime, clock, oauth_rate_limit=20, readings=None):
        self.seed = seed
        self.rate_limit = rate_limit
        self.token_lifetime = token_lifetime
        self.oauth_rate_limit = oauth_rate_limit
        self.clock = clock
        self.lock = threading.RLock()
        self._oauth_times = collections.deque()
        self.readings = readings or DEFAULT_READINGS  # a readings.Readings; replaced whole, read without the lock
        self.account = None
        self.reset()

    def reset(self):
        with self.lock:
            self.account = Account(self.seed, rate_limit=self.rate_limit,
                                   token_lifetime=self.token_lifetime, clock=self.clock)
            self.account.rate_scope = self.readings.rate_limit_scope
            self._oauth_times.clear()

    def set_readings(self, readings):
        with self.lock:
            self.readings = readings
            self.account.rate_scope = readings.rate_limit_scope

    # ---- helpers for the HTTP layer ----------------------------------------------------
    def describe(self, path, headers, raw, query=None):
        """(app_id, body for the log) of a request, with client_secret masked."""
        ctype = media_type(headers)
        body = None
        app_id = None
        if path.startswith("/oauth/"):
            if query and isinstance(query.get("client_id"), str):
                app_id = query["client_id"]
            if raw:
                if ctype == "application/x-www-form-urlencoded":
                    try:
                        body = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
                    except UnicodeDecodeError:
                        body = None
                else:
                    try:
                        body = json.loads(raw.decode("utf-8"))
                    except (UnicodeDecodeError, ValueError):
                        body = None
                    if not isinstance(body, dict):
                        body = None
                body = _mask_secret(body)
                if isinstance(body, dict) and isinstance(body.get("client_id"), str):
                    app_id = body["client_id"]
            return app_id, body
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body = raw.decode("utf-8", "replace")[:2000]
        token = bearer_token(headers)
        if token:
            with self.lock:
                app_id = self.account.token_app_id(token)
        return app_id, body

    def client_of(self, headers):
        """The client id of the request's live token, or None."""
        token = bearer_token(headers)
        if not token:
            return None
        with self.lock:
            ti = self.account.token_info(token)
        return ti[1]["client_id"] if ti else None

    def rate_headers_for(self, headers, charge, path=""):
        """Rate-limit headers for an /api answer produced outside handle() (faults, readings' refusals)."""
        with self.lock:
            acc = self.account
            now = self.clock.now()
            ti = acc.token_info(bearer_token(headers) or "")
            resource = _resource(path[len(API_PREFIX):], self.readings) if path.startswith(API_PREFIX) else None
            if ti:
                win = acc.window(ti[1]["client_id"], ti[0]["app_id"], resource)
            else:
                win = acc.window(resource=resource)
            if charge and ti:
                win.charge(now)
            return win.headers(now)

    # ---- entry point --------------------------------------------------------------------
    def handle(self, method, path, query, headers, raw, multi=None):
        """``query``: each parameter's last value; ``multi``: every value of each (for repeated parameters;
        None when the caller has only ``query``)."""
        if path == OAUTH_TOKEN or path.startswith("/oauth/"):
            return self._oauth(method, path, query, headers, raw)
        if path.startswith(API_PREFIX):
            return self._api(method, path[len(API_PREFIX):], query, headers, raw, multi)
        return error(404, "Not found: %s" % path, "not_found")

    # ---- OAuth --------------------------------------------------------------------------
    def _oauth(self, method, path, query, headers, raw):
        if path != OAUTH_TOKEN:
            return error(404, "Not found: %s" % path, "not_found")
        if method != "POST":
            return Response(405, {"error": "invalid_request", "error_description": "use POST"}, {"Allow": "POST"})
        refused = self._oauth_throttle()
        if refused:
            return refused
        form, err = self._token_params(query, headers, raw)
        if err:
            return err
        grant = form.get("grant_type")
        if not grant:
            return oauth_error(400, "invalid_request", "grant_type is missing")
        if grant != "client_credentials":
            return oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if not client_id or not secret:
            where = "the form body or the query" if self.readings.token_params_in_query else "the form body"
            return oauth_error(400, "invalid_request", "client_id and client_secret are required in %s" % where)
        with self.lock:
            app = self.account.apps.get(client_id)
            ok = app is not None and hmac.compare_digest(app["secret"].encode(), secret.encode())
            if not ok:
                return oauth_error(401, "invalid_client", "client authentication failed")
            token = self.account.issue_token(client_id)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime, "scope": "all"}
        if self.readings.token_expires_in == "omit":
            del body["expires_in"]
        return Response(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _oauth_throttle(self):
        """The per-second limit of token requests: a 429 Response, or None."""
        if not self.oauth_rate_limit:
            return None
        with self.lock:
            now = self.clock.now()
            while self._oauth_times and now - self._oauth_times[0] >= 1.0:
                self._oauth_times.popleft()
            if len(self._oauth_times) >= self.oauth_rate_limit:
                return Response(429, {"error": "rate_limit_exceeded", "status": "rate_limit_exceeded",
                                      "message": "Too many token requests: %d per second allowed"
                                      % self.oauth_rate_limit}, {"X-RateLimit-Reset": "1"})
            self._oauth_times.append(now)
        return None

    def _token_params(self, query, headers, raw):
        """(parameters, None) or (None, error Response). The vendor documents a form body; under the reading
        token_params_in_query the query string may carry them too (the body wins where both do)."""
        in_query = self.readings.token_params_in_query
        pairs = {}
        if raw or not in_query:
            if media_type(headers) != "application/x-www-form-urlencoded":
                return None, oauth_error(400, "invalid_request", "the token request must be form-encoded "
                                                                 "(application/x-www-form-urlencoded)")
            try:
                pairs = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
            except (UnicodeDecodeError, ValueError):
                return None, oauth_error(400, "invalid_request", "malformed form body")
        dup = [k for k, v in pairs.items() if len(v) > 1]
        if dup:
            return None, oauth_error(400, "invalid_request", "parameter repeated: %s" % ", ".join(dup))
        form = {k: v[0] for k, v in pairs.items()}
        if in_query and query:
            for key in ("grant_type", "client_id", "client_secret"):
                if key not in form and query.get(key) is not None:
                    form[key] = query[key]
        return form, None

    # ---- /api/ver1.0/ -------------------------------------------------------------------
    def _api(self, method, rel, query, headers, raw, multi=None):
        token = bearer_token(headers)
        route = _match(rel, self.readings)
        resource = _RESOURCE_OF.get(route[0], route[0]) if route else "other"
        with self.lock:
            acc = self.account
            now = self.clock.now()
            ti = acc.token_info(token) if token else None
            if ti is None:
                msg = ("Authorization required: send 'Authorization: Bearer <token>'" if not token
                       else "Invalid or expired access token")
                return error(401, msg, headers={**acc.window(resource=resource).headers(now),
                                                "WWW-Authenticate": 'Bearer realm="api"'})
            app, user = ti[0], ti[1]  # (app, user) pair
            win = acc.window(user["client_id"], app["app_id"], resource)
            allowed = win.charge(now)
            rl = win.headers(now)
            if not allowed:
                return error(429, "Rate limit exceeded: the hourly request budget of %s is spent; it resets in %s "
                             "seconds" % (self._budget_owner(app, user, resource), rl["X-RateLimit-Reset"]),
                             "rate_limit_exceeded", rl)
            if user["blocked"]:
                return error(403, "User %s is blocked" % user["login"], "user_blocked", rl)
            resp = self._route(route, method, rel, query, headers, raw, app, user, multi)
        resp.headers.update(rl)
        return resp

    def _budget_owner(self, app, user, resource):
        scope = self.account.rate_scope
        if scope == "application":
            return "application %s" % app["app_id"]
        if scope == "resource":
            return "client %s for the %s resource" % (user["client_id"], resource)
        return "client %s" % user["client_id"]

    def _route(self, route, method, rel, query, headers, raw, app, user, multi=None):
        if route is None:
            hint = ""
            if not rel.endswith("/") and _match(rel + "/", self.readings):
                hint = " (paths end with a slash)"
            elif rel.endswith("/") and _match(rel[:-1], self.readings):
                hint = " (this path has no trailing slash)"
            return error(404, "Not found: %s%s%s" % (API_PREFIX, rel, hint), "not_found")
        name, m, methods = route
        if method not in methods:
            return error(405, "Method %s is not allowed here; allowed: %s" % (method, ", ".join(methods)),
                         "method_not_allowed", {"Allow": ", ".join(methods)})
        if name == "user":
            return self._user(user)
        if name == "extensions":
            return self._extensions(user, m.group("ref"), query)
        if name == "extension":
            return self._extension(user, m.group("ref"))
        if name == "phone":
            if method == "GET":
                return self._phone_get(user, m.group("ref"))
            return self._phone_put(app, user, m.group("ref"), headers, raw)
        if name == "registration":
            if method == "GET":
                return self._registration_get(user, m.group("ref"))
            return self._registration_delete(app, user, m.group("ref"), None)
        if name == "registration_one":
            return self._registration_delete(app, user, m.group("ref"), unquote(m.group("rid")))
        if name == "registrations_client":
            return self._registrations_bulk(user, m.group("ref"), query, multi)
        return self._registrations_bulk(user, None, query, multi)

    def _user(self, user):
        keys = ("id", "login", "client_id", "extension_id", "extension_group_id", "access", "admin",
                "dealer_id", "timezone", "extra_params")
        return Response(200, {k: user[k] for k in keys})

    def _extensions(self, user, ref, query):
        acc = self.account
        if ref == "@me":
            cid = user["client_id"]
        elif _INT_RE.match(ref):
            cid = int(ref)
        else:
            return error(404, "Client %s not found" % ref, "client_not_found")
        if cid not in acc.clients:
            return error(404, "Client %s not found" % cid, "client_not_found")
        if cid != user["client_id"]:
            return error(403, "Access denied to client %s" % cid, "access_denied")
        ints, err = _query_ints(query, (("extension_group_id", 0),))
        if err:
            return err
        start, per_page, err = self._paging(query)
        if err:
            return err
        return Response(200, self._list_page(user, cid, query, ints.get("extension_group_id"), start, per_page))

    def _paging(self, query):
        """(start, per_page, None) from page/per_page under the paging readings, or (None, None, error)."""
        r = self.readings
        checked = (("per_page", 1),) + (() if r.ignore_page else (("page", 1),))
        ints, err = _query_ints(query, checked)
        if err:
            return None, None, err
        per_page = ints.get("per_page")
        if per_page is None:
            per_page = min(r.per_page_default, r.per_page_max)
        elif per_page > r.per_page_max:
            if r.per_page_over_max == "reject":
                return None, None, error(400, "Query parameter per_page must be at most %d, got %d"
                                         % (r.per_page_max, per_page), "validation_error")
            per_page = r.per_page_max
        return (ints.get("page", 1) - 1) * per_page, per_page, None  # no "page" under the reading ignore_page

    def _list_page(self, user, cid, query, fgroup, start, per_page):
        acc = self.account
        ftype, fstatus, fname = query.get("type"), query.get("status"), query.get("name")
        out = []
        skipped = 0
        for eid in acc.ext_ids:
            e = acc.extensions[eid]
            if e["client_id"] != cid or not acc.in_scope(user, e):
                continue
            if ftype is not None and e["type"] != ftype:
                continue
            if fstatus is not None and e["status"] != fstatus:
                continue
            if fname is not None and e["name"] != fname:
                continue
            if fgroup is not None and e["extension_group_id"] != fgroup:
                continue
            if skipped < start:
                skipped += 1
                continue
            out.append({k: e[k] for k in EXT_FIELDS})
            if len(out) >= per_page:
                break
        return out

    def _resolve(self, user, ref):
        acc = self.account
        if ref == "@me":
            if user["extension_id"] is None:
                return None, error(404, "@me stands for an extension only for a user of the extension type; "
                                        "user %s is not bound to an extension" % user["login"], "not_found")
            eid = user["extension_id"]
        elif _INT_RE.match(ref):
            eid = int(ref)
        else:
            return None, error(404, "Extension %s not found" % ref, "not_found")
        ext = acc.extensions.get(eid)
        if ext is None:
            return None, error(404, "Extension %s not found" % eid, "not_found")
        if not acc.in_scope(user, ext):
            return None, error(403, "Access denied to extension %s" % eid, "access_denied")
        return ext, None

    def _extension(self, user, ref):
        ext, err = self._resolve(user, ref)
        if err:
            return err
        return Response(200, {k: ext[k] for k in EXT_FIELDS})

    def _phone_ext(self, user, ref):
        ext, err = self._resolve(user, ref)
        if err:
            return None, err
        if ext["type"] != "phone":
            return None, error(404, "Extension %s is of type %s, not phone: it has no phone terminal"
                               % (ext["id"], ext["type"]), "not_found")
        return ext, None

    def _phone_get(self, user, ref):
        ext, err = self._phone_ext(user, ref)
        if err:
            return err
        return Response(200, self._phone_answer(ext["id"]))

    def _phone_answer(self, ext_id):
        view = self.account.phone_view(ext_id)
        r = self.readings
        return r.shape_phone(view) if r.shapes_phone else view

    @staticmethod
    def _write_access(app, user):
        """The 403 of an application below "All" or a read-only user, or None."""
        if app["access"] != "All":
            return error(403, "Application %s has access level %r; changing configuration needs \"All\""
                         % (app["app_id"], app["access"]), "app_access_type_deny")
        if user["access"] != "full":
            return error(403, "User %s has read-only access" % user["login"], "user_access_type_deny")
        return None

    def _phone_put(self, app, user, ref, headers, raw):
        err = self._write_access(app, user)
        if err:
            return err
        ext, err = self._phone_ext(user, ref)
        if err:
            return err
        if media_type(headers) != "application/json":
            return error(400, "The request body must be JSON (Content-Type: application/json)", "validation_error")
        if not raw:
            return error(400, "The request body is empty: send a JSON object", "validation_error")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            return error(400, "The request body is not valid JSON: %s" % exc, "validation_error")
        r = self.readings
        clean, errors = fields.validate_update(body, ignore_readonly=r.readonly_in_put == "ignore")
        if errors:
            return error(400, fields.format_errors(errors), "validation_error")
        stored = self.account.phones[ext["id"]]
        logout = any(n in clean and clean[n] != stored.get(n) for n in registrations.LOGOUT_FIELDS)
        self.account.update_phone(ext["id"], r.store_sounds(clean), sync_inactive=r.bundle_sync_inactive)
        if logout:  # the handset keeps its old settings: its registrations lapse (README, "Registrations")
            self.account.regs.log_out(ext["id"], self.clock.now(), r.reregister_after)
        return Response(200, self._phone_answer(ext["id"]))

    # ---- registrations ------------------------------------------------------------------
    def reg_info(self, ext_id):
        return registrations.reg_info(self.account.regs, ext_id, self.clock.now(), self.readings)

    def _registration_get(self, user, ref):
        ext, err = self._phone_ext(user, ref)
        if err:
            return err
        return Response(200, self.reg_info(ext["id"]))

    def _registration_delete(self, app, user, ref, registration_id):
        """DELETE one registration (registration_id) or every registration of the extension (None): 204."""
        err = self._write_access(app, user)
        if err:
            return err
        ext, err = self._phone_ext(user, ref)
        if err:
            return err
        book, now, again = self.account.regs, self.clock.now(), self.readings.delete_reregisters
        if registration_id is None:
            book.delete_all(ext["id"], now, again)
            return Response(204)
        reg = book.find(ext["id"], registration_id, now)
        if reg is None:
            return error(404, "Registration %s of extension %s not found" % (registration_id, ext["id"]),
                         "not_found")
        book.delete(ext["id"], reg, now, again)
        return Response(204)

    def _registrations_bulk(self, user, ref, query, multi):
        """The registrations of many phone extensions at once (readings registration_bulk, _select, _shape)."""
        acc, r = self.account, self.readings
        if ref is None or ref == "@me":  # /extension/registration/: the user's own client
            cid = user["client_id"]
        elif _INT_RE.match(ref) and int(ref) in acc.clients:
            cid = int(ref)
        else:
            return error(404, "Client %s not found" % ref, "client_not_found")
        if cid != user["client_id"]:
            return error(403, "Access denied to client %s" % cid, "access_denied")
        phones = [eid for eid in acc.ext_ids if acc.extensions[eid]["type"] == "phone"
                  and acc.extensions[eid]["client_id"] == cid and acc.in_scope(user, acc.extensions[eid])]
        if r.registration_bulk_select == "pages":
            start, per_page, err = self._paging(query)
            if err:
                return err
            phones = phones[start:start + per_page]
        elif r.registration_bulk_select == "ids":
            wanted, err = self._block_ids(query, multi)
            if err:
                return err
            phones = [eid for eid in phones if eid in wanted]
        infos = [self.reg_info(eid) for eid in phones]
        if r.registration_bulk_shape == "map":
            return Response(200, {str(i["extension_id"]): i for i in infos})
        return Response(200, infos)

    def _block_ids(self, query, multi):
        """The extension ids of a block (reading registration_bulk_select "ids"): extension_id repeated and/or
        separated by commas; at most per_page_max of them (per_page_over_max: the first ones, or 400)."""
        r = self.readings
        values = multi.get("extension_id", []) if multi is not None else (
            [query["extension_id"]] if "extension_id" in query else [])
        ids = []
        for v in values:
            for part in v.split(","):
                part = part.strip()
                if not _INT_RE.match(part):
                    return None, error(400, "Query parameter extension_id must be extension ids (integers), "
                                            "repeated or separated by commas, got %r" % v, "validation_error")
                if int(part) not in ids:
                    ids.append(int(part))
        if not ids:
            return None, error(400, "Query parameter extension_id is required: the ids of the extensions of this "
                                    "block, repeated or separated by commas", "validation_error")
        if len(ids) > r.per_page_max:
            if r.per_page_over_max == "reject":
                return None, error(400, "Query parameter extension_id names %d extensions; at most %d a block"
                                   % (len(ids), r.per_page_max), "validation_error")
            ids = ids[:r.per_page_max]
        return set(ids), None


def _query_ints(query, checked):
    """({key: int}, None) for the integer query parameters named in checked ((key, minimum), ...), or
    (None, a 400)."""
    ints = {}
    for key, minimum in checked:
        if key in query:
            v = query[key]
            if not _INT_RE.match(v) or int(v) < minimum:
                return None, error(400, "Query parameter %s must be an integer >= %d, got %r" % (key, minimum, v),
                                   "validation_error")
            ints[key] = int(v)
    return ints, None


def _match(rel, readings=DEFAULT_READINGS):
    """(route name, match, methods) of a path below the API prefix under these readings, or None."""
    for name, rx, methods in _ROUTES:
        m = rx.match(rel)
        if not m:
            continue
        if name == "registrations" and readings.registration_bulk != "extension":
            continue
        if name == "registrations_client" and readings.registration_bulk != "client":
            continue
        if name == "registration_one":
            slash = readings.registration_id_slash
            if (slash == "without" and m.group("slash")) or (slash == "with" and not m.group("slash")):
                continue
        return name, m, methods
    return None


def _resource(rel, readings=DEFAULT_READINGS):
    """The resource a path counts against under the reading rate_limit_scope "resource"."""
    route = _match(rel, readings)
    return _RESOURCE_OF.get(route[0], route[0]) if route else "other"
