"""Behind the TLS proxy (FORWARDED_ALLOW_IPS): HSTS only for requests that came over TLS,
believed from the trusted proxy alone (gunicorn with its production config, for real), and
each person's own address for sign-in throttling and the audit trail."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import create_app
from coachapp.config import ConfigError
from coachapp.models import AuditEvent
from coachapp.proxy import client_address, trusted_networks
from tests.builders import PASSWORD, Org
from tests.conftest import CSRF_META, HttpsClient, settings_for

ROOT = Path(__file__).resolve().parent.parent
LOCAL = trusted_networks("127.0.0.1,::1")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "client"),
    [
        ("127.0.0.1", "203.0.113.9", LOCAL, "203.0.113.9"),
        ("127.0.0.1", "", LOCAL, "127.0.0.1"),
        # Everything left of the last untrusted hop may be made up by the client.
        ("127.0.0.1", "198.51.100.1, 203.0.113.9", LOCAL, "203.0.113.9"),
        # A chain of trusted proxies: the first address none of them is.
        ("10.0.0.2", "203.0.113.9, 10.0.0.1", trusted_networks("10.0.0.0/8"), "203.0.113.9"),
        # Anyone else's claim is not believed.
        ("198.51.100.7", "203.0.113.9", LOCAL, "198.51.100.7"),
        ("127.0.0.1", "not an address", LOCAL, "127.0.0.1"),
        ("127.0.0.1", "203.0.113.9, junk", LOCAL, "127.0.0.1"),
        ("127.0.0.1", "::1, 2001:db8::5", LOCAL, "2001:db8::5"),
        ("198.51.100.7", "203.0.113.9", None, "203.0.113.9"),  # "*"
    ],
)
def test_the_client_address_is_believed_from_trusted_proxies_only(
    peer: str, forwarded_for: str, trusted: object, client: str
) -> None:
    assert client_address(peer, forwarded_for, trusted) == client  # type: ignore[arg-type]


def test_a_malformed_proxy_list_refuses_to_start(database_url: str) -> None:
    with pytest.raises(ConfigError, match="FORWARDED_ALLOW_IPS"):
        create_app(settings_for(database_url, FORWARDED_ALLOW_IPS="10.0.0.0/33"))


def sign_in_from(client: HttpsClient, email: str, password: str, address: str, peer: str) -> int:
    token = client.csrf_token()
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers={"X-Forwarded-For": address},
        environ_base={"REMOTE_ADDR": peer},
    )
    return int(response.status_code)


def test_wrong_guesses_through_the_proxy_lock_out_only_their_sender(
    client: HttpsClient, org: Org, db: Session
) -> None:
    """Everyone comes through the same proxy: one person's failures must not lock others out
    of someone's account, and the audit trail keeps who signed in from where."""
    email = org.people["rep"].email
    for _ in range(5):
        assert sign_in_from(client, email, "wrong", "203.0.113.5", "127.0.0.1") == 401
    assert sign_in_from(client, email, PASSWORD, "203.0.113.5", "127.0.0.1") == 429
    other = client.application.test_client()
    assert sign_in_from(other, email, PASSWORD, "203.0.113.6", "127.0.0.1") == 302  # type: ignore[arg-type]


def test_a_client_cannot_dodge_the_throttle_by_claiming_other_addresses(
    client: HttpsClient, org: Org
) -> None:
    email = org.people["rep"].email
    for n in range(5):
        assert sign_in_from(client, email, "wrong", f"203.0.113.{n}", "198.51.100.7") == 401
    assert sign_in_from(client, email, PASSWORD, "203.0.113.99", "198.51.100.7") == 429


def test_the_audit_trail_records_the_persons_address(
    client: HttpsClient, org: Org, db: Session
) -> None:
    through_proxy = {"X-Forwarded-For": "203.0.113.7"}
    page = client.get("/login", headers=through_proxy).get_data(as_text=True)
    token = CSRF_META.search(page).group(1)  # type: ignore[union-attr]
    signed_in = client.post(
        "/login",
        data={"email": org.people["admin"].email, "password": PASSWORD, "csrf_token": token},
        headers=through_proxy,
    )
    assert signed_in.status_code == 302
    page = client.get("/admin/users", headers=through_proxy).get_data(as_text=True)
    token = CSRF_META.search(page).group(1)  # type: ignore[union-attr]
    done = client.post(
        f"/admin/users/{org.people['rep'].id}/active",
        data={"active": "0", "csrf_token": token},
        headers=through_proxy,
    )
    assert done.status_code == 302 and done.headers["Location"] == "/admin/users"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.deactivate")).one()
    assert event.ip == "203.0.113.7"


# gunicorn with config/gunicorn.conf.py, as in production ----------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(tmp_path: Path, forwarded_allow_ips: str) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
        "FORWARDED_ALLOW_IPS": forwarded_allow_ips,
        "SECRET_KEY": "a-production-like-secret-key-of-enough-length",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'proxy.sqlite3'}",
    }
    env.pop("COACHAPP_CONFIG", None)
    log = (tmp_path / f"gunicorn-{port}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "config/gunicorn.conf.py",
            "--no-control-socket",  # another gunicorn on this machine may hold the default
            "coachapp:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5).close()  # noqa: S310
                break
            except OSError:  # not listening yet, or the worker still loading the app
                assert process.poll() is None, (tmp_path / f"gunicorn-{port}.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def hsts(base: str, **headers: str) -> str | None:
    request = urllib.request.Request(f"{base}/healthz", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return response.headers.get("Strict-Transport-Security")


def test_gunicorn_believes_https_from_the_trusted_proxy_only(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "127.0.0.1") as base:
        assert hsts(base) is None  # plain http: never
        assert hsts(base, **{"X-Forwarded-Proto": "https"}) == (
            "max-age=31536000; includeSubDomains"
        )
        assert hsts(base, **{"X-Forwarded-Proto": "http"}) is None
    # The proxy is elsewhere: the same header from this address is not believed.
    with gunicorn(tmp_path, "10.20.30.40") as base:
        assert hsts(base, **{"X-Forwarded-Proto": "https"}) is None
