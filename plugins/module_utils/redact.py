# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets out of every text the collection shows: the one mask, and the redactor of texts and data.

The redactor knows the secrets of a run (the application secret, a given or issued token) and removes them,
and anything that looks like a bearer token or a credential in a query, from error messages and error bodies.
"""

from __future__ import annotations

import re
import threading

MASK = "********"

_USERINFO = re.compile(r"(?<=//)[^/@\s]+@")
_PATTERNS = (
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]{16,}=*"), r"\1" + MASK),
    (re.compile(r"(?i)(client_secret=)[^&\s]+"), r"\1" + MASK),
    (re.compile(r"(?i)(access_token=)[^&\s]+"), r"\1" + MASK),
)
# Shorter values would mask ordinary words of a message.
_MIN_SECRET_LENGTH = 4
# A secret of a field (a PIN) shorter than this is masked by its field only, never handed to Ansible's
# no_log_values: those mask every occurrence as a substring, and a PIN "100" would turn "000*100" into
# "000*********" and an id 1001 into VALUE_SPECIFIED_IN_NO_LOG_PARAMETER.
SHORTEST_SUBSTRING_SECRET = 6


def without_userinfo(url):
    """A URL without ``user:password@``."""
    return _USERINFO.sub("", url)


class Redactor:
    """The secrets of one run, and the removal of them from texts and nested data. Thread-safe.

    ``sinks`` are called with each secret learnt later (an issued token), so that Ansible can mask it too.
    """

    def __init__(self, secrets=()):
        self._lock = threading.Lock()
        self._secrets = ()
        self._sinks = []
        for secret in secrets:
            self.add(secret)

    def add_sink(self, sink):
        self._sinks.append(sink)
        for secret in self._secrets:
            sink(secret)

    def add(self, secret):
        if not secret or not isinstance(secret, str):
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets = tuple(sorted(self._secrets + (secret,), key=len, reverse=True))
        for sink in self._sinks:
            sink(secret)

    def text(self, text):
        if not text:
            return text
        text = str(text)
        for secret in self._secrets:
            if len(secret) >= _MIN_SECRET_LENGTH:
                text = text.replace(secret, MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return without_userinfo(text)

    def data(self, data):
        if isinstance(data, dict):
            return {self.text(str(key)): self.data(value) for key, value in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.data(value) for value in data]
        if isinstance(data, str):
            return self.text(data)
        return data


_CONTAINERS = (dict, list, tuple)


def _holds_value(value):
    return value is not None and value != ""


def mask_fields(data, names):
    """A copy of nested data with the value of every key in ``names`` masked, at any depth: secrets given in
    options of free form (a profile, an assignment's overrides, an item of extensions) by their field."""
    # The keys are matched as sets and only containers are walked: a task of thousands of items, each with
    # every option of the field table, pays for this once per item rather than once per value.
    if isinstance(data, dict):
        copy = dict(data)
        for key, value in data.items():
            if isinstance(value, _CONTAINERS):
                copy[key] = mask_fields(value, names)
        for key in names & data.keys():
            if _holds_value(data[key]):
                copy[key] = MASK
        return copy
    if isinstance(data, (list, tuple)):
        return [mask_fields(value, names) if isinstance(value, _CONTAINERS) else value for value in data]
    return data


def field_values(data, names):
    """The values (as text) of every key in ``names`` in nested data, at any depth, that hold a text or a
    number: the secrets that data gives."""
    found = []
    if isinstance(data, dict):
        for key in names & data.keys():
            value = data[key]
            if isinstance(value, (str, int, float)) and _holds_value(value) and not isinstance(value, bool):
                found.append(str(value))
        children = data.values()
    elif isinstance(data, (list, tuple)):
        children = data
    else:
        return found
    for value in children:
        if isinstance(value, _CONTAINERS):
            found.extend(field_values(value, names))
    return found


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(data):
    """A copy of nested data whose texts (keys too) show control characters as escapes (``\\x00``, ``\\n``): a
    line of the system log can neither be cut by a NUL (syslog refuses it, and the module would fail) nor be
    followed by a line that a text forges."""
    if isinstance(data, str):
        return _CONTROL.sub(lambda found: repr(found.group())[1:-1], data) if _CONTROL.search(data) else data
    if isinstance(data, dict):
        return {printable(key): printable(value) if isinstance(value, _PRINTED) else value
                for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [printable(value) if isinstance(value, _PRINTED) else value for value in data]
    return data


_PRINTED = (str, dict, list, tuple)
