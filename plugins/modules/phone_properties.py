#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: phone_properties
short_description: Manage the phone terminal properties of PBX extensions
version_added: 1.0.0
description:
  - Declarative, idempotent update of the phone terminal properties (C(PUT /extension/{id}/phone/)) of one
    extension, or of thousands in one task with O(extensions).
  - Only the options given are managed; an option left out is not touched. Each extension is read with one
    C(GET) and written with one C(PUT) that carries only the fields that differ, and only if one does.
  - Values are compared the way the API treats them, so a second run reports no change. O(geo_list) and
    O(vm_mailto) are compared as sets, case-insensitively.
  - The API merges the fields of a C(PUT) into the stored properties (the vendor does not document it; a
    public client relies on it, and the collection assumes it).
  - Bundles. The API carries some fields (O(geo_list), O(record_enabled), O(incoming_limit) and the others
    marked "Synchronized across a bundle" below) to every extension of a bundle. Changing one of them warns
    and names the other extensions that change with it (RV(extensions[].bundle_changes)). Two extensions of
    one bundle given different values of such a field can never both converge, so the task fails before any
    write and names them.
  - Fields the API does not return. A managed field that the API's answer leaves out (the vendor's own
    example answer lacks C(label), C(intercom) and three more) cannot be compared, so it is sent on every
    run and reported as changed, and a warning names such fields; the write-only O(password) is always so.
    M(telphin.pbx.api_info) shows which fields an account's API returns.
  - Failures. A failure that every request would meet (no connection, the token endpoint down, every answer
    a 5xx or a time-out) stops the task after one retry cycle, and the extensions not reached are reported
    as not attempted. A write whose answer is lost (no answer, a 5xx, an unreadable answer, after every
    retry) is read back, and the extension is reported as the server holds it.
  - "Runs on the controller or any host that reaches the API: usually C(hosts: localhost) or
    C(delegate_to: localhost)."
author:
  - telphin.pbx maintainers (@telphin-pbx)
extends_documentation_fragment:
  - telphin.pbx.api
  - telphin.pbx.attributes
  - telphin.pbx.parallel
  - telphin.pbx.backup
  - telphin.pbx.registrations
attributes:
  check_mode:
    support: full
    description: The same plan as a real run, without any write; RV(changed) equals that of the real run.
  diff_mode:
    support: full
    description: Before and after of the managed fields; secrets are masked.
