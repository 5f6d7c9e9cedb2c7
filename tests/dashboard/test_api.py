"""GET /api/v1/cadence and /api/v1/cadence/teams with a bearer token, at the fixed clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.auth.service import issue_api_token
from coachapp.models import Role
from tests.conftest import HttpsClient
from tests.dashboard.history import History, person

# DESIGN.md "Core JSON shapes": these names stay.
CONTRACT = {
    "rep_id",
    "rep_email",
    "manager_id",
    "last_coached_on",
    "days_since_last",
    "sessions_in_window",
    "target_days",
    "overdue_follow_ups",
    "status",
}


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, h: History, frozen_now: dt.datetime) -> Any:
    def get(who: str, path: str) -> Any:
        with app.app_context():
            token, _ = issue_api_token(db, h[who] if who in h.people else _admin(db))
        return client.get(path, headers={"Authorization": f"Bearer {token}"})

    return get


def _admin(db: Session) -> Any:
    admin = person(db, role=Role.ADMIN, name="Ada Admin")
    db.commit()
    return admin


def test_rows_have_the_contract_shape_and_the_figures(call: Any, h: History) -> None:
    response = call("director", "/api/v1/cadence")
    assert response.status_code == 200
    rows = response.get_json()
    assert all(set(row) >= CONTRACT for row in rows)
    # Who needs coaching next first.
    assert [r["rep_name"] for r in rows][:3] == ["Ben Blank", "Hal Orphan", "Dan Due"]
    ana = next(r for r in rows if r["rep_id"] == h["ana"].id)
    assert ana == {
        "rep_id": h["ana"].id,
        "rep_email": h["ana"].email,
        "rep_name": "Ana Ahead",
        "manager_id": h["manager_a"].id,
        "function": "sales",
        "region": "Northeast",
        "as_of": "2026-03-10",
        "window_days": 90,
        "last_coached_on": "2026-03-03",
        "days_since_last": 7,
        "sessions_in_window": 3,
        "target_days": 14,
        "next_due_on": "2026-03-17",
        "status": "on_track",
        "ride_along_target_days": 30,
        "last_ride_along_on": "2026-02-24",
        "days_since_ride_along": 14,
        "ride_alongs_in_window": 2,
        "ride_along_status": "on_track",
        "open_follow_ups": 3,
        "overdue_follow_ups": 2,
        "follow_ups_due": 3,
        "follow_ups_done": 1,
        "notes_shared": 3,
        "notes_acknowledged": 3,
        "acknowledged_share": 1.0,
        "median_hours_to_acknowledge": 10.0,
        "notes_acknowledged_late": 0,
        "notes_past_deadline": 0,
        "focus_competencies": [{"key": "shares_plan", "name": "Shares the plan"}],
    }
    ben = next(r for r in rows if r["rep_name"] == "Ben Blank")
    assert (ben["last_coached_on"], ben["days_since_last"], ben["status"]) == (None, None, "never")
    assert ben["acknowledged_share"] is None and ben["median_hours_to_acknowledge"] is None


def test_query_parameters_narrow_and_are_validated(call: Any, h: History) -> None:
    def names(path: str) -> set[str]:
        response = call("director", path)
        assert response.status_code == 200, response.get_json()
        return {r["rep_name"] for r in response.get_json()}

    assert names("/api/v1/cadence?region=Southeast") == {"Ben Blank"}
    assert names("/api/v1/cadence?function=reimbursement") == {"Ben Blank"}
    assert names(f"/api/v1/cadence?manager_id={h['manager_b'].id}") == {"Gus Good"}
    rows = call("director", "/api/v1/cadence?window_days=30").get_json()
    assert {r["window_days"] for r in rows} == {30}
    for bad in ("window_days=0", "window_days=367", "function=pilot", "manager_id=x", "other=1"):
        response = call("director", f"/api/v1/cadence?{bad}")
        assert response.status_code == 422, bad
        assert response.get_json()["error"]["code"]


def test_each_caller_gets_their_scope(call: Any, h: History) -> None:
    def ids(who: str) -> set[int]:
        return {r["rep_id"] for r in call(who, "/api/v1/cadence").get_json()}

    team_a = {h[n].id for n in ("ana", "ben", "cat", "dan", "eve")}
    assert ids("manager_a") == team_a
    assert ids("manager_b") == {h["gus"].id}
    assert ids("director2") == {h["ivy"].id}
    assert ids("ana") == {h["ana"].id}
    assert ids("admin") == set()


def test_teams_add_up_per_manager(call: Any, h: History) -> None:
    teams = call("director", "/api/v1/cadence/teams").get_json()
    assert [t["manager_name"] for t in teams] == ["Alma Able", "Bo Baker", "Cy Gone"]
    alma = teams[0]
    assert alma == {
        "manager_id": h["manager_a"].id,
        "manager_email": h["manager_a"].email,
        "manager_name": "Alma Able",
        "target_days": 14,
        "ride_along_target_days": 30,
        "rep_count": 5,
        "within_target": 3,
        "overdue": 1,
        "never_coached": 1,
        "sessions_in_window": 6,
        "ride_alongs_in_window": 3,
        "open_follow_ups": 4,
        "overdue_follow_ups": 3,
        "follow_up_completion": 0.25,
        "acknowledged_share": pytest.approx(5 / 6),
        "median_hours_to_acknowledge": 10.0,
        # Cat's note of 24 February waits for her since the 27th (three days, in Los Angeles).
        "notes_acknowledged_late": 0,
        "notes_past_deadline": 1,
        # Every note of the history names what was seen; no rep has rated themself.
        "notes_with_specific_evidence": 6,
        "specific_evidence_share": 1.0,
        "mean_rating_gap": None,
        "rating_gap_pairs": 0,
    }
    assert (teams[1]["target_days"], teams[1]["ride_along_target_days"]) == (7, 20)


def test_a_page_of_teams_computes_the_figures_of_its_own_reps_only(
    call: Any, h: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national scope has hundreds of teams: a page's figures are computed for its teams'
    reps, and are the figures those teams have on the whole list."""
    from coachapp.dashboard import service

    whole = call("director", "/api/v1/cadence/teams?limit=200").get_json()
    computed_for: list[set[int]] = []
    load = service.load_cadence

    def recording(db: Any, reps: Any, *args: Any, **kwargs: Any) -> Any:
        computed_for.append({rep.id for rep in reps})
        return load(db, reps, *args, **kwargs)

    monkeypatch.setattr(service, "load_cadence", recording)
    walked, path = [], "/api/v1/cadence/teams?limit=1"
    while path:
        answer = call("director", path)
        (team,) = answer.get_json()
        walked.append(team)
        assert len(computed_for[-1]) == team["rep_count"]
        link = answer.headers.get("Link", "")
        path = link[link.index("/api/") : link.index(">")] if link else ""
    assert walked == whole
    assert len(computed_for) == len(whole)
