"""The medical and the commercial line never see each other's coaching (DESIGN.md, "Who may
see what"; coachapp.policy, "Medical and commercial lines"): notes, ratings,
self-assessments and the figures drawn from them, on pages, in the API and in exports,
directors included, even where a reporting chain crosses the line."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.models import (
    CoachTheCoachNote,
    Function,
    Role,
    User,
)
from tests.builders import (
    COMMERCIAL,
    LINE_PEOPLE,
    MEDICAL,
    PATIENT,
    Lines,
)
from tests.conftest import HttpsClient, login

VIEWERS = [key for key, (role, _fn, _m) in LINE_PEOPLE.items() if key != "crossed_msl"]
REPS = [key for key, (role, _fn, _m) in LINE_PEOPLE.items() if role == Role.REP]


def separated(a: str, b: str) -> bool:
    return {a, b} == {MEDICAL, COMMERCIAL}


def visitor(app: Flask, person: User) -> HttpsClient:
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert login(client, person.email).status_code == 302
    return client


def api_token(client: HttpsClient, person: User) -> dict[str, str]:
    from tests.builders import PASSWORD

    answer = client.post("/api/v1/tokens", json={"email": person.email, "password": PASSWORD})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def test_the_lines_are_defined_once_by_function() -> None:
    assert set(policy.DIVISION_OF_FUNCTION) == set(Function)
    assert policy.DIVISION_OF_FUNCTION[Function.OTHER] == policy.Division.COMMERCIAL
    assert not policy.coaching_shared_between(policy.Division.MEDICAL, policy.Division.COMMERCIAL)
    assert policy.coaching_shared_between(policy.Division.PATIENT_SERVICES, policy.Division.MEDICAL)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_nobody_sees_coaching_across_the_medical_commercial_line(
    app: Flask, lines: Lines, viewer: str
) -> None:
    me = lines.people[viewer]
    client = visitor(app, me)
    headers = api_token(app.test_client(), me)  # type: ignore[arg-type]
    walled = [key for key in REPS if separated(lines.side[viewer], lines.side[key])]
    assert walled or lines.side[viewer] == PATIENT

    for key in walled:
        note = lines.notes[key]
        rep = lines.people[key]
        assert client.get(f"/notes/{note.id}").status_code == 404, (viewer, key)
        api = client.get(f"/api/v1/coaching-sessions/{note.id}", headers=headers)
        assert api.status_code == 404, (viewer, key)
        assert client.get(f"/people/{rep.id}").status_code == 404, (viewer, key)

    if me.role == Role.DIRECTOR:
        for key in walled:
            manager_id = lines.people[key].manager_id
            team = client.get(f"/org/teams/{manager_id}")
            assert lines.people[key].name not in team.get_data(as_text=True), (viewer, key)
    lists = [
        client.get("/notes"),
        client.get("/api/v1/coaching-sessions", headers=headers),
        client.get("/api/v1/reps", headers=headers),
        client.get("/api/v1/cadence", headers=headers),
        client.get("/api/v1/follow-ups?status=open", headers=headers),
        client.get("/"),
        client.get("/team"),
    ]
    if me.role == Role.DIRECTOR:
        lists += [
            client.get("/org"),
            client.get("/org/cadence.csv"),
            client.get("/org/sessions.csv?period=180"),
            client.get("/api/v1/cadence/teams", headers=headers),
            client.get("/api/v1/cadence/quality", headers=headers),
        ]
    for answer in lists:
        body = answer.get_data(as_text=True)
        for key in walled:
            assert f"NOTE-ABOUT-{key.upper()}" not in body, (viewer, answer.request.path, key)
            assert lines.people[key].name not in body, (viewer, answer.request.path, key)


@pytest.mark.parametrize(
    ("viewer", "rep"),
    [
        ("msl_manager", "msl"),
        ("medical_director", "msl"),
        ("sales_manager", "rep"),
        ("director", "rep"),
        ("director", "access_rep"),
        ("access_manager", "access_rep"),
        ("nurse_manager", "nurse"),
        ("msl", "msl"),
        ("msl_manager2", "msl2"),
    ],
)
def test_each_line_still_sees_its_own(app: Flask, lines: Lines, viewer: str, rep: str) -> None:
    client = visitor(app, lines.people[viewer])
    page = client.get(f"/notes/{lines.notes[rep].id}")
    assert page.status_code == 200
    assert f"NOTE-ABOUT-{rep.upper()}" in page.get_data(as_text=True)


def test_a_crossed_chain_changes_nothing(app: Flask, db: Session, lines: Lines) -> None:
    sales_manager = lines.people["sales_manager"]
    crossed = lines.people["crossed_msl"]
    # The sales manager wrote the note, yet it is medical coaching: not theirs to read.
    assert lines.notes["crossed_msl"].manager_id == sales_manager.id
    client = visitor(app, sales_manager)
    assert client.get(f"/notes/{lines.notes['crossed_msl'].id}").status_code == 404
    team = client.get("/team").get_data(as_text=True)
    assert crossed.name not in team and lines.people["rep"].name in team
    # Nor may they write a new one.
    answer = client.get(f"/people/{crossed.id}")
    assert answer.status_code == 404
    # The commercial director over an MSL manager reads neither their team's notes, their
    # figures, nor the coach-the-coach note they wrote them.
    director = lines.people["director"]
    assert not db.scalars(
        policy.visible_coach_notes(director).where(
            CoachTheCoachNote.manager_id == lines.people["msl_manager2"].id
        )
    ).all()
    assert lines.people["msl_manager2"] not in db.scalars(policy.coached_managers(director)).all()
    figures = visitor(app, director).get("/org").get_data(as_text=True)
    assert lines.people["msl2"].name not in figures
    # The MSL sees their own note whoever wrote it.
    own = visitor(app, crossed).get(f"/notes/{lines.notes['crossed_msl'].id}")
    assert own.status_code == 200


def test_the_account_team_still_crosses_lines(db: Session, lines: Lines) -> None:
    """Across lines people share the plan: the MSL on the rep's team sees it."""
    plans = db.scalars(policy.visible_plans(lines.people["msl"])).all()
    assert [plan.owner_id for plan in plans] == [lines.people["rep"].id]


