# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""phone_properties with `extensions`: many targets in one task, request counts, bundles, failures, budget."""

from conftest import api_requests

STANDARD = {"record_enabled": True, "incoming_limit": 1, "geo_list": "RU"}


def task(extensions, **options):
    options.setdefault("parallel", 4)
    return {"telphin.pbx.phone_properties": dict(options, extensions=extensions)}


def listing_pages(sim):
    return [e for e in api_requests(sim, "GET") if e["path"].endswith("/extension/")]


def phone_gets(sim):
    return [e for e in api_requests(sim, "GET") if e["path"].endswith("/phone/")]


MIXED = [
    {"extension_id": 1001},                          # in sync
    {"extension_name": "105"},                       # 1006: recording off -> drifted
    {"extension_name": "000*111"},                   # 1012: incoming_limit 0 -> drifted
    {"extension_id": 999999},                        # unknown id: only the API can tell (404)
    {"extension_id": 1013, "geo_list": "RU BY"},     # item value wins -> drifted
]


def test_a_mixed_batch_costs_one_get_per_phone_and_one_put_per_drift(sim, play):
    run = play(task(MIXED, **STANDARD))
    result = run.result
    assert result["failed"] is True, run
    by_index = result["extensions"]
    assert [e["extension_id"] for e in by_index] == [1001, 1006, 1012, 999999, 1013]
    assert [e["changed"] for e in by_index] == [False, True, True, False, True]
    assert [e["failed"] for e in by_index] == [False, False, False, True, False]
    assert by_index[1]["changes"] == ["record_enabled"]
    assert by_index[1]["name"] == "000*105"
    assert "404" in by_index[3]["msg"]

    # Requests: one token, the listing pages, one GET per target and one PUT per drifted extension.
    assert len([e for e in sim.log if e["path"] == "/oauth/token"]) == 1
    # The demo account's 40 extensions fit one page of 100; the listing stops at the first empty page
    # or one shorter than the longest seen, since a server may cap the page size below what was asked.
    # So: page 1 (40 extensions), then page 2 (empty).
    assert len([e for e in sim.extensions() if e["client_id"] == 7000]) == 40
    assert [e["query"].get("page") for e in listing_pages(sim)] == ["1", "2"]
    assert sorted(e["path"].split("/")[4] for e in phone_gets(sim)) == sorted(["1001", "1006", "1012", "999999", "1013"])
    assert sorted(e["path"].split("/")[4] for e in api_requests(sim, "PUT")) == ["1006", "1012", "1013"]
    assert result["stats"]["requests"]["PUT"] == 3
    assert result["stats"]["changed"] == 3 and result["stats"]["failed"] == 1

    # The message names every failed extension and why.
    assert result["msg"].startswith("1 of 5 extensions failed: id 999999: GET /api/ver1.0/extension/999999/phone/: HTTP 404")


def test_names_that_name_no_phone_refuse_the_task_before_any_read_or_write(sim, play):
    # A name that resolves to nothing, or to a non-phone, is an input error: nothing is read or written,
    # not even for the good items (it used to fail only its own item, after the others were written).
    items = MIXED + [{"extension_name": "999"}, {"extension_name": "600"}, {"extension_id": 1033}]
    run = play(task(items, **STANDARD))
    result = run.result
    assert result["failed"] is True, run
    assert result["msg"].startswith("Nothing was written: ")
    assert result["problems"] == [
        "extensions[5]: no extension is named '999' in this account",
        "extensions[6]: 000*600 (id 1033) is of type 'queue'; only extensions of type 'phone' have phone properties",
        "extensions[7]: 000*600 (id 1033) is of type 'queue'; only extensions of type 'phone' have phone properties",
        "extensions[6] and extensions[7] both name 000*600 (id 1033)",
    ]
    assert [e["extension_id"] for e in result["extensions"]] == [1001, 1006, 1012, 999999, 1013, None, 1033, 1033]
    assert not any(e["changed"] or e["failed"] for e in result["extensions"])
    assert phone_gets(sim) == [] and api_requests(sim, "PUT") == []
    assert sim.phone(1006)["record_enabled"] is False


def test_check_mode_reports_exactly_what_the_real_run_changes(sim, play):
    check = play(task(MIXED, **STANDARD), check=True, diff=True)
    assert api_requests(sim, "PUT") == []
    headers = [d["before_header"] for d in check.result["diff"]]
    assert headers == ["000*105 (id 1006) (before)", "000*111 (id 1012) (before)", "000*112 (id 1013) (before)"]
    sim.clear_log()
    real = play(task(MIXED, **STANDARD))
    assert [(e["changed"], e["changes"]) for e in check.result["extensions"]] == \
           [(e["changed"], e["changes"]) for e in real.result["extensions"]]
    sim.clear_log()
    again = play(task(MIXED, **STANDARD))
    assert not any(e["changed"] for e in again.result["extensions"])
    assert api_requests(sim, "PUT") == []


