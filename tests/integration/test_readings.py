# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the vendor is silent, the real API may behave one way or another: every case runs under each reading.

The simulator plays each reading as a switch (tests/simulator/README.md, "Readings"); the module must be
right under all of them. See the table "What the collection assumes about the API: the table" in CONTRIBUTING.md.
"""

import threading
import time

import pytest

from conftest import api_requests

SOUNDS = ("hold_music", "ringback_sound", "vm_greeting")


def task(**options):
    return {"telphin.pbx.phone_properties": options}


def puts(sim):
    return api_requests(sim, "PUT")


def listing_pages(sim):
    return [e for e in api_requests(sim, "GET") if e["path"].endswith("/extension/")]


# ---- fields an answer leaves out ----------------------------------------------------------------------


@pytest.mark.parametrize("omitted", [[], "vendor_example"], ids=["all-fields", "vendor-example-answer"])
def test_a_field_the_answer_leaves_out_is_sent_every_run_with_a_warning_never_silently(sim, play_tasks, omitted):
    sim.set_readings(omit_fields=omitted)
    wanted = task(extension_id=1006, label="Front desk", intercom=3, record_enabled=True)
    run = play_tasks([wanted, wanted])
    first, second = run.result
    assert first["changed"] is True and not first.get("failed"), run
    assert sim.phone(1006)["label"] == "Front desk" and sim.phone(1006)["intercom"] == 3
    if omitted:
        # The API never shows label and intercom: each run sends them and says why, once.
        assert second["changed"] is True and second["changes"] == ["label", "intercom"]
        assert [e["body"] for e in puts(sim)][1] == {"label": "Front desk", "intercom": 3}
        assert "The API's answers leave out intercom, label (on 1 extension)" in second["warnings"][0]
    else:
        assert second["changed"] is False and len(puts(sim)) == 1
        assert not second.get("warnings")


# ---- 0 and null for sound ids ---------------------------------------------------------------------------


@pytest.mark.parametrize("null_sounds", [False, True], ids=["zero-answered-as-zero", "zero-answered-as-null"])
def test_zero_and_null_are_the_same_sound_under_either_answer(sim, play_tasks, null_sounds):
    sim.set_readings(null_sounds=null_sounds)
    sim.set_phone(1007, {"hold_music": 5})
    system_sound = task(extension_id=1007, hold_music=0, ringback_sound=0, vm_greeting=0)
    run = play_tasks([system_sound, system_sound, task(extension_id=1007, reset=list(SOUNDS))])
    first, second, reset = run.result
    assert first["changed"] is True and first["changes"] == ["hold_music"], run
    assert [e["body"] for e in puts(sim)] == [{"hold_music": 0}]
    assert second["changed"] is False and reset["changed"] is False  # null is the system's sound too
    assert sim.phone(1007)["hold_music"] in (0, None)


# ---- paging ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("over_max", ["clamp", "reject"])
def test_the_listing_adapts_to_a_server_that_refuses_a_large_per_page(sim, play, over_max):
    sim.set_readings(per_page_max=20, per_page_over_max=over_max)
    run = play(task(extension_name="131", record_enabled=True))  # 1032, on the second page of 20
    assert run.result["changed"] is False and run.result["extension_id"] == 1032, run
    asked = [(e["query"].get("per_page"), e["status"]) for e in listing_pages(sim)]
    if over_max == "reject":
        assert asked[:3] == [("100", 400), ("50", 400), ("20", 200)]
    else:
        assert asked[0] == ("100", 200)
    assert [status for _size, status in asked][-1] == 200


@pytest.mark.parametrize("per_page_max", [100, 20], ids=["account-on-one-page", "account-beyond-one-page"])
def test_a_server_that_ignores_page_fails_the_listing_saying_why_and_ids_still_work(sim, play_tasks, per_page_max):
    # A short first page may be the whole account or a silent cap: nothing tells, so the listing does not pass
    # part of the account off as the whole (a name "not found", an audit that misses extensions).
    sim.set_readings(ignore_page=True, per_page_max=per_page_max)
    run = play_tasks([task(extension_name="131", record_enabled=True), task(extension_id=1032, record_enabled=True)])
    by_name, by_id = run.result
    assert by_name["failed"] is True, run
    assert ("page 2 repeats page 1: the server ignores the page parameter, so a listing cannot be known to reach "
            "beyond its first %d extensions; name the extensions by extension_id" % min(per_page_max, 40)) \
        in by_name["msg"]
    assert by_id["changed"] is False and not by_id.get("failed")  # no listing needed
    assert puts(sim) == []


# ---- a 429 that is not the quota --------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [None, 2], ids=["no-concurrency-limit", "two-requests-at-once"])
def test_a_refusal_of_concurrent_requests_is_retried_and_the_task_converges(sim, play, limit):
    sim.set_readings(concurrency_429=limit)
    sim.set_faults({"latency_ms": 40})  # so that requests overlap at the server
    items = [{"extension_id": ext} for ext in range(1001, 1033)]
    drifted = [ext for ext in range(1001, 1033)
               if sim.phone(ext)["record_enabled"] is not True or sim.phone(ext)["incoming_limit"] != 1]
    run = play(task(extensions=items, record_enabled=True, incoming_limit=1, parallel=8))
    assert not run.result.get("failed"), run
    assert run.result["stats"]["changed"] == len(drifted) == 6
    refused = [e for e in sim.log if e["fault"] == "concurrency_429"]
    assert (len(refused) > 0) is (limit is not None)
    assert all(sim.phone(ext)["record_enabled"] is True for ext in range(1001, 1033))


def test_parallel_auto_under_a_concurrency_limit_converges_with_few_refusals(sim, play):
    # A server that takes 6 requests at once: parallel auto (the default) starts at 8, and after its first
    # refusals keeps at most 6 in flight (a fixed 16 keeps being refused each time it grows back: see make bench).
    sim.set_readings(concurrency_429=6)
    sim.set_faults({"latency_ms": 30})
    phones = range(1001, 1033)
    for ext in phones:
        sim.set_phone(ext, {"record_enabled": False})
    run = play(task(extensions=[{"extension_id": ext} for ext in phones], record_enabled=True))
    assert not run.result.get("failed") and run.result["stats"]["changed"] == len(phones), run
    # A few refusals while it learns the limit, never a storm of retries: at most a quarter of the 64 requests
    # even on a loaded machine (make bench measures the share on 300 writes: about 1%, the target 5%).
    refused = sum(1 for e in sim.log if e["fault"] == "concurrency_429")
    assert 0 < refused <= len(phones) // 2, refused


@pytest.mark.parametrize("scope", ["client", "application", "resource"])
def test_the_budget_check_reads_the_budget_of_the_writes_under_every_counter_scope(sim, play, scope):
    sim.set_readings(rate_limit_scope=scope)
    # Two GETs leave one request of the budget of the writes: the two PUTs cannot both be sent.
    sim.set_rate_limit(remaining=3, **({"resource": "phone"} if scope == "resource" else
                                       {"app_id": "demo-app"} if scope == "application" else {}))
    run = play(task(extensions=[{"extension_id": 1006}, {"extension_id": 1012}], record_enabled=True,
                    incoming_limit=1, rate_limit_reserve=0))
    assert run.result["failed"] is True and "the writes need 2 requests, but 1 remain" in run.result["msg"], run
    assert puts(sim) == []


# ---- answers that are not what the page shows ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["empty", "list", "string", "html"])
def test_an_odd_200_to_a_read_fails_that_extension_only(sim, play, kind):
    sim.set_faults({"odd_body": {"kind": kind, "count": None, "match": {"method": "GET",
                                                                        "path_regex": "/extension/1006/"}}})
    run = play(task(extensions=[{"extension_id": 1006}, {"extension_id": 1012}], incoming_limit=1,
                    max_retries=1))
    by_id = {e["extension_id"]: e for e in run.result["extensions"]}
    assert by_id[1012]["changed"] is True and by_id[1006]["failed"] is True, run
    assert "GET /api/ver1.0/extension/1006/phone/: HTTP 200: the answer is" in by_id[1006]["msg"]
    assert "Traceback" not in run.output and "NoneType" not in run.output


@pytest.mark.parametrize("kind", ["empty", "list", "string", "html"])
def test_an_odd_200_to_a_write_is_read_back_and_reported_as_what_the_server_holds(sim, play, kind):
    sim.set_faults({"odd_body": {"kind": kind, "count": None, "after": True, "match": {"method": "PUT"}}})
    run = play(task(extension_id=1006, record_enabled=True, max_retries=1))
    assert run.result["changed"] is True and not run.result.get("failed"), run
    assert run.result["properties"]["record_enabled"] is True
    output = " ".join(run.output.split())  # ansible-core 2.17 wraps warnings across lines
    assert "the write's answer was lost" in output and "holds the desired values" in output
    phone_gets = [e for e in api_requests(sim, "GET") if e["path"].endswith("/phone/")]
    assert len(phone_gets) == 2  # the read, and the read back


# ---- bundles --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("readonly", ["reject", "ignore"])
def test_read_only_fields_of_an_exported_item_are_never_sent(sim, play, readonly):
    sim.set_readings(readonly_in_put=readonly)
    item = dict(sim.phone(1004), extension_id=1004, record_enabled=False, name="000*103")
    item.pop("password", None)
    run = play(task(extensions=[item, {"extension_id": 1003, "record_enabled": False},
                                {"extension_id": 1005, "record_enabled": False}]))
    assert not run.result.get("failed"), run
    assert all("bundle" not in e["body"] and "call_status_set_dt" not in e["body"] for e in puts(sim))


@pytest.mark.parametrize("sync_inactive", [True, False])
def test_a_partner_change_is_reported_whether_inactive_members_are_synchronized_or_not(sim, play, sync_inactive):
    sim.set_readings(bundle_sync_inactive=sync_inactive)
    run = play(task(extension_id=1003, geo_list="RU KZ"))  # main 1003: 1004 active, 1005 inactive
    assert run.result["changed"] is True, run
    assert "1004" in run.output and "1005" in run.output
    assert sim.phone(1004)["geo_list"] == "RU KZ"
    assert sim.phone(1005)["geo_list"] == ("RU KZ" if sync_inactive else "RU")
    assert "inactive" in run.output  # the warning says that 1005 may or may not follow


# ---- tokens ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("expires_in", ["send", "omit"])
def test_a_token_that_expires_mid_run_is_renewed_once_whether_its_lifetime_is_told_or_not(sim, play, expires_in):
    # The token request's parameters go in the form body, which a server that also reads the query accepts.
    sim.set_readings(token_expires_in=expires_in, token_params_in_query=expires_in == "omit")
    sim.set_faults({"latency_ms": 30})
    expired = threading.Event()

    def expire_the_token_after_some_reads():
        while not expired.is_set():
            if len([e for e in sim.log if e["path"].endswith("/phone/")]) >= 8:
                sim.advance_clock(4000)  # past the token's hour, on the server's clock
                expired.set()
            time.sleep(0.01)

    watcher = threading.Thread(target=expire_the_token_after_some_reads, daemon=True)
    watcher.start()
    items = [{"extension_id": ext} for ext in range(1001, 1033)]
    run = play(task(extensions=items, record_enabled=True, parallel=4))
    expired.set()
    assert not run.result.get("failed"), run
    assert len([e for e in sim.log if e["path"] == "/oauth/token"]) == 2  # the first token, one renewal
    assert len([e for e in sim.log if e["status"] == 401]) >= 1