options:
  extension_id:
    description:
      - The id of the one extension to manage, or C(@me) for the extension of an extension-level user.
      - Exactly one of O(extension_id), O(extension_name), O(extensions) and O(restore_from) is required.
    type: str
  extension_name:
    description:
      - The one extension to manage, by its number (C("100")) or full name (C("000*100")).
      - Resolved with one listing of the account's extensions.
    type: str
  extensions:
    description:
      - Many extensions in one task. Each item names its extension with C(extension_id) or C(extension_name)
        and may give any property option, and C(reset); an item's value wins over the task-level value of
        the same option.
      - Every item is checked before the first request; all bad items are reported at once, each with its
        index and option.
      - Items are worked on O(parallel) at a time. An extension that fails does not stop the others; the
        task fails at the end and names every failed extension and why.
    type: list
    elements: dict
    suboptions:
      extension_id:
        description: The extension's id, or C(@me).
        type: raw
      extension_name:
        description: The extension's number or full name.
        type: str
      reset:
        description: Fields to set to null for this extension (added to the task-level O(reset)).
        type: list
        elements: str
      name:
        description:
          - The extension's full name, shown in messages and results. It does not select the extension (use
            C(extension_name) for that); a listing, when the task makes one, replaces it.
          - Accepted so that an item of the RV(telphin.pbx.phone_properties_info#module:extensions) result, with
            its C(properties) flattened into it, is valid input.
        type: str
      profile:
        description:
          - A label for where this item's values come from, such as the profile of the
            P(telphin.pbx.phone_profiles#role) role. Not sent; shown in bundle-conflict messages and returned
            in RV(extensions[].profile).
        type: str
      bundle:
        description: Ignored (read-only); accepted for the same reason as C(name).
        type: raw
      call_status_set_dt:
        description: Ignored (read-only); accepted for the same reason as C(name).
        type: raw
      # fields:items:begin (generated by tools/field_docs.py from plugins/module_utils/fields.py)
      allow_webrtc:
        description: Same as the task-level option O(allow_webrtc), for this extension.
        type: raw
      announce_sound_upon_incoming_call:
        description: Same as the task-level option O(announce_sound_upon_incoming_call), for this extension.
        type: raw
      announce_sound_upon_outgoing_call:
        description: Same as the task-level option O(announce_sound_upon_outgoing_call), for this extension.
        type: raw
      append_to_cid_name_on_transfer:
        description: Same as the task-level option O(append_to_cid_name_on_transfer), for this extension.
        type: raw
      auth_type:
        description: Same as the task-level option O(auth_type), for this extension.
        type: raw
      call_screening_enabled:
        description: Same as the task-level option O(call_screening_enabled), for this extension.
        type: raw
      call_status_id:
        description: Same as the task-level option O(call_status_id), for this extension.
        type: raw
      conference_announce_caller_name:
        description: Same as the task-level option O(conference_announce_caller_name), for this extension.
        type: raw
      conference_end_on_exit:
        description: Same as the task-level option O(conference_end_on_exit), for this extension.
        type: raw
      conference_pin:
        description: Same as the task-level option O(conference_pin), for this extension.
        type: raw
      external_number:
        description: Same as the task-level option O(external_number), for this extension.
        type: raw
      geo_list:
        description: Same as the task-level option O(geo_list), for this extension.
        type: raw
      hangup_timeout:
        description: Same as the task-level option O(hangup_timeout), for this extension.
        type: raw
      hold_music:
        description: Same as the task-level option O(hold_music), for this extension.
        type: raw
      ignore_early_media:
        description: Same as the task-level option O(ignore_early_media), for this extension.
        type: raw
      incoming_limit:
        description: Same as the task-level option O(incoming_limit), for this extension.
        type: raw
      intercom:
        description: Same as the task-level option O(intercom), for this extension.
        type: raw
      label:
        description: Same as the task-level option O(label), for this extension.
        type: raw
      network_permission_group_id:
        description: Same as the task-level option O(network_permission_group_id), for this extension.
        type: raw
      password:
        description: Same as the task-level option O(password), for this extension.
        type: raw
      preserve_caller_id_number_att_tr:
        description: Same as the task-level option O(preserve_caller_id_number_att_tr), for this extension.
        type: raw
      record_enabled:
        description: Same as the task-level option O(record_enabled), for this extension.
        type: raw
      record_format:
        description: Same as the task-level option O(record_format), for this extension.
        type: raw
      record_on_transfer:
        description: Same as the task-level option O(record_on_transfer), for this extension.
        type: raw
      record_stereo:
        description: Same as the task-level option O(record_stereo), for this extension.
        type: raw
      record_transfer:
        description: Same as the task-level option O(record_transfer), for this extension.
        type: raw
      replace_pin:
        description: Same as the task-level option O(replace_pin), for this extension.
        type: raw
      ringback_sound:
        description: Same as the task-level option O(ringback_sound), for this extension.
        type: raw
      static_reg_address:
        description: Same as the task-level option O(static_reg_address), for this extension.
        type: raw
      transfer_after_call_end_to:
        description: Same as the task-level option O(transfer_after_call_end_to), for this extension.
        type: raw
      transfer_caller_id_number:
        description: Same as the task-level option O(transfer_caller_id_number), for this extension.
        type: raw
      vm_attach_file:
        description: Same as the task-level option O(vm_attach_file), for this extension.
        type: raw
      vm_enabled:
        description: Same as the task-level option O(vm_enabled), for this extension.
        type: raw
      vm_greeting:
        description: Same as the task-level option O(vm_greeting), for this extension.
        type: raw
      vm_mailto:
        description: Same as the task-level option O(vm_mailto), for this extension.
        type: raw
      # fields:items:end
  reset:
    description:
      - Names of properties to set to null, for example C(vm_mailto) or C(geo_list) (which then falls back to
        the client's list). Only fields that can be null can be reset.
    type: list
    elements: str
  restore_from:
    description:
      - The path of a backup (O(backup)) to restore instead of giving properties. Every writable field the
        backup holds is brought back, on the extensions of the backup that differ now and no others, in one
        run (O(parallel)); in check mode it says what it would change.
      - Refused before any request when the file is not a backup of this collection, or when any entry of it
        is malformed (not a mapping, no or a bad C(extension_id), an extension twice, C(properties) not a
        mapping, a list where a field holds one value); the message names the file, the entry
        (C(extensions[3].properties)) and the reason. Refused after C(/user/) when it is the backup of another
        account (client id).
      - The synchronized fields of a bundle are restored as one. A value the backup holds that the module
        would never send (see the property options) is left as it is now, with a warning.
      - With O(check_registrations), the SIP registrations of the extensions written back are watched as in
        any other run.
      - Exclusive with O(extension_id), O(extension_name), O(extensions) and the property options.
      - A relative path is taken like O(backup_options.dir_path)'s; C(~) is expanded.
    type: path
  allow_partial:
    description:
      - Before the first write, the task compares the writes it needs with the remaining hourly request
        budget the API reported (C(X-RateLimit-Remaining)), less O(rate_limit_reserve). If they do not fit,
        the task fails and writes nothing, unless this is V(true), when it writes the first ones that fit
        and fails each other extension with C(not written), saying why.
      - In check mode the same shortfall is a warning, so that an audit says when a real run would stop.
    type: bool
    default: false
  # fields:task:begin (generated by tools/field_docs.py from plugins/module_utils/fields.py)
  allow_webrtc:
    description:
      - "Allow WebRTC clients (not on the vendor's page; known from API clients)."
      - "The API's default is C(false)."
    type: bool
  announce_sound_upon_incoming_call:
    description:
      - "ID of a sound file played when an incoming call is answered, also through a queue."
      - "At least C(0). Can be set to null with O(reset). Synchronized across a bundle: the API sets it on
        every extension of the bundle."
    type: int
  announce_sound_upon_outgoing_call:
    description:
      - "ID of a sound file played as an announcement on an outgoing call."
      - "At least C(0). Can be set to null with O(reset). Synchronized across a bundle: the API sets it on
        every extension of the bundle."
    type: int
  append_to_cid_name_on_transfer:
    description:
      - "Text added to the caller name of a transferred call."
      - "A string. Can be set to null with O(reset)."
    type: raw
  auth_type:
    description:
      - "How the SIP server authenticates the terminal: C(digest) (login and password), C(network) (trusted
        networks) or C(both)."
      - "The API's default is C(digest). A string."
    type: raw
    choices: [digest, network, both]
  call_screening_enabled:
    description:
      - "Announce the caller and ask for 1 to accept an incoming call."
      - "The API's default is C(false)."
    type: bool
  call_status_id:
    description:
      - "Call status of the extension, an ID from C(/call_status/)."
      - "At least C(0). At most C(2147483647). Can be set to null with O(reset)."
    type: int
  conference_announce_caller_name:
    description:
      - "Local conference (*8<number>): announce the name of an extension that joins."
      - "The API's default is C(true). Synchronized across a bundle: the API sets it on every extension of the
        bundle."
    type: bool
  conference_end_on_exit:
    description:
      - "Local conference: end it when the extension that created it leaves."
      - "The API's default is C(true). Synchronized across a bundle: the API sets it on every extension of the
        bundle."
    type: bool
  conference_pin:
    description:
      - "Local conference: PIN other extensions enter to join."
      - "A string: a number is refused, so quote it (YAML reads V(0123) as 83 and drops the C(+) of an
        unquoted number). Can be set to null with O(reset). Synchronized across a bundle: the API sets it on
        every extension of the bundle. Secret: never shown in output, diff or logs."
    type: raw
  external_number:
    description:
      - "Number the SIP server sends calls to instead, e.g. a mobile, as digits with an optional leading
        C(+)."
      - "A string: a number is refused, so quote it (YAML reads V(0123) as 83 and drops the C(+) of an
        unquoted number). Can be set to null with O(reset)."
    type: raw
  geo_list:
    description:
      - "Countries whose IP addresses may use the SIP account: ISO 3166 alpha-2 codes separated by spaces
        (C(\"RU US\")), or C(\"*\") for all. Compared as a set, case-insensitively."
      - "A string. Can be set to null with O(reset). Synchronized across a bundle: the API sets it on every
        extension of the bundle."
    type: raw
  hangup_timeout:
    description:
      - "Seconds to wait for an answer before the call counts as unanswered."
      - "The API's default is C(60). At least C(1). Can be set to null with O(reset)."
    type: int
  hold_music:
    description:
      - "ID of a sound file played to the other side while on hold."
      - "The API's default is C(0). At least C(0). C(0) and null are the same sound (the system's): the API
        may answer either for the other, and the module compares them as equal. Can be set to null with
        O(reset). Synchronized across a bundle: the API sets it on every extension of the bundle."
    type: int
  ignore_early_media:
    description:
      - "Ignore early media such as autoresponders."
      - "The API's default is C(true)."
    type: bool
  incoming_limit:
    description:
      - "Calls the extension can receive at once: C(0) no limit, C(1) one (call waiting off), C(2) two, and so
        on."
      - "The API's default is C(0). At least C(0). Can be set to null with O(reset). Synchronized across a
        bundle: the API sets it on every extension of the bundle."
    type: int
  intercom:
    description:
      - "Auto-answer after this many seconds (C(0) at once); unset turns it off."
      - "At least C(0). Can be set to null with O(reset)."
    type: int
  label:
    description:
      - "Name of the extension, shown on the called terminal for outgoing calls."
      - "A string. Can be set to null with O(reset)."
    type: raw
  network_permission_group_id:
    description:
      - "ID of the client's trusted networks, for I(auth_type) C(network) or C(both)."
      - "The API's default is C(0). At least C(0). Can be set to null with O(reset)."
    type: int
  password:
    description:
      - "SIP password of the terminal (not on the vendor's page; known from API clients)."
      - "A string: a number is refused, so quote it (YAML reads V(0123) as 83 and drops the C(+) of an
        unquoted number). Secret: never shown in output, diff or logs. Write-only: the API never returns it,
        so it cannot be compared; a task that gives it sends it and reports a change every time. Give it in a
        task of its own, when the password must change."
    type: raw
  preserve_caller_id_number_att_tr:
    description:
      - "Pass the caller's number on an attended transfer (*2)."
      - "The API's default is C(true)."
    type: bool
  record_enabled:
    description:
      - "Record calls."
      - "The API's default is C(true). Synchronized across a bundle: the API sets it on every extension of the
        bundle."
    type: bool
  record_format:
    description:
      - "Format of recordings; unset means the client's setting."
      - "A string. Can be set to null with O(reset). Synchronized across a bundle: the API sets it on every
        extension of the bundle."
    type: raw
    choices: [mp3, wav]
  record_on_transfer:
    description:
      - "Record the other side of the conversation."
      - "The API's default is C(false)."
    type: bool
  record_stereo:
    description:
      - "Record in stereo; unset means the client's setting."
      - "Can be set to null with O(reset). Synchronized across a bundle: the API sets it on every extension of
        the bundle."
    type: bool
  record_transfer:
    description:
      - "Keep recording after a transfer."
      - "The API's default is C(true). Synchronized across a bundle: the API sets it on every extension of the
        bundle."
    type: bool
  replace_pin:
    description:
      - "Secret code of the substitution function."
      - "A string: a number is refused, so quote it (YAML reads V(0123) as 83 and drops the C(+) of an
        unquoted number). Can be set to null with O(reset). Secret: never shown in output, diff or logs."
    type: raw
  ringback_sound:
    description:
      - "ID of a sound file played instead of ringback beeps."
      - "The API's default is C(0). At least C(0). C(0) and null are the same sound (the system's): the API
        may answer either for the other, and the module compares them as equal. Can be set to null with
        O(reset). Synchronized across a bundle: the API sets it on every extension of the bundle."
    type: int
  static_reg_address:
    description:
      - "Fixed registration address as host:port, e.g. C(8.8.8.8:5068)."
      - "A string. Can be set to null with O(reset)."
    type: raw
  transfer_after_call_end_to:
    description:
      - "Number the call is transferred to when the conversation ends."
      - "A string: a number is refused, so quote it (YAML reads V(0123) as 83 and drops the C(+) of an
        unquoted number). Can be set to null with O(reset)."
    type: raw
  transfer_caller_id_number:
    description:
      - "Caller number always shown when a call is forwarded inside the PBX, as digits with an optional
        leading C(+)."
      - "A string: a number is refused, so quote it (YAML reads V(0123) as 83 and drops the C(+) of an
        unquoted number). Can be set to null with O(reset)."
    type: raw
  vm_attach_file:
    description:
      - "Attach the voice message to the notification e-mail."
      - "The API's default is C(true)."
    type: bool
  vm_enabled:
    description:
      - "Voicemail on."
      - "The API's default is C(true)."
    type: bool
  vm_greeting:
    description:
      - "ID of a sound file played as the voicemail greeting."
      - "The API's default is C(0). At least C(0). C(0) and null are the same sound (the system's): the API
        may answer either for the other, and the module compares them as equal. Can be set to null with
        O(reset)."
    type: int
  vm_mailto:
    description:
      - "E-mail addresses, separated by commas, notified of new voice messages. Compared as a set, case-
        insensitively."
      - "A string. Can be set to null with O(reset)."
    type: raw
  # fields:task:end
