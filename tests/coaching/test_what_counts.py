"""What counts as coaching (coachapp.coaching.counts, docs/what-counts.md), told through the
figures a director reads: a note counts once it is shared, and it is shared only with its
kind of conversation chosen, a competency rated 1 to 4 and a development focus. A draft never
counts; its type is chosen, never defaulted, and inferred only from a ride-along planned with
the rep that day."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.coaching import counts
from coachapp.models import Note, NoteStatus, NoteType
from coachapp.ride_alongs import calendar
from tests.api.helpers import Call, api_caller, assert_error_shape
from tests.builders import Org
from tests.conftest import HttpsClient, signed_in

SESSIONS = "/api/v1/coaching-sessions"


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    return api_caller(app, client, db, org)


def competencies(org: Org) -> list[int]:
    version = org.notes["draft"].guide_version
    return [c.id for s in version.sections for c in s.competencies]


def figures(call: Call, org: Org, who: str = "rep2") -> dict[str, Any]:
    """The manager's cadence row for one rep (rep2 has no coaching yet)."""
    rows = call("manager", "GET", "/api/v1/cadence").get_json()
    row: dict[str, Any] = next(r for r in rows if r["rep_id"] == org.people[who].id)
    return {
        key: row[key] for key in ("last_coached_on", "sessions_in_window", "notes_shared", "status")
    }


NOT_COACHED = {
    "last_coached_on": None,
    "sessions_in_window": 0,
    "notes_shared": 0,
    "status": "never",
}


def new_note(call: Call, org: Org, **body: Any) -> Any:
    first, second = competencies(org)[:2]
    return call(
        "manager",
        "POST",
        SESSIONS,
        json={
            "client_uuid": str(uuid.uuid4()),
            "rep_id": org.people["rep2"].id,
            "type": "one_on_one",
            "occurred_on": dt.date.today().isoformat(),
            "ratings": [
                {"competency_id": first, "score": None},
                {"competency_id": second, "score": None},
            ],
            "development_focus": "Summarise the nurse's concern before answering it",
            **body,
        },
    )


def test_a_note_with_only_not_observed_cannot_be_shared_and_does_not_count(
    call: Call, org: Org
) -> None:
    assert figures(call, org) == NOT_COACHED
    created = new_note(call, org)
    assert created.status_code == 201, created.get_json()
    url = f"{SESSIONS}/{created.get_json()['id']}"

    refused = call("manager", "POST", f"{url}/share")
    error = assert_error_shape(refused, 422)
    assert error["fields"] == {"ratings": [counts.RATING_TO_SHARE]}
    assert call("manager", "GET", url).get_json()["status"] == "draft"
    assert figures(call, org) == NOT_COACHED

    first, second = competencies(org)[:2]
    rated = [
        {"competency_id": first, "score": 2, "evidence": "Talked over the nurse manager"},
        {"competency_id": second, "score": None},
    ]
    patched = call("manager", "PATCH", url, json={"ratings": rated}, if_match=1)
    assert patched.status_code == 200, patched.get_json()
    shared = call("manager", "POST", f"{url}/share")
    assert shared.status_code == 200 and shared.get_json()["status"] == "shared"
    assert figures(call, org) == {
        "last_coached_on": dt.date.today().isoformat(),
        "sessions_in_window": 1,
        "notes_shared": 1,
        "status": "on_track",
    }

    # Once shared, it keeps what made it count: its ratings cannot all become "not observed".
    unrated = [{"competency_id": first, "score": None}, {"competency_id": second, "score": None}]
    version = shared.get_json()["version"]
    emptied = call("manager", "PATCH", url, json={"ratings": unrated}, if_match=version)
    assert assert_error_shape(emptied, 422)["fields"] == {"ratings": [counts.SHARED_KEEPS_RATING]}
    emptied = call("manager", "PATCH", url, json={"ratings": []}, if_match=version)
    assert assert_error_shape(emptied, 422)["fields"]["ratings"]
    kept = call("manager", "GET", url).get_json()
    assert [r["score"] for r in kept["ratings"]] == [2, None] and kept["version"] == version
    assert figures(call, org)["sessions_in_window"] == 1


def test_a_note_without_a_type_is_refused_with_a_field_message(call: Call, org: Org) -> None:
    for kind in (None, "coffee"):
        error = assert_error_shape(new_note(call, org, type=kind), 422)
        assert error["fields"]["type"]
    left_out = call(
        "manager",
        "POST",
        SESSIONS,
        json={"client_uuid": str(uuid.uuid4()), "rep_id": org.people["rep2"].id},
    )
    error = assert_error_shape(left_out, 422)
    assert error["fields"] == {"type": [counts.CHOOSE_TYPE]}
    assert figures(call, org) == NOT_COACHED


def start_from_the_page(
    app: Flask, org: Org, who: str = "rep2", another: bool = False
) -> tuple[HttpsClient, int]:
    """ "Log coaching" (or "Start another note") on the rep's page: the draft it opens."""
    manager = signed_in(app, org, "manager")
    form = {"client_uuid": str(uuid.uuid4())} | ({"another": "1"} if another else {})
    started = manager.post_form(f"/people/{org.people[who].id}/coaching", form)
    assert started.status_code == 302, started.get_data(as_text=True)[:300]
    found = re.search(r"/notes/(\d+)/edit", started.headers["Location"])
    assert found
    return manager, int(found.group(1))


