"""Request bodies above MAX_CONTENT_LENGTH answer 413: the JSON error shape for the API and
htmx, a page that says what happened for a plain form; never a 500, never half-saved."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from coachapp.models import User
from tests.api.helpers import assert_error_shape, bearer, token_for
from tests.builders import Org
from tests.conftest import HttpsClient

MiB = 1024 * 1024
TOO_LONG = "x" * (MiB + 1)


def profile_form(client: HttpsClient, name: str) -> dict[str, Any]:
    return {"name": name, "timezone": "UTC", "csrf_token": client.csrf_token("/me")}


def test_a_plain_form_too_large_gets_a_page_that_says_so(
    login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    login_as("rep")
    response = client.post("/me/profile", data=profile_form(client, TOO_LONG))
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "too much to send at once (1 MiB at most)" in text
    assert "Go back" in text
    assert "Content-Security-Policy" in response.headers
    db.expire_all()
    assert db.get(User, org.people["rep"].id).name == org.people["rep"].name  # type: ignore[union-attr]


def test_an_htmx_request_too_large_gets_the_json_error_shape(
    login_as: Any, client: HttpsClient, org: Org
) -> None:
    login_as("rep")
    response = client.post(
        "/me/profile", data=profile_form(client, TOO_LONG), headers={"HX-Request": "true"}
    )
    error = assert_error_shape(response, 413)
    assert error["code"] == "payload_too_large"
    assert "1 MiB at most" in error["message"]


def test_boosted_navigation_too_large_gets_the_page(
    login_as: Any, client: HttpsClient, org: Org
) -> None:
    login_as("rep")
    response = client.post(
        "/me/profile",
        data=profile_form(client, TOO_LONG),
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )
    assert response.status_code == 413
    assert response.mimetype == "text/html"


def test_an_api_write_too_large_gets_the_json_error_shape(client: HttpsClient, org: Org) -> None:
    token = token_for(client, org, "rep")
    response = client.patch(
        f"/api/v1/follow-ups/{org.follow_ups['rep_shared'].id}",
        json={"status": "done", "pad": TOO_LONG},
        headers={**bearer(token), "If-Match": '"1"'},
    )
    assert assert_error_shape(response, 413)["code"] == "payload_too_large"


def test_sign_in_and_an_upload_too_large_are_413_not_500(
    login_as: Any, client: HttpsClient
) -> None:
    signed_out = client.post(
        "/login", data={"email": "a@example.com", "password": TOO_LONG, "csrf_token": "x"}
    )
    assert signed_out.status_code == 413
    login_as("admin")
    upload = client.post(
        "/admin/import/preview",
        data={"csrf_token": client.csrf_token("/admin/import"), "csv_text": TOO_LONG},
    )
    assert upload.status_code == 413
    assert "too much to send" in upload.get_data(as_text=True)
