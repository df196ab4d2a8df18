# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests: ansible-playbook runs the collection's modules against the simulator over HTTP.

Each test gets the simulator reset to its seed, runs one task through a real ansible-playbook process
and reads what the task returned and what the simulator received (its request log).
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest
import requests
import yaml

from pbxsim import Simulator

ROOT = pathlib.Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = str(pathlib.Path(sys.executable).parent / "ansible-playbook")
SECRETS = ["demo-secret", "callapi-secret"]  # app secrets of the seed; tokens are added per run


@pytest.fixture(scope="session")
def simulator():
    with Simulator(rate_limit=100000) as sim:
        yield sim


@pytest.fixture
def sim(simulator):
    simulator.reset()
    yield simulator


class Run:
    """What one ansible-playbook run showed: the task's result, the whole output and the exit code."""

    def __init__(self, result, output, rc):
        self.result = result
        self.output = output
        self.rc = rc

    def __repr__(self):
        return "Run(rc=%s, result=%s)\n%s" % (self.rc, json.dumps(self.result, indent=1)[:3000], self.output[-3000:])


def ansible_env(sim, app, env):
    environ = dict(os.environ)
    environ.update(
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_DEPRECATION_WARNINGS="false",
        TELPHIN_API_URL=sim.url, TELPHIN_APP_ID=app[0], TELPHIN_APP_SECRET=app[1],
    )
    environ.update(env or {})
    return environ


def run_playbook(path, environ, check, diff, verbosity):
    args = [ANSIBLE_PLAYBOOK, str(path)]
    if check:
        args.append("--check")
    if diff:
        args.append("--diff")
    if verbosity:
        args.append("-" + "v" * verbosity)
    proc = subprocess.run(args, env=environ, capture_output=True, text=True, timeout=300, check=False)
    return proc.stdout + proc.stderr, proc.returncode


def run_tasks(sim, folder, tasks, check=False, diff=False, verbosity=0, env=None, app=("demo-app", "demo-secret")):
    """Run ``tasks`` in one playbook on localhost against ``sim``: (every task's result, output, exit code).

    Each task is registered and may fail (ignore_errors); the results are saved as the play ends, so a
    table of cases costs one ansible-playbook start-up.
    """
    out = folder / "results.json"
    out.unlink(missing_ok=True)
    steps = [dict(task, name=task.get("name", "case %d" % index), register="case_%d" % index,
                  ignore_errors=True) for index, task in enumerate(tasks)]
    path = folder / "playbook.yml"
    path.write_text(yaml.safe_dump([{"hosts": "localhost", "connection": "local", "gather_facts": False,
                                     "tasks": steps}], sort_keys=False))
    # The results are saved by a callback of the tests' own (callback_plugins/save_results.py).
    saving = dict(ANSIBLE_CALLBACK_PLUGINS=str(pathlib.Path(__file__).parent / "callback_plugins"),
                  ANSIBLE_CALLBACKS_ENABLED="save_results", SAVE_RESULTS_FILE=str(out))
    output, rc = run_playbook(path, ansible_env(sim, app, dict(saving, **(env or {}))), check, diff, verbosity)
    if not out.exists():
        return None, output, rc
    saved = json.loads(out.read_text())
    return [saved.get("case_%d" % index) for index in range(len(tasks))], output, rc


@pytest.fixture
def play(sim, tmp_path):
    """play(task, check=False, diff=False, verbosity=0, env=None, app=...) -> Run of one task on localhost."""

    def run(task, **options):
        results, output, rc = run_tasks(sim, tmp_path, [task], **options)
        return Run(results[0] if results else None, output, rc)

    return run


@pytest.fixture
def play_tasks(sim, tmp_path):
    """play_tasks([task, ...], check=False, ...) -> Run whose result is the list of every task's result."""

    def run(tasks, **options):
        return Run(*run_tasks(sim, tmp_path, tasks, **options))

    return run


@pytest.fixture
def play_role(sim, tmp_path):
    """play_role(role, role_vars, check=False, verbosity=0) -> Run (no result; the output and exit code)."""

    def run(role, role_vars, check=False, verbosity=0, env=None, app=("demo-app", "demo-secret")):
        playbook = [{"hosts": "localhost", "connection": "local", "gather_facts": False,
                     "roles": [dict(role=role, **role_vars)]}]
        path = tmp_path / "role-playbook.yml"
        path.write_text(yaml.safe_dump(playbook, sort_keys=False))
        output, rc = run_playbook(path, ansible_env(sim, app, env), check, False, verbosity)
        return Run(None, output, rc)

    return run


def issue_token(sim, app=("demo-app", "demo-secret")):
    """A token obtained outside the task, for tests that pass access_token."""
    answer = requests.post(sim.url + "/oauth/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": app[0], "client_secret": app[1]})
    return answer.json()["access_token"]


def api_requests(sim, method=None):
    """The API requests the simulator received (token requests excluded unless method='POST')."""
    return [entry for entry in sim.log
            if (method is None or entry["method"] == method)
            and (method == "POST" or entry["path"].startswith("/api/"))]


def read_vars_file(text):
    """A file the collection writes as Ansible variables (texts tagged ``!unsafe``), read as the README says."""

    class Loader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
        pass

    Loader.add_constructor("!unsafe", Loader.construct_scalar)
    return yaml.load(text, Loader=Loader)  # nosec: a SafeLoader with one more tag
