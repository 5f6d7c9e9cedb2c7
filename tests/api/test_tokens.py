"""The bearer-token flow as an API client uses it, and what /api/v1/reps shows to each role."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from coachapp.models import ApiToken, Role, User
from tests.api.helpers import TOKENS, assert_error_shape, bearer, issue_token, token_for
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient

REP_FIELDS = {"id", "email", "name", "function", "manager_id"}


def rows_for(db: Session, user: User) -> list[ApiToken]:
    db.expire_all()
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def assert_unauthorized(response: object) -> dict[str, object]:
    error = assert_error_shape(response, 401)
    assert error["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")  # type: ignore[attr-defined]
    return error


# Issuing ---------------------------------------------------------------------------------------


def test_sign_in_returns_a_token_and_its_expiry(client: HttpsClient, org: Org) -> None:
    before = dt.datetime.now(dt.UTC)
    response = client.post(
        TOKENS, json={"email": org.people["manager"].email, "password": PASSWORD}
    )
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    assert isinstance(body["token"], str) and len(body["token"]) >= 40
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    assert expires_at.utcoffset() is not None, "expires_at must carry its UTC offset"
    lifetime = expires_at - before
    assert dt.timedelta(days=30) - dt.timedelta(minutes=1) <= lifetime
    assert lifetime <= dt.timedelta(days=30) + dt.timedelta(minutes=1)


def test_the_token_opens_me_and_reps(client: HttpsClient, org: Org) -> None:
    manager = org.people["manager"]
    token = token_for(client, org, "manager")
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json["id"] == manager.id
    assert me.json["email"] == manager.email
    assert me.json["role"] == "manager"
    reps = client.get("/api/v1/reps", headers=bearer(token))
    assert reps.status_code == 200
    assert isinstance(reps.json, list)


def test_each_sign_in_gives_a_new_token(client: HttpsClient, org: Org, db: Session) -> None:
    first = token_for(client, org, "rep")
    second = token_for(client, org, "rep")
    assert first != second
    assert len(rows_for(db, org.people["rep"])) == 2
    for token in (first, second):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_email_is_case_and_space_insensitive(client: HttpsClient, org: Org) -> None:
    email = "  " + org.people["rep"].email.upper() + " "
    token = issue_token(client, email)
    assert client.get("/api/v1/me", headers=bearer(token)).json["id"] == org.people["rep"].id


def test_the_scheme_name_is_case_insensitive(client: HttpsClient, org: Org) -> None:
    token = token_for(client, org, "rep")
    response = client.get("/api/v1/me", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


def test_the_token_can_be_named(client: HttpsClient, org: Org, db: Session) -> None:
    body = {"email": org.people["rep"].email, "password": PASSWORD, "name": "my phone"}
    assert client.post(TOKENS, json=body).status_code == 201
    assert [row.name for row in rows_for(db, org.people["rep"])] == ["my phone"]


def test_the_token_is_stored_hashed(client: HttpsClient, org: Org, db: Session) -> None:
    token = token_for(client, org, "manager")
    [row] = rows_for(db, org.people["manager"])
    assert row.token_hash != token
    assert token not in row.token_hash
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    secret = token.removeprefix("cap_")
    # Nowhere in the table, in any column of any row.
    for stored in db.execute(text("SELECT * FROM api_tokens")).all():
        for value in stored:
            assert token not in str(value)
            assert secret not in str(value)


def test_use_is_recorded(client: HttpsClient, org: Org, db: Session) -> None:
    token = token_for(client, org, "rep")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    [row] = rows_for(db, org.people["rep"])
    assert row.last_used_at is not None


# Refusing to issue -----------------------------------------------------------------------------


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: HttpsClient, org: Org
) -> None:
    wrong = client.post(TOKENS, json={"email": org.people["rep"].email, "password": "nope nope"})
    unknown = client.post(TOKENS, json={"email": "nobody@example.com", "password": "nope nope"})
    for response in (wrong, unknown):
        error = assert_unauthorized(response)
        assert error["message"] == "Email or password is incorrect."
    assert wrong.get_json() == unknown.get_json()
    assert "nope nope" not in wrong.get_data(as_text=True)


def test_a_deactivated_user_gets_no_token(client: HttpsClient, org: Org, db: Session) -> None:
    db.execute(update(User).where(User.id == org.people["rep"].id).values(active=False))
    db.commit()
    response = client.post(TOKENS, json={"email": org.people["rep"].email, "password": PASSWORD})
    error = assert_unauthorized(response)
    assert error["message"] == "Email or password is incorrect."
    assert rows_for(db, org.people["rep"]) == []


def test_repeated_failures_are_throttled(client: HttpsClient, org: Org) -> None:
    email = org.people["rep"].email
    for _ in range(5):
        assert (
            client.post(TOKENS, json={"email": email, "password": "wrong one"}).status_code == 401
        )
    throttled = client.post(TOKENS, json={"email": email, "password": PASSWORD})
    error = assert_error_shape(throttled, 429)  # even the right password waits now
    assert error["code"] == "too_many_requests"
    assert "Too many sign-in attempts" in error["message"]
    retry_after = int(throttled.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60


def test_throttling_is_per_address(client: HttpsClient, org: Org) -> None:
    email = org.people["rep"].email
    for _ in range(5):
        client.post(TOKENS, json={"email": email, "password": "wrong one"})
    elsewhere = client.post(
        TOKENS,
        json={"email": email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert elsewhere.status_code == 201


def test_one_person_gets_only_so_many_tokens_per_window(
    app: Flask, client: HttpsClient, org: Org, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "API_TOKENS_MAX_PER_USER", 3)
    email = org.people["rep"].email
    for _ in range(3):
        assert client.post(TOKENS, json={"email": email, "password": PASSWORD}).status_code == 201
    throttled = client.post(TOKENS, json={"email": email, "password": PASSWORD})
    error = assert_error_shape(throttled, 429)
    assert error["code"] == "too_many_requests"
    assert "Too many new API tokens" in error["message"]
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    assert len(rows_for(db, org.people["rep"])) == 3
    # Someone else is not held up, and from another address the same person is still limited.
    other = client.post(TOKENS, json={"email": org.people["rep2"].email, "password": PASSWORD})
    assert other.status_code == 201
    elsewhere = client.post(
        TOKENS,
        json={"email": email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert elsewhere.status_code == 429


def test_the_token_limit_reopens_as_old_tokens_leave_the_window(
    app: Flask, client: HttpsClient, org: Org, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "API_TOKENS_MAX_PER_USER", 2)
    rep = org.people["rep"]
    for _ in range(2):
        client.post(TOKENS, json={"email": rep.email, "password": PASSWORD})
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    db.execute(update(ApiToken).where(ApiToken.user_id == rep.id).values(created_at=past))
    db.commit()
    assert client.post(TOKENS, json={"email": rep.email, "password": PASSWORD}).status_code == 201


def test_a_wrong_password_is_not_told_about_the_token_limit(
    app: Flask, client: HttpsClient, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "API_TOKENS_MAX_PER_USER", 1)
    email = org.people["rep"].email
    client.post(TOKENS, json={"email": email, "password": PASSWORD})
    wrong = client.post(TOKENS, json={"email": email, "password": "wrong one"})
    assert_unauthorized(wrong)


# Using a token that no longer works -------------------------------------------------------------


def test_an_expired_token_is_refused(client: HttpsClient, org: Org, db: Session) -> None:
    token = token_for(client, org, "manager")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.execute(
        update(ApiToken).where(ApiToken.user_id == org.people["manager"].id).values(expires_at=past)
    )
    db.commit()
    error = assert_unauthorized(client.get("/api/v1/me", headers=bearer(token)))
    assert "expired" in str(error["message"])
    assert_unauthorized(client.get("/api/v1/reps", headers=bearer(token)))


def test_a_revoked_token_is_refused(client: HttpsClient, org: Org, db: Session) -> None:
    token = token_for(client, org, "manager")
    other = token_for(client, org, "manager")
    response = client.delete(TOKENS, headers=bearer(token))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_unauthorized(client.get("/api/v1/me", headers=bearer(token)))
    assert_unauthorized(client.delete(TOKENS, headers=bearer(token)))
    # Only that token: the user's other token still works.
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
    revoked = [row for row in rows_for(db, org.people["manager"]) if row.revoked_at is not None]
    assert len(revoked) == 1


def test_revoking_needs_a_token(client: HttpsClient, org: Org) -> None:
    assert_unauthorized(client.delete(TOKENS))


def test_the_token_of_a_user_deactivated_later_is_refused(
    client: HttpsClient, org: Org, db: Session
) -> None:
    token = token_for(client, org, "rep")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    db.execute(update(User).where(User.id == org.people["rep"].id).values(active=False))
    db.commit()
    assert_unauthorized(client.get("/api/v1/me", headers=bearer(token)))
    assert_unauthorized(client.get("/api/v1/reps", headers=bearer(token)))


def test_a_valid_token_with_extra_characters_is_refused(client: HttpsClient, org: Org) -> None:
    token = token_for(client, org, "rep")
    for variant in (token + "x", token[:-1], token.upper(), "x" + token):
        assert_unauthorized(client.get("/api/v1/me", headers=bearer(variant)))


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("", id="empty"),
        pytest.param("Bearer", id="scheme-only"),
        pytest.param("Bearer ", id="scheme-space"),
        pytest.param("Bearer    ", id="scheme-spaces"),
        pytest.param("Basic x", id="basic"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic-credentials"),
        pytest.param("Token abc", id="other-scheme"),
        pytest.param("Bearer nonsense", id="nonsense"),
        pytest.param("Bearer cap_", id="prefix-only"),
        pytest.param("Bearer cap_" + "a" * 43, id="well-formed-unknown"),
        pytest.param("Bearer a b c", id="spaces-inside"),
        pytest.param("Bearer " + "x" * 20_000, id="very-long"),
        pytest.param("Bearer cap_" + "x" * 20_000, id="very-long-prefixed"),
        pytest.param("Bearer cap_\u00e9\u00e8", id="latin1"),
    ],
)
def test_malformed_authorization_is_401_in_the_error_shape(
    client: HttpsClient, org: Org, header: str
) -> None:
    for method, path in (("GET", "/api/v1/me"), ("GET", "/api/v1/reps"), ("DELETE", TOKENS)):
        response = client.open(path, method=method, headers={"Authorization": header})
        assert_unauthorized(response)


def test_no_authorization_is_401(client: HttpsClient, org: Org) -> None:
    for path in ("/api/v1/me", "/api/v1/reps"):
        error = assert_unauthorized(client.get(path))
        assert "Bearer" in str(error["message"])


def test_a_bad_token_does_not_fall_back_to_the_browser_session(
    client: HttpsClient, org: Org
) -> None:
    from tests.conftest import login

    assert login(client, org.people["manager"].email).status_code == 302
    assert client.get("/api/v1/me").status_code == 200  # the signed-in browser itself
    assert_unauthorized(client.get("/api/v1/me", headers=bearer("nonsense")))


# What /api/v1/reps shows -----------------------------------------------------------------------


def reps_seen_by(client: HttpsClient, org: Org, who: str) -> list[dict[str, object]]:
    response = client.get("/api/v1/reps", headers=bearer(token_for(client, org, who)))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    reps: list[dict[str, object]] = response.get_json()
    for rep in reps:
        assert set(rep) == REP_FIELDS, rep
    return reps


def ids(org: Org, *names: str) -> set[int]:
    return {org.people[name].id for name in names}


def test_a_manager_sees_exactly_their_direct_reports(client: HttpsClient, org: Org) -> None:
    reps = reps_seen_by(client, org, "manager")
    assert {rep["id"] for rep in reps} == ids(org, "rep", "rep2")
    assert len(reps) == 2
    by_id = {rep["id"]: rep for rep in reps}
    rep2 = org.people["rep2"]
    assert by_id[rep2.id] == {
        "id": rep2.id,
        "email": rep2.email,
        "name": "Robin Key",
        "function": "key_account",
        "manager_id": org.people["manager"].id,
    }
    assert by_id[org.people["rep"].id]["function"] == "sales"


def test_another_manager_sees_only_their_own_team(client: HttpsClient, org: Org) -> None:
    assert {rep["id"] for rep in reps_seen_by(client, org, "manager2")} == ids(org, "other_rep")
    assert {rep["id"] for rep in reps_seen_by(client, org, "manager3")} == ids(org, "far_rep")


def test_a_director_sees_the_reps_of_their_subtree(client: HttpsClient, org: Org) -> None:
    reps = reps_seen_by(client, org, "director")
    assert {rep["id"] for rep in reps} == ids(org, "rep", "rep2", "other_rep")
    assert {rep["id"] for rep in reps_seen_by(client, org, "director2")} == ids(org, "far_rep")


def test_a_rep_sees_themself(client: HttpsClient, org: Org) -> None:
    reps = reps_seen_by(client, org, "rep")
    assert [rep["id"] for rep in reps] == [org.people["rep"].id]


def test_an_admin_sees_every_rep(client: HttpsClient, org: Org, db: Session) -> None:
    reps = reps_seen_by(client, org, "admin")
    every_rep = set(db.scalars(select(User.id).where(User.role == Role.REP, User.active)))
    assert {rep["id"] for rep in reps} == every_rep
    assert ids(org, "rep", "rep2", "other_rep", "far_rep") <= every_rep


def test_deactivated_reps_are_not_listed(client: HttpsClient, org: Org, db: Session) -> None:
    db.execute(update(User).where(User.id == org.people["rep2"].id).values(active=False))
    db.commit()
    assert {rep["id"] for rep in reps_seen_by(client, org, "manager")} == ids(org, "rep")
