# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's event sources and rulebooks under the real ansible-rulebook, against the simulator.

Each test starts ansible-rulebook (its rule engine on Java 17) with a rulebook of the collection and the
simulator's URL and credentials in the environment, as an EDA controller activation would; a stand-in for the
controller (controller_stub.py) takes the run_job_template launches and runs the collection's playbook for
them. Then the account changes in the simulator (an extension is added, a phone unregisters, a device
changes) and the test waits for the rulebook's action. Run by `make eda` (part of `make test`), which skips
it, saying so, where Java 17 is missing.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest
import yaml

from controller_stub import ControllerStub
from pbxsim import Simulator

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
COLLECTIONS = ROOT / ".build" / "collections"
APP = ("demo-app", "demo-secret")
PROFILES = {"phone_profiles": {"standard": {"record_enabled": True}},
            "phone_profile_assignments": [{"profile": "standard", "match": {"status": "active"}}]}


@pytest.fixture()
def sim():
    with Simulator() as running:
        yield running


def environment(sim, **extra):
    """What an activation gives the rulebook: the API's URL and credentials, the collection."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the collection as an activation has it
    return dict(environ, TELPHIN_API_URL=sim.url, TELPHIN_APP_ID=APP[0], TELPHIN_APP_SECRET=APP[1],
                ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_LOCALHOST_WARNING="false",
                EDA_JOB_TEMPLATE_REFRESH_DELAY="0.3", PATH="%s:%s" % (BIN, os.environ.get("PATH", "")), **extra)


class Rulebook:
    """``with Rulebook(sim, tmp_path, "telphin.pbx.onboarding", variables, controller):`` ansible-rulebook
    running it; ``output()`` what it printed so far (stdout and stderr)."""

    def __init__(self, sim, folder, rulebook, variables, controller=None):
        self.log = folder / "rulebook.log"
        (folder / "inventory.yml").write_text(yaml.safe_dump(
            {"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}}))
        (folder / "vars.yml").write_text(yaml.safe_dump(variables))
        args = [BIN / "ansible-rulebook", "--rulebook", rulebook, "--inventory", folder / "inventory.yml",
                "--vars", folder / "vars.yml", "--print-events", "-v"]
        if controller is not None:
            args += ["--controller-url", controller.url, "--controller-token", "stub-token"]
        self.args = [str(arg) for arg in args]
        self.env = environment(sim)
        self.proc = None

    def __enter__(self):
        self._out = self.log.open("w")
        self.proc = subprocess.Popen(self.args, cwd=self.log.parent, env=self.env, stdout=self._out,
                                     stderr=subprocess.STDOUT)
        return self

    def __exit__(self, *_exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()

    def output(self):
        return self.log.read_text()

    def wait_for(self, text, timeout=60):
        """Until ``text`` is in the output; the output. Fails, with the output, when it does not come."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return self.output()
            assert self.proc.poll() is None, "ansible-rulebook ended (%s):\n%s" % (self.proc.returncode, self.output())
            time.sleep(0.3)
        raise AssertionError("%r did not come within %d s:\n%s" % (text, timeout, self.output()[-6000:]))


def polls(sim, path_end):
    return [e for e in sim.log if e["method"] == "GET" and e["path"].endswith(path_end)]


def wait_for_polls(sim, path_end, count, timeout=60):
    deadline = time.monotonic() + timeout
    while len(polls(sim, path_end)) < count:
        assert time.monotonic() < deadline, "fewer than %d polls of %s within %d s" % (count, path_end, timeout)
        time.sleep(0.2)


def apply_playbook(sim, folder):
    """The job template of the apply playbook, as the controller runs it: with the profiles and the launch's
    extra variables."""
    (folder / "profiles.yml").write_text(yaml.safe_dump(PROFILES))

    def job(_name, extra_vars):
        variables = {k: v for k, v in extra_vars.items() if k != "ansible_eda"}
        proc = subprocess.run([str(BIN / "ansible-playbook"), "telphin.pbx.apply", "-e", "@profiles.yml",
                               "-e", json.dumps(variables)], cwd=folder, env=environment(sim, PWD=str(folder)),
                              capture_output=True, text=True, timeout=120, check=False)
        (folder / "job.log").write_text(proc.stdout + proc.stderr)
        return proc.returncode == 0
    return job


