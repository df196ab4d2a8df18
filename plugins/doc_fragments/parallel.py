# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # The option parallel of every module that has it (api_module.PARALLEL_OPTION). DOCUMENTATION must be a
    # literal, so its default and bounds are written here and checked against api_module.DEFAULT_PARALLEL and
    # MAX_PARALLEL by tests/unit/plugins/doc_fragments/test_defaults.py. What the module does with each, its
    # description says.
    DOCUMENTATION = r'''
options:
  parallel:
    description:
      - How many requests are in flight at once (extensions worked on, or pages asked for while a listing
        reads ahead, at most 16), V(auto), or a fixed number from 1 to 32. V(1) works on one extension after
        the other.
      - V(auto) starts at 8 and grows toward 32 while the API answers about as fast as it did with fewer
        (within 1.5 times the fastest); it holds where answers slow down, and halves when the API answers 503
        or times out, then grows again one at a time. Far from the API (80 ms), it reaches 32; against a
        server that takes 6 requests at once, it settles at 6.
      - When the API refuses concurrent requests (HTTP 429 that is not the hourly quota), a fixed number and
        V(auto) alike keep just below the number that was refused, and try one more now and then.
        Before 2.0.0 the default was V(16); set O(parallel=16) for the former behaviour.
      - All share one token and one connection pool, and all wait together when the API answers that the rate
        limit is exceeded (HTTP 429).
    type: raw
    default: auto
'''
