# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""extension_info and phone_properties_info, as a user reads an account."""

from conftest import api_requests


def test_extension_info_lists_every_page_with_filters(sim, play):
    run = play({"telphin.pbx.extension_info": {"type": "phone", "status": "blocked"}})
    assert run.rc == 0, run
    assert sorted(e["id"] for e in run.result["extensions"]) == [1008, 1019, 1026]
    assert all(e["query"].get("type") == "phone" and e["query"].get("status") == "blocked"
               for e in api_requests(sim, "GET"))


def test_phone_properties_info_reads_one_extension_by_name_with_secrets_masked(sim, play):
    sim.set_phone(1002, {"conference_pin": "424242"})
    run = play({"telphin.pbx.phone_properties_info": {"extension_name": "101"}}, verbosity=3)
    [entry] = run.result["extensions"]
    assert entry["extension_id"] == 1002 and entry["name"] == "000*101" and entry["label"] == "Maria Ivanova"
    assert entry["properties"]["conference_pin"] == "********"
    assert "424242" not in run.output


def test_an_exported_account_applied_again_changes_nothing(sim, play):
    """An item of phone_properties_info, with its properties flattened, is valid input for phone_properties."""
    read = play({"telphin.pbx.phone_properties_info": {"extension_group_id": 52}})
    exported = read.result["extensions"]
    assert len(exported) == 10, read
    items = [dict(e["properties"], extension_id=e["extension_id"], name=e["name"]) for e in exported]
    sim.clear_log()
    again = play({"telphin.pbx.phone_properties": {"extensions": items}}, check=True)
    assert again.rc == 0 and again.result["changed"] is False, again
    assert api_requests(sim, "PUT") == []
