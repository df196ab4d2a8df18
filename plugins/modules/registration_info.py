#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: registration_info
short_description: Read the SIP registrations of PBX phone extensions, which devices are registered where
version_added: 1.1.0
description:
  - Reads C(GET /extension/{id}/registration/) of one extension, of a list of extensions, or of every
    C(phone) extension of the account (found through one paged listing, optionally filtered), O(parallel)
    at a time, and says for each whether a device is registered, and which.
  - The vendor's page ("Internal Number Registration") says an extension is registered when it has active
    registrations; when it has none, the API shows its last, already expired, registrations.
  - RV(devices) counts the registered devices per model (the user agent without its firmware version), for
    an inventory of handsets.
  - "Request cost: a token request, the listing (one request per 100 extensions of the account, see
    M(telphin.pbx.extension_info)) only when no extension is named or one is named by number or name, and the
    registrations: in blocks where that pays, else one GET per extension. The vendor's bulk read
    (C(GET /extension/registration/), or C(GET /client/@me/registration/)) is tried when the account's phones
    are known from an unfiltered listing and the phones selected are at least the account's phones divided by
    the block size the listing served (every phone of the account, say); it costs about one request per block.
    Every phone selected that its blocks did not hold is read on its own, so a server that pages otherwise
    never makes part of the account pass for the whole. Where the API does not serve it (HTTP 404, 403, 400,
    an answer of another shape), the task reads one GET per extension. RV(stats.registration_requests) shows
    which it did. With O(extension_id), or O(extensions) given by id, there is no listing: one GET each."
  - Bad options (an id that is not a positive integer, a regular expression that does not compile, a
    listing filter with named extensions) fail before any request, naming the option. A name that names no
    extension, or an extension that is not a phone, fails after the listing, before any registration is read.
  - An extension that cannot be read (HTTP 404, 403) does not stop the others; the task fails at the end,
    naming each and why, and returns those it read. An error that every request would meet (credentials
    refused, the API unreachable) stops the task.
author:
  - telphin.pbx maintainers (@telphin-pbx)
extends_documentation_fragment:
  - telphin.pbx.api
  - telphin.pbx.attributes
  - telphin.pbx.parallel
  - telphin.pbx.attributes.info_module
