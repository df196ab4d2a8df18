# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The layout page (CONTRIBUTING.md, "Layout") names every file of plugins/module_utils/ and every folder of
plugins/, one line each, and nothing that does not exist.

In its list, a line that starts with a path names it; what follows on the line says what it is.
"""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"


def _layout():
    """``{path: what it is}`` of the list of the page's Layout section (its code block that names paths)."""
    section = (ROOT / "CONTRIBUTING.md").read_text().partition("\n## Layout\n")[2].partition("\n## ")[0]
    listed = {}
    for block in re.findall(r"^```\n(.*?)^```$", section, re.S | re.M):
        for line in block.splitlines():
            path, _space, what = line.partition(" ")
            if path.startswith(("plugins/", "roles/", "tests/", "meta/")) or path.endswith("/"):
                assert path not in listed, "%s is named twice" % path
                listed[path] = what.strip()
    return listed


def test_every_file_of_module_utils_and_every_plugin_folder_is_named_with_what_it_is():
    listed = _layout()
    files = {"plugins/module_utils/%s" % p.name for p in (PLUGINS / "module_utils").glob("*.py")
             if p.name != "__init__.py"}
    folders = {"plugins/%s/" % p.name for p in PLUGINS.iterdir() if p.is_dir() and p.name != "module_utils"
               and not p.name.startswith((".", "__"))}
    assert sorted((files | folders) - set(listed)) == []
    assert [path for path in sorted(files | folders) if not listed[path]] == []  # each says what it is


def test_the_layout_names_nothing_that_does_not_exist():
    assert [path for path in _layout() if not (ROOT / path).exists()] == []
