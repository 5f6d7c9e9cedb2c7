"""Single sign-on through a real OpenID provider (oidc-provider-mock, in a process of its own
started once per test run): who gets in, who is refused, and what a forged or replayed
return from the provider gets.

The browser's part is played by hand: the test client asks /login/sso, the test posts the
provider's authorization form as the person would (their subject, with the claims the test
gave the provider for it), and the test client follows the provider's redirect back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, sessionmaker

from coachapp import create_app
from coachapp.auth import sso, sso_people
from coachapp.config import ConfigError, load_config
from coachapp.models import AuditEvent, BrowserSession, LoginAttempt, Role, User
from tests.builders import PASSWORD, make_user
from tests.conftest import HttpsClient, login, settings_for
from tests.oidc_provider import Provider, running_provider

CLIENT_ID = "coachapp-tests"
CALLBACK = "https://localhost/login/sso/callback"


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    yield from running_provider(tmp_path_factory)


@pytest.fixture(scope="session")
def sso_app(app: Flask, database_url: str, provider: Provider) -> Iterator[Flask]:
    """The app with single sign-on, on the database the `app` fixture migrated."""
    application = create_app(
        settings_for(
            database_url,
            OIDC_ISSUER=provider.issuer,
            OIDC_CLIENT_ID=CLIENT_ID,
            OIDC_CLIENT_SECRET="client-secret-for-tests",
        )
    )
    application.test_client_class = HttpsClient
    yield application
    application.extensions["coachapp.db"].engine.dispose()


@pytest.fixture
def sso_client(sso_app: Flask, connection: Connection) -> Iterator[HttpsClient]:
    """A browser on the single sign-on app, in the test's transaction (the `db` fixture's)."""
    database = sso_app.extensions["coachapp.db"]
    original = database.sessionmaker
    database.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield sso_app.test_client()  # type: ignore[misc]
    finally:
        database.sessionmaker = original


def leave_for_provider(client: HttpsClient, path: str = "/login/sso") -> str:
    """The provider's authorization URL the sign-in sends the browser to."""
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)
    return str(response.headers["Location"])


def approve_at_provider(provider: Provider, authorize_url: str, sub: str) -> str:
    """The person signs in at the provider; the path and query it sends them back to."""
    answer = provider.http.post(authorize_url, data={"sub": sub})
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return f"{back.path}?{back.query}"


def sign_in_through(
    client: HttpsClient, provider: Provider, path: str = "/login/sso", **claims: Any
) -> Any:
    sub = provider.person(**claims)
    return client.get(approve_at_provider(provider, leave_for_provider(client, path), sub))


def is_signed_in(client: HttpsClient) -> bool:
    return client.get("/me").status_code == 200


def sessions_of(db: Session, user: User) -> int:
    return db.scalar(select(func.count()).where(BrowserSession.user_id == user.id)) or 0


# Who gets in ----------------------------------------------------------------------------


def test_a_known_verified_email_signs_in_as_with_a_password(
    sso_client: HttpsClient, provider: Provider, db: Session
) -> None:
    user = make_user(db, email="known.rep@example.com")
    authorize = leave_for_provider(sso_client)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{provider.issuer}/oauth2/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["nonce"] and query["state"] and query["redirect_uri"] == [CALLBACK]
    assert query["client_id"] == [CLIENT_ID] and "openid" in query["scope"][0].split()
    with sso_client.session_transaction() as session:
        session["left_over"] = "from before signing in"

    sub = provider.person(email="Known.Rep@example.com", email_verified=True)
    response = sso_client.get(approve_at_provider(provider, authorize, sub))

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert is_signed_in(sso_client)
    assert sso_client.get("/my").status_code == 200  # a page that needs signing in
    with sso_client.session_transaction() as session:
        assert "left_over" not in session  # a new session (fixation)
        assert session[sso.ID_TOKEN_KEY]
    assert sessions_of(db, user) == 1
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.login")).one()
    assert (event.actor_id, event.object_id, event.details) == (user.id, user.id, {"method": "sso"})
    assert db.scalars(select(LoginAttempt).where(LoginAttempt.email == user.email)).one().succeeded


