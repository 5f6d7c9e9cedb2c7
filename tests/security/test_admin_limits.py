"""An admin manages people and settings but reads no coaching (DESIGN.md). Each test sends what
an admin would send to get round that, and checks the refusal: their own role only with a
second admin's approval; a password they set opens nothing but the page to choose one's own,
for 72 hours; a second admin account is never in one admin's hands; and every such act is
audited and told to the person, in their inbox and under Me."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.models import (
    AccountChangeRequest,
    ApiToken,
    AuditEvent,
    ChangeRequestStatus,
    Notification,
    Role,
    User,
)
from tests.api.helpers import assert_error_shape, bearer
from tests.builders import PASSWORD, Org, make_user
from tests.conftest import HttpsClient, login

KNOWN = "the admin knows this one"
DATE = r"\d{1,2} [A-Z][a-z]{2} \d{4}"
TEMPORARY = re.compile(r'<code id="temporary-password">([^<]+)</code>')


def browser(app: Flask, email: str, password: str = PASSWORD) -> HttpsClient:
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    answer = login(client, email, password)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def second_admin(db: Session) -> User:
    admin = make_user(db, role=Role.ADMIN, name="Bo Admin")
    db.commit()
    return admin


def own_form(user: User, **changes: str) -> dict[str, str]:
    """The admin's own edit form as the page fills it, with the fields the attacker changes."""
    form = {
        "name": user.name,
        "role": user.role.value,
        "function": user.function.value,
        "manager_id": str(user.manager_id or ""),
        "timezone": user.timezone,
        "region": user.region,
    }
    return {**form, **changes}


def post_as_must_change(person: HttpsClient, path: str, data: dict[str, str]) -> Any:
    """A form post with the CSRF token of the one page someone in that state can open."""
    return person.post(path, data={**data, "csrf_token": person.csrf_token("/me/password")})


def pending(db: Session, user: User) -> AccountChangeRequest | None:
    return db.scalars(
        select(AccountChangeRequest).where(
            AccountChangeRequest.user_id == user.id,
            AccountChangeRequest.status == ChangeRequestStatus.PENDING,
        )
    ).first()


def inbox_titles(db: Session, user: User, kind: str = "account_security") -> list[str]:
    return list(
        db.scalars(
            select(Notification.title)
            .where(Notification.recipient_id == user.id, Notification.kind == kind)
            .order_by(Notification.id)
        )
    )


def reads_no_coaching(client: HttpsClient, org: Org, token: str) -> None:
    """Neither the pages nor the API show this caller a coaching note or a rep's figures."""
    shared = org.notes["shared"]
    assert client.get(f"/notes/{shared.id}").status_code == 404
    assert client.get(f"/people/{org.people['rep'].id}").status_code == 404
    assert client.get("/org").status_code == 404
    api = client.get(f"/api/v1/coaching-sessions/{shared.id}", headers=bearer(token))
    assert api.status_code == 404
    cadence = client.get("/api/v1/cadence", headers=bearer(token)).get_json()
    assert cadence in ([], {"items": []})


def can_only_choose_a_password(app: Flask, client: HttpsClient, org: Org, email: str) -> None:
    """Signed in with a password someone else chose: every page leads to the password page,
    a post changes nothing, htmx and the API (by cookie or new token) answer 403."""
    shared = org.notes["shared"]
    for path in ("/", "/team", "/my", f"/notes/{shared.id}", "/inbox", "/me", "/org", "/plans"):
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["Location"].startswith("/me/password"), path
    skipped = post_as_must_change(client, "/me/profile", {"name": "Skipped", "timezone": "UTC"})
    assert skipped.status_code == 303 and skipped.headers["Location"] == "/me/password"
    htmx = client.get(f"/notes/{shared.id}", headers={"HX-Request": "true"})
    assert assert_error_shape(htmx, 403)["code"] == "password_change_required"
    for path in ("/api/v1/me", f"/api/v1/coaching-sessions/{shared.id}", "/api/v1/reps"):
        answer = client.get(path)
        assert assert_error_shape(answer, 403)["code"] == "password_change_required", path
    tokens = app.test_client().post("/api/v1/tokens", json={"email": email, "password": KNOWN})
    assert assert_error_shape(tokens, 403)["code"] == "password_change_required"


# (a) Their own role -----------------------------------------------------------------------


