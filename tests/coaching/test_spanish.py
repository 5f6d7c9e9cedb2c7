"""Coaching notes in Spanish: the manager's debrief form, and a shared note as the rep reads
it and acknowledges it, for people who chose Spanish."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from coachapp.coaching.specificity import STRENGTH_PROMPT, flags
from coachapp.models import Note
from tests.builders import Org, make_guide_translation
from tests.coaching.test_pages import HX, start_note
from tests.conftest import HttpsClient


def test_a_new_note_form_speaks_the_managers_language(
    reading_spanish: Callable[[str], HttpsClient], org: Org
) -> None:
    client = reading_spanish("manager")
    note_id = start_note(client, org.people["rep"].id)
    text = client.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert "<title>Coaching a Riley Rep · Coachapp</title>" in text
    for spanish in (
        "Lo que observaste",
        "1 En desarrollo · 2 En construcción · 3 Competente · 4 Referente",
        "Acompañamiento",  # a kind of conversation
        'title="No observado"',
        "Fortalezas con tus palabras",
        "Foco de desarrollo con tus palabras",
        "0 de 2 áreas de foco, una por línea: hace falta una para compartir",
        "Notas privadas (solo tú las ves)",
        "Guardar borrador",
        ">Compartir<",
        "Nuevo seguimiento",
        "En 2 semanas",
        "Añadir seguimiento",
        "Descartar el borrador",
    ):
        assert spanish in text, spanish
    for english in (
        "What you observed",
        "Developing",
        "Ride-along",
        "Strengths in your words",
        "Private notes",
        "Save draft",
        "Share with rep",
        "New follow-up",
        "Add follow-up",
        "Discard draft",
        "focus areas",
    ):
        assert english not in text, english


def test_a_shared_note_speaks_the_reps_language(
    reading_spanish: Callable[[str], HttpsClient], org: Org
) -> None:
    client = reading_spanish("rep")
    note = org.notes["shared"]
    text = client.get(f"/notes/{note.id}").get_data(as_text=True)
    assert "<title>Nota de coaching · Coachapp</title>" in text
    for spanish in (
        "Acompañamiento ·",  # the heading: the kind of conversation and its day
        "De Morgan Manager",
        ">Compartida</span>",
        "Autoevalúate primero",
        "Guardar mi autoevaluación",
        "Omitir la autoevaluación",
        "Fortalezas",
        "Foco de desarrollo",
        "Seguimientos",
        "Tu comentario (opcional)",
        "Confirmar lectura",
    ):
        assert spanish in text, spanish
    for english in (
        "Ride-along",
        "From Morgan",
        "Rate yourself first",
        "Skip self-rating",
        "Strengths",
        "Development focus",
        "Follow-ups",
        "Your comment",
        ">Acknowledge<",
        ">Shared<",
    ):
        assert english not in text, english
    # Typed text is shown as typed.
    assert "Opened with the customer&#39;s own goals." in text


def test_acknowledging_says_so_in_the_reps_language(
    reading_spanish: Callable[[str], HttpsClient], org: Org
) -> None:
    client = reading_spanish("rep")
    note = org.notes["shared"]
    answer = client.post_form(f"/notes/{note.id}/acknowledge", {"comment": "Gracias"})
    assert answer.status_code == 302
    text = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Lectura confirmada. Tu gerente puede ver tu comentario." in text
    assert ">Confirmada</span>" in text and "Confirmada el " in text


def test_vague_praise_is_flagged_outside_a_request_in_english(app: Flask) -> None:
    """The worker's figures read the same flags as the debrief (coachapp.coaching.specificity),
    with no request and so no reader: in English."""
    with app.app_context():
        found = flags("Great job", "", rep_name="Riley Rep")
    assert [f.prompt for f in found] == [STRENGTH_PROMPT % {"first": "Riley"}]


def translated_note(db: Session, client: HttpsClient, org: Org) -> Note:
    """A new note about the rep, on a guide version with a Spanish text for one behaviour."""
    note = db.get(Note, start_note(client, org.people["rep2"].id))
    assert note is not None
    make_guide_translation(db, note.guide_version, {"shares_plan": "Comparte el plan"})
    return note


def competencies_of(note: Note) -> dict[str, Any]:
    return {c.key: c for s in note.guide_version.sections for c in s.competencies}


def test_the_debriefs_chips_write_what_a_spanish_reader_reads(
    reading_spanish: Callable[[str], HttpsClient], org: Org, db: Session
) -> None:
    client = reading_spanish("manager")
    note = translated_note(db, client, org)
    shares, listens = competencies_of(note)["shares_plan"], competencies_of(note)["listens"]
    page = html.unescape(client.get(f"/notes/{note.id}/edit").get_data(as_text=True))
    # The ready-made chips are the app's own text, in Spanish.
    assert 'value="Plan previo a la visita claro"' in page
    assert ">Planificar la visita con el equipo de cuenta</label>" in page
    assert "Clear pre-call plan" not in page and "Plan the call" not in page
    form = {
        "version": str(note.version),
        "type": "one_on_one",
        "occurred_on": note.occurred_on.isoformat(),
        f"score-{shares.id}": "4",
        f"evidence-{shares.id}": "Preguntó qué cambiaría el voto",
        f"score-{listens.id}": "3",
        "strength_of": [str(shares.id)],
        "focus_of": [str(listens.id)],
        "strength_chip": ["Buenas preguntas abiertas"],
        "focus_chip": ["Usar la guía de perfilado"],
    }
    assert client.post_form(f"/notes/{note.id}/edit", form, headers=HX).status_code == 200
    db.expire_all()
    saved = db.get(Note, note.id)
    assert saved is not None
    # The chip beside a rating writes the behaviour's name as the guide's text gives it (one
    # without a Spanish name keeps its own); the note keeps the text as it was written.
    assert saved.strengths == (
        "Comparte el plan: Preguntó qué cambiaría el voto\nBuenas preguntas abiertas"
    )
    assert saved.development_focus == "Listens\nUsar la guía de perfilado"
    again = client.get(f"/notes/{note.id}/edit").get_data(as_text=True)
    assert re.search(rf'id="strength-of-{shares.id}"[^>]*checked', again)
    assert re.search(r'value="Buenas preguntas abiertas" checked', again)
    assert re.search(r'value="Usar la guía de perfilado" checked', again)


def test_an_english_reader_keeps_the_english_chips_and_names(
    login_as: Callable[[str], HttpsClient], org: Org, db: Session
) -> None:
    client = login_as("manager")
    note = translated_note(db, client, org)
    shares = competencies_of(note)["shares_plan"]
    page = client.get(f"/notes/{note.id}/edit").get_data(as_text=True)
    assert 'value="Clear pre-call plan"' in page and "Plan previo" not in page
    assert "<legend>Shares the plan</legend>" in page and "Comparte" not in page
    form = {
        "version": str(note.version),
        "type": "one_on_one",
        "occurred_on": note.occurred_on.isoformat(),
        f"score-{shares.id}": "4",
        "strength_of": [str(shares.id)],
        "strength_chip": ["Strong open questions"],
    }
    assert client.post_form(f"/notes/{note.id}/edit", form, headers=HX).status_code == 200
    db.expire_all()
    saved = db.get(Note, note.id)
    assert saved is not None and saved.strengths == "Shares the plan\nStrong open questions"


def test_a_chip_alone_is_flagged_in_whichever_language_it_was_written(app: Flask) -> None:
    """A note keeps a chip as its writer read it; the figures (read in English) and a reader
    of either language judge it the same."""
    with app.app_context():
        alone = flags("Buenas preguntas abiertas", "", rep_name="Riley Rep")
        beside = flags("Buenas preguntas abiertas\nAsked the CFO about the vote", "")
    assert [f.text for f in alone] == ["Buenas preguntas abiertas"]
    assert beside == []


def test_the_offline_note_form_reads_the_translated_guide(
    reading_spanish: Callable[[str], HttpsClient], org: Org, db: Session
) -> None:
    client = reading_spanish("manager")
    version = org.notes["shared"].guide_version
    make_guide_translation(db, version, {"shares_plan": "Comparte el plan"})
    page = html.unescape(client.get("/notes/offline").get_data(as_text=True))
    ratings = page[page.index(f'data-guide-version="{version.id}"') :]
    ratings = ratings[: ratings.index("</section>")]
    assert "<legend>Comparte el plan</legend>" in ratings
    assert "<legend>Listens</legend>" in ratings  # left untranslated: its own name
    assert "Shares the plan" not in ratings
    assert 'value="Plan previo a la visita claro"' in page and "Clear pre-call plan" not in page


def test_the_offline_note_form_keeps_the_guides_names_without_a_spanish_text(
    reading_spanish: Callable[[str], HttpsClient],
    login_as: Callable[[str], HttpsClient],
    org: Org,
    db: Session,
) -> None:
    version = org.notes["shared"].guide_version
    page = reading_spanish("manager").get("/notes/offline").get_data(as_text=True)
    assert "<legend>Shares the plan</legend>" in page
    make_guide_translation(db, version, {"shares_plan": "Comparte el plan"})
    org.people["manager"].language = "en"
    db.commit()
    english = login_as("manager").get("/notes/offline").get_data(as_text=True)
    assert "<legend>Shares the plan</legend>" in english and "Comparte" not in english
    assert 'value="Clear pre-call plan"' in english
