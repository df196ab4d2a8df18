# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' relative paths, taken from the folder ansible-playbook was started in (plugin_utils/start_folder.py).

Through ansible-playbook (where the module's own folder is the playbook's): tests/integration/test_paths_and_export.py.
"""

import importlib
import pathlib

import yaml

from ansible_collections.telphin.pbx.plugins.plugin_utils import start_folder
from ansible_collections.telphin.pbx.plugins.plugin_utils.start_folder import (PATH_OPTIONS, absolute,
                                                                               with_absolute_paths)

PLUGINS = pathlib.Path(__file__).resolve().parents[4] / "plugins"


def _path_options(options, prefix=()):
    for name, spec in (options or {}).items():
        if spec.get("type") == "path":
            yield prefix + (name,)
        yield from _path_options(spec.get("suboptions"), prefix + (name,))


def _documented_path_options(module):
    doc = yaml.safe_load(importlib.import_module("ansible_collections.telphin.pbx.plugins.modules." + module)
                         .DOCUMENTATION)
    found = set(_path_options(doc.get("options")))
    for fragment in doc.get("extends_documentation_fragment") or []:
        name, variable = (fragment.split(".")[2:] + ["DOCUMENTATION"])[:2]  # telphin.pbx.<file>[.<variable>]
        source = importlib.import_module("ansible_collections.telphin.pbx.plugins.doc_fragments." + name)
        text = getattr(source.ModuleDocFragment, variable.upper())
        found.update(_path_options(yaml.safe_load(text).get("options")))
    return found


def test_every_path_option_of_every_module_is_resolved_and_every_module_has_the_action():
    documented = set()
    for module in sorted(p.stem for p in (PLUGINS / "modules").glob("*.py") if p.stem != "__init__"):
        documented |= _documented_path_options(module)
        action = importlib.import_module("ansible_collections.telphin.pbx.plugins.action." + module)
        assert issubclass(action.ActionModule, start_folder.StartFolderAction), module
    assert documented == set(PATH_OPTIONS)


def test_a_relative_path_is_taken_from_the_start_folder_and_nothing_else_changes():
    assert absolute("reports", "/start") == "/start/reports"
    assert absolute("./a/../reports/", "/start") == "/start/reports"
    for kept in ("/srv/reports", "~/reports", "~", "$HOME/reports", "", None, 7):
        assert absolute(kept, "/start") == kept
    args = {"report_dir": "r", "restore_from": "backups/b.yml", "backup_options": {"dir_path": "b", "keep": 2},
            "profiles": {"p": {"label": "x"}}, "ca_path": None}
    resolved = with_absolute_paths(args, "/start")
    assert resolved == {"report_dir": "/start/r", "restore_from": "/start/backups/b.yml", "ca_path": None,
                        "backup_options": {"dir_path": "/start/b", "keep": 2}, "profiles": {"p": {"label": "x"}}}
    assert args["backup_options"]["dir_path"] == "b" and args["report_dir"] == "r"  # the task's own args untouched
    assert with_absolute_paths({"backup_options": None}, "/start") == {"backup_options": None}


def test_the_backups_default_folder_is_taken_from_the_start_folder_when_a_backup_is_asked_for():
    assert with_absolute_paths({"backup": True}, "/start") == {"backup": True,
                                                               "backup_options": {"dir_path": "/start/backups"}}
    assert with_absolute_paths({"backup": "yes", "backup_options": {"keep": 2}}, "/start") == {
        "backup": "yes", "backup_options": {"keep": 2, "dir_path": "/start/backups"}}
    assert with_absolute_paths({"backup": False}, "/start") == {"backup": False}
    assert with_absolute_paths({}, "/start") == {}


def test_the_environment_variable_a_module_falls_back_to_is_resolved_the_same_way():
    assert with_absolute_paths({}, "/start", {"TELPHIN_CA_PATH": "ca.pem"}) == {"ca_path": "/start/ca.pem"}
    assert with_absolute_paths({}, "/start", {"TELPHIN_CA_PATH": "/etc/ca.pem"}) == {}  # the module reads it as is
    assert with_absolute_paths({}, "/start", {"TELPHIN_CA_PATH": ""}) == {}
    assert with_absolute_paths({"ca_path": "/etc/x.pem"}, "/start", {"TELPHIN_CA_PATH": "ca.pem"}) == {
        "ca_path": "/etc/x.pem"}
