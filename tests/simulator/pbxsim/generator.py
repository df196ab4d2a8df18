"""A large, deterministic account seed for benchmarks (``python -m pbxsim generate``).

Credentials, clients, users and extension groups 51-53 are those of the demo seed, so the same
applications (demo-app, callapi-app, readonly-app, ext-app, group-app, other-app) work. Extension
ids run from 1001 upwards (number 100 upwards, so 1001 is "000*100", the ext-app user's phone).
About 70% of the active phones are registered (a desk phone or a softphone, some both), about 8% hold an
expired registration; registrations come from a random stream of their own, so the rest of a seed is the same
as before they existed.
"""

import json
import random
import sys
from pathlib import Path

import yaml

from .seed import DEFAULT_SEED, read_seed_file

FIRST = ("Ivan", "Maria", "Anna", "Sergey", "Olga", "Pavel", "Elena", "Dmitry", "Natalia", "Alexey",
         "Tatiana", "Mikhail", "Irina", "Andrey", "Svetlana", "Nikolai", "Yulia", "Roman", "Ekaterina",
         "Vladimir", "Ksenia", "Artem", "Daria", "Viktor", "Oleg", "Polina", "Igor", "Anastasia",
         "Maxim", "Sofia", "Denis", "Alina", "Kirill", "Vera", "Egor", "Larisa")
LAST = ("Petrov", "Ivanova", "Smirnova", "Kuznetsov", "Sokolova", "Morozov", "Popova", "Volkov",
        "Lebedeva", "Kozlov", "Novikova", "Fedorov", "Orlova", "Egorova", "Pavlov", "Semenova",
        "Golubev", "Vinogradova", "Bogdanov", "Vorobyova", "Fedoseev", "Mikhailova", "Zaitsev",
        "Belov", "Tarasova", "Komarov", "Orlov", "Kiseleva", "Makarov", "Andreeva", "Nikitin")
OTHER_TYPES = (("queue", "Queue"), ("ivr", "Menu"), ("fax", "Fax"), ("conference", "Conference"))
# user agents of real handsets and softphones, as their firmware sends them
DESK_PHONES = (
    "Yealink SIP-T46U 108.86.0.50", "Yealink SIP-T54W 96.86.0.70", "Yealink SIP-T31P 124.86.0.40",
    "Yealink SIP-T46G 28.83.0.120", "Yealink SIP-T33G 124.86.0.75",
    "Grandstream GXP2170 1.0.11.23", "Grandstream GRP2614 1.0.5.67", "Grandstream GXP1625 1.0.7.25",
    "Cisco/SPA504G-7.6.2c", "Cisco/SPA303-7.6.2b",
    "snom D785/10.1.141.13", "snom D735/10.1.159.12", "snom D717/10.1.127.10",
    "PolycomVVX-VVX_450-UA/6.4.6.2614", "PolycomVVX-VVX_411-UA/6.4.3.5017",
    "Fanvil X4U 2.12.17.12", "Gigaset N670 IP PRO/83.V2.33.0",
)
SOFTPHONES = (
    "MicroSIP/3.21.3", "Zoiper rv2.10.19.5", "Zoiper rv2.10.20.3", "Linphone Desktop/5.2.4 (belle-sip/5.2.94)",
    "Bria 6 release 6.8.1 stamp 111372", "Telephone 1.6",
)
INTERVALS = (3600, 3600, 3600, 1800, 600)
SOFT_INTERVALS = (600, 300, 120)
DRIFTS = (
    {"record_enabled": False},
    {"geo_list": "*"},
    {"geo_list": "RU BY KZ"},
    {"geo_list": "RU US"},
    {"incoming_limit": 0},
    {"incoming_limit": 2},
    {"vm_mailto": None},
    {"record_format": "wav"},
    {"hangup_timeout": 30},
    {"vm_enabled": False},
    {"call_screening_enabled": True},
    {"intercom": 0},
)


