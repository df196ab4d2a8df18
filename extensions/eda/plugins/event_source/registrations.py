# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""registrations.py: the ansible-rulebook event source ``telphin.pbx.registrations``.

Polls the SIP registrations of the account's phone extensions every ``interval`` seconds, with the collection's
own client and reads (the bulk read where the account has it; the reserve of the hourly budget kept), and puts
one event per change: ``registered``, ``unregistered``, ``device_changed``. The first poll is the baseline.
A change is the ``registered`` flag or the set of devices (user agents); ``expires``, ``registration_id`` and
the addresses (a NAT port) are not. What events hold, and how a poll becomes them: plugins/module_utils/events.py.

Arguments:
    api_url, app_id, app_secret, access_token, validate_certs, ca_path, timeout, max_retries,
    rate_limit_wait, rate_limit_reserve: the modules' connection options, with the same environment
        variables (TELPHIN_API_URL, TELPHIN_APP_ID, TELPHIN_APP_SECRET, TELPHIN_ACCESS_TOKEN...).
    interval: seconds between polls (default 300).
    settle: seconds a new state must hold before its event is sent (default 0: at once); checked at each poll.
    max_events: more change events in one poll go out as one ``summary`` event (default 50).
    emit_initial: also send the state of each extension at the first poll (default false).
    extensions: the phone extensions to watch (ids, numbers such as "100", full names such as "000*100");
        default (or an empty list) every phone extension of the account.
    status: only phone extensions with this status (active, blocked).
    extension_group_id: only phone extensions of this group.
    device_regex: only events with a device (before or after) that matches this regular expression.

Example:
    - name: Phones of the front desk
      hosts: all
      sources:
        - telphin.pbx.registrations:
            interval: 120
            settle: 240
            extensions: ["100", "101"]
      rules:
        - name: A phone logged out
          condition: event.type == "unregistered"
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
from ansible_collections.telphin.pbx.plugins.module_utils.client import BulkRegistrations
from ansible_collections.telphin.pbx.plugins.module_utils.runner import read_info
from ansible_collections.telphin.pbx.plugins.module_utils.targets import ME

NAME = events.REGISTRATIONS
WHAT = "the requests of a poll of the SIP registrations"
LOG = logging.getLogger(__name__)
pause = asyncio.sleep  # the wait between polls, and the time of a poll (the tests replace them)
clock = time.time


def new_client(connection):
    """The collection's client, as a module makes one."""
    return polling.new_client(NAME, connection)


def read_account(client, options):
    """The reads of one poll: the listing of the account's phones, and the registrations of those selected
    (``runner.read_info``: in blocks where the account has the bulk read)."""
    # Each poll is a run of its own for the bulk read: a bulk path that answered 404 once (a gateway's
    # hiccup) is tried again, at two requests, rather than costing one GET per phone for the source's life.
    client.bulk_registrations = BulkRegistrations()
    phones, problems = options.selection.pick(client.list_extensions(ME, type="phone"))
    return events.registrations_poll, (phones, problems, read_info(client, events.registration_query(phones),
                                                                   events.PARALLEL))


def read(client, options, watch, at):
    """One poll, on a worker thread (``polling.poll``); a failure is a poll that says why."""
    return polling.poll(client, options, watch, at, WHAT, read_account)


async def main(queue: asyncio.Queue, args: dict[str, Any]) -> None:
    """Poll the registrations and put an event on ``queue`` for each change, until cancelled."""
    await polling.run(queue, args, NAME, read, LOG, new_client, pause, clock)


if __name__ == "__main__":

    class MockQueue:
        """Prints each event (run by hand: TELPHIN_* variables give the connection)."""

        async def put(self, event):
            print(event)

    asyncio.run(main(MockQueue(), {"interval": 60}))
