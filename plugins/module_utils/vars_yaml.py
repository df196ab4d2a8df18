# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""YAML files of Ansible variables whose texts Ansible reads back as data, never as templates.

Ansible templates every string of a vars file when it is used, so a text read from the PBX (a label an
extension user set to ``{{ lookup('pipe', ...) }}``) would run on the controller when the file is read
back (``-e @export.yml``). Every text is therefore written with the ``!unsafe`` tag, which Ansible reads
as a string that is never templated; ``yaml.safe_load`` reads it with one constructor more (``load`` below,
and the README). Two exceptions, both texts that can hold no template (no ``{``):

- a text that YAML would read as another type when written plain (``123``, ``yes``, ``''``, ``*``,
  a date) is written quoted, untagged: ansible-core 2.19 and later resolve an ``!unsafe`` scalar as if
  it were plain (``!unsafe '123'`` is the number 123), 2.18 and earlier keep it a string;
- a mapping key that is a plain name (profile and field names), for a person to read.

Comments of the header are single lines, so that no text can end a comment and become YAML.
"""

from __future__ import annotations

import re
import traceback

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    yaml = None
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None
    _RESOLVER = yaml.resolver.Resolver()
    _STR = "tag:yaml.org,2002:str"

UNSAFE_TAG = "!unsafe"
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


class _Untagged(str):
    """A text written without a tag: a plain name, or one that YAML reads plain as another type."""


def _needs_tag(text):
    # Only a text that reads plain as a string can hold a template: YAML's other plain forms (numbers,
    # booleans, null, dates, ``<<``, ``=``, ``*``) have no ``{``.
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR


def _plain_data(data):
    """``data`` as built-in types only (Ansible hands over subclasses of str, int and dict)."""
    if isinstance(data, dict):
        return {(_Untagged(key) if isinstance(key, str) and _PLAIN_KEY.match(key) else _plain_data(key)):
                _plain_data(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain_data(value) for value in data]
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, str):
        return str.__str__(data) if _needs_tag(data) else _Untagged(data)
    if isinstance(data, int):
        return int(data)
    if isinstance(data, float):
        return float(data)
    raise TypeError("cannot write a %s as a variable" % type(data).__name__)


if yaml is not None:
    class _Dumper(yaml.SafeDumper):  # pylint: disable=too-many-ancestors
        """Every ``str`` tagged ``!unsafe``; ``_Untagged`` texts as YAML writes them (quoted where needed)."""

    _Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
        UNSAFE_TAG, text, style='"' if _LINE_BREAKS.search(text) else None))
    _Dumper.add_representer(_Untagged, lambda dumper, text: dumper.represent_str(str.__str__(text)))

    class _Loader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
        """The safe loader, with ``!unsafe`` read as the string it tags."""

    _Loader.add_constructor(UNSAFE_TAG, _Loader.construct_scalar)


def comment(line):
    """One comment line: line breaks and other control characters in it become spaces."""
    return "# " + _LINE_BREAKS.sub(" ", str(line)) if line else "#"


def dump(data, header=()):
    """The text of a vars file: ``header`` lines as comments, then ``data`` with every text ``!unsafe``."""
    # Lists and mappings of plain values on one line each: an assignment per line in a large account.
    body = yaml.dump(_plain_data(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=None, width=1 << 16, indent=2)
    lines = [comment(line) for line in header]
    return "\n".join(lines + ["---", body.rstrip("\n")]) + "\n"


def load(text):
    """What ``dump`` wrote (or any YAML without other tags), read with the safe loader."""
    return yaml.load(text, Loader=_Loader)  # nosec B506: a SafeLoader that knows one tag more
