# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that shapes what the modules return: entries, drift and diff, stats, failure messages,
the warnings of a run, registration_info's result, and the profiles' summary (of a run, a play, one line).

Pure functions from a :class:`~.runner.Run` (or a listing) and the client's counters to the result dict a
module hands to Ansible. Secrets are masked here, on the way out.
"""

from __future__ import annotations

import re

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils import plan
from ansible_collections.telphin.pbx.plugins.module_utils.entries import info_entry
from ansible_collections.telphin.pbx.plugins.module_utils.registrations import device_counts
from ansible_collections.telphin.pbx.plugins.module_utils.targets import as_id


def diff(outcome, header=None):
    """Ansible diff of the managed fields: before is the API's value, after the value the task leaves."""
    current, desired, changes = outcome.current, outcome.target.desired, outcome.changes
    before = {name: current.get(name) for name in desired}
    after = dict(before, **outcome.body)
    entry = {"before": F.mask(before), "after": F.mask(after)}
    for name in changes:
        if name in F.SECRET_NAMES:
            # Both sides are masked, so say which secret changed or the diff would show nothing.
            entry["after"][name] = F.MASK + " (changed)"
    if header:
        entry["before_header"] = "%s (before)" % header
        entry["after_header"] = "%s (after)" % header
    return entry


def drift(outcome):
    """``{field: {"before": ..., "after": ...}}`` of the changed fields, secrets masked (for reports)."""
    entry = diff(outcome)
    return {name: {"before": entry["before"][name], "after": entry["after"][name]} for name in outcome.changes}


def entry(outcome):
    """One element of ``extensions`` in the result of phone_properties."""
    target = outcome.target
    result = {
        "extension_id": as_id(target.extension_id),
        "name": target.name,
        "changed": outcome.changed,
        "changes": list(outcome.changes),
        "failed": outcome.failed,
        "msg": outcome.msg,
        "bundle_changes": {str(partner): list(names) for partner, names in outcome.bundle_effects.items()},
    }
    if outcome.changes and outcome.current is not None:
        result["drift"] = drift(outcome)
    if target.profile is not None:
        result["profile"] = target.profile
    if outcome.registration is not None:
        result["registration"] = dict(outcome.registration)
    return result


def stats(client, outcomes=None):
    """Counts of the run; ``requests`` by method and ``total`` in every module."""
    counts = {}
    if outcomes is not None:
        counts = dict(targets=len(outcomes), checked=sum(1 for o in outcomes if o.current is not None),
                      changed=sum(1 for o in outcomes if o.changed), failed=sum(1 for o in outcomes if o.failed))
    counts["requests"] = client.stats()["requests"]
    return counts


NAMES_IN_A_MESSAGE = 20
_ID_IN_PATH = re.compile(r"/extension/[^/]+/")


def warnings(run):
    """What the user should know of a :class:`~.runner.Run` that went ahead, worded from its facts."""
    outcomes = run.outcomes
    said = ["extensions is empty: there is nothing to do."] if run.empty else []
    said += [_bundle_warning(o) for o in outcomes if o.bundle_effects]
    said += _left_out_warnings(outcomes)
    shortfall = run.budget_shortfall
    if shortfall and run.going_ahead == "check_mode":
        said.append(shortfall.text() + "; a real run now would stop before writing, unless allow_partial is set "
                                       "(it writes the first %d)." % shortfall.fitting)
    elif shortfall:
        said.append(shortfall.text() + "; allow_partial is set, so the first %d writes were sent and the others "
                                       "were not." % shortfall.fitting)
    lost = [o for o in outcomes if o.registration and o.registration.get("lost")]
    if lost:
        said.append("%d extension%s lost %s SIP registration after the change and did not register again within "
                    "%g s: %s" % (len(lost), "" if len(lost) == 1 else "s", "its" if len(lost) == 1 else "their",
                                  run.registration_wait, ", ".join(o.target.title for o in lost)))
    said += _unchecked_warnings(outcomes)
    said += ["%s: the write's answer was lost (%s); read back, the server holds the desired values"
             % (o.target.title, o.read_back) for o in outcomes if o.read_back]
    return tuple(said) + tuple(run.notes)


