"""One open draft per rep: "Log coaching" opens the manager's draft about the rep instead of
starting another (a double tap, two page loads, a retry: still one draft); "Start another
note" is the explicit way to a second one; Today lists a rep once; "Discard draft", confirmed,
deletes a draft with what it holds, audited, and answers a repeat as it answered the first."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.coaching import service
from coachapp.db import utcnow
from coachapp.models import (
    AuditEvent,
    FollowUp,
    Note,
    NoteStatus,
    NoteType,
    Notification,
    PendingSelfAssessment,
)
from coachapp.team import service as team
from tests.builders import Org, make_follow_up
from tests.conftest import HttpsClient, signed_in


def log_coaching(client: HttpsClient, rep_id: int, client_uuid: str, **extra: str) -> int:
    response = client.post_form(f"/people/{rep_id}/coaching", {"client_uuid": client_uuid, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    found = re.search(r"/notes/(\d+)/edit$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def drafts_about(db: Session, org: Org, rep: str) -> list[int]:
    db.expire_all()
    return list(
        db.scalars(
            select(Note.id).where(
                Note.manager_id == org.people["manager"].id,
                Note.rep_id == org.people[rep].id,
                Note.status == NoteStatus.DRAFT,
            )
        )
    )


def test_log_coaching_opens_the_draft_and_start_another_is_explicit(
    app: Flask, db: Session, org: Org
) -> None:
    manager = signed_in(app, org, "manager")
    rep2 = org.people["rep2"]
    page = manager.get(f"/people/{rep2.id}").get_data(as_text=True)
    assert "Log coaching" in page and "Start another note" not in page

    def drafts_on_today() -> int:
        return team.today_page(db, org.people["manager"], utcnow(), dt.date.today()).drafts

    before = drafts_on_today()
    tap = str(uuid.uuid4())
    first = log_coaching(manager, rep2.id, tap)
    assert log_coaching(manager, rep2.id, tap) == first  # a double tap
    assert log_coaching(manager, rep2.id, str(uuid.uuid4())) == first  # the page opened again
    assert drafts_about(db, org, "rep2") == [first]
    assert drafts_on_today() == before + 1

    page = manager.get(f"/people/{rep2.id}").get_data(as_text=True)
    assert "Opens your draft from" in page and "Start another note" in page
    draft_page = manager.get(f"/notes/{first}/edit").get_data(as_text=True)
    assert "Start another note" in draft_page and "Discard draft" in draft_page

    another = str(uuid.uuid4())
    second = log_coaching(manager, rep2.id, another, another="1")
    assert second != first
    assert log_coaching(manager, rep2.id, another, another="1") == second  # its double tap
    assert sorted(drafts_about(db, org, "rep2")) == sorted([first, second])

    # "Log coaching" opens the draft touched last.
    assert log_coaching(manager, rep2.id, str(uuid.uuid4())) == second


def test_a_log_coaching_tap_from_before_the_note_was_shared_starts_a_new_one(
    app: Flask, db: Session, org: Org
) -> None:
    """Back to the rep's page the browser kept, whose form carries the client_uuid of the
    note since shared: a new note was meant, not that one."""
    manager = signed_in(app, org, "manager")
    rep2 = org.people["rep2"]
    tap = str(uuid.uuid4())
    first = log_coaching(manager, rep2.id, tap)
    note = db.get(Note, first)
    assert note is not None
    note.status, note.shared_at = NoteStatus.SHARED, note.updated_at
    note.type = NoteType.ONE_ON_ONE  # a shared note has its kind chosen
    db.commit()
    again = log_coaching(manager, rep2.id, tap)
    assert again != first and drafts_about(db, org, "rep2") == [again]


def test_discarding_a_draft_is_confirmed_audited_and_answers_a_repeat(
    app: Flask, db: Session, org: Org
) -> None:
    manager = signed_in(app, org, "manager")
    rep, rep2 = org.people["rep"], org.people["rep2"]
    note_id = log_coaching(manager, rep2.id, str(uuid.uuid4()))
    note = db.get(Note, note_id)
    assert note is not None
    make_follow_up(db, rep2, org.people["manager"], session_id=note_id, title="Book the MSL")
    # The rep's self-assessment made before this note had joined it.
    note.self_assessment = {
        "ratings": [
            {"competency_id": note.guide_version.sections[0].competencies[0].id, "score": 2}
        ],
        "at": "2026-03-01T09:00:00+00:00",
        "before_note": True,
    }
    db.add(
        Notification(
            recipient_id=org.people["manager"].id, kind="draft_unfinished", title="Draft",
            url=f"/notes/{note_id}/edit", dedupe_key=f"draft_unfinished:{note_id}",
            subject=f"coaching_session:{note_id}",
        )
    )  # fmt: skip
    db.commit()
    page = manager.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    confirm = page[page.index("Discard draft") :]
    assert "This cannot be undone." in confirm and "Yes, discard the draft" in confirm
    form = {"client_uuid": str(note.client_uuid)}

    gone = manager.post_form(f"/notes/{note_id}/discard", form)
    assert gone.status_code == 302 and gone.headers["Location"].endswith(f"/people/{rep2.id}")
    db.expire_all()
    assert db.get(Note, note_id) is None
    assert db.scalar(select(func.count()).where(FollowUp.session_id == note_id)) == 0
    assert (
        db.scalar(select(func.count()).where(Notification.url.contains(f"/notes/{note_id}/"))) == 0
    )
    waiting = db.scalars(
        select(PendingSelfAssessment).where(PendingSelfAssessment.rep_id == rep2.id)
    ).one()
    assert waiting.ratings[0]["score"] == 2
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "session.discard", AuditEvent.object_id == note_id
        )
    ).one()
    assert event.actor_id == org.people["manager"].id
    assert event.details["rep_id"] == rep2.id and event.details["follow_ups"] == 1
    assert "Draft discarded." in manager.get(f"/people/{rep2.id}").get_data(as_text=True)

    # The second tap answers as the first did; the draft's id alone is not enough.
    again = manager.post_form(f"/notes/{note_id}/discard", form)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/people/{rep2.id}")
    other = manager.post_form(f"/notes/{note_id}/discard", {"client_uuid": str(uuid.uuid4())})
    assert other.status_code == 404
    assert db.scalar(select(func.count()).where(AuditEvent.action == "session.discard")) == 1

    # A shared note is not a draft: it stays, and the page says why.
    shared = org.notes["shared"]
    kept = manager.post_form(
        f"/notes/{shared.id}/discard", {"client_uuid": str(shared.client_uuid)}
    )
    assert kept.status_code == 302 and kept.headers["Location"].endswith(f"/notes/{shared.id}")
    assert service.NOT_A_DRAFT in manager.get(f"/notes/{shared.id}").get_data(as_text=True)
    # Another manager's draft is not found.
    draft = org.notes["draft"]
    stranger = signed_in(app, org, "manager2")
    assert stranger.post_form(f"/notes/{draft.id}/discard").status_code == 404
    assert db.get(Note, draft.id) is not None
    assert rep.id != rep2.id


def test_an_abandoned_draft_offers_to_discard_it(app: Flask, db: Session, org: Org) -> None:
    manager = signed_in(app, org, "manager")
    draft = org.notes["draft"]
    page = manager.get(f"/notes/{draft.id}/edit").get_data(as_text=True)
    assert "Nobody has touched this draft" not in page
    draft.updated_at = draft.updated_at - dt.timedelta(days=15)
    db.commit()
    page = manager.get(f"/notes/{draft.id}/edit").get_data(as_text=True)
    assert "Nobody has touched this draft for 14 days or more" in page
    assert '<details class="confirm confirm-block" open>' in page
