"""GET /api/v1/openapi.json describes the API: OpenAPI 3, the endpoints, bearer security."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import HttpsClient

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def spec(client: HttpsClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document: dict[str, Any] = response.get_json()
    return document


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


def test_request_text_documents_that_nul_is_refused(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/api/v1/tokens"]["post"]["requestBody"]["content"]["application/json"]
    for name, field in resolve(spec, body["schema"])["properties"].items():
        assert field.get("pattern") == "^[^\\u0000]*$", name


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
