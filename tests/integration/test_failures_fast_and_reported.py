# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tried as a new user would (issue 9): failures that every request meets stop the task in seconds, a write
whose answer is lost is read back, one extension is never written twice, and input that could only be a
mistake is refused before any request."""

import time

import pytest

from conftest import api_requests

PHONES = list(range(1001, 1033))


def task(**options):
    return {"telphin.pbx.phone_properties": options}


def phone_gets(sim):
    return [e for e in api_requests(sim, "GET") if e["path"].endswith("/phone/")]


def test_an_unreachable_api_fails_every_extension_in_seconds_saying_why_once(sim, play):
    started = time.monotonic()
    run = play(task(extensions=[{"extension_id": ext} for ext in PHONES[:20]], record_enabled=True),
               env={"TELPHIN_API_URL": "http://127.0.0.1:1"})
    seconds = time.monotonic() - started
    result = run.result
    assert result["failed"] is True and seconds < 30, (seconds, run)
    assert result["stats"]["failed"] == 20 and result["stats"]["requests"]["POST"] == 5  # one retry cycle
    msg = result["msg"]
    assert msg.startswith("20 of 20 extensions failed; the task stopped after an error that every request "
                          "would meet: POST /oauth/token: no answer: connection error:"), msg
    assert msg.count("connection error") <= 2 and len(msg) < 3000  # the reason once, not 20 times
    assert "and 0 more" not in msg


def token_requests(sim):
    return [e for e in sim.log if e["path"] == "/oauth/token"]


def test_a_server_slower_than_the_timeout_is_given_up_on_after_one_retry_cycle(sim, play):
    sim.set_faults({"latency_ms": 1500})
    started = time.monotonic()
    run = play(task(extensions=[{"extension_id": ext} for ext in PHONES[:10]], record_enabled=True,
                    timeout=1, max_retries=2))
    seconds = time.monotonic() - started
    assert run.result["failed"] is True and run.result["stats"]["failed"] == 10, run
    # The simulator logs a request when it has answered: the last one, given up on after 1 s, is logged
    # up to 0.5 s after the task ended.
    deadline = time.monotonic() + 3
    while len(token_requests(sim)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(token_requests(sim)) == 3, token_requests(sim)
    assert "timed out: no answer within 1 s" in run.result["msg"]
    assert seconds < 30, seconds


def test_a_storm_of_503_stops_the_task_instead_of_retrying_every_extension(sim, play):
    sim.set_faults({"fail_ratio": {"ratio": 1.0, "status": 503, "message": "Service unavailable",
                                   "match": {"path_regex": "/phone/"}}})
    run = play(task(extensions=[{"extension_id": ext} for ext in PHONES], record_enabled=True, parallel=4,
                    max_retries=2))
    assert run.result["failed"] is True and run.result["stats"]["failed"] == 32, run
    assert len(phone_gets(sim)) <= 4 * 3 + 3, len(phone_gets(sim))  # was 5 per extension: 160
    assert "the API seems unreachable or failing for every request" in run.result["msg"]


def test_writes_whose_answers_are_lost_are_read_back_and_reported_as_done(sim, play):
    sim.set_faults({"drop": {"count": None, "after": True, "match": {"method": "PUT"}}})
    run = play(task(extensions=[{"extension_id": 1006}, {"extension_id": 1028}, {"extension_id": 1030}],
                    record_enabled=True, max_retries=1, parallel=1))
    result = run.result
    assert not result.get("failed"), run
    assert [e["changed"] for e in result["extensions"]] == [True, True, True]
    assert all(sim.phone(ext)["record_enabled"] is True for ext in (1006, 1028, 1030))
    assert [e["applied"] for e in api_requests(sim, "PUT")] == [True] * 6  # each PUT and its retry
    assert run.output.count("the write's answer was lost") == 3


@pytest.mark.parametrize("items, app", [
    ([{"extension_id": 1010, "geo_list": "RU"}, {"extension_id": "01010", "geo_list": "BY"}], "demo"),
    ([{"extension_id": "@me", "record_enabled": True}, {"extension_id": 1001, "record_enabled": False}], "ext"),
], ids=["leading-zero", "at-me-and-own-id"])
def test_one_extension_named_two_ways_is_refused_before_any_write(sim, play, items, app):
    run = play(task(extensions=items), app=(app + "-app", app + "-secret"))
    assert run.result["failed"] is True, run
    assert run.result["problems"] == ["extensions[0] and extensions[1] both name id %s"
                                      % (1010 if app == "demo" else 1001)]
    assert api_requests(sim, "PUT") == [] and phone_gets(sim) == []


def test_a_non_phone_extension_by_id_is_told_that_it_may_not_be_a_phone(sim, play):
    run = play(task(extension_id=1033, record_enabled=True))
    assert "HTTP 404" in run.result["msg"] and "it is not a phone extension" in run.result["msg"], run


def test_an_empty_list_of_extensions_warns_that_there_is_nothing_to_do(sim, play):
    run = play(task(extensions=[], record_enabled=True))
    assert run.rc == 0 and run.result["changed"] is False, run
    assert "extensions is empty: there is nothing to do" in run.output
    assert sim.log == []
