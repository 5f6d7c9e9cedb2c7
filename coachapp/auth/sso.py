"""Single sign-on through the organisation's OpenID Connect provider: the Authlib client made
from the settings, the provider's discovery, what it vouched for, and signing out there.

Authlib does the protocol: discovery, the authorization code with PKCE (S256), state and
nonce kept in the session, the code exchange, and the ID token's signature (the provider's
JWKS), issuer, audience, expiry and nonce. This module adds what Authlib leaves to the
application: the discovery document must name the configured issuer (coachapp.auth.sso_people
finds the person by the email address the provider verified).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Flask, current_app, session, url_for
from joserfc.errors import JoseError

from coachapp.errors import DomainError
from coachapp.security import CONTENT_SECURITY_POLICY

PROVIDER = "oidc"
SCOPE = "openid email profile"
EXTENSION = "authlib.integrations.flask_client"
# How Authlib names what it keeps in the session for a sign-in under way.
STATE_PREFIX = f"_state_{PROVIDER}_"
# The provider's ID token of this browser session, kept in the session: the hint its
# end-session endpoint asks for when signing out.
ID_TOKEN_KEY = "sso_id_token"  # noqa: S105 - a session key, not a secret  # nosec B105

# Everything that can go wrong between us and the provider, or in what it sends back: a
# refused or replayed code, a bad state, nonce, signature or claim, an unreachable provider,
# an answer that is not JSON. Each ends the attempt with a page, never a 500.
PROTOCOL_ERRORS: tuple[type[Exception], ...] = (
    AuthlibBaseError,
    JoseError,
    requests.RequestException,
    ValueError,
    KeyError,
)


class SignOnFailed(DomainError):
    """The sign-in did not complete (state, code, token or provider): try again."""

    status = 400
    code = "sign_on_failed"


class ProviderUnavailable(SignOnFailed):
    status = 502
    code = "provider_unavailable"


class SignOnRefused(DomainError):
    """The provider vouched for someone Coachapp does not let in."""

    status = 403
    code = "forbidden"


class PasswordSignInOff(DomainError):
    """The organisation turned password sign-in off (PASSWORD_SIGN_IN=off)."""

    status = 403
    code = "forbidden"

    def __init__(self) -> None:
        super().__init__(
            "Your organisation signs in with single sign-on only: use "
            '"Sign in with single sign-on" on the sign-in page.'
        )


SIGN_OUT_ERRORS: tuple[type[Exception], ...] = (DomainError, *PROTOCOL_ERRORS)
# What ends a return from the provider with "sign in again": a forged or replayed return, a
# bad ID token, a provider refusing the code.
CALLBACK_ERRORS: tuple[type[Exception], ...] = (SignOnFailed, *PROTOCOL_ERRORS)


def enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def password_sign_in() -> bool:
    """False when the organisation signs in through its provider only."""
    return current_app.config.get("PASSWORD_SIGN_IN", "on") != "off"


def check_password_sign_in() -> None:
    """Refuses a password where the organisation turned them off: the sign-in form, the API's
    tokens and the password asked again before a change alike."""
    if not password_sign_in():
        raise PasswordSignInOff()


def init_app(app: Flask) -> None:
    """Registers the provider's client when single sign-on is configured (settings are checked
    by coachapp.config.check_single_sign_on)."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    app.config["CONTENT_SECURITY_POLICY"] = _form_action_with(issuer)
    oauth = OAuth(app)
    oauth.register(
        PROVIDER,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config.get("OIDC_CLIENT_SECRET") or None,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": app.config.get("OIDC_TIMEOUT_SECONDS", 10),
        },
    )


def client() -> FlaskOAuth2App:
    oauth: OAuth = current_app.extensions[EXTENSION]
    return oauth.create_client(PROVIDER)


def _form_action_with(issuer: str) -> str:
    """The pages' policy with the provider's origin allowed as a form's destination: signing
    out (a form) continues at its end-session endpoint, and browsers check a form's redirects
    against form-action."""
    parts = urlsplit(issuer)
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")


def metadata() -> dict[str, Any]:
    """The provider's discovery document, read once per process, which must name the
    configured issuer (OpenID Connect Discovery 1.0, section 4.3)."""
    provider = client()
    try:
        found = provider.load_server_metadata()
    except PROTOCOL_ERRORS as exc:
        current_app.logger.warning("single sign-on discovery failed: %r", exc)
        provider.server_metadata.pop("_loaded_at", None)  # read again next time
        raise ProviderUnavailable(
            "Your organisation's sign-in service did not answer. Try again in a few minutes."
        ) from exc
    issuer = current_app.config["OIDC_ISSUER"]
    if str(found.get("issuer", "")).rstrip("/") != issuer:
        current_app.logger.error(
            "single sign-on: discovery at %s names issuer %r", issuer, found.get("issuer")
        )
        provider.server_metadata.pop("_loaded_at", None)
        raise ProviderUnavailable(
            "Your organisation's sign-in service is not set up as Coachapp expects (its "
            "discovery names another issuer). Tell whoever runs Coachapp."
        )
    return found


def start_authorization(redirect_uri: str) -> str:
    """The provider's authorization URL for a new sign-in; its state, nonce and PKCE
    verifier are kept in the session (Authlib's keys) for the return. One sign-in at a time
    per browser: those of earlier attempts are dropped, so that coming back and trying again
    cannot grow the session cookie past what browsers keep (4 KB)."""
    provider = client()
    for key in [key for key in session if key.startswith(STATE_PREFIX)]:
        session.pop(key)
    found = provider.create_authorization_url(redirect_uri)
    kept = {name: found[name] for name in ("state", "nonce", "code_verifier")}
    provider.save_authorize_data(redirect_uri=redirect_uri, **kept)  # all but the long URL
    return str(found["url"])


def end_session_url(id_token: str | None) -> str | None:
    """Where signing out continues: the provider's end-session endpoint, which sends the
    browser back to the sign-in page, when this session began there and the provider
    advertises one (OpenID Connect RP-Initiated Logout 1.0)."""
    if not id_token or not enabled():
        return None
    try:
        if not metadata().get("end_session_endpoint"):
            return None
        provider = client()
        found = provider.create_logout_url(
            post_logout_redirect_uri=url_for("auth.login", _external=True),
            id_token_hint=id_token,
            client_id=provider.client_id,
        )
    except SIGN_OUT_ERRORS:
        return None  # signed out here all the same; the provider's own session stays
    return str(found["url"])


def verified_claims(token: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims, which Authlib checked (signature, issuer, audience, expiry,
    nonce) while exchanging the code; a token without an ID token is refused."""
    claims = token.get("userinfo")
    if not isinstance(claims, dict) or not token.get("id_token"):
        raise SignOnFailed("The sign-in service did not say who you are. Try again.")
    return dict(claims)
