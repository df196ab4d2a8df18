# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report of one account's run of phone_profiles, and its files (its one-line summary: ``results.summary_line``).

``report`` is ``{check_mode, failed, msg, summary, stats, extensions, backup_path}`` (``results.
phone_profiles_report`` makes it from the module's result). Texts are written as they are (UTF-8, never
``\\u`` escapes); in the Markdown tables a text can neither break a row nor become markup. The rendering is
pure; ``folder_problems``, ``write`` and ``replace_file`` (also the export's) are the only I/O, and the module calls
them (the check before any request, the write as it ends).
"""

from __future__ import annotations

import json
import os
import tempfile

FILES = {"json": "phone_profiles_report.json", "md": "phone_profiles_report.md"}

# HTML, a table's cell separator, line breaks, and link and image markup ("[text](url)", "![x](url)"): a text
# from the PBX can neither break a row nor become a link.
_MARKDOWN_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\\", "\\\\"), ("|", "\\|"),
                     ("[", "\\["), ("]", "\\]"), ("\r\n", "<br>"), ("\n", "<br>"), ("\r", "<br>"))


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
    drifting = [e for e in entries if e.get("changed") or e.get("changes")]
    failed = [e for e in entries if e.get("failed")]
    lines = ["# Phone profiles report" + (": %s" % cell(account) if account else ""), "",
             _what_ran(report, entries), headline(report.get("summary") or {}, report.get("check_mode"))]
    if report.get("msg"):
        lines += ["", "**%s**" % cell(report["msg"])]
    if (report.get("summary") or {}).get("registrations_unchecked"):
        lines += ["", "**Warning: the SIP registrations of %d extensions could not be read (see Registrations not "
                  "checked).**" % report["summary"]["registrations_unchecked"]]
    if report.get("backup_path"):
        lines += ["", "Backup of the extensions before the writes: %s (restore: ansible-playbook telphin.pbx.restore "
                  "-e phone_profiles_restore_file=...)" % cell(report["backup_path"])]
    profiles = (report.get("summary") or {}).get("profiles") or {}
    if profiles:
        lines += ["", "| profile | extensions | drifted | written | failed |", "|---|--:|--:|--:|--:|"]
        lines += [_row(name, c["extensions"], c["drifted"], c["changed"], c["failed"]) for name, c in profiles.items()]
    lines += ["", "| extension | id | profile | field | before | after |", "|---|---|---|---|---|---|"]
    for entry in drifting:
        for name, values in (entry.get("drift") or {}).items():
            lines.append(_row(entry.get("name") or "", entry.get("extension_id"), entry.get("profile") or "",
                              name, values.get("before"), values.get("after")))
    lines += _registration_sections(entries, report.get("check_mode"))
    if failed:
        lines += ["", "## Failed", "", "| extension | id | profile | why |", "|---|---|---|---|"]
        lines += [_row(e.get("name") or "", e.get("extension_id"), e.get("profile") or "", e.get("msg") or "")
                  for e in failed]
    return "\n".join(lines) + "\n"


def _registration_sections(entries, check_mode):
    """The extensions whose devices the change logged out, and those whose registrations could not be read."""
    lines = []
    lost = [e for e in entries if (e.get("registration") or {}).get("lost")]
    if lost:
        lines += ["", "## Registrations lost", "", "Devices registered before the change and not after it:", "",
                  "| extension | id | profile | devices |", "|---|---|---|---|"]
        lines += [_row(e.get("name") or "", e.get("extension_id"), e.get("profile") or "",
                       ", ".join(e["registration"].get("devices") or [])) for e in lost]
    unchecked = [e for e in entries if (e.get("registration") or {}).get("unchecked")]
    if unchecked:
        lines += ["", "## Registrations not checked", "",
                  "Their registrations could not be read, so %s:" % (
                      "whether the change would log a device out is not known" if check_mode else
                      "a device the change logged out would go unnoticed"), "",
                  "| extension | id | profile | why |", "|---|---|---|---|"]
        lines += [_row(e.get("name") or "", e.get("extension_id"), e.get("profile") or "",
                       e["registration"].get("msg") or "") for e in unchecked]
    return lines


def headline(summary, check_mode):
    """The counts of the summary (the JSON's and the custom stats' own), in words: drifting extensions differ
    from their profile, written ones were changed on the PBX; the two differ when a write fails."""
    counts = "drifting: %d" % summary.get("drifted", 0) if check_mode else \
        "drifted: %d; written: %d" % (summary.get("drifted", 0), summary.get("changed", 0))
    return "Extensions: %d; %s; failed: %d." % (summary.get("extensions", 0), counts, summary.get("failed", 0))


def _what_ran(report, entries):
    if report.get("failed") and not entries:
        return "The run failed before any phone was read: nothing was written."
    return "Audit (check mode): nothing was written." if report.get("check_mode") else "Applied."


def folder_problems(dir_path, option="report_dir"):
    """Why a file cannot be written to ``dir_path`` (made when missing), naming the option; empty when it can."""
    if os.path.exists(dir_path) and not os.path.isdir(dir_path):
        return ["%s: %s is a file, not a folder" % (option, dir_path)]
    try:
        os.makedirs(dir_path, mode=0o755, exist_ok=True)
    except OSError as exc:
        return ["%s: %s cannot be made: %s" % (option, dir_path, exc.strerror or exc)]
    if not os.access(dir_path, os.W_OK | os.X_OK):
        return ["%s: %s cannot be written (no write permission)" % (option, dir_path)]
    return []


def write(dir_path, report, account=""):
    """Write the JSON and the Markdown report into ``dir_path``, each replacing an older one at once (a reader
    never sees half a file); the path of the Markdown one. OSError when a file cannot be written."""
    texts = {"json": as_json(report), "md": as_markdown(report, account)}
    for kind, name in FILES.items():
        replace_file(os.path.join(dir_path, name), texts[kind])
    return os.path.join(dir_path, FILES["md"])


def replace_file(path, text, mode=0o644):
    """Write ``text`` to ``path`` at once: a new file beside it (made readable by its owner only), renamed over
    it, so a reader never sees half a file and a link there is replaced, never written through. OSError when
    it cannot be written."""
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".%s." % os.path.basename(path))
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError:
        os.unlink(temporary)
        raise
