"""An admin invites people without a password by email (an import's newcomers, a person added
without one): the worker delivers the invitation to a real SMTP server, its link works once
to choose a password and sign in, and expires. Without email the admin sets a first password
as before, and the pages say why."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coachapp.auth.passwords import unusable_password_hash
from coachapp.db import utcnow
from coachapp.models import PasswordLink, Role, User
from coachapp.worker import run_once
from tests.builders import Org, make_user
from tests.conftest import HttpsClient, login
from tests.mail.conftest import Inbox

pytestmark = pytest.mark.first_backend

CHOSEN = "a phrase of my own choosing"


def newcomer(db: Session, org: Org, **kw: object) -> User:
    """Someone an import added: no password yet."""
    values: dict[str, object] = {
        "email": "sam.new@example.com",
        "name": "Sam New",
        "password_hash": unusable_password_hash(),
        "manager_id": org.people["manager"].id,
    }
    values.update(kw)
    user = make_user(db, **values)
    db.commit()
    return user


def invited(app: Flask, client: HttpsClient, inbox: Inbox, user: User) -> str:
    """The admin sends the invitation; the worker delivers it; its link's path."""
    answer = client.post_form(f"/admin/users/{user.id}/invitation")
    assert answer.status_code == 302
    run_once(app, {"mail"})
    (message,) = inbox.to(user.email)
    return inbox.link_in(message)


def test_an_invitation_is_delivered_and_its_link_signs_the_person_in_once(
    app: Flask, db: Session, org: Org, login_as: object, inbox: Inbox
) -> None:
    sam = newcomer(db, org)
    admin = login_as("admin")  # type: ignore[operator]
    page = admin.get(f"/admin/users/{sam.id}").get_data(as_text=True)
    assert "Send invitation" in page
    path = invited(app, admin, inbox, sam)
    assert 'id="invitation-sent"' in admin.get(f"/admin/users/{sam.id}").get_data(as_text=True)
    (message,) = inbox.messages
    assert message["Subject"] == "Ada Admin invited you to Coachapp"
    assert "works once, for 7 days" in message.get_body(("plain",)).get_content()
    assert path.startswith("/invitation/")
    # Only the link's digest is kept.
    token = path.rsplit("/", 1)[1]
    stored = db.scalars(select(PasswordLink.token_hash)).all()
    assert token not in stored and len(stored) == 1

    browser: HttpsClient = app.test_client()  # type: ignore[assignment]
    form = browser.get(path)
    assert form.status_code == 200 and "sam.new@example.com" in form.get_data(as_text=True)
    assert form.headers["Cache-Control"] == "no-store"
    weak = browser.post_form(path, {"new_password": "short"})
    assert weak.status_code == 422
    assert "Use at least 8 characters" in weak.get_data(as_text=True)
    empty = browser.post_form(path, {})
    assert empty.status_code == 422 and "Enter a new password." in empty.get_data(as_text=True)
    common = browser.post_form(path, {"new_password": "password123"})
    assert common.status_code == 422 and "too common" in common.get_data(as_text=True)

    done = browser.post_form(path, {"new_password": CHOSEN})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert browser.is_signed_in()
    db.expire_all()
    assert not db.get(User, sam.id).must_change_password  # type: ignore[union-attr]

    # Used: the link opens nothing more, for anyone.
    again: HttpsClient = app.test_client()  # type: ignore[assignment]
    refused = again.get(path)
    assert refused.status_code == 404
    assert "This link no longer works" in refused.get_data(as_text=True)
    assert again.post_form(path, {"new_password": "another phrase entirely"}).status_code == 404
    assert login(again, sam.email, CHOSEN).status_code == 302


