# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data from the PBX is text, never code: texts that look like Jinja go through every playbook unrun.

An extension user can set their own ``label`` through the API. Here labels hold Jinja (a command run through
the ``pipe`` lookup, arithmetic, a raw block, a comment, a lone ``{{``), a YAML tag, quotes and non-ASCII;
the account is exported, audited and applied with the export, and audited against a profile that changes
the labels, so that they pass through the role's facts, its report files, its messages and its summary.
Nothing may run (the marker files stay absent), every text must come back exactly as the API holds it, and
the export applied to the account must send no PUT.
"""

import json

import yaml

from conftest import api_requests, read_vars_file
from test_collection_playbooks import custom_stats, playbook

LOOKUP = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}"


def hostile_labels(folder):
    """{extension id: label} of texts that Ansible would run or change if it templated them."""
    return {
        1001: LOOKUP % (folder / "ran-from-a-label"),
        1002: "{{ 7 * 7 }}",
        1003: "{% raw %}x",
        1004: "{# not a comment",
        1005: "a lone {{ brace",
        1006: "!unsafe tagged",
        1007: "it's \"quoted\" ' and \\ a backslash: {{ '{{' }}",
        1009: "Приёмная ☎ {{ '☎' * 3 }}",
        1010: "{% for x in range(3) %}{{ x }}{% endfor %}",
        1011: "{{ lookup('ansible.builtin.env', 'TELPHIN_APP_SECRET') }}",
    }


def set_labels(sim, folder):
    labels = hostile_labels(folder)
    for ext_id, label in labels.items():
        sim.set_phone(ext_id, {"label": label})
    # A text for another field from the API, which must stay text too.
    sim.set_phone(1012, {"append_to_cid_name_on_transfer": LOOKUP % (folder / "ran-from-a-suffix")})
    return labels


def nothing_ran(folder):
    return not list(folder.glob("ran-from-*"))


def test_export_audit_apply_of_hostile_texts_run_nothing_and_change_nothing(sim, tmp_path):
    labels = set_labels(sim, tmp_path)
    names = {ext["id"]: ext["name"] for ext in sim.extensions()}

    export = playbook(sim, tmp_path, "export")
    assert export.rc == 0, export
    assert nothing_ran(tmp_path), export
    text = (tmp_path / "phone_profiles_export.yml").read_text(encoding="utf-8")
    assert "Приёмная ☎" in text, "non-ASCII is written as it is, for a person to read"
    exported = read_vars_file(text)
    overrides = {assignment["extensions"][0]: assignment.get("overrides", {})
                 for assignment in exported["phone_profile_assignments"] if "overrides" in assignment}
    for ext_id, label in labels.items():
        assert overrides[names[ext_id]]["label"] == label, (ext_id, text)
    assert overrides[names[1012]]["append_to_cid_name_on_transfer"] == LOOKUP % (tmp_path / "ran-from-a-suffix")

    sim.clear_log()
    audit = playbook(sim, tmp_path, "audit", "--check", "-e", "@phone_profiles_export.yml",
                     env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert audit.rc == 0, audit
    assert "0 drifting, 0 failed" in audit.output, audit
    assert custom_stats(audit.output)["phone_profiles_summary"]["drifted"] == 0
    applied = playbook(sim, tmp_path, "apply", "-e", "@phone_profiles_export.yml")
    assert applied.rc == 0, applied
    assert api_requests(sim, "PUT") == [], applied
    assert nothing_ran(tmp_path)
    assert {ext_id: sim.phone(ext_id)["label"] for ext_id in labels} == labels


def test_hostile_texts_in_the_report_and_messages_are_shown_as_they_are(sim, tmp_path):
    labels = set_labels(sim, tmp_path)
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump({
        "phone_profiles": {"plain": {"label": "Plain"}},
        "phone_profile_assignments": [{"profile": "plain", "extensions": sorted(labels)}]}))
    audit = playbook(sim, tmp_path, "audit", "--check", "--diff", "-e", "@profiles.yml")
    assert audit.rc == 0, audit
    assert nothing_ran(tmp_path), audit
    assert "%d drifting" % len(labels) in audit.output
    report = json.loads((tmp_path / "phone_profiles_report.json").read_text(encoding="utf-8"))
    before = {entry["extension_id"]: entry["drift"]["label"]["before"] for entry in report["extensions"]}
    assert before == labels
    markdown = (tmp_path / "phone_profiles_report.md").read_text(encoding="utf-8")
    for label in labels.values():  # as it is; a backslash doubled, as Markdown escapes it in a table
        assert "| %s | Plain |" % label.replace("\\", "\\\\") in markdown, label
    assert "demo-secret" not in markdown + json.dumps(report) + audit.output


def test_api_messages_that_look_like_jinja_are_reported_as_they_are(sim, tmp_path):
    """The API's own message goes into the role's facts, report, summary and failure message unrun."""
    marker = tmp_path / "ran-from-a-message"
    message = LOOKUP % marker + " {{ 'jinja' ~ '-ran' }}"
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump({
        "phone_profiles": {"slow": {"hangup_timeout": 99}},
        "phone_profile_assignments": [{"profile": "slow", "extensions": [1002, 1003]}]}))
    sim.set_faults({"fail": {"count": 1, "status": 400, "message": message,
                             "match": {"method": "PUT", "path_regex": "/extension/1002/"}}})
    applied = playbook(sim, tmp_path, "apply", "-e", "@profiles.yml", env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert applied.rc != 0 and not marker.exists(), applied
    assert message in applied.output and "jinja-ran" not in applied.output, applied
    report = json.loads((tmp_path / "phone_profiles_report.json").read_text(encoding="utf-8"))
    assert message in report["msg"] and report["summary"]["failed"] == 1
    assert message in (tmp_path / "phone_profiles_report.md").read_text(encoding="utf-8")
    assert sim.phone(1003)["hangup_timeout"] == 99 and sim.phone(1002)["hangup_timeout"] != 99

    # An account whose listing fails: its message is the run's message and the summary's.
    sim.set_faults({"fail": {"count": None, "status": 400, "message": message,
                             "match": {"method": "GET", "path_regex": "/client/.*/extension/$"}}})
    audit = playbook(sim, tmp_path, "audit", "--check", "-e", "@profiles.yml", env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert audit.rc != 0 and not marker.exists(), audit
    assert message in audit.output and "jinja-ran" not in audit.output, audit
    assert message in json.dumps(custom_stats(audit.output)["phone_profiles_summary"], ensure_ascii=False)
