# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Defaults and bounds stated once: the code that applies them is the source, and what users read is held to it.

A module's DOCUMENTATION (and so a doc fragment) must be a literal, which ansible-doc reads without running any
code, and a role's defaults are YAML: neither can import the value. So each doc fragment states the options of
the spec it documents, with the same types and defaults, and the role's ``phone_profiles_parallel`` is the
modules' default, in its defaults, its argument specs and its README.
"""

from __future__ import annotations

import importlib
import pathlib

import pytest
import yaml

from ansible_collections.telphin.pbx.plugins.module_utils import api_module, connection

ROOT = pathlib.Path(__file__).resolve().parents[4]
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
ROLE = ROOT / "roles" / "phone_profiles"
# Each doc fragment of options -> the argument spec it documents.
SPECS = {
    "api": connection.argument_spec(),
    "parallel": api_module.PARALLEL_OPTION,
    "backup": api_module.BACKUP_OPTIONS,
    "registrations": api_module.REGISTRATION_OPTIONS,
}


def _fragment_options(name):
    source = importlib.import_module("ansible_collections.telphin.pbx.plugins.doc_fragments." + name)
    return yaml.safe_load(source.ModuleDocFragment.DOCUMENTATION)["options"]


def _differences(documented, spec, prefix=""):
    """What the docs state otherwise than the spec: names, types, defaults, suboptions."""
    found = []
    if sorted(documented) != sorted(spec):
        found.append("%soptions: documented %s, in the spec %s" % (prefix, sorted(documented), sorted(spec)))
    for name in sorted(set(documented) & set(spec)):
        doc, option = documented[name], spec[name]
        for key in ("type", "default"):
            if doc.get(key) != option.get(key):
                found.append("%s%s: %s is %r in the docs, %r in the spec" % (prefix, name, key, doc.get(key),
                                                                             option.get(key)))
        found += _differences(doc.get("suboptions") or {}, option.get("options") or {}, prefix + name + ".")
    return found


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_doc_fragment_states_the_names_types_and_defaults_of_its_spec(name):
    assert _differences(_fragment_options(name), SPECS[name]) == []


def test_the_parallel_fragment_states_the_bounds_the_modules_check():
    description = " ".join(_fragment_options("parallel")["parallel"]["description"])
    assert "V(%s), or a fixed number from 1 to %d" % (api_module.DEFAULT_PARALLEL, api_module.MAX_PARALLEL) in description


def test_the_connection_fragment_names_each_option_s_environment_variable_and_each_secret():
    documented = _fragment_options("api")
    for name, option in connection.argument_spec().items():
        description = " ".join(documented[name]["description"])
        if "fallback" in option:
            assert "E(%s)" % option["fallback"][1][0] in description, name
        assert ("This value is a secret (C(no_log))" in description) == bool(option.get("no_log")), name


@pytest.mark.parametrize("module", MODULES)
def test_a_module_with_parallel_documents_it_by_the_fragment_only(module):
    doc = yaml.safe_load(importlib.import_module("ansible_collections.telphin.pbx.plugins.modules." + module)
                         .DOCUMENTATION)
    has_parallel = "PARALLEL_OPTION" in (ROOT / "plugins" / "modules" / (module + ".py")).read_text()
    assert ("telphin.pbx.parallel" in doc["extends_documentation_fragment"]) == has_parallel
    # Its own entry may only say since when the module has it: a description of its own would be merged
    # line by line with the fragment's, and a type or default of its own would be a second statement.
    assert set((doc.get("options") or {}).get("parallel") or {}) <= {"version_added"}


def test_the_role_s_parallel_is_the_modules_default_wherever_the_role_states_it():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert defaults["phone_profiles_parallel"] == api_module.DEFAULT_PARALLEL
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    stated = {entry: spec["options"]["phone_profiles_parallel"]["default"]
              for entry, spec in specs.items() if "phone_profiles_parallel" in spec["options"]}
    assert stated and set(stated.values()) == {api_module.DEFAULT_PARALLEL}, stated
    assert "| `phone_profiles_parallel` | raw | `%s` |" % api_module.DEFAULT_PARALLEL in (ROLE / "README.md").read_text()
