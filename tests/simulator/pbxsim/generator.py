"""A large, deterministic account seed for benchmarks (``python -m pbxsim generate``).

Credentials, clients, users and extension groups 51-53 are those of the demo seed, so the same
applications (demo-app, callapi-app, readonly-app, ext-app, group-app, other-app) work. Extension
ids run from 1001 upwards (number 100 upwards, so 1001 is "000*100", the ext-app user's phone).
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


def generate(extensions=10000, bundles=50, random_seed=1):
    if extensions < 1:
        raise ValueError("--extensions must be >= 1")
    rng = random.Random(random_seed)
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
