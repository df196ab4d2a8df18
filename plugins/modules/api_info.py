#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: api_info
short_description: Probe how the PBX API of an account behaves where the vendor's documentation is silent
version_added: 1.0.0
description:
  - A read-only probe for the account of the credentials. It sends only C(GET) requests (about ten) and
    reports what the other modules depend on and the vendor does not document. Run it first against a new
    account, or a new host of the API.
  - The page size of the extension listing (the largest page served, page sizes refused with HTTP 400,
    whether the C(page) parameter is honoured), the fields that C(GET /extension/{id}/phone/) returns for
    one phone extension against the vendor's page, the token's lifetime and the rate-limit headers.
  - Whether the SIP registration resource can be read with the credentials given, with one
    C(GET /extension/{id}/registration/) of the same phone extension (RV(registration)), and the readings
    its answer shows; whether the bulk read of registrations is served, with one block (RV(registration_bulk)).
  - RV(findings) says in words what was found and what the modules do about each finding.
author:
  - telphin.pbx maintainers (@telphin-pbx)
extends_documentation_fragment:
  - telphin.pbx.api
  - telphin.pbx.attributes
  - telphin.pbx.attributes.info_module
options:
  extension_id:
    description:
      - The phone extension whose properties are read for RV(phone_fields), and whose registrations for
        RV(registration).
      - By default the first phone extension of the listing's first page.
    type: str
seealso:
  - module: telphin.pbx.phone_properties
  - module: telphin.pbx.extension_info
  - module: telphin.pbx.registration_info
'''

EXAMPLES = r'''
- name: Probe the API of the account before the first real run
  telphin.pbx.api_info:
  register: probe

- name: What the probe found
  ansible.builtin.debug:
    var: probe.findings
'''

RETURN = r'''
user:
  description: The C(GET /user/) answer, the user the token acts as.
  returned: always
  type: dict
  sample: {"id": 1, "login": "admin@acme", "client_id": 7000, "extension_id": null, "access": "full"}
rate_limit:
  description: The rate-limit headers of the phone resource (or the lowest seen), C(limit), C(remaining), C(reset).
  returned: when the API sent them
  type: dict
  sample: {"limit": 10000, "remaining": 9990, "reset": 3412}
rate_limit_per_resource:
  description:
    - The rate-limit headers per resource (a path with its ids taken out). Counters that differ between
      resources are kept per resource, not per client.
  returned: always
  type: dict
listing:
  description: How the extension listing pages.
  returned: always
  type: dict
  contains:
    page_size:
      description: The largest page the server served, when asked for C(asked) extensions a page.
      type: int
    asked:
      description: The page size asked for, the largest the server did not refuse.
      type: int
    refused_page_sizes:
      description: Page sizes the server answered with HTTP 400 instead of serving fewer.
      type: list
      elements: int
    default_page_size:
      description: The page served without C(per_page).
      type: int
    page_honoured:
      description: Whether page 2 differs from page 1; null when the account has a single extension.
      type: bool
phone_fields:
  description: What the phone resource returns for one phone extension; null when the account has none.
  returned: always
  type: dict
  contains:
    extension_id:
      description: The extension read.
      type: raw
    returned:
      description: The fields of the answer.
      type: list
      elements: str
    missing:
      description: Fields of the vendor's page that the answer leaves out.
      type: list
      elements: str
    extra:
      description: Fields of the answer that are not on the vendor's page.
      type: list
      elements: str
    sounds:
      description: The sound ids of the answer (C(hold_music), C(ringback_sound), C(vm_greeting)).
      type: dict
    properties:
      description: The answer, secrets masked.
      type: dict
