"""The development server of `make run`: a self-signed certificate for trying it on a phone
over the local network, and waiting until it answers before printing its URL.

Secure cookies and the service worker need a secure context: localhost is one, a plain-http
address on the local network is not. Development only; production sits behind a real TLS proxy.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CERT_NAME = "dev-cert.pem"
KEY_NAME = "dev-key.pem"
VALID_DAYS = 30


def _subject_names(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    for host in dict.fromkeys(h.strip() for h in hosts if h.strip()):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def write_dev_certificate(folder: Path, hosts: list[str]) -> tuple[Path, Path]:
    """Writes a new key and a certificate for `hosts` (names or addresses) into `folder`,
    valid for 30 days; the key file is readable by its owner only."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Coachapp development")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_subject_names(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / CERT_NAME, folder / KEY_NAME
    key_path.touch(mode=0o600, exist_ok=True)
    key_path.chmod(0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def wait_until_answering(url: str, seconds: float = 60.0) -> bool:
    """True once `url` answers (any certificate accepted: it is our own, self-signed)."""
    import ssl
    import time
    import urllib.request

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            # nosec B310: the URL is the local health check that make run builds.
            with urllib.request.urlopen(url, timeout=2, context=context):  # noqa: S310  # nosec B310
                return True
        except OSError:
            time.sleep(0.2)
    return False


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--wait":
        if not wait_until_answering(sys.argv[2]):
            print(
                f"The app did not answer at {sys.argv[2]}; see instance/web.log.", file=sys.stderr
            )
            sys.exit(1)
        sys.exit(0)
    print("usage: python -m coachapp.devserver --wait URL", file=sys.stderr)
    sys.exit(2)
