"""Account-team reviews are tested on the organisation's lines (tests.builders.build_lines):
one account whose team mixes the sales, market access, medical and patient-services lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp import policy
from coachapp.models import Account
from tests.api.helpers import api_caller
from tests.builders import Lines
from tests.conftest import HttpsClient

REVIEWS = "/api/v1/reviews"
ON_THE_TEAM = ("rep", "msl", "access_rep", "nurse")
Call = Callable[..., TestResponse]


@pytest.fixture
def account(db: Session, lines: Lines) -> Account:
    """The account of the rep's plan, whose team mixes the lines."""
    return db.scalars(select(Account).where(policy.accounts_scope(lines.people["rep"]))).one()


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, lines: Lines) -> Call:
    """The API as someone of the lines."""
    return api_caller(app, client, db, lines)  # type: ignore[arg-type]


RATINGS = [
    {"competency_key": "cross_functional_collaboration", "score": 3, "evidence": "MSL briefed"},
    {"competency_key": "account_team_coordination", "score": 2, "evidence": ""},
    {"competency_key": "team_communication", "score": 4, "evidence": "One thread, daily"},
]


def review_body(account: Account, lines: Lines, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "account_id": account.id,
        "plan_progress": "Formulary review moved to March; the P&T chair wants outcomes data.",
        "ratings": RATINGS,
        "agreements": [
            {
                "title": "Bring the outcomes deck to the P&T pre-read",
                "owner_id": lines.people["msl"].id,
                "due_date": "2099-01-15",
            },
            {
                "title": "Confirm the prior-authorisation route",
                "owner_id": lines.people["access_rep"].id,
                "due_date": "2099-01-20",
            },
        ],
    }
    body.update(extra)
    return body
