# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The account's extensions, as one listing returns them: looked up by id, full name or number.

The modules, phone_profiles' assignments too, find extensions here and nowhere else. Pure: no I/O.
"""

from __future__ import annotations

PHONE = "phone"


def number_of(name):
    """The number people know an extension by: what follows the ``*`` of ``"000*100"``."""
    return str(name or "").rpartition("*")[2]


def is_phone(extension):
    """Whether a listed extension has phone properties (a listing that leaves out ``type`` is trusted)."""
    return extension.get("type") in (None, PHONE)


def describe(extension):
    return "%s (id %s)" % (extension.get("name"), extension.get("id"))


class ExtensionDirectory:
    """The extensions of one listing, by id, full name and number."""

    def __init__(self, extensions):
        self.extensions = tuple(extensions)
        self._by_id = {}
        self._by_name = {}
        self._by_number = {}
        for ext in self.extensions:
            name = str(ext.get("name") or "")
            self._by_id[str(ext.get("id"))] = ext
            self._by_name.setdefault(name, []).append(ext)
            self._by_number.setdefault(number_of(name), []).append(ext)

    def get(self, extension_id):
        """The extension with this id, or None."""
        return self._by_id.get(str(extension_id))

    def find(self, given, ids=False):
        """``(extension, None)`` for the one extension that ``given`` names, else ``(None, why)``.

        ``given`` is a full name (``"000*100"``) or a number (``"100"``). With ``ids``, an integer is an id,
        and a string of digits may be an id as well as a number: naming two extensions is ambiguous.
        """
        if ids and isinstance(given, int) and not isinstance(given, bool):
            ext = self.get(given)
            return (ext, None) if ext else (None, "no extension has the id %s in this account" % given)
        text = str(given).strip()
        matches = self._by_name.get(text) or list(self._by_number.get(text, ()))
        if ids and text.isdigit() and self.get(text) is not None and self.get(text) not in matches:
            matches.append(self.get(text))
        if len(matches) == 1:
            return matches[0], None
        if not matches:
            return None, "no extension is named %r in this account" % text
        return None, "%r is ambiguous: it names %s; give the full name or the extension_id" % (
            text, ", ".join(describe(e) for e in matches))