def _registration(rrng, status):
    """A phone's `registration:` (a list), or None: never registered."""
    roll = rrng.random()
    if status == "blocked":
        if roll < 0.5:
            return [{"device": rrng.choice(DESK_PHONES), "interval": 3600,
                     "expires_in": -rrng.randrange(86400, 90 * 86400)}]
        return None
    if roll < 0.70:
        if rrng.random() < 0.8:
            device, interval = rrng.choice(DESK_PHONES), rrng.choice(INTERVALS)
        else:
            device, interval = rrng.choice(SOFTPHONES), rrng.choice(SOFT_INTERVALS)
        regs = [{"device": device, "interval": interval, "expires_in": rrng.randrange(1, interval + 1)}]
        if rrng.random() < 0.15:
            interval = rrng.choice(SOFT_INTERVALS)
            regs.append({"device": rrng.choice(SOFTPHONES), "interval": interval,
                         "expires_in": rrng.randrange(1, interval + 1)})
        return regs
    if roll < 0.78:
        return [{"device": rrng.choice(DESK_PHONES + SOFTPHONES), "interval": 3600,
                 "expires_in": -rrng.randrange(60, 30 * 86400)}]
    return None


def generate(extensions=10000, bundles=50, random_seed=1):
    if extensions < 1:
        raise ValueError("--extensions must be >= 1")
    rng = random.Random(random_seed)
    rrng = random.Random("registrations-%d" % random_seed)  # its own stream: the rest of the seed is unchanged
    demo = read_seed_file(DEFAULT_SEED)
    client = demo["clients"][0]
    cid = client["id"]
    groups = [g for g in demo.get("extension_groups", []) if g.get("client_id", cid) == cid]
    n_extra = max(0, extensions // 400 - len(groups))
    next_gid = max(g["id"] for g in groups) + 1 if groups else 51
    for i in range(n_extra):
        groups.append({"id": next_gid + i, "client_id": cid, "name": "Department %d" % (i + 1)})
    group_ids = [g["id"] for g in groups]

    exts = []
    phones = []
    for i in range(extensions):
        eid = 1001 + i
        number = 100 + i
        if i == 0:
            etype = "phone"
        else:
            etype = "phone" if rng.random() < 0.9 else rng.choice(OTHER_TYPES)[0]
        gid = 51 if i == 0 else (rng.choice(group_ids) if rng.random() < 0.8 else None)
        status = "blocked" if i and rng.random() < 0.03 else "active"
        day = rng.randrange(0, 1500)
        create_date = "%04d-%02d-%02d %02d:%02d:%02d" % (2021 + day // 365, 1 + (day % 365) // 31,
                                                         1 + day % 28, rng.randrange(8, 19),
                                                         rng.randrange(60), rng.randrange(60))
        if etype == "phone":
            label = "%s %s" % (rng.choice(FIRST), rng.choice(LAST))
        else:
            label = "%s %d" % (dict(OTHER_TYPES)[etype], number)
        e = {"id": eid, "number": number, "type": etype, "status": status, "label": label,
             "caller_id_name": label if etype == "phone" else None, "extension_group_id": gid,
             "dial_rule_id": 12, "dial_rule_limit": None, "create_date": create_date}
        if etype == "phone":
            phone = {}
            if i and rng.random() < 0.15:
                for d in rng.sample(DRIFTS, rng.choice((1, 1, 2))):
                    phone.update(d)
            if rng.random() < 0.5:
                phone["vm_mailto"] = "user%d@acme.example" % number
            if phone:
                e["phone"] = phone
            regs = _registration(rrng, status)
            if regs:
                e["registration"] = regs
            phones.append(eid)
        exts.append(e)

    out_bundles = []
    pool = [p for p in phones if p != 1001]
    rng.shuffle(pool)
    for _attempt in range(bundles):
        size = rng.choice((2, 2, 3))
        if len(pool) < size:
            break
        ids = sorted(pool[:size])
        del pool[:size]
        main, members = ids[0], ids[1:]
        out_bundles.append({"main": main, "members": members,
                            "active": {str(m): rng.random() < 0.8 for m in members}})

    return {
        "description": "generated: %d extensions, %d bundles, random seed %d"
                       % (extensions, len(out_bundles), random_seed),
        "clients": demo["clients"],
        "users": demo["users"],
        "applications": demo["applications"],
        "extension_groups": groups,
        "phone_defaults": demo.get("phone_defaults") or {},
        "extensions": exts,
        "bundles": out_bundles,
    }


def write_seed(data, path=None):
    if not path or path == "-":
        json.dump(data, sys.stdout, separators=(",", ":"))
        sys.stdout.write("\n")
        return
    p = Path(path)
    if p.suffix.lower() in (".yml", ".yaml"):
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        p.write_text(yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None), encoding="utf-8")
    else:
        p.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
