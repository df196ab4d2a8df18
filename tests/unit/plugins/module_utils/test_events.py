# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""events.py: the event sources' arguments, and the step from one poll to the next: the diff of two polls,
settle, partial and failed polls, the summary, the budget's warning and waits."""

import re

import pytest

from ansible_collections.telphin.pbx.plugins.module_utils import events as E
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.redact import Redactor
from ansible_collections.telphin.pbx.plugins.module_utils.registrations import Info, normalize

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
CLIENT = 77
CREDENTIALS = dict(app_id="app", app_secret="app-secret-value")


def options(source=E.REGISTRATIONS, **args):
    return E.source_options(source, dict(CREDENTIALS, **args))


def answer(registered, *devices, port=5060, expires=300, registration_id="uloc-1"):
    """A registration answer as the API gives it: devices, addresses with a port, an expiry, an id."""
    return {"registered": registered, "registrations": [
        {"device": device, "real_address": "sip:203.0.113.7:%d" % port, "contact_address": "sip:100@10.0.0.2:%d" % port,
         "expires": expires, "registration_id": registration_id} for device in devices]}


def phones(*ids):
    return [{"id": ext_id, "name": "000*%d" % (ext_id % 1000), "label": "Desk %d" % ext_id, "type": "phone",
             "status": "active", "extension_group_id": 5} for ext_id in ids]


def reg_poll(at, answers, unread=None, listed=None, **told):
    """A registrations poll: ``answers`` {id: answer} read, ``unread`` {id: why}, of the phones ``listed``."""
    listed = phones(*(listed or sorted(set(answers) | set(unread or {}))))
    info = Info(entries=tuple(dict(normalize(a, str(i)), name=None) for i, a in answers.items()),
                failures={str(i): why for i, why in (unread or {}).items()})
    return E.registrations_poll(at, CLIENT, listed, (), info, **told)


def run(polls, opts=None, watch=None):
    """The events of each poll in turn, and the last watch."""
    opts, watch, sent = opts or options(), watch or E.Watch(), []
    for poll in polls:
        step = E.advance(watch, poll, opts)
        watch = step.watch
        sent.append([dict(event) for event in step.events])
    return sent, watch


def kinds(events):
    return [(event["type"], event["extension_id"]) for event in events]


# ---- the diff of two polls -------------------------------------------------------------------------------

def test_the_first_poll_is_the_baseline_and_a_change_of_the_second_is_one_event_each():
    first = reg_poll(T0, {1001: answer(True, "Yealink SIP-T46U 108.86.0.50"), 1002: answer(False),
                          1003: answer(True, "MicroSIP/3.21.3")})
    second = reg_poll(T0 + 300, {1001: answer(False, "Yealink SIP-T46U 108.86.0.50"),
                                 1002: answer(True, "Zoiper rv2.10.19.5"),
                                 1003: answer(True, "MicroSIP/3.21.3", "Yealink SIP-T46U 108.86.0.50")})
    sent, _watch = run([first, second])
    assert sent[0] == []
    assert sent[1] == [
        {"type": "unregistered", "client_id": CLIENT, "extension_id": 1001, "name": "000*1", "label": "Desk 1001",
         "at": "2023-11-14T22:18:20Z", "registered": False, "devices": ["Yealink SIP-T46U 108.86.0.50"]},
        {"type": "registered", "client_id": CLIENT, "extension_id": 1002, "name": "000*2", "label": "Desk 1002",
         "at": "2023-11-14T22:18:20Z", "registered": True, "devices": ["Zoiper rv2.10.19.5"]},
        {"type": "device_changed", "client_id": CLIENT, "extension_id": 1003, "name": "000*3", "label": "Desk 1003",
         "at": "2023-11-14T22:18:20Z", "registered": True,
         "devices": ["MicroSIP/3.21.3", "Yealink SIP-T46U 108.86.0.50"], "before": ["MicroSIP/3.21.3"],
         "after": ["MicroSIP/3.21.3", "Yealink SIP-T46U 108.86.0.50"]}]


