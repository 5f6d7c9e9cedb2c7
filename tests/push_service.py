"""A local Web Push service for tests and benchmarks: it checks what a real one would.

Every POST to ``/push/<id>`` is recorded, its VAPID ``Authorization`` header verified
(RFC 8292: an ES256 JWT signed by the ``k`` key, for this origin, expiring within 24 h)
and its aes128gcm body decrypted (RFC 8291) with the keys of the subscription the service
handed out. Like a push service that follows the standards to the letter, it refuses a push
without ``Content-Type: application/octet-stream`` with 400 and says why in the body. Per
endpoint it answers 201, or any status it is told to (with Retry-After and a body), answers
late (past the sender's timeout), or holds requests until released.

    with PushService() as service:
        subscription = service.subscription("phone")  # like PushSubscription.toJSON()
        service.answer("phone", 410)
        ...
        assert service.problems == []
        assert service.delivered[notification_id] == 1
"""

from __future__ import annotations

import base64
import json
import os
import select
import socket
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

MAX_JWT_LIFETIME = 24 * 3600
CONTENT_TYPE = "application/octet-stream"  # RFC 8030 §5: the push message is opaque bytes
NO_CONTENT_TYPE = "Content-Type must be application/octet-stream"
HOLD_LIMIT_SECONDS = 120.0  # a held request gives up eventually, so the service can stop


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class Device:
    """The browser's side of one subscription: the keys that decrypt its pushes."""

    key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return b64url(point)


@dataclass
class Behaviour:
    """How the service answers one endpoint."""

    status: int = 201
    retry_after: str | None = None
    location: str | None = None
    delay: float = 0.0  # seconds to wait before answering (to outlast the sender's timeout)
    body: bytes = b""


@dataclass
class Received:
    """One POST as it arrived, and what the service made of it."""

    endpoint_id: str
    headers: dict[str, str]
    body: bytes
    at: float
    claims: dict[str, Any] | None = None
    vapid_key: str | None = None
    payload: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    status: int | None = None  # what the service answered; None: it never answered

    @property
    def notification_id(self) -> int | None:
        return int(self.payload["id"]) if self.payload and "id" in self.payload else None