def test_an_admin_who_posts_their_own_role_as_director_gets_a_request_not_the_role(
    app: Flask, login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    admin = org.people["admin"]
    other = second_admin(db)
    login_as("admin")
    token = client.post(
        "/api/v1/tokens", json={"email": admin.email, "password": PASSWORD}
    ).get_json()["token"]

    attack = client.post_form(f"/admin/users/{admin.id}", own_form(admin, role="director"))

    assert attack.status_code == 302
    db.expire_all()
    assert db.get(User, admin.id).role == Role.ADMIN  # type: ignore[union-attr]
    request = pending(db, admin)
    assert request is not None and request.requested_by_id == admin.id
    assert request.changes == {"role": ["admin", "director"]}
    # Still an admin, signed in as before: no coaching on the pages nor through the API.
    reads_no_coaching(client, org, token)
    listed = client.get("/admin/users").get_data(as_text=True)
    assert "Pending role changes" in listed and "role: admin → director" in listed
    assert "Waiting for another admin" in listed
    # Nor may they approve it themself, by the form or by posting its address.
    own = client.post_form(f"/admin/changes/{request.id}/approve")
    assert own.status_code == 403
    db.expire_all()
    assert db.get(User, admin.id).role == Role.ADMIN  # type: ignore[union-attr]
    # The other admins are asked; the request is audited.
    assert inbox_titles(db, other, "approval_needed") == [
        f"A change to {admin.name}'s account waits for your approval"
    ]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.change_requested")).one()
    assert (event.actor_id, event.object_id) == (admin.id, admin.id)
    # A second request while one waits is refused at the form, and a self-deactivation too
    # becomes nothing while the first waits.
    again = client.post_form(f"/admin/users/{admin.id}", own_form(admin, role="director"))
    assert again.status_code == 422 and "already waits" in again.get_data(as_text=True)
    client.post_form(f"/admin/users/{admin.id}/active", {"active": "0"})
    db.expire_all()
    assert db.get(User, admin.id).active  # type: ignore[union-attr]
    assert db.scalar(select(func.count()).select_from(AccountChangeRequest)) == 1


def test_a_second_admin_approves_and_the_change_is_applied_audited_and_told(
    app: Flask, org: Org, db: Session
) -> None:
    admin = org.people["admin"]
    other = second_admin(db)
    asker = browser(app, admin.email)
    asker.post_form(f"/admin/users/{admin.id}", own_form(admin, role="director"))
    request = pending(db, admin)
    assert request is not None

    approver = browser(app, other.email)
    assert f"/admin/changes/{request.id}/approve" in approver.get("/admin/users").get_data(
        as_text=True
    )
    approved = approver.post_form(f"/admin/changes/{request.id}/approve")

    assert approved.status_code == 302
    db.expire_all()
    assert db.get(User, admin.id).role == Role.DIRECTOR  # type: ignore[union-attr]
    decided = db.get(AccountChangeRequest, request.id)
    assert decided is not None and decided.status == ChangeRequestStatus.APPROVED
    assert decided.decided_by_id == other.id
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.change_approved")).one()
    assert (event.actor_id, event.object_id) == (other.id, admin.id)
    assert event.details["requested_by_id"] == admin.id
    # The role change ends the old sign-ins; the person is told, in the inbox and under Me.
    assert asker.get("/admin/users").headers["Location"].startswith("/login")
    told = inbox_titles(db, admin)
    assert len(told) == 1
    assert re.fullmatch(
        rf"Your role changed from admin to director on {DATE}, approved by Bo Admin "
        r"\(asked by you\)\.",
        told[0],
    )
    me = browser(app, admin.email).get("/me").get_data(as_text=True)
    assert "Security events" in me and told[0] in me
    assert "You asked to change your role from admin to director" in me
    # Decided once: approving again is refused.
    again = approver.post_form(f"/admin/changes/{request.id}/approve")
    assert again.status_code == 302
    assert "already decided" in approver.get("/admin/users").get_data(as_text=True)


def test_a_declined_request_changes_nothing_and_the_person_is_told(
    app: Flask, org: Org, db: Session
) -> None:
    admin = org.people["admin"]
    other = second_admin(db)
    asker = browser(app, admin.email)
    asker.post_form(f"/admin/users/{admin.id}/active", {"active": "0"})
    request = pending(db, admin)
    assert request is not None and request.changes == {"active": [True, False]}

    declined = browser(app, other.email).post_form(f"/admin/changes/{request.id}/decline")

    assert declined.status_code == 302
    db.expire_all()
    assert db.get(User, admin.id).active  # type: ignore[union-attr]
    assert pending(db, admin) is None
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "user.change_declined")).one()
    assert re.fullmatch(
        rf"Bo Admin declined the request to deactivate your account on {DATE} \(asked by you\)\.",
        inbox_titles(db, admin)[0],
    )


