# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An account as code: the properties read from every phone -> ``phone_profiles`` and assignments.

Pure functions (the file's I/O is at the end). The input is ``extensions`` of phone_properties_info
(``{extension_id, name, properties}``); the output, given to the role phone_profiles of the same account,
changes nothing:

- ``default`` holds the most common value of each exported field (compared as the module compares:
  ``hold_music`` 0 and null are one sound, ``geo_list`` a set of countries), when at least two extensions
  share it;
- where at least ``group_min`` extensions share the same differences from it, they become a profile that
  extends ``default``; what is left of an extension's differences becomes its ``overrides``;
- a field the module could never see equal is not exported for that extension (``null`` in its overrides
  takes it out of management): one the API's answer leaves out, a value the field table refuses, and one
  member of a bundle whose synchronized values differ from its main's (they would be a bundle conflict);
- write-only (``password``) and read-only fields are never exported, secrets only when asked for.

``export_file`` writes the result as a vars file whose texts Ansible never templates (``vars_yaml``).
``problems`` is the export's one check before any request: the options, the accounts that would share a
file, and the file, which an export replaces only when an earlier export wrote it. ``ExportFile`` writes
the file from what was read (the I/O here: the check, and the file written at once).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils.plan import bundle_members
from ansible_collections.telphin.pbx.plugins.module_utils import report
from ansible_collections.telphin.pbx.plugins.module_utils import vars_yaml
from ansible_collections.telphin.pbx.plugins.module_utils.entries import info_entry


class _Unmanaged:
    """A field an extension must leave alone: written as ``null`` in its overrides."""

    def __repr__(self):
        return "UNMANAGED"


UNMANAGED = _Unmanaged()
DEFAULT = "default"
# The first line of every export file (1.0.0's was the same, after a "---" line): how an export knows the
# files it may replace.
_HEADER = re.compile(r"\A(?:---\r?\n)?# Phone profiles of [^\n]*, exported by telphin\.pbx\.export from its")
_HEAD_BYTES = 4096
# How the checks name the export's options: the role's variables (its play-wide check, the filter), or the
# options of the module phone_profiles. The file's header names the role's, as it names the playbooks.
ROLE_OPTIONS = "phone_profiles_export_"
MODULE_OPTIONS = "export_"


def _key(fld, value):
    """The form in which two values count as the same (hashable)."""
    compared = F.comparable(fld, value)
    try:
        hash(compared)
    except TypeError:
        return repr(compared)
    return compared


def exported_fields(secrets=False, skip=()):
    """The fields an export may hold, and a note for each writable field it leaves out."""
    chosen, notes = [], []
    for fld in F.WRITABLE:
        if fld.writeonly:
            notes.append("%s: write-only, the API never returns it" % fld.name)
        elif fld.secret and not secrets:
            notes.append("%s: a secret (phone_profiles_export_secrets: true exports it)" % fld.name)
        elif fld.name in skip:
            notes.append("%s: skipped (phone_profiles_export_skip)" % fld.name)
        else:
            chosen.append(fld)
    return chosen, notes


def skip_problems(skip, prefix=ROLE_OPTIONS):
    """Why ``skip`` (phone_profiles_export_skip) cannot be used: each entry that names no field, with the closest."""
    if not isinstance(skip, (list, tuple)):
        return ["%sskip: must be a list of field names, got %s" % (prefix, type(skip).__name__)]
    problems = []
    for index, name in enumerate(skip):
        if not isinstance(name, str) or name not in F.FIELDS_BY_NAME:
            problems.append("%sskip[%d]: %r is not a property of the phone terminal%s"
                            % (prefix, index, name, F.did_you_mean(name, F.FIELDS_BY_NAME)))
    return problems


def _wanted(properties, fld):
    """``(value, why)``: the value an extension's export gives the field (canonical, None for a reset, or
    UNMANAGED) and, for a value the API gave that cannot be sent back, why it is left unmanaged."""
    if fld.name not in properties:
        return UNMANAGED, None  # said once for the field (export_profiles)
    value = properties[fld.name]
    if value == F.MASK:
        return UNMANAGED, "a masked value, not the secret itself"
    if value is None:
        return (None, None) if fld.nullable else (UNMANAGED, "null, which the field cannot be set to")
    try:
        return F.validate(fld, value), None
    except F.FieldError as exc:
        return UNMANAGED, "a value that cannot be sent (%s)" % exc


def _wanted_values(extensions, flds):
    """Every extension's wanted values, and a note for each value the API gave that cannot be sent back."""
    wanted, notes = [], []
    for ext in extensions:
        values = {}
        for fld in flds:
            values[fld.name], why = _wanted(ext.get("properties") or {}, fld)
            if why:
                notes.append("%s: %s holds %s; left unmanaged there"
                             % (ext.get("name") or ext.get("extension_id"), fld.name, why))
        wanted.append(values)
    return wanted, notes


def _align_bundles(extensions, wanted, flds):
    """Members whose synchronized values differ from their main's leave those fields alone."""
    notes = []
    by_bundle = {}
    for index, ext in enumerate(extensions):
        membership = bundle_members(ext.get("properties"))
        if membership:
            by_bundle.setdefault(membership[0], []).append(index)
    for main, members in by_bundle.items():
        members.sort(key=lambda i: str(extensions[i].get("extension_id")) != main)  # the main first
        for fld in flds:
            if not fld.synced:
                continue
            first = UNMANAGED  # none seen yet (None is a value here: the field reset)
            for index in members:
                value = wanted[index][fld.name]
                if value is UNMANAGED:
                    continue
                if first is UNMANAGED:
                    first = _key(fld, value)
                elif _key(fld, value) != first:
                    wanted[index][fld.name] = UNMANAGED
                    notes.append("%s: %s differs from its bundle's main extension %s; left unmanaged there"
                                 % (extensions[index].get("name"), fld.name, main))
    return notes


def _default(wanted, flds):
    """The most common value of each field, when two extensions (or the only one) share it."""
    default = {}
    for fld in flds:
        counts, first = {}, {}
        for values in wanted:
            value = values[fld.name]
            if value is UNMANAGED:
                continue
            key = _key(fld, value)
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, value)
        if counts:
            key = max(counts, key=counts.get)  # the first seen wins a tie
            if counts[key] >= 2 or len(wanted) == 1:
                default[fld.name] = first[key]
    return default


