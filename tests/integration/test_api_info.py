# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""api_info, the read-only probe: under each reading of the simulator, its output names what the reading
changed, and it sends nothing but GETs (and a token request)."""

import contextlib

import pytest

from conftest import api_requests, run_tasks
from pbxsim import Simulator

VENDOR_EXAMPLE_LACKS = ["announce_sound_upon_incoming_call", "intercom", "label", "record_on_transfer",
                        "replace_pin"]


def probe(play, **options):
    run = play({"telphin.pbx.api_info": options})
    assert run.rc == 0 and not run.result.get("failed"), run
    return run.result


def methods_sent(log):
    """The HTTP methods of a simulator's log, the token request left out."""
    return {e["method"] for e in log if e["path"] != "/oauth/token"}


@pytest.fixture
def only_gets(sim):
    yield
    assert methods_sent(sim.log) == {"GET"}, methods_sent(sim.log)


def test_the_probe_of_the_simulators_defaults(sim, play, only_gets):
    result = probe(play)
    assert result["user"]["login"] == "admin@acme" and result["user"]["client_id"] == 7000
    assert result["listing"] == {"page_size": 40, "asked": 1000, "refused_page_sizes": [], "default_page_size": 40,
                                 "page_honoured": True}
    fields = result["phone_fields"]
    assert fields["extension_id"] == 1001 and fields["missing"] == []
    assert fields["extra"] == ["allow_webrtc"]  # known from a public client, not on the vendor's page
    assert fields["properties"].get("conference_pin") in (None, "********")
    assert result["token"] == {"expires_in": 3600, "renewable": True}
    assert result["rate_limit"]["limit"] == 100000 and result["rate_limit"]["remaining"] > 0
    assert len(result["stats"]["requests"]) and len(api_requests(sim)) <= 10


# Each reading changes one thing the probe must name: (reading, what the probe's result shows).
READING_CASES = [
    ({"omit_fields": "vendor_example"},
     lambda r: r["phone_fields"]["missing"] == VENDOR_EXAMPLE_LACKS and r["phone_fields"]["extra"] == []
     and any(f.startswith("GET /phone/ leaves out label, announce_sound_upon_incoming_call")
             or "leaves out" in f and "intercom" in f for f in r["findings"])),
    ({"null_sounds": True},
     lambda r: r["phone_fields"]["sounds"] == {"hold_music": None, "ringback_sound": None, "vm_greeting": None}
     and any("answer null for the system's sound" in f for f in r["findings"])),
    ({"per_page_max": 20},
     lambda r: r["listing"]["page_size"] == 20 and r["listing"]["refused_page_sizes"] == []
     and r["listing"]["page_honoured"] is True),
    ({"per_page_max": 20, "per_page_over_max": "reject"},
     lambda r: r["listing"]["refused_page_sizes"] == [1000, 500, 200, 100, 50] and r["listing"]["asked"] == 20
     and any("answers 400 to per_page" in f for f in r["findings"])),
    ({"per_page_default": 10},
     lambda r: r["listing"]["default_page_size"] == 10 and r["listing"]["page_size"] == 40),
    ({"ignore_page": True},
     lambda r: r["listing"]["page_honoured"] is False and any("ignores the page parameter" in f for f in r["findings"])),
    ({"token_expires_in": "omit"},
     lambda r: r["token"]["expires_in"] is None and any("no expires_in" in f for f in r["findings"])),
    ({"rate_limit_scope": "resource"},
     lambda r: len({v["remaining"] for v in r["rate_limit_per_resource"].values()}) > 1),
]
READING_IDS = ["omit-fields", "null-sounds", "page-capped", "page-size-refused", "default-page", "page-ignored",
               "no-expires-in", "budget-per-resource"]


