# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every kind of bad input fails before any request, naming the option (and the item), never a traceback.

The cases are a table: for every option of phone_properties, the wrong type, numbers out of range, bad
choices, malformed formats, and huge input, at task level and in an item of ``extensions``; unknown options
and item keys; bad connection options. All of them run in one playbook (one start-up), and the simulator's
log proves that none of them sent a single request.
"""

import socket
import threading

import pytest

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F

from conftest import issue_token, run_tasks

HUGE_TEXT = "x" * 200_000
ANSIBLE_TYPED = (F.INT, F.BOOL)  # Ansible converts these itself, and stops at the first error of a task


def bad_values(fld):
    """``[(kind, value, words the message must hold), ...]`` that the field must refuse."""
    cases = []
    if fld.type == F.INT:
        cases += [("type", "many", ""), ("huge", 10 ** 30, "or less")]
        if fld.minimum is not None:
            cases.append(("below", fld.minimum - 1, "or more"))
    elif fld.type == F.BOOL:
        cases += [("type", "maybe", "")]
    else:
        # No digits in these values: Ansible masks every no_log value (a PIN given a dict) wherever it appears.
        cases += [("dict", {"key": "a-dict-value"}, "must be a string"), ("list", ["a-list"], "must be a string"),
                  ("huge", HUGE_TEXT, "must be at most 1024 characters"),
                  ("control", "a\x00b", "control characters")]
        if fld.text_only:
            cases.append(("number", 12345, "quote it"))  # as YAML reads an unquoted `12345` (or 0123 as 83)
        if fld.choices:
            cases.append(("choice", "nonsense", "one of"))
        if fld.check is not None:
            cases.append(("format", "not valid at all!", "must be"))
    return cases


def property_cases():
    """(id, task options, [(the option the message must name, words), ...]).

    Items: one task whose items each carry one bad value, since every bad item is reported at once.
    Task level: an Ansible-typed option's wrong type is a task of its own (Ansible stops at its first
    error); the collection's own checks report every bad option at once, so each kind is one task.
    """
    items, item_expect = [{"extension_id": 1001}], []
    by_kind = {}
    cases = []
    for fld in F.WRITABLE:
        for kind, value, words in bad_values(fld):
            item_expect.append(("extensions[%d].%s" % (len(items), fld.name), words))
            items.append({"extension_id": 1002, fld.name: value})
            if (kind == "type" and fld.type in ANSIBLE_TYPED) or fld.choices:  # Ansible checks these first
                cases.append(("%s-%s" % (fld.name, kind), {"extension_id": 1001, fld.name: value},
                              [(fld.name, "" if fld.choices else words)]))
            else:
                options, expect = by_kind.setdefault(kind, ({"extension_id": 1001}, []))
                options[fld.name] = value
                expect.append((fld.name + ":", words))
    cases += [("task-level-%s" % kind, options, expect) for kind, (options, expect) in by_kind.items()]
    cases.append(("every-item-at-once", {"extensions": items}, item_expect))
    return cases


OTHER_CASES = [
    ("unknown-option", {"extension_id": 1001, "record_enable": True}, "record_enable", "Unsupported parameters"),
    ("unknown-item-key", {"extensions": [{"extension_id": 1001, "record_enable": True}]}, "record_enable",
     "Unsupported parameters"),
    ("no-target", {"record_enabled": True}, "extension_id", "one of the following is required"),
    ("two-targets", {"extension_id": 1001, "extension_name": "100"}, "extension_id", "mutually exclusive"),
    # Ansible's own message here does not name the option (elements of a list of dicts with suboptions).
    ("extensions-not-a-list", {"extensions": "1001"}, "dictionary requested", ""),
    ("item-without-target", {"extensions": [{"record_enabled": True}]}, "extensions[0]", "exactly one of"),
    ("item-with-two-targets", {"extensions": [{"extension_id": 1, "extension_name": "100"}]}, "extensions[0]",
     "exactly one of"),
    ("id-word", {"extension_id": "abc"}, "extension_id", "positive integer"),
    ("id-zero", {"extension_id": 0}, "extension_id", "positive integer"),
    ("id-negative", {"extensions": [{"extension_id": -5}]}, "extensions[0].extension_id", "positive integer"),
    ("id-full-width-digits", {"extension_id": "\uff11\uff10\uff10\uff10"}, "extension_id", "positive integer"),
    ("id-huge", {"extension_id": "9" * 5000}, "extension_id", "positive integer"),
    ("reset-unknown", {"extension_id": 1001, "reset": ["nothing"]}, "reset", "not a writable property"),
    ("reset-not-nullable", {"extension_id": 1001, "reset": ["record_enabled"]}, "reset", "cannot be null"),
    ("reset-and-value", {"extension_id": 1001, "reset": ["vm_mailto"], "vm_mailto": "a@example.com"}, "reset",
     "also given a value"),
    ("item-reset-unknown", {"extensions": [{"extension_id": 1001, "reset": ["bundle"]}]}, "extensions[0].reset",
     "not a writable property"),
    ("parallel-zero", {"extension_id": 1001, "parallel": 0}, "parallel", "from 1 to 32"),
    ("parallel-huge", {"extension_id": 1001, "parallel": 1000}, "parallel", "from 1 to 32"),
    ("timeout-zero", {"extension_id": 1001, "timeout": 0}, "timeout", "more than 0"),
    ("retries-negative", {"extension_id": 1001, "max_retries": -1}, "max_retries", "0 or more"),
    ("rate-limit-wait-negative", {"extension_id": 1001, "rate_limit_wait": -1}, "rate_limit_wait", "0 or more"),
    ("validate-certs-word", {"extension_id": 1001, "validate_certs": "maybe"}, "validate_certs", ""),
    ("api-url-without-scheme", {"extension_id": 1001, "api_url": "apiproxy.telphin.ru"}, "api_url", "http://"),
    ("api-url-with-the-api-prefix", {"extension_id": 1001, "api_url": "https://pbx.example.com/api/ver1.0"},
     "api_url", "without /api/ver1.0"),
    ("api-url-with-credentials", {"extension_id": 1001, "api_url": "https://admin:Pw-in-the-url@pbx.example.com"},
     "api_url", "must not hold a user name or password"),
    ("ca-path-missing", {"extension_id": 1001, "ca_path": "/nonexistent/ca.pem"}, "ca_path", "no such file"),
    ("no-credentials", {"extension_id": 1001, "app_secret": ""}, "app_secret", "no API credentials"),
]


def all_cases():
    return property_cases() + [(case_id, options, [(option, words)]) for case_id, options, option, words in OTHER_CASES]


@pytest.fixture(scope="module")
def table_run(simulator, tmp_path_factory):
    """Every case as one task of one playbook; the results, and the simulator's log of the whole run."""
    simulator.reset()
    cases = all_cases()
    tasks = [{"name": case_id, "telphin.pbx.phone_properties": options} for case_id, options, _expect in cases]
    results, output, _rc = run_tasks(simulator, tmp_path_factory.mktemp("bad-input"), tasks)
    return dict(zip([case[0] for case in cases], results)), list(simulator.log), output


