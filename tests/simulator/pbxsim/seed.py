"""Loading and checking seed files (YAML or JSON).

A seed describes one PBX installation: clients (accounts), users, OAuth applications,
extension groups, extensions with their phone properties, and bundles. See README.md.
"""

import copy
import json
import os
from pathlib import Path

import yaml

from . import fields, readings, registrations

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SEED = PACKAGE_DIR.parent / "seeds" / "demo.yml"

EXTENSION_TYPES = ("phone", "queue", "ivr", "fax", "conference")
EXTENSION_STATUSES = ("active", "blocked")
USER_ACCESS = ("full", "read_only")
APP_ACCESS = ("All", "Call API")

TOP_KEYS = {"description", "clients", "users", "applications", "extension_groups",
            "extensions", "bundles", "phone_defaults", "readings"}
CLIENT_KEYS = {"id", "prefix", "name", "domain", "rate_limit"}
USER_KEYS = {"id", "login", "client_id", "extension_id", "extension_group_id", "access", "admin",
             "dealer_id", "timezone", "extra_params", "blocked"}
APP_KEYS = {"app_id", "secret", "access", "user", "name"}
GROUP_KEYS = {"id", "client_id", "name"}
EXT_KEYS = {"id", "number", "name", "label", "type", "status", "domain", "create_date", "client_id",
            "extension_group_id", "caller_id_name", "dial_rule_id", "dial_rule_limit",
            "extra_params", "phone", "registration"}
BUNDLE_KEYS = {"main", "members", "active"}


class SeedError(ValueError):
    pass


def read_seed_file(path):
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(text, Loader=loader)
    if not isinstance(data, dict):
        raise SeedError("%s: the seed must be a mapping" % path)
    return data


def load_seed(seed):
    """Accept a path, a dict or None (the demo seed); return a checked, normalised dict."""
    if seed is None:
        data = read_seed_file(DEFAULT_SEED)
    elif isinstance(seed, (str, os.PathLike)):
        data = read_seed_file(seed)
    elif isinstance(seed, dict):
        data = copy.deepcopy(seed)
    else:
        raise SeedError("seed must be a path, a dict or None, not %r" % type(seed).__name__)
    return normalise(data)


def _keys(kind, item, allowed):
    if not isinstance(item, dict):
        raise SeedError("%s: each entry must be a mapping, got %r" % (kind, item))
    extra = set(item) - allowed
    if extra:
        name = item.get("id", item.get("login", item.get("app_id")))
        raise SeedError("%s %r: unknown key(s) %s" % (kind, name, ", ".join(sorted(map(str, extra)))))


def _int(kind, value, what, nullable=False):
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SeedError("%s: %s must be an integer, got %r" % (kind, what, value))
    return value


def _check_phone(where, props, allow_readonly=True):
    for name, value in props.items():
        f = fields.FIELDS.get(name)
        if f is None:
            raise SeedError("%s: unknown phone property %r" % (where, name))
        if f.readonly:
            if not allow_readonly or name == "bundle":
                raise SeedError("%s: %r cannot be seeded" % (where, name))
            if value is not None and not isinstance(value, str):
                raise SeedError("%s: %s must be a string or null" % (where, name))
            continue
        err = fields.check_value(f, value)
        if err:
            raise SeedError("%s: %s %s" % (where, name, err))


def normalise(data):
    _keys("seed", data, TOP_KEYS)
    try:  # every switch with its value: the seed's readings over the defaults
        seed_readings = readings.parse(data.get("readings")).as_dict()
    except readings.ReadingsError as exc:
        raise SeedError("readings: %s" % exc)
    out = {"description": data.get("description"), "readings": seed_readings}
    out["clients"] = _clients(data.get("clients") or [])
    out["extension_groups"] = _groups(data.get("extension_groups") or [], out["clients"])
    phone_defaults = data.get("phone_defaults") or {}
    if not isinstance(phone_defaults, dict):
        raise SeedError("phone_defaults must be a mapping")
    _check_phone("phone_defaults", phone_defaults, allow_readonly=False)
    out["phone_defaults"] = dict(phone_defaults)
    out["extensions"] = _extensions(data.get("extensions") or [], out)
    out["users"] = _users(data.get("users") or [], out)
    out["applications"] = _applications(data.get("applications") or [], out["users"])
    out["bundles"] = _bundles(data.get("bundles") or [], out["extensions"])
    return out


def _clients(clients):
    if not clients:
        raise SeedError("the seed needs at least one client")
    out = []
    for c in clients:
        _keys("client", c, CLIENT_KEYS)
        cid = _int("client", c.get("id"), "id")
        prefix = c.get("prefix")
        if not isinstance(prefix, str) or not prefix:
            raise SeedError("client %s: prefix must be a non-empty string (quote it: \"000\")" % cid)
        out.append({
            "id": cid, "prefix": prefix, "name": c.get("name"),
            "domain": c.get("domain") or "%s.sip.pbxsim.test" % cid,
            "rate_limit": _int("client %s" % cid, c.get("rate_limit"), "rate_limit", nullable=True),
        })
    client_ids = [c["id"] for c in out]
    if len(set(client_ids)) != len(client_ids):
        raise SeedError("duplicate client id")
    return out


