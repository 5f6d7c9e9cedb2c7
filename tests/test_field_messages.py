"""A form's field messages in the reader's language on the HTML pages (a message with a
number translated first, then given its number the reader's way); the JSON API keeps them in
English for the programs that read it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from coachapp.field_messages import in_readers_language
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