@pytest.mark.first_backend
def test_the_page_asked_for_opens_after_signing_in_and_never_another_site(
    sso_client: HttpsClient, provider: Provider, db: Session
) -> None:
    make_user(db, email="next.rep@example.com")
    claims = {"email": "next.rep@example.com", "email_verified": True}
    to_notes = sign_in_through(sso_client, provider, "/login/sso?next=/me", **claims)
    assert to_notes.headers["Location"] == "/me"
    sso_client.post_form("/logout")
    elsewhere = sign_in_through(sso_client, provider, "/login/sso?next=//evil.example", **claims)
    assert elsewhere.headers["Location"] == "/"


@pytest.mark.first_backend
def test_only_the_latest_attempt_in_a_browser_comes_back(
    sso_client: HttpsClient, provider: Provider, db: Session
) -> None:
    """Back from the provider and trying again: the earlier attempt is dropped, so the session
    cookie (state, nonce and PKCE verifier; then the ID token) stays small."""
    make_user(db, email="again.rep@example.com")
    sub = provider.person(email="again.rep@example.com", email_verified=True)
    earlier = approve_at_provider(provider, leave_for_provider(sso_client), sub)
    for _ in range(5):
        latest = approve_at_provider(provider, leave_for_provider(sso_client), sub)
    with sso_client.session_transaction() as session:
        assert len([key for key in session if key.startswith(sso.STATE_PREFIX)]) == 1
    assert len(sso_client.get_cookie("coachapp_session").value) < 1000  # type: ignore[union-attr]
    assert sso_client.get(earlier).status_code == 400
    assert sso_client.get(latest).status_code == 302
    assert len(sso_client.get_cookie("coachapp_session").value) < 2500  # type: ignore[union-attr]


@pytest.mark.first_backend
def test_the_sign_in_page_offers_single_sign_on_only_when_configured(
    sso_client: HttpsClient, client: HttpsClient
) -> None:
    with_sso = sso_client.get("/login").get_data(as_text=True)
    assert "Sign in with single sign-on" in with_sso and 'name="password"' in with_sso
    without = client.get("/login").get_data(as_text=True)
    assert "single sign-on" not in without and 'name="password"' in without
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=a&state=b").status_code == 404


@pytest.mark.first_backend
def test_signing_out_may_leave_through_the_provider_form(
    sso_client: HttpsClient, provider: Provider
) -> None:
    # Browsers check a form's redirects against form-action: sign-out continues there.
    policy = sso_client.get("/login").headers["Content-Security-Policy"]
    assert policy.endswith(f"form-action 'self' {provider.issuer}")


# Who is refused -------------------------------------------------------------------------


def test_an_unknown_email_is_refused_and_no_account_is_made(
    sso_client: HttpsClient, provider: Provider, db: Session
) -> None:
    response = sign_in_through(
        sso_client, provider, email="stranger@example.com", email_verified=True
    )
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "There is no Coachapp account for stranger@example.com" in page
    assert "Back to sign-in" in page
    assert not is_signed_in(sso_client)
    assert db.scalar(select(User).where(User.email == "stranger@example.com")) is None
    attempt = db.scalars(select(LoginAttempt).where(LoginAttempt.email == "stranger@example.com"))
    assert not attempt.one().succeeded


@pytest.mark.first_backend
@pytest.mark.parametrize("verified", [False, "false", None])
def test_an_unverified_email_is_refused(
    sso_client: HttpsClient, provider: Provider, db: Session, verified: Any
) -> None:
    user = make_user(db, email=f"unverified.{uuid.uuid4().hex[:6]}@example.com")
    claims: dict[str, Any] = {"email": user.email}
    if verified is not None:
        claims["email_verified"] = verified
    response = sign_in_through(sso_client, provider, **claims)
    assert response.status_code == 403
    assert f"has not verified the email address {user.email}" in response.get_data(as_text=True)
    assert not is_signed_in(sso_client)
    assert sessions_of(db, user) == 0


