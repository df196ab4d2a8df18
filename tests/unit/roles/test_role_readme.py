# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's README names every variable of its argument specs, and no other.

Users read roles/phone_profiles/README.md on Galaxy and GitHub, where ``ansible-doc -t role`` is out of reach:
each variable of meta/argument_specs.yml, of every entry point (main, export, restore...), is a row of one of
its variable tables, and a row names no variable that no entry point takes (one renamed or removed).

A variable table is a Markdown table whose header's first cell is ``variable``; each row's first cell is the
variable's name in backticks. The README's other tables (the keys of an assignment, of the summary) are not.
"""

from __future__ import annotations

import pathlib
import re

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
ROLE = ROOT / "roles" / "phone_profiles"
NAME_CELL = re.compile(r"^`([A-Za-z_][A-Za-z0-9_]*)`$")


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def readme_variables():
    """``{name: [line number, ...]}`` of the rows of the README's variable tables."""
    found, in_table = {}, False
    for number, line in enumerate((ROLE / "README.md").read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("|"):
            in_table = False
            continue
        cells = _cells(line)
        if not in_table:  # the header row of a table
            in_table = cells[0] == "variable"
            continue
        if set(cells[0]) <= set("-: "):  # the row under the header
            continue
        match = NAME_CELL.match(cells[0])
        assert match, "README.md:%d: the first cell of a variable's row is its name in backticks: %r" % (
            number, cells[0])
        found.setdefault(match.group(1), []).append(number)
    return found


def spec_variables():
    """``{name: [entry point, ...]}`` of every option of every entry point of meta/argument_specs.yml."""
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))["argument_specs"]
    found = {}
    for entry, spec in specs.items():
        for name in (spec.get("options") or {}):
            found.setdefault(name, []).append(entry)
    return found


def test_the_readme_finds_its_variable_tables():
    # The parsing above finds the tables at all: an empty result would pass the tests below vacuously.
    assert "phone_profiles" in readme_variables() and "phone_profiles_export_file" in readme_variables()


def test_the_readme_names_every_variable_of_the_argument_specs():
    listed = readme_variables()
    missing = ["%s (%s)" % (name, ", ".join(entries)) for name, entries in sorted(spec_variables().items())
               if name not in listed]
    assert not missing, "variables of meta/argument_specs.yml missing from the tables of README.md:\n%s" % (
        "\n".join(missing))


def test_the_readme_names_no_variable_that_no_argument_spec_has():
    specs = spec_variables()
    unknown = ["%s (README.md:%s)" % (name, ", ".join(map(str, lines)))
               for name, lines in sorted(readme_variables().items()) if name not in specs]
    assert not unknown, "variables of README.md's tables that no entry point of meta/argument_specs.yml has:\n%s" % (
        "\n".join(unknown))
