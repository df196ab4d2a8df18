# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup files: a backup of what a task read, written before its first write, and read back.

The backup holds every extension of the task as it was read (every field the API returned, secrets
included; never the write-only ``password``, which the API does not return), in the shape of
phone_properties_info's ``extensions`` (``entries.info_entry``: one reading of an account for the export
and the backup), under a header that names the account: the client id from ``/user/`` and the API host.
It is a vars file whose texts Ansible never templates (``vars_yaml``), readable by its owner only.

A restore reads the file here (:func:`read`, before any request: a file that is not a backup of this
collection is refused) and turns it into the items of a run (:func:`restore_items`); the runner's
``restore`` refuses a backup of another account (after ``/user/``), then brings the extensions back with the
phases of every other run: only the fields that differ now, only on the extensions that differ.
"""

from __future__ import annotations

import os
import re
import stat
from datetime import datetime, timezone
from urllib.parse import urlsplit

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils import vars_yaml
from ansible_collections.telphin.pbx.plugins.module_utils.entries import info_entry
from ansible_collections.telphin.pbx.plugins.module_utils.targets import duplicate_targets, targets_from_params

FORMAT = "telphin.pbx phone properties backup"
FORMAT_VERSION = 1
# The collection's version, written into each backup (tests check it against galaxy.yml).
COLLECTION_VERSION = "2.0.0"
DEFAULT_DIR = "backups"


class BackupError(Exception):
    """The backup could not be written: nothing is written to the API either."""


def _now():
    return datetime.now(timezone.utc)


def account_of(client):
    """The client id of the credentials (``/user/``): a backup's header names it, a restore compares it."""
    user = client.get_user() or {}
    return user.get("client_id")


class BackupWriter:
    """Writes the backup of a run's reads; the runner calls it once, before the first write."""

    def __init__(self, api_url, dir_path=None, filename=None, keep=0):
        self.api_host = urlsplit(api_url).hostname or api_url
        self.dir_path = dir_path or DEFAULT_DIR
        self.filename = filename
        self.keep = keep or 0

    def __call__(self, client, outcomes):
        """``(path, notes)``: the backup of ``outcomes`` (those read), written 0600, and what pruning the older
        ones (``keep``) left undone; BackupError when the backup cannot be written."""
        client_id = account_of(client)
        taken = _now()
        document = {"backup": {"format": FORMAT, "format_version": FORMAT_VERSION,
                               "collection_version": COLLECTION_VERSION, "client_id": client_id,
                               "api_host": self.api_host, "taken_at": taken.strftime("%Y-%m-%dT%H:%M:%SZ")},
                    "extensions": [info_entry(o, show_secrets=True) for o in outcomes if o.current is not None]}
        name = self.filename or _default_name(client_id, taken)
        path = os.path.abspath(os.path.join(os.path.expanduser(self.dir_path), name))
        header = ["A backup of %d phone extensions of client %s at %s, taken by telphin.pbx %s before a change."
                  % (len(document["extensions"]), client_id, self.api_host, COLLECTION_VERSION),
                  "It holds secrets: keep it where only you can read it. Restore it with:",
                  "  ansible-playbook telphin.pbx.restore -e phone_profiles_restore_file=%s" % path]
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.write(vars_yaml.dump(document, header))
        except OSError as exc:
            raise BackupError("the backup %s could not be written: %s" % (path, exc.strerror or exc))
        notes = ()
        if self.keep:
            try:
                notes = prune(path, client_id, self.api_host, self.keep)
            except Exception as exc:  # the backup is written: a prune that fails must not stop the change
                notes = ("backup_options.keep: the older backups in %s were not pruned: %r"
                         % (os.path.dirname(path), exc),)
        return path, tuple(notes)


def _default_name(client_id, taken):
    return "phone_properties_%s_%s.yml" % (client_id, taken.strftime("%Y%m%dT%H%M%S%fZ"))