notes:
  - Secrets (O(conference_pin), O(replace_pin), O(password), O(app_secret), O(access_token)), also in items
    of O(extensions) and in the file of O(restore_from), are masked by their field in every output and diff,
    and in the invocation that Ansible logs to the system log and returns (shown at C(-vvv)). A PIN shorter
    than 6 characters (such as C(100)) masks no other text, so C(000*100) and the id C(1001) are shown as they
    are; a longer secret is also masked wherever its text appears.
  - Request cost. A task sends one C(GET) per extension, one C(PUT) per extension that drifts, at most one
    token request, and, when any extension is named by O(extension_name), one listing of the account
    (one request per 100 extensions, plus one; see M(telphin.pbx.extension_info)). Extensions given by id
    are not listed, so their results carry a RV(extensions[].name) only when the item gives C(name).
seealso:
  - module: telphin.pbx.phone_properties_info
  - module: telphin.pbx.extension_info
'''

EXAMPLES = r'''
- name: Turn recording on and call waiting off for extension 100
  telphin.pbx.phone_properties:
    app_id: "{{ telphin_app_id }}"
    app_secret: "{{ telphin_app_secret }}"
    extension_name: "100"
    record_enabled: true
    incoming_limit: 1
  delegate_to: localhost

- name: Set the connection once for every module of the collection
  module_defaults:
    group/telphin.pbx.api:
      app_id: "{{ telphin_app_id }}"
      app_secret: "{{ telphin_app_secret }}"
  block:
    - name: Voicemail to the team mailbox, allowed countries, and no static registration
      telphin.pbx.phone_properties:
        extension_id: 1001
        vm_enabled: true
        vm_mailto: support@example.com,oncall@example.com
        geo_list: RU BY
        reset: [static_reg_address]

    - name: A standard for many extensions in one task; item values win
      telphin.pbx.phone_properties:
        record_enabled: true
        incoming_limit: 1
        geo_list: RU
        extensions:
          - extension_name: "100"
          - extension_name: "101"
            incoming_limit: 2
          - extension_id: 1005
            reset: [vm_mailto]
        parallel: 8
      register: standard

    - name: Show what changed
      ansible.builtin.debug:
        msg: "{{ standard.extensions | selectattr('changed') | map(attribute='name') | list }}"

