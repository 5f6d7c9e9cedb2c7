"""A manager logs a debrief from the rep's page and shares it; the rep reads and acknowledges."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import FollowUp, Note, NoteStatus, Notification
from tests.builders import Org, make_guide_version
from tests.conftest import HttpsClient, login

HX = {"HX-Request": "true"}


def start_note(client: HttpsClient, rep_id: int, client_uuid: str | None = None) -> int:
    """A new note about the rep: "Start another note" (the org's manager has a draft about
    the rep already, which "Log coaching" would open)."""
    response = client.post_form(
        f"/people/{rep_id}/coaching",
        {"client_uuid": client_uuid or str(uuid.uuid4()), "another": "1"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    found = re.search(r"/notes/(\d+)/edit", response.headers["Location"])
    assert found
    return int(found.group(1))


def debrief(db: Session, note_id: int) -> dict[str, str]:
    note = db.get(Note, note_id)
    assert note is not None
    competencies = [c for s in note.guide_version.sections for c in s.competencies]
    form = {
        "version": str(note.version),
        "type": "ride_along",
        "occurred_on": note.occurred_on.isoformat(),
        "plan_id": str(note.plan_id or ""),
        "strengths": "Opened with the customer's own goals.",
        "development_focus": note.development_focus,
        "private_notes": "PRIVATE-NOTE-MARKER: watch the pace",
    }
    form[f"score-{competencies[0].id}"] = "3"
    form[f"evidence-{competencies[0].id}"] = "Asked about the P&T timeline"
    form[f"score-{competencies[1].id}"] = "n"
    return form


def test_log_share_read_acknowledge(app: Flask, db: Session, org: Org, client: HttpsClient) -> None:
    make_guide_version(db)
    db.commit()
    rep, manager = org.people["rep"], org.people["manager"]
    login(client, manager.email)
    page = client.get(f"/people/{rep.id}").get_data(as_text=True)
    assert "Log coaching" in page
    note_id = start_note(client, rep.id)
    edit = client.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert "Share with rep" in edit and "What to coach on" in edit

    form = debrief(db, note_id)
    form["focus_chip"] = "Use the profiling guide"
    saved = client.post_form(f"/notes/{note_id}/edit", form, headers=HX)
    assert saved.status_code == 200 and "Draft saved" in saved.get_data(as_text=True)
    added = client.post_form(
        f"/notes/{note_id}/follow-ups", {"title": "Send the dossier", "due_in": "7"}, headers=HX
    )
    assert added.status_code == 200 and "Send the dossier" in added.get_data(as_text=True)
    shared = client.post_form(f"/notes/{note_id}/share")
    assert shared.status_code == 302
    db.expire_all()
    note = db.get(Note, note_id)
    assert note is not None and note.status == NoteStatus.SHARED
    assert note.development_focus == "Use the profiling guide"
    assert [f.title for f in note.follow_ups] == ["Send the dossier"]

    rep_client = app.test_client()
    login(rep_client, rep.email)
    listing = rep_client.get("/notes").get_data(as_text=True)
    assert "Unread" in listing
    view = rep_client.get(f"/notes/{note_id}").get_data(as_text=True)
    # Blind self-rating: the rep rates themself (or skips) before the manager's ratings show.
    assert "Acknowledge" in view and "Rate yourself first" in view
    assert "Asked about the P&amp;T timeline" not in view
    assert rep_client.post_form(f"/notes/{note_id}/skip-self-rating").status_code == 302
    view = rep_client.get(f"/notes/{note_id}").get_data(as_text=True)
    assert "Asked about the P&amp;T timeline" in view and "Rate yourself first" not in view
    assert "PRIVATE-NOTE-MARKER" not in view
    assert (
        "Unread"
        not in rep_client.get("/notes").get_data(as_text=True).split(f"/notes/{note_id}")[0][-300:]
    )
    ack = rep_client.post_form(f"/notes/{note_id}/acknowledge", {"comment": "Agreed, thanks."})
    assert ack.status_code == 302
    manager_view = client.get(f"/notes/{note_id}").get_data(as_text=True)
    assert "Agreed, thanks." in manager_view and "PRIVATE-NOTE-MARKER" in manager_view
    kinds = db.scalars(select(Notification.kind)).all()
    assert {"note_shared", "note_acknowledged"} <= set(kinds)
    titles = " ".join(db.scalars(select(Notification.title)).all())
    assert "PRIVATE" not in titles


def test_double_tap_makes_one_draft(db: Session, org: Org, client: HttpsClient) -> None:
    make_guide_version(db)
    db.commit()
    login(client, org.people["manager"].email)
    same = str(uuid.uuid4())
    assert start_note(client, org.people["rep"].id, same) == start_note(
        client, org.people["rep"].id, same
    )


def test_only_the_reps_manager_logs_coaching(app: Flask, db: Session, org: Org) -> None:
    make_guide_version(db)
    db.commit()
    other = app.test_client()
    login(other, org.people["manager2"].email)
    assert other.post_form(f"/people/{org.people['rep'].id}/coaching").status_code == 404
    rep = app.test_client()
    login(rep, org.people["rep"].email)
    assert rep.post_form(f"/people/{org.people['rep2'].id}/coaching").status_code == 404


def test_invalid_debrief_keeps_what_was_typed(db: Session, org: Org, client: HttpsClient) -> None:
    make_guide_version(db)
    db.commit()
    login(client, org.people["manager"].email)
    note_id = start_note(client, org.people["rep"].id)
    form = debrief(db, note_id)
    form["occurred_on"] = "not a date"
    form["strengths"] = "Keep this strength text"
    response = client.post_form(f"/notes/{note_id}/edit", form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter the date of the conversation." in text and "Keep this strength text" in text


def test_stale_draft_save_is_a_conflict_not_an_overwrite(
    db: Session, org: Org, client: HttpsClient
) -> None:
    make_guide_version(db)
    db.commit()
    login(client, org.people["manager"].email)
    note_id = start_note(client, org.people["rep"].id)
    form = debrief(db, note_id)
    assert client.post_form(f"/notes/{note_id}/edit", form, headers=HX).status_code == 200
    form["strengths"] = "From the second phone"
    clash = client.post_form(f"/notes/{note_id}/edit", form, headers=HX)  # same old version
    assert clash.status_code == 412
    assert "From the second phone" in clash.get_data(as_text=True)


def test_follow_up_done_with_one_tap(
    db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    follow_up = org.follow_ups["rep_shared"]
    client = login_as("rep")
    page = client.get("/follow-ups").get_data(as_text=True)
    assert follow_up.title in page
    client.post_form(f"/follow-ups/{follow_up.id}", {"action": "done"})
    db.expire_all()
    assert db.get(FollowUp, follow_up.id).status.value == "done"  # type: ignore[union-attr]


def test_rep_rates_themself_beside_the_managers_ratings(
    db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    note = org.notes["shared"]
    rated = note.ratings[0].competency_id
    client = login_as("rep")
    page = client.get(f"/notes/{note.id}").get_data(as_text=True)
    assert "Rate yourself" in page
    saved = client.post_form(f"/notes/{note.id}/self-assessment", {f"self-{rated}": "2"})
    assert saved.status_code == 302
    assert "Self: 2 · Building" in client.get(f"/notes/{note.id}").get_data(as_text=True)
    db.expire_all()
    stored = db.get(Note, note.id)
    assert stored is not None and stored.self_assessment is not None
    assert stored.self_assessment["ratings"][0] == {"competency_id": rated, "score": 2}


def test_manager_sets_a_focus_and_sees_the_trend(
    db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    rep = org.people["rep"]
    key = org.notes["shared"].ratings[0].competency.key
    client = login_as("manager")
    page = client.get(f"/people/{rep.id}").get_data(as_text=True)
    assert "Development focus" in page and "Set focus" in page
    client.post_form(f"/people/{rep.id}/focus", {"competency_key": key, "goal": "Lead P&T prep"})
    page = client.get(f"/people/{rep.id}").get_data(as_text=True)
    assert "Lead P&amp;T prep" in page and 'class="trend-point"' in page
    again = client.post_form(f"/people/{rep.id}/focus", {"competency_key": key})
    assert again.status_code == 302
    assert "already a focus" in client.get(f"/people/{rep.id}").get_data(as_text=True)


def test_manager_plans_a_ride_along_and_both_get_a_calendar_file(
    app: Flask, db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    import datetime as dt

    rep = org.people["rep"]
    day = dt.date.today() + dt.timedelta(days=10)
    client = login_as("manager")
    planned = client.post_form(
        f"/people/{rep.id}/ride-alongs",
        {"day": day.isoformat(), "plan_id": str(org.plans["rep"].id), "note": "Infusion centre"},
    )
    assert planned.status_code == 302
    page = client.get(f"/people/{rep.id}").get_data(as_text=True)
    found = re.search(r'href="(/ride-alongs/\d+\.ics)"', page)
    assert found and "Infusion centre" in page
    calendar_file = client.get(found.group(1))
    assert calendar_file.headers["Content-Type"].startswith("text/calendar")
    text = calendar_file.get_data(as_text=True)
    assert f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}" in text
    assert "BEGIN:VEVENT" in text and "\r\n" in text
    rep_client = app.test_client()
    login(rep_client, rep.email)
    assert rep_client.get(found.group(1)).status_code == 200
    outsider = app.test_client()
    login(outsider, org.people["manager2"].email)
    assert outsider.get(found.group(1)).status_code == 404
    past = client.post_form(f"/people/{rep.id}/ride-alongs", {"day": "2020-01-01"})
    assert past.status_code == 302
    assert "Pick a day from today" in client.get(f"/people/{rep.id}").get_data(as_text=True)


def test_rep_sees_what_changed_after_sharing_but_not_private_notes(
    app: Flask, db: Session, org: Org, client: HttpsClient
) -> None:
    note = org.notes["shared"]
    login(client, org.people["manager"].email)
    form = debrief(db, note.id)
    form["strengths"] = "Clear opening, strong close"
    form["private_notes"] = "PRIVATE-NOTE-MARKER changed"
    assert client.post_form(f"/notes/{note.id}/edit", form).status_code == 302
    rep = app.test_client()
    login(rep, org.people["rep"].email)
    page = rep.get(f"/notes/{note.id}").get_data(as_text=True)
    assert "Changed after sharing" in page and "Clear opening, strong close" in page
    assert "PRIVATE-NOTE-MARKER" not in page and "Private notes" not in page


def test_follow_up_from_a_plan_action_closes_with_it(
    app: Flask, db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    from coachapp.models import ActionStatus, PlanActionItem

    client = login_as("manager")
    note_id = start_note(client, org.people["rep"].id)
    note = db.get(Note, note_id)
    assert note is not None and note.plan_id is not None  # the most recent plan, pre-selected
    action = PlanActionItem(
        plan_id=note.plan_id, title="Send the RWE deck", owner_id=org.people["rep"].id
    )
    db.add(action)
    db.commit()
    added = client.post_form(
        f"/notes/{note_id}/follow-ups", {"action_item_id": str(action.id), "due_in": "14"}
    )
    assert added.status_code == 302
    db.expire_all()
    follow_up = db.scalars(select(FollowUp).where(FollowUp.action_item_id == action.id)).one()
    assert follow_up.title == "Send the RWE deck"
    rep = app.test_client()
    login(rep, org.people["rep"].email)
    rep.post_form(
        f"/plans/{note.plan_id}/actions/{action.id}", {"status": "done", "base_status": "open"}
    )
    db.expire_all()
    assert db.get(FollowUp, follow_up.id).status.value == "done"  # type: ignore[union-attr]
    assert db.get(PlanActionItem, action.id).status == ActionStatus.DONE  # type: ignore[union-attr]


def test_strength_and_focus_chips_beside_a_rating_make_specific_points(
    app: Flask, db: Session, org: Org, client: HttpsClient
) -> None:
    """The quick path: rate a competency, note what was seen, tick Strength or Focus beside
    it: the note's point names the competency and what was seen, so it is never vague."""
    login(client, org.people["manager"].email)
    note_id = start_note(client, org.people["rep2"].id)
    note = db.get(Note, note_id)
    assert note is not None
    first, second = [c for s in note.guide_version.sections for c in s.competencies][:2]
    form = {
        "version": str(note.version),
        "type": "one_on_one",
        "occurred_on": note.occurred_on.isoformat(),
        f"score-{first.id}": "4",
        f"evidence-{first.id}": "Asked the CFO what would change the vote",
        f"score-{second.id}": "2",
        "strength_of": str(first.id),
        "focus_of": str(second.id),
        "strengths": "Kept the team to time",
    }
    assert client.post_form(f"/notes/{note_id}/edit", form, headers=HX).status_code == 200
    db.expire_all()
    saved = db.get(Note, note_id)
    assert saved is not None
    assert saved.strengths == (
        f"{first.name}: Asked the CFO what would change the vote\nKept the team to time"
    )
    assert saved.development_focus == second.name
    page = client.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert re.search(rf'id="strength-of-{first.id}"[^>]*checked', page)
    assert re.search(rf'id="focus-of-{second.id}"[^>]*checked', page)
    # The rest of the text stays in the field for the manager's own words.
    assert ">Kept the team to time</textarea>" in page
    # A chip ticked beside a behaviour marked not observed makes no point.
    unrated = {**form, f"score-{second.id}": "n", "version": str(saved.version)}
    assert client.post_form(f"/notes/{note_id}/edit", unrated, headers=HX).status_code == 200
    db.expire_all()
    unmarked = db.get(Note, note_id)
    assert unmarked is not None and unmarked.development_focus == ""
    shared = client.post_form(f"/notes/{note_id}/share", {**form, "version": str(unmarked.version)})
    assert shared.status_code == 302, shared.get_data(as_text=True)[:400]


