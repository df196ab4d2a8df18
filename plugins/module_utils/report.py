# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's report of one account, and its one-line summary, from the result of phone_profiles.

Pure functions, no I/O. ``report`` is ``{check_mode, failed, msg, summary, stats, extensions}``, the
module's result as the role hands it over. Texts are written as they are (UTF-8, never ``\\u`` escapes);
in the Markdown tables a text can neither break a row nor become markup.
"""

from __future__ import annotations

import json

_MARKDOWN_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\\", "\\\\"), ("|", "\\|"),
                     ("\r\n", "<br>"), ("\n", "<br>"), ("\r", "<br>"))


def cell(value):
    """One Markdown table cell: a text as it is, any other value as JSON; nothing in it breaks the table."""
    if isinstance(value, str):
        text = value if value else '""'
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    for old, new in _MARKDOWN_ESCAPES:
        text = text.replace(old, new)
    return text


def _row(*values):
    return "| " + " | ".join(cell(value) for value in values) + " |"


def as_json(report):
    return json.dumps(report, indent=4, sort_keys=True, ensure_ascii=False) + "\n"


def as_markdown(report, account=""):
    """The Markdown report: counts, the run's message, counts per profile, each drifting field, failures."""
    entries = report.get("extensions") or []
    check_mode = report.get("check_mode")
    drifting = [e for e in entries if e.get("changed") or e.get("changes")]
    failed = [e for e in entries if e.get("failed")]
    lines = ["# Phone profiles report" + (": %s" % account if account else ""), "",
             _what_ran(report, entries),
             "Extensions: %d; %s: %d; failed: %d." % (len(entries), "drifting" if check_mode else "changed",
                                                      len(drifting), len(failed))]
    if report.get("msg"):
        lines += ["", "**%s**" % cell(report["msg"])]
    if report.get("backup_path"):
        lines += ["", "Backup of the extensions before the writes: %s (restore: ansible-playbook telphin.pbx.restore "
                  "-e phone_profiles_restore_file=...)" % cell(report["backup_path"])]
    profiles = (report.get("summary") or {}).get("profiles") or {}
    if profiles:
        lines += ["", "| profile | extensions | drifted | changed | failed |", "|---|--:|--:|--:|--:|"]
        lines += [_row(name, c["extensions"], c["drifted"], c["changed"], c["failed"]) for name, c in profiles.items()]
    lines += ["", "| extension | id | profile | field | before | after |", "|---|---|---|---|---|---|"]
    for entry in drifting:
        for name, values in (entry.get("drift") or {}).items():
            lines.append(_row(entry.get("name") or "", entry.get("extension_id"), entry.get("profile") or "",
                              name, values.get("before"), values.get("after")))
    lost = [e for e in entries if (e.get("registration") or {}).get("lost")]
    if lost:
        lines += ["", "## Registrations lost", "", "Devices registered before the change and not after it:", "",
                  "| extension | id | profile | devices |", "|---|---|---|---|"]
        lines += [_row(e.get("name") or "", e.get("extension_id"), e.get("profile") or "",
                       ", ".join(e["registration"].get("devices") or [])) for e in lost]
    if failed:
        lines += ["", "## Failed", "", "| extension | id | profile | why |", "|---|---|---|---|"]
        lines += [_row(e.get("name") or "", e.get("extension_id"), e.get("profile") or "", e.get("msg") or "")
                  for e in failed]
    return "\n".join(lines) + "\n"


def _what_ran(report, entries):
    if report.get("failed") and not entries:
        return "The run failed before any phone was read: nothing was written."
    return "Audit (check mode): nothing was written." if report.get("check_mode") else "Applied."


def summary_line(summary, report_path):
    """What the play says of one account's run, in one line."""
    profiles = summary.get("profiles") or {}
    if summary.get("msg") and not summary.get("extensions"):
        return "Nothing was read or written: the run failed (below); report %s" % report_path
    counts = ("%d drifting" % summary.get("drifted", 0) if summary.get("check_mode") else
              "%d drifted, %d changed" % (summary.get("drifted", 0), summary.get("changed", 0)))
    return "%s of %d extensions%s: %s, %d failed%s; report %s%s" % (
        "Audit" if summary.get("check_mode") else "Run", summary.get("extensions", 0),
        " (%s)" % ", ".join(profiles) if profiles else "", counts, summary.get("failed", 0),
        "; the run failed (below)" if summary.get("msg") else "", report_path,
        "; backup %s" % summary["backup_path"] if summary.get("backup_path") else "")
