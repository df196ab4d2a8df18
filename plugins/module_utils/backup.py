# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A backup of what a task read, written before its first write, and the restore of one.

The backup holds every extension of the task as it was read (every field the API returned, secrets
included; never the write-only ``password``, which the API does not return), in the shape of
phone_properties_info's ``extensions`` (``results.info_entry``: one reading of an account for the export
and the backup), under a header that names the account: the client id from ``/user/`` and the API host.
It is a vars file whose texts Ansible never templates (``vars_yaml``), readable by its owner only.

A restore reads the file before any request, refuses a file that is not a backup of this collection, and
one of another account (after ``/user/``), then brings the extensions of the backup back to what it holds
with the phases of every other run: only the fields that differ now, only on the extensions that differ.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import urlsplit

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils import vars_yaml
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError
from ansible_collections.telphin.pbx.plugins.module_utils.results import info_entry
from ansible_collections.telphin.pbx.plugins.module_utils.runner import Run, apply_phone_properties
from ansible_collections.telphin.pbx.plugins.module_utils.targets import targets_from_params

FORMAT = "telphin.pbx phone properties backup"
FORMAT_VERSION = 1
# The collection's version, written into each backup (tests check it against galaxy.yml).
COLLECTION_VERSION = "1.1.0"
DEFAULT_DIR = "backups"


class BackupError(Exception):
    """The backup could not be written: nothing is written to the API either."""


def _now():
    return datetime.now(timezone.utc)


def _account_of(client):
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
        """The path of the backup of ``outcomes`` (those read), written 0600; BackupError when it cannot be."""
        client_id = _account_of(client)
        taken = _now()
        document = {"backup": {"format": FORMAT, "format_version": FORMAT_VERSION,
                               "collection_version": COLLECTION_VERSION, "client_id": client_id,
                               "api_host": self.api_host, "taken_at": taken.strftime("%Y-%m-%dT%H:%M:%SZ")},
                    "extensions": [info_entry(o, show_secrets=True) for o in outcomes if o.current is not None]}
        name = self.filename or "%s%s.yml" % (_name_prefix(client_id), taken.strftime("%Y%m%dT%H%M%S%fZ"))
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
        if self.keep:
            _keep_newest(os.path.dirname(path), _name_prefix(client_id), self.keep)
        return path


def _name_prefix(client_id):
    return "phone_properties_%s_" % client_id


def _keep_newest(dir_path, prefix, keep):
    """Remove all but the newest ``keep`` backups of one account (named ``<prefix><UTC time>.yml``; the time
    sorts as it reads) from ``dir_path``; files of other names, and other accounts', are left alone."""
    ours = sorted(name for name in os.listdir(dir_path)
                  if name.startswith(prefix) and name.endswith(".yml") and name[len(prefix):-4].endswith("Z"))
    for name in ours[:-keep]:
        try:
            os.remove(os.path.join(dir_path, name))
        except OSError as exc:
            raise BackupError("the older backup %s could not be removed (backup_options.keep): %s"
                              % (os.path.join(dir_path, name), exc.strerror or exc))


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
    if header.get("format_version") != FORMAT_VERSION or not isinstance(document.get("extensions"), list):
        return None, ["restore_from: %s is a backup of format version %r; this collection reads version %d"
                      % (path, header.get("format_version"), FORMAT_VERSION)]
    return document, []


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


def restore(client, document, parallel, check_mode, backup=None):
    """Bring the account back to the backup: a :class:`Run` (refused for a backup of another account)."""
    header = document["backup"]
    try:
        client_id = _account_of(client)
    except ApiError as exc:
        return Run((), refused=("the account could not be read (/user/), so nothing was restored: %s" % exc,))
    if str(client_id) != str(header.get("client_id")):
        return Run((), refused=("the backup is of client %s, and these credentials are of client %s: nothing "
                                "was restored" % (header.get("client_id"), client_id),))
    items, notes = restore_items(document)
    targets, problems = targets_from_params({"extensions": items})
    if problems:
        return Run((), refused=tuple(problems))
    run = apply_phone_properties(client, targets, parallel=parallel, check_mode=check_mode, backup=backup)
    return replace(run, notes=run.notes + tuple(notes))
