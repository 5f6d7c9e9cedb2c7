"""Helpers shared by the API tests: a bearer token for someone, the API called as someone,
and the JSON error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp.auth.service import issue_api_token
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient

Call = Callable[..., TestResponse]

TOKENS = "/api/v1/tokens"
# DESIGN.md's error statuses, plus the ones HTTP itself needs (405, 413, 415, 428).
DOCUMENTED_ERRORS = {400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 428, 429}


def issue_token(client: HttpsClient, email: str, password: str = PASSWORD) -> str:
    response = client.post(TOKENS, json={"email": email, "password": password})
    assert response.status_code == 201, response.get_data(as_text=True)
    token: str = response.json["token"]
    return token


def token_for(client: HttpsClient, org: Org, who: str) -> str:
    return issue_token(client, org.people[who].email)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_caller(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    """call("manager", "PATCH", url, json=..., if_match=3, headers={...}): the API as that
    person of the org, by a token issued once per person."""
    tokens: dict[str, str] = {}

    def request(
        who: str,
        method: str,
        url: str,
        json: Any = None,
        if_match: Any = None,
        headers: dict[str, str] | None = None,
    ) -> TestResponse:
        if who not in tokens:
            with app.app_context():
                tokens[who], _ = issue_api_token(db, org.people[who])
        sent = {"Authorization": f"Bearer {tokens[who]}", **(headers or {})}
        if if_match is not None:
            sent["If-Match"] = f'"{if_match}"'
        return client.open(url, method=method, headers=sent, json=json)

    return request


def assert_error_shape(response: Any, status: int | set[int] | None = None) -> dict[str, Any]:
    """The response is a documented error in the JSON error shape; returns its "error"."""
    text = response.get_data(as_text=True)
    expected = {status} if isinstance(status, int) else (status or DOCUMENTED_ERRORS)
    assert response.status_code in expected, (response.status_code, text)
    assert response.status_code in DOCUMENTED_ERRORS, (response.status_code, text)
    assert response.mimetype == "application/json", (response.content_type, text)
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, text
    error = body["error"]
    assert isinstance(error, dict), text
    assert {"code", "message"} <= set(error) <= {"code", "message", "fields", "translation"}, text
    assert isinstance(error["code"], str) and error["code"], text
    assert isinstance(error["message"], str) and error["message"], text
    if "fields" in error:
        assert isinstance(error["fields"], dict), text
    if "translation" in error:  # for a reader of another language; the English stays
        assert {"language", "message"} <= set(error["translation"]), text
    return error
