"""GET /api/v1/openapi.json describes the API: OpenAPI 3, the endpoints, bearer security."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from coachapp import create_app
from coachapp.plain_text import LINE_PATTERN, TEXT_PATTERN
from tests.conftest import HttpsClient, settings_for

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def spec(client: HttpsClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document: dict[str, Any] = response.get_json()
    return document


def test_the_document_is_drawn_when_first_read_with_every_api_route() -> None:
    """An app starts without drawing the document (coachapp.extensions.CoachApi); the first
    read draws it whole: every JSON API route of the URL map, each of its methods."""
    app = create_app(settings_for("sqlite://"))
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    assert api._drawn is None
    client = app.test_client()
    paths = client.get("/api/v1/openapi.json", base_url="https://localhost").get_json()["paths"]
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api-docs.openapi_json"
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in paths.items() for method in item}
    assert routes and routes <= documented, routes - documented


def test_it_is_openapi_3_without_authentication(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]
    assert spec["info"]["version"] == "v1"


def test_it_lists_the_stable_endpoints(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    assert "post" in paths["/api/v1/tokens"]
    assert "delete" in paths["/api/v1/tokens"]
    assert "get" in paths["/api/v1/me"]
    assert "get" in paths["/api/v1/reps"]


def test_bearer_security_scheme(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    [(name, scheme)] = [(k, v) for k, v in schemes.items() if v.get("scheme") == "bearer"]
    assert scheme["type"] == "http"
    paths = spec["paths"]
    for path, method in (
        ("/api/v1/me", "get"),
        ("/api/v1/reps", "get"),
        ("/api/v1/tokens", "delete"),
    ):
        assert {name: []} in paths[path][method]["security"], (path, method)
    # Signing in is how one gets a token: it cannot require one.
    assert not paths["/api/v1/tokens"]["post"].get("security")


def test_token_request_and_answer_are_described(spec: dict[str, Any]) -> None:
    post = spec["paths"]["/api/v1/tokens"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    request_schema = resolve(spec, body)
    assert {"email", "password"} <= set(request_schema["required"])
    created = resolve(spec, post["responses"]["201"]["content"]["application/json"]["schema"])
    assert set(created["required"]) == {"token", "expires_at"}
    assert created["properties"]["expires_at"]["format"] == "date-time"
    assert {"401", "422", "429"} <= set(post["responses"])


def test_request_text_documents_what_is_refused(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/api/v1/tokens"]["post"]["requestBody"]["content"]["application/json"]
    properties = resolve(spec, body["schema"])["properties"]
    # Looked up as typed, never shown: only NUL is refused.
    assert properties["email"]["pattern"] == properties["password"]["pattern"] == "^[^\\u0000]*$"
    # A token's name is one line of plain text (coachapp.plain_text).
    assert properties["name"]["pattern"] == LINE_PATTERN


# Strings in request bodies that no person types for others to read.
NOT_TYPED_TEXT = {"Subscription.endpoint", "Endpoint.endpoint", "Keys.p256dh", "Keys.auth"}


def request_schemas(spec: dict[str, Any]) -> set[str]:
    """The names of the component schemas request bodies use, nested ones too."""
    pending = [
        content["schema"]
        for operations in spec["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for content in operation.get("requestBody", {}).get("content", {}).values()
    ]
    found: set[str] = set()
    while pending:
        schema = pending.pop()
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            if name not in found:
                found.add(name)
                pending.append(spec["components"]["schemas"][name])
            continue
        pending.extend(schema.get("properties", {}).values())
        if "items" in schema:
            pending.append(schema["items"])
        pending.extend(schema.get("allOf", []))
    return found


def test_every_free_text_field_documents_its_rule(spec: dict[str, Any]) -> None:
    """Every string a request body takes that is not a date, a choice, an address or a
    secret says what it may hold: one line, or several lines (coachapp.plain_text)."""
    unstated = []
    for name in request_schemas(spec):
        for field, value in spec["components"]["schemas"][name].get("properties", {}).items():
            if value.get("type") != "string" or {"format", "enum"} & set(value):
                continue
            if f"{name}.{field}" in NOT_TYPED_TEXT or name == "TokenRequest":
                continue
            if value.get("pattern") not in {LINE_PATTERN, TEXT_PATTERN} and field != "period":
                unstated.append(f"{name}.{field}")
    assert not unstated


def test_error_headers_are_documented(spec: dict[str, Any]) -> None:
    post = spec["paths"]["/api/v1/tokens"]["post"]["responses"]
    assert post["429"]["headers"]["Retry-After"]["required"] is True
    me = spec["paths"]["/api/v1/me"]["get"]["responses"]
    assert me["401"]["headers"]["WWW-Authenticate"]["required"] is True


def test_reps_are_an_array_of_the_rep_shape(spec: dict[str, Any]) -> None:
    ok = spec["paths"]["/api/v1/reps"]["get"]["responses"]["200"]
    schema = ok["content"]["application/json"]["schema"]
    assert schema["type"] == "array"
    rep = resolve(spec, schema["items"])
    assert {"id", "email", "name", "function", "manager_id"} <= set(rep["properties"])


def test_every_operation_documents_its_errors_in_the_error_shape(spec: dict[str, Any]) -> None:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue  # e.g. "parameters" shared by the path's operations
            responses = operation["responses"]
            errors = {code for code in responses if code.startswith(("4", "5"))}
            if operation.get("security"):
                assert "401" in errors, (path, method)
            for code in errors:
                content = responses[code]["content"]["application/json"]["schema"]
                error = resolve(spec, content)
                assert error["required"] == ["error"], (path, method, code)


def test_the_document_is_valid_openapi(spec: dict[str, Any], app: Flask) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert {"POST /api/v1/tokens", "GET /api/v1/me", "GET /api/v1/reps"} <= labels


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = spec["components"]["schemas"][name]
    return schema
