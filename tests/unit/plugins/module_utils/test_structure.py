# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of plugins/: data flows one way, and every function and class stays readable in one sitting.

The README's arrow is options -> targets -> plan -> writes -> report. A module of module_utils may import
only what comes before it on that arrow (or beside it, among the client's parts), so that no phase reaches
back into a later one.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
PLUGINS = ROOT / "plugins"
PACKAGE = "ansible_collections.telphin.pbx.plugins.module_utils."

# What each file of module_utils may import from module_utils.
ALLOWED = {
    "redact": set(),
    "errors": set(),
    "connection": {"redact"},
    "transport": {"errors"},
    "tokens": {"connection", "errors"},
    "client": {"connection", "errors", "redact", "tokens", "transport"},
    "fields": {"redact"},
    "extensions": set(),
    "targets": {"extensions", "fields"},
    "plan": {"fields"},
    "runner": {"errors", "extensions", "plan", "profiles", "targets"},
    "results": {"fields", "plan", "profiles", "runner", "targets"},
    "profiles": {"extensions", "fields"},
    "registrations": {"errors", "extensions", "runner", "targets"},
    "vars_yaml": set(),
    "report": set(),
    "export": {"fields", "plan", "report", "vars_yaml"},
    "backup": {"errors", "fields", "results", "runner", "targets", "vars_yaml"},
    "registration_watch": {"registrations"},
    "api_module": {"backup", "client", "connection", "errors", "fields", "redact", "registration_watch", "results",
                   "runner", "transport"},
    "probe": {"client", "errors", "extensions", "fields"},
}
MAX_FUNCTION_LINES = 80
MAX_CLASS_LINES = 250


def _module_utils_imports(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE[:-1]):
            if node.module == PACKAGE[:-1]:
                names.update(alias.name for alias in node.names)
            else:
                names.add(node.module[len(PACKAGE):])
    return names


@pytest.mark.parametrize("path", sorted((PLUGINS / "module_utils").glob("*.py")), ids=lambda p: p.stem)
def test_module_utils_import_only_what_comes_before_them(path):
    if path.stem == "__init__":
        return
    assert path.stem in ALLOWED, "a new file of module_utils: say what it may import in ALLOWED"
    assert _module_utils_imports(path) <= ALLOWED[path.stem], _module_utils_imports(path) - ALLOWED[path.stem]


@pytest.mark.parametrize("path", sorted(PLUGINS.rglob("*.py")), ids=lambda p: str(p.relative_to(PLUGINS)))
def test_no_function_or_class_is_too_long_to_read_in_one_sitting(path):
    long_ones = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
            if node.end_lineno - node.lineno + 1 > limit:
                long_ones.append("%s: %d lines" % (node.name, node.end_lineno - node.lineno + 1))
    assert long_ones == []


@pytest.mark.parametrize("path", sorted((PLUGINS / "modules").glob("*.py")), ids=lambda p: p.stem)
def test_modules_only_parse_options_run_and_report(path):
    """A module talks to module_utils only: no HTTP, no threads, no AnsibleModule of its own."""
    source = path.read_text()
    for name in ("import requests", "AnsibleModule(", "threading", "fail_json", "exit_json"):
        assert name not in source, name