def test_the_debrief_offers_the_reps_focus_first_and_folds_the_rest(
    app: Flask, db: Session, org: Org, client: HttpsClient
) -> None:
    import datetime as dt

    from coachapp.coaching import focus

    rep2 = org.people["rep2"]
    focus.set_focus(db, org.people["manager"], rep2.id, "listens", dt.date.today())
    login(client, org.people["manager"].email)
    note_id = start_note(client, rep2.id)
    note = db.get(Note, note_id)
    assert note is not None
    shares_plan, listens = [c for s in note.guide_version.sections for c in s.competencies]
    page = client.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    first, folded = page.split('<details class="more-competencies"', 1)
    assert f'id="rating-{listens.id}"' in first and f'id="rating-{shares_plan.id}"' in folded
    assert re.match(r">\s*<summary>Other competencies \(1\)</summary>", folded)  # closed
    assert f'id="strength-of-{listens.id}"' in first  # chips beside the focus
    # Rated from the folded part, it is offered first from then on.
    form = {**debrief(db, note_id), f"score-{shares_plan.id}": "2"}
    del form[f"score-{listens.id}"]
    assert client.post_form(f"/notes/{note_id}/edit", form, headers=HX).status_code == 200
    page = client.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert f'id="rating-{shares_plan.id}"' in page
    assert "more-competencies" not in page  # nothing left to fold


def test_an_addendum_before_the_acknowledgement_is_said_on_the_notes_page(
    client: HttpsClient, org: Org, login_as: Any
) -> None:
    """A refusal for the note's state (409) comes back as the note's page with its message at
    the top (and what was typed, where the page has that form), as bad input (422) does; never
    the error page."""
    login_as("manager")
    note = org.notes["shared"]
    typed = "Spoke again after the call: the pharmacy director wants the RWE deck."
    answer = client.post_form(f"/notes/{note.id}/addendum", {"text": typed})
    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "Edit the note itself until the rep acknowledges it." in page
    assert 'class="form-error" role="alert"' in page
