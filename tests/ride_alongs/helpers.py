"""Building a ride-along day for the tests (planned, with a last note whose agreements the
pre-brief shows), and calling the API as one person of the org."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from coachapp.models import FollowUp, Note, NoteStatus, PlannedRideAlong
from coachapp.ride_alongs import calendar
from tests.builders import Org, make_follow_up, make_note


@dataclass
class Day:
    ride: PlannedRideAlong
    last_note: Note
    rep_agreement: FollowUp
    manager_agreement: FollowUp
    competencies: list[int]


def plan_day(db: Session, org: Org, day: dt.date | None = None) -> Day:
    """manager plans a ride-along with rep on their plan; rep's last note (shared yesterday)
    has two agreements, one each."""
    manager, rep = org.people["manager"], org.people["rep"]
    version = org.notes["shared"].guide_version
    last = make_note(
        db,
        manager,
        rep,
        NoteStatus.SHARED,
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
