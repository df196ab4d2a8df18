# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options -> targets: the extensions a task works on, each frozen with its validated desired values.

Pure functions, no I/O. ``targets_from_params`` checks what the user gave; ``resolve`` fills in ids, names
and labels from the account's listing (:class:`~.extensions.ExtensionDirectory`) and returns new targets.
Nothing downstream edits a target.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping, Optional

from ansible_collections.telphin.pbx.plugins.module_utils.extensions import is_phone
from ansible_collections.telphin.pbx.plugins.module_utils.fields import (
    MASK, SECRET_NAMES, WRITABLE_NAMES, desired_properties)

ME = "@me"


@dataclass(frozen=True)
class Target:
    """One extension a task works on, as the user named it, and the values it should hold."""

    index: int
    given: str  # as the user wrote it: 1001, "@me", "100" or "000*100"
    extension_id: Optional[str] = None  # str, so that "@me" fits too; None until a name is resolved
    name: Optional[str] = None
    label: Optional[str] = None
    profile: Optional[str] = None  # the profile (module phone_profiles) that set the values, for messages, reports
    ids: bool = False  # ``given`` may be an id as well as a number (registration_info's extensions: "1001")
    desired: Mapping = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if not isinstance(self.desired, MappingProxyType):
            object.__setattr__(self, "desired", MappingProxyType(dict(self.desired)))

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


def as_id(extension_id):
    """An id as the results show it: an int, or ``"@me"``."""
    return int(extension_id) if extension_id is not None and str(extension_id).isdigit() else extension_id


def needs_listing(targets):
    """Only a name needs the listing: it costs one request per 100 extensions of the whole account, so a
    task of a few ids in a large account would pay more for the names than for its own work."""
    return any(t.extension_id is None for t in targets)


def resolve(targets, directory=None, me=None, holding="phone properties"):
    """``(targets, problems)``: ids, names and labels filled in; ``@me`` replaced by ``me`` when it is known.

    ``directory`` is the account's listing, when one was made. A name that names no extension, or several,
    and an extension that is not a phone, are problems: the task cannot go ahead as the user meant it.
    ``holding`` is what only a phone has, for that message (registration_info: "SIP registrations").
    """
    resolved, problems = [], []
    for target in targets:
        where = _where(target)
        if target.extension_id == ME and me is not None:
            target = replace(target, extension_id=str(me))
        ext = None
        if directory is not None and target.extension_id is None:
            ext, problem = directory.find(target.given, ids=target.ids)
            if problem:
                problems.append(where + problem)
        elif directory is not None:
            ext = directory.get(target.extension_id)
        if ext is not None:  # else not listed (e.g. "@me", or outside the listing's scope): the GET will tell
            target = replace(target, extension_id=str(ext["id"]), name=ext.get("name"), label=ext.get("label"))
            if not is_phone(ext):
                problems.append("%s%s is of type %r; only extensions of type 'phone' have %s"
                                % (where, target.title, ext.get("type"), holding))
        resolved.append(target)
    return tuple(resolved), problems


def _where(target):
    """The option a problem of the target is in: its item, or the task's extension_name or extension_id."""
    if target.index is not None:
        return "extensions[%d]: " % target.index
    return "extension_name: " if target.extension_id is None else "extension_id: "


def duplicate_targets(targets):
    """Messages for extensions that two items of the task name, since their results would depend on order."""
    seen = {}
    problems = []
    for target in targets:
        if target.extension_id is None:
            continue
        if target.extension_id in seen:
            problems.append("extensions[%d] and extensions[%d] both name %s"
                            % (seen[target.extension_id], target.index, target.title))
        else:
            seen[target.extension_id] = target.index
    return problems


def _check_extension_id(value, where):
    """The id in one spelling (``"01010"`` is ``"1010"``), so that one extension is never two targets."""
    text = str(value).strip()
    if text == ME:
        return ME, None
    if not isinstance(value, bool) and text.isascii() and text.isdigit() and len(text) <= 20 and int(text) > 0:
        return str(int(text)), None
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
        return (), problems
    if params.get("extensions") is None:
        given_id = params.get("extension_id")
        extension_id, problem = (None, None) if given_id is None else _check_extension_id(given_id, "")
        given = given_id if given_id is not None else params.get("extension_name")
        return (Target(index=None, given=str(given), extension_id=extension_id, desired=task_desired),), \
            [problem] if problem else []

    targets = []
    for index, item in enumerate(params["extensions"]):
        where = "extensions[%d]." % index
        given_id, given_name = item.get("extension_id"), item.get("extension_name")
        if (given_id is None) == (given_name is None):
            problems.append("%s: give exactly one of extension_id and extension_name" % where.rstrip("."))
            continue
        extension_id, problem = (None, None) if given_id is None else _check_extension_id(given_id, where)
        if problem:
            problems.append(problem)
        # A masked secret copied from phone_properties_info is not a value to set.
        item_values = {name: item[name] for name in WRITABLE_NAMES
                       if item.get(name) is not None and not (name in SECRET_NAMES and item[name] == MASK)}
        item_desired, item_problems = desired_properties(item_values, item.get("reset"), where)
        problems.extend(item_problems)
        targets.append(Target(index=index, given=str(given_id if given_id is not None else given_name),
                              extension_id=extension_id, name=item.get("name"), profile=item.get("profile"),
                              desired=dict(task_desired, **item_desired)))
    return tuple(targets), problems
