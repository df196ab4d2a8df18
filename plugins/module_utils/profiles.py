# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Standard profiles -> the ``extensions`` items of one phone_properties run (module phone_profiles).

Pure functions, no I/O: the module hands over the profiles, the assignments and, once, the account's
listing. Messages name them as the module's options do: ``profiles.<name>`` and
``assignments[<index>]``. Every problem is found before anything is sent and reported all at once:
:func:`check` needs no listing (it runs before the first request), :func:`plan_profiles` adds what only
the listing can tell (an assignment that matches nothing, an extension matched twice).

A profile is a layer of property values over the profile it ``extends``; an assignment's ``overrides``
are one more layer. A later layer wins field by field: its value over an earlier ``reset`` of the field,
its ``reset`` over an earlier value, and its ``null`` takes the field out of management.
"""

from __future__ import annotations

import re

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils.extensions import ExtensionDirectory, describe, is_phone, number_of

MATCH_KEYS = ("type", "status", "name_regex", "label_regex", "extension_group_id")
ASSIGNMENT_KEYS = ("profile", "extensions", "match", "overrides", "optional")
PROFILE_WORDS = ("extends", "reset")  # the keys of a profile that are not properties


class ProfileError(ValueError):
    """The profiles or assignments cannot be applied; ``problems`` lists every reason."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _profile_name(value):
    """A profile name as text: YAML reads a profile ``1:`` and ``profile: 1`` as numbers."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _not_a_name(value, where):
    """Why ``value`` (after :func:`_profile_name`) cannot name a profile, or None: YAML reads ``2.5`` or ``yes``
    as a number or a boolean, which no profile name written as text would match."""
    if isinstance(value, str):
        return None
    if isinstance(value, (bool, float)):
        return "%s: %r is read as a %s, not a profile name: quote it (%r)" % (
            where, value, type(value).__name__, str(value))
    return "%s: must be the name of a profile; got %s" % (where, kind_of(value))


def _names(choices):
    return ", ".join(sorted(choices)) or "none defined"


# ---- one layer: a profile's own keys, or an assignment's overrides --------------------------

def _layer_problems(layer, where, words):
    """Every problem of one layer's own keys, checked against the field table."""
    if layer is None:
        return []
    if not isinstance(layer, dict):
        return ["%s: must be a mapping of property values; got %s" % (where, kind_of(layer))]
    problems = []
    values = {}
    for name, value in layer.items():
        if name in words:
            continue
        fld = F.FIELDS_BY_NAME.get(name)
        if fld is None:
            problems.append("%s.%s: not a property of the phone terminal%s"
                            % (where, name, F.did_you_mean(name, F.WRITABLE_NAMES + words)))
        elif not fld.writable:
            problems.append("%s.%s: read-only, set by the server; leave it out" % (where, name))
        else:
            values[name] = value
    reset = layer.get("reset")
    if reset is not None and not isinstance(reset, list):
        problems.append("%s.reset: must be a list of property names" % where)
        reset = []
    known_reset = []
    for name in reset or ():
        if name in F.FIELDS_BY_NAME:
            known_reset.append(name)
        else:
            problems.append("%s.reset: %r is not a property of the phone terminal%s"
                            % (where, name, F.did_you_mean(name, F.WRITABLE_NAMES)))
    problems.extend(F.desired_properties(values, known_reset, prefix=where + ".")[1])
    return problems


def _over(composed, layer):
    """``(values, reset)`` of a composed profile with one more layer over it (see the module's docstring)."""
    values, reset = dict(composed[0]), dict.fromkeys(composed[1])
    for name, value in (layer or {}).items():
        if name in PROFILE_WORDS:
            continue
        reset.pop(name, None)
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    for name in (layer or {}).get("reset") or ():
        values.pop(name, None)
        reset[name] = None
    return values, list(reset)


# ---- profiles and extends ---------------------------------------------------------------------

