"""The password pages in the reader's language, the browser's when signed out; and what was
done to one's account, told in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from babel.dates import format_date
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coachapp import account_events
from coachapp.db import utcnow
from coachapp.languages import writing_for
from coachapp.models import AuditEvent, Notification, Role, User
from coachapp.timezones import local_time
from tests.builders import Org, make_user
from tests.conftest import HttpsClient, signed_in
from tests.security.test_admin_limits import own_form

SPANISH = {"Accept-Language": "es-MX,es;q=0.9"}


def test_forgot_your_password_speaks_the_browsers_language(client: HttpsClient) -> None:
    text = client.get("/password/forgot", headers=SPANISH).get_data(as_text=True)
    assert "<title>¿Olvidaste tu contraseña? · Coachapp</title>" in text
    # No SMTP_URL here: it says why no link can be sent.
    assert "El correo no está configurado para Coachapp aquí" in text
    assert "Volver a iniciar sesión" in text
    assert "Email is not set up" not in text and "Back to sign in" not in text


def test_a_link_that_no_longer_works_says_so_in_the_browsers_language(
    client: HttpsClient,
) -> None:
    page = client.get("/password/reset/not-a-real-token", headers=SPANISH)
    text = page.get_data(as_text=True)
    assert "Este enlace ya no funciona" in text and "Pide un enlace nuevo" in text
    assert "This link no longer works" not in text


# Security events: what was done to one's account, under Me and in the inbox ----------------

SEVENTH_OF_DECEMBER = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)


def inbox_rows(db: Session, user: User) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification)
            .where(Notification.recipient_id == user.id, Notification.kind == "account_security")
            .order_by(Notification.id)
        )
    )


def test_an_admins_change_is_told_to_each_person_in_their_own_language(
    app: Flask, db: Session, org: Org, reading_spanish: Any
) -> None:
    """An admin reading Spanish moves two reps to another manager: the one who chose Spanish
    is told in Spanish, the one who left it to the browser in English (no browser to ask);
    under Me each reads the event in the language of their page, dated in it."""
    rep, rep2 = org.people["rep"], org.people["rep2"]
    rep.language = "es"
    db.commit()
    admin = reading_spanish("admin")
    for person in (rep, rep2):
        form = own_form(person, manager_id=str(org.people["manager2"].id))
        assert admin.post_form(f"/admin/users/{person.id}", form).status_code == 302
    today = local_time(utcnow(), rep.timezone).date()
    hoy = format_date(today, "d MMM y", locale="es")

    (spanish,) = inbox_rows(db, rep)
    assert spanish.title == (
        f"Un administrador (Ada Admin) cambió tu responsable de Morgan Manager a Mo Manager "
        f"el {hoy}."
    )
    assert spanish.body == "Si no lo esperabas, avisa a otro administrador o a tu gerente."
    (english,) = inbox_rows(db, rep2)
    assert english.title == (
        f"An admin (Ada Admin) changed who you report to from Morgan Manager to Mo Manager "
        f"on {today.strftime('%-d %b %Y')}."
    )
    assert english.body == "If you did not expect this, tell another admin or your manager."

    db.execute(
        update(AuditEvent).where(AuditEvent.action == "user.update").values(at=SEVENTH_OF_DECEMBER)
    )
    db.commit()
    told = (
        "Un administrador (Ada Admin) cambió tu responsable de Morgan Manager a Mo Manager "
        "el 7 dic 2026."
    )
    as_rep = signed_in(app, org, "rep")
    me = as_rep.get("/me").get_data(as_text=True)
    assert "Eventos de seguridad" in me and told in me
    assert "An admin" not in me and "Dec" not in me
    assert spanish.title in as_rep.get("/inbox").get_data(as_text=True)
    # Left to the browser: English from an English browser, Spanish from a Spanish one.
    as_rep2 = signed_in(app, org, "rep2")
    me = as_rep2.get("/me").get_data(as_text=True)
    assert (
        "An admin (Ada Admin) changed who you report to from Morgan Manager to Mo Manager on "
        "7 Dec 2026." in me
    )
    assert told in as_rep2.get("/me", headers=SPANISH).get_data(as_text=True)


EVENTS = [
    pytest.param(
        "user.reset_password", "operator", {},
        "An operator (from the command line) reset your password on 7 Dec 2026.",
        "Un operador (desde la línea de comandos) restableció tu contraseña el 7 dic 2026.",
        id="reset-from-the-command-line",
    ),
    pytest.param(
        "user.create", "admin", {"role": "director"},
        "An admin (Ada Admin) created your account as director on 7 Dec 2026.",
        "Un administrador (Ada Admin) creó tu cuenta como director el 7 dic 2026.",
        id="created",
    ),
    pytest.param(
        "user.create", "you", {"role": "rep", "source": "sso"},
        "Your account was created as rep when you first signed in with single sign-on on "
        "7 Dec 2026.",
        "Tu cuenta se creó como representante la primera vez que iniciaste sesión con el "
        "inicio de sesión único, el 7 dic 2026.",
        id="created-at-first-single-sign-on",
    ),
    pytest.param(
        "user.update", "operator", {"source": "scim", "changes": {"role": ["rep", "manager"]}},
        "Your company's directory (through single sign-on provisioning) changed your role "
        "from rep to manager on 7 Dec 2026.",
        "El directorio de tu empresa (mediante el aprovisionamiento del inicio de sesión "
        "único) cambió tu rol de representante a gerente el 7 dic 2026.",
        id="role-changed-by-the-directory",
    ),
    pytest.param(
        "user.password_change", "you", {},
        "Your password was changed, signed in as you, on 7 Dec 2026.",
        "Se cambió tu contraseña, con tu sesión iniciada, el 7 dic 2026.",
        id="password-changed",
    ),
    pytest.param(
        "user.calendar_feed_start", "you", {"replaced": True},
        "A new calendar address was made for your diary in Coachapp, signed in as you, on "
        "7 Dec 2026.",
        "Se creó una nueva dirección de calendario para tu agenda de Coachapp, con tu sesión "
        "iniciada, el 7 dic 2026.",
        id="calendar-address-replaced",
    ),
    pytest.param(
        "user.change_requested", "you", {"changes": {"role": ["admin", "director"]}},
        "You asked to change your role from admin to director on 7 Dec 2026; another admin "
        "must approve it.",
        "Pediste cambiar tu rol de admin a director el 7 dic 2026; otro administrador debe "
        "aprobarlo.",
        id="asked-by-you",
    ),
    pytest.param(
        "user.change_approved", "other_admin",
        {
            "requested_by_id": "you",
            "changes": {"role": ["admin", "director"], "manager_id": ["manager", "manager2"]},
        },
        "Your role changed from admin to director and you report to Mo Manager instead of "
        "Morgan Manager on 7 Dec 2026, approved by Bo Admin (asked by you).",
        "Tu rol cambió de admin a director y tu responsable cambió de Morgan Manager a Mo "
        "Manager el 7 dic 2026, con la aprobación de Bo Admin (lo pediste tú).",
        id="approved",
    ),
    pytest.param(
        "user.change_declined", "other_admin",
        {"requested_by_id": "admin", "changes": {"active": [True, False]}},
        "Bo Admin declined the request to deactivate your account on 7 Dec 2026 (asked by "
        "an admin (Ada Admin)).",
        "Bo Admin rechazó la solicitud de desactivar tu cuenta el 7 dic 2026 (la pidió un "
        "administrador (Ada Admin)).",
        id="declined",
    ),
    pytest.param(
        "user.change_declined", "admin",
        {"requested_by_id": "admin", "changes": {"active": [True, False]}},
        "An admin (Ada Admin) withdrew the request to deactivate your account on 7 Dec 2026.",
        "Un administrador (Ada Admin) retiró la solicitud de desactivar tu cuenta el 7 dic "
        "2026.",
        id="withdrawn",
    ),
    pytest.param(
        "user.update", "you", {"changes": {"manager_id": ["manager", "None"]}},
        "You made this change on 7 Dec 2026: you report to nobody instead of Morgan Manager.",
        "Hiciste este cambio el 7 dic 2026: tu responsable cambió de Morgan Manager a nadie.",
        id="your-own-change",
    ),
]  # fmt: skip


def as_stored(details: dict[str, Any], people: dict[str, User]) -> dict[str, Any]:
    """The details as audited: people by id, a manager's as text (as an admin's edit keeps
    it, "None" for nobody)."""
    stored = dict(details)
    if "requested_by_id" in stored:
        stored["requested_by_id"] = people[stored["requested_by_id"]].id
    changes = stored.get("changes", {})
    if "manager_id" in changes:
        managers = [str(people[v].id) if v in people else v for v in changes["manager_id"]]
        stored["changes"] = {**changes, "manager_id": managers}
    return stored


@pytest.mark.parametrize(("action", "actor", "details", "english", "spanish"), EVENTS)
def test_each_security_event_is_one_sentence_in_each_language(
    app: Flask,
    db: Session,
    org: Org,
    action: str,
    actor: str,
    details: dict[str, Any],
    english: str,
    spanish: str,
) -> None:
    """Told to someone who chose English and to someone who chose Spanish."""
    rep = org.people["rep"]
    bo = make_user(db, name="Bo Admin", role=Role.ADMIN)
    people = {**org.people, "you": rep, "other_admin": bo}
    db.commit()

    event = AuditEvent(
        at=SEVENTH_OF_DECEMBER,
        actor_id=None if actor == "operator" else people[actor].id,
        action=action,
        object_type="user",
        object_id=rep.id,
        details=as_stored(details, people),
    )
    names = {person.id: person.name for person in people.values()}
    for language, expected in (("en", english), ("es", spanish)):
        rep.language = language
        with app.test_request_context(), writing_for(rep):
            assert account_events.describe(event, rep, names) == expected
