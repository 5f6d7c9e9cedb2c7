"""The per-person limit on writes (coachapp.write_limit): pages, htmx and the API share one
allowance per person, kept in the database; 429 with Retry-After when it is used up."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bench.pages import counting_statements, queries_among
from coachapp.auth.service import issue_api_token
from coachapp.config import ConfigError, load_config
from coachapp.db import database
from coachapp.errors import Throttled
from coachapp.models import Role, User, WriteAllowance
from coachapp.write_limit import check_write_allowed
from tests.api.helpers import assert_error_shape, bearer, token_for
from tests.builders import Org, make_user
from tests.conftest import HttpsClient

NOBODYS_DEVICE = {"endpoint": "https://93.184.216.34/push/nobody"}


@pytest.fixture
def limit(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Any:
    """limit(per_minute, burst) sets the limit for this test only."""

    def set_limit(per_minute: int, burst: int) -> None:
        monkeypatch.setitem(app.config, "WRITE_RATE_PER_MINUTE", per_minute)
        monkeypatch.setitem(app.config, "WRITE_BURST", burst)

    return set_limit


def save_profile(client: HttpsClient, name: str, **kwargs: Any) -> Any:
    token = client.csrf_token("/me")
    return client.post(
        "/me/profile", data={"name": name, "timezone": "UTC", "csrf_token": token}, **kwargs
    )


def test_the_defaults_are_far_above_what_a_person_does() -> None:
    settings = load_config("/nonexistent")
    assert settings["WRITE_RATE_PER_MINUTE"] == 120
    assert settings["WRITE_BURST"] == 60


@pytest.mark.parametrize(
    ("name", "value"), [("WRITE_RATE_PER_MINUTE", "-1"), ("WRITE_BURST", "0"), ("WRITE_BURST", "x")]
)
def test_a_nonsense_limit_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config("/nonexistent")


def test_pages_get_a_page_that_says_to_wait_and_nothing_changes(
    limit: Any, login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    limit(1, 3)
    login_as("rep")
    for n in range(3):
        assert save_profile(client, f"Name {n}").status_code == 302
    refused = save_profile(client, "Too many")
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert 50 <= int(refused.headers["Retry-After"]) <= 60
    text = refused.get_data(as_text=True)
    assert "Please wait" in text and "a lot of changes in a short time" in text
    db.expire_all()
    assert db.get(User, org.people["rep"].id).name == "Name 2"  # type: ignore[union-attr]
    # Reading goes on as before.
    assert client.get("/my").status_code == 200


def test_htmx_and_the_api_get_the_json_error_shape(
    limit: Any, login_as: Any, client: HttpsClient, org: Org
) -> None:
    limit(1, 2)
    token = token_for(client, org, "rep")
    login_as("rep")
    assert save_profile(client, "One").status_code == 302
    assert (
        client.delete(
            "/api/v1/push-subscriptions", json=NOBODYS_DEVICE, headers=bearer(token)
        ).status_code
        == 404
    )  # counted, whatever the answer
    htmx = save_profile(client, "Three", headers={"HX-Request": "true"})
    error = assert_error_shape(htmx, 429)
    assert error["code"] == "too_many_requests"
    assert int(htmx.headers["Retry-After"]) >= 1
    api = client.delete("/api/v1/push-subscriptions", json=NOBODYS_DEVICE, headers=bearer(token))
    assert assert_error_shape(api, 429)["code"] == "too_many_requests"
    assert int(api.headers["Retry-After"]) >= 1
    # The browser calling the API with its CSRF token is the same person, with the same limit.
    cookie_api = client.delete(
        "/api/v1/push-subscriptions",
        json=NOBODYS_DEVICE,
        headers={"X-CSRFToken": client.csrf_token("/me")},
    )
    assert cookie_api.status_code == 429


def test_each_person_has_their_own_allowance(
    limit: Any, app: Flask, login_as: Any, client: HttpsClient, org: Org
) -> None:
    limit(1, 1)
    login_as("rep")
    assert save_profile(client, "One").status_code == 302
    assert save_profile(client, "Two").status_code == 429
    other: HttpsClient = app.test_client()  # type: ignore[assignment]
    token = token_for(other, org, "rep2")
    response = other.delete(
        "/api/v1/push-subscriptions", json=NOBODYS_DEVICE, headers=bearer(token)
    )
    assert response.status_code == 404


def test_signing_in_and_out_and_revoking_a_token_are_never_refused(
    limit: Any, login_as: Any, client: HttpsClient, org: Org
) -> None:
    limit(1, 1)
    token = token_for(client, org, "rep")
    login_as("rep")
    assert save_profile(client, "One").status_code == 302
    assert save_profile(client, "Two").status_code == 429
    assert client.delete("/api/v1/tokens", headers=bearer(token)).status_code == 204
    assert client.post_form("/logout").status_code == 302
    assert login_as("rep").get("/my").status_code == 200


def test_refused_and_unsigned_requests_are_not_counted(
    limit: Any, login_as: Any, client: HttpsClient, org: Org, db: Session
) -> None:
    limit(1, 2)
    login_as("rep")
    # A form without its CSRF token never reaches the limit.
    for _ in range(5):
        assert client.post("/me/profile", data={"name": "x", "timezone": "UTC"}).status_code == 400
    assert save_profile(client, "One").status_code == 302
    assert save_profile(client, "Two").status_code == 302
    first = save_profile(client, "Three")
    assert first.status_code == 429
    # Knocking again does not push the wait further out.
    for _ in range(10):
        again = save_profile(client, "Again")
        assert again.status_code == 429
        assert int(again.headers["Retry-After"]) <= int(first.headers["Retry-After"])
    assert db.get(WriteAllowance, org.people["admin"].id) is None


def test_an_api_write_costs_two_statements_before_its_view(
    app: Flask, client: HttpsClient, org: Org
) -> None:
    """Its token with its person, in one query, then the upsert that counts it; the view then
    uses that person (the commit that counts the write does not make it load them again)."""
    token = token_for(client, org, "rep")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200  # last used: now
    with counting_statements(app.extensions["coachapp.db"].engine) as sent:
        response = client.delete(
            "/api/v1/push-subscriptions", json=NOBODYS_DEVICE, headers=bearer(token)
        )
    assert response.status_code == 404
    queries = queries_among(sent)
    assert queries[0].startswith("SELECT api_tokens.id")
    assert "JOIN users" in queries[0]
    assert queries[1].startswith("INSERT INTO write_allowances")
    assert not [query for query in queries[2:] if query.startswith("SELECT users.")]


def test_the_allowance_refills_at_the_rate(app: Flask, limit: Any, db: Session, org: Org) -> None:
    """A burst of 3 at once, then one every 30 seconds (2 a minute)."""
    limit(2, 3)
    rep = org.people["rep"].id
    with app.test_request_context():
        t = 1_900_000_000.0
        for _ in range(3):
            check_write_allowed(db, rep, now=t)
        with pytest.raises(Throttled) as refused:
            check_write_allowed(db, rep, now=t)
        assert refused.value.retry_after == 30
        with pytest.raises(Throttled) as later:
            check_write_allowed(db, rep, now=t + 20)
        assert later.value.retry_after == 10
        check_write_allowed(db, rep, now=t + 30)  # one interval later: one more
        with pytest.raises(Throttled):
            check_write_allowed(db, rep, now=t + 31)
        # After a quiet spell the whole burst is back, and no more than that.
        for _ in range(3):
            check_write_allowed(db, rep, now=t + 1000)
        with pytest.raises(Throttled):
            check_write_allowed(db, rep, now=t + 1000)


def test_zero_turns_the_limit_off(app: Flask, limit: Any, db: Session, org: Org) -> None:
    limit(0, 1)
    with app.test_request_context():
        for _ in range(50):
            check_write_allowed(db, org.people["rep"].id, now=1_900_000_000.0)
    assert db.get(WriteAllowance, org.people["rep"].id) is None


# Concurrency: many requests of one person at once, on separate connections ----------------


@pytest.fixture
def committed_writer(app: Flask) -> Iterator[tuple[int, str]]:
    """A rep and a token committed for real (threads use connections of their own), removed
    afterwards with everything that hangs off them."""
    with app.app_context():
        db = database().sessionmaker()
        manager = make_user(db, role=Role.MANAGER, email=f"m-{uuid.uuid4().hex[:8]}@example.com")
        rep = make_user(db, manager_id=manager.id, email=f"r-{uuid.uuid4().hex[:8]}@example.com")
        db.commit()
        token, _ = issue_api_token(db, rep)
        ids = (rep.id, manager.id)
        db.close()
    try:
        yield ids[0], token
    finally:
        with app.app_context():
            db = database().sessionmaker()
            db.execute(delete(User).where(User.id == ids[0]))
            db.execute(delete(User).where(User.id == ids[1]))
            db.commit()
            assert db.scalar(select(WriteAllowance).filter_by(user_id=ids[0])) is None
            db.close()


def test_concurrent_writes_of_one_person_never_exceed_the_burst(
    app: Flask, limit: Any, committed_writer: tuple[int, str]
) -> None:
    """8 threads, 40 writes at once, a burst of 10 and one more a minute: exactly 10 go
    through (plus what the rate refills while the test runs, under one here)."""
    limit(1, 10)
    _, token = committed_writer
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(8)

    def hammer() -> None:
        client = app.test_client()
        start.wait()
        for _ in range(5):
            response = client.delete(
                "/api/v1/push-subscriptions",
                json=NOBODYS_DEVICE,
                headers=bearer(token),
                base_url="https://localhost",
            )
            with lock:
                statuses[response.status_code] += 1

    began = time.monotonic()
    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - began
    assert sum(statuses.values()) == 40, statuses
    assert set(statuses) <= {404, 429}, statuses
    refills = int(elapsed / 60)  # one a minute
    assert 10 <= statuses[404] <= 10 + refills, (statuses, elapsed)


def test_every_limited_api_write_documents_its_429(client: HttpsClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    documented = paths["/api/v1/tokens"]["post"]["responses"]["429"]
    writes = [
        (path, method, operation)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method in {"post", "put", "patch", "delete"}
    ]
    assert len(writes) > 20
    for path, method, operation in writes:
        if path == "/api/v1/tokens":
            continue  # its own throttle; revoking is never refused
        assert operation["responses"].get("429") == documented, (method, path)
    assert "429" not in paths["/api/v1/tokens"]["delete"]["responses"]