def _unchecked(outcomes):
    return [o for o in outcomes if o.registration and o.registration.get("unchecked")]


def _unchecked_warnings(outcomes):
    """One warning naming the extensions whose registrations could not be read around the change, and why
    (each reason once: the id in a request's path is taken out so that one failure of many reads says once)."""
    unchecked = _unchecked(outcomes)
    if not unchecked:
        return []
    by_reason = {}
    for outcome in unchecked:
        reason = _ID_IN_PATH.sub("/extension/{id}/", outcome.registration.get("msg") or "no reason given")
        by_reason.setdefault(reason, []).append(outcome.target.title)
    check_mode = "registered_now" in unchecked[0].registration
    return ["The SIP registrations of %d extension%s could not be read (registrations_unchecked), so %s: %s"
            % (len(unchecked), "" if len(unchecked) == 1 else "s",
               "whether the change would log a device out is not known" if check_mode else
               "a device the change logged out would go unnoticed",
               "; ".join("%s: %s" % (_names(titles), reason) for reason, titles in by_reason.items()))]


def _left_out_warnings(outcomes):
    """One warning naming the managed fields that the API's answers leave out, which are sent every run."""
    fields_, extensions = set(), 0
    for outcome in outcomes:
        missing = plan.left_out(outcome.current, outcome.changes) if outcome.current is not None else []
        fields_.update(missing)
        extensions += bool(missing)
    if not fields_:
        return []
    return ["The API's answers leave out %s (on %d extension%s): the module cannot compare what it does not "
            "read, so it sends these fields on every run and reports them as changed."
            % (", ".join(sorted(fields_)), extensions, "" if extensions == 1 else "s")]


def _bundle_warning(outcome):
    effects = outcome.bundle_effects
    inactive = plan.inactive_members(outcome.current)
    fields_ = ", ".join(sorted({name for names in effects.values() for name in names}))
    active = ["id %s" % partner for partner in effects if partner not in inactive]
    maybe = ["id %s" % partner for partner in effects if partner in inactive]
    where = " and ".join(part for part in (
        ", ".join(active), maybe and "perhaps on %s (inactive in the bundle: the vendor does not say whether "
                                     "the API synchronizes inactive members)" % ", ".join(maybe)) if part)
    return "%s is in a bundle: changing %s there also changes it on %s, which the task does not manage." % (
        outcome.target.title, fields_, where)


def failure_message(run):
    """One message naming every failed extension of a :class:`~.runner.Run` and why, each reason said once,
    or None."""
    failed = [(o.target.title, o.msg) for o in run.outcomes if o.failed]
    if not failed:
        return None
    return _failures_said(failed, len(run.outcomes), "failed", run.stopped)


def registration_failure_message(info):
    """One message naming every extension of a ``registrations.Info`` that could not be read and why."""
    titles = {extension_id: ("%s (id %s)" % (name, extension_id) if name else "id %s" % extension_id)
              for extension_id, name in info.targets}
    failed = [(titles.get(extension_id, "id %s" % extension_id), reason)
              for extension_id, reason in info.failures.items()]
    return _failures_said(failed, len(info.targets), "could not be read")


def _failures_said(failed, total, what, stopped=None):
    """``failed``, ``(title, reason)`` of ``total`` extensions, in one message: the one extension and why, or
    the count and each reason once with the extensions it failed."""
    if total == 1:
        return "%s: %s" % failed[0]
    by_reason = {}
    for title, reason in failed:
        by_reason.setdefault(reason, []).append(title)
    head = "%d of %d extensions %s" % (len(failed), total, what)
    if stopped:
        head += "; the task stopped after an error that every request would meet: %s" % stopped
    return head + ": " + "; ".join("%s: %s" % (_names(titles), reason) for reason, titles in by_reason.items())


