"""VAPID keys that identify this server to push services (RFC 8292)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask

KEY_FILE = "vapid.json"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate_vapid_keys() -> tuple[str, str]:
    """(private, public): base64url of the raw 32-byte scalar and of the 65-byte point."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64url(private), b64url(public)


def key_file(app: Flask) -> Path:
    return Path(app.instance_path) / KEY_FILE


def load_stored_keys(app: Flask) -> tuple[str, str] | None:
    path = key_file(app)
    if not path.exists():
        return None
    stored = json.loads(path.read_text("utf-8"))
    return stored["private_key"], stored["public_key"]


def ensure_vapid_keys(app: Flask, force: bool = False) -> tuple[str, bool, str]:
    """The public key, whether it was just created, and where the pair lives.

    Keys given in the environment win; otherwise they are kept in the instance
    folder, readable by the owner only.
    """
    if app.config.get("VAPID_PRIVATE_KEY") and app.config.get("VAPID_PUBLIC_KEY") and not force:
        return app.config["VAPID_PUBLIC_KEY"], False, "the environment"
    stored = None if force else load_stored_keys(app)
    path = key_file(app)
    if stored is not None:
        return stored[1], False, str(path)
    private, public = generate_vapid_keys()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as fh:
        json.dump({"private_key": private, "public_key": public}, fh)
    return public, True, str(path)


def apply_stored_keys(app: Flask) -> None:
    """Fills VAPID_* from the instance file when the environment gave none."""
    if app.config.get("VAPID_PRIVATE_KEY"):
        return
    stored = load_stored_keys(app)
    if stored is not None:
        app.config["VAPID_PRIVATE_KEY"], app.config["VAPID_PUBLIC_KEY"] = stored


def public_key_of(app: Flask) -> str:
    """The public key browsers subscribe with ("" until keys exist)."""
    return str(app.config.get("VAPID_PUBLIC_KEY") or "")
