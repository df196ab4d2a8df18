"""TLS for the simulator: a self-signed certificate made at test time, and the server's SSL context.

``cryptography`` (installed with ansible-core) is imported inside make_self_signed only, so that plain-HTTP
use of the simulator needs nothing beyond the standard library and PyYAML.
"""

import datetime
import ipaddress
import os
import ssl
from pathlib import Path

CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"


def make_self_signed(directory, hosts=("127.0.0.1", "localhost"), common_name="pbxsim test server"):
    """Write a self-signed certificate and its private key to ``directory`` (made if missing); answer
    ``(cert_path, key_path)`` as strings. The certificate is valid from a minute ago (so a clock a little
    behind still accepts it) for three days; ``hosts`` go in the subjectAltName, IP addresses as IP entries
    and anything else as DNS names. The key file is readable by its owner only (0600).

    Why basicConstraints CA:TRUE: the very same PEM file is the clients' CA file (``requests.get(url,
    verify=cert_path)``, ``curl --cacert``, the collection's ``ca_path``), that is a trust anchor, and a CA
    file is meant to hold CA certificates. Marked CA:TRUE with keyCertSign, it is a well-formed CA
    certificate, so it is taken wherever one is expected rather than relying on a verifier's leniency
    towards a self-signed leaf as its own anchor (which OpenSSL 3, GnuTLS, Node and Java happen to show; a
    store that takes only authorities need not). One certificate that is both CA and server spares the
    tests a CA/leaf pair.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())  # fast to make, accepted by every TLS 1.2+ client
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    alt_names = []
    for host in hosts:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    now = datetime.datetime.now(datetime.timezone.utc)
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=3))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        # strict verifiers also want a CA's key usage, and key identifiers to link issuer and subject
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False),
                       critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / CERT_FILE
    key_path = directory / KEY_FILE
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    # created 0600 so the key is never readable by others, not even for a moment; chmod for a file that existed
    fd = os.open(str(key_path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    os.chmod(str(key_path), 0o600)
    return str(cert_path), str(key_path)


def server_context(cert_path, key_path):
    """An SSL context serving ``cert_path`` with ``key_path``, TLS 1.2 at least. A missing or unreadable file,
    or one that is no PEM certificate / key (or a key that does not match), raises ValueError naming it."""
    for what, path in (("certificate", cert_path), ("key", key_path)):
        if not os.path.isfile(path):
            raise ValueError("TLS %s file not found: %s" % (what, path))
        if not os.access(path, os.R_OK):
            raise ValueError("TLS %s file not readable: %s" % (what, path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_path, key_path)
    except ssl.SSLError as exc:
        raise ValueError("cannot use TLS certificate %s with key %s: %s" % (cert_path, key_path, exc))
    return context
