# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions, no I/O: current and desired values -> the changes, the PUT body, the bundle checks.

This is where what differs is decided, and so which extensions a run writes: check mode and a real run
call the same functions with the same inputs; only the runner's write step differs. It is not the only
place that decides ``changed``: the runner sets it from the write, an extension with changes being changed
once its PUT is answered (in check mode, at once), not when the PUT fails; and when a write's answer is
lost, the runner reads the extension back: changed when it holds the desired values or when a managed
field moved (:func:`differing`).
"""

from __future__ import annotations

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F


def changes(current, desired):
    """Names of the managed fields whose current value differs from the desired one, in table order.

    A field the API does not return cannot be compared, so when it is managed it is a change: the write-only
    SIP password always, and any field an answer leaves out (see :func:`unverifiable`).
    """
    return [fld.name for fld in F.WRITABLE if fld.name in desired and _differs(fld, current, desired)]


def _differs(fld, current, desired):
    if fld.writeonly or fld.name not in current:
        return True
    return F.comparable(fld, current[fld.name]) != F.comparable(fld, desired[fld.name])


def differing(before, after, names):
    """Which of ``names`` hold different values in two sets of properties, as the API compares them."""
    return [name for name in names if _differs_between(F.FIELDS_BY_NAME[name], before, after)]


def _differs_between(fld, before, after):
    return F.comparable(fld, before.get(fld.name)) != F.comparable(fld, after.get(fld.name))


def unverifiable(current, changed_names):
    """The changes that no answer can confirm: write-only fields, and fields the API's answer leaves out."""
    return [name for name in changed_names if F.FIELDS_BY_NAME[name].writeonly or name not in current]


def left_out(current, changed_names):
    """The changes whose field the API's answer leaves out (a reading of the API, not the password)."""
    return [name for name in changed_names if not F.FIELDS_BY_NAME[name].writeonly and name not in current]


def put_body(desired, changed_names):
    """The PUT body: only the fields that differ (the API merges what it is sent)."""
    return {name: desired[name] for name in changed_names}


def predicted(current, desired, changed_names):
    """The properties the API will hold after the PUT, as far as the plan can tell."""
    after = dict(current)
    after.update(put_body(desired, changed_names))
    return after


# ---- bundles -----------------------------------------------------------------------------

def bundle_members(properties):
    """``(main_id, frozenset of every member id)`` of the extension's bundle, or None outside bundles."""
    bundle = (properties or {}).get("bundle")
    if not isinstance(bundle, dict) or bundle.get("bundle_id") in (None, ""):
        return None
    members = {str(bundle["bundle_id"])}
    members.update(str(ext_id) for ext_id in (bundle.get("bundle_list") or {}))
    return str(bundle["bundle_id"]), frozenset(members)


def inactive_members(properties):
    """Members of the extension's bundle marked ``"active": false``: the vendor does not say whether the API
    synchronizes them, so the modules treat them as possibly changed, and possibly not."""
    bundle = (properties or {}).get("bundle")
    members = bundle.get("bundle_list") if isinstance(bundle, dict) else None
    if not isinstance(members, dict):
        return frozenset()
    return frozenset(str(ext_id) for ext_id, state in members.items()
                     if isinstance(state, dict) and state.get("active") is False)


def synced_changes(changed_names):
    return [name for name in changed_names if name in F.SYNCED_NAMES]


def bundle_conflicts(planned):
    """Two targets of one bundle given different values of a synchronized field can never converge.

    ``planned`` is a list of ``(label, extension_id, properties, desired)``. Returns one message per
    conflicting pair and field; an empty list means no conflict.
    """
    by_bundle = {}
    for label, ext_id, properties, desired in planned:
        membership = bundle_members(properties)
        if membership:
            by_bundle.setdefault(membership[0], []).append((label, desired))
    problems = []
    for bundle_id, members in sorted(by_bundle.items()):
        for name in sorted(F.SYNCED_NAMES):
            fld = F.FIELDS_BY_NAME[name]
            first = None
            for label, desired in members:
                if name not in desired:
                    continue
                if first is None:
                    first = (label, desired[name])
                elif F.comparable(fld, first[1]) != F.comparable(fld, desired[name]):
                    problems.append(
                        "%s and %s are in one bundle (main extension %s) and %s is synchronized across it, "
                        "but they are given different values: %r and %r"
                        % (first[0], label, bundle_id, name, F.shown(fld, first[1]), F.shown(fld, desired[name])))
    return problems


def bundle_side_effects(ext_id, properties, changed_names, managed_by_id):
    """Bundle partners the API will change along with this extension, and which fields.

    ``managed_by_id`` maps the extension ids of the task to the fields each manages. A partner
    that is not in the task, or is but does not manage the field, is changed behind the user's back:
    that is what this reports, as ``{partner_id: [field, ...]}``.
    """
    membership = bundle_members(properties)
    synced = synced_changes(changed_names)
    if not membership or not synced:
        return {}
    effects = {}
    for partner in sorted(membership[1] - {str(ext_id)}, key=_id_order):
        unmanaged = [name for name in synced if name not in managed_by_id.get(partner, ())]
        if unmanaged:
            effects[partner] = unmanaged
    return effects


def _id_order(ext_id):
    return (0, int(ext_id)) if str(ext_id).isdigit() else (1, str(ext_id))
