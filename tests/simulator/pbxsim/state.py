"""The account model: clients, users, applications, extensions, phones, bundles, tokens,
rate-limit windows. Not thread-safe by itself: the API layer holds the lock."""

import copy
import math
import secrets
import time

from . import fields, registrations

RATE_WINDOW = 3600  # seconds: the vendor's limits are hourly
# The /api resources, each with its own budget under the reading rate_limit_scope "resource".
RESOURCES = ("user", "extensions", "extension", "phone", "registration", "other")

EXT_FIELDS = ("id", "name", "label", "type", "status", "domain", "create_date", "client_id",
              "extension_group_id", "caller_id_name", "dial_rule_id", "dial_rule_limit", "extra_params")


class Clock:
    """Wall clock with an offset, so tests can move time forward (token expiry, rate windows)."""

    def __init__(self):
        self.offset = 0.0

    def now(self):
        return time.time() + self.offset

    def advance(self, seconds):
        self.offset += float(seconds)


class Window:
    """An hourly request budget. The window starts with the first request after a reset."""

    def __init__(self, limit):
        self.limit = int(limit)
        self.remaining = int(limit)
        self.reset_at = None

    def _roll(self, now):
        if self.reset_at is None or now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = now + RATE_WINDOW

    def charge(self, now):
        """Count one request; False when the budget is spent."""
        self._roll(now)
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True

    def peek(self, now):
        if self.reset_at is not None and now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = None
        return self

    def reset_in(self, now):
        if self.reset_at is None:
            return RATE_WINDOW
        return max(0, int(math.ceil(self.reset_at - now)))

    def headers(self, now):
        self.peek(now)
        return {"X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(max(0, self.remaining)),
                "X-RateLimit-Reset": str(self.reset_in(now))}

    def adjust(self, now, limit=None, remaining=None, reset=None):
        self._roll(now)
        if limit is not None:
            self.limit = int(limit)
            if remaining is None:
                self.remaining = min(self.remaining, self.limit)
        if remaining is not None:
            self.remaining = int(remaining)
        if reset is not None:
            self.reset_at = now + float(reset)

    def as_dict(self, now):
        self.peek(now)
        return {"limit": self.limit, "remaining": self.remaining, "reset": self.reset_in(now)}


