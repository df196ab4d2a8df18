# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # check_registrations and registration_wait of the modules that write (api_module.REGISTRATION_OPTIONS).
    DOCUMENTATION = r'''
options:
  check_registrations:
    description:
      - Watch the SIP registrations of the extensions the task writes. Changing how a device registers
        (C(auth_type), C(password), C(static_reg_address), C(network_permission_group_id), C(allow_webrtc))
        can log the handset out, because it keeps its old settings.
      - Before the writes, one C(GET /extension/{id}/registration/) per extension to be written; after them,
        the extensions whose devices were registered are read again every second until each is registered
        again or O(registration_wait) is over (an extension whose read before the writes failed is read
        once after them). RV(registrations_lost) lists those still logged out, a
        warning names them, and each entry of RV(extensions) says what happened (C(registration)).
      - A registration read that fails (an error answer, or none within O(timeout)) before or after the
        writes never stops a write and never counts toward the task's stop after an outage; the extensions
        it leaves unchecked are in RV(registrations_unchecked), and a warning names them and says why.
      - In check mode, each entry whose change touches those fields says whether a device is registered now
        (one GET per such extension).
      - Without it, no registration request is made.
    type: bool
    default: false
  registration_wait:
    description: Seconds to wait for logged-out devices to register again, from 0 to 600.
    type: float
    default: 15
'''