def test_a_nat_port_an_expiry_or_a_registration_id_that_moves_is_no_event():
    first = reg_poll(T0, {1001: answer(True, "Yealink T46U", port=5060, expires=300, registration_id="uloc-1")})
    second = reg_poll(T0 + 300, {1001: answer(True, "Yealink T46U", port=61844, expires=1764675000,
                                              registration_id="uloc-2")})
    assert run([first, second])[0] == [[], []]


def test_devices_are_a_set_of_texts_and_an_unregistered_extensions_expired_devices_are_no_state():
    assert E.registration_state(normalize(answer(True, "B", "A", "B", ""), "1")) == E.Registration(True, ("A", "B"))
    assert E.registration_state(normalize({"registered": True, "registrations": [
        {"device": {"user_agent": "Zoiper 5"}}]}, "1")) == E.Registration(True, ("Zoiper 5",))
    first = reg_poll(T0, {1001: answer(False, "old phone")})
    second = reg_poll(T0 + 300, {1001: answer(False, "another old phone")})
    assert run([first, second])[0] == [[], []]


def test_emit_initial_sends_the_state_of_each_extension_at_the_first_poll():
    first = reg_poll(T0, {1001: answer(True, "Yealink T46U"), 1002: answer(False, "MicroSIP")})
    sent, _watch = run([first], options(emit_initial=True))
    assert [(e["type"], e["extension_id"], e["devices"], e["initial"]) for e in sent[0]] == [
        ("registered", 1001, ["Yealink T46U"], True), ("unregistered", 1002, [], True)]


def test_a_phone_listed_after_the_first_poll_starts_unregistered_and_one_gone_is_forgotten_silently():
    first = reg_poll(T0, {1001: answer(True, "A")})
    second = reg_poll(T0 + 300, {1002: answer(True, "B"), 1003: answer(False)})  # 1001 left the listing
    third = reg_poll(T0 + 600, {1001: answer(False), 1002: answer(True, "B"), 1003: answer(False)})
    sent, watch = run([first, second, third])
    assert [kinds(events) for events in sent] == [[], [("registered", 1002)], []]
    assert sorted(watch.items) == ["1001", "1002", "1003"]


def test_advance_returns_new_values_and_leaves_the_watch_it_was_given_as_it_was():
    _sent, watch = run([reg_poll(T0, {1001: answer(True, "A")})])
    before = dict(watch.items)
    step = E.advance(watch, reg_poll(T0 + 300, {1001: answer(False)}), options())
    assert dict(watch.items) == before and step.watch is not watch
    with pytest.raises(TypeError):
        step.watch.items["1001"] = None


# ---- settle ----------------------------------------------------------------------------------------------

def test_an_event_is_sent_once_its_new_state_has_held_for_settle_seconds_and_says_when_it_began():
    opts = options(settle=240, interval=120)
    polls = [reg_poll(T0 + t, {1001: answer(registered, "A")})
             for t, registered in ((0, True), (120, False), (240, False), (360, False), (480, False))]
    sent, _watch = run(polls, opts)
    assert [kinds(events) for events in sent] == [[], [], [], [("unregistered", 1001)], []]
    assert sent[3][0]["at"] == E.iso_time(T0 + 120)  # first seen, not sent


def test_a_flap_shorter_than_settle_is_no_event():
    opts = options(settle=300, interval=120)
    states = (True, False, True, False, True, True, True)
    sent, _watch = run([reg_poll(T0 + 120 * n, {1001: answer(s, "A")}) for n, s in enumerate(states)], opts)
    assert sent == [[]] * len(states)


def test_a_state_that_changes_again_while_settling_waits_from_its_own_start():
    opts = options(settle=200, interval=100)
    devices = (("A",), ("B",), ("C",), ("C",), ("C",))
    sent, _watch = run([reg_poll(T0 + 100 * n, {1001: answer(True, *d)}) for n, d in enumerate(devices)], opts)
    assert [kinds(events) for events in sent] == [[], [], [], [], [("device_changed", 1001)]]
    assert (sent[4][0]["before"], sent[4][0]["after"], sent[4][0]["at"]) == (["A"], ["C"], E.iso_time(T0 + 200))