class Account:
    def __init__(self, seed, *, rate_limit, token_lifetime, clock):
        self.clock = clock
        self.token_lifetime = token_lifetime
        self.clients = {c["id"]: dict(c) for c in seed["clients"]}
        self.first_client = seed["clients"][0]["id"]
        self.groups = {g["id"]: dict(g) for g in seed["extension_groups"]}
        self.users = {u["login"]: dict(u) for u in seed["users"]}
        self.apps = {a["app_id"]: dict(a) for a in seed["applications"]}
        self.extensions = {}
        self.phones = {}
        base = fields.defaults()
        base.update(seed.get("phone_defaults") or {})
        self.phone_base = dict(base)
        for e in sorted(seed["extensions"], key=lambda x: x["id"]):
            self.extensions[e["id"]] = {k: e[k] for k in EXT_FIELDS}
            if e["type"] == "phone":
                p = dict(base)
                p.update(e["phone"] or {})
                self.phones[e["id"]] = p
        self.ext_ids = sorted(self.extensions)
        self.bundles = []
        self.bundle_of = {}
        for b in seed["bundles"]:
            bundle = {"main": b["main"], "members": list(b["members"]), "active": dict(b["active"])}
            self.bundles.append(bundle)
            main_phone = self.phones[b["main"]]
            main_ext = self.extensions[b["main"]]
            for i in [b["main"]] + bundle["members"]:
                self.bundle_of[i] = bundle
            # creating a bundle copies the main extension's synchronized values to the members
            for m in bundle["members"]:
                for name in fields.SYNC_PHONE:
                    self.phones[m][name] = copy.deepcopy(main_phone[name])
                for name in fields.SYNC_EXTENSION:
                    self.extensions[m][name] = main_ext[name]
        # SIP registrations: seeded relative to now (the start, or a reset)
        self.regs = registrations.Book()
        now = clock.now()
        for e in seed["extensions"]:
            for spec in e.get("registration") or ():
                self.regs.add(e["id"], self.extensions[e["id"]]["name"], spec, now)
        self.tokens = {}
        self.default_limit = rate_limit
        self.rate_scope = "client"  # the reading rate_limit_scope; set by the API layer
        self.windows = {}  # (scope key) -> Window, made on first use
        self.client_apps = {cid: [] for cid in self.clients}
        for app_id, a in self.apps.items():
            self.client_apps[self.users[a["user"]]["client_id"]].append(app_id)

    # ---- extensions added and removed at run time (the vendor's web interface) ----------------
    def add_extension(self, e):
        """Add a checked extension (seed.new_extension); a phone starts from the phone defaults."""
        self.extensions[e["id"]] = {k: e[k] for k in EXT_FIELDS}
        if e["type"] == "phone":
            self.phones[e["id"]] = dict(self.phone_base, **(e["phone"] or {}))
        self.ext_ids = sorted(self.extensions)

    def remove_extension(self, ext_id):
        """Remove an extension that is in no bundle, with its phone and registrations."""
        if ext_id in self.bundle_of:
            raise ValueError("extension %s is in a bundle" % ext_id)
        del self.extensions[ext_id]
        self.phones.pop(ext_id, None)
        self.regs.clear(ext_id)
        self.ext_ids = sorted(self.extensions)

    # ---- tokens -------------------------------------------------------------------------
    def issue_token(self, app_id):
        token = secrets.token_urlsafe(32)
        self.tokens[token] = {"app_id": app_id, "expires_at": self.clock.now() + self.token_lifetime}
        return token

    def token_info(self, token):
        """(app, user) for a live token, or None."""
        info = self.tokens.get(token)
        if info is None:
            return None
        if self.clock.now() >= info["expires_at"]:
            self.tokens.pop(token, None)
            return None
        app = self.apps.get(info["app_id"])
        if app is None:
            return None
        return app, self.users[app["user"]]

    def token_app_id(self, token):
        info = self.tokens.get(token)
        return info["app_id"] if info else None

    def revoke_tokens(self):
        n = len(self.tokens)
        self.tokens.clear()
        return n

    # ---- scope --------------------------------------------------------------------------
    def in_scope(self, user, ext):
        if ext["client_id"] != user["client_id"]:
            return False
        if user["extension_id"] is not None:
            return ext["id"] == user["extension_id"]
        if user["extension_group_id"] is not None:
            return ext["extension_group_id"] == user["extension_group_id"]
        return True

    # ---- phones -------------------------------------------------------------------------
    def bundle_view(self, ext_id):
        b = self.bundle_of.get(ext_id)
        if b is None:
            return None
        return {"bundle_list": {str(m): {"active": b["active"].get(m, True)} for m in b["members"]},
                "bundle_id": b["main"]}

    def phone_view(self, ext_id, with_secrets=False):
        p = self.phones[ext_id]
        out = {}
        for name in fields.VISIBLE:
            if name == "label":
                out[name] = self.extensions[ext_id]["label"]
            elif name == "bundle":
                out[name] = self.bundle_view(ext_id)
            else:
                out[name] = copy.deepcopy(p.get(name))
        if with_secrets:
            out["password"] = p.get("password")
        return out

    def update_phone(self, ext_id, clean, sync_inactive=True):
        """Apply a validated PUT body (merge) and synchronise bundle members.

        ``sync_inactive`` (reading bundle_sync_inactive): whether members whose ``active`` is false take part
        in synchronisation; when false they neither receive synchronized values nor pass theirs on."""
        p = self.phones[ext_id]
        status_changed = "call_status_id" in clean and clean["call_status_id"] != p.get("call_status_id")
        for name, value in clean.items():
            if name == "label":
                self.extensions[ext_id]["label"] = value
            else:
                p[name] = copy.deepcopy(value)
        if status_changed:  # "set by the server when call_status_id changes" (api-notes.md)
            p["call_status_set_dt"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.clock.now()))
        bundle = self.bundle_of.get(ext_id)
        if bundle is None:
            return
        synced = [n for n in fields.SYNC_PHONE if n in clean]
        if not synced:
            return
        active = bundle["active"]
        if not sync_inactive and not active.get(ext_id, True):
            return  # an inactive member is outside synchronisation: it passes nothing on
        for other in [bundle["main"]] + bundle["members"]:
            if other == ext_id or (not sync_inactive and not active.get(other, True)):
                continue
            for name in synced:
                self.phones[other][name] = copy.deepcopy(clean[name])

    def set_phone_raw(self, ext_id, props):
        p = self.phones[ext_id]
        for name, value in props.items():
            if name == "label":
                self.extensions[ext_id]["label"] = value
            elif name == "bundle":
                continue  # membership lives in the bundle table
            else:
                p[name] = copy.deepcopy(value)

    # ---- rate limit ---------------------------------------------------------------------
    # One hourly budget per client (scope "client"), per application ("application") or per client and
    # resource ("resource"), following the reading rate_limit_scope held in self.rate_scope.
    def _key(self, client_id, app_id, resource):
        scope = self.rate_scope
        if scope == "client":
            return client_id
        if scope == "application":
            if app_id is None:
                apps = self.client_apps.get(client_id)
                app_id = apps[0] if apps else None
            return ("application", app_id)
        return ("resource", client_id, resource or "phone")

    def window(self, client_id=None, app_id=None, resource=None):
        """The window a request of this client/application/resource spends under the current scope."""
        if client_id is None:
            client_id = self.app_client(app_id) if app_id is not None else self.first_client
        key = client_id if self.rate_scope == "client" else self._key(client_id, app_id, resource)
        win = self.windows.get(key)
        if win is None:
            limit = self.clients[client_id]["rate_limit"]
            win = self.windows[key] = Window(limit if limit is not None else self.default_limit)
        return win

    def windows_of(self, client_id=None, app_id=None, resource=None):
        """Every window of a client under the current scope (or only the one named by app_id/resource)."""
        if client_id is None:
            client_id = self.app_client(app_id) if app_id is not None else self.first_client
        if client_id not in self.clients:
            raise KeyError("no client %s" % client_id)
        if app_id is not None and app_id not in self.client_apps[client_id]:
            raise KeyError("no application %s of client %s" % (app_id, client_id))
        if resource is not None and resource not in RESOURCES:
            raise KeyError("no resource %s (resources: %s)" % (resource, ", ".join(RESOURCES)))
        if self.rate_scope == "application" and app_id is None:
            return [self.window(client_id, a) for a in self.client_apps[client_id]] or [self.window(client_id)]
        if self.rate_scope == "resource" and resource is None:
            return [self.window(client_id, resource=r) for r in RESOURCES]
        return [self.window(client_id, app_id, resource)]

    def app_client(self, app_id):
        app = self.apps.get(app_id)
        if app is None:
            raise KeyError("no application %s" % app_id)
        return self.users[app["user"]]["client_id"]
