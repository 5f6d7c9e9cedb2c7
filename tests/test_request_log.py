"""Every request leaves one JSON log line with its request id, which the answer echoes."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from flask import g

from coachapp.request_log import signed_in_user_id
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "coachapp.request"
    ]


@pytest.fixture
def request_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="coachapp.request")
    return caplog


def test_an_anonymous_request_is_logged_with_a_new_id(
    client: HttpsClient, request_log: pytest.LogCaptureFixture
) -> None:
    response = client.get("/login?next=/people/secret-search")
    request_id = response.headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(request_id)
    [line] = request_lines(request_log)
    assert line["event"] == "request"
    assert line["request_id"] == request_id
    assert line["method"] == "GET"
    assert line["path"] == "/login"  # never the query string
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] is None


def test_each_request_gets_its_own_id(client: HttpsClient) -> None:
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_the_proxys_request_id_is_kept(
    client: HttpsClient, request_log: pytest.LogCaptureFixture
) -> None:
    given = "3f2a9c1e-77b0-4d55-9d0e-0c1b2a3d4e5f"
    response = client.get("/healthz", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] == given
    assert request_lines(request_log)[0]["request_id"] == given


@pytest.mark.parametrize(
    "given",
    [
        "short",
        "x" * 129,
        "abc def ghi",
        'abcdefgh"}{"user_id":1',
        "abcdefgh\\nforged",
        "ünïcödé-request",
    ],
)
def test_a_request_id_that_is_not_an_id_is_replaced(
    client: HttpsClient, request_log: pytest.LogCaptureFixture, given: str
) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": given})
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])
    assert given not in request_log.text


def test_a_signed_in_request_names_the_user(
    login_as: Any, org: Org, request_log: pytest.LogCaptureFixture
) -> None:
    client = login_as("manager")
    request_log.clear()
    client.get("/me")
    [line] = request_lines(request_log)
    assert line["user_id"] == org.people["manager"].id
    assert line["status"] == 200


def test_an_api_call_names_the_tokens_user(
    client: HttpsClient, org: Org, request_log: pytest.LogCaptureFixture
) -> None:
    token = client.post(
        "/api/v1/tokens", json={"email": org.people["rep"].email, "password": PASSWORD}
    ).get_json()["token"]
    request_log.clear()
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    [line] = request_lines(request_log)
    assert line["user_id"] == org.people["rep"].id
    assert line["path"] == "/api/v1/me"


def test_errors_are_logged_with_their_status(
    client: HttpsClient, request_log: pytest.LogCaptureFixture
) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "X-Request-ID" in response.headers
    [line] = request_lines(request_log)
    assert line["status"] == 404
    refused = client.post("/login", data={"email": "x@example.com"})  # no CSRF token
    assert refused.status_code == 400
    assert request_lines(request_log)[-1]["status"] == 400


def test_the_user_is_named_from_what_was_loaded_after_the_session_is_gone(
    app: Any, db: Any, org: Org
) -> None:
    """A database outage discards the request's session (coachapp.errors), leaving the signed-in
    person expired and detached: the log still names them, without loading anything (it
    failed the 503 with a 500)."""
    manager = org.people["manager"]
    manager_id = manager.id
    db.expire(manager)
    db.expunge(manager)
    with app.test_request_context("/me"):
        g._login_user = manager
        assert signed_in_user_id() == manager_id
