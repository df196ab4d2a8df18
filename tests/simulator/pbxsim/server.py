"""HTTP layer (http.server, HTTP/1.1 keep-alive, optionally over TLS), request log, and the Simulator object
that ties the API, the readings, the faults (flow.py) and the admin endpoint (admin.py) together."""

import copy
import gzip
import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import admin, flow
from . import readings as readings_mod
from . import registrations as registrations_mod
from . import tls as tls_mod
from .api import MAX_BODY, Api, error
from .faults import Faults
from . import seed as seed_mod
from .seed import load_seed
from .state import Clock

ADMIN_PREFIX = admin.PREFIX
_FAULTED = re.compile(r"^/(api|oauth)(/|$)")
HANDSHAKE_TIMEOUT = 10  # seconds a client may take over its TLS handshake


class _BadRequest(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def accepts_gzip(value):
    for part in (value or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        if bits[0].lower() not in ("gzip", "x-gzip"):
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        return q > 0
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, sim, tls_context=None):
        self.sim = sim
        self.tls_context = tls_context
        self.conns = set()
        self.conns_lock = threading.Lock()
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls_context is not None:
            # no I/O here: the handshake is done in the connection's own thread (finish_request), so a slow
            # or failing client never holds up the accept loop
            try:
                sock = self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            except OSError:
                sock.close()
                raise
        return sock, addr

    def finish_request(self, request, client_address):
        # runs in the connection's thread; registered from the start, so stop() can also end a handshake
        with self.conns_lock:
            self.conns.add(request)
        try:
            if self.tls_context is None or self._handshake(request, client_address):
                super().finish_request(request, client_address)
        finally:
            with self.conns_lock:
                self.conns.discard(request)

    def _handshake(self, sock, client_address):
        """A failed handshake (a client that rejects the certificate, speaks plain HTTP, or hangs up) only
        closes its own connection: answers False, and the server goes on serving the others."""
        sock.settimeout(HANDSHAKE_TIMEOUT)
        try:
            sock.do_handshake()
        except OSError as exc:  # ssl.SSLError, a reset, a timeout
            if self.sim.verbose:
                host, port = client_address[:2]
                sys.stderr.write("pbxsim: TLS handshake with %s:%s failed: %s\n" % (host, port, exc))
            return False
        return True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pbxsim/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this
    disable_nagle_algorithm = True  # small answers must not wait for delayed ACKs

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):  # quiet unless verbose
        if self.server.sim.verbose:
            super().log_message(fmt, *args)

    def do_GET(self):
        self._dispatch("GET")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_HEAD(self):
        self._dispatch("HEAD")

    def do_OPTIONS(self):
        self._dispatch("OPTIONS")

    # ---- body -----------------------------------------------------------------------
    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise _BadRequest(400, "truncated chunked body")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise _BadRequest(400, "bad chunk size")
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise _BadRequest(413, "request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise _BadRequest(400, "bad Content-Length")
        if n < 0:
            raise _BadRequest(400, "bad Content-Length")
        if n > MAX_BODY:
            raise _BadRequest(413, "request body too large")
        return self.rfile.read(n)

    # ---- answer ---------------------------------------------------------------------
    def _send(self, resp, use_gzip, method):
        if resp.body is None:
            payload = b""
        elif isinstance(resp.body, (bytes, bytearray)):
            payload = bytes(resp.body)
        else:
            payload = json.dumps(resp.body, ensure_ascii=False).encode("utf-8")
        headers = dict(resp.headers)
        if resp.body is not None:
            headers.setdefault("Content-Type", "application/json")
        if payload and use_gzip:
            payload = gzip.compress(payload, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
        self.send_response(resp.status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # headers and body in one write
        self._headers_buffer.append(b"\r\n")
        if payload and method != "HEAD":
            self._headers_buffer.append(payload)
        self.flush_headers()

    def _dispatch(self, method):
        sim = self.server.sim
        wall = time.time()
        t0 = time.perf_counter()
        split = urlsplit(self.path)
        path = split.path
        multi = parse_qs(split.query, keep_blank_values=True)
        query = {k: v[-1] for k, v in multi.items()}
        log_query = query
        if "client_secret" in query:  # never let a secret reach the log
            log_query = dict(query, client_secret="***")
        use_gzip = accepts_gzip(self.headers.get("Accept-Encoding"))
        try:
            raw = self._read_body()
        except _BadRequest as exc:
            self.close_connection = True
            self._send(error(exc.status, exc.message, "bad_request"), use_gzip, method)
            return

        if path.startswith(ADMIN_PREFIX) or path == ADMIN_PREFIX.rstrip("/"):
            self._send(admin.handle(sim, method, path, query, raw), use_gzip, method)
            return

        req = flow.Request(method, path, query, self.headers, raw, bool(_FAULTED.match(path)), multi)
        app_id, log_body = sim._api.describe(path, self.headers, raw, query)
        out = flow.serve(sim, req)
        resp = out.resp
        sim._record({
            "method": method, "path": path, "query": log_query, "body": log_body,
            "status": 0 if resp is flow.DROP else resp.status,
            "time": wall, "duration_ms": round((time.perf_counter() - t0) * 1000.0, 3),
            "app_id": app_id, "gzip": use_gzip, "fault": out.fault, "applied": out.applied,
        })
        if resp is flow.DROP:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if sim._api.readings.rate_limit_headers == "omit":  # a gateway in front of the API that strips them
            resp.headers = {k: v for k, v in resp.headers.items() if not k.startswith("X-RateLimit-")}
        self._send(resp, use_gzip, method)


class Simulator:
    """An in-process PBX API server. See README.md."""

    def __init__(self, seed=None, host="127.0.0.1", port=0, token_lifetime=3600, rate_limit=100000,
                 faults=None, latency_ms=0, oauth_rate_limit=20, verbose=False, readings=None, tls=None):
        self.host = host
        self.port = port
        # tls=(cert_path, key_path) serves HTTPS; files are checked here, so a bad one fails before listening
        self.tls = None
        self._tls_context = None
        if tls is not None:
            if isinstance(tls, (str, bytes)) or len(tls) != 2:
                raise ValueError("tls must be (cert_path, key_path), got %r" % (tls,))
            self.tls = (str(tls[0]), str(tls[1]))
            self._tls_context = tls_mod.server_context(*self.tls)
        self.latency_ms = float(latency_ms or 0)
        self.verbose = verbose
        self.clock = Clock()
        self._seed = load_seed(seed)
        # the readings a reset restores: the seed's, with the constructor's (or command line's) over them
        self._start_readings = readings_mod.parse(readings, base=readings_mod.parse(self._seed["readings"]))
        self._api = Api(self._seed, rate_limit=rate_limit, token_lifetime=token_lifetime,
                        clock=self.clock, oauth_rate_limit=oauth_rate_limit, readings=self._start_readings)
        self._inflight = flow.InFlight()
        self._faults = Faults()
        if faults:
            self._faults.set(faults)
        self._log = []
        self._log_lock = threading.Lock()
        self._seq = 0
        self._server = None
        self._thread = None

    # ---- lifecycle --------------------------------------------------------------------
    def start(self):
        if self._server is not None:
            return self
        self._server = _Server((self.host, self.port), _Handler, self, tls_context=self._tls_context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="pbxsim", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        srv = self._server
        if srv is None:
            return
        srv.shutdown()
        with srv.conns_lock:
            conns = list(srv.conns)
        for c in conns:
            try:
                # the plain socket's shutdown: SSLSocket.shutdown() would also drop the TLS state that the
                # connection's own thread may be using at this moment
                socket.socket.shutdown(c, socket.SHUT_RDWR)
            except OSError:
                pass
        srv.server_close()
        self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        host = self.host if ":" not in self.host else "[%s]" % self.host
        return "%s://%s:%d" % ("https" if self.tls else "http", host, self.port)

    # ---- log --------------------------------------------------------------------------
    def _record(self, entry):
        with self._log_lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._log.append(entry)

    @property
    def log(self):
        with self._log_lock:
            return copy.deepcopy(self._log)

    def clear_log(self):
        with self._log_lock:
            self._log = []

    # ---- faults -----------------------------------------------------------------------
    def set_faults(self, config):
        self._faults.set(config or {})

    def clear_faults(self):
        self._faults.clear()

    def faults(self):
        return self._faults.get()

    # ---- readings ---------------------------------------------------------------------
    @property
    def readings(self):
        """Every switch and its current value (a new dict)."""
        return self._api.readings.as_dict()

    @readings.setter
    def readings(self, mapping):
        """Replace: the switches named take the values given, the others their defaults."""
        self._api.set_readings(readings_mod.parse(mapping))

    def set_readings(self, **switches):
        """Merge: change the switches named, keep the others; answers the readings as they now stand."""
        self._api.set_readings(readings_mod.parse(switches, base=self._api.readings))
        return self.readings

    # ---- state ------------------------------------------------------------------------
    def reset(self):
        self._api.set_readings(self._start_readings)
        self._api.reset()
        self.clock.offset = 0.0
        with self._log_lock:
            self._log = []
            self._seq = 0
        self.clear_faults()

    def revoke_tokens(self):
        with self._api.lock:
            return self._api.account.revoke_tokens()

    def advance_clock(self, seconds):
        """Move the simulator's clock forward (token expiry, rate-limit windows)."""
        with self._api.lock:
            self.clock.advance(seconds)

    def _phone_id(self, ext_id):
        ext_id = int(ext_id)
        if ext_id not in self._api.account.phones:
            raise KeyError("no phone extension %s" % ext_id)
        return ext_id

    def phone(self, ext_id):
        with self._api.lock:
            return self._api.account.phone_view(self._phone_id(ext_id), with_secrets=True)

    def set_phone(self, ext_id, props):
        with self._api.lock:
            self._api.account.set_phone_raw(self._phone_id(ext_id), props)
            return self._api.account.phone_view(self._phone_id(ext_id), with_secrets=True)

    # ---- registrations ------------------------------------------------------------------
    def registrations(self, ext_id):
        """The phone's registrations as GET /extension/{id}/registration/ answers them now (current readings)."""
        with self._api.lock:
            return self._api.reg_info(self._phone_id(ext_id))

    def set_registration(self, ext_id, device, contact_address=None, real_address=None, registration_id=None,
                         interval=registrations_mod.DEFAULT_INTERVAL, expires_in=None, renew=True):
        """Register a device on a phone extension (no checks of the extension's status or settings).

        ``interval``: seconds between the device's renewals; ``expires_in``: seconds from now to the
        registration's expiry (default: interval, i.e. it registered just now; <= 0: an expired registration,
        lapsed that long ago); ``renew``: whether it renews itself at expiry (False: it lapses then).
        An active one supersedes the phone's expired registrations. Answers the registration as an answer
        shows it (current readings); a bad value raises ValueError, an unknown phone KeyError."""
        spec = {"device": device, "contact_address": contact_address, "real_address": real_address,
                "registration_id": registration_id, "interval": interval, "expires_in": expires_in, "renew": renew}
        spec = registrations_mod.check_spec(spec)
        with self._api.lock:
            eid = self._phone_id(ext_id)
            acc = self._api.account
            now = self.clock.now()
            reg = acc.regs.add(eid, acc.extensions[eid]["name"], spec, now)
            return registrations_mod.render(reg, now, self._api.readings)

    def clear_registration(self, ext_id, registration_id=None):
        """Remove the phone's registrations (or only registration_id) outright: no re-registration follows.
        Answers how many were removed."""
        with self._api.lock:
            return self._api.account.regs.clear(self._phone_id(ext_id), registration_id)

    def add_extension(self, **extension):
        """Add an extension as the vendor's web interface would (fields as in a seed: number or name, type,
        status, label, extension_group_id, client_id, phone): the extension as listed."""
        with self._api.lock:
            acc = self._api.account
            e = seed_mod.new_extension(self._seed, extension, set(acc.extensions))
            acc.add_extension(e)
            return dict(acc.extensions[e["id"]])

    def remove_extension(self, ext_id):
        with self._api.lock:
            self._api.account.remove_extension(int(ext_id))

    def extensions(self):
        with self._api.lock:
            acc = self._api.account
            return [dict(acc.extensions[i]) for i in acc.ext_ids]

    def set_rate_limit(self, limit=None, remaining=None, reset=None, client_id=None, app_id=None, resource=None):
        """Adjust a client's hourly window (default: the first client). Under the reading rate_limit_scope
        "application" / "resource" every window of the client is adjusted, or only the one of app_id /
        resource when given; answers the (first) adjusted window."""
        with self._api.lock:
            now = self.clock.now()
            wins = self._api.account.windows_of(client_id, app_id, resource)
            for win in wins:
                win.adjust(now, limit=limit, remaining=remaining, reset=reset)
            return wins[0].as_dict(now)

    def rate_limit(self, client_id=None, app_id=None, resource=None):
        with self._api.lock:
            return self._api.account.windows_of(client_id, app_id, resource)[0].as_dict(self.clock.now())
