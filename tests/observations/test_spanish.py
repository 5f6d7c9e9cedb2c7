"""Observations in Spanish: whom to observe, the form, and the lists, for a manager who
chose it."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.models import Account, GuideVersion
from tests.builders import Lines, make_guide_translation
from tests.conftest import HttpsClient
from tests.observations.conftest import A_3C, NOT_A_3C, SEEN, competency, page_client
from tests.observations.test_pages import form_of, new_path

pytestmark = pytest.mark.usefixtures("guide")


def test_observing_a_colleague_speaks_the_managers_language(
    app: Flask, db: Session, lines: Lines, account: Account
) -> None:
    people = lines.people
    people["sales_manager"].language = "es"
    db.commit()
    client = page_client(app, people["sales_manager"])
    path = f"/accounts/{account.id}/observations/new"

    chooser = client.get(path).get_data(as_text=True)
    assert "<title>Registrar una observación · Coachapp</title>" in chooser
    assert f"¿A quién viste trabajar en {account.name}?" in chooser
    assert f"reporta a {people['access_manager'].name}" in chooser
    assert "Whom did you see" not in chooser and "reports to" not in chooser

    form = client.get(f"{path}?subject_id={people['access_rep'].id}").get_data(as_text=True)
    for spanish in (
        "Lo que viste hacer a",
        "Lo que observaste",
        "Lo que viste",
        "Como máximo ",
        f"Enviar a {people['access_manager'].first_name}",
        "Otra persona del equipo",
    ):
        assert spanish in form, spanish
    for english in ("What you saw", "What you observed", "Send to", "At most"):
        assert english not in form, english

    across = client.get(f"{path}?subject_id={people['msl'].id}").get_data(as_text=True)
    assert "solo se observan la colaboración, la coordinación y la comunicación" in across

    listed = client.get("/observations").get_data(as_text=True)
    assert "<title>Observaciones · Coachapp</title>" in listed
    assert "Registrar una observación" in listed and "Record an observation" not in listed


COLLABORATES = "Trabaja como un solo equipo de cuenta entre funciones"


def observe(
    app: Flask, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> tuple[HttpsClient, str]:
    """The sales manager's form about the access rep, and the observation they record on
    cross-functional collaboration; the form as they read it."""
    people = lines.people
    author = page_client(app, people["sales_manager"])
    form, fields = form_of(author, new_path(account, people["access_rep"].id))
    sent = {
        **fields,
        "subject_id": str(people["access_rep"].id),
        "competency_id": str(competency(guide, A_3C).id),
        "text": SEEN,
    }
    assert author.post(f"/accounts/{account.id}/observations", data=sent).status_code == 302
    return author, html.unescape(form)


def test_the_observation_form_and_lists_read_the_translated_guide(
    app: Flask, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    make_guide_translation(db, guide, {A_3C: COLLABORATES})
    lines.people["sales_manager"].language = "es"
    db.commit()
    author, form = observe(app, db, lines, account, guide)
    assert f">{COLLABORATES}</label>" in form
    assert "Works as one account team across functions" not in form
    assert f">{competency(guide, NOT_A_3C).name}</label>" in form  # no Spanish name: its own
    listed = html.unescape(author.get("/observations").get_data(as_text=True))
    assert COLLABORATES in listed and "Works as one account team" not in listed


def test_the_observation_form_keeps_the_guides_names_without_a_spanish_text(
    app: Flask, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    lines.people["sales_manager"].language = "es"
    db.commit()
    author, form = observe(app, db, lines, account, guide)
    assert ">Works as one account team across functions</label>" in form
    listed = html.unescape(author.get("/observations").get_data(as_text=True))
    assert "Works as one account team across functions" in listed


def test_an_english_reader_observes_in_the_guides_own_names(
    app: Flask, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    make_guide_translation(db, guide, {A_3C: COLLABORATES})
    author, form = observe(app, db, lines, account, guide)
    assert ">Works as one account team across functions</label>" in form
    assert COLLABORATES not in form
    listed = html.unescape(author.get("/observations").get_data(as_text=True))
    assert "Works as one account team across functions" in listed and COLLABORATES not in listed
