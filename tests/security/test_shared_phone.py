"""A shared phone: every page says whom it was drawn for (an opaque key), signing out clears
what the browser kept, and a replay kept for one person is refused while another is signed in.

The service worker and the outbox act on these answers (tests/browser/test_shared_phone.py
shows the whole story in Chromium)."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.admin.service import set_active
from coachapp.auth.person import NOBODY, PERSON_HEADER, SESSION_LEFT_HEADER, person_key
from coachapp.models import FollowUpStatus, Note
from tests.builders import PASSWORD, Org, make_follow_up
from tests.conftest import CSRF_META, HttpsClient, login, signed_in

SESSIONS = "/api/v1/coaching-sessions"
PERSON_META = re.compile(r'<meta name="coachapp-person" content="([^"]+)"')


def key_of(app: Flask, user_id: int) -> str:
    with app.app_context():
        return person_key(user_id)


def test_signing_out_clears_what_the_browser_kept(login_as: object, client: HttpsClient) -> None:
    login_as("manager")  # type: ignore[operator]
    signed_out = client.post_form("/logout")
    assert signed_out.status_code == 302
    # The service worker's saved pages and the outbox (storage), and the HTTP cache; not
    # "cookies", which would reach every subdomain (the session's cookies are removed anyway).
    assert signed_out.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert not client.is_signed_in()


def test_a_sign_out_kept_offline_ends_the_session_when_sent(
    login_as: object, client: HttpsClient
) -> None:
    """The service worker sends it once the connection returns: the phone was cleared when it
    was tapped, so the answer does not clear it again (that would stop the worker mid-page)."""
    login_as("manager")  # type: ignore[operator]
    kept = client.post_form("/logout", headers={"X-Coachapp-Kept-Sign-Out": "1"})
    assert kept.status_code == 302
    assert "Clear-Site-Data" not in kept.headers
    assert not client.is_signed_in()


def test_every_page_says_whom_it_was_drawn_for_with_an_opaque_key(
    app: Flask, client: HttpsClient, org: Org
) -> None:
    anonymous = client.get("/login")
    assert anonymous.headers[PERSON_HEADER] == NOBODY
    assert SESSION_LEFT_HEADER not in anonymous.headers
    assert "coachapp-person" not in anonymous.get_data(as_text=True)

    manager = org.people["manager"]
    login(client, manager.email)
    page = client.get("/today")
    key = page.headers[PERSON_HEADER]
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    # Derived with the server's secret: not the id, nor anything the phone could work out.
    with app.test_request_context():
        app.config["SECRET_KEY"], secret = "another secret", app.config["SECRET_KEY"]
        try:
            assert person_key(manager.id) != key
        finally:
            app.config["SECRET_KEY"] = secret
    assert PERSON_META.search(page.get_data(as_text=True)).group(1) == key  # type: ignore[union-attr]
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    assert lifetime - 60 <= int(page.headers[SESSION_LEFT_HEADER]) <= lifetime
    # An error page too: the service worker reads every page it fetches.
    assert client.get("/no-such-page").headers[PERSON_HEADER] == key
    # The same person in another sign-in has the same key; someone else has another.
    assert signed_in(app, org, "manager").get("/me").headers[PERSON_HEADER] == key
    assert signed_in(app, org, "rep").get("/my").headers[PERSON_HEADER] not in (key, NOBODY)
    # Files and JSON say nothing: only pages are kept for offline use.
    assert PERSON_HEADER not in client.get("/static/css/app.css").headers
    assert PERSON_HEADER not in client.get("/api/v1/me").headers


def test_whoami_answers_the_service_worker(app: Flask, client: HttpsClient, org: Org) -> None:
    nobody = client.get("/whoami")
    assert nobody.status_code == 200
    assert nobody.json == {"person": None, "session_left": None, "csrf_token": None}
    assert nobody.headers["Cache-Control"] == "no-store"

    login(client, org.people["rep"].email)
    client.get("/my")
    answer = client.get("/whoami")
    who = answer.json
    assert who["person"] == key_of(app, org.people["rep"].id)
    assert 0 < who["session_left"] <= app.config["PERMANENT_SESSION_LIFETIME"]
    # Asked in the background: it never puts back a cookie the page replaced meanwhile.
    assert "Set-Cookie" not in answer.headers
    # A fresh CSRF token, for a sign-out kept on the phone whose form's token has expired.
    assert client.post("/logout", data={"csrf_token": who["csrf_token"]}).status_code == 302
    assert client.get("/whoami").json["person"] is None


def test_a_replay_sent_without_a_session_leaves_the_sign_in_pages_session_alone(
    app: Flask, client: HttpsClient, org: Org
) -> None:
    """A page left open sends what the phone kept while someone opens the sign-in page: the
    replay's answer (a refusal) sets no cookie, so the sign-in page's session and its CSRF
    token stay the browser's, and the sign-in goes through."""
    sign_in_page = client.get("/login")
    token = CSRF_META.search(sign_in_page.get_data(as_text=True))
    assert token and "Set-Cookie" in sign_in_page.headers
    key = key_of(app, org.people["manager"].id)
    for replay in (
        app.test_client().post(
            f"/follow-ups/{org.follow_ups['rep_shared'].id}", headers={PERSON_HEADER: key}
        ),
        app.test_client().post("/api/v1/coaching-sessions", json={}, headers={PERSON_HEADER: key}),
    ):
        assert replay.status_code in {400, 401, 302}, replay.status_code
        assert "Set-Cookie" not in replay.headers
    signed = client.post(
        "/login",
        data={"email": org.people["manager"].email, "password": PASSWORD, "csrf_token": token[1]},
    )
    assert signed.status_code == 302


