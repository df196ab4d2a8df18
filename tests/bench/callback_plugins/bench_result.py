# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Saves the result of the last task to the file named by BENCH_RESULT, so bench.py needs no extra task."""

from __future__ import annotations

import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_result"
    CALLBACK_NEEDS_ENABLED = True

    def _save(self, result):
        with open(os.environ["BENCH_RESULT"], "w", encoding="utf-8") as out:
            out.write(self._dump_results(result.result))

    def v2_runner_on_ok(self, result):
        self._save(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._save(result)
