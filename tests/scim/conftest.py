"""A SCIM client for the app: scim2-client's WSGI engine calls the app in-process, inside the
test's transaction, with a token made as `scim-token` makes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from scim2_client.engines.wsgi import WSGISCIMClient
from sqlalchemy.orm import Session

from coachapp.scim.tokens import issue_scim_token

BASE = "https://localhost/scim/v2"


@pytest.fixture
def scim_token(app: Flask, db: Session) -> str:
    with app.app_context():
        token, _ = issue_scim_token(db, "test directory")
    return token


@pytest.fixture
def scim(app: Flask, scim_token: str) -> Iterator[WSGISCIMClient]:
    """A discovered client, as a directory would use it."""
    client = WSGISCIMClient(app, base_url=BASE, headers={"Authorization": f"Bearer {scim_token}"})
    client.discover()
    yield client


@pytest.fixture
def directory(client: Any, scim_token: str) -> Any:
    """The test client with the token: raw requests, to check exact answers."""

    class Directory:
        headers = {"Authorization": f"Bearer {scim_token}"}

        def __getattr__(self, method: str) -> Any:
            def call(path: str, **kw: Any) -> Any:
                headers = {**self.headers, **kw.pop("headers", {})}
                return getattr(client, method)(f"/scim/v2{path}", headers=headers, **kw)

            return call

    return Directory()
