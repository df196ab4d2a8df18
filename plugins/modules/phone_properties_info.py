#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: phone_properties_info
short_description: Read the phone terminal properties of PBX extensions
version_added: 1.0.0
description:
  - Reads C(GET /extension/{id}/phone/) of one extension, or of every C(phone) extension of the account
    (found through one paged listing, optionally filtered), O(parallel) at a time.
  - Secrets (C(conference_pin), C(replace_pin)) are masked unless O(show_secrets=true).
  - An item of RV(extensions), with its C(properties) flattened into it, is valid input for an item of
    O(telphin.pbx.phone_properties#module:extensions) (masked secrets are ignored there), so a read
    account can be exported and applied again.
author:
  - telphin.pbx maintainers (@telphin-pbx)
extends_documentation_fragment:
  - telphin.pbx.api
  - telphin.pbx.attributes
  - telphin.pbx.parallel
  - telphin.pbx.attributes.info_module
options:
  extension_id:
    description: The id of one extension, or C(@me).
    type: str
  extension_name:
    description:
      - One extension by its number (C("100")) or full name (C("000*100")), resolved with one listing.
      - A name that names no extension, several, or one that is not a phone fails the task before any phone
        is read, with the message M(telphin.pbx.phone_properties) gives (in RV(problems)).
    type: str
  status:
    description: Without a target, only extensions with this status.
    type: str
    choices: [active, blocked]
  name:
    description: Without a target, only the extension with this full name.
    type: str
  extension_group_id:
    description: Without a target, only extensions of this group.
    type: int
  show_secrets:
    description: Return secrets in clear. The output then holds them; keep it out of logs.
    type: bool
    default: false
seealso:
  - module: telphin.pbx.phone_properties
  - module: telphin.pbx.extension_info
'''

EXAMPLES = r'''
- name: One extension
  telphin.pbx.phone_properties_info:
    extension_name: "100"
  register: one

- name: Every phone extension of group 52
  telphin.pbx.phone_properties_info:
    extension_group_id: 52
  register: group

- name: Extensions without recording
  ansible.builtin.debug:
    msg: "{{ group.extensions | rejectattr('properties.record_enabled') | map(attribute='name') | list }}"
'''

RETURN = r'''
extensions:
  description: One entry per extension read, in the order of the listing.
  returned: always
  type: list
  elements: dict
  contains:
    extension_id:
      description: The extension's id.
      type: raw
    name:
      description: The extension's full name, when the listing knows it.
      type: str
    label:
      description: The extension's label.
      type: str
    properties:
      description: The phone terminal properties as the API returns them; secrets masked.
      type: dict
stats:
  description: Counts of the task.
  returned: always
  type: dict
  contains:
    targets:
      description: Extensions the task was to read.
      type: int
    checked:
      description: Extensions read.
      type: int
    changed:
      description: Always 0.
      type: int
    failed:
      description: Extensions that could not be read.
      type: int
    requests:
      description: HTTP requests sent, by method, and in all (C(total)); token requests count as C(POST).
      type: dict
      sample: {"GET": 41, "POST": 1, "total": 42}
problems:
  description: Why no phone was read, when the listing showed that O(extension_name) names no extension, or
    several, or an extension that is not a phone; or the options were refused before any request.
  returned: when the task was refused
  type: list
  elements: str
rate_limit:
  description: The API's rate-limit headers as the task last knew them (see M(telphin.pbx.phone_properties)).
  returned: when the API sent them
  type: dict
  sample: {"limit": 10000, "remaining": 9958, "reset": 2741}
status:
  description:
    - The HTTP status of an error that stopped the task outside any one extension, such as the credentials
      refused or the listing refused; null when no answer came (the API unreachable, a time-out). An
      extension that cannot be read is counted in RV(stats.failed) instead.
    - The task's message (C(msg)) names the request and says why.
  returned: when such an error stopped the task
  type: int
  sample: 401
api_status:
  description: The API's own code of that error (its C(status), or the token endpoint's C(error)); null when
    its answer gave none.
  returned: when an error outside any one extension stopped the task (RV(status))
  type: str
  sample: invalid_client
'''

from ansible_collections.telphin.pbx.plugins.module_utils import results
from ansible_collections.telphin.pbx.plugins.module_utils.api_module import PARALLEL_OPTION, ApiModule
from ansible_collections.telphin.pbx.plugins.module_utils.runner import read_phone_properties
from ansible_collections.telphin.pbx.plugins.module_utils.targets import targets_from_params


def main():
    module = ApiModule(dict(
        extension_id=dict(type="str"),
        extension_name=dict(type="str"),
        status=dict(type="str", choices=["active", "blocked"]),
        name=dict(type="str"),
        extension_group_id=dict(type="int"),
        show_secrets=dict(type="bool", default=False),
        **PARALLEL_OPTION
    ), mutually_exclusive=[("extension_id", "extension_name")])
    params = module.params
    targets, problems = (), []
    if params["extension_id"] is not None or params["extension_name"] is not None:
        targets, problems = targets_from_params(dict(extension_id=params["extension_id"],
                                                     extension_name=params["extension_name"]))
    module.check_input(problems)
    module.finish(*module.run(
        lambda client: read_phone_properties(client, targets, parallel=module.parallel, status=params["status"],
                                             name=params["name"], extension_group_id=params["extension_group_id"]),
        lambda run: results.phone_properties_info_result(run, module.client, params["show_secrets"])))


if __name__ == "__main__":
    main()
