"""A rep's home puts first the note that waits for them (rate yourself, then acknowledge),
and the Notes tab says how many notes they have not opened yet."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from coachapp.models import NoteStatus
from tests.builders import Org, make_note
from tests.conftest import HttpsClient, signed_in

NOTES_TAB = re.compile(r'<a href="/notes"[^>]*>')


def notes_tab(page: str) -> str:
    found = NOTES_TAB.search(page)
    assert found, "the rep's navigation has a Notes tab"
    return found.group(0)


def test_the_note_to_rate_comes_first_with_its_button(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    note = org.notes["shared"]
    page = login_as("rep").get("/my").get_data(as_text=True)
    main = page[page.index("<main") :]
    action = main.index('id="action-heading"')
    assert action < main.index("person-card") < main.index("Recent coaching")
    card = main[action : main.index("</section>", action)]
    assert f"Note from {org.people['manager'].name}" in card
    assert f'href="/notes/{note.id}#rate-first-heading"' in card
    assert ">Rate yourself</a>" in card
    assert '<span class="status status-unread">New</span>' in card  # not opened yet
    assert "To be acknowledged by" in card
    assert card.count("action-card") == 1  # the acknowledged note needs nothing


def test_once_rated_the_button_is_acknowledge_and_then_the_card_goes(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    note = org.notes["shared"]
    client = login_as("rep")
    client.get(f"/notes/{note.id}")
    client.post_form(f"/notes/{note.id}/skip-self-rating")
    page = client.get("/my").get_data(as_text=True)
    assert f'href="/notes/{note.id}#comment"' in page and ">Read and acknowledge</a>" in page
    assert "status-unread" not in page[: page.index("person-card")]  # opened now
    assert client.post_form(f"/notes/{note.id}/acknowledge", {"comment": ""}).status_code == 302
    assert 'id="action-heading"' not in client.get("/my").get_data(as_text=True)


def test_the_notes_tab_counts_the_notes_not_opened_yet(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    p = org.people
    client = login_as("rep")
    # The org's shared and acknowledged notes were never opened on the rep's page.
    assert notes_tab(client.get("/my").get_data(as_text=True)).endswith(
        'aria-label="Notes, 2 unread">'
    )
    client.get(f"/notes/{org.notes['shared'].id}")
    page = client.get("/notes").get_data(as_text=True)
    assert 'aria-label="Notes, 1 unread"' in notes_tab(page)
    assert '<span class="badge" aria-hidden="true">1</span>' in page
    assert page.count(">New</span>") == 1  # the list marks the same note

    # Acknowledged without opening the page (the API, a phone's queue): read all the same.
    newer = make_note(db, p["manager"], p["rep"], NoteStatus.SHARED)
    db.commit()
    assert "Notes, 2 unread" in notes_tab(client.get("/my").get_data(as_text=True))
    client.post_form(f"/notes/{newer.id}/acknowledge", {"comment": "Thanks"})
    assert "Notes, 1 unread" in notes_tab(client.get("/my").get_data(as_text=True))

    # A draft is not the rep's to read; nor is anyone else's note; managers have no badge.
    make_note(db, p["manager"], p["rep"], NoteStatus.DRAFT)
    make_note(db, p["manager"], p["rep2"], NoteStatus.SHARED)
    db.commit()
    assert "Notes, 1 unread" in notes_tab(client.get("/my").get_data(as_text=True))
    manager_page = signed_in(app, org, "manager").get("/today").get_data(as_text=True)
    assert "unread" not in manager_page.split('aria-label="Main"')[1].split("Inbox")[0]
