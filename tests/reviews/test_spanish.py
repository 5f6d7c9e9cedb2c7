"""An account-team review in Spanish: the form for the manager who runs it, and the review as
an MSL who chose Spanish reads and acknowledges it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import Account, AccountReview
from tests.builders import Lines
from tests.reviews.test_pages import form_for, signed_in


def test_an_account_team_review_speaks_each_ones_language(
    app: Flask, db: Session, lines: Lines, account: Account
) -> None:
    people = lines.people
    people["sales_manager"].language = "es"
    people["msl"].language = "es"
    db.commit()
    manager = signed_in(app, lines, "sales_manager")
    form = manager.get(f"/accounts/{account.id}/reviews/new").get_data(as_text=True)
    for spanish in (
        "Revisión del equipo de cuenta",
        "Quién participó",
        "Avance del plan",
        "El equipo en las 3C",
        "Colaboración",
        "Acuerdos multifuncionales",
        "Guardar y compartir",
    ):
        assert spanish in form, spanish
    for english in ("Who took part", "Plan progress", "Collaboration", "Save and share"):
        assert english not in form, english

    saved = manager.post_form(f"/accounts/{account.id}/reviews", form_for(account, lines))
    assert saved.status_code == 302
    review = db.scalars(select(AccountReview)).one()
    shown = manager.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Revisión guardada y compartida con el equipo y sus gerentes." in shown

    msl = signed_in(app, lines, "msl")
    page = msl.get(f"/reviews/{review.id}").get_data(as_text=True)
    for spanish in (
        f"<title>Revisión del equipo de cuenta: {account.name} · Coachapp</title>",
        "Multifuncional",
        "Confirma la lectura de esta revisión",
        "Confirmar lectura",
        "El equipo en las 3C",
        "Colaboración",
        "Coordinación",
        "Comunicación",
        "Acuerdos",
        "Participantes",
        "Asuntos médicos",
        "Todavía no",
    ):
        assert spanish in page, spanish
    for english in (
        "Cross-functional",
        "Acknowledge this review",
        "Collaboration",
        "Agreements",
        "Participants",
        "Not yet",
    ):
        assert english not in page, english
    assert "The MSL briefed the team before the call." in page  # typed, shown as typed
    acked = msl.post_form(f"/reviews/{review.id}/acknowledgement", {"comment": "De acuerdo."})
    after = msl.get(acked.headers["Location"]).get_data(as_text=True)
    assert "Lectura confirmada." in after and "Confirmaste la lectura de esta revisión el" in after


def test_a_review_refused_says_why_in_the_managers_language(
    app: Flask, db: Session, lines: Lines, account: Account
) -> None:
    lines.people["sales_manager"].language = "es"
    db.commit()
    manager = signed_in(app, lines, "sales_manager")
    refused = manager.post_form(
        f"/accounts/{account.id}/reviews",
        form_for(account, lines, **{"score-team_communication": ""}),
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Califica al equipo de 1 a 4." in body
    assert "Rate the team 1 to 4." not in body