# _default_name's names: the UTC time to the microsecond, which also orders two backups taken in one second.
_DEFAULT_NAME = re.compile(r"^phone_properties_(?P<client>.+)_\d{8}T\d{6}(?P<micro>\d{6})Z\.yml$")
# A header is a few hundred bytes: reading more would read the extensions of every old backup.
HEADER_BYTES = 16384


def prune(written, client_id, api_host, keep):
    """Remove the older backups of this account so that ``keep`` remain, ``written`` (just written) among them.

    Counted are the files of the default name in the same folder whose header (read alone) says they are
    backups of this format, by any version of the collection (1.1.0 too), of the same client id and API
    host. The newest by the time their header holds (then by the microseconds of their name) are kept.
    A symlink, or anything else that is not a regular file, is neither followed nor removed; a file that
    cannot be read is left alone. Returns the notes: what could not be read or removed.
    """
    folder, notes, found = os.path.dirname(written), [], []
    try:
        names = os.listdir(folder)
    except OSError as exc:
        return ["backup_options.keep: %s cannot be listed, so no older backup was removed: %s"
                % (folder, exc.strerror or exc)]
    for name in names:
        match = _DEFAULT_NAME.match(name)
        path = os.path.join(folder, name)
        if not match or match.group("client") != str(client_id) or path == written:
            continue
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):  # a symlink, a folder: not a backup we wrote
                continue
            header = read_header(path)
        except (OSError, UnicodeDecodeError) as exc:
            notes.append("backup_options.keep: %s is left alone: it cannot be read (%s)"
                         % (path, getattr(exc, "strerror", None) or exc))
            continue
        except ValueError as exc:
            notes.append("backup_options.keep: %s is left alone: %s" % (path, exc))
            continue
        taken = _taken_at(header, client_id, api_host)
        if taken is not None:
            found.append(((taken, match.group("micro")), path))
    for _order, path in sorted(found, reverse=True)[max(keep - 1, 0):]:
        try:
            os.remove(path)
        except OSError as exc:
            notes.append("backup_options.keep: the older backup %s could not be removed: %s"
                         % (path, exc.strerror or exc))
    return notes


