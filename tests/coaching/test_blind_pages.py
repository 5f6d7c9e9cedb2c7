"""Blind self-rating and the acknowledgement deadline on the pages: the rep rates themself
before the manager's ratings show, then both see the gap and its talking points; the manager
sees the rep's score of a behaviour once they have rated it; the deadline is said in words
and in red once missed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.models import Note, NoteRating, NoteStatus
from tests.builders import Org, make_note
from tests.coaching.test_pages import HX, debrief, start_note
from tests.conftest import signed_in


@pytest.fixture
def note(db: Session, org: Org) -> Note:
    """The shared note: the manager rated the first behaviour 3 with evidence, the second 1."""
    shared = org.notes["shared"]
    first, second = shared.ratings
    first.evidence, first.score = "EVIDENCE-FIRST asked about the P&T date", 3
    second.evidence, second.score = "EVIDENCE-SECOND", 1
    db.commit()
    return shared


def ids(note: Note) -> tuple[int, int]:
    first, second = (r.competency_id for r in note.ratings)
    return first, second


def test_the_rep_rates_first_then_sees_the_ratings_and_the_gap(
    app: Flask, db: Session, org: Org, note: Note
) -> None:
    rep = signed_in(app, org, "rep")
    url = f"/notes/{note.id}"
    page = rep.get(url).get_data(as_text=True)
    assert "Rate yourself first" in page and "Skip self-rating" in page and "Acknowledge" in page
    assert "EVIDENCE-FIRST" not in page and "EVIDENCE-SECOND" not in page
    assert "ratings open once you have rated yourself" in page
    assert "Acknowledging now skips rating yourself." in page
    first, second = ids(note)

    empty = rep.post_form(f"{url}/self-assessment", {})
    assert empty.status_code == 422
    assert "Rate at least one behaviour, or choose Skip self-rating." in empty.get_data(
        as_text=True
    )
    off = rep.post_form(f"{url}/self-assessment", {f"self-{first}": "1", f"self-{second}": "9"})
    assert off.status_code == 422
    kept = off.get_data(as_text=True)
    assert f'id="self-{first}-1" name="self-{first}" value="1" checked' in kept
    assert "EVIDENCE-FIRST" not in kept

    saved = rep.post_form(f"{url}/self-assessment", {f"self-{first}": "1", f"self-{second}": "3"})
    assert saved.status_code == 302
    page = rep.get(url).get_data(as_text=True)
    assert "Rate yourself first" not in page and "EVIDENCE-FIRST" in page
    assert "Self: 1 · Developing" in page and "Self: 3 · Proficient" in page
    assert "Gap -2 · talking point" in page and "Gap +2 · talking point" in page
    talking = page.split('id="talking-heading"')[1].split("</section>")[0]
    assert "you 1" in talking and "you 3" in talking
    # The talking points are pre-filled into the acknowledgement, in the rep's words.
    comment = re.search(r'<textarea id="comment"[^>]*>(.*?)</textarea>', page, re.S)
    assert comment and ": I rated myself 1, you rated me 3." in comment.group(1)
    # Final: a second self-rating is refused and says why.
    again = rep.post_form(f"{url}/self-assessment", {f"self-{first}": "4"}, follow_redirects=True)
    assert "stays as it is" in again.get_data(as_text=True)
    db.expire_all()
    stored = db.get(Note, note.id)
    assert stored is not None and stored.self_assessment["ratings"][0]["score"] == 1  # type: ignore[index]

    # The manager and the director see the same gap and talking points.
    for who in ("manager", "director"):
        seen = signed_in(app, org, who).get(url).get_data(as_text=True)
        assert "Gap -2 · talking point" in seen and 'id="talking-heading"' in seen


def test_skipping_shows_the_ratings_without_a_gap(app: Flask, org: Org, note: Note) -> None:
    rep = signed_in(app, org, "rep")
    url = f"/notes/{note.id}"
    assert rep.post_form(f"{url}/skip-self-rating").status_code == 302
    page = rep.get(url).get_data(as_text=True)
    assert "EVIDENCE-FIRST" in page and "You did not rate yourself" in page
    assert "Gap" not in page and "talking-heading" not in page


def test_the_manager_sees_whether_the_rep_has_rated_themself(
    app: Flask, org: Org, note: Note
) -> None:
    manager = signed_in(app, org, "manager")
    page = manager.get(f"/notes/{note.id}").get_data(as_text=True)
    assert "has not rated themself yet" in page and "EVIDENCE-FIRST" in page


def test_the_debrief_shows_a_self_score_once_the_manager_rates_that_behaviour(
    app: Flask, db: Session, org: Org
) -> None:
    rep_client = signed_in(app, org, "rep")
    version = org.notes["shared"].guide_version
    first, second = (c.id for c in version.sections[0].competencies)
    rep_client.post_form(
        "/self-assessment",
        {"guide_version_id": str(version.id), f"self-{first}": "4", f"self-{second}": "2"},
    )
    manager = signed_in(app, org, "manager")
    note_id = start_note(manager, org.people["rep"].id)
    page = manager.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert "Self:" not in page and "rated this too: rate it to see their score" in page
    form = debrief(db, note_id)  # rates the first 3 and the second "not observed"
    saved = manager.post_form(f"/notes/{note_id}/edit", form, headers=HX)
    assert saved.status_code == 200
    body = saved.get_data(as_text=True)
    # The autosave brings the rep's scores in out of band, with the gap where both scored.
    slot = re.search(
        rf'<p class="self-slot" id="self-{first}" hx-swap-oob="true">(.*?)</p>', body, re.S
    )
    assert slot and "Self: 4 · Role model" in slot.group(1) and "Gap +1" in slot.group(1)
    assert f'id="self-{second}" hx-swap-oob="true"' in body and "Self: 2 · Building" in body


def test_the_next_conversation_starts_from_the_talking_points(
    app: Flask, db: Session, org: Org, note: Note
) -> None:
    note.occurred_on = dt.date.today() - dt.timedelta(days=1)  # the rep's latest note
    db.commit()
    first, second = ids(note)
    rep = signed_in(app, org, "rep")
    rep.post_form(
        f"/notes/{note.id}/self-assessment", {f"self-{first}": "1", f"self-{second}": "3"}
    )
    manager = signed_in(app, org, "manager")
    page = manager.get(f"/people/{org.people['rep'].id}").get_data(as_text=True)
    assert "Self-rating gap" in page and "Riley rated themself 1, you 3" in page


# The acknowledgement deadline ---------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_now(value: dt.datetime) -> None:
        # The notes list reads the clock in the view, a note's page in its NoteView.
        for module in ("coachapp.coaching.views", "coachapp.coaching.note_view"):
            monkeypatch.setattr(f"{module}.utcnow", lambda: value)

    return set_now


def test_the_deadline_on_the_note_and_in_the_list(
    app: Flask, db: Session, org: Org, clock: Any
) -> None:
    rep = org.people["rep"]  # New York
    shared_at = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)  # 10 March, 18:30 there
    waiting = make_note(
        db, org.people["manager"], rep, NoteStatus.SHARED, shared_at=shared_at,
        guide_version=org.notes["shared"].guide_version,
    )  # fmt: skip
    late = make_note(
        db, org.people["manager"], rep, NoteStatus.ACKNOWLEDGED, shared_at=shared_at,
        acknowledged_at=dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC),
        guide_version=org.notes["shared"].guide_version,
    )  # fmt: skip
    db.commit()
    rep_client, manager = signed_in(app, org, "rep"), signed_in(app, org, "manager")

    clock(dt.datetime(2026, 3, 14, 3, 59, tzinfo=dt.UTC))  # 13 March, 23:59 in New York
    page = rep_client.get(f"/notes/{waiting.id}").get_data(as_text=True)
    assert "To be acknowledged by today (Fri 13 Mar)" in page and "deadline-late" not in page

    clock(dt.datetime(2026, 3, 14, 4, 0, tzinfo=dt.UTC))  # 14 March in New York
    for client in (rep_client, manager):
        page = client.get(f"/notes/{waiting.id}").get_data(as_text=True)
        assert '<p class="deadline deadline-late"><strong>Past the deadline:</strong>' in page
        assert "to be acknowledged by Fri 13 Mar, 1 day ago" in page
        assert "Past the deadline</strong> to acknowledge (13 Mar)" in client.get(
            "/notes"
        ).get_data(as_text=True)
        page = client.get(f"/notes/{late.id}").get_data(as_text=True)
        assert "Acknowledged late:</strong> 2 days after the deadline (Fri 13 Mar)" in page

    # In time: no red at all.
    in_time = make_note(
        db, org.people["manager"], rep, NoteStatus.SHARED, shared_at=utcnow(),
        guide_version=org.notes["shared"].guide_version,
    )  # fmt: skip
    db.commit()
    clock(utcnow())
    page = rep_client.get(f"/notes/{in_time.id}").get_data(as_text=True)
    assert "To be acknowledged by" in page and "3 days left" in page
    assert "deadline-late" not in page


def test_no_page_shows_a_drafts_ratings_or_deadline_to_the_rep(
    app: Flask, db: Session, org: Org
) -> None:
    draft = org.notes["draft"]
    assert signed_in(app, org, "rep").get(f"/notes/{draft.id}").status_code == 404
    ratings = db.query(NoteRating).filter(NoteRating.session_id == draft.id).count()
    assert ratings == 2  # there is something to hide


def test_the_reps_focus_trend_leaves_out_scores_they_may_not_see_yet(
    app: Flask, db: Session, org: Org, note: Note
) -> None:
    from coachapp.models import DevelopmentFocus

    first = note.ratings[0]
    db.add(
        DevelopmentFocus(
            rep_id=org.people["rep"].id, competency_key=first.competency.key, period="2026-H2",
            created_by_id=org.people["manager"].id,
        )
    )  # fmt: skip
    db.commit()

    def trend(who: str) -> list[str]:
        page = signed_in(app, org, who).get(
            "/my" if who == "rep" else f"/people/{org.people['rep'].id}"
        )
        return re.findall(
            r'<span class="trend-point"[^>]*>([^<]*)</span>', page.get_data(as_text=True)
        )

    # The acknowledged note's 3 is open to the rep; the shared note's 3 waits for their rating.
    assert trend("rep") == ["3"] and trend("manager") == ["3", "3"]
    signed_in(app, org, "rep").post_form(f"/notes/{note.id}/skip-self-rating")
    assert trend("rep") == ["3", "3"]
