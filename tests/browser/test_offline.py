"""The app without signal, in Chromium at phone size: installable, pages opened before still
open, a note written offline reaches the server exactly once (after a reload while still
offline, with two tabs syncing at once, and when the first attempt gets a 500), and a draft
changed offline and elsewhere shows both versions until the manager picks one."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, Route, expect
from sqlalchemy import func, select

from coachapp.coaching.counts import CHOOSE_TYPE
from coachapp.db import get_session
from coachapp.models import FollowUp, FollowUpStatus, Note, NoteStatus, User
from coachapp.pwa import views as pwa_views
from tests.browser.conftest import sign_in, wait_until

pytestmark = pytest.mark.browser

OFFLINE = r"ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR_FAILED|status of 500"


# The outbox has nothing left waiting on the page: no status at all, or only "Synced".
NOTHING_WAITING = (
    "!document.querySelector('[data-outbox-status]')"
    " || document.querySelector('[data-outbox-status]').hidden"
    " || !document.querySelector('[data-outbox-status] [data-waiting]')"
)


def controlled(page: Page) -> None:
    """The service worker is installed and controls the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")


def person(app: Flask, email: str) -> tuple[int, str]:
    with app.app_context():
        user = get_session().scalars(select(User).where(User.email == email)).one()
        return user.id, user.name


def notes_with(app: Flask, text: str) -> list[Note]:
    with app.app_context():
        return list(get_session().scalars(select(Note).where(Note.strengths.contains(text))))


def test_installable_and_visited_pages_open_offline(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: Any
) -> None:
    page_problems.expect(OFFLINE)
    rep_id, rep_name = person(live_app, "rep3@example.com")
    page = signed_in_phone("manager@example.com")
    page.goto("/team")
    controlled(page)
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    cdp.detach()
    assert manifest["errors"] == [], manifest["errors"]
    assert '"display": "standalone"' in manifest["data"]
    assert "maskable" in manifest["data"]
    page.goto(f"/people/{rep_id}")
    expect(page.get_by_role("button", name="Log coaching")).to_be_visible()
    page.goto("/notes/offline")  # kept for writing without signal

    page.context.set_offline(True)
    page.goto("/team")
    expect(page.get_by_text(rep_name).first).to_be_visible()
    page.goto(f"/people/{rep_id}")
    expect(page.get_by_role("button", name="Log coaching")).to_be_visible()
    page.goto("/plans/qbr")  # never opened here
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()

    # "Log coaching" without signal opens the note form that works offline, for this rep.
    page.goto(f"/people/{rep_id}")
    page.get_by_role("button", name="Log coaching").click()
    expect(page.get_by_label("Rep")).to_have_value(str(rep_id))
    page.context.set_offline(False)