def _differences(values, default, flds):
    diff = {}
    for fld in flds:
        value = values[fld.name]
        if fld.name in default:
            if value is UNMANAGED or _key(fld, value) != _key(fld, default[fld.name]):
                diff[fld.name] = value
        elif value is not UNMANAGED:
            diff[fld.name] = value
    return diff


def _groups(diffs, flds, group_min):
    """``[(pattern, members)]``: differences shared by at least ``group_min`` extensions, greedily.

    Each round takes the pattern (a set of field values) that saves the most lines: one extension's shared
    differences whole, or a single field value. An extension joins at most one group.
    """
    by_name = {fld.name: fld for fld in flds}
    pairs = [{(name, _key(by_name[name], value)): value for name, value in diff.items() if value is not UNMANAGED}
             for diff in diffs]
    counts = {}
    for found in pairs:
        for pair in found:
            counts[pair] = counts.get(pair, 0) + 1
    shared = [frozenset(pair for pair in found if counts[pair] >= 2) for found in pairs]
    candidates = dict.fromkeys([s for s in shared if s] + [frozenset([p]) for p in counts if counts[p] >= group_min])
    covers = {cand: [i for i, own in enumerate(shared) if cand <= own] for cand in candidates}
    free = set(range(len(diffs)))
    groups = []
    while True:
        best = None
        for cand, cover in covers.items():
            members = [i for i in cover if i in free]
            score = ((len(members) - 1) * len(cand), len(members))
            if len(members) >= group_min and (best is None or score > best[0]):
                best = (score, cand, members)
        if best is None:
            return groups
        pattern = {name: pairs[best[2][0]][(name, key)] for name, key in best[1]}
        groups.append(({fld.name: pattern[fld.name] for fld in flds if fld.name in pattern}, best[2]))
        free.difference_update(best[2])


def _slug(fld, value):
    if fld.secret:
        return "set"  # a profile's name shows in reports and output; a secret never does
    if value is None:
        return "reset"
    if isinstance(value, bool):
        return "on" if value else "off"
    if value == "*":
        return "all"  # geo_list's every country
    return re.sub(r"[^a-z0-9]+", "_", str(value).lower()).strip("_")[:20] or "value"


