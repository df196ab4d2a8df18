# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module phone_properties_info, a relative path of its options taken from the folder ansible-playbook was started in."""

from __future__ import annotations

from ansible_collections.telphin.pbx.plugins.plugin_utils.start_folder import StartFolderAction


class ActionModule(StartFolderAction):
    pass
