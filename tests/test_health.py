"""Liveness and readiness probes."""

from __future__ import annotations

from coachapp import create_app
from tests.conftest import HttpsClient


def test_healthz_needs_no_database() -> None:
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_a_reachable_database(client: HttpsClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_readyz_reports_an_unreachable_database() -> None:
    app = create_app(
        {"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"}
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