class PushService:
    """A threaded HTTP push service on 127.0.0.1 (a free port); over TLS when given a server
    context, named `host_name` in its endpoints (the test resolves that name)."""

    def __init__(self, tls: ssl.SSLContext | None = None, host_name: str | None = None) -> None:
        self.devices: dict[str, Device] = {}
        self.behaviours: dict[str, Behaviour] = {}
        self.received: list[Received] = []
        self.delivered: Counter[int] = Counter()  # notification id -> 201 answers
        self.abandoned: list[Received] = []  # held or late, and the sender had gone
        self.connections = 0  # connections senders opened (keep-alive ones carry many pushes)
        self._lock = threading.Lock()
        self._held = threading.Event()
        self._held.set()  # set: nothing is held
        self._let_through: int | None = None  # while holding: requests still answered
        self._holding = 0
        self.server_names: list[str | None] = []  # the TLS server name each sender asked for
        self._tls = tls
        self._host_name = host_name
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.push_service = self
        if tls is not None:
            tls.sni_callback = self._sni
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread: threading.Thread | None = None

    # Running ---------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{self._host_name or host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def _sni(self, _socket: Any, server_name: str | None, _context: Any) -> None:
        with self._lock:
            self.server_names.append(server_name)

    def start(self) -> PushService:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits for the next poll
            name="push-service",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> PushService:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # Subscriptions and behaviour ---------------------------------------------------------

    def endpoint(self, endpoint_id: str) -> str:
        return f"{self.origin}/push/{endpoint_id}"

    def subscription(self, endpoint_id: str) -> dict[str, Any]:
        """A subscription like the browser's PushSubscription.toJSON(), with fresh keys."""
        with self._lock:
            device = self.devices.get(endpoint_id)
            if device is None:
                device = Device(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
                self.devices[endpoint_id] = device
        return {
            "endpoint": self.endpoint(endpoint_id),
            "expirationTime": None,
            "keys": {"p256dh": device.p256dh, "auth": b64url(device.auth)},
        }

    def answer(
        self,
        endpoint_id: str,
        status: int = 201,
        *,
        retry_after: str | None = None,
        location: str | None = None,
        delay: float = 0.0,
        body: bytes = b"",
    ) -> None:
        """From now on, answer this endpoint so (201 and no delay: the default)."""
        with self._lock:
            self.behaviours[endpoint_id] = Behaviour(status, retry_after, location, delay, body)

    def hold(self, after: int = 0) -> None:
        """Let `after` more requests through, then hold every request until `release()`."""
        with self._lock:
            self._let_through = after
            self._held.clear()

    def release(self) -> None:
        """Stop holding; held requests whose sender is still there get their answer."""
        with self._lock:
            self._let_through = None
            self._held.set()

    @property
    def holding(self) -> int:
        """Requests waiting for `release()` now."""
        with self._lock:
            return self._holding

    # What arrived --------------------------------------------------------------------------

    @property
    def problems(self) -> list[str]:
        """Everything a real push service would have refused (bad JWT, undecryptable body)."""
        with self._lock:
            return [f"{r.endpoint_id}: {p}" for r in self.received for p in r.problems]

    def to(self, endpoint_id: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.endpoint_id == endpoint_id]

    def answered(self, endpoint_id: str, status: int = 201) -> list[Received]:
        return [r for r in self.to(endpoint_id) if r.status == status]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "received": len(self.received),
                "delivered": {str(k): v for k, v in self.delivered.items()},
                "abandoned": len(self.abandoned),
                "problems": [p for r in self.received for p in r.problems],
            }

    # Handling one request ----------------------------------------------------------------

    def _receive(self, endpoint_id: str, headers: dict[str, str], body: bytes) -> Received:
        received = Received(endpoint_id, headers, body, time.time())
        if headers.get("content-type") != CONTENT_TYPE:
            received.problems.append(f"{NO_CONTENT_TYPE} (got {headers.get('content-type')!r})")
        self._verify_vapid(received)
        self._decrypt(received)
        with self._lock:
            self.received.append(received)
        return received

    def _verify_vapid(self, received: Received) -> None:
        problems = received.problems
        authorization = received.headers.get("authorization", "")
        scheme, _, params = authorization.partition(" ")
        values = dict(
            part.strip().split("=", 1) for part in params.split(",") if "=" in part.strip()
        )
        if scheme.lower() != "vapid" or "t" not in values or "k" not in values:
            problems.append(f"no VAPID authorization: {authorization!r}")
            return
        token, key = values["t"], values["k"]
        received.vapid_key = key
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            signature = b64url_decode(signature_b64)
            public = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64url_decode(key)
            )
        except ValueError as exc:
            problems.append(f"unreadable VAPID token: {exc}")
            return
        if header.get("alg") != "ES256" or len(signature) != 64:
            problems.append(f"not an ES256 JWT: {header}")
            return
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            problems.append("the JWT's signature does not match k")
            return
        received.claims = claims
        now = time.time()
        if claims.get("aud") != self.origin:
            problems.append(f"aud {claims.get('aud')!r} is not {self.origin!r}")
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp <= now:
            problems.append(f"exp {exp!r} is not in the future")
        elif exp > now + MAX_JWT_LIFETIME:
            problems.append(f"exp {exp!r} is more than 24 h ahead")
        if not claims.get("sub"):
            problems.append("no sub claim")

    def _decrypt(self, received: Received) -> None:
        device = self.devices.get(received.endpoint_id)
        if device is None:
            received.problems.append("no such subscription")
            return
        if received.headers.get("content-encoding") != "aes128gcm":
            received.problems.append(
                f"content-encoding {received.headers.get('content-encoding')!r}"
            )
            return
        try:
            plain = http_ece.decrypt(
                received.body, private_key=device.key, auth_secret=device.auth,
                version="aes128gcm",
            )  # fmt: skip
            received.payload = json.loads(plain)
        except Exception as exc:  # any failure to decrypt is what the test wants to see
            received.problems.append(f"cannot decrypt: {type(exc).__name__}: {exc}")

    def _behaviour(self, endpoint_id: str) -> Behaviour:
        with self._lock:
            return self.behaviours.get(endpoint_id) or Behaviour()

    def _must_hold(self) -> bool:
        with self._lock:
            if self._let_through is None:
                return False
            if self._let_through > 0:
                self._let_through -= 1
                return False
            self._holding += 1
            return True

    def _wait_for_release(self) -> None:
        self._held.wait(HOLD_LIMIT_SECONDS)
        with self._lock:
            self._holding -= 1

    def _settle(self, received: Received, status: int, sender_there: bool) -> bool:
        """Records the answer; False when there is no one left to answer."""
        with self._lock:
            if not sender_there:
                self.abandoned.append(received)
                return False
            received.status = status
            if status == 201 and received.notification_id is not None:
                self.delivered[received.notification_id] += 1
            return True

    def _unsettle(self, received: Received) -> None:
        """The answer could not be written: the sender never heard it."""
        with self._lock:
            if received.status == 201 and received.notification_id is not None:
                self.delivered[received.notification_id] -= 1
                if not self.delivered[received.notification_id]:
                    del self.delivered[received.notification_id]
            self.abandoned.append(received)


