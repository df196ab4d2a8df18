# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes when each task of the run started and ended to the file named by BENCH_TASK_TIMES, as JSON.

A task lasts from its start to the next task's start, as ansible.posix's profile_tasks counts (so its time
holds its templating, its module runs and the callbacks of its results), without needing that collection.
Times are ``time.time()``, so that bench.py can add what comes before the first task (start-up, parsing
the playbook and the role) and after the last (the stats, the process's exit) from its own clock.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tasks = []  # {name, action, start, end, ran}, in the order the tasks ran

    def _start(self, task):
        now = time.time()
        self._end_last(now)
        self._tasks.append(dict(name=task.get_name(), action=task.action, start=now, end=None, ran=False))

    def _end_last(self, now):
        if self._tasks and self._tasks[-1]["end"] is None:
            self._tasks[-1]["end"] = now

    def _ran(self, *_args, **_kwargs):
        if self._tasks:
            self._tasks[-1]["ran"] = True  # not skipped on every host

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_unreachable = _ran

    def v2_playbook_on_stats(self, stats):
        now = time.time()
        self._end_last(now)
        with open(os.environ["BENCH_TASK_TIMES"], "w", encoding="utf-8") as out:
            json.dump(dict(tasks=self._tasks, stats=now), out)
