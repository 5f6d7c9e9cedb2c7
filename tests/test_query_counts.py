"""Pages that list people run a fixed number of SQL statements, whatever the team size."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from bench.pages import counting_statements, queries_among
from coachapp.db import utcnow
from coachapp.models import Competency, GuideSection, NoteStatus
from coachapp.ride_alongs import calendar
from coachapp.timezones import local_today
from tests.builders import (
    Org,
    make_follow_up,
    make_guide_version,
    make_note,
    make_plan,
    make_user,
)
from tests.conftest import HttpsClient, login


def statements_for(app: Flask, client: HttpsClient, path: str) -> int:
    with counting_statements(app.extensions["coachapp.db"].engine) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def grow_team(db: Session, org: Org, size: int) -> None:
    manager = org.people["manager"]
    for _ in range(size):
        rep = make_user(db, manager_id=manager.id)
        make_plan(db, rep)
        make_note(db, manager, rep, NoteStatus.ACKNOWLEDGED)
    db.commit()


def test_team_and_director_pages_do_not_query_per_rep(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    director_client = app.test_client()
    login(director_client, org.people["director"].email)
    login_as("manager")
    paths = ["/team", "/api/v1/reps"]
    before = {p: statements_for(app, client, p) for p in paths}
    org_before = statements_for(app, director_client, "/org")  # type: ignore[arg-type]
    grow_team(db, org, 6)
    after = {p: statements_for(app, client, p) for p in paths}
    assert after == before
    assert statements_for(app, director_client, "/org") == org_before  # type: ignore[arg-type]


def test_today_does_not_query_per_draft_follow_up_or_ride_along(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    manager = org.people["manager"]
    login_as("manager")
    before = statements_for(app, client, "/today")
    today = local_today(manager.timezone, utcnow())
    for n, who in enumerate(("rep", "rep2", "rep")):  # more drafts, follow-ups, ride-alongs
        rep = org.people[who]
        plan = make_plan(db, rep)
        make_note(db, manager, rep, NoteStatus.DRAFT, plan_id=plan.id, account_id=plan.account_id)
        make_follow_up(db, rep, manager)
        day = today + dt.timedelta(days=n % 2)
        calendar.plan_ride_along(db, manager, rep.id, day, today, plan.id)
    db.commit()
    assert statements_for(app, client, "/today") == before


def test_follow_ups_page_does_not_query_per_note(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    """The list shows who may mark each follow-up done, which reads its note: all the notes
    are read at once, however many the follow-ups come from."""
    manager, rep = org.people["manager"], org.people["rep"]

    def follow_up_on_a_new_note() -> None:
        note = make_note(db, manager, rep)
        make_follow_up(db, rep, manager, session_id=note.id)
        db.commit()

    follow_up_on_a_new_note()
    login_as("manager")
    before = statements_for(app, client, "/follow-ups")
    for _ in range(4):
        follow_up_on_a_new_note()
    assert statements_for(app, client, "/follow-ups") == before


def test_note_page_does_not_query_per_guide_section(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    """A note shows every section of its guide with its competencies: read in two queries,
    whatever the number of sections."""
    manager, rep = org.people["manager"], org.people["rep"]
    small = make_note(db, manager, rep)
    version = make_guide_version(db)
    for position in range(1, 6):
        section = GuideSection(version=version, position=position, title=f"Section {position}")
        section.competencies = [
            Competency(key=f"k{position}", name=f"Skill {position}", indicators=["Does"])
        ]
        db.add(section)
    large = make_note(db, manager, rep, guide_version=version)
    db.commit()
    login_as("manager")
    assert statements_for(app, client, f"/notes/{large.id}") == statements_for(
        app, client, f"/notes/{small.id}"
    )


def test_a_signed_in_request_finds_its_session_and_person_in_one_query(
    app: Flask, login_as: Any, client: HttpsClient
) -> None:
    """Every page a signed-in person opens starts by looking up their browser session: the
    session and the person come in one statement, and nothing loads the person again."""
    login_as("rep")
    with counting_statements(app.extensions["coachapp.db"].engine) as sent:
        assert client.get("/api/v1/me").status_code == 200
    queries = queries_among(sent)
    assert len(queries) == 1, queries
    assert queries[0].startswith("SELECT browser_sessions.id") and "JOIN users" in queries[0]