def _groups(groups, clients):
    client_ids = [c["id"] for c in clients]
    out = []
    for g in groups:
        _keys("extension group", g, GROUP_KEYS)
        gid = _int("extension group", g.get("id"), "id")
        cid = g.get("client_id", client_ids[0])
        if cid not in client_ids:
            raise SeedError("extension group %s: unknown client %r" % (gid, cid))
        out.append({"id": gid, "client_id": cid, "name": g.get("name") or "group %s" % gid})
    if len({g["id"] for g in out}) != len(out):
        raise SeedError("duplicate extension group id")
    return out


def _extensions(extensions, out):
    clients = {c["id"]: c for c in out["clients"]}
    group_client = {g["id"]: g["client_id"] for g in out["extension_groups"]}
    first_client = out["clients"][0]["id"]
    result, seen, names, reg_ids = [], set(), set(), set()
    for e in extensions:
        _keys("extension", e, EXT_KEYS)
        eid = _int("extension", e.get("id"), "id")
        if eid in seen:
            raise SeedError("duplicate extension id %s" % eid)
        seen.add(eid)
        cid = e.get("client_id", first_client)
        if cid not in clients:
            raise SeedError("extension %s: unknown client %r" % (eid, cid))
        ext = _extension(e, eid, clients[cid], group_client)
        if ext["name"] in names:
            raise SeedError("extension %s: duplicate name %s" % (eid, ext["name"]))
        names.add(ext["name"])
        for spec in ext["registration"]:
            rid = spec.get("registration_id")
            if rid is not None:
                if rid in reg_ids:
                    raise SeedError("extension %s: duplicate registration_id %s" % (eid, rid))
                reg_ids.add(rid)
        result.append(ext)
    return result


def _registrations(where, value, etype, status):
    """An extension's `registration:`: one mapping or a list of them (phones only)."""
    if value is None:
        return []
    if etype != "phone":
        raise SeedError("%s: only phone extensions have registrations" % where)
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise SeedError("%s: registration must be a mapping or a list of mappings" % where)
    out = []
    for item in items:
        try:
            spec = registrations.check_spec(item)
        except ValueError as exc:
            raise SeedError("%s: %s" % (where, exc))
        if status == "blocked" and spec["expires_in"] > 0:
            raise SeedError("%s: a blocked extension cannot register (give expires_in <= 0: an expired one)" % where)
        out.append(spec)
    return out


def _extension(e, eid, client, group_client):
    where = "extension %s" % eid
    cid = client["id"]
    if e.get("name") is not None:
        name = str(e["name"])
    elif e.get("number") is not None:
        name = "%s*%s" % (client["prefix"], e["number"])
    else:
        raise SeedError("%s: needs number (or name)" % where)
    etype = e.get("type", "phone")
    if etype not in EXTENSION_TYPES:
        raise SeedError("%s: type must be one of %s" % (where, ", ".join(EXTENSION_TYPES)))
    status = e.get("status", "active")
    if status not in EXTENSION_STATUSES:
        raise SeedError("%s: status must be active or blocked" % where)
    gid = e.get("extension_group_id")
    if gid is not None and group_client.get(gid) != cid:
        raise SeedError("%s: extension group %r is not a group of client %s" % (where, gid, cid))
    phone = e.get("phone")
    if phone is not None and etype != "phone":
        raise SeedError("%s: only phone extensions have phone properties" % where)
    if phone is not None:
        if not isinstance(phone, dict):
            raise SeedError("%s: phone must be a mapping" % where)
        _check_phone(where, phone)
    label = e.get("label")
    if phone and "label" in phone:
        label = phone["label"]
    return {
        "id": eid, "name": name, "label": label, "type": etype, "status": status,
        "domain": e.get("domain") or client["domain"],
        "create_date": str(e.get("create_date") or "2023-01-16 09:00:00"),
        "client_id": cid, "extension_group_id": gid,
        "caller_id_name": e.get("caller_id_name"),
        "dial_rule_id": e.get("dial_rule_id"), "dial_rule_limit": e.get("dial_rule_limit"),
        "extra_params": e.get("extra_params"),
        "phone": ({k: v for k, v in phone.items() if k != "label"} if phone else {}) if etype == "phone" else None,
        "registration": _registrations(where, e.get("registration"), etype, status),
    }