@pytest.fixture(scope="module")
def probes_under_readings(tmp_path_factory):
    """The probe under every reading in one playbook (one start-up): a simulator per reading, each task
    pointed at its own by api_url. ``{id: (the probe's result, that simulator's log)}``."""
    with contextlib.ExitStack() as stack:
        sims = [stack.enter_context(Simulator(rate_limit=100000)) for _case in READING_CASES]
        for sim, (readings, _check) in zip(sims, READING_CASES):
            sim.set_readings(**readings)
        tasks = [{"name": case_id, "telphin.pbx.api_info": {"api_url": sim.url}}
                 for case_id, sim in zip(READING_IDS, sims)]
        results, output, _rc = run_tasks(sims[0], tmp_path_factory.mktemp("readings"), tasks)
        assert results is not None, output
        return {case_id: (result, sim.log) for case_id, result, sim in zip(READING_IDS, results, sims)}


@pytest.mark.parametrize("case", range(len(READING_CASES)), ids=READING_IDS)
def test_the_probe_names_what_each_reading_changes(probes_under_readings, case):
    result, log = probes_under_readings[READING_IDS[case]]
    assert not result.get("failed"), result
    assert READING_CASES[case][1](result), result
    assert methods_sent(log) == {"GET"}, methods_sent(log)


def test_the_probe_reads_the_phone_it_is_given(sim, play, only_gets):
    result = probe(play, extension_id="1017")
    assert result["phone_fields"]["extension_id"] == "1017"
    assert result["phone_fields"]["properties"]["record_format"] == "wav"


@pytest.mark.parametrize("readings, expires_reading, device_types", [
    ({}, "timestamp", ["string"]),
    ({"registration_expires": "seconds_left", "registration_device": "object"}, "seconds_left", ["object"]),
], ids=["defaults", "seconds-left-object"])
def test_the_probe_reads_the_registration_resource_once(sim, play, only_gets, readings, expires_reading,
                                                        device_types):
    sim.set_readings(**readings)
    result = probe(play)
    assert result["registration"] == {"extension_id": 1001, "readable": True, "registered": True,
                                      "registrations": 2, "expires_reading": expires_reading,
                                      "device_types": device_types}
    assert any(f.startswith("GET /extension/1001/registration/ answered: the registration resource can be read")
               for f in result["findings"])
    assert any(("seconds until" if expires_reading == "seconds_left" else "UTC Unix timestamp") in f
               for f in result["findings"])
    assert any("device is a JSON object" in f for f in result["findings"]) == (device_types == ["object"])
    assert [e["path"] for e in api_requests(sim) if "/registration/" in e["path"]] == [
        "/api/ver1.0/extension/1001/registration/", "/api/ver1.0/extension/registration/"]  # and one block


@pytest.mark.parametrize("where, path, requests", [
    ("extension", "/api/ver1.0/extension/registration/", 1),
    ("client", "/api/ver1.0/client/@me/registration/", 2),
    ("none", None, 2),
])
def test_the_probe_says_whether_the_account_serves_the_bulk_read(sim, play, only_gets, where, path, requests):
    sim.set_readings(registration_bulk=where, registration_bulk_shape="map" if where == "client" else "list")
    result = probe(play)
    assert result["registration_bulk"] == {"available": where != "none", "path": path,
                                           "holds_the_phone": where != "none", "requests": requests}
    said = [f for f in result["findings"] if "registrations in blocks" in f or "bulk read" in f]
    assert len(said) == 1 and (("is not served" in said[0]) == (where == "none")), said
    assert len(api_requests(sim)) <= 10


def test_a_refused_registration_resource_is_a_finding_not_a_failure(sim, play, only_gets):
    sim.set_faults({"fail": {"count": 1, "status": 403, "message": "Access denied", "api_status": "access_denied",
                             "match": {"path_regex": "/registration/"}}})
    result = probe(play, extension_id="1006")
    registration = result["registration"]
    assert registration["readable"] is False and registration["extension_id"] == "1006"
    assert registration["status"] == 403 and registration["api_status"] == "access_denied"
    assert any(f.startswith("GET /extension/1006/registration/ failed (GET /api/ver1.0/extension/1006/"
                            "registration/: HTTP 403 access_denied") and "cannot read SIP registrations" in f
               for f in result["findings"]), result["findings"]
    assert result["phone_fields"]["extension_id"] == "1006"
