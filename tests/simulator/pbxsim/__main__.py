"""Command line: ``python -m pbxsim serve|generate`` (run with PYTHONPATH=tests/simulator)."""

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from .readings import parse_assignment
from .seed import DEFAULT_SEED, SeedError


def _faults_arg(value):
    if value is None:
        return None
    p = Path(value)
    text = p.read_text(encoding="utf-8") if p.is_file() else value
    return json.loads(text)


def _readings_arg(text, assignments):
    """--readings (JSON text, or a JSON/YAML file) with each --reading NAME=VALUE over it."""
    out = {}
    if text is not None:
        p = Path(text)
        if p.is_file() and p.suffix.lower() in (".yml", ".yaml"):
            import yaml
            out = yaml.safe_load(p.read_text(encoding="utf-8"))
        else:
            try:
                out = json.loads(p.read_text(encoding="utf-8") if p.is_file() else text)
            except ValueError as exc:
                raise ValueError("--readings is not JSON (nor a file): %s" % exc)
        if not isinstance(out, dict):
            raise ValueError("--readings must be a JSON object (or a file holding one)")
    for a in assignments or ():
        name, value = parse_assignment(a)
        out[name] = value
    return out


_WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def _tls_arg(args):
    """(cert_path, key_path) from --tls-cert/--tls-key, or from a certificate --tls-self-signed makes; None
    for plain HTTP. The self-signed certificate's path goes to stderr: clients need it as their CA file."""
    if args.tls_self_signed is not None:
        if args.tls_cert or args.tls_key:
            raise ValueError("--tls-self-signed cannot be combined with --tls-cert/--tls-key")
        try:
            from .tls import make_self_signed
            import cryptography  # noqa: F401  (make_self_signed imports it when called)
        except ImportError as exc:
            raise ValueError("--tls-self-signed needs the cryptography package: %s" % exc)
        hosts = ["127.0.0.1", "localhost"]
        if args.host not in hosts and args.host not in _WILDCARD_HOSTS:
            hosts.append(args.host)  # the address clients will use must be in the certificate too
        cert_path, key_path = make_self_signed(args.tls_self_signed, hosts=hosts)
        print("pbxsim: self-signed TLS certificate (use it as the CA file): %s" % cert_path, file=sys.stderr,
              flush=True)
        return cert_path, key_path
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ValueError("--tls-cert and --tls-key go together")
    if args.tls_cert:
        return args.tls_cert, args.tls_key
    return None


def cmd_serve(args):
    from .server import Simulator

    try:
        sim = Simulator(seed=args.seed, host=args.host, port=args.port, token_lifetime=args.token_lifetime,
                        rate_limit=args.rate_limit, latency_ms=args.latency_ms,
                        oauth_rate_limit=args.oauth_rate_limit, faults=_faults_arg(args.faults),
                        readings=_readings_arg(args.readings, args.reading), verbose=args.verbose,
                        tls=_tls_arg(args))
    except (SeedError, OSError, ValueError) as exc:
        print("pbxsim: %s" % exc, file=sys.stderr)
        return 2
    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        sim.start()
    except OSError as exc:
        print("pbxsim: cannot listen on %s:%s: %s" % (args.host, args.port, exc), file=sys.stderr)
        return 2
    if args.port_file:  # written before the line is printed, so either can be waited for
        tmp = Path(args.port_file + ".tmp")
        tmp.write_text("%d\n" % sim.port)
        tmp.replace(args.port_file)
    print("pbxsim listening on %s" % sim.url, flush=True)
    while not stop.wait(0.5):
        pass
    sim.stop()
    return 0


def cmd_generate(args):
    from .generator import generate, write_seed

    data = generate(args.extensions, bundles=args.bundles, random_seed=args.random_seed)
    write_seed(data, args.seed_out)
    if args.seed_out and args.seed_out != "-":
        print("pbxsim: wrote %d extensions to %s" % (len(data["extensions"]), args.seed_out), file=sys.stderr)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pbxsim", description="Cloud-PBX REST API simulator")
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="serve the API over HTTP (or HTTPS) until SIGINT/SIGTERM")
    s.add_argument("--seed", default=str(DEFAULT_SEED), help="seed file, YAML or JSON (default: the demo seed)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port")
    s.add_argument("--token-lifetime", type=int, default=3600, help="seconds")
    s.add_argument("--rate-limit", type=int, default=100000, help="hourly requests per client")
    s.add_argument("--latency-ms", type=float, default=0, help="added to every /api and /oauth request")
    s.add_argument("--oauth-rate-limit", type=int, default=20, help="token requests per second, 0 = no limit")
    s.add_argument("--faults", default=None, help="initial fault config: JSON text or a JSON file")
    s.add_argument("--readings", default=None,
                   help="readings over the seed's: JSON text, or a JSON/YAML file (see README.md, Readings)")
    s.add_argument("--reading", action="append", default=[], metavar="NAME=VALUE",
                   help="one reading (repeatable; over --readings); VALUE is JSON or a plain string, "
                        "e.g. null_sounds=true, omit_fields=vendor_example, per_page_max=20")
    s.add_argument("--port-file", default=None, help="write the port number here once listening")
    s.add_argument("--tls-cert", default=None, metavar="FILE", help="serve HTTPS: PEM certificate (chain)")
    s.add_argument("--tls-key", default=None, metavar="FILE", help="serve HTTPS: PEM private key of --tls-cert")
    s.add_argument("--tls-self-signed", default=None, metavar="DIR",
                   help="serve HTTPS with a self-signed certificate made in DIR (its path is printed on stderr)")
    s.add_argument("--verbose", action="store_true", help="log each request to stderr")
    s.set_defaults(func=cmd_serve)

    g = sub.add_parser("generate", help="write a large account seed")
    g.add_argument("--extensions", type=int, default=10000)
    g.add_argument("--bundles", type=int, default=50)
    g.add_argument("--seed-out", default=None, help=".json or .yml; default: JSON on stdout")
    g.add_argument("--random-seed", type=int, default=1)
    g.set_defaults(func=cmd_generate)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
