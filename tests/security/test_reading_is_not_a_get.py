"""Following a notification's link reads nothing by itself: a GET may be a prefetch, a link
preview or a crawler. The person opening the page it leads to reads it; a browser fetching
that page ahead of them (prefetch, prerender) does not. tests/security/test_every_get_route.py
checks that no other GET changes anything."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from coachapp.models import Note, Notification
from coachapp.nudges import subjects
from tests.builders import Org, make_notification
from tests.conftest import HttpsClient, signed_in

PREFETCHES = [
    pytest.param({"Sec-Purpose": "prefetch"}, id="prefetch"),
    pytest.param({"Sec-Purpose": "prefetch;prerender"}, id="prerender"),
    pytest.param({"Purpose": "prefetch"}, id="legacy-prefetch"),
    pytest.param({"X-Moz": "prefetch"}, id="firefox-prefetch"),
    pytest.param({"X-Purpose": "preview"}, id="safari-preview"),
]


def read_at(db: Session, notification_id: int) -> Any:
    db.expire_all()
    found = db.get(Notification, notification_id)
    assert found is not None
    return found.read_at


def note_nudge(db: Session, org: Org) -> tuple[Notification, Note]:
    note = org.notes["shared"]
    db.execute(update(Note).where(Note.id == note.id).values(rep_seen_at=None))
    item = make_notification(
        db, org.people["rep"], url=f"/notes/{note.id}", subject=subjects.note(note.id)
    )
    db.commit()
    return item, note


def test_a_link_preview_of_a_notification_leaves_it_unread(
    app: Flask, db: Session, org: Org
) -> None:
    item, note = note_nudge(db, org)
    rep = signed_in(app, org, "rep")

    preview = rep.get(f"/inbox/{item.id}")  # what a chat app or mail scanner would fetch

    assert preview.status_code == 302
    assert preview.headers["Location"] == f"/notes/{note.id}"
    assert read_at(db, item.id) is None


@pytest.mark.parametrize("headers", PREFETCHES)
def test_a_prefetch_through_to_the_page_leaves_it_unread_and_unseen(
    app: Flask, db: Session, org: Org, headers: dict[str, str]
) -> None:
    item, note = note_nudge(db, org)
    rep = signed_in(app, org, "rep")

    fetched = rep.get(f"/inbox/{item.id}", headers=headers, follow_redirects=True)

    assert fetched.status_code == 200 and fetched.request.path == f"/notes/{note.id}"
    assert read_at(db, item.id) is None
    db.expire_all()
    seen = db.get(Note, note.id)
    assert seen is not None and seen.rep_seen_at is None  # still "New" on the rep's lists


def test_following_it_to_the_page_reads_it(app: Flask, db: Session, org: Org) -> None:
    item, note = note_nudge(db, org)
    rep = signed_in(app, org, "rep")

    opened = rep.get(f"/inbox/{item.id}", follow_redirects=True)

    assert opened.request.path == f"/notes/{note.id}"
    assert read_at(db, item.id) is not None
    db.expire_all()
    seen = db.get(Note, note.id)
    assert seen is not None and seen.rep_seen_at is not None


def test_someone_elses_notification_link_is_not_found(app: Flask, db: Session, org: Org) -> None:
    item, _ = note_nudge(db, org)
    assert signed_in(app, org, "rep2").get(f"/inbox/{item.id}").status_code == 404
    assert read_at(db, item.id) is None


ABOUT_NO_ONE_THING = {
    # kind: (who gets it, its page, its subject)
    "weekly_digest": ("director", "/org", subjects.org_dashboard()),
    "test": ("director", "/me/notifications", subjects.notification_settings()),
    "account_security": ("rep", "/me", subjects.own_account()),
    "approval_needed": ("admin", "/admin/users", subjects.pending_approvals()),
}


@pytest.mark.parametrize("kind", ABOUT_NO_ONE_THING)
def test_nudges_about_no_one_thing_are_read_on_their_own_page(
    app: Flask, db: Session, org: Org, kind: str
) -> None:
    who, url, subject = ABOUT_NO_ONE_THING[kind]
    item = make_notification(db, org.people[who], kind=kind, url=url, subject=subject)
    db.commit()
    client = signed_in(app, org, who)
    assert client.get(f"/inbox/{item.id}", headers={"Sec-Purpose": "prefetch"}).status_code == 302
    assert read_at(db, item.id) is None
    opened = client.get(f"/inbox/{item.id}", follow_redirects=True)
    assert opened.status_code == 200 and opened.request.path == url
    assert read_at(db, item.id) is not None


def test_the_inbox_button_still_reads_it_with_a_post(app: Flask, db: Session, org: Org) -> None:
    item, note = note_nudge(db, org)
    rep: HttpsClient = signed_in(app, org, "rep")
    chosen = rep.post_form(f"/inbox/{item.id}/open")
    assert chosen.status_code == 302 and chosen.headers["Location"] == f"/notes/{note.id}"
    assert read_at(db, item.id) is not None
