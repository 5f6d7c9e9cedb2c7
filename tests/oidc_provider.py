"""A real OpenID provider for the tests (oidc-provider-mock), in a process of its own started
once per test run (per xdist worker), on a free loopback port: tests/auth/test_sso.py and
tests/browser/test_sso.py sign in through it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest


@dataclass
class Provider:
    issuer: str
    http: httpx.Client

    def person(self, **claims: Any) -> str:
        """A subject at the provider with these claims; its id."""
        sub = uuid.uuid4().hex
        assert self.http.put(f"/users/{sub}", json=claims).status_code == 204
        return sub


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def running_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """The provider, for a session-scoped fixture to yield from; stopped when it ends."""
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "oidc_provider_mock",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    http = httpx.Client(base_url=issuer, timeout=10)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if http.get("/.well-known/openid-configuration").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the OpenID provider did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield Provider(issuer, http)
    finally:
        http.close()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
