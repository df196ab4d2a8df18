# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""probe (module api_info): what a read-only look at the account's API finds, and how it says it."""

import pytest

from ansible_collections.telphin.pbx.plugins.module_utils.budget import BudgetChecks
from ansible_collections.telphin.pbx.plugins.module_utils.client import BulkRegistrations
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.probe import probe, probe_with_registration

PHONE = {"id": 1001, "name": "000*100", "type": "phone"}


class FakeClient(BudgetChecks):
    """The reads the probe makes, answered from a small account; ``sent`` lists them."""

    def __init__(self, extensions, page_max=500, page_honoured=True, phone=None, registration=None):
        self.extensions = extensions
        self.page_max = page_max
        self.page_honoured = page_honoured
        self.phone = phone if phone is not None else {"hangup_timeout": 45, "conference_pin": "605040"}
        self.registration = registration
        self.sent = []
        self.bulk_registrations = BulkRegistrations()

    def get_user(self):
        self.sent.append("user")
        return {"client_id": 7000}

    def extension_page(self, page, per_page=None):
        self.sent.append(("page", page, per_page))
        if per_page is not None and per_page > self.page_max:
            raise ApiError("GET", "/extension/", status=400, message="per_page too large")
        size = per_page or 20
        start = (page - 1) * size if self.page_honoured else 0
        return self.extensions[start:start + size]

    def get_phone(self, extension_id):
        self.sent.append(("phone", extension_id))
        return dict(self.phone)

    def request(self, method, path, params=None, optional=False):  # only the bulk read: not there
        self.sent.append(("bulk", path))
        raise ApiError(method, path, status=404, message="Not found")

    def get_registration(self, extension_id):
        self.sent.append(("registration", extension_id))
        if isinstance(self.registration, ApiError):
            raise self.registration
        return self.registration

    def token_lifetime(self):
        return {"renewable": True, "expires_in": 3600}

    def write_budget(self):
        return {"limit": 5000, "remaining": 4999, "reset": 3600}

    def lowest_limit(self):
        return 5000

    def rate_limits(self):
        return {}


def test_a_server_that_refuses_large_pages_and_ignores_page_is_described_and_secrets_are_masked():
    client = FakeClient([PHONE, dict(PHONE, id=1002, name="000*101")], page_max=100, page_honoured=False)
    result = probe(client)
    assert result["listing"]["refused_page_sizes"] == [1000, 500, 200]
    assert result["listing"]["asked"] == 100 and result["listing"]["page_honoured"] is False
    assert any("ignores the page parameter" in said for said in result["findings"])
    assert any("answers 400 to per_page 1000, 500, 200" in said for said in result["findings"])
    assert result["phone_fields"]["properties"]["conference_pin"] != "605040"
    assert all(request[0] in ("page", "phone") for request in client.sent if request != "user")


def test_a_registration_resource_that_answers_404_says_the_checks_cannot_read_it():
    missing = ApiError("GET", "/extension/1001/registration/", status=404, message="Not found")
    result = probe_with_registration(FakeClient([PHONE], registration=missing))
    assert result["registration"]["readable"] is False and result["registration"]["status"] == 404
    assert any("check_registrations cannot read SIP registrations" in said for said in result["findings"])
    assert any("may not serve the registration resource" in said for said in result["findings"])


@pytest.mark.parametrize("expires, reading", [(1_765_000_000, "timestamp"), (699, "seconds_left")])
def test_the_reading_of_expires_is_told_from_the_answer(expires, reading):
    answer = {"registered": True, "registrations": [{"device": {"user_agent": "MicroSIP/3.21.3"},
                                                     "expires": expires}]}
    result = probe_with_registration(FakeClient([PHONE], registration=answer))
    assert result["registration"]["expires_reading"] == reading
    assert result["registration"]["device_types"] == ["object"]
    assert any("not a string" in said for said in result["findings"])


def test_an_outage_while_reading_registrations_is_raised_not_described():
    outage = ApiError("GET", "/extension/1001/registration/", message="timed out", outage=True)
    with pytest.raises(ApiError):
        probe_with_registration(FakeClient([PHONE], registration=outage))


def test_the_probe_says_what_the_reserve_keeps_and_what_a_task_may_spend():
    result = probe(FakeClient([PHONE]))
    assert result["rate_limit_reserve"] == {"given": "10%", "kept": 500, "may_spend": 4499}
    assert ("4999 requests remain of the hourly budget; rate_limit_reserve 10% keeps 500 of them for the account's "
            "other applications, so a task may spend 4499 now.") in result["findings"]
