"""Push endpoints cannot make the server call internal hosts: every IPv4 and IPv6 form of a
private address is refused when a subscription is posted, and the connection that pushes
resolves the host once, checks what it got and connects to that address only, so a name
that answers differently the second time (DNS rebinding) reaches nothing private."""

from __future__ import annotations

import datetime as dt
import errno
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.auth.service import issue_api_token
from coachapp.models import PushSubscription
from coachapp.nudges.delivery import OK, PERMANENT, TRANSIENT, Job, Pusher, PushSettings
from coachapp.nudges.endpoints import EndpointRefused, check_endpoint
from coachapp.nudges.vapid import generate_vapid_keys
from tests.api.helpers import assert_error_shape, bearer
from tests.builders import Org
from tests.conftest import HttpsClient
from tests.push_service import PushService

SUBSCRIPTIONS = "/api/v1/push-subscriptions"
HOST = "push.example.test"  # answered by the tests' resolver only
PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:4700::1111"

# Addresses no push may go to, and what the refusal names. Each is tried as the URL's host
# and as what a name resolves to.
REFUSED = [
    ("64:ff9b::a00:1", "NAT64: 10.0.0.1"),
    ("64:ff9b::a9fe:a9fe", "NAT64: 169.254.169.254"),  # cloud metadata, through NAT64
    ("64:ff9b::5db8:d822", "NAT64: 93.184.216.34"),  # even a public one: no push service
    ("64:ff9b:1::a00:1", "local-use NAT64"),
    ("::a00:1", "IPv4-compatible: 10.0.0.1"),
    ("::ffff:10.0.0.1", "IPv4-mapped: 10.0.0.1"),
    ("::ffff:169.254.169.254", "IPv4-mapped: 169.254.169.254"),
    ("::ffff:127.0.0.1", "IPv4-mapped: 127.0.0.1"),
    ("::ffff:0:a00:1", "IPv4-translated: 10.0.0.1"),
    ("2002:a00:1::", "6to4: 10.0.0.1"),
    ("2002:a9fe:a9fe::1", "6to4: 169.254.169.254"),
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "Teredo: 65.54.227.120, 10.0.0.1"),
    ("fec0::1", "private, local or reserved IPv6"),  # site-local (deprecated)
    ("fd00::1", "private, local or reserved IPv6"),  # unique local
    ("fe80::1", "private, local or reserved IPv6"),  # link-local
    ("ff02::1", "private, local or reserved IPv6"),  # multicast
    ("100::1", "private, local or reserved IPv6"),  # discard-only
    ("2001:db8::1", "private, local or reserved IPv6"),  # documentation
    ("::1", "loopback or unspecified IPv6"),
    ("::", "loopback or unspecified IPv6"),
    ("127.0.0.1", "private, reserved or multicast IPv4"),
    ("10.0.0.1", "private, reserved or multicast IPv4"),
    ("172.16.0.1", "private, reserved or multicast IPv4"),
    ("192.168.1.1", "private, reserved or multicast IPv4"),
    ("169.254.169.254", "private, reserved or multicast IPv4"),
    ("100.64.0.1", "private, reserved or multicast IPv4"),  # carrier-grade NAT
    ("0.0.0.0", "private, reserved or multicast IPv4"),  # noqa: S104 - refused, not bound
    ("198.18.0.1", "private, reserved or multicast IPv4"),  # benchmarking
    ("224.0.0.1", "private, reserved or multicast IPv4"),
]
ALLOWED = [PUBLIC_V4, "8.8.8.8", PUBLIC_V6, "2a00:1450:4001:82b::200a", "2001:4860:4860::8888"]


def url_for_address(address: str, path: str = "/push/x") -> str:
    host = f"[{address}]" if ":" in address else address
    return f"https://{host}{path}"


# A resolver the tests control ------------------------------------------------------------


@dataclass
class Resolver:
    """Stands in for DNS: `answers[host]` is what each lookup of that host gives in turn
    (the last one again once they run out); other hosts resolve as usual."""

    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)  # names whose lookup fails

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in self.failing:
            self.lookups.append(name)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if name not in self.answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        self.lookups.append(name)
        turn = min(self.lookups.count(name), len(self.answers[name])) - 1
        infos = []
        for address in self.answers[name][turn]:
            if ipaddress.ip_address(address).version == 6:
                infos.append(
                    (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, int(port), 0, 0))
                )
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port))))
        return infos


REAL_GETADDRINFO = socket.getaddrinfo
REAL_CONNECT = socket.socket.connect


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@dataclass
class Network:
    """Stands in for the internet: a connection to a public address in `routes` reaches the
    local server named there; `unreachable` addresses fail as a host without IPv6 does; the
    rest connect as usual. `attempts` lists every address a socket connected to."""

    routes: dict[str, tuple[str, int]] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)
    attempts: list[str] = field(default_factory=list)

    def connect(self, sock: socket.socket, address: Any) -> None:
        host = str(address[0])
        self.attempts.append(host)
        if host in self.unreachable:
            raise OSError(errno.ENETUNREACH, "Network is unreachable")
        REAL_CONNECT(sock, self.routes.get(host, address))


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Network:
    fake = Network()
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: fake.connect(sock, address))
    return fake


