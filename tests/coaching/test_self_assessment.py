"""A rep rates themself before their next coaching; it joins the next note, and the manager
sees each of the rep's own scores once they have rated that behaviour themself (double-blind)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp.models import GuideStatus, GuideVersion, Note, PendingSelfAssessment
from tests.api.helpers import Call, api_caller, assert_error_shape
from tests.builders import Org
from tests.coaching.test_pages import debrief, start_note
from tests.conftest import HttpsClient, signed_in


def guide_of(org: Org) -> GuideVersion:
    """The rep's guide: the one published guide of the test organisation."""
    return org.notes["shared"].guide_version


def rate(client: HttpsClient, version: GuideVersion, **scores: str) -> TestResponse:
    """Posts the "Rate yourself" form; scores by competency key ("shares_plan": "2")."""
    ids = {c.key: c.id for s in version.sections for c in s.competencies}
    form = {f"self-{ids[key]}": value for key, value in scores.items()}
    return client.post_form("/self-assessment", {"guide_version_id": str(version.id), **form})


def rated(db: Session, note_id: int) -> dict[str, str]:
    """The debrief form with both behaviours rated (the first 3, the second not observed)."""
    return {**debrief(db, note_id), "development_focus": "Ask about the P&T timeline first"}


def pending_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(PendingSelfAssessment)) or 0


def test_rep_rates_themself_before_the_note_and_it_joins_the_next_one(
    app: Flask, db: Session, org: Org
) -> None:
    version = guide_of(org)
    shares_plan, listens = (c.id for c in version.sections[0].competencies)
    rep = signed_in(app, org, "rep")
    assert "Rate yourself before your next coaching" in rep.get("/notes").get_data(as_text=True)
    # Home puts the shared note waiting for the rep first; the card waits until it is done.
    home = rep.get("/my").get_data(as_text=True)
    assert "Needs your action" in home and "Rate yourself before your next coaching" not in home
    form = rep.get("/self-assessment").get_data(as_text=True)
    assert "Shares the plan" in form and "Listens" in form

    saved = rate(rep, version, shares_plan="2", listens="n")
    assert saved.status_code == 302 and saved.headers["Location"] == "/self-assessment"
    again = rep.get("/self-assessment").get_data(as_text=True)
    assert f'id="self-{shares_plan}-2" name="self-{shares_plan}" value="2" checked' in again
    assert f'id="self-{listens}-n" name="self-{listens}" value="n" checked' in again
    assert "Your self-assessment" in rep.get("/notes").get_data(as_text=True)

    # The manager logs the next conversation: the self-assessment joins it, and each of the
    # rep's scores shows once the manager has rated that behaviour (double-blind).
    manager = signed_in(app, org, "manager")
    note_id = start_note(manager, org.people["rep"].id)
    page = manager.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert "rated themself too" in page and "Self:" not in page
    assert manager.post_form(f"/notes/{note_id}/edit", rated(db, note_id)).status_code == 302
    page = manager.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert "Self: 2 · Building" in page and "Self: Not observed" in page
    db.expire_all()
    note = db.get(Note, note_id)
    assert note is not None and note.self_assessment is not None
    assert note.self_assessment["before_note"] is True
    assert note.self_assessment["ratings"] == [
        {"competency_id": shares_plan, "score": 2},
        {"competency_id": listens, "score": None},
    ]
    assert pending_count(db) == 0

    # The draft stays the manager's; once shared the rep sees both side by side.
    assert rep.get(f"/notes/{note_id}").status_code == 404
    assert manager.post_form(f"/notes/{note_id}/share").status_code == 302
    page = rep.get(f"/notes/{note_id}").get_data(as_text=True)
    assert "Self: 2 · Building" in page and "You rated yourself before this conversation" in page
    director = signed_in(app, org, "director")
    assert "Self: 2 · Building" in director.get(f"/notes/{note_id}").get_data(as_text=True)
    # The next note starts from nothing again.
    assert "Rate yourself before your next coaching" in rep.get("/notes").get_data(as_text=True)


def test_rating_while_the_note_is_written_shows_on_the_debrief_and_joins_at_sharing(
    app: Flask, db: Session, org: Org
) -> None:
    version = guide_of(org)
    shares_plan = version.sections[0].competencies[0].id
    rep, manager = signed_in(app, org, "rep"), signed_in(app, org, "manager")
    rate(rep, version, shares_plan="2")
    note_id = start_note(manager, org.people["rep"].id)
    # The rep changes their mind before the note is shared: the newer one wins.
    rate(rep, version, shares_plan="3")
    assert manager.post_form(f"/notes/{note_id}/edit", rated(db, note_id)).status_code == 302
    assert "Self: 3 · Proficient" in manager.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    db.expire_all()
    assert db.get(Note, note_id).self_assessment["ratings"][0]["score"] == 2  # type: ignore[union-attr,index]
    manager.post_form(f"/notes/{note_id}/share")
    db.expire_all()
    note = db.get(Note, note_id)
    assert note is not None
    assert note.self_assessment["ratings"] == [{"competency_id": shares_plan, "score": 3}]  # type: ignore[index]
    assert pending_count(db) == 0
    assert "Self: 3 · Proficient" in rep.get(f"/notes/{note_id}").get_data(as_text=True)


