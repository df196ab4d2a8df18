# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many requests a run has in flight at once: the option ``parallel``, fixed or ``auto``.

The vendor documents no concurrency limit of the API (only 6 connections to its token endpoint), and the
best number depends on the distance to it: at 80 ms, 32 requests in flight finish much sooner than 16; a
server that refuses more than 6 in flight makes anything above 6 slower. ``auto`` finds the number as the
run goes; an integer keeps it fixed (and still backs off when the server refuses concurrent requests).
"""

from __future__ import annotations

import statistics
import threading

AUTO = "auto"
MOST_IN_FLIGHT = 32
AUTO_START = 8
AUTO_STEP = 8  # growth per round until the first sign of congestion; one at a time after it
SLOWDOWN = 1.5  # a round's median answer time above this many times the fastest round's: grow no more
OVERLOAD = 3.0  # above this many times: the server is overloaded, step back
PROBE_ROUNDS = 10  # clean rounds at a ceiling the server set (a concurrency 429) before trying one more


def parse_parallel(value):
    """``(workers, adaptive, problem)`` of the option ``parallel``: ``auto``, or an integer from 1 to 32 (also
    given as text, as a role variable from the command line is). ``problem`` names the option and the reason."""
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return MOST_IN_FLIGHT, True, None
    try:
        number = int(value) if not isinstance(value, (bool, float)) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not 1 <= number <= MOST_IN_FLIGHT:
        return 1, False, ("parallel: must be %s or an integer from 1 to %d, got %r"
                          % (AUTO, MOST_IN_FLIGHT, value))
    return number, False, None


class Throttle:
    """The requests in flight, at most ``limit`` at once.

    Fixed (``adaptive`` False): the limit is ``most``. A 429 that refuses concurrent requests says that the
    number in flight was one too many: the limit and a ceiling go just below it, and after PROBE_ROUNDS clean
    rounds (as many answers as the limit) at the ceiling it tries one more, since other applications of the
    account may have held some of the server's slots.

    Adaptive (``auto``): the limit starts at AUTO_START and grows by AUTO_STEP per round toward ``most`` while
    the round's median answer time stays within SLOWDOWN times the fastest round's; above, it holds (more in
    flight would only queue), and above OVERLOAD times it steps back. A time-out or a 503 halves it (the
    server is overloaded); from the first congestion on it grows by one per round. A concurrency 429 works
    as for a fixed number.
    """

    def __init__(self, most, adaptive=False):
        self._condition = threading.Condition()
        self.most = max(1, int(most))
        self.adaptive = adaptive
        self.limit = min(AUTO_START, self.most) if adaptive else self.most
        self.ceiling = self.most
        self._step = AUTO_STEP if adaptive else 1
        self._in_flight = 0
        self._round = []  # answer times (seconds) at the current limit
        self._fastest = None
        self._clean_rounds = 0

    def __enter__(self):
        with self._condition:
            while self._in_flight >= self.limit:
                self._condition.wait()
            self._in_flight += 1

    def __exit__(self, *_exc):
        with self._condition:
            self._in_flight -= 1
            self._condition.notify()

    def refused(self, concurrency=True):
        """The server refused a request for the number in flight (``concurrency``: a 429 that is not the
        quota), or is overloaded (a 503 or a time-out; only ``auto`` listens to those)."""
        if not (concurrency or self.adaptive):
            return
        with self._condition:
            if concurrency:  # this request was one too many: stay below the number in flight with it
                self.ceiling = max(1, min(self.ceiling, self._in_flight - 1))
                self.limit = min(self.limit, self.ceiling)
            else:
                self.limit = max(1, min(self.limit, self._in_flight) // 2)
            self._step, self._round, self._clean_rounds = 1, [], 0

    def answered(self, seconds):
        """A request answered after ``seconds``: at the end of a round, grow, hold or step back."""
        if not self.adaptive and self.limit == self.most:
            return  # the fixed limit, never refused: nothing to learn, no lock to take
        with self._condition:
            self._round.append(seconds)
            if len(self._round) < self.limit:
                return
            median, self._round = statistics.median(self._round), []
            if self.adaptive:
                self._fastest = median if self._fastest is None else min(self._fastest, median)
                if median > OVERLOAD * self._fastest:
                    self.limit = max(1, self.limit - self._step)
                    return
                if median > SLOWDOWN * self._fastest:
                    return  # saturating: hold
            self._grow()

    def _grow(self):
        """One clean round more: toward the ceiling, and past it after PROBE_ROUNDS rounds there."""
        self._clean_rounds += 1
        if self.limit >= self.ceiling and self.ceiling < self.most and self._clean_rounds >= PROBE_ROUNDS:
            self.ceiling += 1
        if self.limit < self.ceiling:
            self.limit = min(self.ceiling, self.limit + self._step)
            self._clean_rounds = 0
            self._condition.notify_all()
