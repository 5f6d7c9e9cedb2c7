"""Changes the server refuses for now with 429 (the per-person write limit) stay on the
phone and are sent once Retry-After has passed: nothing kept is dropped, nothing is sent
twice."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, Response, expect
from sqlalchemy import delete, select

from coachapp.db import get_session
from coachapp.models import Note, NoteStatus, User, WriteAllowance
from tests.browser.test_offline import (
    NOTHING_WAITING,
    OFFLINE,
    controlled,
    notes_with,
    person,
)

pytestmark = pytest.mark.browser


def slow_writes(app: Flask, monkeypatch: pytest.MonkeyPatch, email: str, seconds: int) -> None:
    """From now on this person may write once, then once every `seconds`."""
    monkeypatch.setitem(app.config, "WRITE_BURST", 1)
    monkeypatch.setitem(app.config, "WRITE_RATE_PER_MINUTE", 60 // seconds)
    with app.app_context():
        db = get_session()
        user_id = db.scalars(select(User.id).where(User.email == email)).one()
        db.execute(delete(WriteAllowance).where(WriteAllowance.user_id == user_id))
        db.commit()


def refusals(page: Page) -> list[str]:
    seen: list[str] = []

    def on_response(response: Response) -> None:
        if response.status == 429:
            seen.append(f"{response.request.method} {response.url}")

    page.on("response", on_response)
    return seen


def test_notes_kept_offline_wait_through_429_and_each_arrives_once(
    live_app: Flask,
    signed_in_phone: Callable[..., Page],
    page_problems: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page_problems.expect(OFFLINE + r"|status of 429")
    rep_id, rep_name = person(live_app, "rep7@example.com")
    markers = [f"Throttled marker {n} {uuid.uuid4().hex[:8]}" for n in (1, 2)]
    page = signed_in_phone("manager@example.com")
    page.goto("/notes/offline")
    controlled(page)

    page.context.set_offline(True)
    page.reload()
    for marker in markers:
        page.get_by_label("Rep").select_option(str(rep_id))
        page.locator("label[for='type-one_on_one']").click()
        page.locator("fieldset.rating").first.locator(".segmented-scale label").nth(2).click()
        page.get_by_label("Strengths in your words").fill(marker)
        page.get_by_role("button", name="Keep as draft").click()
        expect(page.get_by_text(f"Note for {rep_name} saved on this phone").last).to_be_visible()
    expect(page.get_by_text("Saved on this phone — will sync (2 items waiting).")).to_be_visible()

    # Back online, the server takes one write now and the next 3 seconds later: the second
    # note is refused for now (429), stays on the phone, and the outbox tries again by itself.
    slow_writes(live_app, monkeypatch, "manager@example.com", 3)
    refused = refusals(page)
    page.context.set_offline(False)
    page.reload()
    deadline = time.monotonic() + 10
    while not refused:
        assert time.monotonic() < deadline, "nothing was refused: the test proves nothing"
        page.wait_for_timeout(100)
    expect(page.get_by_text("Saved on this phone — will sync (1 item waiting).")).to_be_visible()

    deadline = time.monotonic() + 15
    while not all(notes_with(live_app, marker) for marker in markers):
        assert time.monotonic() < deadline, "the kept note was not sent after Retry-After"
        page.wait_for_timeout(200)
    deadline = time.monotonic() + 5
    while not page.evaluate(NOTHING_WAITING):
        assert time.monotonic() < deadline, "the outbox still shows a note"
        page.wait_for_timeout(100)
    for marker in markers:
        [note] = notes_with(live_app, marker)
        assert note.status == NoteStatus.DRAFT


def test_an_autosave_refused_with_429_is_kept_and_saved_later(
    live_app: Flask,
    signed_in_phone: Callable[..., Page],
    page_problems: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page_problems.expect(r"status of 429")
    rep_id, _ = person(live_app, "rep8@example.com")
    page = signed_in_phone("manager@example.com")
    page.goto(f"/people/{rep_id}")
    page.get_by_role("button", name="Log coaching").click()
    expect(page.get_by_role("button", name="Share with rep")).to_be_visible()
    note_id = int(page.url.rstrip("/").split("/")[-2])

    slow_writes(live_app, monkeypatch, "manager@example.com", 4)
    refused = refusals(page)
    first = f"First {uuid.uuid4().hex[:6]}"
    page.get_by_label("Strengths in your words").fill(first)
    # The autosave waits for typing to pause, then for the server: on four busy test workers
    # that took over the default 5 s once.
    expect(page.get_by_text("Draft saved")).to_be_visible(timeout=15_000)
    second = f"Second {uuid.uuid4().hex[:6]}"
    page.get_by_label("Strengths in your words").fill(second)
    expect(page.get_by_text("Many changes at once — saved on this phone")).to_be_visible()
    assert refused, "the second save was not refused: the test proves nothing"
    # The page was not replaced by the error: the form is still there, with what was typed.
    expect(page.get_by_label("Strengths in your words")).to_have_value(second)

    deadline = time.monotonic() + 15
    while True:
        with live_app.app_context():
            saved = get_session().get(Note, note_id)
            if saved is not None and second in saved.strengths:
                break
        assert time.monotonic() < deadline, "the kept autosave was not sent after Retry-After"
        page.wait_for_timeout(200)
