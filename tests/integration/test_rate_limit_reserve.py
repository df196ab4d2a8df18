# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reserve of the account's hourly budget (rate_limit_reserve): a task never spends what the account's other
applications need. Its reads are checked before they go out (in check mode too), its writes after the plan; a
retry never dips into the reserve; with no rate-limit headers the task says that nothing was checked."""

import pytest

from conftest import api_requests

PHONES = list(range(1001, 1021))  # 20 phone extensions of the seed, named by id: no listing is needed


def phones_task(**options):
    items = [{"extension_id": ext} for ext in PHONES]
    return {"telphin.pbx.phone_properties": dict(dict(extensions=items, record_enabled=True), **options)}


def gets(sim):
    return [e for e in api_requests(sim, "GET") if e["path"].endswith("/phone/")]


@pytest.mark.parametrize("check", [False, True], ids=["run", "check-mode"])
def test_reads_that_do_not_fit_above_the_reserve_are_refused_after_one_read(sim, play, check):
    sim.set_rate_limit(limit=1000, remaining=110)  # 10% keeps 100; the first GET leaves 109: 9 to spend
    run = play(phones_task(), check=check)
    assert run.result["failed"] is True, run
    assert (
        "the reads of the phones need 19 requests, but 109 remain of the API's hourly budget of 1000, less a "
        "reserve of 100 (rate_limit_reserve 10%) kept for the account's other applications: 9 may be spent; "
        "the budget resets in ") in run.result["msg"], run.result["msg"]
    assert len(gets(sim)) == 1 and api_requests(sim, "PUT") == []


@pytest.mark.parametrize("reserve, remaining", [("10%", 200), (0, 25), ("50", 80)],
                         ids=["10-percent", "none", "fifty-requests"])
def test_a_run_that_fits_above_the_reserve_goes_ahead(sim, play, reserve, remaining):
    sim.set_rate_limit(limit=1000, remaining=remaining)
    drifted = [ext for ext in PHONES if sim.phone(ext)["record_enabled"] is not True]
    run = play(phones_task(rate_limit_reserve=reserve))
    assert not run.result.get("failed") and run.result["stats"]["changed"] == len(drifted) > 0, run
    assert all(sim.phone(ext)["record_enabled"] is True for ext in PHONES)
    assert not any("rate_limit_reserve" in w for w in run.result.get("warnings", []))


def test_the_reserve_comes_from_the_environment_when_the_task_does_not_set_it(sim, play):
    sim.set_rate_limit(limit=1000, remaining=60)
    refused = play(phones_task(), env={"TELPHIN_RATE_LIMIT_RESERVE": "5%"})  # keeps 50: 9 to spend
    assert "less a reserve of 50 (rate_limit_reserve 5%)" in refused.result["msg"], refused


def test_writes_that_do_not_fit_above_the_reserve_write_nothing(sim, play):
    for ext in PHONES:
        sim.set_phone(ext, {"record_enabled": False})
    sim.set_rate_limit(limit=1000, remaining=45)  # the 20 reads leave 25, less 10 kept: 15, not 20 writes
    run = play(phones_task(rate_limit_reserve=10))
    assert run.result["failed"] is True, run
    assert ("the writes need 20 requests, but 25 remain of the API's hourly budget of 1000, less a reserve of 10 "
            "(rate_limit_reserve 10) kept for the account's other applications: 15 may be spent"
            ) in run.result["msg"], run.result["msg"]
    assert api_requests(sim, "PUT") == []
    assert "set allow_partial=true to write what fits above the reserve" in run.result["msg"]


def test_allow_partial_writes_the_first_that_fit_and_names_the_others(sim, play):
    for ext in PHONES:
        sim.set_phone(ext, {"record_enabled": False})
    sim.set_rate_limit(limit=1000, remaining=38)  # 20 reads leave 18, less 10 kept: 8 writes
    run = play(phones_task(rate_limit_reserve=10, allow_partial=True))
    result = run.result
    assert result["failed"] is True and result["stats"]["changed"] == 8, run
    written = [e["extension_id"] for e in result["extensions"] if e["changed"]]
    assert written == PHONES[:8]
    assert all(e["msg"].startswith("not written: the hourly request budget above the reserve")
               for e in result["extensions"] if not e["changed"])
    assert [sim.phone(ext)["record_enabled"] for ext in PHONES] == [True] * 8 + [False] * 12
    assert sim.rate_limit()["remaining"] == 10


def test_check_mode_warns_of_writes_that_would_not_fit(sim, play):
    for ext in PHONES:
        sim.set_phone(ext, {"record_enabled": False})
    sim.set_rate_limit(limit=1000, remaining=38)
    run = play(phones_task(rate_limit_reserve=10), check=True)
    assert not run.result.get("failed") and run.result["stats"]["changed"] == 20, run
    assert any("the writes need 20 requests" in w and "a real run now would stop before writing" in w
               for w in run.result["warnings"]), run.result.get("warnings")


@pytest.mark.parametrize("reserve", [1000, 5000])
def test_a_reserve_at_or_above_the_limit_is_refused_naming_the_option(sim, play, reserve):
    sim.set_rate_limit(limit=1000, remaining=1000)
    run = play(phones_task(rate_limit_reserve=reserve), check=True)
    assert run.result["failed"] is True, run
    assert ("rate_limit_reserve: %d is at or above the API's hourly limit of 1000 requests, so no request would be "
            "left for this task" % reserve) in run.result["msg"], run.result["msg"]
    assert len(gets(sim)) == 1


@pytest.mark.parametrize("reserve", ["100%", "ten", -5, "5 %%"])
def test_a_reserve_that_is_no_reserve_is_refused_before_any_request(sim, play, reserve):
    run = play(phones_task(rate_limit_reserve=reserve))
    assert run.result["failed"] is True and "rate_limit_reserve: " in run.result["msg"], run
    assert sim.log == []  # not even a token


def test_with_no_rate_limit_headers_the_task_goes_ahead_and_warns_that_the_reserve_was_not_checked(sim, play):
    sim.set_readings(rate_limit_headers="omit")
    run = play(phones_task())
    assert not run.result.get("failed"), run
    assert ("the API's answers carried no rate-limit headers (X-RateLimit-Limit, X-RateLimit-Remaining), so the "
            "reserve of the hourly budget (rate_limit_reserve 10%) was not checked") in " ".join(
                " ".join(w.split()) for w in run.result["warnings"])
    quiet = play(phones_task(rate_limit_reserve=0))
    assert not any("rate_limit_reserve" in w for w in quiet.result.get("warnings", [])), quiet


def test_a_retry_never_dips_into_the_reserve(sim, play):
    sim.set_rate_limit(limit=1000, remaining=102)  # 100 kept: the first GET leaves 101, its retry 100
    sim.set_faults({"fail": {"count": None, "status": 500, "message": "broken",
                             "match": {"method": "GET", "path_regex": "/extension/1001/phone/"}}})
    run = play({"telphin.pbx.phone_properties": dict(extension_id=1001, record_enabled=True)})
    assert run.result["failed"] is True, run
    assert "not retried: 100 requests remain of the API's hourly budget, at or below the reserve of 100 " \
           "(rate_limit_reserve 10%)" in run.result["msg"], run.result["msg"]
    assert len(gets(sim)) == 2


def test_registration_info_is_refused_when_its_reads_do_not_fit(sim, play):
    sim.set_readings(registration_bulk="none")  # one GET per phone
    sim.set_rate_limit(limit=1000, remaining=115)
    run = play({"telphin.pbx.registration_info": {}})
    assert run.result["failed"] is True, run
    assert "the reads of the SIP registrations need " in run.result["msg"], run.result["msg"]
    # The bulk read was tried (and is not there: two 404s); not one registration of a phone was read.
    assert [e["path"] for e in api_requests(sim, "GET") if "/registration/" in e["path"]] == [
        "/api/ver1.0/extension/registration/", "/api/ver1.0/client/@me/registration/"]


def test_registration_info_reads_in_blocks_what_would_not_fit_one_by_one(sim, play):
    sim.set_rate_limit(limit=1000, remaining=115)  # the listing and 3 blocks fit; a GET per phone would not
    run = play({"telphin.pbx.registration_info": {}})
    assert not run.result.get("failed") and run.result["stats"]["registration_requests"]["per_extension"] == 0, run