options:
  extension_id:
    description: The id of one extension, or C(@me) (the extension of an extension user's application).
    type: str
  extension_name:
    description: One extension by its number (C("100")) or full name (C("000*100")).
    type: str
  extensions:
    description:
      - Several extensions. An integer is an id (no listing needed); a text is a number (C("100")) or a full
        name (C("000*100")), or an id when it is digits that no number shares (the listing tells).
      - An extension named twice is read once. An empty list reads nothing.
      - Without O(extension_id), O(extension_name) and O(extensions), every phone extension of the account.
    type: list
    elements: raw
  status:
    description: Without a target, only extensions with this status.
    type: str
    choices: [active, blocked]
  extension_group_id:
    description: Without a target, only extensions of this group.
    type: int
  registered:
    description:
      - Return only the extensions with an active registration (V(true)) or only those without (V(false)).
      - By default every extension read.
    type: bool
  device_regex:
    description:
      - Return only the extensions with a registration whose device (user agent) matches this Python
        regular expression, searched anywhere in the user agent. It is case-sensitive unless it starts with
        the inline flag C(?i) in round brackets, as in the examples.
      - It looks at the registrations the API shows, the last expired ones of an extension that is not
        registered too; with O(registered=true), only active ones.
    type: str
notes:
  - "C(expires) is passed on as the API gives it. The vendor's page allows two readings: its table says the
    date (UTC) after which the registration is lost, type long (a Unix timestamp in seconds), and its
    example holds C(699) (seconds until it lapses; negative for an expired one). A value above 10^9 can only
    be a timestamp. M(telphin.pbx.api_info) says which reading the account's API answers."
  - "C(device) is typed C(object) on the vendor's page and a string in its example; the module always returns
    a string, the user agent (of an object, its C(user_agent) or a similar key, else the object as JSON)."
seealso:
  - module: telphin.pbx.phone_properties_info
  - module: telphin.pbx.extension_info
  - module: telphin.pbx.api_info
'''

EXAMPLES = r'''
- name: Is extension 100 registered, and with what
  telphin.pbx.registration_info:
    extension_name: "100"
  register: reg

- name: The phone extensions of the account that no device is registered on
  telphin.pbx.registration_info:
    registered: false
    status: active
  register: offline

- name: Their numbers
  ansible.builtin.debug:
    msg: "{{ offline.extensions | map(attribute='name') | list }}"

- name: Where the Yealink desk phones are registered
  telphin.pbx.registration_info:
    registered: true
    device_regex: "(?i)^yealink"
  register: yealink

- name: The handsets of three extensions, by model
  telphin.pbx.registration_info:
    extensions: [1001, "101", "000*102"]
  register: three

- name: Models in use
  ansible.builtin.debug:
    var: three.devices
'''

RETURN = r'''
extensions:
  description: One entry per extension read that passes O(registered) and O(device_regex), in the order
    named (or of the listing).
  returned: always
  type: list
  elements: dict
  contains:
    extension_id:
      description: The extension's id.
      type: int
    name:
      description: The extension's full name, when a listing was made; null for extensions named by id only.
      type: str
    registered:
      description: Whether the extension has an active registration (false also when the API does not say).
      type: bool
    registrations:
      description: The active registrations, or when there are none the last, expired, ones.
      type: list
      elements: dict
      contains:
        device:
          description: The device's user agent.
          type: str
          sample: Yealink SIP-T46U 108.86.0.50
        real_address:
          description: Where the device's request came from.
          type: str
          sample: sip:198.51.100.23:62338
        contact_address:
          description: The address and port the device gave.
          type: str
          sample: sip:000*100@192.168.5.52:5062
        expires:
          description: When the registration lapses unless renewed, as the API gives it; a UTC Unix timestamp
            or seconds left (see the notes).
          type: int
          sample: 1764675000
        registration_id:
          description: The registration's unique id.
          type: str
          sample: uloc-572b0ffb-6d47-001
  sample:
    - {"extension_id": 1001, "name": "000*100", "registered": true, "registrations": [
        {"device": "MicroSIP/3.21.3", "real_address": "sip:203.0.113.5:40123",
         "contact_address": "sip:000*100@192.168.4.2:5062", "expires": 1764674421,
         "registration_id": "uloc-692ec1a5-1c2e-002"}]}
devices:
  description:
    - Registered devices per model over RV(extensions), most frequent first. Each registration of a
      registered extension counts once; the last expired registrations of an extension that is not
      registered do not count.
    - The model is the user agent cut before its first firmware version (digits with a dot, after a space,
      a slash or a hyphen), so C(Yealink SIP-T46U 108.86.0.50) counts as C(Yealink SIP-T46U) and
      C(MicroSIP/3.21.3) as C(MicroSIP).
  returned: always
  type: dict
  sample: {"Yealink SIP-T46U": 2, "Grandstream GXP2170": 2, "MicroSIP": 1}
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
    failed:
      description: Extensions that could not be read.
      type: int
    returned:
      description: Extensions in RV(extensions), after the filters.
      type: int
    requests:
      description: HTTP requests sent, by method, and in all (C(total)); token requests count as C(POST).
      type: dict
      sample: {"GET": 41, "POST": 1, "total": 42}
    registration_requests:
      description:
        - The requests that read SIP registrations - C(bulk), the blocks of the bulk read
          (C(GET /extension/registration/), tried when the phones selected are at least the account's phones
          divided by the block size its listing served), and C(per_extension), one C(GET) of one extension
          each (every phone the blocks did not hold, or all of them when the bulk read does not pay or the
          API does not serve it).
      returned: when registrations were read
      type: dict
      sample: {"bulk": 1, "per_extension": 0}
problems:
  description: Why no registration was read, when the listing showed a name that names no extension, or an
    extension that is not a phone.
  returned: when the task was refused after the listing
  type: list
  elements: str
rate_limit:
  description: The API's rate-limit headers as the task last knew them (see M(telphin.pbx.phone_properties)).
  returned: when the API sent them
  type: dict
  sample: {"limit": 10000, "remaining": 9958, "reset": 2741}
status:
  description:
    - The HTTP status of an error that every request would meet and that stopped the task, such as the
      credentials refused or the listing refused; null when no answer came (the API unreachable, a
      time-out). An extension that cannot be read is counted in RV(stats.failed) instead.
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

from ansible_collections.telphin.pbx.plugins.module_utils import registrations as R
from ansible_collections.telphin.pbx.plugins.module_utils import results
from ansible_collections.telphin.pbx.plugins.module_utils.api_module import PARALLEL_OPTION, ApiModule
from ansible_collections.telphin.pbx.plugins.module_utils.runner import read_info


def main():
    module = ApiModule(dict(
        extension_id=dict(type="str"),
        extension_name=dict(type="str"),
        extensions=dict(type="list", elements="raw"),
        status=dict(type="str", choices=["active", "blocked"]),
        extension_group_id=dict(type="int"),
        registered=dict(type="bool"),
        device_regex=dict(type="str"),
        **PARALLEL_OPTION
    ), mutually_exclusive=[("extension_id", "extension_name", "extensions")])
    query, problems = R.query_from_params(module.params)
    module.check_input(problems)
    # api_info_result is the generic shape of a read-only result: changed, rate_limit, stats with requests.
    module.finish(*module.run(lambda client: read_info(client, query, module.parallel),
                              lambda info: results.registration_info_result(
                                  info, results.api_info_result({}, module.client))))


if __name__ == "__main__":
    main()