def _names(titles):
    if len(titles) <= NAMES_IN_A_MESSAGE:
        return ", ".join(titles)
    return "%s and %d more" % (", ".join(titles[:NAMES_IN_A_MESSAGE]), len(titles) - NAMES_IN_A_MESSAGE)


def _common(client):
    result = dict(changed=False)
    rate_limit = client.rate_limit()
    if rate_limit:
        result["rate_limit"] = rate_limit
    return result


def phone_properties_result(run, client, params, diff_mode):
    """The result of phone_properties: one target's fields, or ``extensions`` for a task of many."""
    if params.get("restore_from"):
        return _many(run, client, diff_mode)
    if params.get("extensions") is not None:
        result = _many(run, client, diff_mode)
        # Ansible echoes the module's arguments in every result; for thousands of items that doubles the
        # result the controller copies and converts (about half a second per 1,000 items). The items are in
        # the result's `extensions` already.
        result["invocation"] = {"module_args": dict(
            params, extensions="(%d items: see extensions in the result)" % len(run.outcomes))}
        return result
    outcomes = run.outcomes
    result = _common(client)
    result.update(changed=any(o.changed for o in outcomes), stats=stats(client, outcomes))
    result.update(_single(outcomes[0], diff_mode))
    return _with_failure(result, run)


def _many(run, client, diff_mode):
    outcomes = run.outcomes
    result = _common(client)
    result.update(changed=any(o.changed for o in outcomes), stats=stats(client, outcomes),
                  extensions=[entry(o) for o in outcomes])
    if diff_mode:
        result["diff"] = [diff(o, header=o.target.title)
                          for o in outcomes if o.changes and o.current is not None]
    return _with_failure(result, run)


def _with_failure(result, run):
    if run.backup_path:
        result["backup_path"] = run.backup_path
    if run.watched:
        result["registrations_lost"] = [as_id(o.target.extension_id) for o in run.outcomes
                                        if o.registration and o.registration.get("lost")]
        result["registrations_unchecked"] = [as_id(o.target.extension_id) for o in _unchecked(run.outcomes)]
    if run.refused:
        result.update(failed=True, problems=list(run.refused),
                      msg="Nothing was written: " + "; ".join(run.refused))
    elif failure_message(run):
        result.update(failed=True, msg=failure_message(run))
    return result


def invalid_input(problems):
    """The result of a module refusing its options before any request: each problem names the option."""
    return dict(failed=True, changed=False, problems=list(problems),
                msg="Invalid options, nothing was sent: " + "; ".join(problems))


def phone_profiles_result(run, client, params, check_mode, diff_mode):
    """The result of phone_profiles: ``extensions`` (each with its profile), ``summary``, ``stats``, ``diff``."""
    result = _many(run, client, diff_mode)
    result["summary"] = summary(result["extensions"], check_mode, result.get("msg", ""))
    if run.backup_path:
        result["summary"]["backup_path"] = run.backup_path
    if run.watched:
        result["summary"]["registrations_lost"] = len(result["registrations_lost"])
        result["summary"]["registrations_unchecked"] = len(result["registrations_unchecked"])
    result["invocation"] = {"module_args": _profiles_invocation(params)}
    return result


def phone_profiles_export_result(run, client, written):
    """The result of phone_profiles' export (export_file): the file and what it holds (``export.ExportFile``
    wrote it), or why it was not written. ``changed``: the file's text changed; the PBX only was read."""
    result = dict(_common(client), stats=stats(client, run.outcomes))
    if written is None:
        return dict(result, failed=True, msg=failure_message(run) + "; the export file was not written")
    if "msg" in written:
        return dict(result, failed=True, msg=written["msg"])
    held = {name: written[name] for name in ("extensions", "profiles", "assignments", "notes")}
    return dict(result, changed=written["changed"], export_path=written["path"], export=held, msg=(
        "Exported %d phone extensions as %d profiles (%s) and %d assignments to %s. Not exported: %s." % (
            held["extensions"], len(held["profiles"]), ", ".join(held["profiles"]), held["assignments"],
            written["path"], "; ".join(held["notes"]))))


