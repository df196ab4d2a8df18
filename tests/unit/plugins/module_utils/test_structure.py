# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of plugins/: data flows one way, and every function and class stays readable in one sitting.

The arrow is options -> targets -> plan -> runner -> results. The files of module_utils stand in one line of
phases, lowest first (PHASES); a file may import only files of an earlier phase, never one of its own phase
or of a later one, so that no phase reaches back into a later one and there is no import cycle.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
PLUGINS = ROOT / "plugins"
PACKAGE = "ansible_collections.telphin.pbx.plugins.module_utils."

# The phases of module_utils, lowest first: a file imports only files of the phases before its own.
PHASES = (
    ("the ground: imports nothing of module_utils", ("budget", "concurrency", "errors", "extensions", "redact", "vars_yaml")),
    ("the API's words: the connection's options, HTTP, the field table", ("connection", "fields", "transport")),
    ("options -> targets and plans; the token", ("plan", "profiles", "targets", "tokens")),
    ("the client, and the shapes of what is read", ("client", "entries", "registrations", "report")),
    ("the files of a run: backups, the export; the event sources' events", ("backup", "events", "export")),
    ("the drivers: every run, every read, the event sources' polls", ("polling", "probe", "runner")),
    ("the results, and the watch the runner is handed", ("registration_watch", "results")),
    ("the modules' base", ("api_module",)),
)
PHASE_OF = {name: index for index, (_what, names) in enumerate(PHASES) for name in names}
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


def _upward_imports(path):
    """Each import of ``path`` that goes to a file of its own phase or of a later one, in words."""
    phase = PHASE_OF[path.stem]

    def said(name):
        return "phase %d, %s" % (PHASE_OF[name] + 1, PHASES[PHASE_OF[name]][0]) if name in PHASE_OF else "no phase"
    return ["%s (%s) imports %s (%s)" % (path.stem, said(path.stem), name, said(name))
            for name in sorted(_module_utils_imports(path)) if PHASE_OF.get(name, len(PHASES)) >= phase]


def test_the_phases_name_every_file_of_module_utils_once():
    files = sorted(p.stem for p in (PLUGINS / "module_utils").glob("*.py") if p.stem != "__init__")
    named = sorted(name for _what, names in PHASES for name in names)
    assert named == files, "PHASES must name each file of module_utils once: put a new file in its phase"


@pytest.mark.parametrize("path", [p for p in sorted((PLUGINS / "module_utils").glob("*.py")) if p.stem != "__init__"],
                         ids=lambda p: p.stem)
def test_module_utils_import_only_what_comes_before_them(path):
    assert path.stem in PHASE_OF, "a new file of module_utils: put it in its phase in PHASES"
    assert _upward_imports(path) == []


def test_an_upward_import_is_named(tmp_path):
    """The check itself can fail: a low file that imports a higher one is named, with both phases."""
    (tmp_path / "errors.py").write_text("from %sresults import warnings\n" % PACKAGE)
    assert _upward_imports(tmp_path / "errors.py") == [
        "errors (phase 1, the ground: imports nothing of module_utils) imports results (phase 7, the results, "
        "and the watch the runner is handed)"]


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