@pytest.mark.first_backend
def test_a_deactivated_person_is_refused(
    sso_client: HttpsClient, provider: Provider, db: Session
) -> None:
    user = make_user(db, email="gone.rep@example.com", active=False)
    response = sign_in_through(sso_client, provider, email=user.email, email_verified=True)
    assert response.status_code == 403
    assert "is deactivated" in response.get_data(as_text=True)
    assert sessions_of(db, user) == 0


@pytest.mark.first_backend
def test_no_email_at_all_is_refused(sso_client: HttpsClient, provider: Provider) -> None:
    response = sign_in_through(sso_client, provider, email_verified=True, email="")
    assert response.status_code == 403
    assert "did not give Coachapp an email address" in response.get_data(as_text=True)


def test_just_in_time_creation_makes_an_active_person_with_the_default_role(
    sso_client: HttpsClient,
    provider: Provider,
    db: Session,
    sso_app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sso_app.config, "OIDC_CREATE_USERS", "rep")
    response = sign_in_through(
        sso_client,
        provider,
        email="New.Starter@example.com",
        email_verified=True,
        name="  New   Starter ",
        zoneinfo="Europe/Berlin",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert is_signed_in(sso_client)
    user = db.scalars(select(User).where(User.email == "new.starter@example.com")).one()
    assert (user.name, user.role, user.manager_id, user.active) == (
        "New Starter",
        Role.REP,
        None,
        True,
    )
    assert user.timezone == "Europe/Berlin" and user.password_hash.startswith("!")
    created = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.object_id == user.id
        )
    ).one()
    assert created.actor_id == user.id
    assert created.details == {"email": user.email, "role": "rep", "source": "sso"}
    security = sso_client.get("/me").get_data(as_text=True)
    assert "when you first signed in with single sign-on" in security
    # Once made, the same person signs in again, without a second account.
    sso_client.post_form("/logout")
    again = sign_in_through(sso_client, provider, email=user.email, email_verified=True)
    assert again.status_code == 302
    assert db.scalar(select(func.count()).where(User.email == user.email)) == 1


def test_two_first_sign_ins_at_once_make_one_person(
    sso_app: Flask, sso_client: HttpsClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sso_app.config, "OIDC_CREATE_USERS", "director")
    claims = {"email": "twice@example.com", "email_verified": True}
    with sso_app.test_request_context():
        session = sso_app.extensions["coachapp.db"].sessionmaker()
        # The other sign-in made them between this one's look-up and its insert.
        first = sso_people._create_person(session, "twice@example.com", claims, Role.DIRECTOR)
        second = sso_people._create_person(session, "twice@example.com", claims, Role.DIRECTOR)
        session.commit()
        assert second.id == first.id
        session.close()
    assert db.scalar(select(func.count()).where(User.email == "twice@example.com")) == 1


@pytest.mark.first_backend
def test_just_in_time_creation_still_needs_a_verified_email(
    sso_client: HttpsClient,
    provider: Provider,
    db: Session,
    sso_app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sso_app.config, "OIDC_CREATE_USERS", "manager")
    response = sign_in_through(sso_client, provider, email="unchecked@example.com")
    assert response.status_code == 403
    assert db.scalar(select(User).where(User.email == "unchecked@example.com")) is None


# Forged and replayed returns ------------------------------------------------------------


@pytest.mark.first_backend
def test_a_wrong_or_missing_state_is_refused(
    sso_client: HttpsClient, provider: Provider, db: Session
) -> None:
    user = make_user(db, email="state.rep@example.com")
    sub = provider.person(email=user.email, email_verified=True)
    back = approve_at_provider(provider, leave_for_provider(sso_client), sub)
    query = parse_qs(urlsplit(back).query)
    wrong = sso_client.get(f"/login/sso/callback?code={query['code'][0]}&state=forged")
    missing = sso_client.get(f"/login/sso/callback?code={query['code'][0]}")
    for response in (wrong, missing):
        assert response.status_code == 400
        assert "Single sign-on did not complete" in response.get_data(as_text=True)
    assert not is_signed_in(sso_client)
    assert sessions_of(db, user) == 0
    # Started in another browser: this one holds no state for it.
    other = sso_client.application.test_client()
    assert other.get(back).status_code == 400


