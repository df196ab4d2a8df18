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


def test_auto_holds_where_answers_slow_down_and_grows_again_when_they_do_not():
    throttle = Throttle(MOST_IN_FLIGHT, adaptive=True)
    # The server saturates above 16 in flight: at 24 its answers take twice as long (more would only queue).
    limits = [_round(throttle, 0.02 if throttle.limit <= 16 else 0.04) for _slot in range(4)]
    assert limits == [8, 16, 24, 24]
    # The noise passes (the answers come as fast again at 24): it grows on.
    assert [_round(throttle, 0.02) for _slot in range(2)] == [24, 32]


def test_auto_steps_back_from_a_server_that_is_overloaded():
    throttle = Throttle(MOST_IN_FLIGHT, adaptive=True)
    limits = [_round(throttle, 0.02 if throttle.limit <= 16 else 0.1) for _slot in range(4)]
    assert limits == [8, 16, 24, 16]


def test_auto_under_a_concurrency_limit_settles_at_it_and_probes_one_more_now_and_then():
    throttle = Throttle(MOST_IN_FLIGHT, adaptive=True)
    _refusal(throttle, in_flight=7)  # 6 allowed: the seventh was refused
    assert (throttle.limit, throttle.ceiling) == (6, 6)
    limits = [_round(throttle, 0.02) for _slot in range(PROBE_ROUNDS)]
    assert set(limits) == {6}  # there it stays for PROBE_ROUNDS clean rounds
    assert throttle.limit == 7  # then it tries one more: other applications may have freed a slot
    _refusal(throttle, in_flight=7)
    assert (throttle.limit, throttle.ceiling) == (6, 6)


def test_a_fixed_number_refused_for_concurrency_stays_just_below_what_was_refused():
    throttle = Throttle(16)
    _refusal(throttle, in_flight=11)
    assert (throttle.limit, throttle.ceiling) == (10, 10)
    assert [_round(throttle, 0.02) for _slot in range(3)] == [10, 10, 10]
