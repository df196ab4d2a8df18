# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runner's phases with an in-memory API: nothing is written before the whole plan is sound."""

import threading

import pytest

from ansible_collections.telphin.pbx.plugins.module_utils.budget import BudgetChecks
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils import results
from ansible_collections.telphin.pbx.plugins.module_utils.results import failure_message
from ansible_collections.telphin.pbx.plugins.module_utils.runner import (
    Run, apply_phone_properties, read_phone_properties)
from ansible_collections.telphin.pbx.plugins.module_utils.targets import Target


class FakeApi(BudgetChecks):
    """Phones in a dict, a request journal, and errors to raise per (method, id)."""

    def __init__(self, phones, extensions=None, errors=None, remaining=None, me=None, apply_before_error=()):
        self.phones = phones
        self.me = me
        self.apply_before_error = set(apply_before_error)  # (method, id) whose error comes after the change
        self.extensions = extensions or [{"id": int(i), "name": "000*%s" % i, "type": "phone"} for i in phones]
        self.errors = errors or {}
        self.journal = []
        self.lock = threading.Lock()
        self.budget = None if remaining is None else {"limit": 100, "remaining": remaining, "reset": 60}

    def lowest_limit(self):
        return None if self.budget is None else self.budget["limit"]

    def write_budget(self):
        return self.budget

    def get_user(self):
        self._record("USER", "@me")
        return {"id": 7, "extension_id": self.me}

    def _record(self, method, ext_id):
        with self.lock:
            self.journal.append((method, str(ext_id)))
            if self.budget is not None:  # each request spends one of the hourly budget
                self.budget = dict(self.budget, remaining=self.budget["remaining"] - 1)
        error = self.errors.get((method, str(ext_id)))
        if error:
            raise error

    def list_extensions(self, client_id="@me", **filters):
        self._record("LIST", client_id)
        return [e for e in self.extensions if all(e.get(k) == v for k, v in filters.items() if v is not None)]

    def get_phone(self, ext_id):
        self._record("GET", ext_id)
        if str(ext_id) not in self.phones:
            raise ApiError("GET", "/api/ver1.0/extension/%s/phone/" % ext_id, 404, "Not found")
        return dict(self.phones[str(ext_id)])

    def put_phone(self, ext_id, body):
        if ("PUT", str(ext_id)) in self.apply_before_error:
            self.phones[str(ext_id)].update(body)
        self._record("PUT", ext_id)
        self.phones[str(ext_id)].update(body)
        return dict(self.phones[str(ext_id)])


def targets(*specs):
    return [Target(index=i, given=str(ext_id), extension_id=str(ext_id), desired=dict(desired))
            for i, (ext_id, desired) in enumerate(specs)]


def phones(n, **values):
    return {str(1000 + i): dict({"record_enabled": True, "bundle": None}, **values) for i in range(n)}


@pytest.mark.parametrize("parallel", [1, 8])
def test_all_reads_come_before_any_write(parallel):
    api = FakeApi(phones(20))
    api.phones["1003"]["record_enabled"] = False
    api.phones["1017"]["record_enabled"] = False
    done = apply_phone_properties(api, targets(*[(1000 + i, {"record_enabled": True}) for i in range(20)]),
                                  parallel=parallel).outcomes
    methods = [m for m, _ext in api.journal]
    assert methods.count("GET") == 20 and sorted(e for m, e in api.journal if m == "PUT") == ["1003", "1017"]
    assert max(i for i, m in enumerate(methods) if m == "GET") < min(i for i, m in enumerate(methods) if m == "PUT")
    assert [t.changed for t in done].count(True) == 2


def test_check_mode_plans_the_same_and_writes_nothing():
    api = FakeApi(phones(3))
    api.phones["1001"]["record_enabled"] = False
    done = apply_phone_properties(api, targets(*[(1000 + i, {"record_enabled": True}) for i in range(3)]),
                                  check_mode=True).outcomes
    assert [m for m, _ext in api.journal if m == "PUT"] == []
    assert [t.changed for t in done] == [False, True, False]
    assert done[1].after["record_enabled"] is True  # the predicted state
    assert done[1].current["record_enabled"] is False  # what was read stays as it was


def test_a_bundle_conflict_refuses_the_plan_before_any_write():
    bundle = {"bundle_id": 1000, "bundle_list": {"1001": {"active": True}}}
    api = FakeApi(phones(2, bundle=bundle, record_enabled=False))
    run = apply_phone_properties(api, targets((1000, {"record_enabled": True}), (1001, {"record_enabled": False})))
    assert "record_enabled" in run.refused[0]
    assert [o.changes for o in run.outcomes] == [("record_enabled",), ()]  # what would change is still told
    assert [m for m, _ext in api.journal if m == "PUT"] == []


