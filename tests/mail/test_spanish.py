"""An email is written in its reader's language: the one they chose, else English (no browser
to ask), whoever's page sent it: an admin reading Spanish invites someone who left the
language to their browser in English, and someone who chose Spanish in Spanish. What a person
asks for themself (a reset link) comes in the language of the page they asked from, unless
they chose one."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.auth.passwords import unusable_password_hash
from coachapp.worker import run_once
from tests.builders import Org, make_user
from tests.mail import test_nudges_by_email as by_email
from tests.mail.conftest import Inbox
from tests.mail.test_password_reset import ask, browser

pytestmark = pytest.mark.first_backend

SPANISH_BROWSER = {"Accept-Language": "es-MX,es;q=0.9"}

base_url = by_email.base_url


def test_an_invitation_is_written_in_the_invited_persons_language(
    app: Flask, db: Session, org: Org, login_as: Any, inbox: Inbox
) -> None:
    org.people["admin"].language = "es"
    no_password = unusable_password_hash()
    sofia = make_user(
        db, email="sofia@example.com", name="Sofía Ruiz", language="es", password_hash=no_password
    )
    sam = make_user(db, email="sam@example.com", name="Sam New", password_hash=no_password)
    db.commit()
    admin = login_as("admin")
    for person in (sofia, sam):
        assert admin.post_form(f"/admin/users/{person.id}/invitation").status_code == 302
    run_once(app, {"mail"})
    (spanish,) = inbox.to("sofia@example.com")
    assert spanish["Subject"] == "Ada Admin te invitó a Coachapp"
    text = spanish.get_body(("plain",)).get_content()
    assert text.startswith("Hola, Sofía:")
    assert "El enlace funciona una vez, durante 7 días." in text
    html = spanish.get_body(("html",)).get_content()
    assert '<html lang="es">' in html and "Elige tu contraseña</a>" in html
    assert "Choose your password" not in html and "Hello" not in text
    (english,) = inbox.to("sam@example.com")
    assert english["Subject"] == "Ada Admin invited you to Coachapp"
    assert "The link works once, for 7 days." in english.get_body(("plain",)).get_content()
    assert '<html lang="en">' in english.get_body(("html",)).get_content()


def test_a_reset_link_is_written_in_the_language_the_person_chose(
    app: Flask, db: Session, org: Org, inbox: Inbox
) -> None:
    rep = org.people["rep"]
    rep.language = "es"
    db.commit()
    ask(browser(app), rep.email)
    run_once(app, {"password_resets", "mail"})
    (message,) = inbox.to(rep.email)
    assert message["Subject"] == "Restablece tu contraseña de Coachapp"
    text = message.get_body(("plain",)).get_content()
    assert "El enlace funciona una vez, durante 1 hora." in text
    assert "Si no lo pediste, ignora este correo" in text and "The link" not in text


def test_a_nudge_email_is_written_in_the_persons_language(
    app: Flask, db: Session, org: Org, base_url: Inbox
) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    rep.language = "es"
    by_email.prefer(db, rep, email_mode="each")
    by_email.prefer(db, manager, email_mode="digest")
    by_email.nudge(db, rep, "follow_up_overdue", by_email.at(1))
    for hour in (1, 2):
        by_email.nudge(db, manager, "follow_up_due", by_email.at(hour))
    db.commit()
    assert by_email.emails(app, db, by_email.at(8)) == 2
    (spanish,) = by_email.sent(app, base_url, rep.email)
    assert spanish["Subject"] == "Un seguimiento está vencido"
    text = by_email.text_of(spanish)
    assert text.startswith("Hola, Riley:") and "Un seguimiento está vencido:" in text
    assert "Coachapp te pide iniciar sesión primero cuando hace falta." in text
    assert "Hello" not in text and "sign in first" not in text
    (digest,) = base_url.to(manager.email)  # left to the browser: English, as before
    assert digest["Subject"] == "Coachapp: 2 things waiting for you"
    assert by_email.text_of(digest).startswith("Hello Morgan,")


def test_a_reset_link_asked_from_a_spanish_browser_is_in_spanish_unless_english_was_chosen(
    app: Flask, db: Session, org: Org, inbox: Inbox
) -> None:
    """The worker has no browser: the link is written in the language of the page it was
    asked from, for someone who left their language to the browser; a chosen one wins."""
    rep, rep2 = org.people["rep"], org.people["rep2"]
    rep2.language = "en"
    db.commit()
    for person in (rep, rep2):
        asked = browser(app).post_form(
            "/password/forgot", {"email": person.email}, headers=SPANISH_BROWSER
        )
        assert asked.status_code == 303
    run_once(app, {"password_resets", "mail"})
    (spanish,) = inbox.to(rep.email)
    assert spanish["Subject"] == "Restablece tu contraseña de Coachapp"
    text = spanish.get_body(("plain",)).get_content()
    assert "El enlace funciona una vez, durante 1 hora." in text and "The link" not in text
    assert '<html lang="es">' in spanish.get_body(("html",)).get_content()
    (english,) = inbox.to(rep2.email)
    assert english["Subject"] == "Reset your Coachapp password"
    assert "works once, for 1 hour" in english.get_body(("plain",)).get_content()
    assert '<html lang="en">' in english.get_body(("html",)).get_content()
