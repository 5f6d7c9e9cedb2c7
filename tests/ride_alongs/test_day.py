"""The ride-along day in the domain service: the rep prepares, the pre-brief closes the last
agreements with evidence, the manager captures calls (once per client_uuid), and the day
becomes one ride-along note pre-filled from the calls, within the note's caps."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.coaching import service
from coachapp.coaching.caps import MAX_STRENGTHS, points
from coachapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coachapp.models import (
    FollowUpStatus,
    NoteStatus,
    NoteType,
    PlannedRideAlong,
    RideAlongCall,
)
from coachapp.ride_alongs import service as ride_alongs
from coachapp.versioning import StaleVersion
from tests.builders import Org
from tests.ride_alongs.helpers import Day, plan_day

# Services called directly write notifications, whose links need the app.
pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def day(db: Session, org: Org) -> Day:
    return plan_day(db, org)


def prepare(db: Session, org: Org, day: Day, **kw: Any) -> PlannedRideAlong:
    stops = kw.pop(
        "stops",
        [
            {"plan_id": org.plans["rep"].id, "objective": "Agree the P&T submission date"},
            {"name": "Lakeside Infusion Center", "objective": "Meet the new nurse manager"},
        ],
    )
    return ride_alongs.prepare(
        db,
        org.people["rep"],
        day.ride.id,
        kw.pop("help_request", "Handling the budget objection"),
        stops,
        **kw,
    )


def capture(db: Session, org: Org, day: Day, **data: Any) -> tuple[RideAlongCall, bool]:
    data.setdefault("client_uuid", uuid.uuid4())
    return ride_alongs.capture_call(db, org.people["manager"], day.ride.id, data)


# Before the ride -------------------------------------------------------------------------


def test_the_rep_prepares_the_day_from_their_plans_and_free_text(
    db: Session, org: Org, day: Day
) -> None:
    ride = prepare(db, org, day, expected_version=day.ride.version)
    assert ride.help_request == "Handling the budget objection"
    assert ride.prepared_at is not None
    assert [(s.name, s.plan_id, s.objective) for s in ride.stops] == [
        (org.plans["rep"].account.name, org.plans["rep"].id, "Agree the P&T submission date"),
        ("Lakeside Infusion Center", None, "Meet the new nurse manager"),
    ]
    # Saved again with one stop fewer: the kept stop keeps its row (calls stay linked).
    kept_id = ride.stops[0].id
    again = prepare(db, org, day, stops=[{"plan_id": org.plans["rep"].id, "objective": "x"}])
    assert [s.id for s in again.stops] == [kept_id]


def test_only_the_rep_prepares_and_only_the_two_of_them_see_the_day(
    db: Session, org: Org, day: Day
) -> None:
    with pytest.raises(PermissionDenied):
        ride_alongs.prepare(db, org.people["manager"], day.ride.id, "", [])
    for who in ("rep2", "other_rep", "manager2", "director", "admin"):
        with pytest.raises(NotFound):
            ride_alongs.get_ride(db, org.people[who], day.ride.id)
    assert ride_alongs.get_ride(db, org.people["manager"], day.ride.id).id == day.ride.id


def test_preparation_is_validated_and_versioned(db: Session, org: Org, day: Day) -> None:
    with pytest.raises(InvalidInput) as refused:
        prepare(db, org, day, stops=[{"name": "Mercy", "objective": ""}, {"objective": "x"}])
    assert set(refused.value.fields["stops"]) == {"0", "1"}
    with pytest.raises(InvalidInput):  # a plan the rep is not on
        prepare(db, org, day, stops=[{"plan_id": org.plans["far"].id, "objective": "x"}])
    with pytest.raises(InvalidInput):
        prepare(db, org, day, stops=[{"name": f"A{i}", "objective": "x"} for i in range(9)])
    version = day.ride.version
    prepare(db, org, day, expected_version=version)
    with pytest.raises(StaleVersion):
        prepare(db, org, day, expected_version=version)


def test_the_pre_brief_shows_the_last_notes_agreements_and_the_rep_closes_them(
    db: Session, org: Org, day: Day
) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    brief = ride_alongs.pre_brief(db, rep, day.ride)
    assert brief.note is not None and brief.note.id == day.last_note.id
    assert {a.id for a in brief.agreements} == {day.rep_agreement.id, day.manager_agreement.id}
    with pytest.raises(InvalidInput):
        ride_alongs.complete_agreement(db, rep, day.ride.id, day.rep_agreement.id, "  ")
    done = ride_alongs.complete_agreement(
        db, rep, day.ride.id, day.rep_agreement.id, "Sent on Monday;\n pharmacy confirmed"
    )
    assert (
        done.status == FollowUpStatus.DONE and done.evidence == "Sent on Monday; pharmacy confirmed"
    )
    # The manager sees it closed, with the evidence.
    seen = {a.id: a for a in ride_alongs.pre_brief(db, manager, day.ride).agreements}
    assert seen[day.rep_agreement.id].evidence == "Sent on Monday; pharmacy confirmed"
    # The manager's own agreement is theirs to close; a follow-up of another note is not here.
    with pytest.raises(PermissionDenied):
        ride_alongs.complete_agreement(db, rep, day.ride.id, day.manager_agreement.id, "done")
    with pytest.raises(NotFound):
        ride_alongs.complete_agreement(
            db, rep, day.ride.id, org.follow_ups["rep_shared"].id, "done"
        )
    with pytest.raises(PermissionDenied):
        ride_alongs.complete_agreement(db, manager, day.ride.id, day.rep_agreement.id, "done")


# During the ride -------------------------------------------------------------------------


def test_a_call_is_stored_once_per_client_uuid(db: Session, org: Org, day: Day) -> None:
    ride = prepare(db, org, day)
    first = day.competencies[0]
    key = uuid.uuid4()
    body = {
        "client_uuid": key,
        "stop_id": ride.stops[0].id,
        "ratings": [{"competency_id": first, "score": 3}],
        "evidence": "Asked what would change the vote",
    }
    call, created = capture(db, org, day, **body)
    assert created and call.account_name == org.plans["rep"].account.name
    again, created_again = capture(db, org, day, **{**body, "evidence": "changed on replay"})
    assert not created_again and again.id == call.id and again.evidence == call.evidence
    count = db.scalar(select(func.count()).where(RideAlongCall.client_uuid == key))
    assert count == 1
    # The day's guide is fixed at the first call, without turning the rep's form stale.
    db.refresh(day.ride)
    assert day.ride.guide_version_id == org.notes["shared"].guide_version_id
    assert day.ride.version == ride.version


def test_captures_are_the_managers_and_validated(db: Session, org: Org, day: Day) -> None:
    first, second = day.competencies
    with pytest.raises(PermissionDenied):
        ride_alongs.capture_call(db, org.people["rep"], day.ride.id, {"evidence": "x"})
    with pytest.raises(NotFound):
        ride_alongs.capture_call(db, org.people["manager2"], day.ride.id, {"evidence": "x"})
    bad: list[dict[str, Any]] = [
        {"account_name": "Mercy"},  # nothing observed
        {"evidence": "Asked well"},  # no account
        {"account_name": "Mercy", "ratings": [{"competency_id": first, "score": None}]},
        {"account_name": "Mercy", "ratings": [{"competency_id": first, "score": 5}]},
        {"account_name": "Mercy", "ratings": [{"competency_id": 999_999, "score": 2}]},
        {
            "account_name": "Mercy",
            "ratings": [
                {"competency_id": second, "score": 2},
                {"competency_id": second, "score": 3},
            ],
        },
        {"stop_id": 999_999, "evidence": "x"},
        {
            "account_name": "Mercy",
            "evidence": "x",
            "captured_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        },
    ]
    for data in bad:
        with pytest.raises(InvalidInput):
            capture(db, org, day, **data)
    assert ride_alongs.calls_of(db, org.people["manager"], day.ride) == []
    with pytest.raises(NotFound):  # the rep does not read the manager's working notes
        ride_alongs.calls_of(db, org.people["rep"], day.ride)


# End of the day --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "combined"),
    [([3], 3), ([2, 4], 3), ([3, 4], 4), ([4, 3], 3), ([1, 2, 4], 2), ([2, 3, 3], 3), ([1, 2], 2)],
)
def test_scores_from_several_calls_combine_to_the_rounded_mean(
    scores: list[int], combined: int
) -> None:
    assert ride_alongs.combine(scores) == combined


def test_the_day_becomes_one_ride_along_note_pre_filled_from_its_calls(
    db: Session, org: Org, day: Day
) -> None:
    ride = prepare(db, org, day)
    shares_plan, listens = day.competencies
    mercy, lakeside = ride.stops
    capture(
        db,
        org,
        day,
        stop_id=mercy.id,
        evidence="Walked the CFO through the budget model",
        ratings=[
            {"competency_id": shares_plan, "score": 4},
            {"competency_id": listens, "score": 2},
        ],
    )
    capture(
        db,
        org,
        day,
        stop_id=lakeside.id,
        evidence="Talked over the nurse manager twice",
        ratings=[{"competency_id": listens, "score": 1}],
    )
    capture(
        db,
        org,
        day,
        account_name="Corner pharmacy",
        evidence="Left the dossier with a dated follow-up",
        ratings=[{"competency_id": shares_plan, "score": 3}],
    )
    manager = org.people["manager"]
    note, created = ride_alongs.write_note(db, manager, day.ride.id)
    assert created and note.status == NoteStatus.DRAFT
    assert note.type == NoteType.RIDE_ALONG and note.occurred_on == day.ride.day
    assert note.plan_id == org.plans["rep"].id  # the plan of the accounts called on
    scores = {r.competency_id: r for r in note.ratings}
    # 4 then 3: halfway between, so the latest call decides; 2 then 1 likewise.
    assert scores[shares_plan].score == 3
    assert "Walked the CFO" in scores[shares_plan].evidence
    assert "Corner pharmacy (3)" in scores[shares_plan].evidence
    assert scores[listens].score == 1
    assert note.strengths.startswith("Shares the plan: Walked the CFO through the budget model")
    assert note.development_focus == (
        "Listens: Talked over the nurse manager twice (Lakeside Infusion Center)"
    )
    assert len(points(note.strengths)) <= MAX_STRENGTHS
    # Asked again: the same note; the day is closed to further changes.
    again, created_again = ride_alongs.write_note(db, manager, day.ride.id)
    assert again.id == note.id and not created_again
    db.refresh(day.ride)
    assert day.ride.session_id == note.id
    with pytest.raises(Conflict):
        capture(db, org, day, account_name="Late call", evidence="x")
    with pytest.raises(Conflict):
        prepare(db, org, day)
    # The note is an ordinary coaching note: the author shares it as any other.
    shared = service.share_note(db, manager, note.id)
    assert shared.status == NoteStatus.SHARED
    # The next ride-along's pre-brief does not count the day's own note as "the last one".
    assert ride_alongs.pre_brief(db, manager, day.ride).note.id == day.last_note.id  # type: ignore[union-attr]


def test_a_day_without_calls_still_makes_a_note_to_write(db: Session, org: Org, day: Day) -> None:
    note, created = ride_alongs.write_note(db, org.people["manager"], day.ride.id)
    assert created and note.ratings == [] and note.strengths == "" and note.development_focus == ""
    with pytest.raises(PermissionDenied):
        ride_alongs.write_note(db, org.people["rep"], day.ride.id)