@pytest.mark.first_backend
def test_a_replayed_authorization_code_is_refused(
    sso_client: HttpsClient, provider: Provider, db: Session
) -> None:
    user = make_user(db, email="replay.rep@example.com")
    sub = provider.person(email=user.email, email_verified=True)
    back = approve_at_provider(provider, leave_for_provider(sso_client), sub)
    # Someone holding a copy of the browser's cookie and the return address...
    with sso_client.session_transaction() as session:
        kept = {key: value for key, value in session.items() if key.startswith("_state_")}
    assert sso_client.get(back).status_code == 302
    assert sessions_of(db, user) == 1
    # ...replays them: the state and the PKCE verifier match, the code was used.
    thief = sso_client.application.test_client()
    with thief.session_transaction() as session:
        session.update(kept)
    replayed = thief.get(back)
    assert replayed.status_code == 400
    assert "Single sign-on did not complete" in replayed.get_data(as_text=True)
    assert not is_signed_in(thief)  # type: ignore[arg-type]
    assert sessions_of(db, user) == 1


@pytest.mark.first_backend
def test_an_id_token_for_another_nonce_is_refused(
    sso_client: HttpsClient, provider: Provider, db: Session
) -> None:
    user = make_user(db, email="nonce.rep@example.com")
    sub = provider.person(email=user.email, email_verified=True)
    back = approve_at_provider(provider, leave_for_provider(sso_client), sub)
    with sso_client.session_transaction() as session:
        (key,) = (key for key in session if key.startswith("_state_"))
        kept = session[key]
        assert kept["data"]["nonce"]
        session[key] = {**kept, "data": {**kept["data"], "nonce": "one-this-browser-never-sent"}}
    response = sso_client.get(back)
    assert response.status_code == 400
    assert not is_signed_in(sso_client)
    assert sessions_of(db, user) == 0