def test_a_typeless_draft_never_counts_and_sharing_asks_for_the_type(
    app: Flask, db: Session, call: Call, org: Org
) -> None:
    manager, note_id = start_from_the_page(app, org)
    note = db.get(Note, note_id)
    assert note is not None and note.type is None  # nothing chosen, nothing assumed
    page = manager.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert not re.search(r'name="type" value="\w+" checked', page)

    # Rated, with a focus, saved as the form autosaves it: still a draft without a type.
    first = competencies(org)[0]
    form = {
        "version": str(note.version),
        "occurred_on": note.occurred_on.isoformat(),
        f"score-{first}": "3",
        f"evidence-{first}": "Asked the pharmacist what would change the formulary vote",
        "development_focus": "Bring the MSL in before the P&T meeting",
    }
    saved = manager.post_form(f"/notes/{note_id}/edit", form, headers={"HX-Request": "true"})
    assert saved.status_code == 200
    assert call("manager", "GET", f"{SESSIONS}/{note_id}").get_json()["type"] is None
    assert figures(call, org) == NOT_COACHED

    refused = call("manager", "POST", f"{SESSIONS}/{note_id}/share")
    assert assert_error_shape(refused, 422)["fields"] == {"type": [counts.TYPE_TO_SHARE]}
    assert figures(call, org) == NOT_COACHED

    # The page says it at the field, and keeps what was typed.
    form["version"] = str(note.version + 1)
    form["private_notes"] = "typed a moment ago"
    page = manager.post_form(f"/notes/{note_id}/share", form)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert re.search(r'id="type-error"[^>]*>' + re.escape(counts.TYPE_TO_SHARE), text)
    assert "typed a moment ago" in text and "formulary vote" in text

    form["type"] = "one_on_one"
    form["version"] = str(note.version + 2)
    shared = manager.post_form(f"/notes/{note_id}/share", form)
    assert shared.status_code == 302, shared.get_data(as_text=True)[:500]
    assert figures(call, org)["sessions_in_window"] == 1


def test_sharing_on_the_page_without_a_rating_says_so_at_the_ratings(
    app: Flask, db: Session, org: Org
) -> None:
    manager, note_id = start_from_the_page(app, org)
    note = db.get(Note, note_id)
    assert note is not None
    first = competencies(org)[0]
    form = {
        "version": str(note.version),
        "type": "virtual_call",
        "occurred_on": note.occurred_on.isoformat(),
        f"score-{first}": "n",
        f"evidence-{first}": "Did not get to pricing",
        "focus_chip": "Use the profiling guide",
    }
    page = manager.post_form(f"/notes/{note_id}/share", form)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert re.search(r'id="ratings-error"[^>]*>' + re.escape(counts.RATING_TO_SHARE), text)
    assert 'value="virtual_call" checked' in text
    assert "Did not get to pricing" in text
    db.expire_all()
    assert db.get(Note, note_id).status == NoteStatus.DRAFT  # type: ignore[union-attr]


def test_the_type_is_inferred_only_from_a_ride_along_planned_that_day(
    app: Flask, db: Session, call: Call, org: Org
) -> None:
    manager_user, rep2 = org.people["manager"], org.people["rep2"]
    today = dt.date.today()
    calendar.plan_ride_along(db, manager_user, rep2.id, today, today)
    _manager, note_id = start_from_the_page(app, org, "rep2")
    assert db.get(Note, note_id).type == NoteType.RIDE_ALONG  # type: ignore[union-attr]
    # The API, too, when the body leaves the type out on a day with a ride-along planned.
    planned = call(
        "manager",
        "POST",
        SESSIONS,
        json={
            "client_uuid": str(uuid.uuid4()),
            "rep_id": rep2.id,
            "occurred_on": today.isoformat(),
        },
    )
    assert planned.status_code == 201 and planned.get_json()["type"] == "ride_along"
    # Another day, another rep, or a cancelled ride: nothing is assumed.
    other_day = call(
        "manager",
        "POST",
        SESSIONS,
        json={
            "client_uuid": str(uuid.uuid4()),
            "rep_id": rep2.id,
            "occurred_on": (today - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert_error_shape(other_day, 422)
    _manager, other_rep_note = start_from_the_page(app, org, "rep", another=True)
    assert db.get(Note, other_rep_note).type is None  # type: ignore[union-attr]
    ride = calendar.plan_ride_along(db, manager_user, org.people["rep"].id, today, today)
    calendar.cancel(db, manager_user, ride.id)
    _manager, after_cancel = start_from_the_page(app, org, "rep", another=True)
    assert db.get(Note, after_cancel).type is None  # type: ignore[union-attr]


def test_the_figures_count_through_the_one_definition(db: Session, org: Org, app: Flask) -> None:
    """The cadence figures select with counts.counted(): a shared note counts, a draft with
    everything in it does not."""
    from sqlalchemy import select

    counted = set(db.scalars(select(Note.id).where(counts.counted())))
    assert org.notes["shared"].id in counted and org.notes["acknowledged"].id in counted
    assert org.notes["draft"].id not in counted
    assert all(counts.counts(s) == (s.id in counted) for s in org.notes.values())
