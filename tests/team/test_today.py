"""A manager's Today: counts of what waits, each a link to the list it counts, and the
ride-alongs of today and tomorrow; not every item and not the whole team again."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.models import NoteStatus, Role, User
from coachapp.ride_alongs import calendar
from coachapp.timezones import local_today
from tests.builders import Org, make_follow_up, make_note, make_user
from tests.conftest import HttpsClient, login, signed_in
from tests.page_checks import main_of

TILE = re.compile(
    r'<a class="count-tile[^"]*" href="(?P<href>[^"]+)">\s*'
    r'<strong class="count-figure">(?P<count>\d+)</strong>\s*'
    r'<span class="count-label">(?P<label>[^<]+)</span>'
)


def tiles(page: str) -> dict[str, tuple[int, str]]:
    """Today's counts by label: (count, link)."""
    return {m["label"]: (int(m["count"]), html.unescape(m["href"])) for m in TILE.finditer(page)}


def local_day(org: Org) -> dt.date:
    return local_today(org.people["manager"].timezone, utcnow())


def busy_day(db: Session, org: Org) -> None:
    """More of everything Today counts: a rep never coached, drafts, follow-ups overdue and
    due this week (and one later, which is not counted)."""
    p, today = org.people, local_day(org)
    make_user(db, name="Nia Newcomer", manager_id=p["manager"].id)
    make_note(db, p["manager"], p["rep2"], NoteStatus.DRAFT)
    for days in (-9, -1, 0, 6, 12):
        make_follow_up(
            db, p["rep2"], p["manager"], title=f"Follow-up {days:+d}",
            due_date=today + dt.timedelta(days=days),
        )  # fmt: skip
    db.commit()


def test_today_shows_counts_not_every_item(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    busy_day(db, org)
    page = main_of(login_as("manager").get("/today").get_data(as_text=True))
    counts = {label: count for label, (count, _) in tiles(page).items()}
    # rep2 and Nia were never coached; rep was coached 3 days ago (within 14).
    assert counts == {
        "Coaching due": 2,
        "Drafts": 2,
        "Follow-ups overdue": 2,
        "Follow-ups due this week": 4,  # today, +2 (the org's), +6; not +12
    }
    assert "of 3 people" in page
    names = re.search(r'class="list-meta count-names">([^<]+)<', page)
    assert names and sorted(names.group(1).split(", ")) == ["Nia", "Robin"]  # who, in short
    assert "Follow-up -9" not in page and "Riley Rep" not in page  # the items, one tap away
    assert 'href="/team">Your team (3)</a>' in page


def test_each_count_opens_the_list_it_counts(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    busy_day(db, org)
    client = login_as("manager")
    found = tiles(client.get("/today").get_data(as_text=True))

    count, link = found["Coaching due"]
    team = main_of(client.get(link).get_data(as_text=True))
    rows = re.findall(r'<a class="list-row" href="/people/(\d+)"', team)
    assert len(rows) == count
    assert {int(i) for i in rows} == {org.people["rep2"].id, *_newcomers(db, org)}
    assert "Riley Rep" not in team  # coached within target
    assert "Show everyone" in team

    count, link = found["Drafts"]
    assert link == "/notes?status=draft"
    notes = main_of(client.get(link).get_data(as_text=True))
    assert notes.count('class="list-row') == count
    assert "/edit" in notes and ">Shared<" not in notes

    for label, section in (
        ("Follow-ups overdue", "overdue"),
        ("Follow-ups due this week", "due-this-week"),
    ):
        count, link = found[label]
        path, anchor = link.split("#")
        assert (path, anchor) == ("/follow-ups", section)
        listed = client.get(path).get_data(as_text=True)
        part = listed[listed.index(f'id="{section}"') :]
        part = part[: part.index("</section>")]
        assert part.count('class="list-row follow-up"') == count, label


def _newcomers(db: Session, org: Org) -> set[int]:
    return set(db.scalars(select(User.id).where(User.name == "Nia Newcomer")))


def test_today_shows_the_ride_alongs_of_today_and_tomorrow(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    p, today = org.people, local_day(org)
    manager = p["manager"]
    tomorrow = calendar.plan_ride_along(
        db, manager, p["rep"].id, today + dt.timedelta(days=1), today, org.plans["rep"].id
    )
    calendar.plan_ride_along(db, manager, p["rep2"].id, today, today)
    calendar.plan_ride_along(db, manager, p["rep2"].id, today + dt.timedelta(days=2), today)
    cancelled = calendar.plan_ride_along(db, manager, p["rep"].id, today, today)
    calendar.cancel(db, manager, cancelled.id)
    page = main_of(login_as("manager").get("/today").get_data(as_text=True))
    rides = page[page.index('id="rides-heading"') :]
    assert rides.count('class="list-row"') == 2
    assert "Today · Robin Key" in rides
    assert "Tomorrow · Riley Rep" in rides
    assert org.plans["rep"].account.name in rides and "Not prepared yet" in rides
    assert (
        f'href="/ride-alongs/{tomorrow.id}" aria-label="Prepare the ride-along with Riley Rep'
        ' tomorrow">Prepare</a>'
    ) in rides

    # Another manager's Today shows none of them.
    other = main_of(signed_in(app, org, "manager2").get("/today").get_data(as_text=True))
    assert "No ride-along today or tomorrow" in other


def test_a_team_with_nothing_waiting_reads_calm(db: Session, client: HttpsClient, org: Org) -> None:
    lonely = make_user(db, role=Role.MANAGER, manager_id=org.people["director"].id)
    db.commit()
    login(client, lonely.email)
    page = main_of(client.get("/today").get_data(as_text=True))
    assert {label: count for label, (count, _) in tiles(page).items()} == {
        "Coaching due": 0,
        "Drafts": 0,
        "Follow-ups overdue": 0,
        "Follow-ups due this week": 0,
    }
    assert "No ride-along today or tomorrow" in page
    due = main_of(client.get("/team?due=1").get_data(as_text=True))
    assert "Everyone on your team has been coached within target." in due