def test_a_rate_limit_stops_the_rest_instead_of_repeating_the_error():
    api = FakeApi(phones(10, record_enabled=False),
                  errors={("PUT", "1000"): ApiError("PUT", "/x", 429, "rate limit exceeded", "rate_limit_exceeded")})
    run = apply_phone_properties(api, targets(*[(1000 + i, {"record_enabled": True}) for i in range(10)]),
                                 parallel=1)
    done = run.outcomes
    assert [m for m, _ext in api.journal].count("PUT") == 1
    assert all(t.failed for t in done)
    assert done[1].msg == "not attempted: the task stopped after an error that every request would meet (see msg)"
    # The reason is said once, with the extensions it stopped listed after it.
    assert failure_message(run) == (
        "10 of 10 extensions failed; the task stopped after an error that every request would meet: "
        "PUT /x: HTTP 429 rate_limit_exceeded: rate limit exceeded: id 1000: PUT /x: HTTP 429 "
        "rate_limit_exceeded: rate limit exceeded; id 1001, id 1002, id 1003, id 1004, id 1005, id 1006, "
        "id 1007, id 1008, id 1009: not attempted: the task stopped after an error that every request would "
        "meet (see msg)")


def test_a_failing_extension_does_not_stop_the_others():
    api = FakeApi(phones(3, record_enabled=False),
                  errors={("PUT", "1001"): ApiError("PUT", "/x", 400, "bad value", "validation_error")})
    done = apply_phone_properties(api, targets(*[(1000 + i, {"record_enabled": True}) for i in range(3)])).outcomes
    assert [(t.changed, t.failed) for t in done] == [(True, False), (False, True), (True, False)]
    assert "HTTP 400" in done[1].msg and "bad value" in done[1].msg


def _all_drifted(n=3):
    return FakeApi(phones(n, record_enabled=False), remaining=14), targets(*[(1000 + i, {"record_enabled": True})
                                                                             for i in range(n)])


def test_writes_that_do_not_fit_above_the_reserve_refuse_the_plan_naming_cost_budget_reserve_and_reset():
    # A limit of 100 keeps 10 back (10%); 14 remain: the three reads fit (4 may be spent), the three writes not.
    api, wanted = _all_drifted()
    refused = apply_phone_properties(api, wanted)
    said, = refused.refused
    assert said.startswith(
        "the writes need 3 requests, but 11 remain of the API's hourly budget of 100, less a reserve of 10 "
        "(rate_limit_reserve 10%) kept for the account's other applications: 1 may be spent; the budget resets "
        "in 60 s (at ")
    assert said.endswith(
        " UTC). Run again after the reset, select fewer extensions, or lower rate_limit_reserve, or set "
        "allow_partial=true to write what fits above the reserve")
    assert [m for m, _ext in api.journal] == ["GET"] * 3


def test_allow_partial_writes_what_fits_above_the_reserve_and_says_which_were_not_sent():
    api, wanted = _all_drifted()
    partial = apply_phone_properties(api, wanted, allow_partial=True)
    assert [m for m, _ext in api.journal] == ["GET"] * 3 + ["PUT"]
    assert [(o.changed, o.failed) for o in partial.outcomes] == [(True, False), (False, True), (False, True)]
    assert partial.outcomes[1].msg.startswith("not written: the hourly request budget above the reserve")
    assert "allow_partial is set, so the first 1 writes were sent" in results.warnings(partial)[0]


def test_check_mode_warns_of_writes_that_would_not_fit():
    api, wanted = _all_drifted()
    audit = apply_phone_properties(api, wanted, check_mode=True)
    assert not audit.refused and [o.changed for o in audit.outcomes] == [True] * 3
    assert "a real run now would stop before writing, unless allow_partial is set" in results.warnings(audit)[0]


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check-mode"])
def test_reads_that_do_not_fit_above_the_reserve_are_refused_before_any_phone_is_read(check_mode):
    api = FakeApi(phones(20), remaining=25)  # 15 may be spent: not the 20 reads
    run = apply_phone_properties(api, targets(*[(1000 + i, {"record_enabled": True}) for i in range(20)]),
                                 check_mode=check_mode)
    assert run.refused[0].startswith("the reads of the phones need 20 requests, but 25 remain of the API's hourly "
                                     "budget of 100, less a reserve of 10")
    assert api.journal == []