def test_the_table_covers_every_writable_option_at_both_levels():
    task_level, item_level = set(), set()
    for _case_id, _options, expect in property_cases():
        for option, _words in expect:
            (item_level if option.startswith("extensions[") else task_level).add(option.split(".")[-1].rstrip(":"))
    assert task_level == item_level == set(F.WRITABLE_NAMES)


def test_no_bad_input_sent_a_single_request(table_run):
    _results, log, output = table_run
    assert log == [], log[:3]
    assert "Traceback" not in output


@pytest.mark.parametrize("case_id, options, expect", all_cases(), ids=[case[0] for case in all_cases()])
def test_bad_input_fails_naming_the_option_and_the_reason(table_run, case_id, options, expect):
    results, _log, _output = table_run
    result = results[case_id]
    assert result.get("failed") is True, result
    msg = result["msg"]
    for option, words in expect:
        named = [part for part in msg.split("; ") if option in part]
        assert named and any(words in part for part in named), (option, words, msg[:3000])
    assert "Traceback" not in msg and "unexpected error" not in msg
    if not case_id.endswith("-huge") or "auth_type" not in case_id and "record_format" not in case_id:
        assert HUGE_TEXT[:2000] not in msg  # a huge value is not echoed back (but by Ansible's choices check)


def test_a_pin_given_as_a_yaml_number_names_the_fix_before_any_request(sim, play):
    # `conference_pin: 0123` in YAML is the number 83: refused, with the fix, and nothing is masked away.
    run = play({"telphin.pbx.phone_properties": {"extension_id": 1001, "conference_pin": 83}})
    assert run.result["failed"] is True
    assert "conference_pin: must be a string, got the number ********: quote it" in run.result["msg"], run
    assert sim.log == []


