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
      - How many extensions are worked on at once (or pages asked for at once, while a listing reads ahead),
        from 1 to 32. V(1) works on one after the other.
      - All share one token and one connection pool, and all wait together when the API answers that the rate
        limit is exceeded (HTTP 429).
    type: int
    default: 16
'''