# The check, address by address ------------------------------------------------------------


@pytest.mark.parametrize(("address", "named"), REFUSED)
def test_an_endpoint_on_a_private_address_in_any_form_is_refused(address: str, named: str) -> None:
    with pytest.raises(EndpointRefused, match="must be on a public address") as refused:
        check_endpoint(url_for_address(address), allow_private=False)
    assert named in str(refused.value)


@pytest.mark.parametrize(("address", "named"), REFUSED)
def test_an_endpoint_whose_name_resolves_to_a_private_address_is_refused(
    resolver: Resolver, address: str, named: str
) -> None:
    resolver.answers[HOST] = [[address]]
    with pytest.raises(EndpointRefused, match="resolves to a private one"):
        check_endpoint(f"https://{HOST}/push/x", allow_private=False)


def test_a_name_with_one_private_address_among_public_ones_is_refused(resolver: Resolver) -> None:
    resolver.answers[HOST] = [[PUBLIC_V4, PUBLIC_V6, "::ffff:10.0.0.1"]]
    with pytest.raises(EndpointRefused):
        check_endpoint(f"https://{HOST}/push/x", allow_private=False)


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_accepted(resolver: Resolver, address: str) -> None:
    assert check_endpoint(url_for_address(address), allow_private=False)
    resolver.answers[HOST] = [[address]]
    assert check_endpoint(f"https://{HOST}/push/x", allow_private=False)


# The request a signed-in user would send ------------------------------------------------


@pytest.fixture
def post_subscription(
    app: Flask, client: HttpsClient, db: Session, org: Org
) -> Callable[[str], Any]:
    with app.app_context():
        token, _ = issue_api_token(db, org.people["rep"])
    _private, public = generate_vapid_keys()

    def post(endpoint: str) -> Any:
        body = {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": public, "auth": "tBHItJI5svbpez7KI4CCXg"},
        }
        return client.post(SUBSCRIPTIONS, json=body, headers=bearer(token))

    return post


@pytest.mark.parametrize(("address", "named"), REFUSED)
def test_posting_a_subscription_at_a_private_address_is_refused(
    post_subscription: Callable[[str], Any],
    db: Session,
    app: Flask,
    address: str,
    named: str,
) -> None:
    assert not app.config.get("PUSH_ALLOW_PRIVATE_ENDPOINTS")
    response = post_subscription(url_for_address(address, "/latest/meta-data"))
    error = assert_error_shape(response, 422)
    assert error["message"].startswith("The endpoint must be on a public address.")
    assert named in error["message"]
    assert error["fields"]["endpoint"] == [error["message"]]
    assert db.scalars(select(PushSubscription)).all() == []


def test_posting_a_subscription_whose_name_resolves_privately_is_refused(
    post_subscription: Callable[[str], Any], resolver: Resolver, db: Session
) -> None:
    resolver.answers[HOST] = [["64:ff9b::a9fe:a9fe"]]
    error = assert_error_shape(post_subscription(f"https://{HOST}/push/x"), 422)
    assert "resolves to a private one" in error["message"]
    assert db.scalars(select(PushSubscription)).all() == []


# The connection that pushes ---------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca_file: Path
    server: ssl.SSLContext


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A CA the test trusts and a certificate it signed for HOST (and for nothing else)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test push CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("push-tls")
    ca_file, chain, key_file = folder / "ca.pem", folder / "chain.pem", folder / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(chain, key_file)
    return Certificates(ca_file, server)


@pytest.fixture
def tls_service(certificates: Certificates) -> Iterator[PushService]:
    """The local push service over TLS, its endpoints named HOST."""
    with PushService(tls=certificates.server, host_name=HOST) as running:
        yield running


class Listener:
    """A private service on 127.0.0.2 that counts the connections it is offered."""

    def __init__(self, port: int) -> None:
        self.accepted = 0
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.2", port))
        self._socket.listen(8)
        self._socket.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


@pytest.fixture
def private_listener(tls_service: PushService) -> Iterator[Listener]:
    listener = Listener(tls_service.port)
    yield listener
    listener.close()


