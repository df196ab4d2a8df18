# -*- coding: utf-8 -*-
"""The option parallel: its values, and how many requests the throttle lets into flight as answers come.

The throttle is driven here as the transport drives it: a request enters, is answered after some seconds
(``answered``) or refused (``refused``), and leaves. The timing is given, so nothing here sleeps.
"""

from __future__ import annotations

import pytest

from ansible_collections.telphin.pbx.plugins.module_utils.concurrency import (
    AUTO_START, MOST_IN_FLIGHT, PROBE_ROUNDS, Throttle, parse_parallel)


@pytest.mark.parametrize("given, expected", [
    ("auto", (32, True, None)), (" Auto ", (32, True, None)), (16, (16, False, None)), ("8", (8, False, None)),
    (1, (1, False, None)), (32, (32, False, None)),
])
def test_parallel_is_auto_or_a_number_from_1_to_32(given, expected):
    assert parse_parallel(given) == expected


@pytest.mark.parametrize("given", [0, 33, -1, "fast", "", None, True, 2.5, "16.5"])
def test_any_other_parallel_is_refused_naming_the_option_and_what_it_takes(given):
    _workers, _adaptive, problem = parse_parallel(given)
    assert problem == "parallel: must be auto or an integer from 1 to 32, got %r" % (given,)


def _round(throttle, seconds):
    """One round at the throttle's limit: that many requests in flight, each answered after ``seconds``."""
    limit = throttle.limit
    for _slot in range(limit):
        throttle.__enter__()
    for _slot in range(limit):
        throttle.answered(seconds)
        throttle.__exit__()
    return limit


def _refusal(throttle, in_flight):
    """``in_flight`` requests out, and the server refuses the last for concurrency."""
    for _slot in range(in_flight):
        throttle.__enter__()
    throttle.refused()
    for _slot in range(in_flight):
        throttle.__exit__()


def test_auto_starts_at_8_and_grows_to_32_while_answers_stay_as_fast():
    throttle = Throttle(MOST_IN_FLIGHT, adaptive=True)
    limits = [_round(throttle, 0.08) for _slot in range(5)]
    assert limits == [AUTO_START, 16, 24, 32, 32]


def test_auto_steps_back_where_answers_slow_down_and_stays_there():
    throttle = Throttle(MOST_IN_FLIGHT, adaptive=True)
    # The server saturates above 16 in flight: at 24 its answers take twice as long.
    limits = [_round(throttle, 0.02 if throttle.limit <= 16 else 0.04) for _slot in range(6)]
    assert limits == [8, 16, 24, 16, 16, 16]


def test_auto_under_a_concurrency_limit_settles_just_below_the_number_refused():
    throttle = Throttle(MOST_IN_FLIGHT, adaptive=True)
    _refusal(throttle, in_flight=7)  # 6 allowed: the seventh was refused
    assert (throttle.limit, throttle.ceiling) == (3, 6)
    limits = [_round(throttle, 0.02) for _slot in range(PROBE_ROUNDS + 3)]
    assert limits[:4] == [3, 4, 5, 6]  # one more per round after a refusal, up to the ceiling
    assert set(limits[4:PROBE_ROUNDS + 3]) == {6}  # and there it stays for PROBE_ROUNDS clean rounds
    assert throttle.limit == 7  # before it tries one more: other applications may have freed a slot


@pytest.mark.parametrize("adaptive", [False, True], ids=["fixed", "auto"])
def test_a_503_or_a_time_out_halves_auto_only(adaptive):
    throttle = Throttle(16, adaptive=adaptive)
    before = throttle.limit
    for _slot in range(before):
        throttle.__enter__()
    throttle.refused(concurrency=False)
    assert throttle.limit == (before // 2 if adaptive else before)


def test_a_fixed_number_holds_whatever_the_answer_times():
    throttle = Throttle(16)
    limits = [_round(throttle, seconds) for seconds in (0.02, 0.5, 0.02, 2.0)]
    assert limits == [16, 16, 16, 16]


def test_a_fixed_number_refused_for_concurrency_backs_off_and_comes_back_to_the_ceiling():
    throttle = Throttle(16)
    _refusal(throttle, in_flight=11)
    assert (throttle.limit, throttle.ceiling) == (5, 10)
    limits = [_round(throttle, 0.02) for _slot in range(7)]
    assert limits == [5, 6, 7, 8, 9, 10, 10]
