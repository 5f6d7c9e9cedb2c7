"""Building a ride-along day for the tests (planned, with a last note whose agreements the
pre-brief shows), and calling the API as one person of the org."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp.auth.service import issue_api_token
from coachapp.coaching import calendar
from coachapp.models import CoachingSession, FollowUp, PlannedRideAlong, SessionStatus
from tests.builders import Org, make_follow_up, make_session
from tests.conftest import HttpsClient

Call = Callable[..., TestResponse]


def api_caller(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    """call("manager", "PATCH", url, json=..., if_match=3): the API as that person, by token."""
    tokens: dict[str, str] = {}

    def request(who: str, method: str, url: str, json: Any = None, if_match: Any = None) -> Any:
        if who not in tokens:
            with app.app_context():
                tokens[who], _ = issue_api_token(db, org.people[who])
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        return client.open(url, method=method, headers=headers, json=json)

    return request


@dataclass
class Day:
    ride: PlannedRideAlong
    last_note: CoachingSession
    rep_agreement: FollowUp
    manager_agreement: FollowUp
    competencies: list[int]


def plan_day(db: Session, org: Org, day: dt.date | None = None) -> Day:
    """manager plans a ride-along with rep on their plan; rep's last note (shared yesterday)
    has two agreements, one each."""
    manager, rep = org.people["manager"], org.people["rep"]
    version = org.sessions["shared"].guide_version
    last = make_session(
        db,
        manager,
        rep,
        SessionStatus.SHARED,
        guide_version=version,
        occurred_on=dt.date.today() - dt.timedelta(days=1),
    )
    rep_agreement = make_follow_up(
        db, rep, manager, session_id=last.id, title="Send the pharmacy the dosing summary"
    )
    manager_agreement = make_follow_up(
        db, manager, manager, session_id=last.id, title="Introduce Riley to the GPO lead"
    )
    db.commit()
    ride = calendar.plan_ride_along(
        db, manager, rep.id, day or dt.date.today(), dt.date.today(), org.plans["rep"].id
    )
    competencies = [c.id for s in version.sections for c in s.competencies]
    return Day(ride, last, rep_agreement, manager_agreement, competencies)