def _profile_name(pattern, taken):
    """A readable name for a group's profile: its one or two field values, else ``variant``."""
    parts = ["%s_%s" % (name, _slug(F.FIELDS_BY_NAME[name], value)) for name, value in pattern.items()]
    base = "_".join(parts) if len(parts) <= 2 else "variant"
    name, number = base, 1
    while name in taken:
        number += 1
        name = "%s_%d" % (base, number)
    return name


def _layer(values):
    """Export values as a profile layer: a value, ``reset`` for None, ``null`` for UNMANAGED."""
    layer, reset = {}, []
    for name, value in values.items():
        if value is None:
            reset.append(name)
        else:
            layer[name] = None if value is UNMANAGED else value
    if reset:
        layer["reset"] = reset
    return layer


def export_profiles(extensions, secrets=False, skip=(), group_min=3):
    """``{phone_profiles, phone_profile_assignments, notes, extensions}`` of an account's phones.

    ``extensions`` are phone_properties_info's (read with ``show_secrets`` when ``secrets``); ``notes``
    says what the export leaves out and why.
    """
    problems = skip_problems(skip)
    if problems:
        raise ValueError("; ".join(problems))
    extensions = list(extensions or [])
    flds, notes = exported_fields(secrets, skip)
    wanted, unsendable = _wanted_values(extensions, flds)
    for fld in list(flds):
        missing = sum(1 for ext in extensions if fld.name not in (ext.get("properties") or {}))
        if extensions and missing == len(extensions):
            notes.append("%s: the API's answers leave it out, so it cannot be exported" % fld.name)
            flds.remove(fld)
        elif missing:
            notes.append("%s: left out of %d of the API's answers; not managed for those extensions"
                         % (fld.name, missing))
    notes.extend(unsendable)
    notes.extend(_align_bundles(extensions, wanted, flds))
    default = _default(wanted, flds)
    diffs = [_differences(values, default, flds) for values in wanted]
    profiles = {DEFAULT: _layer(default)}
    profile_of = {}
    for pattern, members in _groups(diffs, flds, max(2, int(group_min))):
        name = _profile_name(pattern, profiles)
        profiles[name] = dict(extends=DEFAULT, **_layer(pattern))
        for index in members:
            profile_of[index] = name
            diffs[index] = {k: v for k, v in diffs[index].items() if k not in pattern}
    plain, assignments = {name: [] for name in profiles}, []
    for index, ext in enumerate(extensions):
        given = ext.get("name") or ext.get("extension_id")
        profile = profile_of.get(index, DEFAULT)
        if diffs[index]:
            assignments.append({"profile": profile, "extensions": [given], "overrides": _layer(diffs[index])})
        else:
            plain[profile].append(given)
    assignments[:0] = [{"profile": name, "extensions": names} for name, names in plain.items() if names]
    return {"phone_profiles": profiles, "phone_profile_assignments": assignments, "notes": notes,
            "extensions": len(extensions)}


def export_file(export, account="the account", filename="phone_profiles_export.yml", secrets=False):
    """The text of the export file: a header that says what it is and what it leaves out, then the variables."""
    header = [
        "Phone profiles of %s, exported by telphin.pbx.export from its %d phone extensions. Applying this "
        "file to the same account changes nothing:" % (account, export["extensions"]),
        "  ansible-playbook telphin.pbx.apply -e @%s   (--check --diff to audit)" % filename,
        "The next telphin.pbx.export to this file replaces it; it replaces no file without this header.",
        '"default" holds the most common value of each field; other profiles extend it where several '
        "extensions share the same differences; overrides hold what differs for one extension, a null there "
        "leaves the field alone, and reset sets a field to null.",
        "Every text is tagged !unsafe: Ansible reads it as it is and never runs it as a template.",
        "Not exported:",
    ]
    header.extend("  - %s" % note for note in export["notes"])
    if secrets:
        header.append("This file holds secrets (conference_pin, replace_pin): keep it in a vault "
                      "(ansible-vault encrypt).")
    return vars_yaml.dump({"phone_profiles": export["phone_profiles"],
                           "phone_profile_assignments": export["phone_profile_assignments"]}, header)