- name: Audit only (run the playbook with --check --diff)
  telphin.pbx.phone_properties:
    extension_name: "000*100"
    record_enabled: true
  check_mode: true
'''

RETURN = r'''
registrations_lost:
  description: The extensions written whose devices were registered before the change and are not after it
    (O(check_registrations)).
  returned: when O(check_registrations) is true
  type: list
  elements: int
  sample: [1003]
registrations_unchecked:
  description:
    - The extensions whose SIP registrations could not be read (O(check_registrations)), so that a device
      the change logged out would go unnoticed. Before the writes (also in check mode) or after them,
      the registration resource answered an error (404, 500...) or nothing within O(timeout). A warning
      names them and why; each entry's C(registration.msg) says why.
    - A failed registration read never stops or delays a write beyond its own time-out, and never counts
      toward the task's stop after an outage.
  returned: when O(check_registrations) is true
  type: list
  elements: int
  sample: [1004]
backup_path:
  description: The backup written before the first write (O(backup)).
  returned: when O(backup) is true and the task wrote
  type: str
  sample: /home/admin/backups/phone_properties_7000_20261202T101500123456Z.yml
changed:
  description: Whether any extension was (or, in check mode, would be) changed.
  returned: always
  type: bool
extension_id:
  description: The id of the extension (one target only).
  returned: when O(extension_id) or O(extension_name) is given
  type: raw
  sample: 1001
