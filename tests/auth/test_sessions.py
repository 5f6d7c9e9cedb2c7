"""Session fixation and sign-out (SECURITY.md "Sessions and cookies"): what a copied cookie
or token still opens after sign-in, sign-out and revocation."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.api.helpers import bearer, token_for
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient

SESSION = "coachapp_session"
REMEMBER = "coachapp_remember"


def browser(app: Flask, **cookies: str) -> HttpsClient:
    """A fresh browser carrying exactly these cookies (someone else's copies)."""
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    for name, value in cookies.items():
        client.set_cookie(name, value, domain="localhost", secure=True)
    return client


def sign_in(client: HttpsClient, email: str, *, remember: bool = False) -> Any:
    data = {"email": email, "password": PASSWORD, "csrf_token": client.csrf_token()}
    if remember:
        data["remember"] = "true"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def cookie(client: HttpsClient, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, f"no {name} cookie"
    return found.value


def is_sign_in_page(response: Any) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_cookie_planted_before_sign_in_is_not_signed_in_after_it(
    app: Flask, client: HttpsClient, org: Org
) -> None:
    """Fixation: someone who gave the victim their cookie (and kept a copy) gets nothing."""
    planted_token = client.csrf_token()
    planted = cookie(client, SESSION)
    sign_in(client, org.people["rep"].email)
    assert cookie(client, SESSION) != planted
    assert client.get("/my").status_code == 200
    attacker = browser(app, **{SESSION: planted})
    assert is_sign_in_page(attacker.get("/my"))
    assert attacker.get("/api/v1/me").status_code == 401
    # The CSRF token of the planted cookie does not work for the signed-in session either.
    refused = client.post("/me/profile", data={"name": "Hijacked", "csrf_token": planted_token})
    assert refused.status_code == 400
    assert client.get("/me").get_data(as_text=True).count("Hijacked") == 0


def test_after_sign_out_the_session_and_remember_me_cookies_open_nothing(
    app: Flask, client: HttpsClient, org: Org
) -> None:
    sign_in(client, org.people["rep"].email, remember=True)
    session, remember = cookie(client, SESSION), cookie(client, REMEMBER)
    # Before sign-out, each copy on its own opens the rep's pages: the checks below can fail.
    assert browser(app, **{SESSION: session}).get("/my").status_code == 200
    restored = browser(app, **{REMEMBER: remember})
    assert restored.get("/my").status_code == 200

    assert client.post_form("/logout").status_code == 302

    for copies in (
        {SESSION: session},
        {REMEMBER: remember},
        {SESSION: session, REMEMBER: remember},
    ):
        thief = browser(app, **copies)
        assert is_sign_in_page(thief.get("/my")), copies
        assert thief.get("/api/v1/me").status_code == 401, copies
        refused = thief.get("/my", headers={"HX-Request": "true"})
        assert refused.status_code == 401, copies
    # A browser that was restored from the remember-me cookie earlier is signed out too.
    assert is_sign_in_page(restored.get("/my"))


def test_signing_out_one_browser_leaves_the_others_signed_in(
    app: Flask, client: HttpsClient, org: Org
) -> None:
    laptop = browser(app)
    sign_in(laptop, org.people["rep"].email)
    sign_in(client, org.people["rep"].email)
    client.post_form("/logout")
    assert laptop.get("/my").status_code == 200


def test_an_api_token_works_until_it_is_revoked(app: Flask, client: HttpsClient, org: Org) -> None:
    token = token_for(client, org, "rep")
    other = token_for(client, org, "rep")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    # Signing a browser out is not revoking a token a script holds.
    sign_in(client, org.people["rep"].email)
    client.post_form("/logout")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200

    assert client.delete("/api/v1/tokens", headers=bearer(token)).status_code == 204
    refused = client.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized"
    assert client.delete("/api/v1/tokens", headers=bearer(token)).status_code == 401
    # Revoking one token leaves the person's other tokens alone.
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