def _sender_gone(connection: socket.socket) -> bool:
    """True when the sender closed the connection (gave up, or its process died)."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except ValueError:  # TLS sockets cannot peek: assume the sender is still there
        return False
    except OSError:
        return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256  # many senders connect at once; the default 5 drops SYNs
    push_service: PushService


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real push services
    server: _Server

    def setup(self) -> None:
        super().setup()
        service: PushService = self.server.push_service
        with service._lock:
            service.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the test reads `received` instead

    def do_GET(self) -> None:
        service: PushService = self.server.push_service
        if self.path == "/stats":
            self._reply(200, json.dumps(service.stats()).encode())
        elif self.path.startswith("/subscriptions/"):
            endpoint_id = self.path.removeprefix("/subscriptions/")
            self._reply(200, json.dumps(service.subscription(endpoint_id)).encode())
        else:
            self._reply(404)

    def do_POST(self) -> None:
        service: PushService = self.server.push_service
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.path.startswith("/push/"):
            self._reply(404)
            return
        endpoint_id = self.path.removeprefix("/push/")
        headers = {name.lower(): value for name, value in self.headers.items()}
        received = service._receive(endpoint_id, headers, body)
        behaviour = service._behaviour(endpoint_id)
        status, answer = behaviour.status, behaviour.body
        if received.problems:
            refused = received.problems[0]
            status = 400 if refused.startswith(NO_CONTENT_TYPE) else 403
            answer = refused.encode()
        if service._must_hold():
            service._wait_for_release()
        if behaviour.delay:
            time.sleep(behaviour.delay)
        # Checked on every request, held or not: a request can reach this thread after its
        # sender died (sent just before, read just after a release).
        there = not _sender_gone(self.connection)
        if not service._settle(received, status, there):
            self.close_connection = True
            return
        extra = {}
        if behaviour.retry_after is not None:
            extra["Retry-After"] = behaviour.retry_after
        if behaviour.location is not None:
            extra["Location"] = behaviour.location
        try:
            self._reply(status, answer, headers=extra)
        except OSError:  # the sender went between the check and the answer: nobody heard it
            service._unsettle(received)
            self.close_connection = True

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status == 201:
            self.send_header("Location", f"/messages/{time.time_ns()}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
