# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RETURN documents every key the modules return: real runs against the simulator, compared with each module's
RETURN key by key.

Each module runs in the modes that shape its result differently (one target and many, check mode and real, diff,
backup and restore, the registration watch, a report, an export, a refused input, an extension that fails,
credentials refused), all in one ansible-playbook run. Every key of every result must be documented: at the top,
and inside a documented dict or list of dicts that RETURN describes with ``contains`` (a dict documented
without ``contains``, such as ``stats.requests`` or an entry's ``drift``, is free-form and not looked into).
Documented keys that no run returns are fine: some are returned only in conditions these runs do not meet.
"""

import ast
import pathlib

import pytest
import yaml

from conftest import run_tasks

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")

# Ansible's own keys of a task's result, which a module does not document in its RETURN (Ansible's "Return
# Values" page documents them for every module), at the top of a result only:
ANSIBLE_KEYS = {
    "changed": "common return value: whether the task changed anything",
    "failed": "common return value: whether the task failed (also set by the callback that saves the results)",
    "skipped": "common return value: whether the task was skipped (set by the callback that saves the results)",
    "msg": "common return value: the task's message",
    "invocation": "common return value: the module's arguments as it received them (secrets masked)",
    "diff": "common return value: what --diff shows (the modules document theirs too, which is not required)",
    "warnings": "internal key: what AnsibleModule.warn() said, printed by Ansible as [WARNING]",
    "deprecations": "internal key: what AnsibleModule.deprecate() said",
    "exception": "internal key: the traceback of a module that failed with one (shown at -vvv)",
}

PHONE = "telphin.pbx.phone_properties"
PROFILES = "telphin.pbx.phone_profiles"
WRONG_SECRET = {"app_secret": "not-the-secret"}  # the token request is refused: the API error's result
API_ERROR = ["status", "api_status"]  # the result of a run stopped by an API error outside any one extension


def cases(folder):
    """``(module, what the case runs, task options, task keywords, key paths its result must hold)``: the paths
    make sure that each case ran the mode it stands for."""
    backups = str(folder / "backups")
    backup = {"backup": True, "backup_options": {"dir_path": backups, "filename": "before.yml"}}
    watch = {"check_registrations": True, "registration_wait": 0}
    profiles = {"net": {"auth_type": "both"}, "std": {"hangup_timeout": 61, "geo_list": "RU KZ"}}
    assignments = [{"profile": "net", "extensions": [1001, 1012]}, {"profile": "std", "extensions": [1003, 1006]}]
    check, diff = {"check_mode": True}, {"diff": True}
    return [
        # phone_properties: one target, many, a backup and its restore, the registration watch, failures.
        ("phone_properties", "one target, check mode", {"extension_id": 1001, "hangup_timeout": 70},
         dict(check, **diff), ["extension_id", "changes", "properties", "stats.targets"]),
        ("phone_properties", "one target by name", {"extension_name": "101", "hangup_timeout": 70}, diff,
         ["extension_id", "name", "changes", "properties"]),
        ("phone_properties", "many, check mode, watch",
         {"extensions": [{"extension_id": 1001, "password": "Other-pass-1"},
                         {"extension_id": 1003, "hangup_timeout": 42, "profile": "desk"}], **watch},
         dict(check, **diff), ["extensions[].registration", "extensions[].profile", "registrations_lost"]),
        ("phone_properties", "many, backup, watch",
         {"extensions": [{"extension_id": 1001, "auth_type": "both"}, {"extension_name": "102", "geo_list": "RU KZ"},
                         {"extension_id": 1012, "auth_type": "both"}], **dict(backup, **watch)},
         diff, ["backup_path", "registrations_lost", "registrations_unchecked", "extensions[].drift",
                "extensions[].bundle_changes", "extensions[].registration"]),
        ("phone_properties", "restore, check mode", {"restore_from": backups + "/before.yml", **watch}, check,
         ["extensions[].changes", "registrations_lost"]),
        ("phone_properties", "restore", {"restore_from": backups + "/before.yml", **watch}, diff,
         ["extensions[].changes", "registrations_lost"]),
        ("phone_properties", "an extension that fails",
         {"extensions": [{"extension_id": 999999, "hangup_timeout": 1}, {"extension_id": 1002, "hangup_timeout": 1}]},
         {}, ["extensions[].msg", "stats.failed"]),
        ("phone_properties", "a name that names no phone", {"extension_name": "999", "hangup_timeout": 1}, {},
         ["problems"]),
        ("phone_properties", "options refused", {"extension_id": 1001, "parallel": 0}, {}, ["problems"]),
        ("phone_properties", "credentials refused, one target by id",
         dict(WRONG_SECRET, extension_id=1001, hangup_timeout=1), {}, ["extension_id"]),
        ("phone_properties", "credentials refused, one target by name",
         dict(WRONG_SECRET, extension_name="100", hangup_timeout=1), {}, API_ERROR),
        # phone_profiles: the audit and the run with a report, a backup and the watch; an export; refusals.
        ("phone_profiles", "audit with a report and the watch",
         {"profiles": profiles, "assignments": assignments, "report_dir": str(folder / "audit"), **watch},
         dict(check, **diff), ["report_path", "summary.profiles", "extensions[].profile", "extensions[].registration",
                               "registrations_lost"]),
        ("phone_profiles", "apply with a report, a backup and the watch",
         {"profiles": profiles, "assignments": assignments, "report_dir": str(folder / "apply"),
          "backup": True, "backup_options": {"dir_path": backups}, **watch},
         diff, ["report_path", "backup_path", "summary.backup_path", "summary.registrations_lost",
                "extensions[].bundle_changes", "extensions[].drift"]),
        ("phone_profiles", "only some extensions", {"profiles": profiles, "assignments": assignments,
                                                    "only_extensions": ["100"]}, check, ["summary.extensions"]),
        ("phone_profiles", "export", {"export_file": str(folder / "export.yml")}, check,
         ["export_path", "export.profiles", "export.notes"]),
        ("phone_profiles", "input refused", {"profiles": {"std": {"record_enable": True}},
                                             "assignments": [{"profile": "std", "extensions": [1001]}],
                                             "report_dir": str(folder / "refused")}, {},
         ["problems", "summary.msg", "report_path"]),
        ("phone_profiles", "a failure before the run", {"report_failure": "a variable was undefined",
                                                        "report_dir": str(folder / "before")}, {},
         ["summary.msg", "report_path"]),
        ("phone_profiles", "credentials refused", dict(WRONG_SECRET, profiles=profiles, assignments=assignments), {},
         ["problems", "summary.msg"]),
        ("phone_profiles", "export, credentials refused", dict(WRONG_SECRET, export_file=str(folder / "no.yml")), {},
         API_ERROR + ["summary.msg"]),
        # The info modules.
        ("phone_properties_info", "one extension", {"extension_name": "100"}, {}, ["extensions[].properties"]),
        ("phone_properties_info", "a group, secrets shown", {"extension_group_id": 53, "show_secrets": True}, {},
         ["extensions[].label", "stats.checked"]),
        ("phone_properties_info", "an extension that fails", {"extension_id": "999999"}, {}, ["stats.failed"]),
        ("phone_properties_info", "a name that names no phone", {"extension_name": "999"}, {}, ["problems"]),
        ("phone_properties_info", "credentials refused", WRONG_SECRET, {}, API_ERROR),
        ("extension_info", "every extension", {}, {}, ["extensions", "stats.requests", "rate_limit"]),
        ("extension_info", "filtered", {"type": "phone", "status": "active", "extension_group_id": 53}, {},
         ["extensions"]),
        ("extension_info", "credentials refused", WRONG_SECRET, {}, API_ERROR),
        ("registration_info", "one extension", {"extension_name": "100"}, {},
         ["extensions[].registrations[].device", "devices"]),
        ("registration_info", "several", {"extensions": [1001, "101", "000*102", 999999]}, {},
         ["extensions[].registered", "stats.failed"]),
        ("registration_info", "every phone, filtered", {"registered": True, "device_regex": "(?i)^yealink"}, {},
         ["stats.registration_requests", "stats.returned"]),
        ("registration_info", "a name that names no phone", {"extension_name": "999"}, {}, ["problems"]),
        ("registration_info", "credentials refused", WRONG_SECRET, {}, API_ERROR),
        ("api_info", "the probe", {}, {},
         ["listing.page_size", "phone_fields.extra", "registration.readable", "registration_bulk.available",
          "rate_limit_reserve.given", "token.expires_in"]),
        ("api_info", "the probe of one phone", {"extension_id": "1012"}, {}, ["phone_fields.extension_id"]),
        ("api_info", "credentials refused", WRONG_SECRET, {}, API_ERROR),
    ]


def key_paths(result, documented, prefix=""):
    """``(path, documented)`` of every key of ``result``, down into what RETURN describes with ``contains``."""
    found = []
    for key, value in result.items():
        path = prefix + key
        doc = (documented or {}).get(key)
        found.append((path, doc is not None))
        contains = (doc or {}).get("contains")
        if contains and isinstance(value, dict):
            found += key_paths(value, contains, path + ".")
        elif contains and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    found += key_paths(item, contains, path + "[].")
    return found


def documented_return(module):
    """The module's RETURN, read from its source as ansible-doc reads it (without running the module)."""
    tree = ast.parse((ROOT / "plugins" / "modules" / (module + ".py")).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["RETURN"]:
            return yaml.safe_load(node.value.value) or {}
    raise AssertionError("%s has no RETURN" % module)


@pytest.fixture(scope="module")
def runs(simulator, tmp_path_factory):
    """``[(case, result)]`` of every case, run in order in one playbook (the restore reads the backup before it)."""
    simulator.reset()
    folder = tmp_path_factory.mktemp("returns")
    table = cases(folder)
    tasks = [dict(keywords, name="%s: %s" % (module, what), **{"telphin.pbx." + module: options})
             for module, what, options, keywords, _paths in table]
    results, output, rc = run_tasks(simulator, folder, tasks)
    assert results is not None, output[-3000:]
    return list(zip(table, results)), output


def test_every_module_runs_here():
    modules = {case[0] for case in cases(pathlib.Path("unused"))}
    assert sorted(set(MODULES) - modules) == []


@pytest.mark.parametrize("module", MODULES)
def test_every_key_the_module_returns_is_documented(runs, module):
    ran, output = runs
    documented = documented_return(module)
    mine = [(case, result) for case, result in ran if case[0] == module]
    assert mine, "no case runs %s" % module
    for (_module, what, _options, _keywords, expected), result in mine:
        assert result is not None, "%s: %s did not run\n%s" % (module, what, output[-3000:])
        paths = {path for path, _doc in key_paths(result, documented)}
        missing = [path for path in expected if path not in paths]
        assert missing == [], "%s: %s returned no %s (it no longer runs its mode?): %s" % (
            module, what, missing, sorted(paths))
    undocumented = sorted({"%s: %s" % (module, path) for _case, result in mine
                           for path, doc in key_paths(result, documented)
                           if not doc and path not in ANSIBLE_KEYS})
    assert not undocumented, "returned, not in RETURN:\n" + "\n".join(undocumented)