def phone_profiles_failed_before(why, report_problems, check_mode):
    """The result of phone_profiles asked only for the report of a run that failed before it ran (``why``): the
    report says so; ``report_problems`` say why that report cannot be written either."""
    msg = why + ("; the report could not be written: %s" % "; ".join(report_problems) if report_problems else "")
    return phone_profiles_ended(dict(failed=True, changed=False, msg=msg), check_mode)


def phone_profiles_ended(result, check_mode):
    """Any result phone_profiles ends with, with its summary: also a refusal of its input, or one that ended
    on an API error."""
    if "summary" in result:
        return result
    return dict(result, summary=summary(result.get("extensions", []), check_mode, result.get("msg", "")))


def phone_profiles_report(result, check_mode):
    """What the account's report holds (``report.py`` renders it), from the result phone_profiles ends with."""
    failed = bool(result.get("failed"))
    return dict(check_mode=check_mode, failed=failed, msg=result.get("msg", "") if failed else "",
                summary=result["summary"], stats=result.get("stats", {}), extensions=result.get("extensions", []),
                backup_path=result.get("backup_path"))


def report_unwritten(result, problem):
    """The result of a run whose report could not be written at its end: failed, its counts kept."""
    msg = "; ".join(text for text in (result.get("msg"), problem) if text)
    return dict(result, failed=True, msg=msg, summary=dict(result["summary"], msg=msg))


def _profiles_invocation(params):
    """The arguments as the result echoes them: an account's assignments (an export holds one per extension)
    are counted, not repeated."""
    assignments = params.get("assignments")
    if isinstance(assignments, list) and len(assignments) > 20:
        return dict(params, assignments="(%d assignments)" % len(assignments))
    return params


# ---- the profiles' summary: of one account's run, of the accounts of a play, in one line -------------------

COUNTS = ("extensions", "drifted", "changed", "failed")


def summary(entries, check_mode, msg=""):
    """The counts of one account's run from the ``extensions`` of phone_properties, in all and per profile.

    ``drifted``: extensions whose fields differed from their profile; ``changed``: those written (none in
    check mode); ``failed``: those that failed. ``msg`` says why the run failed, empty when it did not.
    """
    profiles = {}
    for item in entries or []:
        counts = profiles.setdefault(item.get("profile") or "", dict.fromkeys(COUNTS, 0))
        counts["extensions"] += 1
        counts["drifted"] += 1 if item.get("changes") else 0
        counts["changed"] += 1 if item.get("changed") and not check_mode else 0
        counts["failed"] += 1 if item.get("failed") else 0
    result = {name: sum(c[name] for c in profiles.values()) for name in COUNTS}
    result.update(check_mode=bool(check_mode), profiles=profiles, msg=msg or "")
    return result


def summary_total(accounts):
    """The run over several accounts: ``accounts`` maps an account to its :func:`summary`.

    ``failed_accounts`` maps each account whose run failed to why (a dict: ``in`` and ``length`` work on it
    as on the list of names it was before 1.1.0).
    """
    total = dict.fromkeys(COUNTS, 0)
    profiles = {}
    for account in accounts.values():
        for name in COUNTS:
            total[name] += account.get(name, 0)
        for profile, counts in account.get("profiles", {}).items():
            into = profiles.setdefault(profile, dict.fromkeys(COUNTS, 0))
            for name in COUNTS:
                into[name] += counts.get(name, 0)
    for name in ("registrations_lost", "registrations_unchecked"):  # counted when an account watched them
        if any(name in a for a in accounts.values()):
            total[name] = sum(a.get(name, 0) for a in accounts.values())
    total.update(check_mode=any(a.get("check_mode") for a in accounts.values()), profiles=profiles,
                 accounts=dict(accounts),
                 failed_accounts={name: a["msg"] for name, a in accounts.items() if a.get("msg")})
    return total


