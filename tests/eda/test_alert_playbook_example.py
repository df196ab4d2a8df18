# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The alert job template's playbook of docs/event-driven.md runs as printed: given an event as the controller
gives a launch's variables (tagged !unsafe), it posts the text to the webhook, a label holding Jinja as it is."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
GUIDE = ROOT / "docs" / "event-driven.md"


def guide_playbook():
    """The YAML block of the guide's section "The alert's job template"."""
    section = GUIDE.read_text().partition("### The alert's job template")[2]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


class Webhook:
    """A chat webhook that keeps what is posted to it."""

    def __init__(self):
        self.posted = []
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                webhook.posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self.server.server_address[1]


def test_the_guide_s_alert_playbook_posts_the_event_and_never_runs_a_label(tmp_path):
    (tmp_path / "alert.yml").write_text(guide_playbook())
    # As the controller passes a launch's variables: every text !unsafe (ALLOW_JINJA_IN_EXTRA_VARS: template).
    (tmp_path / "launch.yml").write_text(
        "ansible_eda:\n  event:\n    type: !unsafe 'unregistered'\n    extension_id: 1001\n"
        "    name: !unsafe '000*100'\n    label: !unsafe 'Reception {{ 7 * 7 }}'\n"
        "    at: !unsafe '2026-12-06T06:00:00Z'\n")
    webhook = Webhook()
    try:
        env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
        proc = subprocess.run([str(BIN / "ansible-playbook"), "alert.yml", "-e", "@launch.yml",
                               "-e", "alert_webhook_url=%s" % webhook.url], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    finally:
        webhook.server.shutdown()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The label as typed, its braces not run; the time as Ansible's YAML loader reads an ISO time (a datetime).
    assert [post["text"] for post in webhook.posted] == [
        "Phone 000*100 (Reception {{ 7 * 7 }}) has been unregistered since 2026-12-06 06:00:00+00:00."]
