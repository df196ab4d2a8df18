# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""registration_watch.py: lost, back, or unchecked (a read that failed, before or after the writes, with why);
every read optional for the outage breaker. results.warnings and report.py say the unchecked ones."""

import threading
from dataclasses import replace

from ansible_collections.telphin.pbx.plugins.module_utils.budget import BudgetChecks
from ansible_collections.telphin.pbx.plugins.module_utils import report, results
from ansible_collections.telphin.pbx.plugins.module_utils.client import BulkRegistrations
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.results import summary_total
from ansible_collections.telphin.pbx.plugins.module_utils.registration_watch import RegistrationWatch
from ansible_collections.telphin.pbx.plugins.module_utils.runner import Outcome, Run
from ansible_collections.telphin.pbx.plugins.module_utils.targets import Target


class Answers(BudgetChecks):
    """get_registration from a script per extension: each read takes the next answer (True/False: registered,
    an ApiError: raised); the last one repeats. Records whether every read was optional."""

    def __init__(self, **script):
        self.script = {key.lstrip("e"): list(value) for key, value in script.items()}
        self.reads = []
        self.lock = threading.Lock()
        self.bulk_registrations = BulkRegistrations()  # no listing: one GET per extension

    def write_budget(self):  # answers with no rate-limit headers
        return None

    def lowest_limit(self):
        return None

    def get_registration(self, extension_id, optional=False):
        with self.lock:
            self.reads.append((extension_id, optional))
            steps = self.script[extension_id]
            step = steps.pop(0) if len(steps) > 1 else steps[0]
        if isinstance(step, ApiError):
            raise step
        return {"registered": step, "extension_id": int(extension_id),
                "registrations": [{"device": "Yealink SIP-T46U 108.86.0.50"}] if step else []}


def error(ext_id, status=404):
    return ApiError("GET", "/api/ver1.0/extension/%s/registration/" % ext_id, status, "Not found")


def outcome(ext_id, changes=("auth_type",), changed=True):
    target = Target(index=0, given=ext_id, extension_id=ext_id, name=None)
    return Outcome(target, current={name: "old" for name in changes}, changes=changes, changed=changed)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def watched(client, ids, wait=0):
    clock = Clock()
    watch = RegistrationWatch(wait, parallel=4, sleep=clock.sleep, clock=clock)
    outcomes = tuple(outcome(i) for i in ids)
    before = watch.before(client, outcomes)
    return {o.target.extension_id: dict(o.registration) for o in watch.after(client, outcomes, before)}


def test_a_phone_that_could_not_be_read_before_is_read_once_after():
    client = Answers(e1001=[error("1001"), True], e1002=[error("1002"), False], e1003=[error("1003")])
    marked = watched(client, ["1001", "1002", "1003"], wait=10)
    assert marked["1001"]["unchecked"] is False and marked["1001"]["registered_after"] is True  # it is back
    assert marked["1002"]["unchecked"] is True and marked["1002"]["registered_after"] is False
    assert marked["1003"]["unchecked"] is True and marked["1003"]["registered_after"] is None
    assert marked["1003"]["msg"] == "before the writes: GET /api/ver1.0/extension/1003/registration/: HTTP 404: " \
                                    "Not found"
    assert not any(m["lost"] for m in marked.values())
    assert sorted(client.reads) == sorted([(i, True) for i in ("1001", "1002", "1003")] * 2)  # once after: no polling


def test_a_registered_phone_whose_reads_fail_after_the_writes_is_unchecked_not_lost():
    client = Answers(e1001=[True, error("1001", 500)], e1002=[True, False])
    marked = watched(client, ["1001", "1002"], wait=2)
    assert marked["1001"] == dict(marked["1001"], lost=False, unchecked=True, registered_before=True,
                                  registered_after=None)
    assert marked["1001"]["msg"].startswith("after the writes: GET /api/ver1.0/extension/1001/registration/: HTTP 500")
    assert marked["1002"] == dict(marked["1002"], lost=True, unchecked=False, msg="")
    assert all(optional for _ext, optional in client.reads)


def test_one_failed_round_among_answered_ones_is_not_unchecked():
    client = Answers(e1001=[True, error("1001", 502), True])
    assert watched(client, ["1001"], wait=5)["1001"] == {
        "registered_before": True, "registered_after": True, "devices": ["Yealink SIP-T46U 108.86.0.50"],
        "lost": False, "unchecked": False, "msg": ""}


def test_check_mode_marks_the_phones_it_could_not_read():
    client = Answers(e1001=[error("1001", 403)], e1002=[True])
    watch = RegistrationWatch(0, parallel=1)
    outcomes = watch.at_risk(client, (outcome("1001", changed=False), outcome("1002", changed=False),
                                      outcome("1003", changes=("hangup_timeout",), changed=False)))
    assert outcomes[0].registration["unchecked"] is True and outcomes[0].registration["registered_now"] is None
    assert "HTTP 403" in outcomes[0].registration["msg"]
    assert outcomes[1].registration["unchecked"] is False and outcomes[1].registration["registered_now"] is True
    assert outcomes[2].registration is None and [read[0] for read in client.reads] == ["1001", "1002"]


def run_of(marked, check_mode=False):
    key = "registered_now" if check_mode else "registered_before"
    return Run(tuple(replace(outcome(ext_id), registration=dict({key: None}, **registration))
                     for ext_id, registration in marked.items()), registration_wait=15)


def test_one_warning_names_every_unchecked_phone_each_reason_once():
    not_found = "before the writes: GET /api/ver1.0/extension/%s/registration/: HTTP 404: Not found"
    run = run_of({"1001": dict(unchecked=True, lost=False, msg=not_found % 1001),
                  "1002": dict(unchecked=True, lost=False, msg=not_found % 1002),
                  "1003": dict(unchecked=False, lost=False, msg="")})
    assert results.warnings(run) == (
        "The SIP registrations of 2 extensions could not be read (registrations_unchecked), so a device the change "
        "logged out would go unnoticed: id 1001, id 1002: before the writes: GET /api/ver1.0/extension/{id}/"
        "registration/: HTTP 404: Not found",)
    checked = run_of({"1001": dict(unchecked=True, msg="timed out")}, check_mode=True)
    assert results.warnings(checked) == (
        "The SIP registrations of 1 extension could not be read (registrations_unchecked), so whether the change "
        "would log a device out is not known: id 1001: timed out",)
    assert results.warnings(run_of({"1003": dict(unchecked=False, lost=False)})) == ()


def test_the_report_and_the_summary_line_say_which_phones_were_not_checked():
    entries = [{"extension_id": 1001, "name": "000*100", "profile": "net", "changed": True, "changes": ["auth_type"],
                "registration": {"unchecked": True, "lost": False, "msg": "before the writes: HTTP 404 | odd"}},
               {"extension_id": 1002, "name": "000*101", "profile": "net", "changed": True, "changes": ["auth_type"],
                "registration": {"unchecked": False, "lost": False, "msg": ""}}]
    summary = {"extensions": 2, "drifted": 2, "changed": 2, "failed": 0, "registrations_lost": 0,
               "registrations_unchecked": 1, "msg": ""}
    markdown = report.as_markdown(dict(check_mode=False, failed=False, summary=summary, extensions=entries))
    assert "**Warning: the SIP registrations of 1 extensions could not be read" in markdown
    section = markdown.split("## Registrations not checked")[1]
    assert "| 000*100 | 1001 | net | before the writes: HTTP 404 \\| odd |" in section and "1002" not in section
    line = results.summary_line(summary, "r.md")
    assert "WARNING: the SIP registrations of 1 could not be read (see the report)" in line
    quiet = report.as_markdown(dict(check_mode=False, failed=False, summary=dict(summary, registrations_unchecked=0),
                                    extensions=entries[1:]))
    assert "not checked" not in quiet and "Warning" not in quiet
    assert "WARNING" not in results.summary_line(dict(summary, registrations_unchecked=0), "r.md")


def test_the_total_sums_the_unchecked_phones_of_every_account():
    total = summary_total({"a": {"extensions": 1, "registrations_lost": 1, "registrations_unchecked": 2},
                           "b": {"extensions": 2, "registrations_lost": 0, "registrations_unchecked": 3}, "c": {}})
    assert total["registrations_unchecked"] == 5 and total["registrations_lost"] == 1
    assert "registrations_unchecked" not in summary_total({"a": {"extensions": 1}})
