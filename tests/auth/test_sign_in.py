"""Signing in and out, as a person would: success, failure, throttling, CSRF, cookies."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import BrowserSession, User
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient, login


def test_manager_signs_in_and_lands_on_today(client: HttpsClient, org: Org) -> None:
    response = login(client, org.people["manager"].email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert "<title>Today" in page and "Coaching due" in page


def test_email_is_case_insensitive(client: HttpsClient, org: Org) -> None:
    response = login(client, "  " + org.people["rep"].email.upper() + " ")
    assert response.status_code == 302


def test_each_role_lands_on_its_home(client: HttpsClient, org: Org) -> None:
    homes = {"manager": "/today", "rep": "/my", "director": "/org", "admin": "/admin/users"}
    for who, path in homes.items():
        login(client, org.people[who].email)
        assert client.get("/").headers["Location"] == path
        client.post_form("/logout")


def test_wrong_password_and_unknown_email_get_the_same_message(
    client: HttpsClient, org: Org
) -> None:
    wrong = login(client, org.people["rep"].email, "not the password")
    unknown = login(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        text = response.get_data(as_text=True)
        assert "Email or password is incorrect." in text
    # What the user typed is kept, except the password.
    assert f'value="{org.people["rep"].email}"' in wrong.get_data(as_text=True)
    assert "not the password" not in wrong.get_data(as_text=True)


def test_empty_form_explains_each_field(client: HttpsClient, org: Org) -> None:
    response = client.post("/login", data={"csrf_token": client.csrf_token()})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter your email address." in text
    assert "Enter your password." in text


def test_deactivated_user_cannot_sign_in(client: HttpsClient, org: Org, db: Session) -> None:
    org.people["rep"].active = False
    db.commit()
    assert login(client, org.people["rep"].email).status_code == 401


def test_throttle_after_five_failures_from_one_address(client: HttpsClient, org: Org) -> None:
    email = org.people["rep"].email
    for _ in range(5):
        assert login(client, email, "wrong password").status_code == 401
    throttled = login(client, email)  # even the right password waits now
    assert throttled.status_code == 429
    assert "Too many sign-in attempts" in throttled.get_data(as_text=True)
    assert int(throttled.headers["Retry-After"]) > 0


def test_throttle_does_not_lock_the_user_out_from_another_address(
    app: object, client: HttpsClient, org: Org
) -> None:
    email = org.people["rep"].email
    for _ in range(5):
        login(client, email, "wrong password")
    other = client.application.test_client()
    token = other.csrf_token()
    response = other.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert response.status_code == 302


def test_login_without_csrf_token_is_rejected(client: HttpsClient, org: Org) -> None:
    response = client.post("/login", data={"email": org.people["rep"].email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/me").status_code == 302


def test_sign_out_requires_post_with_csrf(client: HttpsClient, org: Org) -> None:
    login(client, org.people["rep"].email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.post_form("/logout").status_code == 302
    assert client.get("/me").status_code == 302


def test_session_cookie_is_secure_httponly_lax(client: HttpsClient, org: Org) -> None:
    response = login(client, org.people["rep"].email)
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    session_cookie = next(c for c in cookies if c.startswith("coachapp_session="))
    assert "Secure" in session_cookie
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie


def test_remember_me_sets_a_short_secure_cookie(client: HttpsClient, org: Org) -> None:
    token = client.csrf_token()
    response = client.post(
        "/login",
        data={
            "email": org.people["rep"].email,
            "password": PASSWORD,
            "remember": "true",
            "csrf_token": token,
        },
    )
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    remember = next(c for c in cookies if c.startswith("coachapp_remember="))
    assert "Secure" in remember and "HttpOnly" in remember
    assert "Max-Age=1209600" in remember or "Expires=" in remember


def test_next_only_redirects_to_local_paths(client: HttpsClient, org: Org) -> None:
    token = client.csrf_token()
    for target, expected in [
        ("/inbox", "/inbox"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        response = client.post(
            "/login",
            data={
                "email": org.people["rep"].email,
                "password": PASSWORD,
                "next": target,
                "csrf_token": token,
            },
        )
        assert response.headers["Location"] == expected, target
        client.post_form("/logout")
        token = client.csrf_token()


def test_anonymous_pages_redirect_to_sign_in(client: HttpsClient) -> None:
    response = client.get("/today")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_deactivation_ends_existing_sessions(client: HttpsClient, org: Org, db: Session) -> None:
    login(client, org.people["rep"].email)
    assert client.get("/my").status_code == 200
    rep = db.get(User, org.people["rep"].id)
    assert rep is not None
    rep.active = False
    db.commit()
    assert client.get("/my").status_code == 302


def test_sign_out_ends_the_session_on_the_server(app: Flask, client: HttpsClient, org: Org) -> None:
    login(client, org.people["rep"].email)
    stolen = client.get_cookie("coachapp_session")
    assert stolen is not None
    client.post_form("/logout")
    thief = app.test_client()
    thief.set_cookie("coachapp_session", stolen.value, domain="localhost", secure=True)
    assert thief.get("/my").status_code == 302


def test_browser_sessions_are_stored_hashed(client: HttpsClient, org: Org, db: Session) -> None:
    login(client, org.people["rep"].email)
    cookie = client.get_cookie("coachapp_session")
    assert cookie is not None
    rows = db.scalars(select(BrowserSession)).all()
    assert rows and all(len(row.token_hash) == 64 for row in rows)