# A second admin account in one admin's hands ---------------------------------------------


def test_an_admin_cannot_make_a_second_admin_account_to_approve_their_own_request(
    app: Flask, login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    admin = org.people["admin"]
    login_as("admin")
    sidekick = {
        "email": "sidekick@example.com",
        "name": "Side Kick",
        "role": "admin",
        "function": "other",
        "manager_id": "",
        "timezone": "UTC",
    }
    # A password they would know is refused at its field.
    with_password = client.post_form("/admin/users/new", {**sidekick, "password": KNOWN})
    assert with_password.status_code == 422
    assert "gets their one-time password from the admin who approves" in (
        with_password.get_data(as_text=True)
    )
    # Without one, the account is made inactive and waits for another admin.
    assert client.post_form("/admin/users/new", sidekick).status_code == 302
    made = db.scalars(select(User).where(User.email == "sidekick@example.com")).one()
    assert not made.active and made.role == Role.ADMIN
    request = pending(db, made)
    assert request is not None and request.requested_by_id == admin.id
    assert login(app.test_client(), made.email, KNOWN).status_code == 401
    assert client.post_form(f"/admin/changes/{request.id}/approve").status_code == 403
    # Making an existing person an admin waits too (a rep whose password they could reset).
    rep = org.people["rep"]
    promoted = client.post_form(
        f"/admin/users/{rep.id}", own_form(rep, role="admin", manager_id="")
    )
    assert promoted.status_code == 302
    db.expire_all()
    assert db.get(User, rep.id).role == Role.REP  # type: ignore[union-attr]
    assert pending(db, rep) is not None

    # The approving admin, not the asker, gets the new admin's one-time password.
    other = second_admin(db)
    approved = browser(app, other.email).post_form(f"/admin/changes/{request.id}/approve")
    assert approved.status_code == 200
    password = TEMPORARY.search(approved.get_data(as_text=True))
    assert password is not None
    db.expire_all()
    assert db.get(User, made.id).active  # type: ignore[union-attr]
    assert password.group(1) not in str([e.details for e in db.scalars(select(AuditEvent))])
    new_admin = browser(app, made.email, password.group(1))
    assert new_admin.get("/admin/users").headers["Location"].startswith("/me/password")


def test_no_admin_sets_another_admins_password(
    app: Flask, login_as: Any, client: HttpsClient, org: Org, db: Session, runner: Any
) -> None:
    other = second_admin(db)
    login_as("admin")
    assert 'id="reset-password"' not in client.get(f"/admin/users/{other.id}").get_data(
        as_text=True
    )
    reset = client.post_form(
        f"/admin/users/{other.id}/reset-password", {"temporary_password": KNOWN}
    )
    assert reset.status_code == 403
    assert "from the command line" in reset.get_data(as_text=True)
    first = client.post_form(f"/admin/users/{other.id}/password", {"password": KNOWN})
    assert first.status_code == 403
    assert login(app.test_client(), other.email, KNOWN).status_code == 401
    assert browser(app, other.email).get("/admin/users").status_code == 200
    # Whoever runs the server resets it; the admin is told it was done from the command line.
    printed = runner.invoke(args=["reset-password", other.email])
    assert printed.exit_code == 0, printed.output
    assert re.fullmatch(
        rf"An operator \(from the command line\) reset your password on {DATE}\.",
        inbox_titles(db, other)[0],
    )


# (b) An account made with a password the admin knows ---------------------------------------


def test_an_account_an_admin_creates_with_a_password_opens_only_the_password_page(
    app: Flask, login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    admin = org.people["admin"]
    login_as("admin")
    made = client.post_form(
        "/admin/users/new",
        {
            "email": "puppet.director@example.com",
            "name": "Puppet Director",
            "role": "director",
            "function": "sales",
            "manager_id": "",
            "timezone": "UTC",
            "password": KNOWN,
        },
    )
    assert made.status_code == 302
    puppet = db.scalars(select(User).where(User.email == "puppet.director@example.com")).one()
    assert puppet.must_change_password and puppet.temporary_password_expires_at is not None
    hours = (puppet.temporary_password_expires_at - utcnow()).total_seconds() / 3600
    assert 71.9 < hours <= 72
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.create")).one()
    assert (event.actor_id, event.object_id) == (admin.id, puppet.id)

    signed_in = browser(app, puppet.email, KNOWN)

    can_only_choose_a_password(app, signed_in, org, puppet.email)
    assert db.scalar(select(func.count()).where(ApiToken.user_id == puppet.id)) == 0
    # The account tells whoever gets into it who made it and when.
    assert re.fullmatch(
        rf"An admin \(Ada Admin\) created your account as director on {DATE}\.",
        inbox_titles(db, puppet)[0],
    )
    # It reads nothing until people are moved under it, and each person moved is told.
    manager = org.people["manager"]
    moved = client.post_form(
        f"/admin/users/{manager.id}", own_form(manager, manager_id=str(puppet.id))
    )
    assert moved.status_code == 302
    assert re.fullmatch(
        rf"An admin \(Ada Admin\) changed who you report to from Dana Director to Puppet "
        rf"Director on {DATE}\.",
        inbox_titles(db, manager)[0],
    )


def test_a_temporary_password_stops_working_after_72_hours(
    app: Flask, login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    rep = org.people["rep"]
    login_as("admin")
    client.post_form(f"/admin/users/{rep.id}/reset-password", {"temporary_password": KNOWN})
    waiting = browser(app, rep.email, KNOWN)  # signed in, not yet chosen
    db.expire_all()
    user = db.get(User, rep.id)
    assert user is not None
    user.temporary_password_expires_at = utcnow() - dt.timedelta(minutes=1)
    db.commit()

    refused = login(app.test_client(), rep.email, KNOWN)
    assert refused.status_code == 401
    assert "temporary password has expired" in refused.get_data(as_text=True)
    token = app.test_client().post("/api/v1/tokens", json={"email": rep.email, "password": KNOWN})
    assert assert_error_shape(token, 401)["code"] == "temporary_password_expired"
    # The session opened with it ends too: it cannot choose a password any more.
    assert waiting.get("/me/password").headers["Location"].startswith("/login")
    # A wrong password says nothing about the account.
    wrong = login(app.test_client(), rep.email, "not the password at all")
    assert "expired" not in wrong.get_data(as_text=True)


# (c) A manager's password reset to a known value ---------------------------------------------


def test_an_admin_who_resets_a_managers_password_and_signs_in_as_them_can_only_change_it(
    app: Flask, login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    manager = org.people["manager"]
    login_as("admin")
    reset = client.post_form(
        f"/admin/users/{manager.id}/reset-password", {"temporary_password": KNOWN}
    )
    assert reset.status_code == 200

    as_manager = browser(app, manager.email, KNOWN)

    can_only_choose_a_password(app, as_manager, org, manager.email)
    # The manager is told, in the inbox and under Me, who reset it and when.
    told = inbox_titles(db, manager)
    assert len(told) == 1
    assert re.fullmatch(rf"An admin \(Ada Admin\) reset your password on {DATE}\.", told[0])
    assert told[0] in as_manager.get("/me/password").get_data(as_text=True)
    chosen = post_as_must_change(
        as_manager,
        "/me/password",
        {"page": "password", "current_password": KNOWN, "new_password": "only the manager knows"},
    )
    assert chosen.status_code == 302
    me = as_manager.get("/me").get_data(as_text=True)
    assert told[0] in me
    assert re.search(rf"Your password was changed, signed in as you, on {DATE}\.", me)


# The organisation import follows the same rules ---------------------------------------------


def test_an_import_cannot_change_the_importers_role_nor_add_an_admin(
    login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    admin, rep = org.people["admin"], org.people["rep"]
    login_as("admin")
    header = "email,name,role,function,manager email,time zone\n"
    for row, message in (
        (f"{admin.email},Ada Admin,director,other,,UTC", "your own role"),
        ("new.admin@example.com,New Admin,admin,other,,UTC", "needs a second admin"),
        (f"{rep.email},Riley Rep,admin,sales,,UTC", "needs a second admin"),
    ):
        answer = client.post_form("/admin/import/preview", {"csv_text": header + row + "\n"})
        assert answer.status_code == 422, row
        assert message in answer.get_data(as_text=True), row
        applied = client.post_form(
            "/admin/import/apply", {"csv_text": header + row + "\n", "fingerprint": "x"}
        )
        assert applied.status_code == 422, row
    db.expire_all()
    assert db.get(User, admin.id).role == Role.ADMIN  # type: ignore[union-attr]
    assert db.get(User, rep.id).role == Role.REP  # type: ignore[union-attr]
    assert db.scalar(select(func.count()).where(User.email == "new.admin@example.com")) == 0