def test_it_joins_only_that_reps_note(app: Flask, db: Session, org: Org) -> None:
    rate(signed_in(app, org, "other_rep"), guide_of(org), shares_plan="4")
    manager = signed_in(app, org, "manager")
    note_id = start_note(manager, org.people["rep"].id)
    assert "Self:" not in manager.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert pending_count(db) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("shares_plan", "7", "Choose 1 to 4, or not observed."),
        ("shares_plan", "0", "Choose 1 to 4, or not observed."),
        ("shares_plan", "two", "Choose 1 to 4, or not observed."),
        ("self-999999999", "2", "The guide has changed since the page was opened"),
        ("self-abc", "2", "The guide has changed since the page was opened"),
    ],
)
def test_scores_off_the_scale_or_guide_are_form_errors(
    app: Flask, db: Session, org: Org, field: str, value: str, message: str
) -> None:
    version = guide_of(org)
    rep = signed_in(app, org, "rep")
    if field.startswith("self-"):
        response = rep.post_form(
            "/self-assessment", {"guide_version_id": str(version.id), field: value}
        )
    else:
        response = rate(rep, version, **{field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert pending_count(db) == 0


def test_a_form_from_before_a_new_guide_version_is_refused(
    app: Flask, db: Session, org: Org
) -> None:
    version = guide_of(org)
    rep = signed_in(app, org, "rep")
    competency = version.sections[0].competencies[0].id
    response = rep.post_form(
        "/self-assessment", {"guide_version_id": "999999", f"self-{competency}": "2"}
    )
    assert response.status_code == 422
    assert "The guide has changed" in response.get_data(as_text=True)
    assert pending_count(db) == 0


def test_clearing_it(app: Flask, db: Session, org: Org) -> None:
    rep = signed_in(app, org, "rep")
    rate(rep, guide_of(org), shares_plan="2")
    assert pending_count(db) == 1
    cleared = rep.post_form(
        "/self-assessment", {"guide_version_id": str(guide_of(org).id), "clear": "1"}
    )
    assert cleared.status_code == 302
    assert pending_count(db) == 0


def test_it_follows_the_competencies_into_a_newer_guide_version(
    app: Flask, db: Session, org: Org
) -> None:
    """Rated on one version; the admin publishes the next before the manager logs the note:
    the ratings join it by competency, and a removed competency is left out."""
    old = guide_of(org)
    rep = signed_in(app, org, "rep")
    rate(rep, old, shares_plan="1", listens="4")
    admin = signed_in(app, org, "admin")
    admin.post_form(f"/admin/guides/{old.guide_id}/draft")
    new = db.scalars(
        select(GuideVersion).where(GuideVersion.guide_id == old.guide_id, GuideVersion.number == 2)
    ).one()
    listens = next(c for c in new.sections[0].competencies if c.key == "listens")
    admin.post_form(f"/admin/guides/competencies/{listens.id}/delete")
    admin.post_form(f"/admin/guides/{old.guide_id}/publish")

    note_id = start_note(signed_in(app, org, "manager"), org.people["rep"].id)
    db.expire_all()
    note = db.get(Note, note_id)
    assert note is not None and note.guide_version_id == new.id
    shares_plan = next(c for c in new.sections[0].competencies if c.key == "shares_plan")
    assert note.self_assessment["ratings"] == [{"competency_id": shares_plan.id, "score": 1}]  # type: ignore[index]


# Over JSON ----------------------------------------------------------------------------------


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    return api_caller(app, client, db, org)


def test_api_the_rep_writes_it_their_manager_reads_it_nobody_else(call: Call, org: Org) -> None:
    version = guide_of(org)
    shares_plan, listens = (c.id for c in version.sections[0].competencies)
    url = f"/api/v1/reps/{org.people['rep'].id}/self-assessment"
    empty = call("rep", "GET", url)
    assert empty.status_code == 200
    assert empty.get_json() == {
        "rep_id": org.people["rep"].id,
        "guide_version_id": version.id,
        "ratings": [],
        "held_back": 0,
        "updated_at": None,
    }
    ratings = [
        {"competency_id": shares_plan, "score": 3},
        {"competency_id": listens, "score": None},
    ]
    saved = call("rep", "PUT", url, json={"ratings": ratings})
    assert saved.status_code == 200 and saved.get_json()["ratings"] == ratings
    assert saved.get_json()["updated_at"] is not None
    # Double-blind: the manager learns it is there, and sees the scores on the next note once
    # they have rated those behaviours themself.
    seen = call("manager", "GET", url).get_json()
    assert seen["ratings"] == [] and seen["held_back"] == 2 and seen["updated_at"] is not None
    for outsider in ("rep2", "other_rep", "manager2", "director", "director2", "admin"):
        assert_error_shape(call(outsider, "GET", url), 404)
        assert_error_shape(call(outsider, "PUT", url, json={"ratings": []}), 404)
    assert_error_shape(call("manager", "PUT", url, json={"ratings": []}), 403)


@pytest.mark.parametrize(
    "body",
    [
        {"ratings": [{"competency_id": "SHARES", "score": 2}]},
        {"ratings": [{"competency_id": 999_999_999, "score": 2}]},
        {"ratings": [{"score": 2}]},
        {"ratings": "all good"},
        {"mood": 3},
        {"guide_version_id": 999_999_999, "ratings": []},
    ],
)
def test_api_refuses_what_is_not_on_the_guide(call: Call, org: Org, body: dict[str, Any]) -> None:
    url = f"/api/v1/reps/{org.people['rep'].id}/self-assessment"
    assert_error_shape(call("rep", "PUT", url, json=body), 422)


@pytest.mark.parametrize("score", [0, 5, 2.5, "3", True])
def test_api_refuses_scores_off_the_scale(call: Call, org: Org, score: Any) -> None:
    competency = guide_of(org).sections[0].competencies[0].id
    url = f"/api/v1/reps/{org.people['rep'].id}/self-assessment"
    body = {"ratings": [{"competency_id": competency, "score": score}]}
    assert_error_shape(call("rep", "PUT", url, json=body), 422)


def test_api_twice_rated_and_draft_guides_are_refused(call: Call, db: Session, org: Org) -> None:
    version = guide_of(org)
    competency = version.sections[0].competencies[0].id
    url = f"/api/v1/reps/{org.people['rep'].id}/self-assessment"
    twice = [{"competency_id": competency, "score": 2}, {"competency_id": competency, "score": 3}]
    assert_error_shape(call("rep", "PUT", url, json={"ratings": twice}), 422)
    version.status = GuideStatus.DRAFT
    db.commit()
    body = {"guide_version_id": version.id, "ratings": []}
    assert_error_shape(call("rep", "PUT", url, json=body), 422)
    assert pending_count(db) == 0


def test_api_a_note_logged_next_carries_it(call: Call, org: Org) -> None:
    competency = guide_of(org).sections[0].competencies[0].id
    rep_id = org.people["rep"].id
    ratings = [{"competency_id": competency, "score": 4}]
    call("rep", "PUT", f"/api/v1/reps/{rep_id}/self-assessment", json={"ratings": ratings})
    created = call(
        "manager",
        "POST",
        "/api/v1/coaching-sessions",
        json={"rep_id": rep_id, "type": "one_on_one"},
    )
    assert created.status_code == 201
    joined = created.get_json()["self_assessment"]
    assert joined["ratings"] == [] and joined["held_back"] == 1 and joined["before_note"] is True
    # The manager rates that behaviour: the rep's own score shows beside it, with the gap.
    rated = call(
        "manager", "PATCH", f"/api/v1/coaching-sessions/{created.get_json()['id']}",
        json={"ratings": [{"competency_id": competency, "score": 2}]},
        headers={"If-Match": created.headers["ETag"]},
    )  # fmt: skip
    assert rated.status_code == 200, rated.get_data(as_text=True)
    assert rated.get_json()["self_assessment"]["ratings"] == ratings
    assert rated.get_json()["rating_gaps"] == [
        {
            "competency_id": competency,
            "self_score": 4,
            "manager_score": 2,
            "gap": 2,
            "talking_point": True,
        }
    ]
    after = call("rep", "GET", f"/api/v1/reps/{rep_id}/self-assessment").get_json()
    assert after["ratings"] == [] and after["updated_at"] is None
    cleared = call("rep", "PUT", f"/api/v1/reps/{rep_id}/self-assessment", json={"ratings": []})
    assert cleared.status_code == 200 and cleared.get_json()["ratings"] == []


def test_a_refused_form_keeps_what_was_chosen(app: Flask, db: Session, org: Org) -> None:
    version = guide_of(org)
    listens = version.sections[0].competencies[1].id
    response = rate(signed_in(app, org, "rep"), version, shares_plan="9", listens="3")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="self-{listens}-3" name="self-{listens}" value="3" checked' in page
    assert 'class="field-error">Choose 1 to 4, or not observed.' in page
