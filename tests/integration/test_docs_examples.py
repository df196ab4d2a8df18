# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docs that run: every example of the modules and of the Markdown docs runs, as written, on the simulator.

What runs:

- each module's EXAMPLES (``plugins/modules/*.py``, the YAML of the ``EXAMPLES`` string): a list of tasks, run
  as the tasks of one play on ``localhost`` (``gather_facts: false``), or a list of plays, run as it is; one
  ansible-playbook run per module;
- each fenced ``yaml`` block of ``README.md``, ``roles/phone_profiles/README.md`` and ``docs/*.md`` that is a
  playbook or a task list (the same way), one ansible-playbook run per block.

Each runs in a folder of its own (some write reports, backups or exports there: relative paths are taken from
the folder ``ansible-playbook`` was started in), against the simulator reset to its demo seed
(``tests/simulator/README.md``), with the connection given only by the environment, as conftest's
``ansible_env`` sets it (``TELPHIN_API_URL``, ``TELPHIN_APP_ID``, ``TELPHIN_APP_SECRET``), and no
``--check``: an example that audits says so itself (``check_mode: true``). It fails on a non-zero exit, a
failed or unreachable host in the recap, or a play that matched no host; and before any run, on a runnable
example that names a path from ``/`` or ``~`` (it would write outside its folder).

Variables an example takes from a vault, an inventory or the controller are given as extra vars, and only to
an example that names them (``extra_vars``): ``vault_telphin_app_id`` / ``vault_telphin_app_secret`` and
``telphin_app_id`` / ``telphin_app_secret`` are the simulator's ``demo-app`` / ``demo-secret``;
``alert_webhook_url`` is a webhook of this test's that answers 200; ``ansible_eda`` holds an ``unregistered``
event as the registrations source makes it (a job template launched by a rulebook gets it so).

How a block is sorted (the fence's language, then its YAML):

- A block right after a comment ``<!-- not run: <reason> -->`` (only blank lines between), or a module's
  EXAMPLES whose first non-blank line is ``# not run: <reason>``, is not run: the test lists these with their reasons
  (printed), and fails on a marker without a reason or one that marks no block.
- ``yaml``/``yml``: a list of plays (mappings with ``hosts``, or ``import_playbook``; not rulebooks, which
  have ``sources`` or ``rules``) is a playbook; a list of tasks (mappings with a ``block``, or naming an action
  by its fully qualified name, as the docs write every one, or a builtin module by its short name beside
  nothing but task keywords) is a task list. Anything else is data: a mapping (a vars file, an inventory, a
  backup or an export file) or a list of neither plays nor tasks (a rulebook, an answer). Data is skipped
  and listed as such, not used: no runnable example reads a file that a data block shows (the one data block
  now, the inventory of docs/accounts.md, is used only by a shell command, itself not run). A list that mixes
  plays or tasks with other items, or YAML that does not parse, fails.
- ``json`` is data (an answer or an output). Any other language (``sh``, ``python``, none) cannot run as an
  Ansible example and must carry a not-run marker: a block without one fails the test.
"""

import ast
import json
import pathlib
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import ansible.modules
import pytest
import yaml
from ansible.playbook.task import Task

from conftest import ANSIBLE_PLAYBOOK, ROOT, ansible_env

MARKDOWN = [ROOT / "README.md", ROOT / "roles" / "phone_profiles" / "README.md",
            *sorted((ROOT / "docs").glob("*.md"))]
MODULES = sorted((ROOT / "plugins" / "modules").glob("*.py"))

# The simulator's demo application, for the variables an example takes from a vault or an inventory.
CREDENTIALS = {"vault_telphin_app_id": "demo-app", "vault_telphin_app_secret": "demo-secret",
               "telphin_app_id": "demo-app", "telphin_app_secret": "demo-secret"}
# What a rulebook's launch gives a job template (docs/event-driven.md, "The alert's job template").
EDA_EVENT = {"event": {"type": "unregistered", "client_id": 7000, "extension_id": 1012, "name": "000*111",
                       "label": "Reception", "at": "2026-12-06T06:00:00Z", "registered": False,
                       "devices": ["Yealink SIP-T46U 108.86.0.50"]}}

MARKER = re.compile(r"^\s*<!--\s*not run\b:?(?P<reason>.*?)-->\s*$")
EXAMPLE_MARKER = re.compile(r"^#\s*not run\b:?(?P<reason>.*)$")
FENCE = re.compile(r"^(?P<indent>[ ]*)(?P<fence>`{3,}|~{3,})(?P<lang>[^\s`]*)[^`]*$")
FQCN = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
TASK_KEYWORDS = set(Task.fattributes) | {"local_action"}
BUILTIN_MODULES = {path.stem for path in pathlib.Path(ansible.modules.__file__).parent.glob("*.py")} - {"__init__"}
RECAP_HOST = re.compile(r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=\d+\s+unreachable=(?P<unreachable>\d+)"
                        r"\s+failed=(?P<failed>\d+)", re.M)


class Block:
    """One example: where it is, its language and text, and its not-run marker (None: none; "" no reason)."""

    def __init__(self, where, lang, text, marker):
        self.where = where
        self.lang = lang
        self.text = text
        self.marker = marker

    @property
    def kind(self):
        """``not run``, ``playbook``, ``tasks``, ``data``, or why the block is none of them (``unsorted: ...``)."""
        if self.marker is not None:
            return "not run"
        if self.lang == "json":
            return "data"
        if self.lang not in ("yaml", "yml"):
            return "unsorted: a %s block without a not-run marker" % (self.lang or "plain")
        return sort_yaml(self.text)

    def __repr__(self):
        return self.where


class _AnyTagLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """The safe loader, reading a tagged node (``!unsafe``, ``!vault``) as the node it tags."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, _suffix, node: (
    loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode)
    else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
    else loader.construct_mapping(node)))


def is_play(item):
    return isinstance(item, dict) and not {"sources", "rules"} & set(item) and (
        "hosts" in item or bool({"import_playbook", "ansible.builtin.import_playbook"} & set(item)))


def is_task(item):
    """A mapping with a ``block``, an action by its fully qualified name, or a builtin module's short name
    beside nothing but task keywords."""
    if not isinstance(item, dict) or "hosts" in item:
        return False
    keys = {str(key) for key in item}
    if "block" in keys or any(FQCN.match(key) for key in keys):
        return True
    others = {key for key in keys if key not in TASK_KEYWORDS and not key.startswith("with_")}
    return len(others) == 1 and others <= BUILTIN_MODULES


def sort_yaml(text):
    try:
        data = yaml.load(text, Loader=_AnyTagLoader)  # nosec: the safe loader, tags read as plain nodes
    except yaml.YAMLError as exc:
        return "unsorted: YAML that does not parse (%s)" % str(exc).replace("\n", " ")
    if not isinstance(data, list) or not data:
        return "data"
    plays = [is_play(item) for item in data]
    tasks = [is_task(item) for item in data]
    if all(plays):
        return "playbook"
    if all(tasks):
        return "tasks"
    if not any(plays) and not any(tasks):
        return "data"
    return "unsorted: a list that mixes plays or tasks with other items"


def strings(data):
    """Every text of parsed YAML, keys included."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from strings(item)
    elif isinstance(data, str):
        yield data


def markdown_blocks(path):
    """The fenced blocks of a Markdown file, and the not-run markers that mark no block (their line numbers)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, used, index = [], set(), 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence = len(opening.group("indent")), opening.group("fence")
        end = index + 1
        while end < len(lines) and not re.match(r"^ *%s%s*\s*$" % (re.escape(fence), fence[0]), lines[end]):
            end += 1
        text = "\n".join(line[indent:] if line[:indent].strip() == "" else line.lstrip()
                         for line in lines[index + 1:end]) + "\n"
        before = index - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        found = MARKER.match(lines[before]) if before >= 0 else None
        if found:
            used.add(before)
        where = "%s:%d" % (path.relative_to(ROOT), index + 1)
        blocks.append(Block(where, opening.group("lang").lower(), text,
                            found.group("reason").strip() if found else None))
        index = end + 1
    stray = [number + 1 for number, line in enumerate(lines) if MARKER.match(line) and number not in used]
    return blocks, stray


def module_examples(path):
    """The EXAMPLES of a module, read from its source without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            text = node.value.value
            first = text.strip().splitlines()[0] if text.strip() else ""
            found = EXAMPLE_MARKER.match(first)
            return Block(str(path.relative_to(ROOT)), "yaml", text,
                         found.group("reason").strip() if found else None)
    raise AssertionError("%s has no EXAMPLES" % path)


def all_blocks():
    blocks, stray = [module_examples(path) for path in MODULES], {}
    for path in MARKDOWN:
        found, stray_lines = markdown_blocks(path)
        blocks.extend(found)
        if stray_lines:
            stray[str(path.relative_to(ROOT))] = stray_lines
    return blocks, stray


BLOCKS, STRAY_MARKERS = all_blocks()
RUNNABLE = [block for block in BLOCKS if block.kind in ("playbook", "tasks")]


@pytest.fixture(scope="module")
def webhook():
    """A chat webhook that answers 200 to a POST and keeps what was posted."""
    posted = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args):
            pass

        def do_POST(self):  # noqa: N802 - http.server's name
            posted.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/" % server.server_address[1], posted
    server.shutdown()
    server.server_close()


def playbook_text(block):
    """The playbook that runs ``block`` as written: itself, or its tasks as one play's on localhost."""
    if block.kind == "playbook":
        return block.text
    tasks = "".join("      " + line if line.strip() else "\n" for line in block.text.strip("\n").splitlines(True))
    return "- name: %s\n  hosts: localhost\n  gather_facts: false\n  tasks:\n%s\n" % (block.where, tasks)


def extra_vars(block, webhook_url):
    """The variables ``block`` takes from a vault, an inventory or a controller, and names."""
    given = dict(CREDENTIALS, alert_webhook_url=webhook_url, ansible_eda=EDA_EVENT)
    return {name: value for name, value in given.items() if re.search(r"\b%s\b" % name, block.text)}


def check_run(output, rc):
    """Why a run failed (empty: it did not): exit code, failed or unreachable hosts, plays with no host."""
    problems = []
    if rc != 0:
        problems.append("ansible-playbook exited %d" % rc)
    hosts = list(RECAP_HOST.finditer(output))
    if not hosts:
        problems.append("no PLAY RECAP with a host")
    for host in hosts:
        if int(host.group("failed")) or int(host.group("unreachable")) or not int(host.group("ok")):
            problems.append("recap: " + host.group(0))
    if "skipping: no hosts matched" in output:
        problems.append("a play matched no host")
    return problems


def run_example(sim, folder, block, webhook_url):
    (folder / "playbook.yml").write_text(playbook_text(block), encoding="utf-8")
    args = [ANSIBLE_PLAYBOOK, "playbook.yml"]
    given = extra_vars(block, webhook_url)
    if given:
        (folder / "given-vars.json").write_text(json.dumps(given), encoding="utf-8")
        args += ["-e", "@given-vars.json"]
    environ = ansible_env(sim, ("demo-app", "demo-secret"), {"PWD": str(folder)})
    proc = subprocess.run(args, cwd=folder, env=environ, capture_output=True, text=True, timeout=300,
                          check=False)
    return proc.stdout + proc.stderr, proc.returncode


class TestEveryBlockIsSorted:
    """Every block runs, is data, or carries a not-run marker that says why; no marker is left over."""

    def test_each_block_is_a_playbook_tasks_data_or_marked(self):
        unsorted = ["%s: %s" % (block.where, block.kind) for block in BLOCKS if block.kind.startswith("unsorted")]
        assert not unsorted, "\n".join(unsorted)
        assert not STRAY_MARKERS, "not-run markers followed by no block (file: lines): %s" % STRAY_MARKERS
        # Every module has its examples, and the Markdown files were read (a broken fence finder runs nothing).
        assert [b for b in BLOCKS if b.where.startswith("plugins/")] and len(RUNNABLE) >= len(MODULES) + 4

    def test_runnable_examples_write_only_in_their_folder(self):
        # A path from / or ~ would write outside the example's folder (and outside the test's) when run.
        outside = ["%s: %s" % (block.where, text) for block in RUNNABLE
                   for text in strings(yaml.load(block.text, Loader=_AnyTagLoader))  # nosec: safe loader
                   if re.match(r"^(/|~)", text)]
        assert not outside, "absolute paths in runnable examples: %s" % outside

    def test_not_run_blocks_are_listed_with_their_reasons(self):
        not_run = [block for block in BLOCKS if block.kind == "not run"]
        data = [block for block in BLOCKS if block.kind == "data"]
        print("\n%d blocks run, %d data (not run), %d marked not run:" % (len(RUNNABLE), len(data), len(not_run)))
        for block in not_run:
            print("  not run  %-40s %s" % (block.where, block.marker or "(NO REASON)"))
        for block in data:
            print("  data     %s" % block.where)
        without_reason = [block.where for block in not_run if not block.marker]
        assert not without_reason, "not-run markers without a reason: %s" % without_reason


def check_example(sim, folder, block, webhook):
    url, posted = webhook
    posted.clear()
    output, rc = run_example(sim, folder, block, url)
    problems = check_run(output, rc)
    if "alert_webhook_url" in extra_vars(block, url) and not posted:
        problems.append("nothing was posted to alert_webhook_url")
    assert not problems, "%s: %s\n--- playbook\n%s\n--- output\n%s" % (
        block.where, "; ".join(problems), playbook_text(block), output[-6000:])


MODULE_RUNS = [block for block in RUNNABLE if block.where.startswith("plugins/")]
MARKDOWN_RUNS = [block for block in RUNNABLE if block not in MODULE_RUNS]


# Two classes, so that pytest-xdist's --dist loadscope may give them to two workers.
class TestModuleExamplesRun:
    """Each module's EXAMPLES, as written, against the simulator reset to its seed, in a folder of its own."""

    @pytest.mark.parametrize("block", MODULE_RUNS, ids=[block.where for block in MODULE_RUNS])
    def test_examples_run(self, sim, tmp_path, webhook, block):
        check_example(sim, tmp_path, block, webhook)


class TestMarkdownExamplesRun:
    """Each playbook or task list of the Markdown docs, as written, against the simulator reset to its seed."""

    @pytest.mark.parametrize("block", MARKDOWN_RUNS, ids=[block.where for block in MARKDOWN_RUNS])
    def test_example_runs(self, sim, tmp_path, webhook, block):
        check_example(sim, tmp_path, block, webhook)
