"""Coaching notes in Spanish: the manager's debrief form, and a shared note as the rep reads
it and acknowledges it, for people who chose Spanish."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from coachapp.coaching.specificity import STRENGTH_PROMPT, flags
from tests.builders import Org
from tests.coaching.test_pages import start_note
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
