#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: extension_info
short_description: List the extensions (internal numbers) of a PBX account
version_added: 0.1.0
description:
  - Lists extensions with C(GET /client/{client_id}/extension/), every page, optionally filtered.
  - Pages are read until an empty page or one shorter than the longest seen (a server may cap the page
    size silently), so an account of N extensions costs about N/100 + 1 requests.
author:
  - telphin.pbx maintainers (@telphin-pbx)
extends_documentation_fragment:
  - telphin.pbx.api
  - telphin.pbx.attributes
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
seealso:
  - module: telphin.pbx.phone_properties_info
'''

EXAMPLES = r'''
- name: Every active phone extension
  telphin.pbx.extension_info:
    type: phone
    status: active
  register: phones

- name: Their numbers
  ansible.builtin.debug:
    msg: "{{ phones.extensions | map(attribute='name') | list }}"
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
requests:
  description: HTTP requests sent, by method and in all.
  returned: always
  type: dict
  sample: {"GET": 1, "POST": 1, "total": 2}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.telphin.pbx.plugins.module_utils.client import (
    ApiClient, ApiError, api_argument_spec, api_module_kwargs)
from ansible_collections.telphin.pbx.plugins.module_utils.runner import request_summary


def main():
    spec = api_argument_spec()
    spec.update(
        client_id=dict(type="str", default="@me"),
        type=dict(type="str"),
        status=dict(type="str", choices=["active", "blocked"]),
        name=dict(type="str"),
        extension_group_id=dict(type="int"),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **api_module_kwargs())
    params = module.params
    client = ApiClient.from_module(module)
    try:
        extensions = client.list_extensions(params["client_id"], type=params["type"], status=params["status"],
                                            name=params["name"], extension_group_id=params["extension_group_id"])
    except ApiError as exc:
        module.fail_json(msg=str(exc), status=exc.status, api_status=exc.api_status,
                         requests=request_summary(client))
    module.exit_json(changed=False, extensions=extensions, requests=request_summary(client))


if __name__ == "__main__":
    main()
