# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The loop of the Event-Driven Ansible sources (extensions/eda/plugins/event_source/): the one way a source
polls, turns a poll into events (``events.advance``) and waits, whatever it reads.

A source gives its name, what its requests are (for the budget's messages) and ``read_account(client,
options)``, the reads of one poll: ``(make, args)``, where ``make(at, client_id, *args, **told)`` is the
``events`` function that turns them into a ``Poll`` (``events.extensions_poll``, ``events.registrations_poll``).
"""

from __future__ import annotations

import asyncio

from ansible_collections.telphin.pbx.plugins.module_utils import events
from ansible_collections.telphin.pbx.plugins.module_utils.client import ApiClient
from ansible_collections.telphin.pbx.plugins.module_utils.transport import REQUESTS_IMPORT_ERROR


def new_client(name, connection):
    """The collection's client, as a module makes one."""
    if REQUESTS_IMPORT_ERROR:
        raise RuntimeError("%s needs the Python library requests (pip install requests)" % name)
    return ApiClient(connection, pool_size=events.PARALLEL)


def poll(client, options, watch, at, what, read_account):
    """One poll, on a worker thread: the account's client id (once), the budget's check, then ``read_account``;
    a failure is a poll that says why, never the rulebook's end."""
    client_id = watch.client_id
    try:
        if client_id is None:
            client_id = events.client_id_of(client.get_user())
        sent = client.stats()["requests"]["total"]
        refused = events.over_budget(client, watch, at, client_id, what)
        if refused:
            return refused
        make, args = read_account(client, options)
        return make(at, client_id, *args, budget=client.write_budget(),
                    cost=client.stats()["requests"]["total"] - sent, limit=client.lowest_limit())
    except Exception as exc:  # pylint: disable=broad-except  # a failed poll is an event
        return events.failed_poll(at, client_id, exc, client.redactor, client.write_budget())


async def run(queue, args, name, read, log, new_client_of, pause, clock):
    """Poll with ``read(client, options, watch, at)`` and put an event on ``queue`` for each change, until
    cancelled; ``log`` says what happens. ``new_client_of(connection)``, ``pause(seconds)`` and ``clock()`` are
    the source's own (tests replace them there)."""
    options = events.source_options(name, args)  # a bad argument: ValueError, before any request
    log.info("%s: polling %s every %g s", name, options.connection.base_url, options.interval)
    watch, client = events.Watch(), None
    try:
        while True:
            client = client or new_client_of(options.connection)
            done = await asyncio.to_thread(read, client, options, watch, clock())
            client = None if done.outage else client  # the next poll starts afresh
            step = events.advance(watch, done, options)
            for line in step.warnings:
                log.warning("%s: %s", name, line)
            for event in step.events:
                await queue.put(event)
            watch = step.watch
            await pause(max(0.0, done.at + step.delay - clock()))
    except asyncio.CancelledError:
        log.info("%s: stopped", name)
        raise