name:
  description: The extension's full name, as the listing that resolved O(extension_name) gave it (one target only).
  returned: when O(extension_name) is given and names an extension
  type: str
  sample: "000*100"
changes:
  description: Names of the managed fields that differed (one target only).
  returned: when O(extension_id) or O(extension_name) is given
  type: list
  elements: str
  sample: [record_enabled, incoming_limit]
properties:
  description:
    - The phone terminal properties after the task (one target only), secrets masked. In a real run, the
      API's answer to the C(PUT), or the properties read when nothing changed; in check mode, the predicted
      state.
  returned: when O(extension_id) or O(extension_name) is given and the extension could be read
  type: dict
  sample:
    record_enabled: true
    incoming_limit: 1
    geo_list: RU
    conference_pin: "********"
extensions:
  description: One entry per item of O(extensions), in input order.
  returned: when O(extensions) is given
  type: list
  elements: dict
  contains:
    extension_id:
      description: The extension's id (resolved from its name when a name was given).
      type: raw
    name:
      description: The extension's full name, such as C(000*100), when it was named by C(extension_name) or the item gives C(name).
      type: str
    changed:
      description: Whether this extension was (or would be) changed.
      type: bool
    changes:
      description: Names of the fields that differed.
      type: list
      elements: str
    failed:
      description: Whether this extension failed.
      type: bool
    msg:
      description: Why it failed, with the HTTP method, path, status and the API's own message.
      type: str
    drift:
      description: For each field that differed, its value before and after (secrets masked).
      type: dict
      returned: when the extension differed
      sample: {"record_enabled": {"before": false, "after": true}}
    registration:
      description:
        - With O(check_registrations), the SIP registration around the write. C(registered_before) and
          C(registered_after) (null when not read), C(lost), C(devices) (the user agents before), C(unchecked)
          (true when a read failed, so that whether the devices came back is not known; see
          RV(registrations_unchecked)), C(msg) (why a read failed, before or after the writes). In check mode
          C(fields) (the registration fields the change touches), C(registered_now), C(devices), C(unchecked)
          and C(msg).
      type: dict
      returned: when O(check_registrations) is true and the extension is written, or in check mode its change
        touches a registration field
    profile:
      description: The item's C(profile), when it has one.
      type: str
      returned: when the item has a C(profile)
    bundle_changes:
      description:
        - Bundle partners that the API changes along with this extension, which the task does not manage,
          with the synchronized fields changed on them.
      type: dict
      sample: {"1003": [record_enabled]}