registration:
  description:
    - Whether the registrations of the phone of RV(phone_fields) can be read, with one
      C(GET /extension/{id}/registration/); null when the account has no phone extension.
    - A refusal (HTTP 403, 404...) is a finding, not a failure of the task.
  returned: always
  type: dict
  contains:
    extension_id:
      description: The extension read.
      type: raw
    readable:
      description: Whether the API answered the registrations.
      type: bool
    registered:
      description: The answer's C(registered), when readable.
      type: bool
    registrations:
      description: How many registrations the answer holds, when readable.
      type: int
    expires_reading:
      description:
        - What the answer's C(expires) is, when readable and a registration shows one.
        - V(timestamp) (a UTC Unix time, the vendor's table) or V(seconds_left) (the vendor's example).
      type: str
    device_types:
      description: The JSON types of the answer's C(device) values (the vendor's example is a string, its
        table says object), when readable.
      type: list
      elements: str
    status:
      description: The HTTP status of the refusal, when not readable.
      type: int
    api_status:
      description: The API's C(status) of the refusal, when not readable.
      type: str
    error:
      description: The refusal, when not readable.
      type: str
registration_bulk:
  description:
    - Whether the account serves the bulk read of SIP registrations ("in blocks", which
      M(telphin.pbx.registration_info) and the option C(check_registrations) use where it pays), with one
      block naming the phone of RV(phone_fields) from C(GET /extension/registration/), and from
      C(GET /client/@me/registration/) when the first is not there; null when the account has no phone
      extension.
  returned: always
  type: dict
  contains:
    available:
      description: True when a block answered; false when neither path is there (HTTP 404, 403, 400, an
        answer that is not registrations); null when it could not be told (another error).
      type: bool
    path:
      description: The path that answered, when available.
      type: str
    holds_the_phone:
      description: Whether the block held the phone asked for.
      type: bool
    requests:
      description: The requests the probe of the bulk read sent (usually one per path tried).
      type: int
rate_limit_reserve:
  description:
    - The reserve of the hourly budget that O(rate_limit_reserve) keeps for the account's other applications, in
      requests now, and what a task may spend above it.
  returned: always
  type: dict
  version_added: 2.0.0
  contains:
    given:
      description: The option as given, such as C(10%).
      type: str
    kept:
      description: The requests kept back; null when the answers carried no rate-limit headers.
      type: int
    may_spend:
      description: The remaining budget above the reserve; null when the answers carried no rate-limit headers.
      type: int
  sample: {"given": "10%", "kept": 1000, "may_spend": 8987}
token:
  description: The token's lifetime as the token endpoint gave it.
  returned: always
  type: dict
  contains:
    expires_in:
      description: Seconds; null for a given O(access_token) or when the token answer has none.
      type: int
    renewable:
      description: Whether the module gets tokens itself (O(app_id) and O(app_secret)).
      type: bool
findings:
  description: What the probe found, in words, and what the modules do about it.
  returned: always
  type: list
  elements: str
stats:
  description: Counts of the task.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent, by method, and in all (C(total)); token requests count as C(POST).
      type: dict
status:
  description:
    - The HTTP status of an error that stopped the probe, such as the credentials refused or C(GET /user/)
      refused; null when no answer came (the API unreachable, a time-out). The readings that may be refused
      (the registrations, the bulk read, page sizes) are findings instead.
    - The task's message (C(msg)) names the request and says why.
  returned: when such an error stopped the probe
  type: int
  sample: 401
api_status:
  description: The API's own code of that error (its C(status), or the token endpoint's C(error)); null when
    its answer gave none.
  returned: when an error stopped the probe (RV(status))
  type: str
  sample: invalid_client
'''

from ansible_collections.telphin.pbx.plugins.module_utils import results
from ansible_collections.telphin.pbx.plugins.module_utils.api_module import ApiModule
from ansible_collections.telphin.pbx.plugins.module_utils.probe import probe_with_registration


def main():
    module = ApiModule(dict(extension_id=dict(type="str")))
    module.finish(*module.run(lambda client: probe_with_registration(client, module.params["extension_id"]),
                              lambda found: results.api_info_result(found, module.client)))


if __name__ == "__main__":
    main()