def test_with_no_budget_told_yet_the_first_phone_is_read_alone_and_its_answer_decides():
    api = FakeApi(phones(20))
    api.budget = None

    def told_by_the_first_get(ext_id, get=api.get_phone):
        api.budget = {"limit": 100, "remaining": 20, "reset": 60}
        return get(ext_id)
    api.get_phone = told_by_the_first_get
    run = apply_phone_properties(api, targets(*[(1000 + i, {"record_enabled": True}) for i in range(20)]))
    assert run.refused[0].startswith("the reads of the phones need 19 requests, but 19 remain")
    assert api.journal == [("GET", "1000")]


def test_names_are_resolved_with_one_listing():
    api = FakeApi(phones(3, record_enabled=False))
    many = [Target(index=0, given="000*1001"), Target(index=1, given="1002")]
    run = apply_phone_properties(api, many, check_mode=True)
    assert [m for m, _ext in api.journal].count("LIST") == 1
    assert [o.target.extension_id for o in run.outcomes] == ["1001", "1002"]


def test_info_without_targets_reads_every_listed_phone():
    api = FakeApi(phones(3), extensions=[{"id": 1000, "name": "000*100", "type": "phone"},
                                         {"id": 1001, "name": "000*101", "type": "phone"},
                                         {"id": 1033, "name": "000*600", "type": "queue"}])
    read = read_phone_properties(api, []).outcomes
    assert [o.target.extension_id for o in read] == ["1000", "1001"]
    assert all(o.current is not None for o in read)


def test_a_write_whose_answer_was_lost_is_read_back_and_reported_as_done():
    lost = ApiError("PUT", "/x", None, "timed out: no answer within 1 s", hint="gave up after 4 retries")
    api = FakeApi(phones(3, record_enabled=False), errors={("PUT", "1001"): lost},
                  apply_before_error=[("PUT", "1001")])
    run = apply_phone_properties(api, targets(*[(1000 + i, {"record_enabled": True}) for i in range(3)]))
    assert [(o.changed, o.failed) for o in run.outcomes] == [(True, False)] * 3
    assert api.journal.count(("GET", "1001")) == 2  # read, then read back
    assert any("id 1001: the write's answer was lost" in w and "holds the desired values" in w for w in results.warnings(run))


def test_a_write_whose_answer_was_lost_and_was_not_applied_fails_saying_so():
    lost = ApiError("PUT", "/x", 503, "Service unavailable")
    api = FakeApi(phones(1, record_enabled=False), errors={("PUT", "1000"): lost})
    (outcome,) = apply_phone_properties(api, targets((1000, {"record_enabled": True}))).outcomes
    assert (outcome.changed, outcome.failed) == (False, True)
    assert outcome.msg.endswith("read back, the server holds the values before the write: record_enabled still differ")


def test_a_refused_write_is_not_read_back():
    api = FakeApi(phones(1, record_enabled=False),
                  errors={("PUT", "1000"): ApiError("PUT", "/x", 400, "bad value", "validation_error")})
    (outcome,) = apply_phone_properties(api, targets((1000, {"record_enabled": True}))).outcomes
    assert outcome.failed and api.journal.count(("GET", "1000")) == 1


def test_at_me_and_the_users_own_id_are_one_extension():
    api = FakeApi(phones(3), me=1001)
    many = [Target(index=0, given="@me", extension_id="@me", desired={"record_enabled": True}),
            Target(index=1, given="1001", extension_id="1001", desired={"record_enabled": False})]
    run = apply_phone_properties(api, many)
    assert run.refused == ("extensions[0] and extensions[1] both name id 1001",)
    assert [m for m, _ext in api.journal] == ["USER"]


def test_a_field_the_api_leaves_out_is_sent_every_run_with_one_warning():
    api = FakeApi(phones(3))  # the answers hold no `intercom`
    run = apply_phone_properties(api, targets(*[(1000 + i, {"record_enabled": True, "intercom": 5})
                                                for i in range(3)]))
    assert [o.changes for o in run.outcomes] == [("intercom",)] * 3
    assert results.warnings(run) == (
        "The API's answers leave out intercom (on 3 extensions): the module cannot compare what it does not read, "
        "so it sends these fields on every run and reports them as changed.",)


def test_a_long_list_of_extensions_stopped_for_one_reason_names_twenty():
    from ansible_collections.telphin.pbx.plugins.module_utils.runner import Outcome
    outcomes = tuple(Outcome(t, failed=True, msg="same reason") for t in targets(*[(1000 + i, {}) for i in range(25)]))
    assert failure_message(Run(outcomes)).endswith("id 1019 and 5 more: same reason")