def _users(users, out):
    client_ids = [c["id"] for c in out["clients"]]
    group_client = {g["id"]: g["client_id"] for g in out["extension_groups"]}
    ext_by_id = {e["id"]: e for e in out["extensions"]}
    result, logins = [], set()
    for u in users:
        _keys("user", u, USER_KEYS)
        uid = _int("user", u.get("id"), "id")
        login = u.get("login")
        if not isinstance(login, str) or not login or login in logins:
            raise SeedError("user %s: login must be a unique non-empty string" % uid)
        logins.add(login)
        cid = u.get("client_id", client_ids[0])
        if cid not in client_ids:
            raise SeedError("user %s: unknown client %r" % (login, cid))
        ext_id = u.get("extension_id")
        grp_id = u.get("extension_group_id")
        if ext_id is not None and (ext_id not in ext_by_id or ext_by_id[ext_id]["client_id"] != cid):
            raise SeedError("user %s: extension %r is not an extension of client %s" % (login, ext_id, cid))
        if grp_id is not None and group_client.get(grp_id) != cid:
            raise SeedError("user %s: extension group %r is not a group of client %s" % (login, grp_id, cid))
        if ext_id is not None and grp_id is not None:
            raise SeedError("user %s: bound to an extension and a group at once" % login)
        access = u.get("access", "full")
        if access not in USER_ACCESS:
            raise SeedError("user %s: access must be full or read_only" % login)
        result.append({
            "id": uid, "login": login, "client_id": cid, "extension_id": ext_id,
            "extension_group_id": grp_id, "access": access, "admin": bool(u.get("admin", False)),
            "dealer_id": u.get("dealer_id"), "timezone": u.get("timezone", "Europe/Moscow"),
            "extra_params": u.get("extra_params"), "blocked": bool(u.get("blocked", False)),
        })
    return result


def _applications(applications, users):
    logins = {u["login"] for u in users}
    result, app_ids = [], set()
    for a in applications:
        _keys("application", a, APP_KEYS)
        app_id = a.get("app_id")
        if not isinstance(app_id, str) or not app_id or app_id in app_ids:
            raise SeedError("application %r: app_id must be a unique non-empty string" % app_id)
        app_ids.add(app_id)
        if not isinstance(a.get("secret"), str) or not a["secret"]:
            raise SeedError("application %s: secret must be a non-empty string" % app_id)
        access = a.get("access", "Call API")
        if access not in APP_ACCESS:
            raise SeedError("application %s: access must be \"All\" or \"Call API\"" % app_id)
        if a.get("user") not in logins:
            raise SeedError("application %s: unknown user %r" % (app_id, a.get("user")))
        result.append({"app_id": app_id, "secret": a["secret"], "access": access,
                       "user": a["user"], "name": a.get("name")})
    return result


def _bundles(bundles, extensions):
    ext_by_id = {e["id"]: e for e in extensions}
    result, in_bundle = [], set()
    for b in bundles:
        _keys("bundle", b, BUNDLE_KEYS)
        main = _int("bundle", b.get("main"), "main")
        members = b.get("members") or []
        if not isinstance(members, list) or not members:
            raise SeedError("bundle %s: members must be a non-empty list" % main)
        active = b.get("active") or {}
        if not isinstance(active, dict):
            raise SeedError("bundle %s: active must be a mapping id -> bool" % main)
        active = {int(k): bool(v) for k, v in active.items()}
        ids = [main] + [_int("bundle %s" % main, m, "member") for m in members]
        for i in ids:
            if i not in ext_by_id or ext_by_id[i]["type"] != "phone":
                raise SeedError("bundle %s: %s is not a phone extension" % (main, i))
            if ext_by_id[i]["client_id"] != ext_by_id[main]["client_id"]:
                raise SeedError("bundle %s: %s belongs to another client" % (main, i))
            if i in in_bundle:
                raise SeedError("bundle %s: %s is already in a bundle" % (main, i))
            in_bundle.add(i)
        for k in active:
            if k not in members:
                raise SeedError("bundle %s: active flag for %s, which is not a member" % (main, k))
        result.append({"main": main, "members": list(members),
                       "active": {m: active.get(m, True) for m in members}})
    return result


def new_extension(seed, e, taken_ids):
    """One extension added at run time (as the vendor's web interface adds one), checked as a seed's are:
    ``e`` as in a seed (``number`` or ``name``, ``type``, ``status``, ``label``, ``extension_group_id``,
    ``client_id`` (default: the first client), ``phone``); its ``id`` defaults to the next free one."""
    if not isinstance(e, dict):
        raise SeedError("an extension must be a mapping")
    _keys("extension", e, EXT_KEYS)
    clients = {c["id"]: c for c in seed["clients"]}
    cid = e.get("client_id", seed["clients"][0]["id"])
    if cid not in clients:
        raise SeedError("extension: no client %r" % cid)
    eid = _int("extension", e.get("id", max(taken_ids, default=1000) + 1), "id")
    if eid in taken_ids:
        raise SeedError("extension %s: the id is taken" % eid)
    group_client = {g["id"]: g["client_id"] for g in seed["extension_groups"]}
    return _extension(e, eid, clients[cid], group_client)
