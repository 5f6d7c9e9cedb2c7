"""Me: time zone, name and password."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from coachapp.models import User
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient, login


def test_profile_change(login_as: Any, org: Org, db: Session, client: HttpsClient) -> None:
    login_as("rep")
    response = client.post_form(
        "/me/profile", {"name": "Riley R. Rep", "timezone": "America/Chicago"}
    )
    assert response.status_code == 302
    db.expire_all()
    rep = db.get(User, org.people["rep"].id)
    assert rep is not None and rep.timezone == "America/Chicago" and rep.name == "Riley R. Rep"


def test_bad_time_zone_keeps_the_name_typed(login_as: Any, org: Org, client: HttpsClient) -> None:
    login_as("rep")
    response = client.post_form("/me/profile", {"name": "Typed Name", "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "“Mars/Olympus” is not a time zone here" in text
    assert 'value="Typed Name"' in text


def test_password_change_signs_out_other_devices(
    app: Flask, login_as: Any, org: Org, client: HttpsClient
) -> None:
    other_device = app.test_client()
    login(other_device, org.people["rep"].email)
    login_as("rep")
    response = client.post_form(
        "/me/password", {"current_password": PASSWORD, "new_password": "a brand new phrase"}
    )
    assert response.status_code == 302
    assert client.get("/me").status_code == 200  # this device stays signed in
    assert other_device.get("/me").status_code == 302
    client.post_form("/logout")
    assert login(client, org.people["rep"].email, "a brand new phrase").status_code == 302


def test_wrong_current_password(login_as: Any, org: Org, client: HttpsClient) -> None:
    login_as("rep")
    response = client.post_form(
        "/me/password", {"current_password": "nope nope", "new_password": "a brand new phrase"}
    )
    assert response.status_code == 422
    assert "not your current password" in response.get_data(as_text=True)
    weak = client.post_form("/me/password", {"current_password": PASSWORD, "new_password": "1234"})
    assert weak.status_code == 422
    assert "at least 8 characters" in weak.get_data(as_text=True)
