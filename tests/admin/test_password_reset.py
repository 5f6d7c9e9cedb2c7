"""An admin resets a forgotten or exposed password: a temporary one, shown once; the person
is signed out everywhere, their API tokens end, and at their next sign-in they choose their
own before anything else, on the pages and over the API alike."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.auth.passwords import TEMPORARY_ALPHABET, password_problem, temporary_password
from coachapp.models import ApiToken, AuditEvent, User
from tests.api.helpers import assert_error_shape, bearer, token_for
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient, login

SHOWN = re.compile(r'<code id="temporary-password">([^<]+)</code>')
NEW_OWN_PASSWORD = "my own quiet harbour"


def reset(client: HttpsClient, user_id: int, typed: str = "", **kwargs: Any) -> Any:
    return client.post_form(
        f"/admin/users/{user_id}/reset-password", {"temporary_password": typed}, **kwargs
    )


def shown_password(response: Any) -> str:
    found = SHOWN.search(response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[:500]
    return found.group(1)


def post_on_password_page(person: HttpsClient, path: str, data: dict[str, str]) -> Any:
    """A form post with the CSRF token of the one page someone in that state can open."""
    return person.post(path, data={**data, "csrf_token": person.csrf_token("/me/password")})


def signed_in(app: Flask, email: str, password: str = PASSWORD) -> HttpsClient:
    browser: HttpsClient = app.test_client()  # type: ignore[assignment]
    response = login(browser, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def test_temporary_passwords_are_random_readable_and_meet_the_policy() -> None:
    made = {temporary_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        assert re.fullmatch(
            rf"[{TEMPORARY_ALPHABET}]{{4}}(-[{TEMPORARY_ALPHABET}]{{4}}){{3}}", password
        )
        assert password_problem(password) is None


def test_a_reset_signs_out_everywhere_and_the_new_password_must_be_replaced(
    app: Flask, login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    rep = org.people["rep"]
    phone = signed_in(app, rep.email)
    token = token_for(client, org, "rep")
    login_as("admin")
    form = client.get(f"/admin/users/{rep.id}").get_data(as_text=True)
    assert 'id="reset-password"' in form and "Reset password" in form

    answer = reset(client, rep.id)
    assert answer.status_code == 200
    temporary = shown_password(answer)
    text = answer.get_data(as_text=True)
    assert "1 API token revoked" in text
    assert "Signed out on 1 device." in text
    assert "no-store" in answer.headers["Cache-Control"]

    # Everything the old password opened is closed.
    assert phone.get("/my").headers["Location"].startswith("/login")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert login(app.test_client(), rep.email).status_code == 401
    # The audit says who reset whose password and what ended, never the password.
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.reset_password")).one()
    assert (event.actor_id, event.object_id) == (org.people["admin"].id, rep.id)
    assert event.details == {"generated": True, "browsers_signed_out": 1, "tokens_revoked": 1}
    every_detail = json.dumps([e.details for e in db.scalars(select(AuditEvent))])
    assert temporary not in every_detail

    # Signed in with the temporary password, every page leads to choosing one's own.
    person = signed_in(app, rep.email, temporary)
    sent = person.get("/my")
    assert sent.status_code == 303
    assert sent.headers["Location"] == "/me/password?next=/my"
    home = person.get("/", follow_redirects=True)
    assert home.request.path == "/me/password"
    page = home.get_data(as_text=True)
    assert "Choose your password" in page and 'class="bottom-nav"' not in page
    assert 'name="signed-in"' not in page  # nothing kept offline is sent meanwhile
    # A form post does nothing and goes the same way.
    profile = post_on_password_page(
        person, "/me/profile", {"name": "Changed meanwhile", "timezone": "UTC"}
    )
    assert profile.status_code == 303 and profile.headers["Location"] == "/me/password"
    db.expire_all()
    assert db.get(User, rep.id).name == rep.name  # type: ignore[union-attr]
    # htmx and the API answer in the JSON error shape; no token is issued.
    htmx = person.get("/notes", headers={"HX-Request": "true"})
    assert assert_error_shape(htmx, 403)["code"] == "password_change_required"
    api = person.get("/api/v1/me")
    assert assert_error_shape(api, 403)["code"] == "password_change_required"
    tokens_before = db.scalar(select(func.count()).select_from(ApiToken))
    minted = client.post("/api/v1/tokens", json={"email": rep.email, "password": temporary})
    assert assert_error_shape(minted, 403)["code"] == "password_change_required"
    assert db.scalar(select(func.count()).select_from(ApiToken)) == tokens_before

    # Choosing: the temporary one again, or a weak one, is refused on the same page.
    token_form = {"page": "password", "next": "/my", "current_password": temporary}
    same = post_on_password_page(person, "/me/password", {**token_form, "new_password": temporary})
    assert same.status_code == 422
    assert "different from the one you have now" in same.get_data(as_text=True)
    assert "Choose your password" in same.get_data(as_text=True)
    weak = post_on_password_page(person, "/me/password", {**token_form, "new_password": "short"})
    assert weak.status_code == 422 and "at least 8 characters" in weak.get_data(as_text=True)
    chosen = post_on_password_page(
        person, "/me/password", {**token_form, "new_password": NEW_OWN_PASSWORD}
    )
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/my"
    assert person.get("/my").status_code == 200
    db.expire_all()
    assert db.get(User, rep.id).must_change_password is False  # type: ignore[union-attr]
    fresh = client.post("/api/v1/tokens", json={"email": rep.email, "password": NEW_OWN_PASSWORD})
    assert fresh.status_code == 201
    assert login(app.test_client(), rep.email, temporary).status_code == 401


def test_a_typed_temporary_password_is_checked_and_kept_when_refused(
    app: Flask, login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    rep = org.people["rep"]
    phone = signed_in(app, rep.email)
    login_as("admin")
    for typed, problem in [
        ("short", "at least 8 characters"),
        ("password", "too common"),
        (rep.email, "email address"),
    ]:
        refused = reset(client, rep.id, typed)
        assert refused.status_code == 422, typed
        page = refused.get_data(as_text=True)
        assert problem in page
        assert f'value="{typed}"' in page  # what was typed stays in the field
        assert 'aria-invalid="true" aria-describedby="temporary_password-error"' in page
    # Nothing happened meanwhile: the rep is still signed in with their own password.
    assert phone.get("/my").status_code == 200
    assert db.scalar(select(func.count()).where(AuditEvent.action == "user.reset_password")) == 0

    chosen = reset(client, rep.id, "lantern by the river")
    assert shown_password(chosen) == "lantern by the river"
    assert "No API tokens to revoke." in chosen.get_data(as_text=True)
    person = signed_in(app, rep.email, "lantern by the river")
    assert person.get("/my").headers["Location"].startswith("/me/password")


def test_only_admins_reset_and_never_their_own_password(
    app: Flask, login_as: Any, client: HttpsClient, org: Org
) -> None:
    rep, admin = org.people["rep"], org.people["admin"]
    assert reset(client, rep.id).headers["Location"].startswith("/login")
    for who in ("manager", "director", "rep2"):
        login_as(who)
        assert reset(client, rep.id).status_code == 404, who
        client.post_form("/logout")
    login_as("admin")
    own_page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert 'id="reset-password"' not in own_page
    own = reset(client, admin.id)
    assert own.status_code == 403
    assert "under Me" in own.get_data(as_text=True)
    assert reset(client, 999_999).status_code == 404
    # Without the form's CSRF token nothing happens.
    forged = client.post(f"/admin/users/{rep.id}/reset-password", data={})
    assert forged.status_code == 400
    assert login(app.test_client(), rep.email).status_code == 302


def test_a_reset_needs_a_password_typed_in_this_session(
    login_as: Any, client: HttpsClient, org: Org
) -> None:
    login_as("admin")
    token = client.csrf_token("/admin/users")
    with client.session_transaction() as session:
        session["_fresh"] = False  # restored from "remember me"
    response = client.post(
        f"/admin/users/{org.people['rep'].id}/reset-password", data={"csrf_token": token}
    )
    assert response.status_code == 200
    assert "Confirm your password" in response.get_data(as_text=True)
    assert SHOWN.search(response.get_data(as_text=True)) is None


def test_people_an_admin_adds_choose_their_own_password_too(
    app: Flask, login_as: Any, client: HttpsClient, org: Org
) -> None:
    login_as("admin")
    added = client.post_form(
        "/admin/users/new",
        {
            "email": "dana.new@example.com",
            "name": "Dana New",
            "role": "rep",
            "function": "sales",
            "manager_id": str(org.people["manager"].id),
            "timezone": "UTC",
            "password": "given by the admin",
        },
    )
    assert added.status_code == 302
    person = signed_in(app, "dana.new@example.com", "given by the admin")
    assert person.get("/my").headers["Location"] == "/me/password?next=/my"


def test_the_api_documents_the_answers_for_someone_who_must_choose_a_password(
    client: HttpsClient,
) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "403" in paths["/api/v1/tokens"]["post"]["responses"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and operation.get("security"):
                assert "403" in operation["responses"], (method, path)
