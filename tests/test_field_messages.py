"""A form's field messages in the reader's language on the HTML pages (a message with a
number translated first, then given its number the reader's way); the JSON API keeps them in
English for the programs that read it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from coachapp.field_messages import filled_in, in_readers_language, said
from coachapp.languages import N_
from tests.builders import PASSWORD
from tests.conftest import HttpsClient

SPANISH = {"Accept-Language": "es"}


@pytest.mark.parametrize(
    ("language", "message", "shown"),
    [
        ("es", "Use at most 2,000 characters.", "Usa como máximo 2.000 caracteres."),
        ("es", "Use at most 120 characters.", "Usa como máximo 120 caracteres."),
        ("es", "Missing data for required field.", "Falta este dato obligatorio."),
        ("es", "Must be one of: a, b.", "Debe ser uno de: a, b."),
        ("es", "Something nobody marked.", "Something nobody marked."),
        ("en", "Use at most 2,000 characters.", "Use at most 2,000 characters."),
    ],
)
def test_a_message_is_translated_before_its_values_are_filled_in(
    app: Flask, language: str, message: str, shown: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": language}):
        assert in_readers_language(message) == shown


def test_the_password_forms_messages_are_in_the_persons_language(reading_spanish: Any) -> None:
    spanish_rep: HttpsClient = reading_spanish("rep")
    weak = spanish_rep.post_form(
        "/me/password", {"current_password": PASSWORD, "new_password": "1234"}
    )
    assert weak.status_code == 422
    text = weak.get_data(as_text=True)
    assert "Usa al menos 8 caracteres; una frase corta funciona bien." in text
    assert "Use at least" not in text
    empty = spanish_rep.post_form("/me/password", {}).get_data(as_text=True)
    assert "Escribe tu contraseña actual." in empty and "Escribe una contraseña nueva." in empty


def test_the_api_keeps_its_messages_in_english(client: HttpsClient, org: Any) -> None:
    answer = client.post("/api/v1/tokens", json={"email": "x@example.com"}, headers=SPANISH)
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert fields == {"password": ["Missing data for required field."]}


def test_a_message_with_a_name_is_written_in_english_and_read_in_the_readers_language(
    app: Flask,
) -> None:
    rule = said(N_("A rep reports to a manager"))
    message = filled_in(
        N_("%(email)s (not in the file, a %(role)s) reports to %(manager)s, who would become a "
        "%(manager_role)s. %(rule)s; add them to the file with a new manager."),
        email="ana@example.com", role=said(N_("rep")), manager="2000@example.com",
        manager_role=said(N_("director")), rule=rule,
    )  # fmt: skip
    assert message == (
        "ana@example.com (not in the file, a rep) reports to 2000@example.com, who would become "
        "a director. A rep reports to a manager; add them to the file with a new manager."
    )
    count = filled_in(N_("The file has %(count)s errors; nothing was changed."), count=2000)
    assert count == "The file has 2,000 errors; nothing was changed."
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert in_readers_language(message) == (
            "ana@example.com (no está en el archivo; rol: representante) reporta a "
            "2000@example.com, que pasaría a ser director. Un representante reporta a un gerente; "
            "agrégalo al archivo con un nuevo gerente."
        )
        assert in_readers_language(count) == "El archivo tiene 2.000 errores; no se cambió nada."
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert in_readers_language(message) == message


def test_a_json_error_adds_its_translation_for_a_reader_of_another_language(
    client: HttpsClient, org: Any
) -> None:
    asked = {"email": "x@example.com"}
    english = client.post("/api/v1/tokens", json=asked, headers={"Accept-Language": "en"})
    assert "translation" not in english.get_json()["error"]
    spanish = client.post("/api/v1/tokens", json=asked, headers=SPANISH).get_json()["error"]
    assert {k: v for k, v in spanish.items() if k != "translation"} == english.get_json()["error"]
    assert spanish["translation"] == {
        "language": "es",
        "message": "Algunos campos no son válidos.",
        "fields": {"password": ["Falta este dato obligatorio."]},
    }