def test_settle_zero_sends_at_the_poll_that_saw_it():
    assert E.settled(E.Seen("a"), "b", (None, None), 50.0, 0) == (E.Seen("b"), ("a", "b", 50.0))


# ---- partial and failed polls ----------------------------------------------------------------------------

def test_a_partial_poll_sends_nothing_for_what_it_could_not_read_which_keeps_its_last_state():
    first = reg_poll(T0, {1001: answer(True, "A"), 1002: answer(True, "B")})
    partial = reg_poll(T0 + 300, {1002: answer(False, "B")},
                       unread={1001: "GET /api/ver1.0/extension/1001/registration/: HTTP 403 access_denied"})
    later = reg_poll(T0 + 600, {1001: answer(False, "A"), 1002: answer(False, "B")})
    sent, _watch = run([first, partial, later])
    assert kinds(sent[1]) == [("unregistered", 1002), ("error", None)]
    error = sent[1][1]
    assert error["message"] == ("1 of 2 extensions could not be read, so their changes wait for a poll that reads "
                                "them: 1001: GET /api/ver1.0/extension/1001/registration/: HTTP 403 access_denied")
    assert error["extension_ids"] == [1001] and error["at"] == E.iso_time(T0 + 300)
    assert kinds(sent[2]) == [("unregistered", 1001)]  # against its state before the partial poll


def test_an_extension_unread_at_the_first_poll_takes_its_baseline_when_first_read():
    first = reg_poll(T0, {1001: answer(True, "A")}, unread={1002: "the answer is a page of HTML"})
    second = reg_poll(T0 + 300, {1001: answer(True, "A"), 1002: answer(True, "B")})
    third = reg_poll(T0 + 600, {1001: answer(True, "A"), 1002: answer(False, "B")})
    sent, _watch = run([first, second, third])
    assert [kinds(events) for events in sent] == [[("error", None)], [], [("unregistered", 1002)]]


def test_a_failed_poll_is_one_error_event_and_changes_nothing():
    first = reg_poll(T0, {1001: answer(True, "A")})
    error = ApiError("GET", "/api/ver1.0/client/@me/extension/", status=200, message="the answer is not valid JSON")
    failed = E.failed_poll(T0 + 300, CLIENT, error, Redactor(()))
    later = reg_poll(T0 + 600, {1001: answer(False, "A")})
    sent, watch = run([first, failed, later])
    assert sent[1] == [{"type": "error", "client_id": CLIENT, "extension_id": None, "name": None, "label": None,
                        "at": E.iso_time(T0 + 300), "message": str(error)}]
    assert kinds(sent[2]) == [("unregistered", 1001)]
    assert watch.started


def test_a_failure_that_is_no_api_error_is_named_without_its_secrets():
    failed = E.failed_poll(T0, None, KeyError("token s3cr3t-value-1234"), Redactor(("s3cr3t-value-1234",)))
    assert "s3cr3t" not in failed.error and failed.error.startswith("the poll failed: KeyError:")


def test_a_refusal_by_the_budget_reads_nothing_and_waits_for_the_reset():
    first = reg_poll(T0, {1001: answer(True, "A")})
    refusal = "the reads of the SIP registrations need 1 request, but 0 remain of the API's hourly budget"
    info = Info(refused=(refusal,))
    refused = E.registrations_poll(T0 + 300, CLIENT, phones(1001), (), info,
                                   budget={"limit": 100, "remaining": 5, "reset": 1200})
    sent, _watch = run([first, refused])
    assert kinds(sent[1]) == [("error", None)] and sent[1][0]["message"] == refusal
    step = E.advance(run([first])[1], refused, options())
    assert step.delay == 1200


# ---- the summary, the filters ----------------------------------------------------------------------------

def test_more_events_than_max_events_go_out_as_one_summary():
    ids = list(range(2001, 2013))
    first = reg_poll(T0, {i: answer(False) for i in ids})
    second = reg_poll(T0 + 300, {i: answer(i % 3 != 0, "Yealink") for i in ids})
    sent, _watch = run([first, second], options(max_events=5))
    assert len(sent[1]) == 1
    summary = sent[1][0]
    assert summary["type"] == "summary" and summary["total"] == 8 and summary["counts"] == {"registered": 8}
    assert summary["extension_ids"] == [i for i in ids if i % 3 != 0][:E.SUMMARY_IDS]
    assert summary["message"] == "8 events in one poll, more than max_events (5): 8 registered"
    assert run([first, second], options(max_events=8))[0][1][0]["type"] == "registered"


