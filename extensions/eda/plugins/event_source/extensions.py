# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""extensions.py: the ansible-rulebook event source ``telphin.pbx.extensions``.

Polls the account's extension listing every ``interval`` seconds, with the collection's own client (the reserve
of the hourly budget kept), and puts one event per change: ``added``, ``removed``, ``changed`` (of ``name``,
``type``, ``status`` or ``extension_group_id``). The first poll is the baseline. What events hold, and how a
poll becomes them: plugins/module_utils/events.py.

Arguments:
    api_url, app_id, app_secret, access_token, validate_certs, ca_path, timeout, max_retries,
    rate_limit_wait, rate_limit_reserve: the modules' connection options, with the same environment
        variables (TELPHIN_API_URL, TELPHIN_APP_ID, TELPHIN_APP_SECRET, TELPHIN_ACCESS_TOKEN...).
    interval: seconds between polls (default 300).
    settle: seconds a new state must hold before its event is sent (default 0: at once); checked at each poll.
    max_events: more change events in one poll go out as one ``summary`` event (default 50).
    emit_initial: also send each extension as ``added`` at the first poll (default false).
    type, status, extension_group_id: only the events of extensions of this type (phone, queue...), status
        (active, blocked), group, before or after the change (a phone blocked under ``status: active`` is a
        ``changed`` event).

Example:
    - name: New extensions get their phone profile
      hosts: all
      sources:
        - telphin.pbx.extensions:
            interval: 600
            type: phone
      rules:
        - name: A phone extension was added
          condition: event.type == "added"
          action:
            debug:
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from typing import Any

try:
    from ansible_collections.telphin.pbx.plugins.module_utils import events
except ImportError:  # run by its path, as ansible-rulebook runs a source: make the collection's root importable
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 7)))
    from ansible_collections.telphin.pbx.plugins.module_utils import events
from ansible_collections.telphin.pbx.plugins.module_utils import polling
from ansible_collections.telphin.pbx.plugins.module_utils.targets import ME

NAME = events.EXTENSIONS
WHAT = "the requests of a poll of the extension listing"
LOG = logging.getLogger(__name__)
pause = asyncio.sleep  # the wait between polls, and the time of a poll (the tests replace them)
clock = time.time


def new_client(connection):
    """The collection's client, as a module makes one."""
    return polling.new_client(NAME, connection)


def read_account(client, _options):
    """The reads of one poll: the account's extension listing."""
    return events.extensions_poll, (client.list_extensions(ME),)


def read(client, options, watch, at):
    """One poll, on a worker thread (``polling.poll``); a failure is a poll that says why."""
    return polling.poll(client, options, watch, at, WHAT, read_account)


async def main(queue: asyncio.Queue, args: dict[str, Any]) -> None:
    """Poll the extension listing and put an event on ``queue`` for each change, until cancelled."""
    await polling.run(queue, args, NAME, read, LOG, new_client, pause, clock)


if __name__ == "__main__":

    class MockQueue:
        """Prints each event (run by hand: TELPHIN_* variables give the connection)."""

        async def put(self, event):
            print(event)

    asyncio.run(main(MockQueue(), {"interval": 60}))