def test_a_bundle_conflict_fails_before_any_put(sim, play):
    items = [{"extension_id": 1006},
             {"extension_id": 1004, "record_enabled": False},
             {"extension_name": "104", "record_enabled": True}]
    run = play(task(items, **STANDARD))
    assert run.result["failed"] is True
    msg = run.result["msg"]
    assert "Nothing was written" in msg
    assert "1004" in msg and "1005" in msg and "record_enabled" in msg, msg
    assert api_requests(sim, "PUT") == []
    assert sim.phone(1006)["record_enabled"] is False


def test_partner_changes_outside_the_task_are_reported_and_warned(sim, play):
    run = play(task([{"extension_id": 1010, "geo_list": "RU KZ"}, {"extension_id": 1001}]))
    entry = run.result["extensions"][0]
    assert entry["changed"] is True
    assert entry["bundle_changes"] == {"1011": ["geo_list"]}
    assert any("1011" in w for w in run.result.get("warnings", [])), run
    assert sim.phone(1011)["geo_list"] == "RU KZ"


def test_one_failing_put_does_not_stop_the_others(sim, play):
    sim.set_faults({"fail": {"count": 100, "status": 400, "message": "Validation failed: hold_music",
                             "match": {"method": "PUT", "path_regex": "/extension/1012/"}}})
    run = play(task([{"extension_id": 1006}, {"extension_id": 1012}, {"extension_id": 1024}], **STANDARD))
    entries = run.result["extensions"]
    assert [e["failed"] for e in entries] == [False, True, False]
    assert [e["changed"] for e in entries] == [True, False, True]
    assert "400" in entries[1]["msg"] and "Validation failed: hold_music" in entries[1]["msg"]
    assert run.result["msg"].startswith("1 of 3 extensions failed: id 1012: PUT /api/ver1.0/extension/1012/phone/: HTTP 400")
    assert sim.phone(1006)["record_enabled"] is True and sim.phone(1024)["incoming_limit"] == 1


def test_every_bad_item_is_reported_before_any_request(sim, play):
    items = [{"extension_id": 1001, "hangup_timeout": 0},
             {"extension_id": 1002, "auth_type": "kerberos"},
             {"extension_id": 1003, "record_enabled": "perhaps"},
             {"extension_name": "100", "extension_id": 1001}]
    run = play(task(items))
    msg = run.result["msg"]
    for part in ["extensions[0].hangup_timeout", "extensions[1].auth_type", "extensions[2].record_enabled",
                 "extensions[3]: give exactly one of extension_id and extension_name"]:
        assert part in msg, msg
    assert sim.log == []


def test_a_budget_too_small_for_the_writes_stops_before_writing(sim, play):
    sim.set_rate_limit(remaining=5)  # 4 GETs (ids need no listing) leave 1 request for 2 writes
    items = [{"extension_id": 1006}, {"extension_id": 1012}, {"extension_id": 1001}, {"extension_id": 1002}]
    run = play(task(items, rate_limit_reserve=0, **STANDARD))
    assert run.result["failed"] is True
    assert "the writes need 2 requests, but 1 remain" in run.result["msg"], run
    assert api_requests(sim, "PUT") == []

    sim.clear_log()
    sim.set_rate_limit(remaining=5)
    partial = play(task(items, allow_partial=True, rate_limit_reserve=0, **STANDARD))
    entries = partial.result["extensions"]
    assert sum(e["changed"] for e in entries) == 1 and sum(e["failed"] for e in entries) == 1, partial
    assert [e["msg"] for e in entries if e["failed"]] == [
        "not written: the hourly request budget above the reserve (rate_limit_reserve) was spent by the writes "
        "before it (allow_partial)"]
    assert len(api_requests(sim, "PUT")) == 1 and sim.rate_limit()["remaining"] == 0


def test_no_item_secret_appears_in_the_output_at_vvv(sim, play):
    sim.set_phone(1012, {"conference_pin": "271828", "replace_pin": "161803"})
    items = [{"extension_id": 1012, "conference_pin": "314159"},
             {"extension_id": 1013, "replace_pin": "577215", "record_enabled": False}]
    run = play(task(items), diff=True, verbosity=3)
    assert run.rc == 0 and [e["changed"] for e in run.result["extensions"]] == [True, True], run
    assert sim.phone(1012)["conference_pin"] == "314159" and sim.phone(1013)["replace_pin"] == "577215"
    assert run.result["extensions"][0]["drift"]["conference_pin"]["before"] == "********"
    for secret in ["271828", "161803", "314159", "577215", "demo-secret"]:
        assert secret not in run.output and secret not in str(run.result), secret