def test_device_regex_keeps_the_events_with_a_matching_device_before_or_after():
    first = reg_poll(T0, {1001: answer(True, "Yealink T46U"), 1002: answer(True, "MicroSIP/3"),
                          1003: answer(True, "MicroSIP/3")})
    second = reg_poll(T0 + 300, {1001: answer(False), 1002: answer(False), 1003: answer(True, "Yealink T54W")})
    sent, _watch = run([first, second], options(device_regex="^Yealink"))
    assert kinds(sent[1]) == [("unregistered", 1001), ("device_changed", 1003)]


def test_the_filters_select_phones_by_id_number_name_status_and_group():
    listed = phones(1001, 1002, 1003) + [{"id": 1004, "name": "000*4", "type": "queue"}]
    listed[1]["status"], listed[2]["extension_group_id"] = "blocked", 6
    assert [e["id"] for e in E.Selection().pick(listed)[0]] == [1001, 1002, 1003]
    assert [e["id"] for e in E.Selection(wanted=(1003, "2", "000*1")).pick(listed)[0]] == [1001, 1002, 1003]
    assert [e["id"] for e in E.Selection(status="active").pick(listed)[0]] == [1001, 1003]
    assert [e["id"] for e in E.Selection(extension_group_id=5).pick(listed)[0]] == [1001, 1002]
    picked, problems = E.Selection(wanted=("4", 9999)).pick(listed)
    assert picked == () and problems == (
        "extensions[0]: no extension is named '4' in this account (among the phone extensions)",
        "extensions[1]: no extension has the id 9999 in this account (among the phone extensions)")


def test_extensions_that_name_nothing_are_one_error_event_until_that_changes():
    info = Info(entries=(dict(normalize(answer(True, "A"), "1001"), name=None),))
    polls = [E.registrations_poll(T0 + 300 * n, CLIENT, phones(1001), problems, info)
             for n, problems in enumerate((("extensions[1]: no extension is named '7'",),) * 2 + ((),))]
    sent, watch = run(polls)
    assert [kinds(events) for events in sent] == [[("error", None)], [], []]
    assert sent[0][0]["message"] == "extensions[1]: no extension is named '7'"
    assert watch.problems == ()


# ---- the extensions source -------------------------------------------------------------------------------

def ext_poll(at, listed):
    return E.extensions_poll(at, CLIENT, listed)


def test_extensions_added_removed_and_changed_but_not_a_new_label():
    first = phones(1001, 1002, 1003)
    second = phones(1001, 1003, 1004)
    second[0]["status"], second[1]["label"] = "blocked", "another label"
    sent, _watch = run([ext_poll(T0, first), ext_poll(T0 + 300, second)], options(E.EXTENSIONS))
    assert kinds(sent[1]) == [("changed", 1001), ("added", 1004), ("removed", 1002)]
    changed, added, removed = sent[1]
    assert changed["fields"] == ["status"]
    assert (changed["extension_type"], changed["status"], changed["extension_group_id"]) == ("phone", "blocked", 5)
    assert (removed["extension_type"], removed["status"]) == ("phone", "active")  # as it was
    assert (changed["before"]["status"], changed["after"]["status"]) == ("active", "blocked")
    assert changed["after"] == {"name": "000*1", "type": "phone", "status": "blocked", "extension_group_id": 5}
    assert added["after"]["name"] == "000*4" and added["label"] == "Desk 1004"
    assert removed["before"]["name"] == "000*2" and removed["label"] == "Desk 1002" and "after" not in removed


