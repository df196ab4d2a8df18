# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Failed requests as one exception, :class:`ApiError`, with a readable one-line message.

``error_from_answer`` reads an error body the way the API writes it (``message`` and ``status``, or OAuth's
``error``) and adds what the user can do about it; ``describe_exception`` shortens a transport exception.
Every text goes through the run's :class:`~.redact.Redactor` first.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus

TEXT_LIMIT = 300

# API statuses of errors that every other request of the task would meet too.
TASK_WIDE_API_STATUSES = frozenset(
    ("app_access_type_deny", "user_access_type_deny", "user_blocked", "rate_limit_exceeded"))

_ERROR_BODY_TEXT_KEYS = ("message", "error_description", "error", "detail")
_ERROR_BODY_STATUS_KEYS = ("status", "error")
_HINTS_403 = {
    "app_access_type_deny": 'the application needs access level "All" to change the configuration; '
                            'its level is lower, probably "Call API"',
    "user_access_type_deny": "the user that created the application has read-only access; "
                             "writes need a user with full access",
    "user_blocked": "the user that created the application is blocked",
    "access_denied": "the user of the token has no rights to this resource",
}


class ApiError(Exception):
    """A request that failed for good (after any retries). Treated as a value: :meth:`replace` derives.

    :ivar method: HTTP method (``GET``, ``PUT``, ``POST`` for the token).
    :ivar path: the request path below ``api_url``, e.g. ``/api/ver1.0/extension/1001/phone/`` or ``/oauth/token``.
    :ivar status: HTTP status code, or None when no answer came (connection error, time-out).
    :ivar message: the API's ``message`` (or OAuth ``error_description``/``error``), or what went wrong on the way.
    :ivar api_status: the API's ``status`` field (``app_access_type_deny``...) or the OAuth ``error`` code.
    :ivar retry_after: seconds until a retry may succeed (rate limit), when known.
    :ivar hint: what the user can do about it, or None.
    :ivar details: any other fields of the error body (dict), e.g. of a 400 validation error, or None.
    :ivar outage: every request of the run would meet this error (the API is unreachable or failing).
    :ivar unsent: the request was never sent (the run had stopped on an outage before it began), so a write
        that failed so was certainly not applied.
    """

    _FIELDS = ("method", "path", "status", "message", "api_status", "retry_after", "hint", "details", "outage",
               "unsent")

    def __init__(self, method, path, status=None, message="", api_status=None, retry_after=None,
                 hint=None, details=None, outage=False, unsent=False):
        self.method = method
        self.path = path
        self.status = status
        self.message = message or ""
        self.api_status = api_status
        self.retry_after = retry_after
        self.hint = hint
        self.details = details or None
        self.outage = outage
        self.unsent = unsent
        super().__init__(self.__str__())

    def replace(self, **changes):
        values = {name: getattr(self, name) for name in self._FIELDS}
        values.update(changes)
        return ApiError(**values)

    @property
    def task_wide(self):
        """Whether every other request of the task would meet this error too, so the task should stop."""
        return self.outage or self.status == 401 or self.api_status in TASK_WIDE_API_STATUSES

    @property
    def outcome_unknown(self):
        """Whether a write that failed this way may have been applied: no answer, a 5xx, or an unreadable 2xx,
        unless it was never sent."""
        return not self.unsent and (self.status is None or self.status >= 500 or 200 <= self.status < 300)

    def __str__(self):
        what = "HTTP %s" % self.status if self.status is not None else "no answer"
        if self.api_status:
            what += " %s" % self.api_status
        text = "%s %s: %s" % (self.method, self.path, what)
        if self.message and self.message != self.api_status:
            text += ": %s" % self.message
        if self.details:
            details = json.dumps(self.details, sort_keys=True, default=str)
            if len(details) <= TEXT_LIMIT:
                text += " %s" % details
        if self.hint:
            text += " (%s)" % self.hint
        return text


def clip(text, redactor):
    """One line of at most TEXT_LIMIT characters, secrets removed."""
    text = " ".join(str(text).split())
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT] + "..."
    return redactor.text(text)


def reason_phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP error"


def hint_for(status, api_status, token_request=False):
    """What the user can do about an error answer, or None."""
    if token_request:
        if api_status == "invalid_client" or status == 401:
            return "the token endpoint refused the application credentials: check app_id and app_secret"
        if api_status == "unauthorized_client":
            return "the application may not use the client-credentials grant: it must be a trusted application"
        return None
    if status == 403:
        return _HINTS_403.get(api_status)
    if status == 404 and api_status == "client_not_found":
        return "no such client: check client_id"
    return None


def error_from_answer(method, path, status, body, redactor, hint=None, token_request=False):
    """The ApiError of an error answer: its message, API status and other fields, secrets removed."""
    message = api_status = details = None
    if isinstance(body, dict):
        message = next((body[key] for key in _ERROR_BODY_TEXT_KEYS if body.get(key) is not None), None)
        if message is not None and not isinstance(message, str):
            message = json.dumps(message, sort_keys=True, default=str)
        api_status = next((body[key] for key in _ERROR_BODY_STATUS_KEYS
                           if isinstance(body.get(key), str) and body[key]), None)
        rest = {key: value for key, value in body.items()
                if key not in _ERROR_BODY_TEXT_KEYS + _ERROR_BODY_STATUS_KEYS}
        details = redactor.data(rest) if rest else None
    elif body is not None:
        message = clip(body, redactor)
    if hint is None:
        hint = hint_for(status, api_status, token_request)
    return ApiError(method, path, status=status, message=redactor.text(message or reason_phrase(status)),
                    api_status=redactor.text(api_status) if api_status else None, hint=hint, details=details)


def describe_exception(exc, redactor):
    """A short description of a transport exception: its innermost reason, secrets removed."""
    reason = exc
    seen = set()
    while True:
        inner = None
        if reason.args and isinstance(reason.args[0], BaseException):
            inner = reason.args[0]
        elif isinstance(getattr(reason, "reason", None), BaseException):
            inner = reason.reason
        if inner is None or id(inner) in seen:
            break
        seen.add(id(inner))
        reason = inner
    text = str(reason) or type(reason).__name__
    # urllib3 prefixes "<urllib3.connection.HTTPSConnection object at 0x...>: "
    text = re.sub(r"<[^>]* object at 0x[0-9a-f]+>:\s*", "", text)
    return clip(text, redactor)