@pytest.mark.first_backend
def test_an_id_token_not_signed_by_the_providers_key_is_refused(
    sso_client: HttpsClient,
    provider: Provider,
    db: Session,
    sso_app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = make_user(db, email="signature.rep@example.com")
    real = provider.http.get("/jwks").json()["keys"][0]
    # Another key under the provider's key id: the signature cannot verify against it.
    impostor = RSAKey.generate_key(2048, {"kid": real["kid"], "alg": "RS256", "use": "sig"})
    with sso_app.test_request_context():
        metadata = sso.client().load_server_metadata()
    monkeypatch.setitem(metadata, "jwks", KeySet([impostor]).as_dict(private=False))
    response = sign_in_through(sso_client, provider, email=user.email, email_verified=True)
    assert response.status_code == 400
    assert sessions_of(db, user) == 0


@pytest.mark.first_backend
def test_a_provider_naming_another_issuer_is_not_followed(
    sso_client: HttpsClient, sso_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sso_app.test_request_context():
        metadata = sso.client().load_server_metadata()
    monkeypatch.setitem(metadata, "issuer", "https://impostor.example")
    response = sso_client.get("/login/sso")
    assert response.status_code == 502
    assert "discovery names another issuer" in response.get_data(as_text=True)


@pytest.mark.first_backend
def test_returns_from_the_provider_are_throttled_per_address(
    sso_client: HttpsClient, sso_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sso_app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 3)
    answers = [
        sso_client.get("/login/sso/callback?code=guess&state=guess").status_code for _ in range(4)
    ]
    assert answers == [400, 400, 400, 429]


# Password sign-in turned off, and signing out --------------------------------------------


@pytest.mark.first_backend
def test_password_sign_in_can_be_turned_off(
    sso_client: HttpsClient,
    provider: Provider,
    db: Session,
    sso_app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = make_user(db, email="sso.only@example.com")
    monkeypatch.setitem(sso_app.config, "PASSWORD_SIGN_IN", "off")
    page = sso_client.get("/login").get_data(as_text=True)
    assert "Sign in with single sign-on" in page
    assert 'name="password"' not in page and "Remember me" not in page
    refused = login(sso_client, user.email)
    assert refused.status_code == 403
    assert "signs in with single sign-on only" in refused.get_data(as_text=True)
    assert sessions_of(db, user) == 0
    # Nor does a password get an API token.
    token = sso_client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert token.status_code == 403
    assert token.get_json()["error"]["code"] == "forbidden"
    signed_in = sign_in_through(sso_client, provider, email=user.email, email_verified=True)
    assert signed_in.status_code == 302 and is_signed_in(sso_client)


def test_turning_password_sign_in_off_needs_single_sign_on(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="PASSWORD_SIGN_IN=off needs single sign-on"):
        load_config(str(tmp_path), {"PASSWORD_SIGN_IN": "off"})


@pytest.mark.first_backend
def test_signing_out_ends_the_providers_session_too(
    sso_client: HttpsClient, provider: Provider, db: Session
) -> None:
    user = make_user(db, email="bye.rep@example.com")
    sign_in_through(sso_client, provider, email=user.email, email_verified=True)
    with sso_client.session_transaction() as session:
        id_token = session[sso.ID_TOKEN_KEY]
    response = sso_client.post_form("/logout")
    assert response.status_code == 302
    leaving = urlsplit(response.headers["Location"])
    end_session = provider.http.get("/.well-known/openid-configuration").json()[
        "end_session_endpoint"
    ]
    assert f"{leaving.scheme}://{leaving.netloc}{leaving.path}" == end_session
    query = parse_qs(leaving.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["https://localhost/login"]
    assert query["client_id"] == [CLIENT_ID]
    assert not is_signed_in(sso_client)  # ended here before leaving
    assert (
        db.scalars(select(BrowserSession).where(BrowserSession.user_id == user.id)).one().ended_at
    )
    # The provider confirms, then sends the browser back to the sign-in page.
    confirmed = provider.http.post(
        "/oauth2/end_session/confirm",
        data={"redirect_uri": query["post_logout_redirect_uri"][0]},
    )
    assert confirmed.headers["location"].startswith("https://localhost/login")


@pytest.mark.first_backend
def test_a_password_session_signs_out_here_only(sso_client: HttpsClient, db: Session) -> None:
    user = make_user(db, email="password.rep@example.com")
    assert login(sso_client, user.email).status_code == 302
    response = sso_client.post_form("/logout")
    assert response.headers["Location"] == "/login?signed_out=1"


# Settings refused at start-up -----------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"OIDC_ISSUER": "http://idp.example.com", "OIDC_CLIENT_ID": "c"}, "uses http"),
        ({"OIDC_ISSUER": "http://10.0.0.5:8080", "OIDC_CLIENT_ID": "c"}, "uses http"),
        ({"OIDC_ISSUER": "https://idp.example.com"}, "set OIDC_CLIENT_ID"),
        ({"OIDC_ISSUER": "idp.example.com", "OIDC_CLIENT_ID": "c"}, "must be an https URL"),
        (
            {
                "OIDC_ISSUER": "https://idp.example.com",
                "OIDC_CLIENT_ID": "c",
                "OIDC_CREATE_USERS": "admin",
            },
            "OIDC_CREATE_USERS",
        ),
        ({"PASSWORD_SIGN_IN": "sometimes"}, "PASSWORD_SIGN_IN must be on or off"),
    ],
)
def test_unsafe_or_incomplete_settings_stop_the_start(
    tmp_path: Any, settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path), settings)


@pytest.mark.parametrize(
    "issuer",
    ["https://login.example.com/realms/field/", "http://127.0.0.1:9400", "http://localhost:1"],
)
def test_https_issuers_and_http_on_loopback_are_accepted(tmp_path: Any, issuer: str) -> None:
    settings = load_config(str(tmp_path), {"OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": "c"})
    assert settings["OIDC_ISSUER"] == issuer.rstrip("/")
