"""Password reset by email: "Forgot your password?" answers alike for any address and sends
nothing for an unknown one; the link, delivered to a real SMTP server by the worker, works
once and for an hour, ends every other session and token of the person, and stops working
once a newer password is set."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from coachapp.auth.service import issue_api_token, token_row
from coachapp.db import utcnow
from coachapp.models import PasswordLink, PasswordResetRequest, User
from coachapp.worker import run_once
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient, login, signed_in
from tests.mail.conftest import Inbox

pytestmark = pytest.mark.first_backend

NEW = "a brand new phrase"


def browser(app: Flask, ip: str = "10.0.0.1") -> HttpsClient:
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def ask(client: HttpsClient, email: str) -> Any:
    return client.post_form("/password/forgot", {"email": email})


def reset_link(app: Flask, inbox: Inbox, email: str) -> str:
    ask(browser(app), email)
    run_once(app, {"password_resets", "mail"})
    (message,) = inbox.to(email)
    return inbox.link_in(message)


def test_the_sign_in_page_links_to_forgot_your_password(app: Flask, client: HttpsClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot">Forgot your password?</a>' in page


def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_one_gets_mail(
    app: Flask, db: Session, org: Org, inbox: Inbox
) -> None:
    client = browser(app)
    form = client.get("/password/forgot")
    assert form.status_code == 200 and "Send me a link" in form.get_data(as_text=True)
    known = ask(client, org.people["rep"].email.upper())
    unknown = ask(client, "nobody-here@example.com")
    for answer in (known, unknown):
        assert answer.status_code == 303
        assert answer.headers["Location"] == "/password/forgot?sent=1"
    assert known.get_data() == unknown.get_data()
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())
    # Both asks are recorded alike: the request did the same for each.
    asks = db.scalars(select(PasswordResetRequest.email).order_by(PasswordResetRequest.id)).all()
    assert asks == [org.people["rep"].email, "nobody-here@example.com"]
    sent = client.get(known.headers["Location"]).get_data(as_text=True)
    assert "If an account uses that address" in sent

    run_once(app, {"password_resets", "mail"})
    (message,) = inbox.messages
    assert message["To"] == org.people["rep"].email
    assert message["Subject"] == "Reset your Coachapp password"
    body = message.get_body(("plain",)).get_content()
    assert "works once, for 1 hour" in body and "/password/reset/" in body
    assert db.scalar(select(func.count()).select_from(PasswordLink)) == 1
    # Answered once: another round sends nothing more.
    run_once(app, {"password_resets", "mail"})
    assert len(inbox.messages) == 1


def test_no_link_goes_to_an_admin_or_a_deactivated_person(
    app: Flask, db: Session, org: Org, inbox: Inbox
) -> None:
    rep = org.people["rep2"]
    rep.active = False
    db.commit()
    for email in (org.people["admin"].email, rep.email):
        assert ask(browser(app), email).status_code == 303
    run_once(app, {"password_resets", "mail"})
    assert inbox.messages == []


def test_the_link_sets_the_password_once_and_ends_every_other_session_and_token(
    app: Flask, db: Session, org: Org, inbox: Inbox
) -> None:
    rep = org.people["rep"]
    elsewhere = signed_in(app, org, "rep")
    with app.app_context():
        token, _row = issue_api_token(db, rep)
    path = reset_link(app, inbox, rep.email)
    assert path.startswith("/password/reset/")

    client = browser(app)
    page = client.get(path)
    assert page.status_code == 200 and rep.email in page.get_data(as_text=True)
    assert client.post_form(path, {"new_password": "short"}).status_code == 422
    assert client.post_form(path, {"new_password": rep.email}).status_code == 422
    done = client.post_form(path, {"new_password": NEW})
    assert done.status_code == 302 and client.is_signed_in()

    assert not elsewhere.is_signed_in()
    with app.app_context():
        assert token_row(db, token) is None
    assert login(browser(app, "10.0.0.2"), rep.email, PASSWORD).status_code == 401
    assert login(browser(app, "10.0.0.3"), rep.email, NEW).status_code == 302
    # Spent.
    assert browser(app).get(path).status_code == 404
    assert browser(app).post_form(path, {"new_password": "yet another phrase"}).status_code == 404
    events = client.get("/me").get_data(as_text=True)
    assert "Your password was reset through a link sent to your email" in events


def test_an_older_link_stops_working_once_a_newer_one_is_used(
    app: Flask, db: Session, org: Org, inbox: Inbox
) -> None:
    email = org.people["rep"].email
    older = reset_link(app, inbox, email)
    inbox.clear()
    newer = reset_link(app, inbox, email)
    assert older != newer
    assert browser(app).get(older).status_code == 200  # both work until one is used
    assert browser(app).post_form(newer, {"new_password": NEW}).status_code == 302
    assert browser(app).get(older).status_code == 404


def test_a_link_stops_working_once_the_password_is_changed_under_me(
    app: Flask, db: Session, org: Org, inbox: Inbox
) -> None:
    path = reset_link(app, inbox, org.people["rep"].email)
    me = signed_in(app, org, "rep")
    changed = me.post_form("/me/password", {"current_password": PASSWORD, "new_password": NEW})
    assert changed.status_code == 302
    assert browser(app).get(path).status_code == 404


def test_an_expired_link_is_refused(app: Flask, db: Session, org: Org, inbox: Inbox) -> None:
    path = reset_link(app, inbox, org.people["rep"].email)
    db.execute(update(PasswordLink).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    refused = browser(app).post_form(path, {"new_password": NEW})
    assert refused.status_code == 404
    assert "Ask for a new link" in refused.get_data(as_text=True)
    assert login(browser(app), org.people["rep"].email, PASSWORD).status_code == 302


@pytest.mark.parametrize("token", ["x", "a" * 65, "%00", "..%2F..%2Fadmin"])
def test_a_made_up_link_is_refused(app: Flask, token: str, inbox: Inbox) -> None:
    assert browser(app).get(f"/password/reset/{token}").status_code == 404
    assert browser(app).get(f"/invitation/{token}").status_code == 404


def test_asking_is_throttled_per_address_and_per_network_address_alike_for_any_address(
    app: Flask, db: Session, org: Org, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_PER_EMAIL", 2)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_PER_ADDRESS", 5)
    for email in (org.people["rep"].email, "nobody-here@example.com"):
        answers = [ask(browser(app, f"10.1.0.{n}"), email).status_code for n in range(3)]
        assert answers == [303, 303, 429]
    client = browser(app, "10.2.0.1")
    answers = [ask(client, f"someone{n}@example.com").status_code for n in range(6)]
    assert answers == [303] * 5 + [429]
    throttled = ask(client, org.people["manager"].email)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "Too many reset links asked for" in throttled.get_data(as_text=True)


def test_bad_input_gets_field_errors_and_every_form_needs_its_csrf_token(
    app: Flask, db: Session, org: Org, inbox: Inbox
) -> None:
    client = browser(app)
    for data, message in (
        ({}, "Enter your email address."),
        ({"email": "not an address"}, "Enter a valid email."),
        ({"email": "x" * 300 + "@example.com"}, "Longer than maximum length 254."),
    ):
        answer = client.post_form("/password/forgot", data)
        assert answer.status_code == 422, data
        assert message in answer.get_data(as_text=True), data
    assert client.post("/password/forgot", data={"email": "a@example.com"}).status_code == 400
    assert db.scalars(select(PasswordResetRequest)).all() == []
    path = reset_link(app, inbox, org.people["rep"].email)
    assert client.post(path, data={"new_password": NEW}).status_code == 400
    assert client.get(path).status_code == 200


def test_without_email_the_page_says_to_ask_an_admin(app: Flask, db: Session) -> None:
    client = browser(app)
    page = client.get("/password/forgot").get_data(as_text=True)
    assert "Email is not set up" in page and "Send me a link" not in page
    assert client.post_form("/password/forgot", {"email": "a@example.com"}).status_code == 200
    assert db.scalars(select(PasswordResetRequest)).all() == []


def test_someone_who_must_choose_a_password_may_still_open_a_reset_link(
    app: Flask, db: Session, org: Org, inbox: Inbox
) -> None:
    rep = org.people["rep"]
    path = reset_link(app, inbox, rep.email)
    client = signed_in(app, org, "manager")
    manager = db.get(User, org.people["manager"].id)
    assert manager is not None
    manager.must_change_password = True
    db.commit()
    assert client.get(path).status_code == 200
    assert client.post_form(path, {"new_password": NEW}).status_code == 302
    assert client.get("/me").status_code == 200  # signed in as the rep now
    assert rep.email in client.get("/me").get_data(as_text=True)


def test_with_password_sign_in_off_there_is_no_password_to_reset(
    app: Flask, db: Session, org: Org, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = reset_link(app, inbox, org.people["rep"].email)
    monkeypatch.setitem(app.config, "PASSWORD_SIGN_IN", "off")
    client = browser(app)
    page = client.get("/password/forgot").get_data(as_text=True)
    assert "single sign-on only" in page and "Send me a link" not in page
    assert (
        client.post_form("/password/forgot", {"email": org.people["rep"].email}).status_code == 200
    )
    assert db.scalar(select(func.count()).select_from(PasswordResetRequest)) == 1  # the first
    refused = client.post_form(path, {"new_password": NEW})
    assert refused.status_code == 404 and "single sign-on only" in refused.get_data(as_text=True)


def test_links_are_built_on_base_url_and_a_forged_host_asks_nothing(
    app: Flask, db: Session, org: Org, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged = browser(app).post_form(
        "/password/forgot", {"email": org.people["rep"].email}, headers={"Host": "evil.example"}
    )
    assert forged.status_code == 400
    assert db.scalars(select(PasswordResetRequest)).all() == []
    monkeypatch.setitem(app.config, "BASE_URL", "https://coaching.example.com/field")
    ask(browser(app), org.people["rep"].email)
    run_once(app, {"password_resets", "mail"})
    (message,) = inbox.messages
    body = message.get_body(("plain",)).get_content()
    assert "https://coaching.example.com/field/password/reset/" in body
    assert "localhost" not in body
