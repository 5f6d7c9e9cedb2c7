"""The account teams' figures on a hand-built case: the 3C's averaged over each account's reviews
held in the period with how many reviews each rests on, and the accounts with a cross-functional
review out of all; the same numbers on the director's dashboard and in the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.models import Account
from coachapp.policy import THREE_C_COMPETENCIES
from coachapp.reviews import lines as org_lines
from coachapp.reviews import schemas, service
from coachapp.reviews.figures import account_team_figures
from coachapp.timezones import local_today
from tests.builders import Lines, make_account, make_plan
from tests.conftest import HttpsClient, login
from tests.reviews.conftest import Call, review_body

KEYS = schemas.THREE_C_KEYS


def scores(*values: int) -> list[dict[str, Any]]:
    return [{"competency_key": k, "score": v} for k, v in zip(KEYS, values, strict=True)]


@pytest.fixture
def case(app: Flask, db: Session, lines: Lines, account: Account) -> dict[str, Any]:
    """On the lines' account: a cross-functional review 10 days ago (3, 2, 4), a review of
    market access alone 40 days ago (1, 2, 2), and one 100 days ago (4, 4, 4); a second
    account in the director's subtree (an MSL put under the sales manager owns its plan)
    with no review."""
    people = lines.people
    today = local_today(people["sales_manager"].timezone)
    with app.app_context():
        for who, days, values, participants in (
            ("sales_manager", 10, (3, 2, 4), None),
            ("access_manager", 40, (1, 2, 2), [people["access_rep"].id]),
            ("sales_manager", 100, (4, 4, 4), None),
        ):
            extra: dict[str, Any] = {
                "ratings": scores(*values),
                "agreements": [],
                "held_on": (today - dt.timedelta(days=days)).isoformat(),
            }
            if participants:
                extra["participant_ids"] = participants
            body = schemas.review_create_schema.load(review_body(account, lines, **extra))
            service.create_review(db, people[who], body)
    quiet = make_account(db, name="Quiet Valley Clinic")
    make_plan(db, people["crossed_msl"], account=quiet)
    db.commit()
    return {"account": account, "quiet": quiet, "today": today}


def by_key(figures: Any) -> dict[str, tuple[float | None, int]]:
    return {f.key: (f.average, f.reviews) for f in figures}


def test_the_director_sees_each_team_on_the_3cs_in_the_period(
    db: Session, lines: Lines, case: dict[str, Any]
) -> None:
    board = account_team_figures(db, lines.people["director"], 90, case["today"])
    assert (board.accounts_total, board.accounts_with_cross_functional_review) == (2, 1)
    assert board.reviews == 2  # the one of 100 days ago is out of the period
    reviewed, quiet = board.accounts  # those reviewed in the period first
    assert quiet.account.id == case["quiet"].id and quiet.reviews == 0
    assert by_key(quiet.three_cs) == {k: (None, 0) for k in KEYS}
    assert reviewed.account.id == case["account"].id
    assert (reviewed.reviews, reviewed.cross_functional_reviews) == (2, 1)
    assert by_key(reviewed.three_cs) == {
        "cross_functional_collaboration": (2.0, 2),
        "account_team_coordination": (2.0, 2),
        "team_communication": (3.0, 2),
    }
    assert reviewed.last_review_on == case["today"] - dt.timedelta(days=10)
    assert by_key(board.three_cs) == by_key(reviewed.three_cs)


def test_a_shorter_period_keeps_the_latest_review_only(
    db: Session, lines: Lines, case: dict[str, Any]
) -> None:
    board = account_team_figures(db, lines.people["director"], 30, case["today"])
    (reviewed,) = board.reviewed
    assert [a.account.id for a in board.not_reviewed] == [case["quiet"].id]
    assert by_key(reviewed.three_cs) == {
        "cross_functional_collaboration": (3.0, 1),
        "account_team_coordination": (2.0, 1),
        "team_communication": (4.0, 1),
    }
    assert board.accounts_with_cross_functional_review == 1


def test_a_team_whose_only_review_is_one_line_had_no_cross_functional_review(
    db: Session, lines: Lines, case: dict[str, Any]
) -> None:
    # 30 days ending 35 days ago: the market-access review alone.
    board = account_team_figures(
        db, lines.people["director"], 30, case["today"] - dt.timedelta(days=35)
    )
    (reviewed,) = [a for a in board.accounts if a.account.id == case["account"].id]
    assert (reviewed.reviews, reviewed.cross_functional_reviews) == (1, 0)
    assert not reviewed.had_cross_functional_review
    assert board.accounts_with_cross_functional_review == 0
    assert by_key(reviewed.three_cs)["cross_functional_collaboration"] == (1.0, 1)


def test_each_director_sees_the_accounts_of_their_subtree(
    db: Session, lines: Lines, case: dict[str, Any]
) -> None:
    medical = account_team_figures(db, lines.people["medical_director"], 90, case["today"])
    assert [a.account.id for a in medical.accounts] == [case["account"].id]
    assert medical.accounts_with_cross_functional_review == 1
    for who in ("rep", "msl"):
        assert account_team_figures(db, lines.people[who], 90, case["today"]).accounts == []


def test_a_national_scope_names_the_first_accounts_without_a_review_and_counts_them_all(
    db: Session, lines: Lines, case: dict[str, Any]
) -> None:
    for n in range(4):
        make_plan(db, lines.people["crossed_msl"], account=make_account(db, name=f"Annex {n}"))
    db.commit()
    director, today = lines.people["director"], case["today"]
    everything = account_team_figures(db, director, 90, today)
    shortened = account_team_figures(db, director, 90, today, not_reviewed_shown=2)
    assert everything.not_reviewed_total == len(everything.not_reviewed) == 5
    names = [a.account.name for a in everything.not_reviewed]
    assert names == sorted(names)  # by name
    assert [a.account.name for a in shortened.not_reviewed] == names[:2]
    assert shortened.not_reviewed_total == 5
    for board in (everything, shortened):
        assert board.accounts_total == 6
        assert board.accounts_with_cross_functional_review == 1
        assert [a.account.id for a in board.reviewed] == [case["account"].id]
    assert by_key(shortened.three_cs) == by_key(everything.three_cs)
    # As many as shown: the count is still of them all.
    exact = account_team_figures(db, director, 90, today, not_reviewed_shown=5)
    assert (len(exact.not_reviewed), exact.not_reviewed_total) == (5, 5)


def test_the_api_gives_the_same_figures(call: Call, lines: Lines, case: dict[str, Any]) -> None:
    body = call("director", "GET", "/api/v1/account-teams?window_days=90").get_json()
    assert (body["accounts_total"], body["accounts_with_cross_functional_review"]) == (2, 1)
    assert body["window_days"] == 90 and body["to"] == case["today"].isoformat()
    reviewed = body["accounts"][0]
    assert reviewed["account_id"] == case["account"].id
    assert reviewed["three_cs"][2] == {
        "competency_key": "team_communication",
        "name": "Communication",
        "average": 3.0,
        "reviews": 2,
    }
    assert call("rep", "GET", "/api/v1/account-teams").get_json()["accounts"] == []
    refused = call("director", "GET", "/api/v1/account-teams?window_days=0")
    assert refused.status_code == 422


def test_the_dashboard_shows_them(app: Flask, lines: Lines, case: dict[str, Any]) -> None:
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert login(client, lines.people["director"].email).status_code == 302
    page = client.get("/org").get_data(as_text=True)
    assert "Account teams" in page and "1 of 2" in page
    assert case["account"].name in page and "Quiet Valley Clinic" in page
    assert "<strong>3.0</strong>" in page  # communication, over 2 reviews
    shorter = client.get("/org?period=30").get_data(as_text=True)
    assert "<strong>4.0</strong>" in shorter


def test_cross_functional_means_two_lines_or_more() -> None:
    fn = org_lines.Function
    assert not org_lines.is_cross_functional([fn.SALES, fn.KEY_ACCOUNT])
    assert not org_lines.is_cross_functional([fn.MARKET_ACCESS, fn.REIMBURSEMENT])
    assert org_lines.is_cross_functional([fn.KEY_ACCOUNT, fn.REIMBURSEMENT])
    assert org_lines.is_cross_functional([fn.MSL, fn.NURSE_EDUCATOR])
    assert set(schemas.THREE_C_KEYS) == set(THREE_C_COMPETENCIES)
