"""The stable commands: create-user, vapid-keys, worker --once."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.auth.passwords import verify_password
from coachapp.models import AuditEvent, Role, User
from tests.builders import Org


def test_create_user_makes_someone_who_can_sign_in(runner: Any, db: Session, org: Org) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "--email", "New.Rep@Example.com",
            "--name", "Nia Newrep",
            "--role", "rep",
            "--function", "msl",
            "--manager-email", org.people["manager"].email,
            "--timezone", "America/Chicago",
            "--password", "a long enough phrase",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.scalars(select(User).where(User.email == "new.rep@example.com")).one()
    assert user.role == Role.REP
    assert user.manager_id == org.people["manager"].id
    assert verify_password(user.password_hash, "a long enough phrase")
    assert user.password_hash.startswith("$argon2id$")
    assert db.scalars(select(AuditEvent).where(AuditEvent.object_id == user.id)).first()


def test_create_user_explains_bad_input(runner: Any, org: Org) -> None:
    result = runner.invoke(
        args=["create-user", "--email", "not-an-email", "--name", "X", "--role", "rep",
              "--password", "password"]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "email" in result.output
    assert "Traceback" not in result.output
    duplicate = runner.invoke(
        args=["create-user", "--email", org.people["rep"].email, "--name", "X", "--role",
              "admin", "--password", "another long phrase"]
    )  # fmt: skip
    assert duplicate.exit_code != 0
    assert "already used" in duplicate.output
    no_manager = runner.invoke(
        args=["create-user", "--email", "x@example.com", "--name", "X", "--role", "rep",
              "--password", "another long phrase"]
    )  # fmt: skip
    assert no_manager.exit_code != 0
    assert "manager" in no_manager.output.lower()


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def test_vapid_keys_are_generated_once_and_printed(
    app: Flask, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", "")
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", "")
    runner = (
        app.test_cli_runner(mix_stderr=False) if _mix_stderr_supported() else app.test_cli_runner()
    )
    first = runner.invoke(args=["vapid-keys"])
    assert first.exit_code == 0, first.output
    public = first.stdout.strip().splitlines()[-1]
    assert len(_b64decode(public)) == 65 and _b64decode(public)[0] == 4
    stored = json.loads((tmp_path / "vapid.json").read_text())
    assert len(_b64decode(stored["private_key"])) == 32
    assert (tmp_path / "vapid.json").stat().st_mode & 0o077 == 0
    again = runner.invoke(args=["vapid-keys"])
    assert again.stdout.strip().splitlines()[-1] == public


def test_vapid_keys_for_the_environment_are_printed_not_stored(
    app: Flask, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["vapid-keys", "--env"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.output.strip().splitlines())
    assert len(_b64decode(lines["VAPID_PRIVATE_KEY"])) == 32
    assert len(_b64decode(lines["VAPID_PUBLIC_KEY"])) == 65
    assert not (tmp_path / "vapid.json").exists()


def _mix_stderr_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_worker_once_runs_every_job_and_exits(runner: Any) -> None:
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    jobs = ("nudge_rules=", "push=", "purge_expired_tokens=", "purge_login_attempts=",
            "attainment_snapshots=")  # fmt: skip
    for job in jobs:
        assert job in result.output
    assert "FAILED" not in result.output


def test_dev_cert_serves_tls_that_a_phone_on_the_network_can_trust(
    app: Flask, tmp_path: Path, monkeypatch: Any
) -> None:
    """`make run TLS=1`: the certificate names localhost and the addresses given, and a
    client that trusts it completes a TLS handshake to a server using it."""
    import socket
    import ssl
    import threading

    from cryptography import x509

    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["dev-cert", "--host", "192.0.2.7"])
    assert result.exit_code == 0, result.output
    cert_path, key_path = (Path(p) for p in result.output.split())
    assert key_path.stat().st_mode & 0o077 == 0
    names = x509.load_pem_x509_certificate(
        cert_path.read_bytes()
    ).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert "localhost" in names.value.get_values_for_type(x509.DNSName)
    assert {str(a) for a in names.value.get_values_for_type(x509.IPAddress)} == {
        "127.0.0.1",
        "192.0.2.7",
    }

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_path, key_path)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_one() -> None:
        connection, _ = listener.accept()
        with server_context.wrap_socket(connection, server_side=True) as tls:
            tls.sendall(b"hello")

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    client_context = ssl.create_default_context(cafile=str(cert_path))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        client_context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.recv(5) == b"hello"
    thread.join(timeout=5)
    listener.close()
