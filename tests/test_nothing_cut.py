"""Too long is a message, never a cut: a focus goal, a ride-along's planning note and a
profiling area's title longer than they may be are refused with "Use at most N characters."
and nothing is stored cut short."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching.focus import GOAL_MAX
from coachapp.forms import too_long
from coachapp.models import DevelopmentFocus, PlannedRideAlong, ProfilingGuide
from coachapp.plans.profiling import TITLE_MAX
from coachapp.ride_alongs.schemas import NOTE_MAX
from tests.builders import Org
from tests.conftest import HttpsClient


def test_a_focus_goal_too_long_is_refused_not_cut(
    db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    rep = org.people["rep"]
    key = org.notes["shared"].ratings[0].competency.key
    client = login_as("manager")
    goal = "g" * (GOAL_MAX + 1)
    client.post_form(f"/people/{rep.id}/focus", {"competency_key": key, "goal": goal})
    assert too_long(GOAL_MAX) in client.get(f"/people/{rep.id}").get_data(as_text=True)
    assert (
        db.scalars(select(DevelopmentFocus).where(DevelopmentFocus.goal.startswith("ggg"))).all()
        == []
    )
    client.post_form(f"/people/{rep.id}/focus", {"competency_key": key, "goal": goal[1:]})
    stored = db.scalars(select(DevelopmentFocus.goal).where(DevelopmentFocus.rep_id == rep.id))
    assert goal[1:] in list(stored)


def test_a_ride_along_note_too_long_is_refused_not_cut(
    db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    rep = org.people["rep"]
    client = login_as("manager")
    day = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    note = "n" * (NOTE_MAX + 1)
    client.post_form(f"/people/{rep.id}/ride-alongs", {"day": day, "note": note})
    assert too_long(NOTE_MAX) in client.get(f"/people/{rep.id}").get_data(as_text=True)
    assert db.scalars(select(PlannedRideAlong).where(PlannedRideAlong.rep_id == rep.id)).all() == []


def test_a_profiling_title_too_long_is_refused_and_kept_on_the_form(
    db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    client = login_as("admin")
    title = "T" * (TITLE_MAX + 1)
    answer = client.post_form(
        "/admin/profiling", {"area": "business", "title": title, "questions": "Who decides?"}
    )
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert too_long(TITLE_MAX) in text and title in text
    assert db.scalars(select(ProfilingGuide).where(ProfilingGuide.title == title)).all() == []
