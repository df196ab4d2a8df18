# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters' routing (meta/runtime.yml): no run shows a deprecation it did not cause, and a removed filter
says what to use instead.

Asked for any filter by its FQCN (``telphin.pbx.phone_profile_summary_total``), ansible-core loads every file of
plugins/filter/ and reads each one's routing: a deprecated filter that still has its file prints its deprecation
on every run that calls any filter of the collection, the role's runs included. Through ansible-playbook:
tests/integration/test_filters.py.
"""

from __future__ import annotations

import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[4]
FILTER_FILES = {p.stem for p in (ROOT / "plugins" / "filter").glob("*.py") if p.stem != "__init__"}
ROUTING = (yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text()).get("plugin_routing") or {}).get("filter", {})
VERSION = tuple(int(part) for part in yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"].split("."))


def test_no_filter_that_has_a_file_is_deprecated():
    assert sorted(name for name, entry in ROUTING.items() if "deprecation" in entry and name in FILTER_FILES) == []


def test_each_removed_filter_has_no_file_was_removed_by_this_version_and_says_what_to_use():
    removed = {name: entry["tombstone"] for name, entry in ROUTING.items() if "tombstone" in entry}
    assert removed
    for name, tombstone in removed.items():
        assert name not in FILTER_FILES, name
        assert tuple(int(part) for part in tombstone["removal_version"].split(".")) <= VERSION, name
        assert tombstone.get("warning_text", "").startswith("Use "), name  # what to use instead
