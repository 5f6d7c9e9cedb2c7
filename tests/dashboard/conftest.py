"""The known history of tests/dashboard/history.py, a fixed clock for the pages and the API,
and signing in as anyone in it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.access_matrix import quick_password_check
from tests.conftest import HttpsClient, login
from tests.dashboard.history import NOW, History, build_history

CLOCKED_MODULES = ("coachapp.dashboard.views", "coachapp.api.cadence", "coachapp.team.views")


@pytest.fixture
def h(db: Session) -> History:
    return build_history(db)


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Pages and the API judge figures at NOW."""
    for module in CLOCKED_MODULES:
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def sign_in(
    app: Flask, client: HttpsClient, h: History, frozen_now: dt.datetime
) -> Iterator[Callable[[str], HttpsClient]]:
    """sign_in("director") gives a client of its own signed in as that person."""

    def as_person(name: str) -> HttpsClient:
        client: HttpsClient = app.test_client()  # type: ignore[assignment]
        response = login(client, h[name].email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    with quick_password_check():
        yield as_person
