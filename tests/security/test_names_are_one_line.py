"""A name, a title or any other one-line field refuses line breaks, tabs and invisible control
characters where it is typed (page or API), so nothing typed can add a line, a property or a
cell to a file built from it. Text of several lines keeps its line breaks, stored as LF."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import FollowUp, Note, PlanStakeholder, User
from coachapp.plain_text import LINE_PROBLEM, TEXT_PROBLEM
from tests.api.helpers import api_caller, assert_error_shape
from tests.builders import Org
from tests.conftest import HttpsClient

ATTACK = "Mei\rATTENDEE:mailto:evil@example.com"
# One of each kind of character a single line refuses.
REFUSED = {
    "carriage return": ATTACK,
    "line feed": "Mei\nATTENDEE:mailto:evil@example.com",
    "tab": "Mei\tChen",
    "next line (NEL)": "Mei\x85Chen",
    "line separator": "Mei\u2028Chen",
    "escape": "Mei\x1b[31mChen",
    "right-to-left override": "Mei \u202eneh\u202c",
    "zero-width space": "Mei\u200bChen",
    "byte order mark": "\ufeffMei",
}
# Names people have, which use joiners and non-ASCII letters.
ACCEPTED = [
    "Zoë O'Brien-Núñez",
    "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627",  # Mohammadreza, with a ZWNJ
    "李美",
    "Mei 👩\u200d⚕️",
]


def name_of(db: Session, user_id: int) -> str:
    db.expire_all()
    user = db.get(User, user_id)
    assert user is not None
    return user.name


@pytest.mark.parametrize("name", list(REFUSED.values()), ids=list(REFUSED))
def test_a_rep_cannot_put_a_control_character_in_their_name(
    db: Session, org: Org, login_as: Any, name: str
) -> None:
    rep = org.people["rep"]
    client: HttpsClient = login_as("rep")

    response = client.post_form("/me/profile", {"name": name, "timezone": "UTC"})

    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    field = page.split('id="name-error"', 1)[1].split("</p>", 1)[0]
    assert LINE_PROBLEM in field
    assert name_of(db, rep.id) == "Riley Rep"


@pytest.mark.parametrize("name", ACCEPTED)
def test_names_with_joiners_and_accents_are_kept(
    db: Session, org: Org, login_as: Any, name: str
) -> None:
    client: HttpsClient = login_as("rep")
    response = client.post_form("/me/profile", {"name": f"  {name} ", "timezone": "UTC"})
    assert response.status_code == 302
    assert name_of(db, org.people["rep"].id) == name


def test_an_admin_cannot_give_a_person_such_a_name(db: Session, org: Org, login_as: Any) -> None:
    client: HttpsClient = login_as("admin")
    form = {
        "email": "mei.chen@example.com",
        "name": ATTACK,
        "role": "rep",
        "function": "sales",
        "manager_id": str(org.people["manager"].id),
        "timezone": "UTC",
        "password": "first day on the job",
    }
    created = client.post_form("/admin/users/new", form)
    assert created.status_code == 422
    assert LINE_PROBLEM in html.unescape(created.get_data(as_text=True))
    assert db.scalars(select(User).where(User.email == "mei.chen@example.com")).first() is None

    rep = org.people["rep"]
    edited = client.post_form(
        f"/admin/users/{rep.id}",
        {**form, "role": "rep", "name": "Riley\tRep", "region": "West\r\nX"},
    )
    assert edited.status_code == 422
    assert name_of(db, rep.id) == "Riley Rep"


def test_an_org_import_refuses_it_on_its_line(db: Session, org: Org) -> None:
    from coachapp.admin.org_import import plan_org_import

    text = (
        "email,name,role,function,manager email,time zone,region\n"
        f'mei@example.com,"{ATTACK}",rep,sales,{org.people["manager"].email},UTC,West\n'
        f'li@example.com,Li,rep,sales,{org.people["manager"].email},UTC,"We\rst"\n'
    )
    plan = plan_org_import(db, org.people["admin"], text.encode())
    assert not plan.ok
    messages = [p.message for p in plan.problems]
    assert f"The name: {LINE_PROBLEM}" in messages, messages
    assert f"The region: {LINE_PROBLEM}" in messages, messages


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/v1/account-plans/{plan}/stakeholders", {"name": ATTACK}, "name"),
        ("POST", "/api/v1/account-plans/{plan}/goals", {"title": ATTACK}, "title"),
        ("PATCH", "/api/v1/follow-ups/{follow_up}", {"title": ATTACK}, "title"),
        ("PATCH", "/api/v1/follow-ups/{follow_up}", {"evidence": "Sent\r\nX"}, "evidence"),
        ("GET", "/api/v1/account-plans?region=We%0Dst", None, "region"),
    ],
)
def test_the_api_refuses_it_in_the_json_error_shape(
    app: Flask,
    client: HttpsClient,
    db: Session,
    org: Org,
    method: str,
    path: str,
    body: dict[str, str] | None,
    field: str,
) -> None:
    call = api_caller(app, client, db, org)
    url = path.format(plan=org.plans["rep"].id, follow_up=org.follow_ups["rep_shared"].id)

    response = call("rep", method, url, json=body)

    error = assert_error_shape(response, 422)
    assert field in error["fields"], error
    assert db.scalars(select(PlanStakeholder).where(PlanStakeholder.name == ATTACK)).first() is None
    db.expire_all()
    follow_up = db.get(FollowUp, org.follow_ups["rep_shared"].id)
    assert follow_up is not None and "\r" not in follow_up.title


def test_a_token_cannot_be_named_so(client: HttpsClient, org: Org) -> None:
    from tests.builders import PASSWORD

    body = {"email": org.people["rep"].email, "password": PASSWORD, "name": ATTACK}
    error = assert_error_shape(client.post("/api/v1/tokens", json=body), 422)
    assert error["fields"]["name"] == [LINE_PROBLEM]


def test_a_follow_up_title_on_the_debrief_page_is_refused_at_its_field(
    org: Org, login_as: Any
) -> None:
    client: HttpsClient = login_as("manager")
    note = org.notes["draft"]
    response = client.post_form(f"/notes/{note.id}/follow-ups", {"title": ATTACK, "due_in": "7"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert LINE_PROBLEM in page.split('id="follow_up_title-error"', 1)[1].split("</p>", 1)[0]


def test_notes_keep_their_lines_as_lf_and_refuse_other_controls(
    app: Flask, client: HttpsClient, db: Session, org: Org
) -> None:
    call = api_caller(app, client, db, org)
    note = org.notes["draft"]
    url = f"/api/v1/coaching-sessions/{note.id}"
    version = call("manager", "GET", url).get_json()["version"]

    kept = call(
        "manager",
        "PATCH",
        url,
        json={"strengths": "Opened well\r\nClosed well\rAsked\tfirst"},
        if_match=version,
    )
    assert kept.status_code == 200, kept.get_json()
    db.expire_all()
    stored = db.get(Note, note.id)
    assert stored is not None and stored.strengths == "Opened well\nClosed well\nAsked\tfirst"

    refused = call(
        "manager", "PATCH", url, json={"strengths": "Opened\x1b[2J well"}, if_match=version + 1
    )
    error = assert_error_shape(refused, 422)
    assert error["fields"]["strengths"] == [TEXT_PROBLEM]