def _own_extends_problems(profiles):
    problems = []
    for name, layer in profiles.items():
        parent = _profile_name(layer.get("extends")) if isinstance(layer, dict) else None
        if parent is None:
            continue
        where = "profiles.%s.extends" % name
        if not isinstance(parent, str):
            problems.append(_not_a_name(parent, where))
        elif parent not in profiles:
            problems.append("%s: %r is not in profiles (%s)%s"
                            % (where, parent, _names(profiles), F.did_you_mean(parent, profiles)))
    return problems


def _chain(name, profiles, cycles):
    """The profiles from the root of ``name``'s chain down to ``name``, or None when it is broken.

    A chain that runs into a cycle is broken; the cycle is added to ``cycles`` (once per cycle).
    """
    chain = [name]
    while True:
        layer = profiles[chain[-1]]
        parent = _profile_name(layer.get("extends")) if isinstance(layer, dict) else None
        if parent is None:
            return list(reversed(chain))
        if not isinstance(parent, str) or parent not in profiles:
            return None  # reported by _own_extends_problems
        if parent in chain:
            loop = chain[chain.index(parent):]
            cycles.setdefault(frozenset(loop), loop + [parent])
            return None
        chain.append(parent)


def resolve_profiles(profiles):
    """``(resolved, problems)``: each profile's ``(values, reset)`` after ``extends``, and every problem.

    A profile whose own keys or chain are wrong is left out of ``resolved``; its problems say why.
    """
    profiles = profiles or {}
    if not isinstance(profiles, dict):
        return {}, ["profiles (the role's phone_profiles): must be a mapping of profile names to property values, "
                    "such as {standard: {record_enabled: true}}; got %s" % kind_of(profiles)]
    profiles = {_profile_name(name): layer for name, layer in profiles.items()}
    problems = [_not_a_name(name, "profiles.%s" % name) for name in profiles if not isinstance(name, str)]
    profiles = {name: layer for name, layer in profiles.items() if isinstance(name, str)}
    problems += _own_extends_problems(profiles)
    bad = set()
    for name, layer in profiles.items():
        found = _layer_problems(layer, "profiles.%s" % name, PROFILE_WORDS)
        problems.extend(found)
        if found:
            bad.add(name)
    cycles = {}
    resolved = {}
    for name in profiles:
        chain = _chain(name, profiles, cycles)
        if chain is None or bad.intersection(chain):
            continue
        composed = ({}, [])
        for link in chain:
            composed = _over(composed, profiles[link])
        resolved[name] = composed
    for loop in cycles.values():
        problems.append("profiles.%s.extends: a cycle: %s" % (loop[0], " -> ".join(loop)))
    return resolved, problems


# ---- assignments --------------------------------------------------------------------------------

def _matcher(match, where, problems):
    """A predicate over listed extensions for an assignment's ``match``, or None when it is bad."""
    if not isinstance(match, dict):
        problems.append("%s.match: must be a dict with some of %s" % (where, ", ".join(MATCH_KEYS)))
        return None
    unknown = sorted(set(match) - set(MATCH_KEYS))
    if unknown:
        problems.append("%s.match: unknown keys %s; use %s%s" % (where, ", ".join(unknown), ", ".join(MATCH_KEYS),
                                                                 F.did_you_mean(unknown[0], MATCH_KEYS)))
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
        if wanted_type == "phone" and not is_phone(ext):
            return False
        if wanted_type not in (None, "phone") and ext.get("type") != wanted_type:
            return False
        if match.get("status") is not None and ext.get("status") != match["status"]:
            return False
        if match.get("extension_group_id") is not None and \
                str(ext.get("extension_group_id")) != str(match["extension_group_id"]):
            return False
        if "name_regex" in patterns:
            names = (str(ext.get("name") or ""), number_of(ext.get("name")))
            if not any(patterns["name_regex"].search(name) for name in names):
                return False
        if "label_regex" in patterns and not patterns["label_regex"].search(str(ext.get("label") or "")):
            return False
        return True

    return matches


