"""One set of rules for what a ride-along day's forms may hold, whichever way they are sent:
the same bad input gets the same message from the day's pages (shown with the form again)
and from the JSON API (at the field's path in the error shape). The rules are
coachapp.ride_alongs.schemas, loaded by both."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.forms import too_long
from coachapp.models import PlannedRideAlong, RideAlongCall
from coachapp.plain_text import LINE_PROBLEM
from coachapp.ride_alongs import schemas
from tests.api.helpers import api_caller, assert_error_shape
from tests.builders import Org
from tests.conftest import HttpsClient, signed_in
from tests.ride_alongs.helpers import Day, plan_day

RIDES = "/api/v1/ride-alongs"
NEXT_WEEK = (dt.date.today() + dt.timedelta(days=7)).isoformat()


@dataclass(frozen=True)
class Case:
    id: str
    message: str
    who: str
    # The page: where the form is posted, what it holds, and the page the message is on
    # (None: the answer itself, a 422).
    form_url: Callable[[Day, Org], str]
    form: Callable[[Day, Org], dict[str, Any]]
    # The API: method, URL, body, whether it needs If-Match, and the message's path.
    api: Callable[[Day, Org], tuple[str, str, dict[str, Any]]]
    path: tuple[str, ...]
    shown_on: Callable[[Day, Org], str] | None = None
    if_match: bool = False


def _ride(day: Day, _: Org) -> str:
    return f"/ride-alongs/{day.ride.id}"


def _preparation(day: Day, org: Org, **typed: str) -> dict[str, Any]:
    plan = org.plans["rep"]
    return {
        "version": str(day.ride.version),
        "help_request": "The budget objection",
        "plan": str(plan.id),
        f"objective-plan-{plan.id}": "Agree the P&T submission date",
        **typed,
    }


def _call(day: Day, **typed: Any) -> dict[str, Any]:
    return {
        "client_uuid": str(uuid.uuid4()),
        "stop": "",
        "account_name": "Corner pharmacy",
        "evidence": "Asked what would change the vote",
        **typed,
    }


def _api_call(day: Day, **body: Any) -> tuple[str, str, dict[str, Any]]:
    return (
        "POST",
        f"{RIDES}/{day.ride.id}/calls",
        {"account_name": "Corner pharmacy", "evidence": "Asked", **body},
    )


CASES = [
    Case(
        "help-request-too-long",
        too_long(schemas.HELP_MAX),
        "rep",
        lambda d, o: f"{_ride(d, o)}/preparation",
        lambda d, o: _preparation(d, o, help_request="h" * (schemas.HELP_MAX + 1)),
        lambda d, o: ("PATCH", f"{RIDES}/{d.ride.id}", {"help_request": "h" * 1001}),
        ("help_request",),
        if_match=True,
    ),
    Case(
        "objective-too-long",
        too_long(schemas.OBJECTIVE_MAX),
        "rep",
        lambda d, o: f"{_ride(d, o)}/preparation",
        lambda d, o: _preparation(
            d, o, **{f"objective-plan-{o.plans['rep'].id}": "o" * (schemas.OBJECTIVE_MAX + 1)}
        ),
        lambda d, o: (
            "PATCH",
            f"{RIDES}/{d.ride.id}",
            {"stops": [{"plan_id": o.plans["rep"].id, "objective": "o" * 301}]},
        ),
        ("stops", "0", "objective"),
        if_match=True,
    ),
    Case(
        "account-named-too-long",
        too_long(schemas.NAME_MAX),
        "rep",
        lambda d, o: f"{_ride(d, o)}/preparation",
        lambda d, o: _preparation(
            d, o, plan="", **{"other-name-0": "n" * 161, "other-objective-0": "Meet them"}
        ),
        lambda d, o: (
            "PATCH",
            f"{RIDES}/{d.ride.id}",
            {"stops": [{"name": "n" * 161, "objective": "Meet them"}]},
        ),
        ("stops", "0", "name"),
        if_match=True,
    ),
    Case(
        "call-account-too-long",
        too_long(schemas.NAME_MAX),
        "manager",
        lambda d, o: f"{_ride(d, o)}/calls",
        lambda d, o: _call(d, account_name="a" * (schemas.NAME_MAX + 1)),
        lambda d, o: _api_call(d, account_name="a" * 161),
        ("account_name",),
    ),
    Case(
        "call-account-two-lines",
        LINE_PROBLEM,
        "manager",
        lambda d, o: f"{_ride(d, o)}/calls",
        lambda d, o: _call(d, account_name="Corner\npharmacy"),
        lambda d, o: _api_call(d, account_name="Corner\npharmacy"),
        ("account_name",),
    ),
    Case(
        "call-evidence-too-long",
        too_long(schemas.CALL_EVIDENCE_MAX),
        "manager",
        lambda d, o: f"{_ride(d, o)}/calls",
        lambda d, o: _call(d, evidence="e" * (schemas.CALL_EVIDENCE_MAX + 1)),
        lambda d, o: _api_call(d, evidence="e" * 501),
        ("evidence",),
    ),
    Case(
        "call-ticked-without-a-score",
        schemas.NEED_SCORE,
        "manager",
        lambda d, o: f"{_ride(d, o)}/calls",
        lambda d, o: _call(d, seen=[str(d.competencies[0])]),
        lambda d, o: _api_call(d, ratings=[{"competency_id": d.competencies[0]}]),
        ("ratings", "0", "score"),
    ),
    Case(
        "call-with-nothing-observed",
        schemas.NEED_SOMETHING,
        "manager",
        lambda d, o: f"{_ride(d, o)}/calls",
        lambda d, o: _call(d, evidence=""),
        lambda d, o: _api_call(d, evidence=""),
        ("ratings",),
    ),
    Case(
        "agreement-evidence-missing",
        schemas.SAY_WHAT_SHOWS_DONE,
        "rep",
        lambda d, o: f"{_ride(d, o)}/agreements/{d.rep_agreement.id}/done",
        lambda d, o: {"evidence": "   "},
        lambda d, o: (
            "POST",
            f"{RIDES}/{d.ride.id}/agreements/{d.rep_agreement.id}/done",
            {"evidence": "   "},
        ),
        ("evidence",),
    ),
    Case(
        "agreement-evidence-too-long",
        too_long(schemas.AGREEMENT_EVIDENCE_MAX),
        "rep",
        lambda d, o: f"{_ride(d, o)}/agreements/{d.rep_agreement.id}/done",
        lambda d, o: {"evidence": "e" * (schemas.AGREEMENT_EVIDENCE_MAX + 1)},
        lambda d, o: (
            "POST",
            f"{RIDES}/{d.ride.id}/agreements/{d.rep_agreement.id}/done",
            {"evidence": "e" * 301},
        ),
        ("evidence",),
    ),
    Case(
        "planning-note-too-long",
        too_long(schemas.NOTE_MAX),
        "manager",
        lambda d, o: f"/people/{o.people['rep'].id}/ride-alongs",
        lambda d, o: {"day": NEXT_WEEK, "note": "n" * (schemas.NOTE_MAX + 1)},
        lambda d, o: (
            "POST",
            RIDES,
            {"rep_id": o.people["rep"].id, "day": NEXT_WEEK, "note": "n" * 501},
        ),
        ("note",),
        shown_on=lambda d, o: f"/people/{o.people['rep'].id}",
    ),
    Case(
        "planning-day-missing",
        schemas.PICK_DAY,
        "manager",
        lambda d, o: f"/people/{o.people['rep'].id}/ride-alongs",
        lambda d, o: {"day": "", "note": "Formulary committee"},
        lambda d, o: ("POST", RIDES, {"rep_id": o.people["rep"].id, "note": "x"}),
        ("day",),
        shown_on=lambda d, o: f"/people/{o.people['rep'].id}",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_page_and_the_api_say_the_same(
    case: Case, app: Flask, client: HttpsClient, db: Session, org: Org
) -> None:
    day = plan_day(db, org)
    before = (
        len(db.scalars(select(PlannedRideAlong.id)).all()),
        len(db.scalars(select(RideAlongCall.id)).all()),
    )
    page = signed_in(app, org, case.who)
    answer = page.post_form(case.form_url(day, org), case.form(day, org))
    if case.shown_on is None:
        assert answer.status_code == 422
        text = answer.get_data(as_text=True)
    else:
        assert answer.status_code == 302
        text = page.get(case.shown_on(day, org)).get_data(as_text=True)
    assert str(escape(case.message)) in text

    method, url, body = case.api(day, org)
    call = api_caller(app, client, db, org)
    refused = call(case.who, method, url, json=body, if_match=1 if case.if_match else None)
    fields: Any = assert_error_shape(refused, 422)["fields"]
    for part in case.path:
        fields = fields[part]
    assert fields == [case.message]
    db.expire_all()
    assert (
        len(db.scalars(select(PlannedRideAlong.id)).all()),
        len(db.scalars(select(RideAlongCall.id)).all()),
    ) == before, "nothing stored"


def test_a_stops_message_is_shown_at_its_field_and_what_was_typed_kept(
    app: Flask, db: Session, org: Org
) -> None:
    day = plan_day(db, org)
    rep = signed_in(app, org, "rep")
    refused = rep.post_form(
        f"/ride-alongs/{day.ride.id}/preparation",
        _preparation(day, org, **{"other-name-0": "Lakeside Clinic", "other-objective-0": ""}),
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="other-objective-0-error">Say what this call should achieve.' in text
    assert 'aria-invalid="true" aria-describedby="other-objective-0-error"' in text
    assert 'value="Lakeside Clinic"' in text
    assert "Each account needs a name and a call objective" in text
