"""The admin's list of people in an organisation of thousands: a page at a time, counted, found
by a search that takes what is typed literally, in the same statements however many people."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.admin.service import PEOPLE_PER_PAGE
from coachapp.models import Role, User
from tests.builders import Org, make_user
from tests.conftest import HttpsClient

LISTED = re.compile(r'<span class="list-meta">([^<]+@example\.com)</span>')


def listed(html: str) -> list[str]:
    return LISTED.findall(html)


def grow(db: Session, org: Org, count: int) -> None:
    for n in range(count):
        make_user(db, name=f"Hire {n:03d}", manager_id=org.people["manager"].id)
    db.commit()


def test_people_come_a_page_at_a_time_with_none_missed_or_repeated(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    grow(db, org, 70)
    total = db.scalar(select(func.count()).select_from(User))
    login_as("admin")
    first = client.get("/admin/users").get_data(as_text=True)
    assert f"{total} people, 1 to {PEOPLE_PER_PAGE} here" in first
    assert 'href="/admin/users?page=2">Next people</a>' in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "Previous people" in second and "Next people" not in second
    seen = listed(first) + listed(second)
    assert len(seen) == len(set(seen)) == total
    everyone = set(db.scalars(select(User.email)))
    assert set(seen) == everyone
    # A page past the last is the last; what is not a page number is the first.
    assert listed(client.get("/admin/users?page=99").get_data(as_text=True)) == listed(second)
    assert listed(client.get("/admin/users?page=x").get_data(as_text=True)) == listed(first)


def test_the_search_and_the_role_are_kept_from_page_to_page(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    grow(db, org, 70)
    login_as("admin")
    page = client.get("/admin/users?q=hire&role=rep").get_data(as_text=True)
    assert "70 people found for “hire”" in page
    assert 'href="/admin/users?page=2&amp;q=hire&amp;role=rep">Next people</a>' in page


def test_the_search_takes_what_is_typed_literally(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    make_user(db, name="Percy 100% Sure", role=Role.REP, manager_id=org.people["manager"].id)
    db.commit()
    login_as("admin")
    found = client.get("/admin/users?q=100%25").get_data(as_text=True)
    assert "1 person found for “100%”" in found
    assert "Percy 100% Sure" in found
    none = client.get("/admin/users?q=_").get_data(as_text=True)
    assert "0 people found for “_”" in none and "No one matches." in none


def test_the_list_reads_the_same_statements_however_many_people(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    engine = app.extensions["coachapp.db"].engine
    grow(db, org, 5)
    with counting_statements(engine) as before:
        assert client.get("/admin/users").status_code == 200
    grow(db, org, 120)
    with counting_statements(engine) as after:
        assert client.get("/admin/users").status_code == 200
    assert len(after) == len(before)
