#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: phone_properties_info
short_description: Read the phone terminal properties of PBX extensions
version_added: 0.1.0
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
  - telphin.pbx.attributes.info_module
options:
  extension_id:
    description: The id of one extension, or C(@me).
    type: str
  extension_name:
    description: One extension by its number (C("100")) or full name (C("000*100")).
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
  parallel:
    description: How many extensions are read at once, 1 to 32.
    type: int
    default: 16
seealso:
  - module: telphin.pbx.phone_properties
  - module: telphin.pbx.extension_info
'''

EXAMPLES = r'''
- name: One extension
  telphin.pbx.phone_properties_info:
    extension_name: "100"
  register: one

- name: Every phone extension of group 2
  telphin.pbx.phone_properties_info:
    extension_group_id: 2
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
requests:
  description: HTTP requests sent, by method and in all.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.telphin.pbx.plugins.module_utils.client import (
    ApiClient, ApiError, api_argument_spec, api_module_kwargs)
from ansible_collections.telphin.pbx.plugins.module_utils.fields import mask
from ansible_collections.telphin.pbx.plugins.module_utils.runner import (
    DEFAULT_PARALLEL, MAX_PARALLEL, failure_summary, read_phone_properties, request_summary)
from ansible_collections.telphin.pbx.plugins.module_utils.targets import Target


def main():
    spec = api_argument_spec()
    spec.update(
        extension_id=dict(type="str"),
        extension_name=dict(type="str"),
        status=dict(type="str", choices=["active", "blocked"]),
        name=dict(type="str"),
        extension_group_id=dict(type="int"),
        show_secrets=dict(type="bool", default=False),
        parallel=dict(type="int", default=DEFAULT_PARALLEL),
    )
    kwargs = api_module_kwargs()
    kwargs.setdefault("mutually_exclusive", []).append(("extension_id", "extension_name"))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
    params = module.params
    if not 1 <= params["parallel"] <= MAX_PARALLEL:
        module.fail_json(msg="parallel: must be from 1 to %d, got %d" % (MAX_PARALLEL, params["parallel"]))

    targets = []
    if params["extension_id"] is not None:
        targets = [Target(index=0, given=params["extension_id"], extension_id=params["extension_id"].strip())]
    elif params["extension_name"] is not None:
        targets = [Target(index=0, given=params["extension_name"])]

    client = ApiClient.from_module(module, pool_size=params["parallel"])
    try:
        targets = read_phone_properties(client, targets, parallel=params["parallel"],
                                        status=params["status"], name=params["name"],
                                        extension_group_id=params["extension_group_id"])
    except ApiError as exc:
        module.fail_json(msg=str(exc), status=exc.status, api_status=exc.api_status,
                         requests=request_summary(client))

    extensions = [dict(extension_id=t.result()["extension_id"], name=t.name,
                       label=(t.current or {}).get("label", t.label),
                       properties=mask(t.current, params["show_secrets"]))
                  for t in targets if not t.failed]
    result = dict(changed=False, extensions=extensions, requests=request_summary(client))
    failed = failure_summary(targets)
    if failed:
        module.fail_json(msg=failed, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