def _assignment_problems(assignment, where, profiles):
    """What is wrong with one assignment on its own (no listing needed)."""
    if not isinstance(assignment, dict):
        return ["%s: must be a mapping with profile, and extensions or match; got %s" % (where, kind_of(assignment))]
    problems = ["%s.%s: not a key of an assignment; use %s%s"
                % (where, key, ", ".join(ASSIGNMENT_KEYS), F.did_you_mean(key, ASSIGNMENT_KEYS))
                for key in assignment if key not in ASSIGNMENT_KEYS]
    profile = _profile_name(assignment.get("profile"))
    if profile is not None and not isinstance(profile, str):
        problems.append(_not_a_name(profile, where + ".profile"))
    elif profile not in profiles:
        problems.append("%s.profile: %r is not in profiles (%s)%s"
                        % (where, profile, _names(profiles), F.did_you_mean(profile, profiles)))
    if assignment.get("extensions") is None and assignment.get("match") is None:
        problems.append("%s: give extensions, match or both" % where)
    elif assignment.get("extensions") is not None and not isinstance(assignment["extensions"], list):
        problems.append("%s.extensions: must be a list of extension ids, numbers or full names" % where)
    if assignment.get("match") is not None:
        _matcher(assignment["match"], where, problems)
    if assignment.get("optional") not in (None, True, False):
        problems.append("%s.optional: must be true or false" % where)
    problems.extend(_layer_problems(assignment.get("overrides"), where + ".overrides", ("reset",)))
    return problems


def _check(profiles, assignments):
    resolved, problems = resolve_profiles(profiles)
    if assignments is not None and not isinstance(assignments, list):
        return resolved, problems + ["assignments (the role's phone_profile_assignments): must be a list of "
                                     "mappings, such as [{profile: standard, match: {}}]; got %s" % kind_of(assignments)]
    for index, assignment in enumerate(assignments or []):
        problems.extend(_assignment_problems(assignment, "assignments[%d]" % index, resolved_names(profiles)))
    return resolved, problems


def kind_of(value):
    """What a value is, in a user's words (never a Python class: Ansible's own wrap its lists and texts)."""
    if isinstance(value, bool):
        return "a boolean (%s)" % str(value).lower()
    if isinstance(value, (int, float)):
        return "a number (%s)" % value
    if isinstance(value, str):
        return "a text (%r)" % value
    if isinstance(value, (list, tuple)):
        return "a list"
    return "a mapping" if isinstance(value, dict) else "nothing usable"


def resolved_names(profiles):
    """The profile names, as text."""
    return {_profile_name(name) for name in profiles} if isinstance(profiles, dict) else set()


def check(profiles, assignments):
    """Every problem of the profiles and assignments that shows without the account: before any request."""
    return _check(profiles, assignments)[1]


def empty_problems(profiles, assignments):
    """Why a run would select nothing before anything is read: no profile, or no assignment (a vars file left
    out, a variable misspelt), which would make an audit that checks nothing look green."""
    empty = [name for name, given in (("profiles", profiles), ("assignments", assignments)) if not given]
    if not empty:
        return []
    role_names = {"profiles": "phone_profiles", "assignments": "phone_profile_assignments"}
    return ["%s %s empty: the run would check nothing (the role's %s: was the vars file that holds %s left out, "
            "or a name misspelt?); allow_empty (the role's phone_profiles_allow_empty: true) lets an empty run "
            "through" % (" and ".join(empty), "is" if len(empty) == 1 else "are",
                         " and ".join(role_names[name] for name in empty), "it" if len(empty) == 1 else "them")]


def _targets(assignment, where, directory, problems):
    """The ids of the extensions an assignment selects, in listing order."""
    targets = set()
    for given in assignment.get("extensions") or []:
        ext, problem = directory.find(given, ids=True)
        if problem:
            problems.append("%s.extensions: %s" % (where, problem))
            continue
        targets.add(str(ext["id"]))
    if assignment.get("match") is not None:
        matches = _matcher(assignment["match"], where, [])
        if matches is not None:
            targets.update(str(e.get("id")) for e in directory.extensions if matches(e))
    return [str(e.get("id")) for e in directory.extensions if str(e.get("id")) in targets]


