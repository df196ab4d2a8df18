# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event sources of extensions/eda/plugins/event_source/ as ansible-rulebook runs them: ``main(queue, args)``
over the collection's real client, whose HTTP is the ``responses`` fake and whose sleeps are fake; the wait between
polls is replaced by a gate the test opens, one poll at a time.

Arguments refused before any request, polls that put the expected events, the bulk read of the registrations, a
partial poll, a failed poll as an error event, the back-off after a quota 429, the budget's warning at start, a
clean stop on cancellation, and no secret in any event or log line. How events are made from polls is tested in
tests/unit/plugins/module_utils/test_events.py.
"""

import asyncio
import json
import logging
import os
import pathlib
import subprocess
import sys
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import urllib3

from ansible_collections.telphin.pbx.extensions.eda.plugins.event_source import extensions as extensions_source
from ansible_collections.telphin.pbx.extensions.eda.plugins.event_source import registrations as registrations_source
from ansible_collections.telphin.pbx.plugins.module_utils.client import ApiClient
from ansible_collections.telphin.pbx.tests.unit.plugins.module_utils.api_fakes import (
    API, APP_ID, BASE, SECRET, WALL, token_sequence, tok)

ARGS = dict(api_url=BASE, app_id=APP_ID, app_secret=SECRET, max_retries=0)
CLIENT_ID = 77
LIMITS = {"X-RateLimit-Limit": "10000", "X-RateLimit-Remaining": "9000", "X-RateLimit-Reset": "1800"}


def phone(ext_id, **fields):
    return dict({"id": ext_id, "name": "000*%d" % (ext_id - 1000), "label": "Desk %d" % ext_id, "type": "phone",
                 "status": "active", "extension_group_id": 5, "client_id": CLIENT_ID}, **fields)


def reginfo(ext_id, registered, *devices, port=5060):
    return {"extension_id": ext_id, "registered": registered, "registrations": [
        {"device": device, "real_address": "sip:203.0.113.7:%d" % port, "contact_address": None, "expires": 300,
         "registration_id": "uloc-%d" % port} for device in devices]}


class FakeApi:
    """The account as the fake HTTP serves it; a test changes ``listing``, ``registrations`` and ``answers``
    (``{path: (status, body, headers)}`` served in place of the account's) between polls."""

    def __init__(self, rsps, listing, registrations=None, bulk=True, headers=None):
        self.listing, self.registrations, self.bulk = listing, registrations or {}, bulk
        self.headers = dict(LIMITS if headers is None else headers)
        self.answers = {}
        token_sequence(rsps)
        rsps.add_callback(responses.GET, API + "/user/", callback=self._user)
        rsps.add_callback(responses.GET, API + "/client/@me/extension/", callback=self._listing)
        for path in ("/extension/registration/", "/client/@me/registration/"):
            rsps.add_callback(responses.GET, API + path, callback=self._bulk)
        for ext_id in range(1001, 1010):
            rsps.add_callback(responses.GET, API + "/extension/%d/registration/" % ext_id, callback=self._one)
        self.rsps = rsps

    def _answer(self, request, body):
        path = urlsplit(request.url).path[len(urlsplit(API).path):]
        status, body, headers = self.answers.get(path, (200, body, {}))
        text = body if isinstance(body, str) else json.dumps(body)
        return status, dict(self.headers, **headers), text

    def _user(self, request):
        return self._answer(request, {"id": 1, "login": "admin", "client_id": CLIENT_ID})

    def _listing(self, request):
        page = int(parse_qs(urlsplit(request.url).query).get("page", ["1"])[0])
        return self._answer(request, self.listing if page == 1 else [])

    def _bulk(self, request):
        if not self.bulk:
            return 404, dict(self.headers), '{"message": "Not found"}'
        page = int(parse_qs(urlsplit(request.url).query).get("page", ["1"])[0])
        return self._answer(request, list(self.registrations.values()) if page == 1 else [])

    def _one(self, request):
        ext_id = int(urlsplit(request.url).path.split("/")[-3])
        return self._answer(request, self.registrations.get(ext_id, reginfo(ext_id, False)))

    def paths(self):
        return [urlsplit(call.request.url).path[len(urlsplit(BASE).path):] for call in self.rsps.calls]


class Run:
    """One source's ``main()`` as a task, a poll at a time: ``poll()`` lets the next one go and returns its
    events; the waits it asked for are in ``delays``, and its clock moves by each of them."""

    def __init__(self, source, args, monkeypatch, ft):
        self.source, self.args, self.delays, self.clients, self.now = source, args, [], 0, WALL
        self.queue, self.gate, self.task = asyncio.Queue(), asyncio.Queue(), None

        def new_client(connection):
            self.clients += 1
            return ApiClient(connection, pool_size=4, sleep=ft.sleep, clock=ft.clock, rng=ft.rng,
                             wallclock=ft.wallclock)

        async def pause(seconds):
            self.delays.append(seconds)
            await self.gate.get()
            self.now += seconds

        monkeypatch.setattr(source, "new_client", new_client)
        monkeypatch.setattr(source, "pause", pause)
        monkeypatch.setattr(source, "clock", lambda: self.now)

    async def poll(self):
        """Start main() or let its next poll go; the events that poll put, once it waits again."""
        waited = len(self.delays)
        if self.task is None:
            self.task = asyncio.create_task(self.source.main(self.queue, dict(self.args)))
        else:
            self.gate.put_nowait(None)
        for _tick in range(1000):
            if len(self.delays) > waited or self.task.done():
                break
            await asyncio.sleep(0.01)
        if self.task.done():
            self.task.result()  # raises what stopped it
        sent = []
        while not self.queue.empty():
            sent.append(self.queue.get_nowait())
        return sent

    async def stop(self):
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task
        assert self.task.cancelled()


def drive(source, args, monkeypatch, ft, steps):
    """Run ``source`` for ``len(steps) + 1`` polls: ``steps[n]()`` changes the account after poll n. The events of
    each poll, and the run."""
    run = Run(source, args, monkeypatch, ft)

    async def polls():
        sent = [await run.poll()]
        for step in steps:
            step()
            sent.append(await run.poll())
        await run.stop()
        return sent
    return asyncio.run(polls()), run


def kinds(events):
    return [(event["type"], event["extension_id"]) for event in events]


# ---- the arguments ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [registrations_source, extensions_source], ids=lambda s: s.NAME)
@pytest.mark.parametrize("args, message", [
    (dict(ARGS, interval=0), "interval: must be at least 1 second"),
    (dict(ARGS, api_url="https://apiproxy.telphin.ru/api/ver1.0"), "api_url: give the scheme and host only"),
    (dict(api_url=BASE), "no API credentials"),
    (dict(ARGS, polling=5), "unknown argument polling"),
])
def test_bad_arguments_are_refused_before_any_request_naming_the_argument(source, args, message, rsps, ft,
                                                                          monkeypatch):
    for name in ("TELPHIN_APP_ID", "TELPHIN_APP_SECRET", "TELPHIN_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    run = Run(source, args, monkeypatch, ft)
    with pytest.raises(ValueError) as raised:
        asyncio.run(source.main(asyncio.Queue(), args))
    assert message in str(raised.value) and str(raised.value).startswith(source.NAME + ": ")
    assert SECRET not in str(raised.value)
    assert len(rsps.calls) == 0 and run.clients == 0


# ---- polls and their events ------------------------------------------------------------------------------

def test_two_polls_of_the_registrations_put_the_changes_read_in_blocks(rsps, ft, monkeypatch, caplog):
    api = FakeApi(rsps, [phone(1001), phone(1002), phone(1003)], {
        1001: reginfo(1001, True, "Yealink SIP-T46U 108.86.0.50"), 1002: reginfo(1002, False),
        1003: reginfo(1003, True, "MicroSIP/3.21.3")})

    def change():
        api.registrations.update({1001: reginfo(1001, True, "Yealink SIP-T46U 108.86.0.50", port=61001),
                                  1002: reginfo(1002, True, "Zoiper rv2.10.19.5"), 1003: reginfo(1003, False)})
    caplog.set_level(logging.DEBUG)
    sent, run = drive(registrations_source, ARGS, monkeypatch, ft, [change])
    assert sent[0] == []
    assert kinds(sent[1]) == [("registered", 1002), ("unregistered", 1003)]
    assert {key: sent[1][0][key] for key in ("client_id", "name", "label", "devices")} == {
        "client_id": CLIENT_ID, "name": "000*2", "label": "Desk 1002", "devices": ["Zoiper rv2.10.19.5"]}
    assert sent[1][1]["devices"] == ["MicroSIP/3.21.3"]
    assert api.paths().count("/api/ver1.0/user/") == 1  # the account's client id, read once
    assert api.paths().count("/api/ver1.0/extension/registration/") == 2  # one block a poll, no GET each
    assert not any("/extension/100" in path for path in api.paths())
    assert run.delays[0] == 300 and run.clients == 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    _no_secret(sent, caplog)


def test_a_bulk_read_missing_at_one_poll_is_tried_again_at_the_next(rsps, ft, monkeypatch):
    # A gateway answered 404 for the bulk paths once: the next poll reads in blocks again, not a GET per phone.
    api = FakeApi(rsps, [phone(1001), phone(1002), phone(1003)],
                  {ext: reginfo(ext, ext == 1001, "A") for ext in (1001, 1002, 1003)}, bulk=False)

    def bulk_back():
        api.bulk = True
        api.rsps.calls.reset()
    drive(registrations_source, ARGS, monkeypatch, ft, [bulk_back])
    assert api.paths().count("/api/ver1.0/extension/registration/") == 1
    assert not any("/extension/100" in path for path in api.paths())


def test_a_partial_poll_sends_an_error_and_nothing_for_the_phone_it_could_not_read(rsps, ft, monkeypatch):
    api = FakeApi(rsps, [phone(1001), phone(1002)], {1001: reginfo(1001, True, "A"), 1002: reginfo(1002, True, "B")},
                  bulk=False)

    def refuse_one_and_change_both():
        api.registrations.update({1001: reginfo(1001, False), 1002: reginfo(1002, False)})
        api.answers["/extension/1001/registration/"] = (200, "<html><body>Gateway</body></html>", {})

    def answer_again():
        del api.answers["/extension/1001/registration/"]
    sent, _run = drive(registrations_source, ARGS, monkeypatch, ft, [refuse_one_and_change_both, answer_again])
    assert kinds(sent[1]) == [("unregistered", 1002), ("error", None)]
    assert sent[1][1]["message"] == (
        "1 of 2 extensions could not be read, so their changes wait for a poll that reads them: 1001: GET "
        "/api/ver1.0/extension/1001/registration/: HTTP 200: the answer is not valid JSON: "
        "<html><body>Gateway</body></html>")
    assert kinds(sent[2]) == [("unregistered", 1001)]


def test_two_polls_of_the_extension_listing_put_added_removed_and_changed(rsps, ft, monkeypatch):
    api = FakeApi(rsps, [phone(1001), phone(1002), phone(1003, type="queue")])

    def change():  # the queue's changes are no event under type: phone
        api.listing = [phone(1001, status="blocked"), phone(1003, type="queue", status="blocked"), phone(1004)]
    sent, _run = drive(extensions_source, dict(ARGS, interval=600, type="phone"), monkeypatch, ft, [change])
    assert sent[0] == []
    assert kinds(sent[1]) == [("changed", 1001), ("added", 1004), ("removed", 1002)]
    assert sent[1][0]["fields"] == ["status"] and sent[1][0]["after"]["status"] == "blocked"
    assert not any("registration" in path for path in api.paths())


def test_emit_initial_sends_the_state_at_the_first_poll(rsps, ft, monkeypatch):
    FakeApi(rsps, [phone(1001), phone(1002)], {1001: reginfo(1001, True, "A"), 1002: reginfo(1002, False)})
    sent, _run = drive(registrations_source, dict(ARGS, emit_initial=True, extensions=["000*1"]), monkeypatch, ft, [])
    assert [(e["type"], e["extension_id"], e["initial"]) for e in sent[0]] == [("registered", 1001, True)]


# ---- failures, the budget --------------------------------------------------------------------------------

def test_a_failed_poll_is_an_error_event_and_the_next_poll_goes_on(rsps, ft, monkeypatch, caplog):
    api = FakeApi(rsps, [phone(1001)], {1001: reginfo(1001, True, "A")})

    def fail():
        api.answers["/client/@me/extension/"] = (200, "<html>maintenance</html>", {})

    def recover_and_change():
        del api.answers["/client/@me/extension/"]
        api.registrations[1001] = reginfo(1001, False)
    sent, run = drive(registrations_source, ARGS, monkeypatch, ft, [fail, recover_and_change])
    assert kinds(sent[1]) == [("error", None)]
    assert sent[1][0]["message"] == ("GET /api/ver1.0/client/@me/extension/: HTTP 200: the answer is not valid "
                                     "JSON: <html>maintenance</html>")
    assert run.clients == 1
    assert kinds(sent[2]) == [("unregistered", 1001)]
    assert "the answer is not valid JSON" in caplog.text
    _no_secret(sent, caplog)


def test_an_unreachable_api_is_an_error_event_and_the_next_poll_has_a_new_client(rsps, ft, monkeypatch):
    api = FakeApi(rsps, [phone(1001)])
    rsps.remove(responses.GET, API + "/user/")
    refused = requests.exceptions.ConnectionError(urllib3.exceptions.NewConnectionError(None, "Connection refused"))
    rsps.add(responses.GET, API + "/user/", body=refused)

    def reachable():
        rsps.remove(responses.GET, API + "/user/")
        rsps.add_callback(responses.GET, API + "/user/", callback=api._user)
    sent, run = drive(extensions_source, ARGS, monkeypatch, ft, [reachable, lambda: None])
    assert kinds(sent[0]) == [("error", None)] and "Connection refused" in sent[0][0]["message"]
    assert "the task stops" in sent[0][0]["message"]  # the client's words for an outage: it sends no more
    assert sent[1] == sent[2] == [] and run.clients == 2  # the second poll had a client of its own


def test_a_quota_429_backs_off_until_the_budget_resets(rsps, ft, monkeypatch):
    api = FakeApi(rsps, [phone(1001)])

    def quota():
        api.answers["/client/@me/extension/"] = (429, {"status": "rate_limit_exceeded", "message": "Too many"},
                                                 {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800"})

    def reset():  # a new window: its reset is an hour away
        del api.answers["/client/@me/extension/"]
        api.headers.update({"X-RateLimit-Remaining": "9999", "X-RateLimit-Reset": "3600"})
        api.listing = [phone(1001), phone(1002)]
    sent, run = drive(extensions_source, dict(ARGS, interval=60), monkeypatch, ft, [quota, reset])
    assert kinds(sent[1]) == [("error", None)] and "rate limit exceeded" in sent[1][0]["message"]
    assert run.delays == [60, 1800, 60]
    assert kinds(sent[2]) == [("added", 1002)]


def test_a_poll_rate_beyond_half_the_hourly_limit_is_warned_of_at_start(rsps, ft, monkeypatch, caplog):
    FakeApi(rsps, [phone(1001)], headers={"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "90",
                                          "X-RateLimit-Reset": "3000"})
    _sent, _run = drive(extensions_source, dict(ARGS, interval=60), monkeypatch, ft, [lambda: None])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["telphin.pbx.extensions: a poll sends 2 requests: every 60 s that is 120 requests an hour, "
                        "120% of the API's hourly limit of 100 (X-RateLimit-Limit), which the account's modules and "
                        "other applications share: raise interval, or select fewer extensions"]


def test_a_poll_that_does_not_fit_above_the_reserve_is_not_sent(rsps, ft, monkeypatch):
    api = FakeApi(rsps, [phone(1001)], headers={"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "101",
                                                "X-RateLimit-Reset": "2400"})
    sent, run = drive(extensions_source, dict(ARGS, interval=60), monkeypatch, ft, [lambda: None])
    assert sent[0] == [] and kinds(sent[1]) == [("error", None)]
    assert sent[1][0]["message"].startswith(
        "the requests of a poll of the extension listing need 2 requests, but 101 remain of the API's hourly budget "
        "of 1000, less a reserve of 100 (rate_limit_reserve 10%) kept for the account's other applications: 1 may "
        "be spent")
    assert len([p for p in api.paths() if p.endswith("/client/@me/extension/")]) == 2  # the first poll's only
    assert run.delays == [60, 2340]  # until the reset the first poll was told of


# ---- stopping --------------------------------------------------------------------------------------------

def test_cancelled_while_a_poll_waits_on_the_api_it_stops_at_once(ft, monkeypatch):
    started, release = threading.Event(), threading.Event()

    def blocked_read(client, options, watch, at):
        started.set()
        release.wait(10)
        raise AssertionError("never reached by the test")

    monkeypatch.setattr(registrations_source, "read", blocked_read)
    monkeypatch.setattr(registrations_source, "new_client", lambda connection: object())

    async def scenario():
        task = asyncio.create_task(registrations_source.main(asyncio.Queue(), dict(ARGS)))
        for _tick in range(500):
            if started.is_set():
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 2)  # at once: the loop was never blocked by the read
        release.set()  # the read's thread ends when its request does; asyncio.run waits for it
        return task.cancelled()
    try:
        assert asyncio.run(scenario())
    finally:
        release.set()


def test_ansible_rulebook_can_load_each_source_by_its_path_alone(tmp_path):
    """ansible-rulebook runs a source with runpy.run_path, from the installed collection (here, the folder the
    tests import it from), with no collection on sys.path: the file makes the collection importable itself."""
    folder = pathlib.Path(registrations_source.__file__).parent
    script = ("import asyncio, runpy, sys\n"
              "for name in sys.argv[1:]:\n"
              "    module = runpy.run_path(name)\n"
              "    assert asyncio.iscoroutinefunction(module['main']), name\n"
              "    print(module['NAME'])\n")
    env = {key: value for key, value in os.environ.items() if key != "ANSIBLE_COLLECTIONS_PATH"}
    env["PYTHONPATH"] = os.pathsep.join(  # ansible-core's, where it comes from there, but no collections
        path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if path and not os.path.isdir(os.path.join(path, "ansible_collections")))
    paths = [str(folder / name) for name in ("registrations.py", "extensions.py")]
    done = subprocess.run([sys.executable, "-c", script] + paths, cwd=str(tmp_path), env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["telphin.pbx.registrations", "telphin.pbx.extensions"]


def _no_secret(sent, caplog):
    text = json.dumps(sent) + caplog.text
    for secret in (SECRET, tok(1), tok(2)):
        assert secret not in text
