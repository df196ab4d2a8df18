# -*- coding: utf-8 -*-
"""rate_limit_reserve: the values it takes, and when a phase of a run fits above it."""

from __future__ import annotations

import pytest

from ansible_collections.telphin.pbx.plugins.module_utils.budget import Reserve, parse_reserve, shortfall


@pytest.mark.parametrize("given, kept_of_1000", [
    ("10%", 100), (None, 100), ("12.5%", 125), ("0%", 0), (0, 0), ("0", 0), (250, 250), (" 40 ", 40), ("99%", 990),
])
def test_a_reserve_is_a_number_of_requests_or_a_share_of_the_limit(given, kept_of_1000):
    reserve, problem = parse_reserve(given)
    assert problem is None and reserve.of(1000) == kept_of_1000


@pytest.mark.parametrize("given, why", [
    ("100%", "a percentage must be below 100%"), ("150%", "a percentage must be below 100%"),
    ("ten", "must be a number of requests (0 or more) or a percentage"), (-5, "must be a number of requests"),
    (True, "must be a number of requests"), ("5 requests", "must be a number of requests"),
])
def test_anything_else_is_refused_naming_the_option_and_the_reason(given, why):
    _reserve, problem = parse_reserve(given)
    assert problem.startswith("rate_limit_reserve: ") and why in problem


def test_a_share_of_an_unknown_limit_keeps_nothing_back_but_a_number_does():
    assert parse_reserve("10%")[0].of(None) == 0 and parse_reserve("30")[0].of(None) == 30


BUDGET = {"limit": 1000, "remaining": 150, "reset": 600}


@pytest.mark.parametrize("cost, fits", [(50, True), (51, False), (0, True)])
def test_a_phase_fits_when_its_cost_is_at_most_the_budget_above_the_reserve(cost, fits):
    found = shortfall("the reads", cost, BUDGET, parse_reserve("10%")[0])
    assert (found is None) is fits
    if found:
        assert (found.free, found.kept, found.fitting) == (50, 100, 50)
        assert found.text().startswith("the reads need 51 requests, but 150 remain of the API's hourly budget of "
                                       "1000, less a reserve of 100 (rate_limit_reserve 10%) kept for the account's "
                                       "other applications: 50 may be spent; the budget resets in 600 s (at ")


def test_a_reserve_at_or_above_the_limit_never_fits_even_for_nothing():
    found = shortfall("the reads", 0, BUDGET, Reserve(given="1000", count=1000))
    assert found.reserve_too_large and found.text().startswith(
        "rate_limit_reserve: 1000 is at or above the API's hourly limit of 1000 requests")


def test_an_unknown_budget_is_no_shortfall():
    assert shortfall("the reads", 10 ** 6, None, parse_reserve("10%")[0]) is None
    assert shortfall("the reads", 10 ** 6, {"limit": 10, "remaining": None}, parse_reserve("10%")[0]) is None


def test_writes_with_registration_reads_count_what_fits_in_whole_extensions():
    found = shortfall("the writes", 30, BUDGET, parse_reserve("10%")[0], per_item=3)
    assert found is None
    found = shortfall("the writes", 60, BUDGET, parse_reserve("10%")[0], per_item=3)
    assert found.fitting == 16  # 50 requests: 16 extensions with their two registration reads
