"""A small organisation with a known coaching history, judged on a fixed clock.

    director ─ manager_a ─ ana, ben, cat, dan, eve (moved from manager_b), fay (deactivated)
             ├ manager_b ─ gus                       (team target: every 7 days, ride-along 20)
             └ manager_c (deactivated) ─ hal
    director2 ─ manager_far ─ ivy

NOW is 10 March 2026, 15:00 UTC: 10 March in New York, Chicago and Berlin, 10 March 07:00
in Los Angeles. The organisation default target is coaching every 14 days (due soon from
10.5 days) and a ride-along every 30. Every name below is what the figures are about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from coachapp.models import (
    CadenceTarget,
    DevelopmentFocus,
    FollowUp,
    FollowUpStatus,
    Function,
    GuideVersion,
    Note,
    NoteStatus,
    NoteType,
    Role,
    User,
)
from coachapp.reporting_lines import change_manager
from tests.builders import make_follow_up, make_guide_version, make_note, make_user

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 10)
LONG_AGO = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def day(month: int, d: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, d)


def at(value: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(value, dt.time(hour), tzinfo=dt.UTC)


@dataclass
class History:
    people: dict[str, User] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)
    follow_ups: dict[str, FollowUp] = field(default_factory=dict)
    version: GuideVersion | None = None

    def __getitem__(self, name: str) -> User:
        return self.people[name]


def person(db: Session, **kw: Any) -> User:
    kw.setdefault("created_at", LONG_AGO)
    return make_user(db, **kw)


def held(
    db: Session,
    h: History,
    manager: str,
    rep: str,
    on: dt.date,
    kind: NoteType = NoteType.ONE_ON_ONE,
    ack_after_hours: float | None = None,
    scores: tuple[int | None, int | None] = (3, 3),
) -> Note:
    """A shared note dated `on`, shared at 17:00 UTC that day, acknowledged hours later."""
    shared = at(on, 17)
    acknowledged = None if ack_after_hours is None else shared + dt.timedelta(hours=ack_after_hours)
    note = make_note(
        db,
        h[manager],
        h[rep],
        NoteStatus.ACKNOWLEDGED if acknowledged else NoteStatus.SHARED,
        guide_version=h.version,
        occurred_on=on,
        type=kind,
        shared_at=shared,
        acknowledged_at=acknowledged,
    )
    for rating, score in zip(note.ratings, scores, strict=True):
        rating.score = score
    db.flush()
    return note


def build_history(db: Session) -> History:
    h = History()
    h.version = make_guide_version(db)
    p = h.people
    p["director"] = person(db, role=Role.DIRECTOR, name="Dee Director", timezone="America/Chicago")
    p["director2"] = person(db, role=Role.DIRECTOR, name="Dora Elsewhere")
    for key, name in (("manager_a", "Alma Able"), ("manager_b", "Bo Baker")):
        p[key] = person(db, role=Role.MANAGER, name=name, manager_id=p["director"].id)
    p["manager_c"] = person(
        db, role=Role.MANAGER, name="Cy Gone", manager_id=p["director"].id, active=False
    )
    p["manager_far"] = person(
        db, role=Role.MANAGER, name="Far Manager", manager_id=p["director2"].id
    )
    a = p["manager_a"].id
    p["ana"] = person(db, name="Ana Ahead", manager_id=a, region="Northeast")
    p["ben"] = person(
        db, name="Ben Blank", manager_id=a, region="Southeast", function=Function.REIMBURSEMENT
    )
    p["cat"] = person(
        db, name="Cat Coast", manager_id=a, region="Northeast", timezone="America/Los_Angeles"
    )
    p["dan"] = person(db, name="Dan Due", manager_id=a, region="Northeast")
    p["eve"] = person(db, name="Eve Moved", manager_id=p["manager_b"].id, region="Northeast")
    p["fay"] = person(db, name="Fay Former", manager_id=a, region="Northeast", active=False)
    p["gus"] = person(db, name="Gus Good", manager_id=p["manager_b"].id, region="Midwest")
    p["hal"] = person(db, name="Hal Orphan", manager_id=p["manager_c"].id, region="Midwest")
    p["ivy"] = person(db, name="Ivy Far", manager_id=p["manager_far"].id, region="Northeast")
    db.add(
        CadenceTarget(team_manager_id=p["manager_b"].id, any_coaching_days=7, ride_along_days=20)
    )

    s = h.notes
    # Ana: three notes in the 90-day window (two ride-alongs), one before it, and a draft.
    s["ana_old"] = held(db, h, "manager_a", "ana", day(12, 1, 2025), NoteType.RIDE_ALONG, 5)
    s["ana_jan"] = held(db, h, "manager_a", "ana", day(1, 5), NoteType.RIDE_ALONG, 2, (4, 4))
    s["ana_feb"] = held(db, h, "manager_a", "ana", day(2, 24), NoteType.RIDE_ALONG, 10, (4, 2))
    s["ana_mar"] = held(db, h, "manager_a", "ana", day(3, 3), NoteType.ONE_ON_ONE, 48, (4, 2))
    s["ana_draft"] = make_note(
        db, p["manager_a"], p["ana"], NoteStatus.DRAFT, guide_version=h.version,
        occurred_on=day(3, 9), type=NoteType.RIDE_ALONG,
    )  # fmt: skip
    # A note typed ahead for next week does not count yet.
    s["ana_future"] = held(db, h, "manager_a", "ana", day(3, 17), NoteType.ONE_ON_ONE)
    # Ben: only a draft, so never coached.
    s["ben_draft"] = make_note(
        db, p["manager_a"], p["ben"], NoteStatus.DRAFT, guide_version=h.version,
        occurred_on=day(3, 8),
    )  # fmt: skip
    # Cat: 14 days in Los Angeles (due soon); shared, not acknowledged.
    s["cat_feb"] = held(db, h, "manager_a", "cat", day(2, 24), NoteType.VIRTUAL_CALL)
    # Dan: 15 days (overdue).
    s["dan_feb"] = held(db, h, "manager_a", "dan", day(2, 23), NoteType.ONE_ON_ONE, 30)
    # Eve: coached by manager_b on 1 March, then moved to manager_a's team (below).
    s["eve_mar"] = held(db, h, "manager_b", "eve", day(3, 1), NoteType.RIDE_ALONG, 4, (1, 1))
    # Fay: coached, then deactivated: in no figure.
    s["fay_mar"] = held(db, h, "manager_a", "fay", day(3, 2), NoteType.RIDE_ALONG, 1, (1, 1))
    # Gus: yesterday, on a team with a 7-day target.
    s["gus_mar"] = held(db, h, "manager_b", "gus", day(3, 9), NoteType.ONE_ON_ONE, 6)
    s["ivy_mar"] = held(db, h, "manager_far", "ivy", day(3, 9), NoteType.RIDE_ALONG, 1)

    f = h.follow_ups
    ana, mgr = p["ana"], p["manager_a"]
    f["ana_overdue"] = make_follow_up(db, ana, mgr, session_id=s["ana_feb"].id, due_date=day(3, 1))
    f["ana_later"] = make_follow_up(db, ana, mgr, session_id=s["ana_mar"].id, due_date=day(3, 20))
    f["ana_done"] = make_follow_up(
        db, ana, mgr, session_id=s["ana_feb"].id, due_date=day(2, 20),
        status=FollowUpStatus.DONE, completed_at=at(day(2, 19), 12),
    )  # fmt: skip
    f["ana_cancelled"] = make_follow_up(
        db, ana, mgr, session_id=s["ana_feb"].id, due_date=day(2, 21),
        status=FollowUpStatus.CANCELLED,
    )  # fmt: skip
    f["ana_on_draft"] = make_follow_up(
        db, ana, mgr, session_id=s["ana_draft"].id, due_date=day(3, 2)
    )
    # From a plan action, not a note: counts.
    f["ana_plan_action"] = make_follow_up(db, ana, ana, due_date=day(3, 5))
    # Due yesterday: overdue for Cat too (08:00 on 10 March in Los Angeles).
    f["cat_due_yesterday"] = make_follow_up(
        db, p["cat"], mgr, session_id=s["cat_feb"].id, due_date=day(3, 9)
    )
    f["ivy_overdue"] = make_follow_up(
        db, p["ivy"], p["manager_far"], session_id=s["ivy_mar"].id, due_date=day(3, 1)
    )

    db.add_all(
        [
            DevelopmentFocus(
                rep_id=ana.id, competency_key="shares_plan", period="2026-H1",
                created_by_id=mgr.id, active=True,
            ),
            DevelopmentFocus(
                rep_id=ana.id, competency_key="listens", period="2025-H2",
                created_by_id=mgr.id, active=False,
            ),
        ]
    )  # fmt: skip
    # Eve moves to manager_a's team; her history comes with her.
    change_manager(db, p["eve"], a, actor=None)
    db.commit()
    return h