def test_a_note_written_offline_reaches_the_server_exactly_once(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: Any
) -> None:
    page_problems.expect(OFFLINE)
    rep_id, rep_name = person(live_app, "rep4@example.com")
    marker = f"Offline marker {uuid.uuid4().hex[:8]}"
    page = signed_in_phone("manager@example.com")
    page.goto("/notes/offline")
    controlled(page)

    page.context.set_offline(True)
    page.reload()  # served by the service worker
    page.get_by_label("Rep").select_option(str(rep_id))
    page.locator("fieldset.rating").first.locator(".segmented-scale label").nth(2).click()
    page.get_by_label("Strengths in your words").fill(marker)
    page.get_by_label("Follow-up", exact=True).fill("Send the dossier")
    # The kind of conversation is chosen, never assumed: said at its buttons.
    page.get_by_role("button", name="Share with rep").click()
    expect(page.locator("#type-error")).to_have_text(CHOOSE_TYPE)
    page.locator("label[for='type-one_on_one']").click()
    page.get_by_role("button", name="Share with rep").click()
    expect(page.get_by_role("alert")).to_have_text("Give the follow-up a due date.")
    page.get_by_label("Due").fill("2030-01-15")
    page.get_by_role("button", name="Share with rep").click()
    # A note is shared with a development focus: said on the phone, before it is kept.
    expect(page.get_by_role("alert")).to_have_text(
        "Add a development focus before sharing: one or two, one per line."
    )
    page.get_by_label("Focus in your words").fill("Plan the call with the MSL")
    page.get_by_role("button", name="Share with rep").click()
    expect(page.get_by_text(f"Note for {rep_name} saved on this phone")).to_be_visible()
    expect(page.get_by_text("Saved on this phone — will sync (1 item waiting).")).to_be_visible()

    # Reloaded while still offline: the note is still kept.
    page.reload()
    expect(page.get_by_text("Saved on this phone — will sync (1 item waiting).")).to_be_visible()
    assert notes_with(live_app, marker) == []

    # Back online: the first attempt meets a server error and the note waits.
    failures = {"left": 1}

    def first_fails(route: Route) -> None:
        if route.request.method == "POST" and failures["left"]:
            failures["left"] -= 1
            route.fulfill(status=500, body="{}", content_type="application/json")
        else:
            route.continue_()

    page.route("**/api/v1/coaching-sessions", first_fails)
    page.context.set_offline(False)
    page.reload()
    deadline = time.monotonic() + 10
    while failures["left"]:
        assert time.monotonic() < deadline, "no sync was tried after going online"
        page.wait_for_timeout(100)

    # Two tabs sync at the same moment: still one note.
    second = page.context.new_page()
    second.goto("/notes/offline")
    page.reload()
    for tab in (page, second):
        wait_until(tab, NOTHING_WAITING)
    found = notes_with(live_app, marker)
    assert len(found) == 1
    assert found[0].rep_id == rep_id
    assert found[0].status == NoteStatus.SHARED
    with live_app.app_context():
        assert (
            get_session().scalar(
                select(func.count()).where(Note.client_uuid == found[0].client_uuid)
            )
            == 1
        )


def test_a_draft_changed_offline_and_elsewhere_shows_both_versions(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: Any
) -> None:
    page_problems.expect(OFFLINE + r"|status of 412")
    rep_id, _ = person(live_app, "rep5@example.com")
    page = signed_in_phone("manager@example.com")
    page.goto(f"/people/{rep_id}")
    controlled(page)
    page.get_by_role("button", name="Log coaching").click()
    expect(page.get_by_role("button", name="Share with rep")).to_be_visible()
    note_id = int(page.url.rstrip("/").split("/")[-2])

    page.context.set_offline(True)
    mine = f"Mine, typed offline {uuid.uuid4().hex[:6]}"
    page.get_by_label("Strengths in your words").fill(mine)
    expect(page.get_by_text("Saved on this phone — will sync.")).to_be_visible()

    # Meanwhile the same draft is saved from another device.
    theirs = f"Theirs, from the laptop {uuid.uuid4().hex[:6]}"
    with live_app.app_context():
        db = get_session()
        note = db.get(Note, note_id)
        assert note is not None
        note.strengths = theirs
        note.version += 1
        db.commit()

    page.context.set_offline(False)
    page.goto(f"/notes/{note_id}/edit")
    panel = page.get_by_role("region", name="Your offline version")
    expect(panel).to_be_visible()
    expect(panel.get_by_text(mine)).to_be_visible()
    expect(page.get_by_label("Strengths in your words")).to_have_value(theirs)
    with live_app.app_context():
        assert get_session().get(Note, note_id).strengths == theirs  # type: ignore[union-attr]

    panel.get_by_role("button", name="Use my offline version").click()
    expect(page.get_by_label("Strengths in your words")).to_have_value(mine)
    deadline = time.monotonic() + 10
    while True:
        with live_app.app_context():
            saved = get_session().get(Note, note_id)
            if saved is not None and mine in saved.strengths:
                break
        assert time.monotonic() < deadline, "my offline version was not saved"
        page.wait_for_timeout(200)