def test_a_session_that_ended_elsewhere_answers_nobody(
    app: Flask, client: HttpsClient, org: Org, db: Session
) -> None:
    login(client, org.people["rep"].email)
    assert client.get("/whoami").json["person"] is not None
    with app.app_context():
        set_active(db, org.people["admin"], org.people["rep"].id, active=False)
    assert client.get("/whoami").json["person"] is None
    assert client.get("/login").headers[PERSON_HEADER] == NOBODY


def new_note(org: Org) -> dict[str, object]:
    return {
        "client_uuid": str(uuid.uuid4()),
        "rep_id": org.people["rep"].id,
        "type": "one_on_one",
        "strengths": "Kept offline by someone else",
    }


def test_a_note_kept_for_someone_else_is_not_created_as_the_signed_in_manager(
    app: Flask, client: HttpsClient, org: Org, db: Session
) -> None:
    """A page of the manager's earlier session (another person's, on a shared phone) replays
    what it kept: the key it names is not the signed-in person's, so nothing is made."""
    manager = org.people["manager"]
    login(client, manager.email)
    token = CSRF_META.search(client.get("/notes/offline").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    someone_else = key_of(app, org.people["manager2"].id)
    body = new_note(org)
    refused = client.post(
        SESSIONS, json=body, headers={"X-CSRFToken": token, PERSON_HEADER: someone_else}
    )
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "other_person"
    # Who is signed in now, so the page keeps the item for its own person.
    assert refused.headers[PERSON_HEADER] == key_of(app, manager.id)
    made = select(Note).where(Note.client_uuid == uuid.UUID(body["client_uuid"]))  # type: ignore[arg-type]
    assert db.scalars(made).first() is None

    own = client.post(
        SESSIONS, json=body, headers={"X-CSRFToken": token, PERSON_HEADER: key_of(app, manager.id)}
    )
    assert own.status_code == 201
    assert own.json["client_uuid"] == body["client_uuid"]


def test_a_form_kept_for_someone_else_changes_nothing(
    app: Flask, client: HttpsClient, org: Org, db: Session
) -> None:
    rep = org.people["rep"]
    item = make_follow_up(db, rep, org.people["manager"])
    db.commit()
    login(client, rep.email)
    token = client.csrf_token("/follow-ups")
    form = {"action": "done", "csrf_token": token}
    url = f"/follow-ups/{item.id}"
    refused = client.post(
        url, data=form, headers={PERSON_HEADER: key_of(app, org.people["rep2"].id)}
    )
    assert refused.status_code == 409
    assert refused.headers[PERSON_HEADER] == key_of(app, rep.id)
    assert "kept on this phone for someone else" in refused.get_data(as_text=True)
    db.refresh(item)
    assert item.status == FollowUpStatus.OPEN

    # The same form, kept by the rep, or posted live without a key: done.
    done = client.post(url, data=form, headers={PERSON_HEADER: key_of(app, rep.id)})
    assert done.status_code == 302
    db.refresh(item)
    assert item.status == FollowUpStatus.DONE
