#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: extension_info
short_description: List the extensions (internal numbers) of a PBX account
version_added: 1.0.0
description:
  - Lists extensions with C(GET /client/{client_id}/extension/), every page, optionally filtered.
  - Pages are read until an empty page or one shorter than the longest seen (a server may cap the page
    size silently), so an account of N extensions costs about N/100 + 1 requests.
  - While the pages come full, the next ones are asked for a batch at a time (2, 4, 8... up to 16 pages at
    once, or O(parallel) when it is a smaller number), so a listing of 100 pages takes about 10 round trips
    instead of 100. The last batch may ask for a few pages past the end (at most 15, each an empty answer);
    an account of one page costs two requests, as before.
author:
  - telphin.pbx maintainers (@telphin-pbx)
extends_documentation_fragment:
  - telphin.pbx.api
  - telphin.pbx.attributes
  - telphin.pbx.parallel
  - telphin.pbx.attributes.info_module
options:
  client_id:
    description: The client (account) id, or C(@me) for the account of the application's user.
    type: str
    default: "@me"
  type:
    description: Only extensions of this type, such as C(phone), C(queue), C(ivr), C(fax), C(conference).
    type: str
  status:
    description: Only extensions with this status.
    type: str
    choices: [active, blocked]
  name:
    description: Only the extension with this full name, such as C(000*100).
    type: str
  extension_group_id:
    description: Only extensions of this extension group.
    type: int
  parallel:
    version_added: 1.1.0
seealso:
  - module: telphin.pbx.phone_properties_info
'''

EXAMPLES = r'''
- name: Every active phone extension
  telphin.pbx.extension_info:
    type: phone
    status: active
  register: phones

- name: Their numbers (the part of the full name after the star, 100 of 000*100)
  ansible.builtin.debug:
    msg: "{{ phones.extensions | map(attribute='name') | map('regex_replace', '^.*[*]', '') | list }}"
'''

RETURN = r'''
extensions:
  description: The extensions, as the API returns them.
  returned: always
  type: list
  elements: dict
  sample:
    - {"id": 1001, "name": "000*100", "label": "Anna Petrova", "type": "phone", "status": "active",
       "client_id": 7000, "extension_group_id": 1}
stats:
  description: Counts of the task.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent, by method, and in all (C(total)); token requests count as C(POST).
      type: dict
      sample: {"GET": 1, "POST": 1, "total": 2}
rate_limit:
  description: The API's rate-limit headers as the task last knew them (see M(telphin.pbx.phone_properties)).
  returned: when the API sent them
  type: dict
  sample: {"limit": 10000, "remaining": 9998, "reset": 2741}
status:
  description:
    - The HTTP status of an error that stopped the task, such as the credentials refused or a page of the
      listing refused; null when no answer came (the API unreachable, a time-out).
    - The task's message (C(msg)) names the request and says why.
  returned: when such an error stopped the task
  type: int
  sample: 401
api_status:
  description: The API's own code of that error (its C(status), or the token endpoint's C(error)); null when
    its answer gave none.
  returned: when an error stopped the task (RV(status))
  type: str
  sample: invalid_client
'''

from ansible_collections.telphin.pbx.plugins.module_utils import results
from ansible_collections.telphin.pbx.plugins.module_utils.api_module import PARALLEL_OPTION, ApiModule


def main():
    module = ApiModule(dict(
        client_id=dict(type="str", default="@me"),
        type=dict(type="str"),
        status=dict(type="str", choices=["active", "blocked"]),
        name=dict(type="str"),
        extension_group_id=dict(type="int"),
        **PARALLEL_OPTION
    ))
    params = module.params
    module.finish(*module.run(
        lambda client: client.list_extensions(params["client_id"], type=params["type"], status=params["status"],
                                              name=params["name"], extension_group_id=params["extension_group_id"]),
        lambda extensions: results.extension_info_result(extensions, module.client)))


if __name__ == "__main__":
    main()