def summary_line(account, report_path):
    """What the play says of one account's run (``account``: its :func:`summary`), in one line."""
    profiles = account.get("profiles") or {}
    if account.get("msg") and not account.get("extensions"):
        return "Nothing was read or written: the run failed (below); %s" % _report_said(report_path)
    counts = ("%d drifting" % account.get("drifted", 0) if account.get("check_mode") else
              "%d drifted, %d written" % (account.get("drifted", 0), account.get("changed", 0)))
    return "%s of %d extensions%s: %s, %d failed%s%s; %s%s" % (
        "Audit" if account.get("check_mode") else "Run", account.get("extensions", 0),
        " (%s)" % ", ".join(profiles) if profiles else "", counts, account.get("failed", 0),
        _registrations_said(account), "; the run failed (below)" if account.get("msg") else "",
        _report_said(report_path),
        "; backup %s" % account["backup_path"] if account.get("backup_path") else "")


def _report_said(report_path):
    # Empty when the report could not be written (the run's message says why).
    return "report %s" % report_path if report_path else "no report was written"


def _registrations_said(account):
    """The registration watch's counts for the summary line, when there is something to say."""
    said = ""
    if account.get("registrations_lost"):
        said += ", %d lost their SIP registration" % account["registrations_lost"]
    if account.get("registrations_unchecked"):
        said += "; WARNING: the SIP registrations of %d could not be read (see the report)" \
            % account["registrations_unchecked"]
    return said


def _single(outcome, diff_mode):
    target = outcome.target
    result = dict(extension_id=as_id(target.extension_id), changes=list(outcome.changes))
    if target.name:
        result["name"] = target.name
    if outcome.after is not None:
        result["properties"] = F.mask(dict(outcome.after))
    if diff_mode and outcome.current is not None:
        result["diff"] = diff(outcome)
    return result


def phone_properties_info_result(run, client, show_secrets):
    """The result of phone_properties_info: the properties of every target that could be read."""
    result = _common(client)
    result.update(extensions=[info_entry(o, show_secrets) for o in run.outcomes if o.current is not None],
                  stats=stats(client, run.outcomes))
    if run.refused:
        result.update(failed=True, problems=list(run.refused), msg="; ".join(run.refused))
    elif failure_message(run):
        result.update(failed=True, msg=failure_message(run))
    return result


def registration_info_result(info, common):
    """The result of registration_info (a ``registrations.Info``) over ``common`` (``changed``, ``rate_limit`` and
    ``stats`` with the requests, as :func:`api_info_result` shapes them): ``extensions``, ``devices``, counts,
    failures."""
    result = dict(common)
    result.update(extensions=list(info.entries), devices=device_counts(info.entries))
    result["stats"] = dict(targets=len(info.targets), checked=info.checked, failed=len(info.failures),
                           returned=len(info.entries), **common.get("stats", {}))
    if info.reads:
        result["stats"]["registration_requests"] = dict(info.reads)
    if info.refused:
        result.update(failed=True, problems=list(info.refused),
                      msg="No registration was read: " + "; ".join(info.refused))
    elif info.failures:
        result.update(failed=True, msg=registration_failure_message(info))
    return result


def extension_info_result(extensions, client):
    result = _common(client)
    result.update(extensions=extensions, stats=stats(client))
    return result


def api_info_result(found, client):
    """The result of api_info: the probe's findings, with the request counts."""
    result = _common(client)
    result.update(found, stats=stats(client))
    return result


def api_error_result(error, client):
    """The result of a module whose run stopped on an API error outside any one extension (a listing)."""
    result = _common(client)
    result.update(failed=True, msg=str(error), status=error.status, api_status=error.api_status,
                  stats=stats(client))
    return result