def test_an_expired_invitation_is_refused(
    app: Flask, db: Session, org: Org, login_as: object, inbox: Inbox
) -> None:
    sam = newcomer(db, org)
    path = invited(app, login_as("admin"), inbox, sam)  # type: ignore[operator]
    db.execute(update(PasswordLink).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    browser: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert browser.get(path).status_code == 404
    assert browser.post_form(path, {"new_password": CHOSEN}).status_code == 404
    assert not browser.is_signed_in()


def test_a_link_stops_working_once_a_password_is_set_another_way(
    app: Flask, db: Session, org: Org, login_as: object, inbox: Inbox
) -> None:
    sam = newcomer(db, org)
    admin = login_as("admin")  # type: ignore[operator]
    path = invited(app, admin, inbox, sam)
    # The admin sets a first password after all (email did not reach them, say).
    assert admin.post_form(f"/admin/users/{sam.id}/password", {"password": "a first password"})
    browser: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert browser.get(path).status_code == 404


def test_the_import_page_invites_everyone_without_a_password(
    app: Flask, db: Session, org: Org, login_as: object, inbox: Inbox
) -> None:
    first, second = newcomer(db, org), newcomer(db, org, email="kim.new@example.com")
    newcomer(db, org, email="gone@example.com", active=False)
    admin = login_as("admin")  # type: ignore[operator]
    page = admin.get("/admin/import").get_data(as_text=True)
    assert "Send invitations to 2 people" in page
    assert admin.post_form("/admin/import/invitations").status_code == 302
    run_once(app, {"mail"})
    assert sorted(m["To"] for m in inbox.messages) == sorted([first.email, second.email])


def test_a_person_added_without_a_password_is_invited(
    app: Flask, db: Session, org: Org, login_as: object, inbox: Inbox
) -> None:
    admin = login_as("admin")  # type: ignore[operator]
    form = admin.get("/admin/users/new").get_data(as_text=True)
    assert "Initial password (optional)" in form
    answer = admin.post_form(
        "/admin/users/new",
        {"email": "lee@example.com", "name": "Lee Park", "role": "rep", "function": "sales",
         "timezone": "America/New_York", "manager_id": str(org.people["manager"].id)},
    )  # fmt: skip
    assert answer.status_code == 302
    run_once(app, {"mail"})
    (message,) = inbox.to("lee@example.com")
    assert app.test_client().get(inbox.link_in(message)).status_code == 200


def test_admins_and_people_with_a_password_are_not_invited(
    app: Flask, db: Session, org: Org, login_as: object, inbox: Inbox
) -> None:
    admin = login_as("admin")  # type: ignore[operator]
    other_admin = newcomer(db, org, email="admin2@example.com", role=Role.ADMIN, manager_id=None)
    assert admin.post_form(f"/admin/users/{other_admin.id}/invitation").status_code == 302
    assert admin.post_form(f"/admin/users/{org.people['rep'].id}/invitation").status_code == 302
    assert admin.post_form("/admin/users/999999/invitation").status_code == 404
    run_once(app, {"mail"})
    assert inbox.messages == []
    assert db.scalars(select(PasswordLink)).all() == []


def test_without_email_the_admin_sets_a_first_password_and_is_told_why(
    app: Flask, db: Session, org: Org, login_as: object
) -> None:
    sam = newcomer(db, org)
    admin = login_as("admin")  # type: ignore[operator]
    page = admin.get(f"/admin/users/{sam.id}").get_data(as_text=True)
    assert "Send invitation" not in page and "Email is not set up" in page
    assert "Email is not set up" in admin.get("/admin/import").get_data(as_text=True)
    answer = admin.post_form(f"/admin/users/{sam.id}/invitation", follow_redirects=True)
    assert "Email is not set up" in answer.get_data(as_text=True)
    assert db.scalars(select(PasswordLink)).all() == []
    # Adding a person still needs the password typed.
    refused = admin.post_form(
        "/admin/users/new",
        {"email": "lee@example.com", "name": "Lee Park", "role": "rep", "function": "sales",
         "timezone": "America/New_York", "manager_id": str(org.people["manager"].id)},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "Enter an initial password." in refused.get_data(as_text=True)


def test_every_invitation_form_needs_its_csrf_token(
    app: Flask, db: Session, org: Org, login_as: object, inbox: Inbox
) -> None:
    sam = newcomer(db, org)
    admin = login_as("admin")  # type: ignore[operator]
    assert admin.post(f"/admin/users/{sam.id}/invitation").status_code == 400
    assert admin.post("/admin/import/invitations").status_code == 400
    path = invited(app, admin, inbox, sam)
    browser: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert browser.post(path, data={"new_password": CHOSEN}).status_code == 400
    assert browser.get(path).status_code == 200  # not spent by the refused post


def test_with_password_sign_in_off_nobody_is_invited(
    app: Flask, db: Session, org: Org, login_as: object, inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    sam = newcomer(db, org)
    admin = login_as("admin")  # type: ignore[operator]
    monkeypatch.setitem(app.config, "PASSWORD_SIGN_IN", "off")
    answer = admin.post_form(f"/admin/users/{sam.id}/invitation", follow_redirects=True)
    assert "signs in with single sign-on only" in answer.get_data(as_text=True)
    assert admin.post_form("/admin/import/invitations").status_code == 302
    run_once(app, {"mail"})
    assert inbox.messages == []
