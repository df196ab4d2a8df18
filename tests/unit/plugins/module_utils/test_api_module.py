# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugins/module_utils/api_module.py: what a module logs to the system log ("Invoked with ...",
written by AnsibleModule.__init__) and what it returns carry every secret masked by its field, also inside
the options of free form; a short secret is masked by field only, never as every occurrence of its text."""

from __future__ import annotations

import json
import syslog

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import PASS_VARS

from ansible_collections.telphin.pbx.plugins.module_utils.api_module import ApiModule
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.modules import phone_profiles, phone_properties

SHORT_PIN = "4729"
OVERRIDE_PIN = "5858"
LONG_PIN = "long-replace-pin-8812"
SIP_PASSWORD = "sip-Pass-77x"
LABEL = "000*100"  # a 3-digit PIN "100" must not turn it into 000*********

PROFILES = {"office": {"conference_pin": SHORT_PIN, "replace_pin": LONG_PIN, "label": LABEL}}
ASSIGNMENTS = [{"profile": "office", "extensions": [1001],
                "overrides": {"password": SIP_PASSWORD, "conference_pin": OVERRIDE_PIN}}]
SECRETS = (SHORT_PIN, OVERRIDE_PIN, LONG_PIN, SIP_PASSWORD)


@pytest.fixture
def system_log(monkeypatch):
    """The messages the module sends to syslog (journald is taken to be absent, as in a container)."""
    sent = []
    monkeypatch.setattr(basic, "has_journal", False)
    monkeypatch.setattr(basic, "HAS_SYSLOG", True)
    monkeypatch.setattr(syslog, "openlog", lambda *args: None)
    monkeypatch.setattr(syslog, "syslog", lambda priority, message: sent.append(message))
    return sent


@pytest.fixture
def module_args(monkeypatch):
    """``module_args(dict)``: the options the next AnsibleModule reads, as Ansible hands them over."""

    def give(args):
        args = dict(args, api_url="http://127.0.0.1:9", app_id="app", app_secret="app-secret-1234")
        if "inject_invocation" in PASS_VARS:  # ansible-core 2.21 returns the invocation only when asked
            args["_ansible_inject_invocation"] = True
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)  # ansible-core 2.19 and later

    return give


def returned(capsys, exit_call):
    """The result a module prints when it exits through ``exit_call()``."""
    with pytest.raises(SystemExit):
        exit_call()
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def invoked_lines(system_log):
    lines = [line for line in system_log if "Invoked with" in line]
    assert len(lines) == 1, system_log
    return lines[0]


def test_the_secrets_of_profiles_and_overrides_are_masked_in_the_system_log(module_args, system_log):
    module_args({"profiles": PROFILES, "assignments": ASSIGNMENTS})
    ApiModule(phone_profiles.argument_spec())
    line = invoked_lines(system_log)
    for secret in SECRETS + ("app-secret-1234",):
        assert secret not in line, line
    # Ansible's own format, the fields masked where they are, the rest as it was given
    assert "profiles={'office': {'conference_pin': '********', 'replace_pin': '********', 'label': '000*100'}}" \
        in line, line
    assert "'overrides': {'password': '********', 'conference_pin': '********'}" in line, line
    assert "app_secret=NOT_LOGGING_PARAMETER" in line, line


def test_no_secret_reaches_journald_neither_in_the_message_nor_in_a_field(module_args, monkeypatch):
    """With journald, Ansible also sends each option as a field of its own (PROFILES=..., ASSIGNMENTS=...)."""
    sent = []

    class Journal:  # pylint: disable=too-few-public-methods
        @staticmethod
        def send(**fields):
            sent.append(fields)

    monkeypatch.setattr(basic, "has_journal", True)
    monkeypatch.setattr(basic, "journal", Journal, raising=False)
    module_args({"profiles": PROFILES, "assignments": ASSIGNMENTS})
    ApiModule(phone_profiles.argument_spec())
    invoked = [fields for fields in sent if "Invoked with" in fields["MESSAGE"]]
    assert len(invoked) == 1, sent
    text = json.dumps(invoked[0])
    for secret in SECRETS + ("app-secret-1234",):
        assert secret not in text, text
    assert "'conference_pin': '********'" in invoked[0]["PROFILES"] and LABEL in invoked[0]["PROFILES"]


def test_the_returned_invocation_masks_by_field_and_a_short_pin_masks_no_other_text(module_args, system_log,
                                                                                    capsys):
    module_args({"profiles": PROFILES, "assignments": ASSIGNMENTS})
    module = ApiModule(phone_profiles.argument_spec())
    # the long secrets are masked as text too (a second net), the short ones by field only
    assert {LONG_PIN, SIP_PASSWORD} <= module.ansible.no_log_values
    assert not {SHORT_PIN, OVERRIDE_PIN} & module.ansible.no_log_values
    result = returned(capsys, lambda: module.finish({"changed": False, "msg": "pins %s %s" % (LABEL, "x4729x"),
                                                     "echo": "%s %s" % (LONG_PIN, SIP_PASSWORD)}))
    args = result["invocation"]["module_args"]
    assert args["profiles"]["office"] == {"conference_pin": "********", "replace_pin": "********", "label": LABEL}
    assert args["assignments"][0]["overrides"] == {"password": "********", "conference_pin": "********"}
    assert result["msg"] == "pins 000*100 x4729x"  # a short PIN is no mask of other texts
    assert LONG_PIN not in result["echo"] and SIP_PASSWORD not in result["echo"]


def test_a_3_digit_pin_of_a_no_log_option_is_masked_by_field_only(module_args, system_log, capsys):
    module_args({"extension_id": "1001", "conference_pin": "100", "label": LABEL,
                 "extensions": None})
    module = ApiModule(phone_properties.argument_spec())
    assert "100" not in module.ansible.no_log_values
    line = invoked_lines(system_log)
    assert "conference_pin=NOT_LOGGING_PARAMETER" in line and "label=000*100" in line, line
    result = returned(capsys, lambda: module.finish({"changed": True, "extension_id": 1001, "label": LABEL}))
    assert result["extension_id"] == 1001 and result["label"] == LABEL, result
    assert result["invocation"]["module_args"]["conference_pin"] == "********"
    assert result["invocation"]["module_args"]["extension_id"] == "1001"
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" not in json.dumps(result)


def test_the_secrets_of_extensions_items_are_masked_in_the_log_and_the_invocation(module_args, system_log, capsys):
    module_args({"extensions": [{"extension_id": 1001, "replace_pin": "77", "password": SIP_PASSWORD,
                                 "label": LABEL}]})
    module = ApiModule(phone_properties.argument_spec())
    line = invoked_lines(system_log)
    assert "'replace_pin': '********'" in line and SIP_PASSWORD not in line and LABEL in line, line
    result = returned(capsys, lambda: module.finish({"changed": False}))
    item = result["invocation"]["module_args"]["extensions"][0]
    assert item["replace_pin"] == "********" and item["password"] == "********" and item["label"] == LABEL


def test_a_refusal_by_ansible_itself_returns_the_invocation_masked(module_args, system_log, capsys):
    """An unknown option fails inside AnsibleModule.__init__, before the module could name any secret."""
    module_args({"profiles": PROFILES, "assignments": ASSIGNMENTS, "no_such_option": True})
    result = returned(capsys, lambda: ApiModule(phone_profiles.argument_spec()))
    assert result["failed"] is True and "no_such_option" in result["msg"], result
    text = json.dumps(result)
    for secret in SECRETS:
        assert secret not in text, text
    assert result["invocation"]["module_args"]["profiles"]["office"]["label"] == LABEL
    assert system_log == []  # nothing was logged of a refused invocation


def test_a_restore_files_long_secrets_are_masked_as_text_too(module_args, system_log):
    module_args({"extension_id": "1001"})
    module = ApiModule(phone_properties.argument_spec())
    module.mask_secrets_of({"extensions": [{"properties": {"conference_pin": "100", "replace_pin": LONG_PIN}}]})
    assert LONG_PIN in module.ansible.no_log_values and "100" not in module.ansible.no_log_values


def test_a_run_ends_with_its_shaped_result_or_the_api_error_result_without_exiting(module_args, system_log):
    """``run`` hands back what the module ends with; an API error outside any one extension (a listing refused)
    is the failed result, so that a module's every exit goes through its one ``finish`` call."""
    module_args({"profiles": PROFILES, "assignments": ASSIGNMENTS})
    module = ApiModule(phone_profiles.argument_spec())

    def refused(_client):
        raise ApiError("GET", "/api/ver1.0/client/@me/extension/", 403, "access denied", "access_denied")

    result, warnings = module.run(refused, lambda value: {"never": value}, lambda value: ["never"])
    assert result["failed"] is True and warnings == ()
    assert "403" in result["msg"] and "access denied" in result["msg"] and result["status"] == 403, result
    assert result["stats"]["requests"]["total"] == 0
    result, warnings = module.run(lambda client: 7, lambda value: {"changed": False, "value": value},
                                  lambda value: ["value %d" % value])
    assert result == {"changed": False, "value": 7} and warnings == ("value 7",)


def test_a_text_with_control_characters_is_logged_escaped_and_fails_no_task(module_args, monkeypatch):
    """syslog refuses a NUL (the module failed before any check, as "MODULE FAILURE" or "Failed to log to
    syslog"), and a line break in a text would start a forged line of the log."""
    sent = []

    def refusing_nul(_priority, message):
        if "\x00" in message:
            raise ValueError("embedded null character")
        sent.append(message)

    monkeypatch.setattr(basic, "has_journal", False)
    monkeypatch.setattr(basic, "HAS_SYSLOG", True)
    monkeypatch.setattr(syslog, "openlog", lambda *args: None)
    monkeypatch.setattr(syslog, "syslog", refusing_nul)
    module_args({"profiles": {"office\n": {"label": "a\x00b\nInvoked with forged=1"}}, "assignments": []})
    ApiModule(phone_profiles.argument_spec())
    line = invoked_lines(sent)
    assert "\n" not in line and "'office\\\\n': {'label': 'a\\\\x00b\\\\nInvoked with forged=1'}" in line, line
