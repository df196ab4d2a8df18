# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One extension as read: the entry of phone_properties_info's ``extensions`` and of a backup's.

Below both the backup files (``backup``) and the results (``results``), so that a backup holds what
phone_properties_info returns (one reading of an account for the export and the backup) without the
backup importing the phase that shapes the modules' results.
"""

from __future__ import annotations

from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils.targets import as_id


def info_entry(outcome, show_secrets=False):
    """One element of ``extensions`` in the result of phone_properties_info (and of a backup's)."""
    target = outcome.target
    return dict(extension_id=as_id(target.extension_id), name=target.name,
                label=(outcome.current or {}).get("label", target.label),
                properties=F.mask(dict(outcome.current), show_secrets))