@pytest.fixture
def pusher(certificates: Certificates, monkeypatch: pytest.MonkeyPatch) -> Pusher:
    """A pusher with private endpoints off, trusting the test CA (as a deployment trusts a
    private one: requests reads the bundle from the environment, before the session's own)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificates.ca_file))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    private, _public = generate_vapid_keys()
    return Pusher(PushSettings(private, "mailto:test@example.com", timeout=3.0))


def job_for(service: PushService, name: str) -> Job:
    subscription = service.subscription(name)
    return Job(
        notification_id=1, subscription_id=1, endpoint=subscription["endpoint"],
        p256dh=subscription["keys"]["p256dh"], auth=subscription["keys"]["auth"],
        payload=json.dumps({"id": 1}).encode(), ttl=60, urgency="normal", topic="t",
        attempt=1,
    )  # fmt: skip


def test_a_name_rebound_to_a_private_address_after_the_check_is_not_reached(
    pusher: Pusher,
    tls_service: PushService,
    private_listener: Listener,
    resolver: Resolver,
    network: Network,
) -> None:
    """The name answers a public address to the first lookup and 127.0.0.2 to every later
    one. The push is resolved once, goes to the public address it checked (which the test's
    network routes to the push service) with the name as TLS server name, certificate name
    and Host, and nothing ever connects to the private listener."""
    resolver.answers[HOST] = [[PUBLIC_V4], ["127.0.0.2"]]
    network.routes[PUBLIC_V4] = ("127.0.0.1", tls_service.port)

    outcome = pusher.send(job_for(tls_service, "phone"))

    assert outcome.result == OK, outcome
    assert resolver.lookups == [HOST]
    assert network.attempts == [PUBLIC_V4]
    assert private_listener.accepted == 0
    [received] = tls_service.to("phone")
    assert received.headers["host"] == f"{HOST}:{tls_service.port}"
    assert received.payload == {"id": 1}
    assert tls_service.server_names == [HOST]
    assert tls_service.problems == []


def test_each_new_connection_checks_what_its_own_lookup_gave(
    pusher: Pusher,
    tls_service: PushService,
    private_listener: Listener,
    resolver: Resolver,
    network: Network,
) -> None:
    """A second push after the name has turned private (on a new connection: the first was
    closed) is refused before anything connects."""
    resolver.answers[HOST] = [[PUBLIC_V4], ["127.0.0.2"]]
    network.routes[PUBLIC_V4] = ("127.0.0.1", tls_service.port)
    assert pusher.send(job_for(tls_service, "phone")).result == OK
    pusher.http().close()

    outcome = pusher.send(job_for(tls_service, "phone"))

    assert outcome.result == PERMANENT and "resolves to a private one" in (outcome.error or "")
    assert resolver.lookups == [HOST, HOST]
    assert network.attempts == [PUBLIC_V4]
    assert private_listener.accepted == 0


@pytest.mark.parametrize("address", ["64:ff9b::7f00:2", "::ffff:127.0.0.2", "127.0.0.2"])
def test_a_push_to_a_name_that_resolves_privately_connects_nowhere(
    pusher: Pusher,
    tls_service: PushService,
    private_listener: Listener,
    resolver: Resolver,
    network: Network,
    address: str,
) -> None:
    resolver.answers[HOST] = [[PUBLIC_V4, address]]

    outcome = pusher.send(job_for(tls_service, "phone"))

    assert outcome.result == PERMANENT and "resolves to a private one" in (outcome.error or "")
    assert resolver.lookups == [HOST]
    assert network.attempts == []
    assert private_listener.accepted == 0 and tls_service.received == []


def test_an_unreachable_ipv6_address_falls_back_to_the_next_checked_one(
    pusher: Pusher, tls_service: PushService, resolver: Resolver, network: Network
) -> None:
    resolver.answers[HOST] = [[PUBLIC_V6, PUBLIC_V4]]
    network.unreachable.add(PUBLIC_V6)
    network.routes[PUBLIC_V4] = ("127.0.0.1", tls_service.port)

    outcome = pusher.send(job_for(tls_service, "phone"))

    assert outcome.result == OK, outcome
    assert network.attempts == [PUBLIC_V6, PUBLIC_V4]
    assert resolver.lookups == [HOST]


def test_a_proxy_in_the_environment_is_not_used_for_pushes(
    pusher: Pusher,
    tls_service: PushService,
    resolver: Resolver,
    network: Network,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A proxy would resolve the name itself, past the check: pushes go direct."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.2:3128")
    resolver.answers[HOST] = [[PUBLIC_V4]]
    network.routes[PUBLIC_V4] = ("127.0.0.1", tls_service.port)

    outcome = pusher.send(job_for(tls_service, "phone"))

    assert outcome.result == OK, outcome
    assert network.attempts == [PUBLIC_V4]


def test_a_certificate_for_another_name_is_refused(
    pusher: Pusher, tls_service: PushService, resolver: Resolver, network: Network
) -> None:
    """The checked address is connected to, but TLS still verifies the endpoint's name: an
    endpoint named differently from the certificate fails (and is tried again later)."""
    other = "other.example.test"
    resolver.answers[other] = [[PUBLIC_V4]]
    network.routes[PUBLIC_V4] = ("127.0.0.1", tls_service.port)
    job = job_for(tls_service, "phone")
    job = Job(**{**job.__dict__, "endpoint": job.endpoint.replace(HOST, other)})

    outcome = pusher.send(job)

    assert outcome.result == TRANSIENT and "certificate" in (outcome.error or "").lower()
    assert tls_service.server_names == [other] and tls_service.received == []


def test_a_name_that_does_not_resolve_now_is_tried_again_later(
    pusher: Pusher, tls_service: PushService, resolver: Resolver, network: Network
) -> None:
    """A resolver failing for a moment is not the endpoint's fault: the push is retried."""
    resolver.failing.add(HOST)

    outcome = pusher.send(job_for(tls_service, "phone"))

    assert outcome.result == TRANSIENT, outcome
    assert resolver.lookups == [HOST] and network.attempts == []
