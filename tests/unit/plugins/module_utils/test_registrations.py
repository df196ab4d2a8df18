# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""registrations.py: any answer of /registration/ in one shape, device models and counts, the parallel read
(one GET per extension, a task-wide error stops the rest), and the options of registration_info."""

import threading

import pytest
import responses

from ansible_collections.telphin.pbx.plugins.module_utils.budget import BudgetChecks
from ansible_collections.telphin.pbx.plugins.module_utils.client import BulkRegistrations
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.registrations import (
    NO_USER_AGENT, Info, block_ends, bulk_block, bulk_pays, device_counts, device_model, normalize, query_from_params)
from ansible_collections.telphin.pbx.plugins.module_utils.results import (
    registration_failure_message as failure_message, registration_info_result as info_result)
from ansible_collections.telphin.pbx.plugins.module_utils.runner import NOT_ATTEMPTED, read_info, read_registrations
from ansible_collections.telphin.pbx.tests.unit.plugins.module_utils.api_fakes import (
    API, STATIC_TOKEN, make_client, requests_sent)

VENDOR_EXAMPLE = {"device": "Yealink SIP-T46G 28.72.14.5", "real_address": "sip:xxx.xxx.xxx.xxx:62338",
                  "contact_address": "sip:000*002@192.168.5.52:5062", "expires": 699,
                  "registration_id": "uloc-572b0ffb-6d47-001"}


def reg(device, **fields):
    return dict({"device": device, "real_address": None, "contact_address": None, "expires": None,
                 "registration_id": None}, **fields)


# ---- normalize -----------------------------------------------------------------------------------------

def test_the_vendors_example_is_kept_as_it_is():
    answer = {"registered": True, "extension_id": 1001, "registrations": [VENDOR_EXAMPLE]}
    assert normalize(answer, "1001") == {"extension_id": 1001, "registered": True,
                                         "registrations": [VENDOR_EXAMPLE]}


@pytest.mark.parametrize("expires", [699, -86400, 1764675000, None, "2025-12-02T10:00:00Z"])
def test_expires_is_passed_on_as_the_api_gives_it_under_both_readings(expires):
    answer = {"registered": True, "extension_id": 1001, "registrations": [dict(VENDOR_EXAMPLE, expires=expires)]}
    assert normalize(answer, 1001)["registrations"][0]["expires"] == expires


@pytest.mark.parametrize("device, text", [
    ("Yealink SIP-T46U 108.86.0.50", "Yealink SIP-T46U 108.86.0.50"),
    ("  MicroSIP/3.21.3 ", "MicroSIP/3.21.3"),
    ({"user_agent": "Zoiper rv2.10.19.5"}, "Zoiper rv2.10.19.5"),  # the simulator's reading "object"
    ({"userAgent": "snom D785/10.1.141.13"}, "snom D785/10.1.141.13"),
    ({"ua": "Cisco/SPA504G-7.6.2c", "ip": "10.0.0.1"}, "Cisco/SPA504G-7.6.2c"),
    ({"name": "Grandstream GXP2170 1.0.11.23"}, "Grandstream GXP2170 1.0.11.23"),
    ({"user_agent": "", "model": "T46U"}, "T46U"),
    ({"vendor": "Yealink", "firmware": 108}, '{"firmware": 108, "vendor": "Yealink"}'),
    ({}, "{}"),
    (None, ""),
    (42, "42"),
    (["a", "b"], '["a", "b"]'),
])
def test_device_is_always_a_string(device, text):
    answer = {"registered": True, "extension_id": 1, "registrations": [{"device": device}]}
    assert normalize(answer, 1)["registrations"] == [reg(text)]


@pytest.mark.parametrize("answer", [None, [], "ok", "<html></html>", 42, {}, {"registrations": None},
                                    {"registered": None, "registrations": "x"}])
def test_odd_answers_give_what_they_can_and_never_raise(answer):
    assert normalize(answer, "1005") == {"extension_id": 1005, "registered": False, "registrations": []}


@pytest.mark.parametrize("flag, registered", [
    (True, True), (False, False), ("true", True), ("True", True), ("1", True), ("yes", True), (1, True),
    (0, False), ("false", False), ("no", False), (None, False), ("maybe", False), ([], False), (2, False)])
def test_registered_is_true_only_when_the_answer_says_so(flag, registered):
    assert normalize({"registered": flag, "registrations": []}, 1)["registered"] is registered


def test_missing_keys_are_none_and_other_keys_are_left_out():
    answer = {"registered": False, "registrations": [{"device": "MicroSIP/3.21.3", "transport": "udp"}]}
    assert normalize(answer, 1005)["registrations"] == [reg("MicroSIP/3.21.3")]


def test_registrations_that_are_not_a_list():
    one = {"registered": True, "registrations": VENDOR_EXAMPLE}
    assert normalize(one, 1)["registrations"] == [VENDOR_EXAMPLE]
    by_id = {"registered": True, "registrations": {"uloc-1": VENDOR_EXAMPLE, "uloc-2": "junk"}}
    assert normalize(by_id, 1)["registrations"] == [VENDOR_EXAMPLE]
    mixed = {"registered": True, "registrations": ["MicroSIP/3.21.3", 7, None, VENDOR_EXAMPLE]}
    assert normalize(mixed, 1)["registrations"] == [reg("MicroSIP/3.21.3"), VENDOR_EXAMPLE]


@pytest.mark.parametrize("asked, answered, expected", [
    ("1001", 1001, 1001), (1001, "1001", 1001), ("@me", 1001, 1001), ("@me", "1001", 1001),
    ("@me", None, "@me"), ("1001", 1002, 1001), ("@me", True, "@me")])
def test_extension_id_is_the_one_asked_for_or_the_answers(asked, answered, expected):
    assert normalize({"extension_id": answered, "registered": False}, asked)["extension_id"] == expected


# ---- device models and counts --------------------------------------------------------------------------

@pytest.mark.parametrize("user_agent, model", [
    ("Yealink SIP-T46U 108.86.0.50", "Yealink SIP-T46U"),
    ("Yealink SIP-T46G 28.72.14.5", "Yealink SIP-T46G"),
    ("MicroSIP/3.21.3", "MicroSIP"),
    ("Grandstream GXP2170 1.0.11.23", "Grandstream GXP2170"),
    ("Grandstream GRP2614 1.0.5.67", "Grandstream GRP2614"),
    ("Cisco/SPA504G-7.6.2c", "Cisco/SPA504G"),
    ("snom D785/10.1.141.13", "snom D785"),
    ("PolycomVVX-VVX_450-UA/6.4.6.2614", "PolycomVVX-VVX_450-UA"),
    ("Zoiper rv2.10.19.5", "Zoiper"),
    ("Linphone/3.6.1 (belle-sip/1.4.2)", "Linphone"),
    ("Fanvil X6U  2.4.3", "Fanvil X6U"),
    ("MicroSIP", "MicroSIP"),
    ("3.21.3", "3.21.3"),
    ("", NO_USER_AGENT),
    (None, NO_USER_AGENT),
])
def test_the_model_is_the_user_agent_without_its_firmware_version(user_agent, model):
    assert device_model(user_agent) == model


def test_device_counts_count_each_registration_of_registered_extensions():
    answers = [
        {"registered": True, "registrations": [reg("Yealink SIP-T46U 108.86.0.50"), reg("MicroSIP/3.21.3")]},
        {"registered": True, "registrations": [reg("Yealink SIP-T46U 108.86.0.61")]},
        {"registered": True, "registrations": [reg("MicroSIP/3.22.0")]},
        {"registered": True, "registrations": [reg("Grandstream GXP2170 1.0.11.23")]},
        {"registered": False, "registrations": [reg("Yealink SIP-T46G 28.83.0.120")]},  # expired: not counted
        {"registered": True, "registrations": []},
        {"registered": False, "registrations": []},
    ]
    counts = device_counts(answers)
    assert counts == {"MicroSIP": 2, "Yealink SIP-T46U": 2, "Grandstream GXP2170": 1}
    assert list(counts) == ["MicroSIP", "Yealink SIP-T46U", "Grandstream GXP2170"]  # most first, then by name
    assert device_counts([]) == {}


def test_device_counts_of_normalized_object_devices():
    answer = normalize({"registered": True, "registrations": [{"device": {"user_agent": "MicroSIP/3.21.3"}}]}, 1)
    assert device_counts([answer]) == {"MicroSIP": 1}


# ---- the client's GET ----------------------------------------------------------------------------------

def test_the_client_reads_one_extensions_registrations(rsps, ft):
    rsps.add(responses.GET, API + "/extension/@me/registration/",
             json={"registered": True, "extension_id": 1001, "registrations": [VENDOR_EXAMPLE]})
    client = make_client(ft, access_token=STATIC_TOKEN)
    assert normalize(client.get_registration("@me"), "@me")["extension_id"] == 1001
    assert requests_sent(client) == 1


def test_the_clients_errors_are_those_of_the_phone_resource(rsps, ft):
    rsps.add(responses.GET, API + "/extension/1033/registration/", status=404, json={"message": "Not found"})
    rsps.add(responses.GET, API + "/extension/1001/registration/", status=200, json=[])
    client = make_client(ft, access_token=STATIC_TOKEN)
    with pytest.raises(ApiError) as info:
        client.get_registration(1033)
    assert str(info.value) == ("GET /api/ver1.0/extension/1033/registration/: HTTP 404: Not found (no such "
                               "extension, or it is not a phone extension: only extensions of type 'phone' have "
                               "SIP registrations)")
    with pytest.raises(ApiError) as info:
        client.get_registration(1001)
    assert str(info.value) == ("GET /api/ver1.0/extension/1001/registration/: HTTP 200: the answer is a JSON list, "
                               "not the registrations (a JSON object)")


# ---- the parallel read ---------------------------------------------------------------------------------

class FakeClient(BudgetChecks):
    """get_registration over a dict; errors per id; a journal of the ids asked for."""

    def __init__(self, answers, errors=None):
        self.answers = answers
        self.errors = errors or {}
        self.asked = []
        self.lock = threading.Lock()
        self.bulk_registrations = BulkRegistrations()  # no listing of the whole account: one GET each

    def write_budget(self):  # answers with no rate-limit headers
        return None

    def lowest_limit(self):
        return None

    def get_registration(self, extension_id, optional=False):
        with self.lock:
            self.asked.append(str(extension_id))
        if str(extension_id) in self.errors:
            raise self.errors[str(extension_id)]
        if str(extension_id) not in self.answers:
            raise ApiError("GET", "/api/ver1.0/extension/%s/registration/" % extension_id, 404, "Not found")
        return self.answers[str(extension_id)]

    def list_extensions(self, client_id, **filters):
        with self.lock:
            self.asked.append("LIST")
        listing = [{"id": 1001, "name": "000*100", "type": "phone", "status": "active"},
                   {"id": 1002, "name": "000*101", "type": "phone", "status": "blocked"},
                   {"id": 1033, "name": "000*600", "type": "queue", "status": "active"}]
        return [e for e in listing if all(e.get(k) == v for k, v in filters.items())]


def answer(ext_id, *devices, registered=True):
    return {"registered": registered, "extension_id": ext_id, "registrations": [{"device": d} for d in devices]}


@pytest.mark.parametrize("parallel", [1, 4])
def test_one_get_per_extension_in_the_order_given(parallel):
    client = FakeClient({str(i): answer(i, "MicroSIP/3.21.3") for i in range(1001, 1011)})
    ids = [str(i) for i in range(1001, 1011)] + ["1003", 1004]
    by_id, failures = read_registrations(client, ids, parallel)
    assert list(by_id) == [str(i) for i in range(1001, 1011)] and failures == {}
    assert sorted(client.asked) == [str(i) for i in range(1001, 1011)]
    assert by_id["1004"] == {"extension_id": 1004, "registered": True, "registrations": [reg("MicroSIP/3.21.3")]}


def test_a_failure_of_one_extension_does_not_stop_the_others():
    forbidden = ApiError("GET", "/api/ver1.0/extension/1002/registration/", 403, "Access denied",
                         api_status="access_denied")
    client = FakeClient({"1001": answer(1001), "1003": answer(1003)}, errors={"1002": forbidden})
    by_id, failures = read_registrations(client, ["1001", "1002", "1003", "1004"], 2)
    assert list(by_id) == ["1001", "1003"]
    assert failures == {"1002": str(forbidden), "1004": "GET /api/ver1.0/extension/1004/registration/: HTTP 404: "
                                                        "Not found"}


def test_a_task_wide_error_stops_the_rest():
    refused = ApiError("GET", "/api/ver1.0/extension/1001/registration/", 401, "Unauthorized")
    client = FakeClient({str(i): answer(i) for i in range(1002, 1010)}, errors={"1001": refused})
    by_id, failures = read_registrations(client, [str(i) for i in range(1001, 1010)], 1)
    assert by_id == {} and client.asked == ["1001"]
    assert failures["1001"] == str(refused)
    assert all(failures[str(i)] == NOT_ATTEMPTED for i in range(1002, 1010))


def test_an_unexpected_error_is_that_extensions_failure():
    class Broken(FakeClient):
        def get_registration(self, extension_id, optional=False):
            raise KeyError("boom")

    by_id, failures = read_registrations(Broken({}), ["1001", "1002"], 2)
    assert by_id == {} and failures == {"1001": "unexpected error: KeyError('boom')",
                                        "1002": "unexpected error: KeyError('boom')"}


def test_nothing_to_read_sends_nothing():
    client = FakeClient({})
    assert read_registrations(client, [], 16) == ({}, {}) and client.asked == []


# ---- the options and the work of registration_info ----------------------------------------------------

def params(**given):
    return dict(dict.fromkeys(("extension_id", "extension_name", "extensions", "status", "extension_group_id",
                               "registered", "device_regex")), **given)


@pytest.mark.parametrize("given, problem", [
    (dict(extension_id="abc"), "extension_id: must be a positive integer or '@me', got 'abc'"),
    (dict(extension_id="0"), "extension_id: must be a positive integer or '@me', got '0'"),
    (dict(extension_name=" "), "extension_name: must not be empty"),
    (dict(extensions=[1001, 1.5]), "extensions[1]: must be an extension id (an integer), a number such as "
                                   "\"100\" or a full name such as \"000*100\", got 1.5"),
    (dict(extensions=[True]), "extensions[0]: must be an extension id"),
    (dict(extensions=[-3]), "extensions[0]: must be a positive integer or '@me', got -3"),
    (dict(extensions=[{"extension_id": 1}]), "extensions[0]: must be an extension id"),
    (dict(extensions=[""]), "extensions[0]: must be an extension id"),
    (dict(device_regex="Yealink ("), "device_regex: not a valid regular expression: missing ), unterminated"),
    (dict(extension_id="1001", status="active"), "status: filters the listing of every phone extension"),
])
def test_bad_options_name_the_option(given, problem):
    _query, problems = query_from_params(params(**given))
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_options_read_as_meant():
    query, problems = query_from_params(params(extensions=[1001, "101", "000*102", "1002", "@me"],
                                               registered=True, device_regex="^Yealink"))
    assert problems == []
    assert [(w.option, w.extension_id, w.ids) for w in query.wanted] == [
        ("extensions[0]", "1001", False), ("extensions[1]", None, True), ("extensions[2]", None, False),
        ("extensions[3]", None, True), ("extensions[4]", "@me", False)]
    assert query.registered is True and query.device_regex.pattern == "^Yealink"
    assert query_from_params(params())[0].wanted is None
    assert query_from_params(params(extension_id="01001"))[0].wanted[0].extension_id == "1001"


def test_ids_only_need_no_listing():
    client = FakeClient({"1001": answer(1001, "MicroSIP/3.21.3")})
    info = read_info(client, query_from_params(params(extensions=[1001, 1001]))[0], 4)
    assert client.asked == ["1001"] and info.targets == (("1001", None),)
    assert info.entries == ({"extension_id": 1001, "name": None, "registered": True,
                             "registrations": [reg("MicroSIP/3.21.3")]},)


def test_names_are_resolved_with_one_listing_and_a_queue_is_refused_before_any_read():
    client = FakeClient({"1001": answer(1001)})
    info = read_info(client, query_from_params(params(extensions=["100", "000*600", "999"]))[0], 4)
    assert client.asked == ["LIST"]
    assert info.refused == ("extensions[1]: 000*600 (id 1033) is of type 'queue'; only extensions of type "
                            "'phone' have SIP registrations",
                            "extensions[2]: no extension is named '999' in this account")
    result = info_result(info, {"changed": False, "stats": {"requests": {"GET": 1, "total": 1}}})
    assert result["failed"] and result["msg"].startswith("No registration was read: extensions[1]")


def test_every_phone_filtered_and_the_result():
    client = FakeClient({"1001": answer(1001, "Yealink SIP-T46U 108.86.0.50"),
                         "1002": answer(1002, "MicroSIP/3.21.3", registered=False)})
    info = read_info(client, query_from_params(params(registered=True))[0], 2)
    assert info.checked == 2 and [e["name"] for e in info.entries] == ["000*100"]
    result = info_result(info, {"changed": False, "stats": {"requests": {"GET": 3, "total": 3}}})
    assert result["devices"] == {"Yealink SIP-T46U": 1} and not result.get("failed")
    assert result["stats"] == {"targets": 2, "checked": 2, "failed": 0, "returned": 1,
                               "requests": {"GET": 3, "total": 3},
                               "registration_requests": {"bulk": 0, "per_extension": 2}}
    info = read_info(client, query_from_params(params(device_regex="Micro"))[0], 2)
    assert [e["extension_id"] for e in info.entries] == [1002]  # the last, expired registration matches
    info = read_info(client, query_from_params(params(status="blocked"))[0], 2)
    assert [e["extension_id"] for e in info.entries] == [1002]


def test_the_failure_message_names_each_extension_once_per_reason():
    info = Info(targets=(("1001", "000*100"), ("1002", None), ("1003", None)),
                failures={"1002": "HTTP 404", "1003": "HTTP 404"})
    assert failure_message(info) == "2 of 3 extensions could not be read: id 1002, id 1003: HTTP 404"
    one = Info(targets=(("1001", "000*100"),), failures={"1001": "HTTP 403"})
    assert failure_message(one) == "000*100 (id 1001): HTTP 403"


# ---- the bulk read: when it pays, the shapes it accepts, when its blocks end, what it reads on its own --------

@pytest.mark.parametrize("selected, account, block, pays", [
    (32, 32, 40, True), (4, 32, 10, True), (3, 32, 10, False), (2, 1000, 100, False), (10, 1000, 100, True),
    (1, 10, 100, False),  # one phone: a block costs no less than its GET
    (50, None, 100, False), (50, 1000, None, False), (0, 0, 0, False),
])
def test_the_bulk_read_is_tried_where_it_pays(selected, account, block, pays):
    assert bulk_pays(selected, account, block) is pays


def test_the_shapes_a_block_is_accepted_in():
    listed = [answer(1001, "MicroSIP/3.21.3"), answer("1002", registered=False)]
    block = bulk_block(listed)
    assert list(block) == ["1001", "1002"] and block["1002"] == {"extension_id": 1002, "registered": False,
                                                                 "registrations": []}
    assert block["1001"]["registrations"] == [reg("MicroSIP/3.21.3")]
    assert bulk_block({"1001": listed[0], "1002": {"registered": True, "registrations": []}}) == dict(
        block, **{"1002": {"extension_id": 1002, "registered": True, "registrations": []}})
    assert bulk_block([]) == {} and bulk_block({}) == {}


@pytest.mark.parametrize("odd", [
    None, "text", 5, answer(1001),  # one RegInfo is not a block
    [{"id": 1001, "name": "000*100"}],  # extensions, not registrations
    [{"registered": True, "registrations": []}],  # no extension_id
    [answer(1001), "x"], {"abc": {"registered": True}},
])
def test_what_is_not_recognisably_registrations_is_no_block(odd):
    assert bulk_block(odd) is None


@pytest.mark.parametrize("ids, seen, longest, ends", [
    ([], set(), 0, True), (["1", "2"], set(), 0, False), (["3", "4"], {"1", "2"}, 2, False),
    (["3"], {"1", "2"}, 2, True),  # shorter than the longest served
    (["1", "2"], {"1", "2"}, 2, True),  # repeats a block: the server ignores page
    (["3", "4", "5"], {"1", "2"}, 2, False),  # longer: a server that served less before is not at its end
])
def test_the_blocks_end_as_the_listings_pages_do(ids, seen, longest, ends):
    assert block_ends(ids, seen, longest) is ends


class BulkClient(FakeClient):
    """FakeClient with a bulk read: ``pages`` of the account (``ignore_page``: always the first), or a status."""

    def __init__(self, answers, per_page=2, ignore_page=False, status=None, account=None):
        super().__init__(answers)
        self.per_page, self.ignore_page, self.status = per_page, ignore_page, status
        self.bulk_registrations.account = account or (len(answers), per_page)
        self.bulk = []

    def request(self, method, path, params=None, optional=False):
        with self.lock:
            self.bulk.append((path, params["page"]))
        if self.status:
            raise ApiError(method, path, status=self.status, message="Not found")
        start = 0 if self.ignore_page else (params["page"] - 1) * self.per_page
        return [self.answers[key] for key in sorted(self.answers)][start:start + self.per_page]


def test_blocks_hold_the_phones_selected_and_the_rest_is_read_on_its_own():
    client = BulkClient({str(i): answer(i, "MicroSIP/3.21.3") for i in range(1001, 1006)})
    by_id, failures = read_registrations(client, ["1005", "1001", "1003", "1009"], 4)
    assert client.bulk == [("/extension/registration/", page) for page in (1, 2, 3)]  # 2, 2, 1: short: the end
    assert list(by_id) == ["1005", "1001", "1003"] and client.asked == ["1009"]  # not in a block: its own GET
    assert list(failures) == ["1009"] and client.bulk_registrations.stats() == {"bulk": 3, "per_extension": 1}


def test_a_server_that_ignores_the_page_never_passes_its_first_block_for_the_account():
    client = BulkClient({str(i): answer(i) for i in range(1001, 1007)}, ignore_page=True)
    by_id, failures = read_registrations(client, [str(i) for i in range(1001, 1007)], 2)
    assert [page for _path, page in client.bulk] == [1, 2]  # block 2 repeats block 1: the end
    assert sorted(client.asked) == ["1003", "1004", "1005", "1006"] and failures == {}
    assert list(by_id) == [str(i) for i in range(1001, 1007)]


def test_a_bulk_read_that_is_not_there_is_tried_once_in_the_run():
    client = BulkClient({str(i): answer(i) for i in range(1001, 1005)}, status=404)
    for _round in range(2):
        by_id, failures = read_registrations(client, [str(i) for i in range(1001, 1005)], 2)
        assert len(by_id) == 4 and failures == {}
    assert [path for path, _page in client.bulk] == ["/extension/registration/", "/client/@me/registration/"]
    assert client.bulk_registrations.missing and len(client.asked) == 8