stats:
  description: Counts of the task.
  returned: always
  type: dict
  contains:
    targets:
      description: Extensions the task was given.
      type: int
    checked:
      description: Extensions read.
      type: int
    changed:
      description: Extensions changed (or, in check mode, that would change).
      type: int
    failed:
      description: Extensions that failed.
      type: int
    requests:
      description: HTTP requests sent, by method, and in all (C(total)); token requests count as C(POST).
      type: dict
      sample: {"GET": 11, "PUT": 1, "POST": 1, "total": 13}
rate_limit:
  description:
    - The API's rate-limit headers as the task last knew them; C(remaining) is the lowest seen in the current
      window, since parallel answers arrive out of order.
  returned: when the API sent them
  type: dict
  sample: {"limit": 10000, "remaining": 9987, "reset": 2741}
problems:
  description:
    - Every reason the task was refused, with nothing written. Bad options before any request, each naming the
      option (O(parallel), O(registration_wait), a field's value...). Or what the account showed before any
      write, such as an O(extension_name) that names no extension, or one that is not a phone, two bundle
      members given different values of a synchronized field, a request budget too short for the writes, a
      backup that could not be written, or for O(restore_from) a backup of another account.
    - The task's message (C(msg)) says the same in one text.
  returned: when the task was refused
  type: list
  elements: str
  sample: ["extension_name: no extension is named '999' in this account"]
status:
  description:
    - The HTTP status of an error that stopped the task outside any one extension, such as the credentials
      refused, or the listing that resolves the names refused; null when no answer came (the API unreachable,
      a time-out).
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
diff:
  description:
    - Before and after of the managed fields.
    - For O(extensions), a list with one entry per changed extension.
  returned: in diff mode
  type: raw
'''

from functools import partial

from ansible_collections.telphin.pbx.plugins.module_utils import backup as B
from ansible_collections.telphin.pbx.plugins.module_utils import fields, results
from ansible_collections.telphin.pbx.plugins.module_utils.api_module import (
    BACKUP_OPTIONS, PARALLEL_OPTION, REGISTRATION_OPTIONS, ApiModule, backup_writer, registration_watch)
from ansible_collections.telphin.pbx.plugins.module_utils.runner import apply_phone_properties, restore
from ansible_collections.telphin.pbx.plugins.module_utils.targets import targets_from_params

TARGET_OPTIONS = ("extension_id", "extension_name", "extensions", "restore_from")


def argument_spec():
    item_options = dict(
        extension_id=dict(type="raw"),
        extension_name=dict(type="str"),
        reset=dict(type="list", elements="str", no_log=False),
        # Never sent. name and profile label the item in messages and results; bundle and
        # call_status_set_dt are read-only and accepted so that a flattened phone_properties_info item fits.
        name=dict(type="str"),
        profile=dict(type="str"),
        bundle=dict(type="raw"),
        call_status_set_dt=dict(type="raw"),
    )
    item_options.update(fields.argument_spec(for_items=True))
    spec = dict(
        extension_id=dict(type="str"),
        extension_name=dict(type="str"),
        extensions=dict(type="list", elements="dict", options=item_options),
        reset=dict(type="list", elements="str", no_log=False),
        allow_partial=dict(type="bool", default=False),
        restore_from=dict(type="path"),
        **dict(PARALLEL_OPTION, **BACKUP_OPTIONS, **REGISTRATION_OPTIONS)
    )
    spec.update(fields.argument_spec())
    return spec


def main():
    module = ApiModule(argument_spec(), mutually_exclusive=[TARGET_OPTIONS], required_one_of=[TARGET_OPTIONS])
    params = module.params
    backup = backup_writer(module)
    if params["restore_from"]:
        given = [name for name in list(fields.WRITABLE_NAMES) + ["reset"] if params.get(name) is not None]
        document, problems = B.read(params["restore_from"])
        module.mask_secrets_of(document)  # the backup's secrets: masked by field, the long ones also as text
        module.check_input(problems + ["%s: not with restore_from, which restores every field the backup holds"
                                       % name for name in given])
        work = partial(restore, document=document, parallel=module.parallel, check_mode=module.check_mode,
                       backup=backup, watch=registration_watch(module))
    else:
        targets, problems = targets_from_params(params)
        module.check_input(problems)
        work = partial(apply_phone_properties, targets=targets, parallel=module.parallel,
                       check_mode=module.check_mode, allow_partial=params["allow_partial"], backup=backup,
                       watch=registration_watch(module))
    module.finish(*module.run(work, lambda run: results.phone_properties_result(
        run, module.client, params, module.diff_mode), results.warnings))


if __name__ == "__main__":
    main()
