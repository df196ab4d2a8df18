# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Every module of the collection talks to the API and is in the action group.
    DOCUMENTATION = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/telphin.pbx.api) in O(ignore:module_defaults) to set the connection once.
    support: full
    membership:
      - telphin.pbx.api
  action:
    description:
      - An action plugin runs the module. Under a local connection it first takes a relative path option from
        the folder C(ansible-playbook) was started in, where Ansible would run the module in the playbook's folder.
    support: full
'''

    # The _info modules only read.
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: Reads only; nothing to show a difference of.
'''