def test_the_extensions_filters_keep_the_events_of_extensions_that_match_before_or_after():
    first = phones(1001, 1002, 1003) + [dict(phones(1004)[0], type="queue")]
    second = [dict(first[0], status="blocked"), dict(first[1], extension_group_id=6), first[2],
              dict(first[3], status="blocked"), dict(phones(1005)[0], type="queue")]
    polls = [ext_poll(T0, first), ext_poll(T0 + 300, second)]
    everything = run(polls, options(E.EXTENSIONS))[0][1]
    assert kinds(everything) == [("changed", 1001), ("changed", 1002), ("changed", 1004), ("added", 1005)]
    assert kinds(run(polls, options(E.EXTENSIONS, type="phone"))[0][1]) == [("changed", 1001), ("changed", 1002)]
    assert kinds(run(polls, options(E.EXTENSIONS, status="active"))[0][1]) == [
        ("changed", 1001), ("changed", 1002), ("changed", 1004), ("added", 1005)]  # 1001, 1004: active before
    assert kinds(run(polls, options(E.EXTENSIONS, extension_group_id=6))[0][1]) == [("changed", 1002)]


def test_an_extension_removed_and_back_within_settle_is_no_event():
    opts = options(E.EXTENSIONS, settle=600, interval=300)
    listings = (phones(1001, 1002), phones(1001), phones(1001, 1002), phones(1001, 1002))
    sent, watch = run([ext_poll(T0 + 300 * n, listed) for n, listed in enumerate(listings)], opts)
    assert sent == [[]] * 4 and sorted(watch.items) == ["1001", "1002"]


def test_emit_initial_of_the_extensions_source_sends_each_as_added():
    sent, _watch = run([ext_poll(T0, phones(1001))], options(E.EXTENSIONS, emit_initial=True))
    assert [(e["type"], e["initial"]) for e in sent[0]] == [("added", True)]


# ---- the budget ------------------------------------------------------------------------------------------

def test_a_poll_rate_that_would_spend_more_than_half_the_hourly_limit_is_warned_of_once():
    opts = options(interval=60)
    polls = [reg_poll(T0 + 60 * n, {1001: answer(True, "A")}, cost=2, limit=200,
                      budget={"limit": 200, "remaining": 150, "reset": 1800}) for n in range(2)]
    steps = [E.advance(E.Watch(), polls[0], opts)]
    steps.append(E.advance(steps[0].watch, polls[1], opts))
    assert steps[0].warnings == (
        "a poll sends 2 requests: every 60 s that is 120 requests an hour, 60% of the API's hourly limit of 200 "
        "(X-RateLimit-Limit), which the account's modules and other applications share: raise interval, or "
        "select fewer extensions",)
    assert steps[1].warnings == ()
    assert E.advance(E.Watch(), polls[0], options(interval=300)).warnings == ()


def test_a_quota_429_waits_until_the_reset_and_a_spent_budget_too():
    quota = ApiError("GET", "/api/ver1.0/client/@me/extension/", status=429, api_status="rate_limit_exceeded",
                     message="rate limit exceeded", retry_after=1800.0)
    step = E.advance(E.Watch(), E.failed_poll(T0, CLIENT, quota, Redactor(())), options())
    assert step.delay == 1800 and [e["type"] for e in step.events] == ["error"]
    spent = reg_poll(T0, {1001: answer(True, "A")}, budget={"limit": 100, "remaining": 0, "reset": T0 + 2000})
    assert E.advance(E.Watch(), spent, options()).delay == 2000
    assert E.advance(E.Watch(), reg_poll(T0, {}), options()).delay == 300


class _Budget:
    def __init__(self, shortfall):
        self.shortfall, self.asked = shortfall, []

    def budget_shortfall(self, what, cost):
        self.asked.append((what, cost))
        return self.shortfall


class _Shortfall:
    def text(self):
        return "a poll needs 3 requests, but 2 remain"


def test_the_budget_is_checked_before_a_poll_only_while_the_window_it_was_told_lasts():
    watch = E.Watch(cost=3, reset_at=T0 + 100)
    client = _Budget(_Shortfall())
    refused = E.over_budget(client, watch, T0, CLIENT, "a poll")
    assert (refused.error, refused.retry_after, refused.over_budget) == ("a poll needs 3 requests, but 2 remain",
                                                                         100, True)
    assert client.asked == [("a poll", 3)]
    assert E.over_budget(client, watch, T0 + 100, CLIENT, "a poll") is None  # stale: the window has reset
    assert E.over_budget(_Budget(None), watch, T0, CLIENT, "a poll") is None
    assert E.over_budget(client, E.Watch(), T0, CLIENT, "a poll") is None  # no poll has told the cost yet


