# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base of the collection's modules: options in (with the connection's), a client, results out.

A module's ``main()`` reads: options (``ApiModule(spec, ...)``), run (``module.run(work, shape)``), report
(``module.finish(result, warnings)``). Everything that each module would otherwise repeat lives here: the
connection options and their checks, the ``parallel`` option, the client, the one way an API error and
the run's warnings leave the module.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.telphin.pbx.plugins.module_utils import connection as conn
from ansible_collections.telphin.pbx.plugins.module_utils import fields as F
from ansible_collections.telphin.pbx.plugins.module_utils import results
from ansible_collections.telphin.pbx.plugins.module_utils.redact import (
    SHORTEST_SUBSTRING_SECRET, field_values, mask_fields, printable)
from ansible_collections.telphin.pbx.plugins.module_utils.backup import BackupWriter
from ansible_collections.telphin.pbx.plugins.module_utils.budget import UNCHECKED
from ansible_collections.telphin.pbx.plugins.module_utils.concurrency import AUTO, MOST_IN_FLIGHT, parse_parallel
from ansible_collections.telphin.pbx.plugins.module_utils.registration_watch import RegistrationWatch
from ansible_collections.telphin.pbx.plugins.module_utils.errors import ApiError

# How many extensions (or a listing's pages) a module works on at once: the option, its default and its bounds,
# in one place; the doc fragment telphin.pbx.parallel states them to users (a unit test holds it to these).
DEFAULT_PARALLEL = AUTO  # within 1.15x of the best fixed value at 20 and 80 ms in `make bench`
MAX_PARALLEL = MOST_IN_FLIGHT
PARALLEL_OPTION = dict(parallel=dict(type="raw", default=DEFAULT_PARALLEL))
# The network modules' convention (cisco.ios ios_config, ansible.netcommon): backup, backup_options.
BACKUP_OPTIONS = dict(backup=dict(type="bool", default=False),
                      backup_options=dict(type="dict", options=dict(dir_path=dict(type="path"),
                                                                    filename=dict(type="str"),
                                                                    keep=dict(type="int"))))


REGISTRATION_OPTIONS = dict(check_registrations=dict(type="bool", default=False),
                            registration_wait=dict(type="float", default=15))


def registration_watch(module):
    """The watch of the SIP registrations around the writes when the task asks for it, else None."""
    if not module.params.get("check_registrations"):
        return None
    return RegistrationWatch(module.params["registration_wait"], module.parallel)


def backup_writer(module):
    """The writer of the run's backup when the task asks for one (``backup: true``), else None."""
    if not module.params.get("backup"):
        return None
    options = module.params.get("backup_options") or {}
    return BackupWriter(module.connection.base_url, options.get("dir_path"), options.get("filename"),
                        options.get("keep"))


# The options masked by their name wherever they appear in the options: the field table's secrets (also inside a
# profile, an override, an item of extensions) and the connection's.
SECRET_FIELDS = F.SECRET_NAMES | frozenset(conn.SECRET_OPTIONS)


class FieldMaskedModule(AnsibleModule):
    """An AnsibleModule whose invocation, as logged to syslog or journald ("Invoked with ...") and as returned in
    the result (``invocation``, shown at -vvv), shows every secret masked by its field.

    Ansible masks only the options marked ``no_log`` and the values it was told of; the secrets inside options
    of free form (``profiles``, ``assignments``) would reach the system log in clear, since AnsibleModule logs
    the invocation inside its ``__init__``, before the module's own code can name them.
    """

    _secret_field_values = None  # set on first use: AnsibleModule.__init__ logs before a subclass could set it

    def _log_invocation(self):
        # Called by AnsibleModule.__init__ once the options are valid: Ansible's own log line, of masked options.
        self.forget_short_secrets()
        params = self.params
        self.params = printable(mask_fields(params, SECRET_FIELDS))
        try:
            super()._log_invocation()
        finally:
            self.params = params

    def secret_field_values(self):
        """The secrets the options give by field, found once: a task may hold thousands of items."""
        if self._secret_field_values is None:
            self._secret_field_values = field_values(self.params, F.SECRET_NAMES)
        return self._secret_field_values

    def forget_short_secrets(self):
        """Drop the short secrets of the fields from Ansible's substring masking: they are masked by field."""
        keep = {str(self.params[name]) for name in conn.SECRET_OPTIONS if self.params.get(name)}
        for value in self.secret_field_values():
            if len(value) < SHORTEST_SUBSTRING_SECRET and value not in keep:
                self.no_log_values.discard(value)

    def exit_json(self, **kwargs):
        super().exit_json(**self._with_masked_invocation(kwargs))

    def fail_json(self, msg, **kwargs):  # ansible-core 2.19's keyword ``exception`` is passed on in kwargs
        super().fail_json(msg, **self._with_masked_invocation(kwargs))

    def _with_masked_invocation(self, kwargs):
        # Given whenever the result is, so Ansible never adds its own (ansible-core 2.21 drops it unless asked).
        invocation = kwargs.get("invocation") or {"module_args": getattr(self, "params", {})}
        return dict(kwargs, invocation=dict(invocation,
                                            module_args=mask_fields(invocation.get("module_args"), SECRET_FIELDS)))


