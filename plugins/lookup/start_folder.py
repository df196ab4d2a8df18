# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: start_folder
short_description: The folder where ansible-playbook was started
version_added: 2.0.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - The current folder of the controller's C(ansible-playbook) process, which Ansible never changes. The
    collection's playbooks take relative paths from it, since their own folder is inside the installed collection.
  - Unlike C(lookup('ansible.builtin.env', 'PWD')), it does not depend on the shell (C(PWD) can be unset, or
    stale after C(cd) in a script); unlike C(lookup('ansible.builtin.pipe', 'pwd')), which runs in the
    playbook's folder, it names the folder the run was started from.
  - Fails when that folder no longer exists.
options: {}
'''

EXAMPLES = r'''
- name: Where a relative path of the user lands
  ansible.builtin.debug:
    msg: "{{ lookup('telphin.pbx.start_folder') }}"
'''

RETURN = r'''
_raw:
  description: The absolute path of the folder, as one item.
  type: list
  elements: path
'''

import os

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        # Worker processes are forks of ansible-playbook and never chdir: their folder is the start folder.
        try:
            return [os.getcwd()]
        except OSError as exc:
            raise AnsibleError("the folder ansible-playbook was started from cannot be found (%s): a relative "
                               "path has nothing to be taken from; start the run from an existing folder"
                               % (exc.strerror or exc))