def test_the_reset_is_a_unix_time_or_seconds_from_the_answer_or_an_hour():
    for reset, expected in ((T0 + 50, T0 + 50), (50, T0 + 50), (None, T0 + 3600)):
        poll = reg_poll(T0, {}, budget={"limit": 10, "remaining": 5, "reset": reset})
        assert E.advance(E.Watch(), poll, options()).watch.reset_at == expected


# ---- the arguments ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (dict(interval=0), "interval: must be at least 1 second, got 0"),
    (dict(interval="often"), "argument 'interval' is of type str and we were unable to convert to float"),
    (dict(settle=-1), "settle: must be 0 seconds or more, got -1"),
    (dict(max_events=0), "max_events: must be 1 or more, got 0"),
    (dict(extensions=[True]), "extensions[0]: must be an extension id (an integer)"),
    (dict(status="gone"), "value of status must be one of: active, blocked, got: gone"),
    (dict(extension_group_id="five"), "extension_group_id"),
    (dict(device_regex="("), "device_regex: not a valid regular expression"),
    (dict(intervall=60), "unknown argument intervall: telphin.pbx.registrations takes access_token, api_url"),
    (dict(api_url="ftp://pbx"), "api_url: must be an http:// or https:// URL with a host name"),
    (dict(rate_limit_reserve="100%"), "rate_limit_reserve: a percentage must be below 100%"),
])
def test_bad_arguments_are_refused_naming_the_argument(args, message):
    with pytest.raises(ValueError) as raised:
        options(**args)
    assert str(raised.value).startswith("telphin.pbx.registrations: ")
    assert message in str(raised.value)
    assert "app-secret-value" not in str(raised.value)


def test_no_credentials_are_refused_and_the_environment_gives_them(monkeypatch):
    for name in ("TELPHIN_APP_ID", "TELPHIN_APP_SECRET", "TELPHIN_ACCESS_TOKEN", "TELPHIN_API_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="no API credentials: give access_token, or both app_id and app_secret"):
        E.source_options(E.EXTENSIONS, {})
    monkeypatch.setenv("TELPHIN_ACCESS_TOKEN", "token-from-the-environment")
    monkeypatch.setenv("TELPHIN_API_URL", "https://pbx.example.com")
    opts = E.source_options(E.EXTENSIONS, {"interval": "60", "eda_feedback_queue": object()})
    assert (opts.connection.access_token, opts.connection.base_url, opts.interval) == (
        "token-from-the-environment", "https://pbx.example.com", 60.0)
    assert "token-from-the-environment" not in repr(opts)


def test_each_source_takes_its_own_filters():
    with pytest.raises(ValueError, match="unknown argument device_regex: telphin.pbx.extensions takes"):
        options(E.EXTENSIONS, device_regex="Yealink")
    with pytest.raises(ValueError, match="unknown argument type: telphin.pbx.registrations takes"):
        options(type="phone")
    assert options(E.EXTENSIONS, type="phone", status="active", extension_group_id="5").selection == E.Selection(
        type="phone", status="active", extension_group_id=5)


@pytest.mark.parametrize("given, wanted", [
    ([], None),  # as `default([])` gives it: every phone extension
    ("[]", None),  # the same, rendered to its text by an older ansible-rulebook
    ("['100', 1001]", ("100", 1001)),
    ("100, 000*101", ("100", "000*101")),
    ("[not a list", ("[not a list",)),
])
def test_extensions_empty_or_rendered_to_text(given, wanted):
    assert options(extensions=given).selection.wanted == wanted


def test_the_defaults():
    opts = options()
    assert (opts.interval, opts.settle, opts.max_events, opts.emit_initial) == (300, 0, 50, False)
    assert opts.selection == E.Selection()
    assert options(extensions=[1001, " 000*100 "], device_regex="^Yea").selection == E.Selection(
        wanted=(1001, "000*100"), device_regex=re.compile("^Yea"))