def test_a_given_access_token_is_accepted_without_app_credentials(sim, play):
    token = issue_token(sim)
    sim.clear_log()
    run = play({"telphin.pbx.phone_properties": {"extension_id": 1001, "record_enabled": True}},
               env={"TELPHIN_APP_ID": "", "TELPHIN_APP_SECRET": "", "TELPHIN_ACCESS_TOKEN": token})
    assert run.rc == 0 and run.result["changed"] is False, run


@pytest.mark.parametrize("where, user", [("option", "pbx-user"), ("environment", "pbx-user"), ("option", "u")])
def test_credentials_in_the_api_url_are_refused_and_never_shown(sim, play, where, user):
    """At -vvv the invocation is printed: the user and password of the URL are masked, nothing is sent. A
    one-letter user name is masked within the URL, not as every ``u`` of every message."""
    url = sim.url.replace("http://", "http://%s:Pw-in-the-url-42@" % user)
    task = {"telphin.pbx.phone_properties_info": {"extension_id": 1001}}
    env = {"ANSIBLE_INJECT_INVOCATION": "true"}  # ansible-core 2.21 leaves the invocation out unless asked
    if where == "option":
        task["telphin.pbx.phone_properties_info"]["api_url"] = url
    else:
        env["TELPHIN_API_URL"] = url
    run = play(task, verbosity=3, env=env)
    assert run.result["failed"] is True, run
    assert run.result["msg"].startswith("Invalid options, nothing was sent: api_url: must not hold a user name "
                                        "or password"), run
    assert "Pw-in-the-url-42" not in run.output, run
    assert len(user) == 1 or user not in run.output, run
    assert "invocation" in run.output  # what -vvv shows is there, masked
    assert sim.log == []


def first_line_to_a_proxy(run):
    """The request line a client sends to an HTTPS proxy on a local port, while ``run(proxy_url)`` runs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    lines = []

    def serve():
        conn, _addr = listener.accept()
        with conn:
            lines.append(conn.recv(4096).split(b"\r\n")[0].decode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        result = run("http://127.0.0.1:%d" % listener.getsockname()[1])
    finally:
        listener.close()
    thread.join(5)
    return result, lines


def test_an_empty_api_url_in_the_environment_means_the_default(sim, play):
    """An AWX credential's empty field injects TELPHIN_API_URL=''; the module then uses its default URL.

    The default host is on the internet: an HTTPS proxy on a local port receives the request instead, and
    says which host it was for. Nothing leaves this machine.
    """
    run, lines = first_line_to_a_proxy(lambda proxy: play(
        {"telphin.pbx.phone_properties_info": {"extension_id": 1001, "max_retries": 0}},
        env={"TELPHIN_API_URL": "", "HTTPS_PROXY": proxy, "NO_PROXY": ""}))
    assert run.result["failed"] is True and "Invalid options" not in run.result["msg"], run
    assert [line.rsplit(" ", 1)[0] for line in lines] == ["CONNECT apiproxy.telphin.ru:443"], (lines, run)
    assert sim.log == []


def test_a_python_without_requests_is_told_how_to_install_it_before_any_request(sim, tmp_path):
    # The module runs with a Python that has no requests (a fresh virtualenv as ansible_python_interpreter).
    import subprocess
    import sys
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    task = {"telphin.pbx.phone_properties_info": {"extension_id": 1001},
            "vars": {"ansible_python_interpreter": str(bare / "bin" / "python")}}
    results, output, _rc = run_tasks(sim, tmp_path, [task])
    result, = results
    assert result["failed"] is True, output
    assert "Failed to import the required Python library (requests)" in result["msg"], result["msg"]
    assert "install the collection's requirements.txt" in result["msg"] and "pip install requests" in result["msg"]
    assert sim.log == []
