"""Adding a colleague to an account team in an organisation of thousands: the form offers the
first colleagues by name and finds the others as one types, with or without JavaScript; the
plan's page sends and reads the same whatever the size of the organisation."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.listing import CHOICES_SHOWN as TEAM_CHOICES_SHOWN
from coachapp.models import Function, Role, User
from tests.builders import Org, make_user
from tests.conftest import HttpsClient

HX = {"HX-Request": "true"}
OPTION = re.compile(r'<option value="(\d+)"[^>]*>([^<]*)</option>')


def offered(html: str) -> list[str]:
    """The colleagues the team form's list offers, by name."""
    start = html.index('id="new-member-user_id"')
    return [name for _, name in OPTION.findall(html[start : html.index("</select>", start)])]


def grow_organisation(db: Session, count: int) -> None:
    for n in range(count):
        make_user(db, name=f"Colleague {n:03d} Okafor", function=Function.MARKET_ACCESS)
    make_user(db, name="Zelda Quartermaine", function=Function.MSL)
    make_user(db, name="Zed Gone", active=False)
    make_user(db, name="Zora Manager", role=Role.MANAGER)
    db.commit()


def test_the_form_offers_the_first_colleagues_and_says_how_many_there_are(
    login_as: Any, org: Org, db: Session
) -> None:
    grow_organisation(db, 60)
    client = login_as("rep")
    page = client.get(f"/plans/{org.plans['rep'].id}").get_data(as_text=True)
    names = offered(page)
    assert len(names) == TEAM_CHOICES_SHOWN
    assert names == sorted(names)
    assert "Zelda Quartermaine (Medical science liaison)" not in names
    assert re.search(r"The first 30 of \d+ colleagues, by name: type a name", page)
    assert 'id="new-member-find"' in page and 'name="colleague"' in page


def test_typing_a_name_finds_colleagues_past_the_first_ones(
    login_as: Any, org: Org, db: Session
) -> None:
    grow_organisation(db, 60)
    client = login_as("rep")
    plan_id = org.plans["rep"].id
    found = client.get(f"/plans/{plan_id}/team/choices?colleague=quarter", headers=HX)
    assert found.status_code == 200
    assert offered(found.get_data(as_text=True)) == ["Zelda Quartermaine (Medical science liaison)"]
    # Inactive people, managers and those already on the team are never offered.
    for name in ("zed gone", "zora", org.people["rep2"].name):
        html = client.get(f"/plans/{plan_id}/team/choices?colleague={name}", headers=HX)
        assert offered(html.get_data(as_text=True)) == [], name
    nobody = client.get(f"/plans/{plan_id}/team/choices?colleague=%25", headers=HX)
    assert "Nobody found for “%”" in nobody.get_data(as_text=True)


def test_without_javascript_the_search_reopens_the_plan_with_what_it_found(
    login_as: Any, org: Org, db: Session
) -> None:
    grow_organisation(db, 60)
    client = login_as("rep")
    page = client.get(f"/plans/{org.plans['rep'].id}?colleague=Quartermaine")
    html = page.get_data(as_text=True)
    assert offered(html) == ["Zelda Quartermaine (Medical science liaison)"]
    assert '<details class="piece add-form" open>' in html
    assert 'value="Quartermaine"' in html


def test_a_colleague_chosen_past_the_first_ones_stays_chosen_when_the_form_comes_back(
    login_as: Any, org: Org, db: Session
) -> None:
    grow_organisation(db, 60)
    client = login_as("rep")
    plan = org.plans["rep"]
    zelda = db.scalars(select(User).where(User.name == "Zelda Quartermaine")).one()
    refused = client.post_form(
        f"/plans/{plan.id}/team",
        {"user_id": str(zelda.id), "responsibility": "x" * 201},
        headers=HX,
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert f'<option value="{zelda.id}" selected>Zelda Quartermaine' in html
    added = client.post_form(
        f"/plans/{plan.id}/team", {"user_id": str(zelda.id), "responsibility": "MSL"}
    )
    assert added.status_code == 302
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Zelda Quartermaine (Medical science liaison)" not in offered(page)


def test_only_whoever_edits_the_team_is_offered_colleagues(
    login_as: Any, org: Org, db: Session
) -> None:
    plan_id = org.plans["rep"].id
    manager = login_as("manager")
    page = manager.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert 'id="new-member-user_id"' not in page
    assert manager.get(f"/plans/{plan_id}/team/choices", headers=HX).status_code == 403


def test_the_plan_page_reads_and_sends_the_same_as_the_organisation_grows(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("rep")
    path = f"/plans/{org.plans['rep'].id}"
    grow_organisation(db, TEAM_CHOICES_SHOWN + 1)
    engine = app.extensions["coachapp.db"].engine
    with counting_statements(engine) as before:
        small = client.get(path).get_data(as_text=True)
    grow_organisation(db, 200)
    with counting_statements(engine) as after:
        large = client.get(path).get_data(as_text=True)
    assert len(after) == len(before)
    assert len(offered(large)) == len(offered(small)) == TEAM_CHOICES_SHOWN
