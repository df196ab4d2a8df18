# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: account_hosts
short_description: The hosts of a collection playbook, refused when they select no account
version_added: 2.0.0
author:
  - telphin.pbx maintainers (@telphin-pbx)
description:
  - Used in C(hosts) of the collection's playbooks C(telphin.pbx.audit) and C(telphin.pbx.apply), which Ansible
    templates before the play starts. Returns the pattern as given when it selects at least one host of the
    inventory, with C(--limit) applied as C(ansible-playbook) applies it.
  - When it selects none (C(telphin_accounts) misspelt, the inventory not given, a C(--limit) that leaves no
    account), it fails before anything runs, naming the pattern and the limit. C(ansible-playbook) itself
    would skip the play and end well, so that a scheduled audit would stay green while checking nothing.
options:
  _terms:
    description: The hosts pattern (the playbooks give C(telphin_accounts), or C(localhost) when it is not set).
    required: true
  allow_empty:
    description: Return the pattern also when it selects no host; the play is then skipped and the run ends well.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Audit the phone profiles of every account of the group telphin_accounts names
  hosts: "{{ lookup('telphin.pbx.account_hosts', telphin_accounts | default('localhost')) }}"
  connection: local
  gather_facts: false
  roles:
    - telphin.pbx.phone_profiles
'''

RETURN = r'''
_raw:
  description: The pattern, as given.
  type: list
  elements: str
'''

import difflib

from ansible import context
from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.inventory.manager import InventoryManager
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.lookup import LookupBase


def _patterns(terms):
    """The pattern's parts: a list given as one term (-e '{"telphin_accounts": [...]}') is taken apart."""
    parts = []
    for term in terms:
        parts.extend(to_text(part) for part in (term if isinstance(term, (list, tuple)) else [term]))
    return parts


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        patterns = _patterns(terms)
        # --syntax-check templates the hosts too, without the inventory a run would have.
        if self.get_option("allow_empty") or context.CLIARGS.get("syntax") or self._selected(patterns, variables or {}):
            return [",".join(patterns)]
        raise AnsibleLookupError("%s: nothing was run. To let a run that selects no account end well, set "
                                 "phone_profiles_allow_empty=true." % self._why_none(patterns, variables or {}))

    def _why_none(self, patterns, variables):
        """Why ``patterns`` select no host: the --limit, or a pattern that matches nothing (with the closest name)."""
        limit = context.CLIARGS.get("subset")
        given = variables.get("telphin_accounts") is not None
        what = "telphin_accounts=%s" % ",".join(patterns) if given else \
            "%s (telphin_accounts is not set)" % ",".join(patterns)
        if limit and self._selected(patterns, variables, limit=None):
            return "%s selects no account with --limit %s" % (what, limit)
        names = list(variables.get("groups") or {}) + sorted({h for hosts in (variables.get("groups") or {}).values()
                                                              for h in hosts})
        close = difflib.get_close_matches(",".join(patterns), names, n=1)
        return "%s matches no host of the inventory%s (telphin_accounts names the group of accounts of the " \
            "inventory given with -i)" % (what, "; did you mean %s?" % close[0] if close else "")

    def _selected(self, patterns, variables, limit=""):
        """Whether ``patterns`` select a host, with ``limit`` (by default --limit) applied as Ansible does."""
        # The inventory as the play sees it (its groups and their hosts), as ansible.builtin.inventory_hostnames
        # rebuilds it: a lookup is not given the inventory itself.
        inventory = InventoryManager(self._loader, parse=False)
        for group, hosts in (variables.get("groups") or {}).items():
            inventory.add_group(group)
            for host in hosts:
                inventory.add_host(host, group=group)
        inventory.subset(context.CLIARGS.get("subset") if limit == "" else limit)
        try:
            return bool(inventory.get_hosts(pattern=patterns))
        except AnsibleError:
            return False
