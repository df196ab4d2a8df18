# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The account's hourly request budget, and the reserve a run leaves of it (``rate_limit_reserve``).

The vendor documents one hourly budget per client, shared by all its applications (a CRM, call tracking,
click-to-call), and a 429 after which "the next request is possible only in the next hour". A run that
spends the budget stops the customer's other integrations for up to an hour; so a run spends only what lies
above the reserve, and knows before its reads (and again before its writes) whether they fit.
"""

from __future__ import annotations

import math
import re
import time
from datetime import datetime, timezone
from dataclasses import dataclass
from typing import Optional

DEFAULT_RESERVE = "10%"
EPOCH_THRESHOLD = 10 ** 9  # an X-RateLimit-Reset above this is a Unix time, not a number of seconds
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


@dataclass(frozen=True)
class Reserve:
    """What a run leaves of the hourly budget: ``count`` requests, or ``percent`` of the lowest limit seen."""

    given: str = "0"  # as the user wrote it, for messages
    count: int = 0
    percent: float = 0.0

    def of(self, limit):
        """The requests kept back, given the lowest ``X-RateLimit-Limit`` seen (None: not told)."""
        if self.percent:
            return math.ceil(limit * self.percent / 100.0) if limit else 0
        return self.count

    def __bool__(self):
        return bool(self.count or self.percent)


def parse_reserve(value):
    """``(Reserve, problem)`` of the option ``rate_limit_reserve``: an integer of 0 or more, or a percentage
    below 100 (``"10%"``); ``problem`` names the option and the reason, else None."""
    text = str(value).strip() if value is not None else DEFAULT_RESERVE
    percent = _PERCENT.match(text) if isinstance(value, str) or value is None else None
    if percent:
        share = float(percent.group(1))
        if share >= 100:
            return Reserve(), ("rate_limit_reserve: a percentage must be below 100%%, got %r: a reserve of the "
                               "whole budget leaves this task no request" % text)
        return Reserve(given=text, percent=share), None
    if isinstance(value, bool) or not re.match(r"^\s*\d+\s*$", text):
        return Reserve(), ("rate_limit_reserve: must be a number of requests (0 or more) or a percentage of the "
                           "hourly limit such as '10%%', got %r" % (value,))
    return Reserve(given=text, count=int(text)), None


@dataclass(frozen=True)
class Shortfall:
    """A phase of the run (``what``: its requests, in words) that does not fit above the reserve."""

    what: str
    cost: int
    remaining: int
    reserve: Reserve
    kept: int  # the reserve in requests
    limit: Optional[int]
    reset: Optional[int]
    per_item: int = 1  # requests per item of the phase (a write, and the registration reads around it)

    @property
    def fitting(self):
        """Items of the phase that fit above the reserve (allow_partial writes those)."""
        return self.free // max(1, self.per_item)

    @property
    def free(self):
        """Requests the run may spend: the remaining budget above the reserve."""
        return max(0, self.remaining - self.kept)

    @property
    def reserve_too_large(self):
        return self.limit is not None and self.kept >= self.limit

    def text(self):
        """The refusal's words (and the warning's, in check mode): the cost, the budget, the reserve, the reset."""
        if self.reserve_too_large:
            return ("rate_limit_reserve: %s is at or above the API's hourly limit of %d requests, so no request "
                    "would be left for this task: give a smaller reserve, such as 10%%"
                    % (self.reserve.given, self.limit))
        kept = ("a reserve of %d (rate_limit_reserve %s) kept for the account's other applications"
                % (self.kept, self.reserve.given))
        return ("%s need %d request%s, but %d remain of the API's hourly budget%s, less %s: %d may be spent; %s"
                % (self.what, self.cost, "" if self.cost == 1 else "s", self.remaining,
                   " of %d" % self.limit if self.limit is not None else "", kept, self.free, self.resets()))

    def resets(self):
        """When the budget resets, in words: in so many seconds, and at what time (UTC)."""
        if self.reset is None:
            return "the API did not say when the budget resets"
        seconds = self.reset - time.time() if self.reset > EPOCH_THRESHOLD else self.reset
        at = datetime.fromtimestamp(time.time() + seconds, tz=timezone.utc).strftime("%H:%M UTC")
        return "the budget resets in %d s (at %s)" % (max(0, seconds), at)


def shortfall(what, cost, budget, reserve, per_item=1):
    """A :class:`Shortfall` when ``cost`` requests do not fit in ``budget`` (``{limit, remaining, reset}``, the
    lowest limit seen) above ``reserve``; None when they do, or when the budget is not known."""
    if not budget or budget.get("remaining") is None:
        return None
    kept = reserve.of(budget.get("limit"))
    found = Shortfall(what=what, cost=cost, remaining=budget["remaining"], reserve=reserve, kept=kept,
                      limit=budget.get("limit"), reset=budget.get("reset"), per_item=per_item)
    if found.reserve_too_large or (cost > 0 and found.free < cost):
        return found
    return None


class OverBudget(Exception):
    """Requests that would go past the reserve: raised where a phase learns its cost only midway (the bulk read
    of the registrations that turns out not to be there), before any of them is sent."""

    def __init__(self, shortfall):
        super().__init__(shortfall.text())
        self.shortfall = shortfall


class BudgetChecks:
    """A client's checks of the budget, over what its answers told: ``write_budget()`` (``{limit, remaining,
    reset}`` of the budget the run draws on, or None) and ``lowest_limit()`` (the lowest limit seen, or None).

    ``reserve_unchecked``: a check found no rate-limit headers to check against (the task warns of it).
    """

    reserve = Reserve(given=DEFAULT_RESERVE, percent=10.0)
    reserve_unchecked = False

    def budget_told(self):
        """Whether any answer of the run has told the hourly budget (rate-limit headers)."""
        return self.write_budget() is not None

    def budget_shortfall(self, what, cost, per_item=1):
        """A :class:`Shortfall` when ``cost`` requests (``what`` they are, in words; ``per_item`` of them per
        extension) do not fit in the budget left above the reserve, else None. The reserve is a share of the
        lowest limit seen. With no rate-limit headers, None, and ``reserve_unchecked`` is set."""
        budget = self.write_budget()
        if budget is None:
            self.reserve_unchecked = self.reserve_unchecked or bool(self.reserve)
            return None
        return shortfall(what, cost, dict(budget, limit=self.lowest_limit()), self.reserve, per_item)

    def write_budget(self):  # pragma: no cover - every client defines it
        raise NotImplementedError

    def lowest_limit(self):  # pragma: no cover - every client defines it
        raise NotImplementedError


UNCHECKED = ("the API's answers carried no rate-limit headers (X-RateLimit-Limit, X-RateLimit-Remaining), so "
             "the reserve of the hourly budget (rate_limit_reserve %s) was not checked: this task may have spent "
             "requests that the account's other applications need")