def test_follow_up_done_offline_waits_through_an_expired_session(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: Any
) -> None:
    # The "online" event fires on a page from before the session ended: its first try is
    # refused (400: its CSRF token belongs to the ended session) and waits for sign-in.
    page_problems.expect(OFFLINE + r"|status of 40[01]")
    email = "rep14@example.com"  # a rep no other browser test signs in as
    rep_id, _ = person(live_app, email)
    with live_app.app_context():
        db = get_session()
        item = db.scalars(
            select(FollowUp)
            .where(FollowUp.owner_id == rep_id, FollowUp.status == FollowUpStatus.OPEN)
            .order_by(FollowUp.due_date, FollowUp.id)
        ).first()
        assert item is not None, f"the demo gives {email} open follow-ups"
        item_id, title = item.id, item.title
    page = signed_in_phone(email)
    page.goto("/follow-ups")
    controlled(page)

    page.context.set_offline(True)
    page.locator("summary", has_text=f"Done: {title}").click()  # it asks first
    page.get_by_role("button", name=f"Mark {title} done").click()
    expect(page.get_by_text("Saved on this phone — will sync (1 item waiting).")).to_be_visible()

    # The session ends while the phone is offline; back online it asks to sign in again.
    page.context.clear_cookies()
    page.context.set_offline(False)
    page.goto("/login")
    expect(page.get_by_text("Sign in again to send 1 kept on this phone.")).to_be_visible()
    with live_app.app_context():
        assert get_session().get(FollowUp, item_id).status == FollowUpStatus.OPEN  # type: ignore[union-attr]

    sign_in(page, email)
    deadline = time.monotonic() + 10
    while True:
        with live_app.app_context():
            if get_session().get(FollowUp, item_id).status == FollowUpStatus.DONE:  # type: ignore[union-attr]
                break
        assert time.monotonic() < deadline, "the kept follow-up update was not sent"
        page.wait_for_timeout(200)


def test_a_new_version_is_offered_and_taken_on_update(
    live_app: Flask, signed_in_phone: Callable[..., Page], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = signed_in_phone("manager@example.com")
    page.goto("/team")
    controlled(page)
    first = page.evaluate("navigator.serviceWorker.controller.scriptURL")

    # A deployment changes the static files: the worker's text (its version) changes.
    monkeypatch.setattr(pwa_views, "asset_version", lambda _app: "next-release")
    page.evaluate("navigator.serviceWorker.ready.then((r) => r.update()).then(() => true)")
    update = page.get_by_role("button", name="Update")
    expect(page.get_by_text("A new version of Coachapp is ready.")).to_be_visible()
    with page.expect_navigation():
        update.click()
    wait_until(page, "navigator.serviceWorker.controller !== null")
    names = page.evaluate("caches.keys()")
    assert "shell-next-release" in names
    assert not any(name.startswith("shell-") and name != "shell-next-release" for name in names)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == first


def test_without_a_connection_an_older_name_of_a_shell_file_gets_the_shells_copy(
    signed_in_phone: Callable[..., Page], page_problems: Any
) -> None:
    """Static files are named by their content's hash; a page saved before a deployment asks
    for the names it was drawn with (or, saved before names were hashed, the plain ones).
    Without a connection the worker answers those with the copy its shell holds."""
    page_problems.expect(OFFLINE)
    page = signed_in_phone("manager@example.com")
    page.goto("/team")
    controlled(page)
    current = page.evaluate("document.querySelector('link[rel=stylesheet]').getAttribute('href')")
    stem = current.rsplit(".", 2)[0]  # /static/css/app
    held = page.evaluate(f"fetch({current!r}).then((r) => r.text())")
    assert ".topbar" in held

    page.context.set_offline(True)
    for older in (f"{stem}.0123456789ab.css", f"{stem}.css"):
        answer = page.evaluate(f"fetch({older!r}).then(async (r) => [r.status, await r.text()])")
        assert answer == [200, held], older
    page.context.set_offline(False)
