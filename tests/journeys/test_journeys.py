"""Learning journeys: authored and published by enablement, started by a development focus,
sent step by step at the focus's check-in interval (quiet hours and the daily cap respected),
answered exactly once from the phone, seen by the rep, their manager and director only, and
reviewed before the next ride-along."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.coaching import focus as focus_service
from coachapp.coaching.focus import competencies_to_choose
from coachapp.journeys import authoring, progress
from coachapp.models import (
    DevelopmentFocus,
    ExerciseSubmission,
    JourneyEnrolment,
    JourneyProgress,
    Notification,
    NotificationPreference,
    PlannedRideAlong,
)
from coachapp.nudges import rules
from tests.builders import Org
from tests.conftest import HttpsClient, signed_in

pytestmark = pytest.mark.usefixtures("app_context")

# 15:00 UTC: 11:00 in New York, where the org's people live; after the org's notes and
# notifications, which are written at today's date.
T0 = dt.datetime(2027, 6, 1, 15, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def published_journey(db: Session, org: Org, exercise_first: bool = False) -> str:
    """A published journey for the first competency: a tip, then an exercise, then a read."""
    key = competencies_to_choose(db)[0][0]
    admin = org.people["admin"]
    journey = authoring.create_journey(db, admin, {"competency_key": key, "name": "Map the IDN"})
    steps = [
        {"kind": "tip", "title": "Start from the plan", "body": "Read your plan first.", "url": ""},
        {
            "kind": "exercise",
            "title": "Map the P&T committee",
            "body": "Map the P&T committee of one IDN in your plan.",
            "url": "",
        },
        {"kind": "read", "title": "Two minutes on formularies", "body": "…", "url": ""},
    ]
    if exercise_first:
        steps.insert(0, steps.pop(1))
    for data in steps:
        authoring.add_step(db, admin, journey, data)
    authoring.publish(db, admin, journey)
    return key


def started(
    db: Session, org: Org, checkin_days: int = 7, exercise_first: bool = False
) -> JourneyEnrolment:
    key = published_journey(db, org, exercise_first)
    focus = focus_service.set_focus(db, org.people["manager"], org.people["rep"].id, key, T0.date())
    focus.checkin_days = checkin_days
    focus.created_at = T0
    enrolment = db.scalars(
        select(JourneyEnrolment).where(JourneyEnrolment.focus_id == focus.id)
    ).one()
    enrolment.started_at = T0
    db.commit()
    return enrolment


def reached(db: Session, enrolment: JourneyEnrolment) -> list[str]:
    db.expire_all()
    return [
        p.step.title
        for p in db.scalars(
            select(JourneyProgress)
            .where(JourneyProgress.enrolment_id == enrolment.id)
            .order_by(JourneyProgress.released_at, JourneyProgress.id)
        )
    ]


def pulses_to(db: Session, user_id: int) -> int:
    return (
        db.scalar(
            select(func.count()).where(
                Notification.recipient_id == user_id, Notification.kind == "journey_pulse"
            )
        )
        or 0
    )


# Starting and scheduling --------------------------------------------------------------------


def test_setting_a_focus_starts_its_journey_and_no_other(db: Session, org: Org) -> None:
    key = published_journey(db, org)
    focus = focus_service.set_focus(db, org.people["manager"], org.people["rep"].id, key, T0.date())
    assert db.scalars(select(JourneyEnrolment).where(JourneyEnrolment.focus_id == focus.id)).one()
    other = competencies_to_choose(db)[1][0]
    second = focus_service.set_focus(
        db, org.people["manager"], org.people["rep"].id, other, T0.date()
    )
    assert (
        db.scalars(select(JourneyEnrolment).where(JourneyEnrolment.focus_id == second.id)).first()
        is None
    )


def test_steps_arrive_one_per_checkin_interval(db: Session, org: Org) -> None:
    enrolment = started(db, org, checkin_days=7)
    rep = org.people["rep"]
    rules.evaluate(db, T0)
    assert reached(db, enrolment) == ["Start from the plan"]
    rules.evaluate(db, T0 + 6 * DAY)
    assert reached(db, enrolment) == ["Start from the plan"]  # not yet: 7 days
    rules.evaluate(db, T0 + 7 * DAY)
    rules.evaluate(db, T0 + 7 * DAY)  # again: nothing more
    assert reached(db, enrolment) == ["Start from the plan", "Map the P&T committee"]
    rules.evaluate(db, T0 + 14 * DAY)
    rules.evaluate(db, T0 + 60 * DAY)  # every step has reached the rep
    assert len(reached(db, enrolment)) == 3
    assert pulses_to(db, rep.id) == 3
    link = db.scalars(select(Notification.url).where(Notification.kind == "journey_pulse")).first()
    assert link is not None and link.startswith("/journeys/steps/")


def test_a_step_waits_for_the_end_of_quiet_hours(db: Session, org: Org) -> None:
    enrolment = started(db, org)
    rep = org.people["rep"]
    # 10:00 to 12:00 in New York: T0 (11:00 there) is quiet.
    db.add(
        NotificationPreference(
            user_id=rep.id, muted_kinds=[], daily_cap=10, email_mode="digest",
            quiet_start=dt.time(10, 0), quiet_end=dt.time(12, 0),
        )
    )  # fmt: skip
    db.commit()
    rules.evaluate(db, T0)
    assert reached(db, enrolment) == []
    rules.evaluate(db, T0 + dt.timedelta(hours=1, minutes=1))
    assert reached(db, enrolment) == ["Start from the plan"]


def test_a_step_waits_when_the_daily_cap_is_reached(db: Session, org: Org) -> None:
    enrolment = started(db, org)
    rep = org.people["rep"]
    db.add(NotificationPreference(user_id=rep.id, muted_kinds=[], daily_cap=1, email_mode="digest"))
    db.add(
        Notification(
            recipient_id=rep.id, kind="note_shared", title="A note", url="/", body="",
            dedupe_key=f"test:{uuid.uuid4()}", created_at=T0 - dt.timedelta(hours=1),
            not_before=T0,
        )
    )  # fmt: skip
    db.commit()
    rules.evaluate(db, T0)
    assert reached(db, enrolment) == []
    # The next day in New York (05:00 UTC is midnight there): room again.
    rules.evaluate(db, T0 + dt.timedelta(hours=15))
    assert reached(db, enrolment) == ["Start from the plan"]


def test_an_ended_focus_sends_no_more_steps(db: Session, org: Org) -> None:
    enrolment = started(db, org)
    rules.evaluate(db, T0)
    focus_service.end_focus(db, org.people["manager"], enrolment.focus_id)
    rules.evaluate(db, T0 + 30 * DAY)
    assert reached(db, enrolment) == ["Start from the plan"]


def test_the_manager_is_reminded_when_the_focus_goes_uncoached(db: Session, org: Org) -> None:
    enrolment = started(db, org, checkin_days=7)
    manager = org.people["manager"]

    def checkins() -> list[str]:
        db.expire_all()
        return list(
            db.scalars(
                select(Notification.dedupe_key).where(
                    Notification.recipient_id == manager.id, Notification.kind == "focus_checkin"
                )
            )
        )

    rules.evaluate(db, T0 + 6 * DAY)
    assert checkins() == []
    rules.evaluate(db, T0 + 7 * DAY)
    rules.evaluate(db, T0 + 8 * DAY)
    assert checkins() == [f"focus_checkin:{enrolment.focus_id}:{T0.date().isoformat()}"]


# Submitting exactly once ------------------------------------------------------------------------


def exercise_for(db: Session, org: Org) -> JourneyProgress:
    enrolment = started(db, org, exercise_first=True)
    rules.evaluate(db, T0)
    db.expire_all()
    return db.scalars(
        select(JourneyProgress).where(JourneyProgress.enrolment_id == enrolment.id)
    ).one()


def submissions(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(ExerciseSubmission)) or 0


def test_a_double_post_and_a_replay_store_one_submission(
    db: Session, org: Org, login_as: object
) -> None:
    item = exercise_for(db, org)
    client: HttpsClient = login_as("rep")  # type: ignore[operator]
    form = {
        "client_uuid": str(uuid.uuid4()),
        "account_id": str(org.plans["rep"].account_id),
        "text": "Mapped the P&T committee: the chair is the director of pharmacy.",
    }
    url = f"/journeys/steps/{item.id}/submission"
    first = client.post_form(url, form)
    assert first.status_code == 302
    again = client.post_form(url, form)  # a double tap, the outbox replaying
    assert again.status_code == 302
    assert submissions(db) == 1
    page = client.get(f"/journeys/steps/{item.id}").get_data(as_text=True)
    assert "the chair is the director of pharmacy" in page
    assert "Already sent" in page
    # Another answer to the same exercise: refused, the first kept.
    other = client.post_form(url, {**form, "client_uuid": str(uuid.uuid4()), "text": "Other"})
    assert other.status_code == 302
    assert submissions(db) == 1


def test_the_service_returns_the_first_submission_on_replay(db: Session, org: Org) -> None:
    item = exercise_for(db, org)
    rep = org.people["rep"]
    data = {"client_uuid": uuid.uuid4(), "account_id": org.plans["rep"].account_id, "text": "Done"}
    first, created = progress.submit(db, rep, item.id, data)
    second, created_again = progress.submit(db, rep, item.id, data)
    assert created and not created_again and first.id == second.id


# Bad input ------------------------------------------------------------------------------------


def test_bad_submissions_are_refused_at_their_fields_and_not_cut(
    db: Session, org: Org, login_as: object
) -> None:
    item = exercise_for(db, org)
    client: HttpsClient = login_as("rep")  # type: ignore[operator]
    url = f"/journeys/steps/{item.id}/submission"
    empty = client.post_form(url, {"client_uuid": str(uuid.uuid4()), "account_id": "", "text": ""})
    assert empty.status_code == 422
    body = empty.get_data(as_text=True)
    assert 'id="account_id-error"' in body and 'id="text-error"' in body
    long_text = "x" * 2001
    too_long = client.post_form(
        url,
        {
            "client_uuid": str(uuid.uuid4()),
            "account_id": str(org.plans["rep"].account_id),
            "text": long_text,
        },
    )
    assert too_long.status_code == 422
    body = too_long.get_data(as_text=True)
    assert "Use at most 2,000 characters." in body and long_text in body  # kept, never cut
    not_hers = client.post_form(
        url,
        {
            "client_uuid": str(uuid.uuid4()),
            "account_id": str(org.plans["far"].account_id),
            "text": "Hi",
        },
    )
    assert not_hers.status_code == 422
    assert 'id="account_id-error"' in not_hers.get_data(as_text=True)
    assert submissions(db) == 0


def test_bad_steps_are_refused_at_their_fields(db: Session, org: Org, login_as: object) -> None:
    key = competencies_to_choose(db)[0][0]
    journey = authoring.create_journey(
        db, org.people["admin"], {"competency_key": key, "name": "J"}
    )
    client: HttpsClient = login_as("admin")  # type: ignore[operator]
    url = f"/admin/journeys/{journey.id}/steps"
    title = "t" * 161
    response = client.post_form(url, {"kind": "link", "title": title, "body": "", "url": ""})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="title-new-error"' in body and title in body
    response = client.post_form(url, {"kind": "link", "title": "LMS", "url": "javascript:alert(1)"})
    assert response.status_code == 422 and 'id="url-new-error"' in response.get_data(as_text=True)
    response = client.post_form(url, {"kind": "exercise", "title": "Do it", "body": ""})
    assert response.status_code == 422 and 'id="body-new-error"' in response.get_data(as_text=True)
    response = client.post_form(url, {"kind": "sermon", "title": "Do it"})
    assert response.status_code == 422 and 'id="kind-new-error"' in response.get_data(as_text=True)
    assert client.post_form(f"/admin/journeys/{journey.id}/publish", {}).status_code == 422
    created = client.post_form("/admin/journeys", {"competency_key": key, "name": "Again"})
    assert created.status_code == 422  # one journey per competency


# Scope ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("rep", 200), ("manager", 200), ("director", 200),
        ("rep2", 404), ("manager2", 404), ("director2", 404), ("admin", 404),
        ("msl_manager", 404), ("other_rep", 404),
    ],
)  # fmt: skip
def test_a_step_is_seen_by_the_rep_their_manager_and_director(
    app: object, db: Session, org: Org, who: str, status: int
) -> None:
    item = exercise_for(db, org)
    progress.submit(
        db, org.people["rep"], item.id,
        {"client_uuid": uuid.uuid4(), "account_id": org.plans["rep"].account_id, "text": "Mapped"},
    )  # fmt: skip
    client = signed_in(app, org, who)  # type: ignore[arg-type]
    assert client.get(f"/journeys/steps/{item.id}").status_code == status


def test_only_the_line_manager_reviews(app: object, db: Session, org: Org) -> None:
    item = exercise_for(db, org)
    submission, _ = progress.submit(
        db, org.people["rep"], item.id,
        {"client_uuid": uuid.uuid4(), "account_id": org.plans["rep"].account_id, "text": "Mapped"},
    )  # fmt: skip
    url = f"/journeys/submissions/{submission.id}/review"
    for who in ("manager2", "director", "rep"):
        assert signed_in(app, org, who).post_form(url, {}).status_code == 404  # type: ignore[arg-type]
    assert signed_in(app, org, "manager").post_form(url, {}).status_code == 302  # type: ignore[arg-type]
    db.expire_all()
    assert db.get(ExerciseSubmission, submission.id).reviewed_at is not None  # type: ignore[union-attr]


def test_the_rep_sees_only_their_own_journey(app: object, db: Session, org: Org) -> None:
    exercise_for(db, org)
    own = signed_in(app, org, "rep").get("/journeys").get_data(as_text=True)  # type: ignore[arg-type]
    assert "Map the P&amp;T committee" in own
    other = signed_in(app, org, "rep2").get("/journeys").get_data(as_text=True)  # type: ignore[arg-type]
    assert "Map the P&amp;T committee" not in other


# The manager's and director's views -------------------------------------------------------------


def test_the_pre_brief_and_the_debrief_show_the_exercise(
    app: object, db: Session, org: Org
) -> None:
    item = exercise_for(db, org)
    rep, manager = org.people["rep"], org.people["manager"]
    progress.submit(
        db, rep, item.id,
        {"client_uuid": uuid.uuid4(), "account_id": org.plans["rep"].account_id,
         "text": "The chair of the committee is Dr Okafor."},
    )  # fmt: skip
    ride = PlannedRideAlong(rep_id=rep.id, manager_id=manager.id, day=T0.date() + 3 * DAY)
    db.add(ride)
    db.commit()
    client = signed_in(app, org, "manager")  # type: ignore[arg-type]
    brief = client.get(f"/ride-alongs/{ride.id}").get_data(as_text=True)
    assert "Learning journey exercises" in brief and "Dr Okafor" in brief
    person = client.get(f"/people/{rep.id}").get_data(as_text=True)
    assert "What to coach on" in person and "Dr Okafor" in person
    # Reviewed: it leaves "What to coach on".
    submission = db.scalars(select(ExerciseSubmission)).one()
    progress.review(db, manager, submission.id)
    assert not progress.prompts(db, manager, rep)


def test_directors_see_journey_progress_per_team(app: object, db: Session, org: Org) -> None:
    item = exercise_for(db, org)
    progress.submit(
        db, org.people["rep"], item.id,
        {"client_uuid": uuid.uuid4(), "account_id": org.plans["rep"].account_id, "text": "Mapped"},
    )  # fmt: skip
    figures = progress.team_progress(db, org.people["director"], [org.people["manager"].id])
    team = figures[org.people["manager"].id]
    assert (
        team.started,
        team.reached,
        team.opened,
        team.exercises,
        team.submitted,
        team.reviewed,
    ) == (1, 1, 1, 1, 1, 0)
    assert progress.team_progress(db, org.people["director2"], [org.people["manager"].id]) == {}
    page = signed_in(app, org, "director").get(f"/org/teams/{org.people['manager'].id}")  # type: ignore[arg-type]
    assert "Learning journeys: 1 started" in page.get_data(as_text=True)
    assert db.get(DevelopmentFocus, item.enrolment.focus_id) is not None


def test_a_step_and_a_check_in_are_written_in_their_readers_language(db: Session, org: Org) -> None:
    enrolment = started(db, org, checkin_days=7)
    org.people["rep"].language = "es"
    org.people["manager"].language = "es"
    db.commit()
    rules.evaluate(db, T0 + 7 * DAY)
    pulse = db.scalars(
        select(Notification.title).where(Notification.kind == "journey_pulse")
    ).first()
    assert str(pulse).endswith(" · Consejo: Start from the plan")  # the step as authored
    checkin = db.scalars(select(Notification).where(Notification.kind == "focus_checkin")).one()
    assert checkin.title.startswith("Haz un seguimiento con ")
    assert checkin.body == "Sin coaching sobre él desde hace 7 días (seguimiento cada 7)."
    assert checkin.dedupe_key == f"focus_checkin:{enrolment.focus_id}:{T0.date().isoformat()}"
