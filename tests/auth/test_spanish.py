"""The password pages in the reader's language: the browser's when signed out."""

from __future__ import annotations

from tests.conftest import HttpsClient

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
