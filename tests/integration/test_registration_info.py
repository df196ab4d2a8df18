# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""registration_info against the simulator: one, many and every phone extension, in blocks where the bulk read
pays and exactly one GET of /registration/ per extension otherwise (each reading of the bulk read), the
filters, the device models, the readings of expires and device, and the failures (403 of one extension, 401
that stops the task, bad options before any request)."""

import collections
import math
import re

import pytest

from conftest import api_requests, issue_token, run_tasks

MODULE = "telphin.pbx.registration_info"
PHONES = list(range(1001, 1033))
# The demo seed (tests/simulator/README.md): registered phones, and those whose last registration expired.
REGISTERED = [1001, 1002, 1003, 1004, 1006, 1007, 1009, 1010, 1011, 1013, 1014, 1016, 1017]
EXPIRED = [1005, 1008, 1015]
ACCOUNT_DEVICES = {"Grandstream GXP2170": 2, "Yealink SIP-T46U": 2, "Zoiper": 2, "Cisco/SPA504G": 1,
                   "Grandstream GRP2614": 1, "MicroSIP": 1, "PolycomVVX-VVX_450-UA": 1, "Yealink SIP-T31P": 1,
                   "Yealink SIP-T54W": 1, "snom D735": 1, "snom D785": 1}


ONE_EXTENSION = re.compile(r"^/api/ver1\.0/extension/(\d+)/registration/$")
BULK_PATHS = ("/api/ver1.0/extension/registration/", "/api/ver1.0/client/@me/registration/")


def registration_gets(sim):
    """The ids of the extensions whose registrations were read one per GET (in the order received)."""
    return [int(ONE_EXTENSION.match(e["path"]).group(1)) for e in api_requests(sim, "GET")
            if ONE_EXTENSION.match(e["path"])]


def bulk_requests(sim):
    """The requests of the bulk read (its blocks, and the paths tried that are not there)."""
    return [e for e in api_requests(sim, "GET") if e["path"] in BULK_PATHS]


def listing_pages(sim):
    return [e for e in api_requests(sim, "GET") if e["path"] == "/api/ver1.0/client/@me/extension/"]


def listings(sim):
    """The listings made: their first pages (a listing of the 40 extensions reads page 1, then an empty page 2)."""
    return [e for e in listing_pages(sim) if e["query"].get("page") == "1"]


def by_id(result):
    return {e["extension_id"]: e for e in result["extensions"]}


def test_one_extension_by_number(sim, play):
    run = play({MODULE: {"extension_name": "100"}})
    assert run.rc == 0 and not run.result.get("failed"), run
    [entry] = run.result["extensions"]
    assert entry == {"extension_id": 1001, "name": "000*100", "registered": True,
                     "registrations": sim.registrations(1001)["registrations"]}
    assert [r["device"] for r in entry["registrations"]] == ["Yealink SIP-T46U 108.86.0.50", "MicroSIP/3.21.3"]
    assert all(r["expires"] > 10 ** 9 for r in entry["registrations"])  # the default reading: a timestamp
    assert run.result["devices"] == {"MicroSIP": 1, "Yealink SIP-T46U": 1}
    assert registration_gets(sim) == [1001] and [e["query"]["page"] for e in listing_pages(sim)] == ["1", "2"]
    assert len(api_requests(sim)) == 3
    assert run.result["stats"] == {"targets": 1, "checked": 1, "failed": 0, "returned": 1,
                                   "requests": {"GET": 3, "POST": 1, "total": 4},
                                   "registration_requests": {"bulk": 0, "per_extension": 1}}


def test_one_extension_by_id_needs_no_listing_and_works_in_check_mode(sim, play):
    run = play({MODULE: {"extension_id": "1005"}}, check=True)
    assert run.rc == 0 and run.result["changed"] is False, run
    assert run.result["extensions"] == [{"extension_id": 1005, "name": None, "registered": False,
                                         "registrations": sim.registrations(1005)["registrations"]}]
    assert run.result["extensions"][0]["registrations"][0]["device"] == "MicroSIP/3.21.3"
    assert run.result["devices"] == {}  # an expired registration is no device in use
    assert [e["path"] for e in api_requests(sim)] == ["/api/ver1.0/extension/1005/registration/"]


def test_many_extensions_by_id_number_and_name_one_listing_one_block(sim, play):
    run = play({MODULE: {"extensions": [1001, "101", "000*102", 1005, "1012", 1001, "100"], "parallel": 4}})
    assert run.rc == 0, run
    assert [(e["extension_id"], e["name"], e["registered"]) for e in run.result["extensions"]] == [
        (1001, "000*100", True), (1002, "000*101", True), (1003, "000*102", True), (1005, "000*104", False),
        (1012, "000*111", False)]
    assert by_id(run.result)[1012]["registrations"] == []
    # 5 phones of 32, blocks of 40 (the listing's page): one block holds them all.
    assert registration_gets(sim) == [] and len(bulk_requests(sim)) == 1 and len(listings(sim)) == 1
    assert run.result["stats"]["registration_requests"] == {"bulk": 1, "per_extension": 0}
    assert run.result["devices"] == {"Cisco/SPA504G": 1, "Grandstream GXP2170": 1, "MicroSIP": 1,
                                     "Yealink SIP-T46U": 1}


def test_every_phone_of_the_account_exactly_one_get_each_without_the_bulk_read(sim, play):
    sim.set_readings(registration_bulk="none")
    run = play({MODULE: {}})
    assert run.rc == 0, run
    assert [e["extension_id"] for e in run.result["extensions"]] == PHONES
    assert collections.Counter(registration_gets(sim)) == collections.Counter(PHONES)  # once each, no other
    assert [e["query"].get("type") for e in listings(sim)] == ["phone"]
    assert [e["path"] for e in bulk_requests(sim)] == list(BULK_PATHS)  # each tried once, 404
    assert len(listing_pages(sim)) == 2 and len(api_requests(sim)) == len(PHONES) + 4
    assert run.result["stats"]["requests"] == {"GET": len(PHONES) + 4, "POST": 1, "total": len(PHONES) + 5}
    assert run.result["stats"]["registration_requests"] == {"bulk": 2, "per_extension": len(PHONES)}
    assert sorted(e["extension_id"] for e in run.result["extensions"] if e["registered"]) == REGISTERED
    for entry in run.result["extensions"]:
        assert entry["registrations"] == sim.registrations(entry["extension_id"])["registrations"], entry
    assert run.result["devices"] == ACCOUNT_DEVICES
    assert list(run.result["devices"])[:3] == ["Grandstream GXP2170", "Yealink SIP-T46U", "Zoiper"]


# Each reading of the bulk read (tests/simulator/README.md): where it lives, what a block is, the answer's shape.
BULK_READINGS = [
    {},
    {"registration_bulk": "client"},
    {"registration_bulk_select": "ids"},
    {"registration_bulk_select": "all"},
    {"registration_bulk_shape": "map"},
    {"registration_bulk": "client", "registration_bulk_select": "ids", "registration_bulk_shape": "map"},
]


@pytest.mark.parametrize("block", [100, 10])
@pytest.mark.parametrize("readings", BULK_READINGS, ids=["extension-pages-list", "client", "ids", "all", "map",
                                                         "client-ids-map"])
def test_every_phone_of_the_account_in_blocks(sim, play, readings, block):
    sim.set_readings(per_page_max=block, **readings)
    run = play({MODULE: {}})
    assert run.rc == 0, run
    assert [e["extension_id"] for e in run.result["extensions"]] == PHONES
    for entry in run.result["extensions"]:
        assert entry["registrations"] == sim.registrations(entry["extension_id"])["registrations"], entry
    assert sorted(e["extension_id"] for e in run.result["extensions"] if e["registered"]) == REGISTERED
    assert run.result["devices"] == ACCOUNT_DEVICES
    blocks = bulk_requests(sim)
    assert registration_gets(sim) == [] and len(blocks) <= math.ceil(len(PHONES) / block) + 1
    at_client = readings.get("registration_bulk") == "client"
    assert [e["path"] for e in blocks[:1]] == [BULK_PATHS[0]]  # the vendor's path first; 404 under "client"
    assert {e["path"] for e in blocks[1:]} <= {BULK_PATHS[1] if at_client else BULK_PATHS[0]}
    assert run.result["stats"]["registration_requests"] == {"bulk": len(blocks), "per_extension": 0}


def test_a_few_phones_of_a_large_account_one_get_each(sim, play):
    sim.set_readings(per_page_max=10)  # blocks of 10: 2 phones of 32 cost less one by one
    run = play({MODULE: {"extensions": ["100", "101"]}})
    assert run.rc == 0, run
    assert [e["extension_id"] for e in run.result["extensions"]] == [1001, 1002]
    assert sorted(registration_gets(sim)) == [1001, 1002] and bulk_requests(sim) == []
    assert run.result["stats"]["registration_requests"] == {"bulk": 0, "per_extension": 2}


def test_ids_without_a_listing_are_read_one_get_each(sim, play):
    run = play({MODULE: {"extensions": [1001, 1002, 1003]}})
    assert run.rc == 0, run
    assert sorted(registration_gets(sim)) == [1001, 1002, 1003] and bulk_requests(sim) == []
    assert listing_pages(sim) == []


def test_a_server_that_ignores_the_page_reads_no_part_of_the_account_as_the_whole(sim, play):
    sim.set_readings(ignore_page=True)
    run = play({MODULE: {}})
    assert run.result["failed"] and "ignores the page parameter" in run.result["msg"], run
    assert registration_gets(sim) == [] and bulk_requests(sim) == []
    run = play({MODULE: {"extensions": [1001, 1002]}})  # by id: no listing, one GET each
    assert run.rc == 0 and [e["extension_id"] for e in run.result["extensions"]] == [1001, 1002], run
    assert sorted(registration_gets(sim)) == [1001, 1002] and bulk_requests(sim) == []


def test_the_filters(sim, play_tasks):
    run = play_tasks([
        {MODULE: {"registered": True}},
        {MODULE: {"registered": False}},
        {MODULE: {"device_regex": "^Yealink"}},
        {MODULE: {"device_regex": "^Yealink", "registered": True}},
        {MODULE: {"device_regex": "(?i)^zoiper rv2\\."}},
        {MODULE: {"status": "blocked"}},
        {MODULE: {"extension_group_id": 51, "registered": True}},
        {MODULE: {"extensions": [1001, 1012], "registered": False}},
        {MODULE: {"device_regex": "no such handset"}},
    ])
    assert run.rc == 0, run
    ids = [[e["extension_id"] for e in result["extensions"]] for result in run.result]
    assert ids[0] == REGISTERED and run.result[0]["devices"] == ACCOUNT_DEVICES
    assert ids[1] == [i for i in PHONES if i not in REGISTERED]
    assert ids[2] == [1001, 1008, 1009, 1013, 1015, 1016]  # 1008 and 1015: their last, expired registration
    assert ids[3] == [1001, 1009, 1013, 1016]
    assert run.result[3]["devices"] == {"Yealink SIP-T46U": 2, "MicroSIP": 1, "Yealink SIP-T31P": 1,
                                        "Yealink SIP-T54W": 1}  # every device of the extensions returned
    assert ids[4] == [1004, 1011] and run.result[4]["devices"] == {"Zoiper": 2}
    assert ids[5] == [1008, 1019, 1026] and run.result[5]["devices"] == {}
    assert ids[6] == [1001, 1002, 1003, 1004, 1006, 1007]
    assert ids[7] == [1012]
    assert ids[8] == [] and run.result[8]["devices"] == {}
    assert run.result[8]["stats"]["checked"] == len(PHONES) and run.result[8]["stats"]["returned"] == 0
    queries = [e["query"] for e in listings(sim)]
    assert {"type": "phone", "status": "blocked"}.items() <= queries[5].items()
    assert queries[6].get("extension_group_id") == "51"


@pytest.mark.parametrize("readings", [{"registration_device": "object"}, {"registration_expires": "seconds_left"},
                                      {"registration_device": "object", "registration_expires": "seconds_left"}],
                         ids=["device-object", "seconds-left", "both"])
def test_the_readings_of_device_and_expires(sim, play, readings):
    sim.set_readings(**readings)
    run = play({MODULE: {"extensions": [1001, 1005, 1006, 1016]}})
    assert run.rc == 0, run
    entries = by_id(run.result)
    assert [r["device"] for r in entries[1001]["registrations"]] == ["Yealink SIP-T46U 108.86.0.50",
                                                                     "MicroSIP/3.21.3"]
    assert entries[1005]["registrations"][0]["device"] == "MicroSIP/3.21.3"
    assert run.result["devices"] == {"Yealink SIP-T46U": 2, "MicroSIP": 1, "snom D785": 1}
    expires = {i: [r["expires"] for r in e["registrations"]] for i, e in entries.items()}
    if readings.get("registration_expires") == "seconds_left":
        assert 0 < expires[1006][0] <= 699 and all(0 < v <= 3600 for v in expires[1001])
        assert -86400 - 60 <= expires[1005][0] < -86400 + 60  # lapsed a day before the start: negative
    else:
        assert all(v > 10 ** 9 for values in expires.values() for v in values)
    assert sorted(registration_gets(sim)) == [1001, 1005, 1006, 1016]


def test_callapi_and_readonly_applications_can_read(sim, play_tasks):
    run = play_tasks([{MODULE: {"extension_id": "1002"}}], app=("callapi-app", "callapi-secret"))
    assert run.rc == 0 and run.result[0]["extensions"][0]["registered"] is True, run


def test_a_forbidden_extension_fails_alone(sim, play):
    """ext-app acts as the user of extension 1001: 1002 is out of its scope (403 access_denied)."""
    run = play({MODULE: {"extensions": [1001, 1002, "@me"]}}, app=("ext-app", "ext-secret"))
    assert run.rc == 0 and run.result["failed"], run
    assert [e["extension_id"] for e in run.result["extensions"]] == [1001, 1001]  # @me is 1001 too
    assert run.result["msg"].startswith("1 of 3 extensions could not be read: id 1002: GET "
                                        "/api/ver1.0/extension/1002/registration/: HTTP 403 access_denied"), run
    assert run.result["stats"]["failed"] == 1 and run.result["stats"]["checked"] == 2
    assert sorted(e["path"] for e in api_requests(sim)) == [
        "/api/ver1.0/extension/1001/registration/", "/api/ver1.0/extension/1002/registration/",
        "/api/ver1.0/extension/@me/registration/"]


def test_a_refused_token_stops_the_task_after_one_request(sim, play):
    token = issue_token(sim)
    sim.revoke_tokens()
    run = play({MODULE: {"extensions": list(range(1001, 1011)), "parallel": 1}},
               env={"TELPHIN_APP_ID": "", "TELPHIN_APP_SECRET": "", "TELPHIN_ACCESS_TOKEN": token})
    assert run.rc == 0 and run.result["failed"], run
    assert registration_gets(sim) == [1001], "a 401 stops the rest: no request bound to fail"
    msg = run.result["msg"]
    assert msg.startswith("10 of 10 extensions could not be read: id 1001: GET /api/ver1.0/extension/1001/"
                          "registration/: HTTP 401"), msg
    assert "id 1002, id 1003" in msg and "not attempted" in msg and token not in run.output


def test_names_that_name_nothing_or_no_phone_are_refused_after_the_listing(sim, play):
    run = play({MODULE: {"extensions": ["100", "600", "999"]}})
    assert run.rc == 0 and run.result["failed"], run
    assert run.result["problems"] == [
        "extensions[1]: 000*600 (id 1033) is of type 'queue'; only extensions of type 'phone' have SIP "
        "registrations", "extensions[2]: no extension is named '999' in this account"]
    assert registration_gets(sim) == [] and len(listings(sim)) == 1


BAD_OPTIONS = [
    ({"device_regex": "Yealink ("}, "device_regex: not a valid regular expression: missing ), unterminated"),
    ({"extensions": [1001, 0, 1.5]}, "extensions[1]: must be a positive integer or '@me', got 0; extensions[2]: "
                                     "must be an extension id (an integer)"),
    ({"extension_id": "10x1"}, "extension_id: must be a positive integer or '@me', got '10x1'"),
    ({"extension_id": "1001", "extension_group_id": 51}, "extension_group_id: filters the listing of every"),
    ({"extensions": [1001], "parallel": 0}, "parallel: must be auto or an integer from 1 to 32, got 0"),
]
BAD_OPTIONS_IDS = ["regex", "ids", "id", "filter-with-target", "parallel"]
# The tasks that must send nothing, by name: the bad options above, and two more.
NO_REQUEST_TASKS = dict(zip(BAD_OPTIONS_IDS, (options for options, _message in BAD_OPTIONS)),
                        exclusive={"extension_id": "1001", "extensions": [1002]}, empty={"extensions": []})


@pytest.fixture(scope="module")
def runs_without_requests(simulator, tmp_path_factory):
    """The tasks that must send nothing, in one playbook (one start-up): their results by name, and the
    simulator's log of the whole run."""
    simulator.reset()
    tasks = [{"name": name, MODULE: options} for name, options in NO_REQUEST_TASKS.items()]
    results, output, _rc = run_tasks(simulator, tmp_path_factory.mktemp("no-requests"), tasks)
    assert results is not None, output
    return dict(zip(NO_REQUEST_TASKS, results)), list(simulator.log)


@pytest.mark.parametrize("case", range(len(BAD_OPTIONS)), ids=BAD_OPTIONS_IDS)
def test_bad_options_fail_before_any_request_naming_the_option(runs_without_requests, case):
    result = runs_without_requests[0][BAD_OPTIONS_IDS[case]]
    assert result["failed"], result
    assert result["msg"].startswith("Invalid options, nothing was sent: " + BAD_OPTIONS[case][1]), result["msg"]


def test_options_that_exclude_each_other(runs_without_requests):
    result = runs_without_requests[0]["exclusive"]
    assert result["failed"] and "mutually exclusive" in result["msg"], result


def test_an_empty_list_reads_nothing(runs_without_requests):
    result = runs_without_requests[0]["empty"]
    assert not result["failed"] and result["extensions"] == [] and result["devices"] == {}, result


def test_none_of_those_sent_a_request(runs_without_requests):
    assert runs_without_requests[1] == []