def _taken_at(header, client_id, api_host):
    """When the backup was taken, if ``header`` is one of this collection's for this account; else None."""
    if not isinstance(header, dict) or header.get("format") != FORMAT \
            or header.get("format_version") != FORMAT_VERSION or str(header.get("client_id")) != str(client_id) \
            or header.get("api_host") != api_host:
        return None
    try:
        return datetime.strptime(str(header.get("taken_at")), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None


def read_header(path):
    """The ``backup`` mapping at the top of a file, read from its first bytes; None when the file is not a
    regular file or does not begin with one. Never follows a symlink. OSError and UnicodeDecodeError when the
    file cannot be read, ValueError when its beginning is not YAML."""
    # O_NONBLOCK: a FIFO of a backup's name must not hang the task (it is refused as no regular file).
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as source:
        if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
            return None
        head = source.read(HEADER_BYTES)
    if len(head) == HEADER_BYTES:  # cut at a line's end, not inside a character
        head = head[:head.rfind(b"\n") + 1]
    lines = []
    for raw in head.splitlines():  # decoded line by line: what follows the header is not read
        line = raw.decode("utf-8")
        if line.startswith("backup:"):
            lines = [line]
        elif lines and line[:1] in (" ", "\t"):
            lines.append(line)
        elif lines or not (line.startswith("#") or line.strip() in ("", "---")):
            break  # the header ended, or a key came before it: a file that does not begin with a header
    if not lines:
        return None
    try:
        document = vars_yaml.load("\n".join(lines))
    except Exception as exc:  # YAML errors
        raise ValueError("its header is not YAML: %s" % str(exc).splitlines()[0]) from None
    return document.get("backup") if isinstance(document, dict) else None


def read(path):
    """``(document, problems)`` of a backup file: problems name the file and why it is no backup of ours."""
    try:
        with open(path, encoding="utf-8") as source:
            document = vars_yaml.load(source.read())
    except (OSError, UnicodeDecodeError) as exc:
        return None, ["restore_from: %s cannot be read: %s" % (path, getattr(exc, "strerror", None) or exc)]
    except Exception as exc:  # YAML errors: the file is no backup whatever the parser says
        return None, ["restore_from: %s is not YAML: %s" % (path, str(exc).splitlines()[0])]
    header = document.get("backup") if isinstance(document, dict) else None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return None, ["restore_from: %s is not a backup of telphin.pbx (no 'backup' header of format %r)"
                      % (path, FORMAT)]
    if header.get("format_version") != FORMAT_VERSION:
        return None, ["restore_from: %s is a backup of format version %r; this collection reads version %d"
                      % (path, header.get("format_version"), FORMAT_VERSION)]
    problems = entry_problems(document.get("extensions"))
    if header.get("client_id") is None:
        problems.insert(0, "backup.client_id: missing, so the account it was taken of is not known")
    if problems:
        return None, ["restore_from: %s: %s" % (path, problem) for problem in problems]
    return document, []


def entry_problems(entries):
    """What makes the ``extensions`` of a backup no list of extensions a restore can send, each problem
    naming its entry (``extensions[3].properties``). The values the field table refuses are not problems:
    the API may hold them, and a restore leaves them as they are (``restore_items``)."""
    if not isinstance(entries, list):
        return ["extensions: must be a list of the extensions backed up, got %s" % _kind(entries)]
    problems = []
    for index, entry in enumerate(entries):
        where = "extensions[%d]" % index
        if not isinstance(entry, dict):
            problems.append("%s: must be a mapping (extension_id, name, label, properties), got %s"
                            % (where, _kind(entry)))
            continue
        if entry.get("extension_id") is None:
            problems.append("%s.extension_id: missing" % where)
        if entry.get("name") is not None and not isinstance(entry["name"], str):
            problems.append("%s.name: must be a text, got %s" % (where, _kind(entry["name"])))
        properties = entry.get("properties")
        if not isinstance(properties, dict):
            problems.append("%s.properties: must be a mapping of field names to values, got %s"
                            % (where, _kind(properties)))
            continue
        for name, value in properties.items():
            fld = F.FIELDS_BY_NAME.get(name)
            if fld is not None and fld.writable and fld.type != F.DICT and isinstance(value, (dict, list)):
                # The kind only, never the value: it may be a secret.
                problems.append("%s.properties.%s: must be a single value, got %s" % (where, name, _kind(value)))
    if problems:
        return problems
    # The ids as every task's are checked (targets.py), with the items the restore would send.
    targets, problems = targets_from_params({"extensions": restore_items({"extensions": entries})[0]})
    return problems + duplicate_targets(targets)


def _kind(value):
    return "nothing" if value is None else "a %s" % {dict: "mapping", list: "list", str: "text"}.get(
        type(value), type(value).__name__)


def restore_items(document):
    """``(items, notes)``: phone_properties items that bring each extension back to the backup's values.

    Every writable field the backup holds is managed: a value is set, a null resets a field that can be
    null. A value the field table refuses (the API may hold what the module would never send) is left as
    it is now, and a note says so.
    """
    items, notes = [], []
    for entry in document["extensions"]:
        item = {"extension_id": entry.get("extension_id"), "name": entry.get("name")}
        reset = []
        for name, value in (entry.get("properties") or {}).items():
            fld = F.FIELDS_BY_NAME.get(name)
            if fld is None or not fld.writable or fld.writeonly:
                continue
            if value is None:
                if fld.nullable:
                    reset.append(name)
                continue
            try:
                F.validate(fld, value)
            except F.FieldError as exc:
                notes.append("%s: %s is left as it is: the backup's value cannot be sent (%s)"
                             % (entry.get("name") or entry.get("extension_id"), name, exc))
                continue
            item[name] = value
        if reset:
            item["reset"] = reset
        items.append(item)
    return items, notes