def plan_profiles(profiles, assignments, extensions):
    """The items of one phone_properties task, in listing order.

    ``profiles`` maps a profile name to property values (and ``extends``, ``reset``); ``assignments`` is a
    list of ``{profile, extensions, match, overrides, optional}``; ``extensions`` is the account's listing.
    Returns a list of ``{extension_id, name, profile, <property values>, reset}``. Raises ProfileError with
    every problem: those of :func:`check`, an extension that is not in the listing, an assignment that
    matches no extension (unless ``optional``), an extension matched by two assignments.
    """
    resolved, problems = _check(profiles, assignments)
    if assignments is not None and not isinstance(assignments, list):
        raise ProfileError(problems)
    directory = ExtensionDirectory(extensions)
    chosen = {}  # extension id -> (assignment index, profile name, (values, reset))
    for index, assignment in enumerate(assignments or []):
        where = "assignments[%d]" % index
        profile = _profile_name(assignment.get("profile")) if isinstance(assignment, dict) else None
        if profile not in resolved:
            continue  # reported by check()
        known = len(problems)
        targets = _targets(assignment, where, directory, problems)
        if not targets and not assignment.get("optional") and len(problems) == known:
            problems.append("%s (profile %s) matches no extension of this account; correct it, or give "
                            "it optional: true" % (where, profile))
        composed = _over(resolved[profile], assignment.get("overrides"))
        for ext_id in targets:
            if ext_id in chosen:
                first_index, first_profile, _composed = chosen[ext_id]
                problems.append("%s (id %s) is matched by assignments[%d] (profile %s) and "
                                "assignments[%d] (profile %s); an extension takes one profile"
                                % (directory.get(ext_id).get("name"), ext_id, first_index, first_profile,
                                   index, profile))
                continue
            chosen[ext_id] = (index, profile, composed)
    if problems:
        raise ProfileError(problems)
    items = []
    for ext in extensions:
        if str(ext.get("id")) in chosen:
            _index, profile, (values, reset) = chosen[str(ext.get("id"))]
            item = dict(values)
            if reset:
                item["reset"] = list(reset)
            item.update(extension_id=ext.get("id"), name=ext.get("name"), profile=profile)
            items.append(item)
    return items


def limit_to(items, only, extensions):
    """``(items, problems, untaken)``: the items of the extensions ``only`` names (ids, full names or numbers;
    None: every item), each problem a name that names no extension of ``extensions`` (the listing), and the
    extensions named that no assignment takes (``"000*105 (id 1105)"``), in listing order."""
    if only is None:
        return items, [], []
    directory = ExtensionDirectory(extensions)
    wanted, problems = set(), []
    for index, given in enumerate(only):
        ext, why = directory.find(given, ids=True)
        if ext is None:
            problems.append("only_extensions[%d]: %s" % (index, why))
        else:
            wanted.add(str(ext.get("id")))
    kept = [item for item in items if str(item["extension_id"]) in wanted]
    taken = {str(item["extension_id"]) for item in kept}
    untaken = [describe(ext) for ext in extensions if str(ext.get("id")) in wanted - taken]
    return kept, problems, untaken


def only_problems(only):
    """Why ``only_extensions`` cannot limit a run, before any request: an empty list would be a run of nothing."""
    if only is None:
        return []
    if not only:
        return ["only_extensions: empty: name at least one extension (id or name), or leave the option out to "
                "run over every extension the assignments select"]
    return ["only_extensions[%d]: an extension id (integer) or name (text), got %r" % (index, given)
            for index, given in enumerate(only)
            if isinstance(given, bool) or not isinstance(given, (int, str)) or not str(given).strip()]