def is_export(head):
    """Whether ``head`` (the first bytes of a file) starts with the header of an export (1.0.0's on)."""
    return bool(_HEADER.match(head.decode("utf-8", "replace") if isinstance(head, bytes) else head))


def shared_file_problems(account, targets):
    """Why ``account`` cannot write its export: other accounts of ``targets`` ({account: real path}) share it."""
    sharing = [name for name, target in targets.items() if target == targets.get(account)]
    if len(sharing) < 2:
        return []
    return ["phone_profiles_export_file names one file (%s) for the %d accounts %s: each would overwrite the "
            "others. Leave it empty (each account's file goes into its folder of phone_profiles_report_dir), or "
            "give each account its own (a host variable)" % (targets[account], len(sharing), ", ".join(sharing))]


def file_problems(path, force=False, prefix=ROLE_OPTIONS):
    """Why the export must not write ``path`` (its folder is made when missing); empty when it may: no file
    there, or an earlier export (any regular file with ``force``); never a link, nor a file it cannot read."""
    where = "%sfile: %s" % (prefix, path)
    problems = report.folder_problems(os.path.dirname(path) or ".", option=prefix + "file")
    if problems:
        return problems
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return []
    except OSError as exc:
        return ["%s cannot be examined: %s" % (where, exc.strerror or exc)]
    if stat.S_ISLNK(found.st_mode):
        return ["%s is a symbolic link: an export never writes through one (name the file itself)" % where]
    if not stat.S_ISREG(found.st_mode):
        return ["%s is %s, not a file" % (where, "a folder" if stat.S_ISDIR(found.st_mode) else "something else")]
    try:
        with open(path, "rb") as existing:
            head = existing.read(_HEAD_BYTES)
    except OSError as exc:
        return ["%s cannot be read (%s), so it cannot be known to be an earlier export: an export replaces "
                "only those" % (where, exc.strerror or exc)]
    if force or is_export(head):
        return []
    return ["%s exists and is not an earlier export (its first line is not an export's header): an export "
            "replaces only those. Name another file, or set %sforce: true to replace it" % (where, prefix)]


def problems(path, account="localhost", targets=None, skip=(), force=False, prefix=ROLE_OPTIONS):
    """Every reason the export of ``account`` to ``path`` must not start, before any request; the file's are
    looked at (and its folder made) only when the options and the other accounts leave none. ``targets``
    (every account's file, which only the role's play-wide check knows) names accounts that share a file."""
    found = skip_problems(skip, prefix) + shared_file_problems(account, targets or {account: os.path.realpath(path)})
    return found or file_problems(path, force, prefix)


def _text_of(path):
    """The text of the file at ``path`` (never through a link), or None."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as existing:
        return existing.read().decode("utf-8", "replace")


@dataclass(frozen=True)
class ExportFile:
    """The export of one account to ``path`` (phone_profiles' export_file), checked before any request by
    ``problems``; ``account`` names it in the header."""

    path: str
    account: str = "the account"
    secrets: bool = False
    skip: tuple = ()
    group_min: int = 3

    def write(self, outcomes):
        """Export what was read (the runner's outcomes) and write the file at once, readable by its owner only
        when it holds secrets: ``{path, changed, extensions, profiles, assignments, notes}``, or ``{path, msg}``
        when it could not be written. ``changed``: its text is not what it was."""
        extensions = [info_entry(outcome, self.secrets) for outcome in outcomes]
        exported = export_profiles(extensions, self.secrets, self.skip, self.group_min)
        text = export_file(exported, self.account, os.path.basename(self.path), self.secrets)
        changed = _text_of(self.path) != text
        try:
            report.replace_file(self.path, text, 0o600 if self.secrets else 0o644)
        except OSError as exc:
            return dict(path=self.path, msg="%sfile: the export could not be written to %s: %s"
                        % (MODULE_OPTIONS, self.path, exc.strerror or exc))
        return dict(path=self.path, changed=changed, extensions=exported["extensions"],
                    profiles=list(exported["phone_profiles"]), assignments=len(exported["phone_profile_assignments"]),
                    notes=exported["notes"])
