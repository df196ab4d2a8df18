# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for the automation controller (AWX) that ansible-rulebook's run_job_template talks to.

It answers the four requests the action makes: the controller's config (at start), the job template by name
(``/api/v2/unified_job_templates/?name=``), its launch (``POST .../launch/``, recorded with its variables) and
the job's status until it is finished. A launch runs ``job(name, extra_vars)`` in a thread, which says
whether the job succeeded: the tests run the collection's playbook there, as the controller would.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class ControllerStub:
    """``with ControllerStub(["telphin.pbx apply"], job) as controller:`` ``controller.url``, ``launches``."""

    def __init__(self, templates, job, organization="Default"):
        self.templates = {name: number for number, name in enumerate(templates, start=1)}
        self.organization = organization
        self.job = job
        self.launches = []  # {"template", "extra_vars", "status"}, in launch order
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self._server.server_address[1]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count, timeout):
        """The launches once ``count`` of them have finished, or what there is after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                done = [launch for launch in self.launches if launch["status"] in ("successful", "failed")]
            if len(done) >= count:
                return done
            time.sleep(0.2)
        with self._lock:
            return list(self.launches)

    def _template(self, name):
        number = self.templates[name]
        return {"id": number, "type": "job_template", "name": name,
                "summary_fields": {"organization": {"name": self.organization}},
                "related": {"launch": "/api/v2/job_templates/%d/launch/" % number},
                "ask_limit_on_launch": True, "ask_inventory_on_launch": False, "ask_variables_on_launch": True,
                "ask_labels_on_launch": False}

    def _launch(self, number, body):
        name = next(name for name, n in self.templates.items() if n == number)
        with self._lock:
            launch = {"id": len(self.launches) + 1, "template": name, "extra_vars": body.get("extra_vars") or {},
                      "status": "running"}
            self.launches.append(launch)

        def run():
            ok = self.job(name, launch["extra_vars"])
            with self._lock:
                launch["status"] = "successful" if ok else "failed"
        threading.Thread(target=run, daemon=True).start()
        return launch["id"]

    def _job(self, number):
        with self._lock:
            launch = self.launches[number - 1]
            return {"id": number, "status": launch["status"], "created": "2026-12-06T00:00:00Z", "artifacts": {}}

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):
                pass

            def _answer(self, status, body):
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                path = parts.path
                if path == "/api/v2/config/":
                    return self._answer(200, {"version": "4.6.0"})
                if path == "/api/v2/unified_job_templates/":
                    name = parse_qs(parts.query).get("name", [""])[0]
                    found = [stub._template(name)] if name in stub.templates else []
                    return self._answer(200, {"count": len(found), "next": None, "results": found})
                if path.startswith("/api/v2/jobs/"):
                    return self._answer(200, stub._job(int(path.strip("/").split("/")[-1])))
                return self._answer(404, {"detail": "Not found."})

            def do_POST(self):  # noqa: N802 - http.server's name
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if path.startswith("/api/v2/job_templates/") and path.endswith("/launch/"):
                    number = stub._launch(int(path.split("/")[4]), body)
                    return self._answer(201, {"id": number, "job": number, "url": "/api/v2/jobs/%d/" % number,
                                              "status": "pending", "created": "2026-12-06T00:00:00Z"})
                return self._answer(404, {"detail": "Not found."})

        return Handler