def test_self_assessments_before_a_note_stay_within_the_line(db: Session, lines: Lines) -> None:
    sales_manager = lines.people["sales_manager"]
    reps = db.scalars(select(User).where(policy.self_assessment_scope(sales_manager))).all()
    assert lines.people["rep"] in reps and lines.people["crossed_msl"] not in reps


def test_no_nudge_sends_anyone_to_coaching_across_the_line(
    app: Flask, db: Session, lines: Lines
) -> None:
    """The cadence nudge goes to a rep's manager only where that manager may coach them: an MSL
    put under a sales manager is not theirs to coach, and their page is missing to them."""
    from coachapp.models import Notification
    from coachapp.nudges import rules

    for note in lines.notes.values():  # every rep last coached long ago
        note.occurred_on -= dt.timedelta(days=120)
    db.commit()
    with app.app_context():
        rules.evaluate(db)
    sent = db.scalars(select(Notification).where(Notification.kind == "cadence_overdue")).all()
    about = {(n.recipient_id, n.dedupe_key.split(":")[1]) for n in sent}
    people = lines.people
    assert (people["msl_manager"].id, str(people["msl"].id)) in about
    assert (people["sales_manager"].id, str(people["rep"].id)) in about
    assert (people["sales_manager"].id, str(people["crossed_msl"].id)) not in about
    for recipient_id, subject_id in about:
        recipient = db.get(User, recipient_id)
        subject = db.get(User, int(subject_id))
        assert recipient is not None and subject is not None
        assert policy.may_see_coaching_of(recipient, subject), (recipient.email, subject.email)
