"""The organisation's lines (tests.builders.build_lines) with the default guide, whose 3C
competencies are the only ones observed across the medical/commercial wall, as everyone's
guide; the account their team shares; the API called as any of them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp import policy
from coachapp.auth.service import issue_api_token
from coachapp.coaching import service as coaching
from coachapp.coaching.default_guide import ensure_default_guide
from coachapp.models import (
    Account,
    Competency,
    Function,
    GuideVersion,
    Note,
    NoteType,
    User,
)
from tests.builders import Lines
from tests.conftest import HttpsClient, login

Call = Callable[..., TestResponse]

OBSERVATIONS = "/api/v1/observations"
A_3C = "cross_functional_collaboration"
NOT_A_3C = "customer_profiling"
SEEN = "Brought the formulary timeline to the pharmacy pre-meeting before anyone asked."


@pytest.fixture
def guide(db: Session, lines: Lines) -> GuideVersion:
    """The default guide, with the 3C's, as the guide of every function."""
    version = ensure_default_guide(db)
    version.guide.target_functions = [function.value for function in Function]
    db.commit()
    return version


def competency(version: GuideVersion, key: str) -> Competency:
    return next(c for s in version.sections for c in s.competencies if c.key == key)


def the_account(db: Session, lines: Lines) -> Account:
    """The account of the rep's plan, whose team mixes the lines."""
    return db.scalars(select(Account).where(policy.accounts_scope(lines.people["rep"]))).one()


@pytest.fixture
def account(db: Session, lines: Lines) -> Account:
    return the_account(db, lines)


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, lines: Lines) -> Call:
    """call("sales_manager", "POST", url, json=...): the API as that person of the lines."""
    tokens: dict[str, str] = {}

    def request(who: str, method: str, url: str, json: Any = None) -> TestResponse:
        if who not in tokens:
            with app.app_context():
                tokens[who], _ = issue_api_token(db, lines.people[who])
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        return client.open(url, method=method, headers=headers, json=json)

    return request


def body(
    subject: User, account: Account, competency_id: int, text: str = SEEN, **extra: Any
) -> dict[str, Any]:
    return {
        "client_uuid": str(uuid.uuid4()),
        "subject_id": subject.id,
        "account_id": account.id,
        "competency_id": competency_id,
        "text": text,
        **extra,
    }


def page_client(app: Flask, person: User) -> HttpsClient:
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert login(client, person.email).status_code == 302
    return client


def draft_note(db: Session, manager: User, rep: User, version: GuideVersion) -> Note:
    """A draft to the rep that counts as coaching once shared (kind, a rating, a focus)."""
    rated = competency(version, A_3C)
    note, _ = coaching.create_note(
        db,
        manager,
        {
            "rep_id": rep.id,
            "guide_version_id": version.id,
            "type": NoteType.ONE_ON_ONE,
            "occurred_on": dt.date.today() - dt.timedelta(days=1),
            "ratings": [{"competency_id": rated.id, "score": 3, "evidence": "Seen at the IDN"}],
            "strengths": "Briefed the sales lead before the P&T meeting.",
            "development_focus": "Agree the next step with the account lead in the room.",
        },
    )
    return note
