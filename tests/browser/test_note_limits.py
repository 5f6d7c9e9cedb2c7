"""Too long is said at the field, on a phone, and nothing typed is cut: the note kept on the
phone is checked against the server's own limits before it is kept, and the debrief's
autosave shows the server's message at the field with the text still in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from coachapp.coaching import schemas
from coachapp.db import get_session
from coachapp.models import Note, NoteStatus, User
from tests.browser.test_offline import notes_with, person

pytestmark = pytest.mark.browser

TEXT = schemas.NOTE_TEXT_MAX
EVIDENCE = schemas.EVIDENCE_MAX


def test_the_phone_says_too_long_at_the_field_before_keeping_the_note(
    live_app: Flask, signed_in_phone: Callable[..., Page]
) -> None:
    rep_id, rep_name = person(live_app, "rep5@example.com")
    page = signed_in_phone("manager@example.com")
    page.goto("/notes/offline")
    page.get_by_label("Rep").select_option(str(rep_id))
    page.locator("label[for='type-one_on_one']").click()
    rating = page.locator("section.ratings:not([hidden]) fieldset.rating").first
    rating.locator(".segmented-scale label").nth(2).click()
    evidence = rating.locator("input[type='text']")
    # Pasted or dictated text is taken whole (no maxlength cuts it), then said to be too long.
    evidence.fill("e" * (EVIDENCE + 1))
    strengths = page.get_by_label("Strengths in your words")
    marker = "Too long at first " + "s" * TEXT
    strengths.fill(marker)

    page.get_by_role("button", name="Keep as draft").click()
    expect(page.locator("#o-strengths-error")).to_have_text(schemas.too_long(TEXT))
    evidence_error = page.locator(f"#{evidence.get_attribute('id')}-error")
    expect(evidence_error).to_have_text(schemas.too_long(EVIDENCE))
    assert len(strengths.input_value()) == len(marker)  # nothing typed is lost
    assert len(evidence.input_value()) == EVIDENCE + 1
    expect(page.get_by_text("saved on this phone")).to_have_count(0)

    evidence.fill("Asked the CFO what would change the vote")
    strengths.fill(marker[:TEXT])
    page.get_by_role("button", name="Keep as draft").click()
    expect(page.get_by_text(f"Note for {rep_name} saved on this phone")).to_be_visible()
    expect(page.locator("#o-strengths-error")).to_be_hidden()
    for _ in range(100):
        if notes_with(live_app, marker[:TEXT]):
            break
        page.wait_for_timeout(100)
    [kept] = notes_with(live_app, marker[:TEXT])
    assert kept.strengths == marker[:TEXT] and kept.status == NoteStatus.DRAFT


def test_the_debrief_autosave_says_too_long_at_the_field_and_keeps_the_text(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: Any
) -> None:
    page_problems.expect("status of 422")  # the refused autosave, shown at the field
    with live_app.app_context():
        db = get_session()
        manager = db.scalars(select(User).where(User.email == "manager@example.com")).one()
        draft = db.scalars(
            select(Note).where(
                Note.manager_id == manager.id,
                Note.status == NoteStatus.DRAFT,
            )
        ).first()
        assert draft is not None, "the demo has a draft of this manager's"
        draft_id, before = draft.id, draft.private_notes
    page = signed_in_phone("manager@example.com")
    page.goto(f"/notes/{draft_id}/edit")
    notes = page.get_by_label("Private notes (only you see these)")
    typed = "Pasted from the call sheet: " + "p" * TEXT
    notes.fill(typed)
    notes.blur()  # the change autosaves
    expect(page.locator("#private_notes-error")).to_have_text(schemas.too_long(TEXT))
    assert page.get_by_label("Private notes (only you see these)").input_value() == typed
    with live_app.app_context():
        assert get_session().get(Note, draft_id).private_notes == before  # type: ignore[union-attr]
