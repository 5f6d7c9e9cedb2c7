"""Coaching quality per manager for a director, on the known history at the fixed clock: the
share of notes with specific evidence, the self/manager rating gap and its 13-week trend,
beside the time to acknowledge and follow-up completion."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.auth.service import issue_api_token
from coachapp.coaching.cadence import TREND_WEEKS, load_cadence
from coachapp.models import Note
from tests.conftest import HttpsClient
from tests.dashboard.history import NOW, History


def self_rated(note: Note, *scores: int | None) -> None:
    """The rep rated themself on the note's two competencies (in guide order)."""
    ids = [r.competency_id for r in note.ratings]
    note.self_assessment = {
        "ratings": [{"competency_id": c, "score": s} for c, s in zip(ids, scores, strict=True)],
        "at": NOW.isoformat(),
    }
    note.self_rated_at = NOW


@pytest.fixture
def rated(db: Session, h: History) -> History:
    """Ana's February note reads as vague praise; three reps rated themselves."""
    h.notes["ana_feb"].strengths = "Great job, very professional."
    self_rated(h.notes["ana_mar"], 2, 4)  # the manager gave 4 and 2: two gaps of 2
    self_rated(h.notes["dan_feb"], 3, 3)  # the manager gave 3 and 3: no gap
    self_rated(h.notes["eve_mar"], 3, None)  # the manager gave 1 and 1: one gap of 2
    # Rated by Ivy, on another director's team: in nobody's figures here.
    self_rated(h.notes["ivy_mar"], 4, 4)
    db.commit()
    return h


def test_quality_of_a_team_in_the_window(db: Session, rated: History) -> None:
    h = rated
    team_a = [h[n] for n in ("ana", "ben", "cat", "dan", "eve")]
    book = load_cadence(db, team_a, NOW, trend_weeks=TREND_WEEKS, quality=True)
    quality = book.quality()
    # Six notes in the 90-day window (Ana's three, Cat's, Dan's, Eve's), one of them vague.
    assert (quality.notes, quality.notes_with_specific_evidence) == (6, 5)
    assert quality.specific_evidence_share == pytest.approx(5 / 6)
    assert sorted(quality.gaps) == [0, 0, 2, 2, 2]
    assert quality.mean_absolute_gap == pytest.approx(1.2)
    trend = book.gap_trend([r.id for r in team_a], dt.date(2026, 3, 10))
    assert len(trend.values) == TREND_WEEKS and trend.week_ends[-1] == dt.date(2026, 3, 10)
    # Week to 3 March: Ana's 3 March and Eve's 1 March notes; week to 24 February: Dan's.
    assert trend.values[-2:] == (2.0, None)
    assert trend.values[-3] == 0.0
    assert all(value is None for value in trend.values[:-3])
    # Without the quality rows, asking for quality is a mistake in the caller.
    with pytest.raises(ValueError):
        load_cadence(db, team_a, NOW).quality()


@pytest.fixture
def call(
    app: Flask, client: HttpsClient, db: Session, rated: History, frozen_now: dt.datetime
) -> Any:
    def get(who: str, path: str) -> Any:
        with app.app_context():
            token, _ = issue_api_token(db, rated[who])
        return client.get(path, headers={"Authorization": f"Bearer {token}"})

    return get


def test_api_quality_per_manager(call: Any, rated: History) -> None:
    response = call("director", "/api/v1/cadence/quality")
    assert response.status_code == 200, response.get_data(as_text=True)
    teams = {t["manager_name"]: t for t in response.get_json()}
    assert set(teams) == {"Alma Able", "Bo Baker", "Cy Gone"}
    alma = teams["Alma Able"]
    assert alma["notes"] == 6 and alma["notes_with_specific_evidence"] == 5
    assert alma["specific_evidence_share"] == pytest.approx(5 / 6)
    assert alma["mean_rating_gap"] == pytest.approx(1.2) and alma["rating_gap_pairs"] == 5
    assert alma["median_hours_to_acknowledge"] == 10.0
    assert alma["follow_up_completion"] == 0.25
    trend = alma["rating_gap_trend"]
    assert len(trend) == TREND_WEEKS and trend[-1] == {"week_end": "2026-03-10", "value": None}
    assert trend[-2] == {"week_end": "2026-03-03", "value": 2.0}
    # Gus's team: one note, nobody rated themself.
    bo = teams["Bo Baker"]
    assert bo["mean_rating_gap"] is None and bo["rating_gap_pairs"] == 0
    assert all(point["value"] is None for point in bo["rating_gap_trend"])
    # The same figures in /cadence/teams, without the trend.
    same = {t["manager_name"]: t for t in call("director", "/api/v1/cadence/teams").get_json()}
    assert same["Alma Able"]["mean_rating_gap"] == pytest.approx(1.2)
    assert "rating_gap_trend" not in same["Alma Able"]


def test_api_quality_covers_the_callers_scope(call: Any, rated: History) -> None:
    assert [t["manager_name"] for t in call("director2", "/api/v1/cadence/quality").get_json()] == [
        "Far Manager"
    ]
    far = call("director2", "/api/v1/cadence/quality").get_json()[0]
    assert far["mean_rating_gap"] == 1.0 and far["rating_gap_pairs"] == 2  # 4 and 4 against 3, 3
    assert call("ana", "/api/v1/cadence/quality").status_code == 200
    bad = call("director", "/api/v1/cadence/quality?window_days=0")
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "validation_error"


def test_the_director_sees_quality_per_manager_on_the_pages(sign_in: Any, rated: History) -> None:
    director = sign_in("director")
    board = director.get("/org").get_data(as_text=True)
    quality = board.split('id="quality-heading"')[1].split("</table>")[0]
    alma = quality.split("Alma Able")[1].split("</tr>")[0]
    assert '<strong>83%</strong><span class="cell-meta">5 of 6</span>' in alma
    assert '<strong>1.2</strong><span class="cell-meta">points · 5 pairs</span>' in alma
    assert '<strong>10 h</strong><span class="cell-meta">median' in alma
    # Cat's note waits past its deadline: said in words, in red.
    assert '<span class="text-bad">1 past the deadline</span>' in alma
    # The overall trend on the dashboard; a team's own on its page.
    assert "Self/manager rating gap, weeks ending" in board
    team = director.get(f"/org/teams/{rated['manager_a'].id}").get_data(as_text=True)
    block = team.split('id="quality-heading"')[1].split("</section>")[0]
    assert "Self/manager rating gap, weeks ending" in block  # the trend, described
    assert "Notes with specific evidence" in block and "83%" in block
    assert "Self/manager rating gap" in block and "1.2" in block
    assert f"/coach-the-coach/new?manager_id={rated['manager_a'].id}" in block
