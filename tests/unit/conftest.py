# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the unit tests of the client's parts (plugins/module_utils: connection, redact, errors, tokens,
transport, client); what those tests import (the fake API's addresses, ``make_client``...) is in
plugins/module_utils/api_fakes.py.

HTTP goes to the ``responses`` fake transport; sleep, clock, jitter and wall clock are fakes, so no test
sleeps (except for the real thread hand-offs of the concurrency tests, which take milliseconds).

This file is here, not beside those tests, so that pytest loads it at start-up, as it loads the conftest.py
of each folder on the command line, before the simulator's. A conftest.py loaded later, while collecting,
would become the module ``conftest`` in place of tests/simulator/tests/conftest.py, which the simulator's
tests import their helpers from: ``make units`` (``pytest tests/unit tests/simulator/tests``) would fail.
"""

import pytest
import responses

from ansible_collections.telphin.pbx.tests.unit.plugins.module_utils.api_fakes import FakeTime


@pytest.fixture
def ft():
    return FakeTime()


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
