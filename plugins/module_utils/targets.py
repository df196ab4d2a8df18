# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Extension ids, numbers and names -> the extensions a task works on, with one listing per task."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.telphin.pbx.plugins.module_utils.fields import MASK, SECRET_NAMES, WRITABLE_NAMES
from ansible_collections.telphin.pbx.plugins.module_utils.plan import desired_properties, drift


@dataclass
class Target:
    """One extension a task works on, and what happened to it."""

    index: int
    given: str  # as the user wrote it: 1001, "@me", "100" or "000*100"
    extension_id: Optional[str] = None  # str, so that "@me" fits too
    name: Optional[str] = None
    label: Optional[str] = None
    profile: Optional[str] = None  # the role's profile that set the values, for messages and reports
    desired: dict = field(default_factory=dict)
    current: Optional[dict] = None
    changes: list = field(default_factory=list)
    properties: Optional[dict] = None  # the state after the task (the PUT's answer in a real run)
    bundle_effects: dict = field(default_factory=dict)
    changed: bool = False
    failed: bool = False
    msg: str = ""

    @property
    def title(self):
        """How messages name the extension: "000*100 (id 1001)", or "id 1001" before it is known."""
        if self.name and self.extension_id:
            return "%s (id %s)" % (self.name, self.extension_id)
        if self.extension_id:
            return "id %s" % self.extension_id
        return "extension %r" % self.given

    @property
    def title_with_profile(self):
        return "%s, profile %s" % (self.title, self.profile) if self.profile else self.title

    def fail(self, msg):
        self.failed = True
        self.msg = msg

    def result(self):
        result = {
            "extension_id": _as_id(self.extension_id),
            "name": self.name,
            "changed": self.changed,
            "changes": list(self.changes),
            "failed": self.failed,
            "msg": self.msg,
            "bundle_changes": {str(k): v for k, v in self.bundle_effects.items()},
        }
        if self.changes and self.current is not None:
            result["drift"] = drift(self.current, self.desired, self.changes)
        if self.profile is not None:
            result["profile"] = self.profile
        return result


def _as_id(ext_id: Any):
    return int(ext_id) if ext_id is not None and str(ext_id).isdigit() else ext_id


def needs_listing(targets):
    """Only a name needs the listing: it costs one request per 100 extensions of the whole account, so a
    task of a few ids in a large account would pay more for the names than for its own work."""
    return any(t.extension_id is None for t in targets)


class ExtensionDirectory:
    """The account's extensions from one listing, looked up by id, full name or number."""

    def __init__(self, extensions):
        self.by_id = {}
        self.by_name = {}
        self.by_number = {}
        for ext in extensions:
            ext_id = str(ext.get("id"))
            name = str(ext.get("name") or "")
            self.by_id[ext_id] = ext
            self.by_name.setdefault(name, []).append(ext)
            number = name.rpartition("*")[2]
            self.by_number.setdefault(number, []).append(ext)

    def find(self, given):
        """The extension that ``given`` (an id, a number or a full name) names, or an error message."""
        text = str(given).strip()
        matches = self.by_name.get(text) or self.by_number.get(text) or []
        if len(matches) == 1:
            return matches[0], None
        if not matches:
            return None, "no extension is named %r in this account" % text
        return None, "%r is ambiguous: it names %s; give the full name or the extension_id" % (
            text, ", ".join("%s (id %s)" % (e.get("name"), e.get("id")) for e in matches))


def resolve(targets, directory, phone_only=True):
    """Fill in ids, names and labels from the directory; fail the targets that cannot be worked on."""
    for target in targets:
        if target.failed:
            continue
        if target.extension_id is None:
            ext, problem = directory.find(target.given)
            if problem:
                target.fail(problem)
                continue
            target.extension_id = str(ext["id"])
        else:
            ext = directory.by_id.get(target.extension_id)
        if ext is None:
            continue  # not listed (e.g. "@me", or outside the listing's scope): the GET will tell
        target.name = ext.get("name")
        target.label = ext.get("label")
        if phone_only and ext.get("type") not in (None, "phone"):
            target.fail("%s is of type %r; only extensions of type 'phone' have phone properties"
                        % (target.title, ext.get("type")))


def duplicate_targets(targets):
    """Messages for extensions that two items of the task name, since their results would depend on order."""
    seen = {}
    problems = []
    for target in targets:
        if target.failed or target.extension_id is None:
            continue
        if target.extension_id in seen:
            problems.append("extensions[%d] and extensions[%d] both name %s"
                            % (seen[target.extension_id], target.index, target.title))
        else:
            seen[target.extension_id] = target.index
    return problems


def _check_extension_id(value, where):
    text = str(value).strip()
    if text == "@me" or (text.isdigit() and int(text) > 0):
        return text, None
    return None, "%sextension_id: must be a positive integer or '@me', got %r" % (where, value)


def targets_from_params(params):
    """The targets of a ``phone_properties`` task, each with its validated desired values.

    An item's value wins over the task's value or reset of the same field, and an item's ``reset`` wins
    over the task's value. Task-level values are checked once, items only for what they add.
    Returns ``(targets, problems)``; every problem names the option (and the item's index).
    """
    task_values = {name: params.get(name) for name in WRITABLE_NAMES if params.get(name) is not None}
    task_desired, problems = desired_properties(task_values, params.get("reset"), "")
    if problems:
        return [], problems

    if params.get("extensions") is None:
        target = Target(index=0, given=str(params.get("extension_id") or params.get("extension_name")),
                        desired=task_desired)
        if params.get("extension_id") is not None:
            target.extension_id, problem = _check_extension_id(params["extension_id"], "")
            if problem:
                problems.append(problem)
        return [target], problems

    targets = []
    for index, item in enumerate(params["extensions"]):
        where = "extensions[%d]." % index
        given_id, given_name = item.get("extension_id"), item.get("extension_name")
        if (given_id is None) == (given_name is None):
            problems.append("%s: give exactly one of extension_id and extension_name" % where.rstrip("."))
            continue
        target = Target(index=index, given=str(given_id if given_id is not None else given_name),
                        name=item.get("name"), profile=item.get("profile"))
        if given_id is not None:
            target.extension_id, problem = _check_extension_id(given_id, where)
            if problem:
                problems.append(problem)
        # A masked secret copied from phone_properties_info is not a value to set.
        item_values = {name: item[name] for name in WRITABLE_NAMES
                       if item.get(name) is not None and not (name in SECRET_NAMES and item[name] == MASK)}
        item_desired, item_problems = desired_properties(item_values, item.get("reset"), where)
        problems.extend(item_problems)
        target.desired = dict(task_desired, **item_desired)
        targets.append(target)
    return targets, problems
