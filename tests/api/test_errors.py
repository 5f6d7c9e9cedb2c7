"""Bad input to the API answers in the JSON error shape with a documented status, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from tests.api.helpers import TOKENS, assert_error_shape, bearer, token_for
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient

MiB = 1024 * 1024


def post_raw(client: HttpsClient, body: bytes | str, content_type: str | None) -> Any:
    headers = {"Content-Type": content_type} if content_type else {}
    return client.post(TOKENS, data=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param("{bad", 400, id="malformed"),
        pytest.param('{"email": "a@example.com", "password": "x"', 400, id="truncated"),
        pytest.param('{"email": "a@example.com"} trailing', 400, id="trailing-garbage"),
        pytest.param("[1, 2]", 422, id="array"),
        pytest.param('"just a string"', 422, id="bare-string"),
        pytest.param("42", 422, id="number"),
        pytest.param("null", 422, id="null"),
        pytest.param("NaN", 422, id="nan"),
    ],
)
def test_body_that_is_not_a_json_object(
    client: HttpsClient, org: Org, body: str, status: int | set[int]
) -> None:
    assert_error_shape(post_raw(client, body, "application/json"), status)


def test_malformed_json_says_so(client: HttpsClient, org: Org) -> None:
    error = assert_error_shape(post_raw(client, "{bad", "application/json"), 400)
    assert error["code"] == "bad_request"
    assert "JSON" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"email": 123, "password": PASSWORD}, "email", id="email-number"),
        pytest.param({"email": None, "password": PASSWORD}, "email", id="email-null"),
        pytest.param({"email": ["a@example.com"], "password": PASSWORD}, "email", id="email-list"),
        pytest.param({"email": "a@example.com", "password": {"x": 1}}, "password", id="pw-object"),
        pytest.param({"email": "a@example.com", "password": True}, "password", id="pw-bool"),
        pytest.param({"email": "", "password": PASSWORD}, "email", id="email-empty"),
        pytest.param({"email": "a" * 300, "password": PASSWORD}, "email", id="email-too-long"),
        pytest.param({"email": "a@example.com", "password": "p" * 5000}, "password", id="pw-long"),
        pytest.param({"email": "a@x", "password": "x", "admin": True}, "admin", id="unknown-field"),
        pytest.param({"password": PASSWORD}, "email", id="missing-email"),
        pytest.param({"email": "a@example.com"}, "password", id="missing-password"),
        pytest.param({"email": "a\x00b@example.com", "password": "x"}, "email", id="email-nul"),
        pytest.param({"email": "a@x", "password": "x", "name": "n\x00"}, "name", id="name-nul"),
    ],
)
def test_invalid_fields_are_named(
    client: HttpsClient, org: Org, body: dict[str, Any], field: str
) -> None:
    error = assert_error_shape(client.post(TOKENS, json=body), 422)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"email": "a@example.com", "password": "x\x00"}, "password", id="password"),
        pytest.param(
            {"email": "a@x", "password": "x", "extra": {"k": ["\x00"]}}, "extra", id="deep"
        ),
        pytest.param({"email": "a@x", "password": "x", "k\x00": 1}, "_schema", id="key"),
    ],
)
def test_nul_is_refused_anywhere_in_the_body(
    client: HttpsClient, org: Org, body: dict[str, Any], field: str
) -> None:
    # PostgreSQL text cannot hold NUL: refused before it reaches a query, on every backend.
    error = assert_error_shape(client.post(TOKENS, json=body), 422)
    assert field in error["fields"], error


@pytest.mark.parametrize("field", ["email", "password", "name", "extra"])
def test_unpaired_surrogates_are_refused(client: HttpsClient, org: Org, field: str) -> None:
    # Valid JSON, but the string cannot be encoded as UTF-8 (for the database or the hash).
    body = {"email": "a@example.com", "password": "x", field: "\\ud800x"}
    raw = json.dumps(body).replace("\\\\ud800", "\\ud800")
    error = assert_error_shape(post_raw(client, raw, "application/json"), 422)
    assert field in error["fields"], error


def test_email_that_grows_when_lowercased_is_not_a_server_error(
    client: HttpsClient, org: Org
) -> None:
    # "İ".lower() is two code points: 254 of them become 508 characters.
    response = client.post(TOKENS, json={"email": "\u0130" * 254, "password": "x"})
    error = assert_error_shape(response, 422)
    assert "email" in error["fields"]


def test_missing_fields_are_all_listed(client: HttpsClient, org: Org) -> None:
    error = assert_error_shape(client.post(TOKENS, json={}), 422)
    assert set(error["fields"]) == {"email", "password"}


@pytest.mark.parametrize("content_type", [None, "application/json"])
def test_empty_body(client: HttpsClient, org: Org, content_type: str | None) -> None:
    error = assert_error_shape(post_raw(client, b"", content_type), 422)
    assert set(error["fields"]) == {"email", "password"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("text/plain", '{"email": "a@example.com", "password": "x"}', id="text"),
        pytest.param(
            "application/x-www-form-urlencoded", "email=a%40example.com&password=x", id="form"
        ),
        pytest.param("multipart/form-data; boundary=x", "--x--\r\n", id="multipart"),
        pytest.param("application/xml", "<email>a@example.com</email>", id="xml"),
    ],
)
def test_body_that_is_not_json_is_415(
    client: HttpsClient, org: Org, content_type: str, body: str
) -> None:
    error = assert_error_shape(post_raw(client, body, content_type), 415)
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]


def test_json_with_a_charset_is_fine(client: HttpsClient, org: Org) -> None:
    body = json.dumps({"email": org.people["rep"].email, "password": PASSWORD})
    assert post_raw(client, body, "application/json; charset=utf-8").status_code == 201


def test_oversized_body_is_413(client: HttpsClient, org: Org) -> None:
    body = json.dumps({"email": "a@example.com", "password": "x", "pad": "p" * MiB})
    error = assert_error_shape(post_raw(client, body, "application/json"), 413)
    assert error["code"] == "payload_too_large"


def test_body_just_under_the_limit_is_parsed(client: HttpsClient, org: Org) -> None:
    body = json.dumps({"email": "a@example.com", "password": "x", "pad": "p" * (MiB - 100)})
    assert len(body) <= MiB
    error = assert_error_shape(post_raw(client, body, "application/json"), 422)
    assert "pad" in error["fields"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"email": "\xff\xfe@example.com", "password": "x"}', id="invalid-utf8"),
        pytest.param(b"\xff\xfe{\x00}\x00", id="utf16-bom"),
        pytest.param(b"\x80\x81\x82", id="binary"),
    ],
)
def test_bytes_that_are_not_utf8_are_400(client: HttpsClient, org: Org, body: bytes) -> None:
    assert_error_shape(post_raw(client, body, "application/json"), 400)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_400(client: HttpsClient, org: Org, depth: int) -> None:
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        error = assert_error_shape(post_raw(client, body, "application/json"), 400)
        assert error["message"] == "The JSON body is nested too deeply."


def test_nesting_within_reason_is_a_validation_error(client: HttpsClient, org: Org) -> None:
    body = {"email": "a@example.com", "password": "x", "extra": json.loads("[" * 200 + "]" * 200)}
    error = assert_error_shape(client.post(TOKENS, json=body), 422)
    assert "extra" in error["fields"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/v1/",
        "/api/v1/reps/",
        "/api/v1/tokens/123",
        "/api/v2/reps",
        "/api/",
        "/api/v1/%00",
        "/api/v1/" + "x" * 5000,
    ],
)
def test_unknown_api_path_is_404_json(client: HttpsClient, path: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        error = assert_error_shape(client.open(path, method=method), 404)
        assert error["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/api/v1/tokens", {"POST", "DELETE"}),
        ("PUT", "/api/v1/tokens", {"POST", "DELETE"}),
        ("PATCH", "/api/v1/tokens", {"POST", "DELETE"}),
        ("POST", "/api/v1/me", {"GET"}),
        ("DELETE", "/api/v1/reps", {"GET"}),
        ("PUT", "/api/v1/openapi.json", {"GET"}),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: HttpsClient, method: str, path: str, allowed: set[str]
) -> None:
    response = client.open(path, method=method, json={"email": "a@example.com"})
    error = assert_error_shape(response, 405)
    assert error["code"] == "method_not_allowed"
    allow = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= allow
    assert allow <= allowed | {"HEAD", "OPTIONS"}


def test_wrong_method_with_a_valid_token_is_still_405(client: HttpsClient, org: Org) -> None:
    token = token_for(client, org, "manager")
    response = client.put("/api/v1/me", headers=bearer(token), json={"name": "x"})
    assert_error_shape(response, 405)


def test_errors_are_never_cached(client: HttpsClient, org: Org) -> None:
    response = post_raw(client, "{bad", "application/json")
    assert "no-store" in response.headers["Cache-Control"]


def test_error_answers_are_json_even_when_the_client_prefers_html(
    client: HttpsClient, org: Org
) -> None:
    html = {"Accept": "text/html"}
    assert_error_shape(client.get("/api/v1/nope", headers=html), 404)
    assert_error_shape(client.get("/api/v1/me", headers=html), 401)
    assert_error_shape(client.post(TOKENS, data="{bad", headers=html), 415)


def test_query_strings_on_endpoints_without_parameters_are_ignored(
    client: HttpsClient, org: Org
) -> None:
    token = token_for(client, org, "manager")
    response = client.get("/api/v1/me?x=%00%ff&y=" + "z" * 4000, headers=bearer(token))
    assert response.status_code == 200
    # A list takes its paging parameters and refuses others, as every query with parameters.
    assert_error_shape(
        client.get("/api/v1/reps?x=%00%ff&y=" + "z" * 4000, headers=bearer(token)), 422
    )


def test_every_api_blueprint_parses_bodies_with_the_hardened_parser(app: Flask) -> None:
    """Deep nesting and non-JSON bodies are refused by coachapp.api.parsing; a new API
    blueprint made from flask_smorest.Blueprint directly would lose that."""
    from coachapp.api.parsing import Blueprint

    api_blueprints = [bp for name, bp in app.blueprints.items() if name.startswith("api_")]
    assert api_blueprints
    for blueprint in api_blueprints:
        assert isinstance(blueprint, Blueprint), blueprint.name
