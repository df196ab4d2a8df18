# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vars_yaml: the files we write (backups, exports) read back as the data written, never as templates."""

import pytest
import yaml

from ansible_collections.telphin.pbx.plugins.module_utils import vars_yaml

DATA = {"phone_profiles": {"desk": {"label": "{{ lookup('pipe', 'id') }}", "hangup_timeout": 45,
                                    "vm_mailto": None, "record_enabled": True}},
        "texts": ["123", "yes", "", "*", "2026-12-06", "Приёмная", "a\nb", "x: y"],
        "Not a plain key": 1.5}


def test_what_is_dumped_loads_back_as_the_same_data():
    assert vars_yaml.load(vars_yaml.dump(DATA)) == DATA


def test_every_text_that_could_hold_a_template_is_tagged_unsafe_and_other_texts_stay_strings():
    text = vars_yaml.dump(DATA)
    assert "label: !unsafe \"{{ lookup('pipe', 'id') }}\"" in text or "label: !unsafe '{{ lookup" in text, text
    # A text YAML would read as another type is quoted, untagged: it cannot hold a "{".
    assert "'123'" in text and "'yes'" in text and "!unsafe '123'" not in text
    # Plain names as keys stay plain for a person to read.
    assert "phone_profiles:" in text and "hangup_timeout: 45" in text
    # The plain safe loader does not know the tag: an untagged reader cannot take the texts for templates.
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.safe_load(text)


def test_a_header_line_cannot_end_its_comment_and_become_yaml():
    text = vars_yaml.dump({"a": 1}, header=["first", "evil\nb: 2", ""])
    assert text.splitlines()[:4] == ["# first", "# evil b: 2", "#", "---"]
    assert vars_yaml.load(text) == {"a": 1}


def test_a_value_no_vars_file_can_hold_is_refused():
    with pytest.raises(TypeError, match="cannot write a object as a variable"):
        vars_yaml.dump({"a": object()})