def test_a_new_phone_extension_gets_its_profile_through_the_onboarding_rulebook(sim, tmp_path):
    for ext in (1005, 1006):
        sim.set_phone(ext, {"record_enabled": False})
    with ControllerStub(["telphin.pbx apply"], apply_playbook(sim, tmp_path)) as controller, \
            Rulebook(sim, tmp_path, "telphin.pbx.onboarding", {"telphin_poll_interval": 1}, controller):
        wait_for_polls(sim, "/client/@me/extension/", 2)  # the baseline, then a poll that found nothing new
        added = sim.add_extension(number="777", label="New desk", phone={"record_enabled": False})
        launches = controller.wait_for(1, timeout=90)
    assert [launch["template"] for launch in launches] == ["telphin.pbx apply"], launches
    launch = launches[0]
    assert launch["extra_vars"]["phone_profiles_only_extensions"] == [added["id"]], launch
    assert launch["extra_vars"]["ansible_eda"]["event"]["type"] == "added"
    assert launch["status"] == "successful", (tmp_path / "job.log").read_text()
    # The new phone has its profile; the others were neither read nor written by that run.
    assert sim.phone(added["id"])["record_enabled"] is True
    assert [sim.phone(ext)["record_enabled"] for ext in (1005, 1006)] == [False, False]


def test_a_phone_that_stays_unregistered_raises_one_alert(sim, tmp_path):
    alerts = []  # 1001 is registered in the seed

    def alert(_name, extra_vars):
        alerts.append(extra_vars["ansible_eda"]["event"])
        return True
    variables = {"telphin_poll_interval": 1, "telphin_unregistered_for": 2, "telphin_watched_extensions": [1001]}
    with ControllerStub(["telphin.pbx phone alert"], alert) as controller, \
            Rulebook(sim, tmp_path, "telphin.pbx.registration_alert", variables, controller):
        wait_for_polls(sim, "/registration/", 2)
        sim.clear_registration(1001)
        launches = controller.wait_for(1, timeout=60)
        time.sleep(3)  # more polls: the phone is still unregistered, and the throttle keeps it to one alert
        assert len(controller.launches) == 1, controller.launches
    assert [launch["template"] for launch in launches] == ["telphin.pbx phone alert"]
    event = alerts[0]
    assert (event["type"], event["extension_id"]) == ("unregistered", 1001), event
    assert event["client_id"] and event["at"] and "demo-secret" not in json.dumps(event)


def test_every_kind_of_change_comes_as_its_event(sim, tmp_path):
    # The sources' events as a rulebook sees them, printed: a device that changes, a phone that registers,
    # an extension added, removed and changed.
    rulebook = tmp_path / "every_event.yml"
    rulebook.write_text(yaml.safe_dump([{
        "name": "Every event", "hosts": "all",
        "sources": [{"telphin.pbx.registrations": {"interval": 1, "extensions": [1002, 1005]}},
                    {"telphin.pbx.extensions": {"interval": 1}}],
        "rules": [{"name": "show", "condition": "event.type is defined",
                   "action": {"debug": {"msg": "EVENT {{ event.type }} {{ event.extension_id }}"}}}]}]))
    with Rulebook(sim, tmp_path, str(rulebook), {}) as running:
        wait_for_polls(sim, "/client/@me/extension/", 2)
        sim.set_registration(1002, device="Yealink SIP-T46U 108.86.0.50")  # a second handset on 1002
        sim.set_registration(1005, device="Yealink SIP-T54W 96.86.0.70")  # 1005 was offline
        added = sim.add_extension(number="778", label="Fax corner", type="fax")
        running.wait_for("EVENT device_changed 1002")
        running.wait_for("EVENT registered 1005")
        running.wait_for("EVENT added %d" % added["id"])
        sim.remove_extension(added["id"])
        running.wait_for("EVENT removed %d" % added["id"])
        output = running.output()
    assert "demo-secret" not in output and "Traceback" not in output, output[-4000:]
