# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the property options of the modules' DOCUMENTATION from the field table.

DOCUMENTATION must be a literal string (ansible-doc reads it without running the module), so the
part that describes the fields is generated between marker comments and kept in sync by a test:
    python tools/field_docs.py          # rewrite the modules
    python tools/field_docs.py --check  # exit 1 if they are out of date
"""

import importlib
import pathlib
import re
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODULES = [ROOT / "plugins/modules/phone_properties.py"]


def load_fields():
    """The field table, imported through the collection link that `make link` creates."""
    sys.path.insert(0, str(ROOT / ".build" / "collections"))
    return importlib.import_module("ansible_collections.telphin.pbx.plugins.module_utils.fields")


def _item(pad, text):
    """A YAML list item holding ``text`` as a double-quoted scalar, wrapped (line breaks fold to spaces)."""
    quoted = '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')
    return textwrap.wrap(quoted, width=110, initial_indent=pad + "    - ", subsequent_indent=pad + "      ")


def task_options(F, indent):
    pad = " " * indent
    lines = []
    for fld in sorted(F.WRITABLE, key=lambda f: f.name):
        lines.append("%s%s:" % (pad, fld.name))
        lines.append("%s  description:" % pad)
        lines.extend(_item(pad, fld.description))
        facts = []
        if fld.default is not None:
            facts.append("The API's default is C(%s)." % str(fld.default).lower() if fld.type == F.BOOL
                         else "The API's default is C(%s)." % fld.default)
        if fld.minimum is not None:
            facts.append("At least C(%d)." % fld.minimum)
        if fld.maximum is not None:
            facts.append("At most C(%d)." % fld.maximum)
        if fld.zero_is_null:
            facts.append("C(0) and null are the same sound (the system's): the API may answer either for the "
                         "other, and the module compares them as equal.")
        if fld.text_only:
            facts.append("A string: a number is refused, so quote it (YAML reads V(0123) as 83 and drops the "
                         "C(+) of an unquoted number).")
        elif fld.type == F.STR:
            facts.append("A string.")
        if fld.nullable:
            facts.append("Can be set to null with O(reset).")
        if fld.synced:
            facts.append("Synchronized across a bundle: the API sets it on every extension of the bundle.")
        if fld.secret:
            facts.append("Secret: never shown in output, diff or logs.")
        if fld.writeonly:
            facts.append("Write-only: the API never returns it, so it cannot be compared; a task that gives it "
                         "sends it and reports a change every time. Give it in a task of its own, when the "
                         "password must change.")
        if facts:
            lines.extend(_item(pad, " ".join(facts)))
        lines.append("%s  type: %s" % (pad, fld.option_type))
        if fld.choices:
            lines.append("%s  choices: [%s]" % (pad, ", ".join(fld.choices)))
    return lines


def item_options(F, indent):
    pad = " " * indent
    lines = []
    for fld in sorted(F.WRITABLE, key=lambda f: f.name):
        lines.append("%s%s:" % (pad, fld.name))
        lines.append("%s  description: Same as the task-level option O(%s), for this extension." % (pad, fld.name))
        lines.append("%s  type: raw" % pad)
    return lines


def render(text, F):
    for marker, make in (("items", item_options), ("task", task_options)):
        pattern = re.compile(r"^( *)# fields:%s:begin.*?\n(.*?)^ *# fields:%s:end" % (marker, marker),
                             re.S | re.M)
        match = pattern.search(text)
        if not match:
            continue
        indent = len(match.group(1))
        body = "\n".join(make(F, indent)) + "\n"
        text = text[:match.start(2)] + body + text[match.end(2):]
    return text


def main():
    F = load_fields()
    stale = []
    for path in MODULES:
        old = path.read_text()
        new = render(old, F)
        if new != old:
            stale.append(path)
            if "--check" not in sys.argv:
                path.write_text(new)
    if stale and "--check" in sys.argv:
        print("out of date, run python tools/field_docs.py: %s" % ", ".join(str(p) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
