# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A test-only callback: the result of each registered task, as JSON, in the file $SAVE_RESULTS_FILE.

It replaces a last task that saved the registered results with ``copy``: that task cost as much CPU as the
task under test (two module runs, ``stat`` and ``copy``), in every one of some 200 playbook runs.
"""

from __future__ import annotations

import os

from ansible.plugins.callback import CallbackBase
from ansible.plugins.filter.core import to_json

DOCUMENTATION = r'''
name: save_results
type: aggregate
short_description: Save each registered task's result to a JSON file (the integration tests' own)
description:
  - A mapping of each task's C(register) name to its result, without Ansible's internal C(_ansible_) keys,
    written when the play ends to the file named by the environment variable C(SAVE_RESULTS_FILE).
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "save_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.results = {}

    def _save(self, result, **outcome):
        """Save the result as ``register`` holds it: ansible-core 2.19 and later hand a callback the result
        without ``failed`` (and ``skipped``), which the registered variable has."""
        task = getattr(result, "task", None) or result._task  # `task` from ansible-core 2.19
        data = getattr(result, "result", None)  # `result` from ansible-core 2.19; `_result` before
        data = result._result if data is None else data
        # ansible-core 2.21 holds `register: name` as {name: the result}, a projection.
        names = [task.register] if isinstance(task.register, str) else list(task.register or ())
        saved = {key: value for key, value in data.items() if not key.startswith("_ansible_")}
        saved.update(outcome)
        for name in names:
            self.results[name] = saved

    def v2_runner_on_ok(self, result, **kwargs):
        self._save(result, failed=False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._save(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._save(result, failed=False, skipped=True)

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["SAVE_RESULTS_FILE"], "w", encoding="utf-8") as out:
            out.write(to_json(self.results))