class ApiModule:
    """An AnsibleModule with the connection options, and the client and the report of a run."""

    def __init__(self, argument_spec, mutually_exclusive=(), required_one_of=()):
        spec = conn.argument_spec()
        spec.update(argument_spec)
        self.ansible = FieldMaskedModule(argument_spec=spec, supports_check_mode=True,
                                         mutually_exclusive=list(mutually_exclusive),
                                         required_one_of=list(required_one_of))
        self.ansible.forget_short_secrets()  # also when the task is no_log, and so logs no invocation
        self.params = self.ansible.params
        self.mask_long_secrets(self.ansible.secret_field_values())
        self.check_mode = self.ansible.check_mode
        self.diff_mode = self.ansible._diff
        self.connection, self._problems = conn.connection_from_params(self.params)
        for secret in conn.url_secrets(self.connection):  # masked in every output, the invocation's too
            self.ansible.no_log_values.add(secret)
        if "registration_wait" in spec and not 0 <= self.params["registration_wait"] <= 600:
            self._problems.append("registration_wait: must be from 0 to 600 seconds, got %g"
                                  % self.params["registration_wait"])
        if ((self.params.get("backup_options") or {}).get("keep") or 0) < 0:
            self._problems.append("backup_options.keep: must be 0 (keep every backup) or more, got %d"
                                  % self.params["backup_options"]["keep"])
        # The worker threads: parallel's number, or as many as auto may come to use (the throttle decides).
        self.parallel, self.adaptive, problem = parse_parallel(self.params.get("parallel", 1))
        if problem:
            self._problems.append(problem)
        self.client = None

    def mask_secrets_of(self, data):
        """The long secrets ``data`` gives by field (a restore file) masked also as text in any output, a second
        net under the masking by field; short ones never (see SHORTEST_SUBSTRING_SECRET)."""
        self.mask_long_secrets(field_values(data, F.SECRET_NAMES))

    def mask_long_secrets(self, values):
        """Hand the secrets of ``values`` long enough to mask no other text to Ansible's masking of any output."""
        for value in values:
            if len(value) >= SHORTEST_SUBSTRING_SECRET:
                self.ansible.no_log_values.add(value)

    def input_problems(self, problems=()):
        """Every problem of the options: the connection's, the shared options' (``parallel``, ``registration_wait``,
        ``backup_options.keep``) and the module's own."""
        return self._problems + list(problems)

    def check_input(self, problems=()):
        """Fail before any request when an option is bad, naming each option and the reason."""
        problems = self.input_problems(problems)
        if problems:
            self.finish(results.invalid_input(problems))

    def run(self, work, shape, warn=None):
        """``(result, warnings)`` of ``work(client)`` with a new client: ``shape(value)`` and ``warn(value)`` of what
        it returns; an API error that ends the run is the failed result (``results.api_error_result``), without
        warnings. The module ends with them, as with any other result (``finish``)."""
        self.check_input()
        # Imported here, not above: requests takes a tenth of a second or more to import, which a run whose
        # input is refused before any request need not pay.
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.telphin.pbx.plugins.module_utils.client import ApiClient
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.telphin.pbx.plugins.module_utils.transport import REQUESTS_IMPORT_ERROR
        if REQUESTS_IMPORT_ERROR:
            self.ansible.fail_json(msg=missing_required_lib(
                "requests", reason="for the API client: install the collection's requirements.txt (pip install -r "
                "requirements.txt from the installed collection's folder, or pip install requests) into the Python "
                "that runs the module (ansible_python_interpreter)"), exception=REQUESTS_IMPORT_ERROR)
        self.client = ApiClient(self.connection, pool_size=self.parallel, adaptive=self.adaptive)
        # Issued tokens are secrets Ansible does not know of: let it mask them in any output too.
        self.client.redactor.add_sink(self.ansible.no_log_values.add)
        try:
            value = work(self.client)
        except ApiError as exc:
            return results.api_error_result(exc, self.client), ()
        unchecked = (UNCHECKED % self.connection.reserve.given,) if self.client.reserve_unchecked else ()
        return shape(value), (tuple(warn(value)) if warn else ()) + unchecked

    def finish(self, result, warnings=()):
        """Hand the result to Ansible: exit, or fail when it says so."""
        for warning in warnings:
            self.ansible.warn(warning)
        if result.get("failed"):
            result = dict(result)
            msg = result.pop("msg")
            result.pop("failed")
            self.ansible.fail_json(msg=msg, **result)
        self.ansible.exit_json(**result)
