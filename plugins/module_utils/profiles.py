# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Standard profiles -> the ``extensions`` items of one phone_properties task (role phone_profiles).

Pure functions, no I/O: the role lists the account once and hands the listing here. Every
problem (an unknown profile, a bad regex, an extension matched by two assignments) is found
before anything is sent, and reported all at once.
"""

from __future__ import annotations

import re

from ansible_collections.telphin.pbx.plugins.module_utils.extensions import ExtensionDirectory, number_of

MATCH_KEYS = ("type", "status", "name_regex", "label_regex", "extension_group_id")


class ProfileError(ValueError):
    """The profiles or assignments cannot be applied; ``problems`` lists every reason."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _matcher(match, where, problems):
    """A predicate over listed extensions for an assignment's ``match``, or None when it is bad."""
    unknown = sorted(set(match) - set(MATCH_KEYS))
    if unknown:
        problems.append("%s.match: unknown keys %s; use %s" % (where, ", ".join(unknown), ", ".join(MATCH_KEYS)))
        return None
    patterns = {}
    for key in ("name_regex", "label_regex"):
        if match.get(key) is not None:
            try:
                patterns[key] = re.compile(str(match[key]))
            except re.error as exc:
                problems.append("%s.match.%s: not a valid regular expression: %s" % (where, key, exc))
                return None
    wanted_type = match.get("type", "phone")

    def matches(ext):
        if wanted_type is not None and ext.get("type") != wanted_type:
            return False
        if match.get("status") is not None and ext.get("status") != match["status"]:
            return False
        if match.get("extension_group_id") is not None and \
                str(ext.get("extension_group_id")) != str(match["extension_group_id"]):
            return False
        if "name_regex" in patterns and not (patterns["name_regex"].search(str(ext.get("name") or ""))
                                             or patterns["name_regex"].search(number_of(ext.get("name")))):
            return False
        if "label_regex" in patterns and not patterns["label_regex"].search(str(ext.get("label") or "")):
            return False
        return True

    return matches


def plan_profiles(profiles, assignments, extensions):
    """The items of one phone_properties task, in listing order.

    ``profiles`` maps a profile name to property values (and ``reset``); ``assignments`` is a list of
    ``{profile, extensions, match, overrides}``; ``extensions`` is the account's listing. Returns a list
    of ``{extension_id, name, profile, <property values>, reset}``. Raises ProfileError.
    """
    problems = []
    chosen = {}  # extension id -> (assignment index, profile name, values)
    directory = ExtensionDirectory(extensions)
    for index, assignment in enumerate(assignments or []):
        where = "phone_profile_assignments[%d]" % index
        if not isinstance(assignment, dict):
            problems.append("%s: must be a dict with profile, and extensions or match" % where)
            continue
        profile = assignment.get("profile")
        if profile not in (profiles or {}):
            problems.append("%s.profile: %r is not a profile of phone_profiles (%s)"
                            % (where, profile, ", ".join(sorted(profiles or {})) or "none defined"))
            continue
        if assignment.get("extensions") is None and assignment.get("match") is None:
            problems.append("%s: give extensions, match or both" % where)
            continue
        targets = set()
        for given in assignment.get("extensions") or []:
            ext, problem = directory.find(given, ids=True)
            if problem:
                problems.append("%s.extensions: %s" % (where, problem))
                continue
            targets.add(str(ext["id"]))
        if assignment.get("match") is not None:
            matches = _matcher(assignment["match"], where, problems)
            if matches is not None:
                targets.update(str(e.get("id")) for e in extensions if matches(e))
        values = dict(profiles[profile] or {})
        values.update(assignment.get("overrides") or {})
        for ext_id in targets:
            if ext_id in chosen:
                first_index, first_profile, _values = chosen[ext_id]
                ext = directory.get(ext_id)
                problems.append("%s (id %s) is matched by phone_profile_assignments[%d] (profile %s) and "
                                "phone_profile_assignments[%d] (profile %s); an extension takes one profile"
                                % (ext.get("name"), ext_id, first_index, first_profile, index, profile))
                continue
            chosen[ext_id] = (index, profile, values)
    if problems:
        raise ProfileError(problems)
    items = []
    for ext in extensions:
        ext_id = str(ext.get("id"))
        if ext_id in chosen:
            _index, profile, values = chosen[ext_id]
            item = dict(values)
            item.update(extension_id=ext.get("id"), name=ext.get("name"), profile=profile)
            items.append(item)
    return items
