"""A phone that changes hands, in Chromium: once a person's session is over, however it
ended (it expired, an admin deactivated them or reset their password, they changed it on
another device, they signed out with or without a connection), the coaching notes the phone
kept for use without signal cannot be read on it any more, and what they kept to send later
is never sent as the next person to sign in.

Each story has people of its own (made here), since sessions end and accounts change."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select, update

from bench.offline import back_online, write_note_offline
from coachapp.admin.service import reset_password, set_active
from coachapp.auth.passwords import hash_password
from coachapp.coaching import service as coaching
from coachapp.db import get_session, utcnow
from coachapp.demo import DEMO_PASSWORD
from coachapp.me.service import change_password
from coachapp.models import (
    AuditEvent,
    BrowserSession,
    FollowUp,
    FollowUpStatus,
    Note,
    Role,
    User,
)
from tests.browser.conftest import sign_in, wait_until
from tests.browser.test_offline import OFFLINE, controlled, notes_with
from tests.builders import make_follow_up, make_note, make_user

pytestmark = pytest.mark.browser

# What a signed-in person sees of what someone else kept on the phone: how many, never what.
FOR_SOMEONE_ELSE = "1 kept on this phone for someone else: sent when they sign in here again."

# Every cache and the outbox of the phone, searched for a text: where it is, or "".
PHONE_HOLDS = """async (text) => {
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      if ((await response.text()).includes(text)) {
        return `cache ${name}: ${request.url}`;
      }
    }
  }
  const db = await new Promise((resolve, reject) => {
    const opening = indexedDB.open("coachapp", 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore("outbox", { keyPath: "id" });
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
  const items = await new Promise((resolve) => {
    const reading = db.transaction("outbox").objectStore("outbox").getAll();
    reading.onsuccess = () => resolve(reading.result);
  });
  db.close();
  return items.some((item) => JSON.stringify(item).includes(text)) ? "outbox" : "";
}"""


@dataclass(frozen=True)
class Coached:
    """A manager of their own, with one rep, a note shared with them and a follow-up of the
    rep's from it."""

    manager_id: int
    email: str
    rep_id: int
    rep_email: str
    rep_name: str
    note_id: int
    marker: str
    follow_up_id: int
    follow_up: str


def coached_manager(app: Flask) -> Coached:
    marker = f"Shared-phone marker {uuid.uuid4().hex[:10]}"
    password = hash_password(DEMO_PASSWORD)
    with app.app_context():
        db = get_session()
        manager = make_user(
            db, role=Role.MANAGER, name=f"Sam {marker[-4:]}", password_hash=password
        )
        rep = make_user(
            db, name=f"Rory {marker[-4:]}", manager_id=manager.id, password_hash=password
        )
        version = coaching.guide_among(coaching.published_versions(db), rep)
        note = make_note(db, manager, rep, guide_version=version, strengths=marker)
        follow_up = make_follow_up(
            db, rep, manager, session_id=note.id, title=f"Send the dossier {marker[-4:]}"
        )
        db.commit()
        return Coached(
            manager.id,
            manager.email,
            rep.id,
            rep.email,
            rep.name,
            note.id,
            marker,
            follow_up.id,
            follow_up.title,
        )


def phone_holds(page: Page, text: str) -> str:
    return str(page.evaluate(PHONE_HOLDS, text))


def end_sessions_in(app: Flask, user_id: int, seconds: float) -> None:
    """The person's browser sessions end that many seconds from now (as if signed in almost
    12 hours ago)."""
    with app.app_context():
        db = get_session()
        db.execute(
            update(BrowserSession)
            .where(BrowserSession.user_id == user_id, BrowserSession.ended_at.is_(None))
            .values(expires_at=utcnow() + dt.timedelta(seconds=seconds))
        )
        db.commit()


def demo_admin() -> User:
    db = get_session()
    return db.scalars(select(User).where(User.email == "admin@example.com")).one()


def signed_in_with_the_note_kept(new_phone: Callable[..., Page], who: Coached) -> Page:
    """The manager signs in on a new phone and opens the note and their Me page, which the
    phone keeps for use without signal."""
    page = new_phone()
    sign_in(page, who.email)
    controlled(page)
    page.goto(f"/notes/{who.note_id}")
    expect(page.get_by_text(who.marker)).to_be_visible()
    page.goto("/me")
    return page


def nothing_shown_offline(page: Page, who: Coached) -> None:
    """Without a connection, the note's address shows the offline page saying nobody is
    signed in, and nothing the phone holds has the note's text."""
    page.goto(f"/notes/{who.note_id}")
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()
    expect(page.get_by_text("Nobody is signed in on this phone")).to_be_visible()
    expect(page.get_by_text(who.marker)).to_have_count(0)
    assert phone_holds(page, who.marker) == ""


def test_the_note_goes_when_the_session_expires_without_a_connection(
    live_app: Flask, new_phone: Callable[..., Page], page_problems: Any
) -> None:
    """No request reaches the server after the session's end: the phone knew when it ends."""
    page_problems.expect(OFFLINE)
    who = coached_manager(live_app)
    page = new_phone()
    sign_in(page, who.email)
    controlled(page)
    end_sessions_in(live_app, who.manager_id, 4)
    page.goto(f"/notes/{who.note_id}")
    page.context.set_offline(True)
    page.goto(f"/notes/{who.note_id}")
    expect(page.get_by_text(who.marker)).to_be_visible()  # the session still runs: its copy
    expect(page.locator("[data-saved-copy]")).to_contain_text("Saved copy from")

    page.wait_for_timeout(4500)
    nothing_shown_offline(page, who)


def end_elsewhere(app: Flask, who: Coached, how: str) -> None:
    with app.app_context():
        db = get_session()
        if how == "deactivated":
            set_active(db, demo_admin(), who.manager_id, active=False)
        elif how == "password reset":
            reset_password(db, demo_admin(), who.manager_id)
        else:  # changed by the manager on another device
            user = db.get(User, who.manager_id)
            assert user is not None
            change_password(db, user, DEMO_PASSWORD, f"another passphrase {uuid.uuid4().hex}")


@pytest.mark.parametrize("how", ["deactivated", "password reset", "password changed elsewhere"])
def test_the_note_goes_once_the_phone_hears_the_session_ended_elsewhere(
    live_app: Flask, new_phone: Callable[..., Page], page_problems: Any, how: str
) -> None:
    """The session ends on the server while the note is open on the phone. The next time
    the phone reaches the server (any page: it is sent to sign in), the note goes."""
    page_problems.expect(OFFLINE)
    who = coached_manager(live_app)
    page = signed_in_with_the_note_kept(new_phone, who)
    end_elsewhere(live_app, who, how)
    page.goto("/today")
    page.wait_for_url(lambda url: "/login" in url)
    page.context.set_offline(True)
    nothing_shown_offline(page, who)


def test_an_open_note_is_hidden_when_the_phone_is_shown_again_after_the_session_ended(
    live_app: Flask, new_phone: Callable[..., Page], page_problems: Any
) -> None:
    """The note stays open on the screen; an admin deactivates the manager. Shown again
    (switched back to, unlocked), the page asks who is signed in and hides the note."""
    page_problems.expect(OFFLINE)
    who = coached_manager(live_app)
    page = signed_in_with_the_note_kept(new_phone, who)
    page.goto(f"/notes/{who.note_id}")
    end_elsewhere(live_app, who, "deactivated")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.get_by_text("You are no longer signed in on this phone")).to_be_visible()
    expect(page.get_by_text(who.marker)).to_have_count(0)
    page.context.set_offline(True)
    nothing_shown_offline(page, who)


def test_signing_out_without_a_connection(
    live_app: Flask, new_phone: Callable[..., Page], page_problems: Any
) -> None:
    """Sign out tapped with no signal: the phone forgets the note at once, and the session
    ends on the server as soon as the connection returns, before any page is fetched."""
    page_problems.expect(OFFLINE)
    who = coached_manager(live_app)
    page = signed_in_with_the_note_kept(new_phone, who)
    page.context.set_offline(True)
    page.goto("/me")  # the phone's copy
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out on this phone.")).to_be_visible()
    nothing_shown_offline(page, who)

    page.context.set_offline(False)
    page.goto("/today")
    page.wait_for_url(lambda url: "/login" in url)
    with live_app.app_context():
        live = get_session().scalar(
            select(func.count()).where(
                BrowserSession.user_id == who.manager_id, BrowserSession.ended_at.is_(None)
            )
        )
    assert live == 0


def test_a_note_kept_offline_is_not_sent_as_the_next_person(
    live_app: Flask, new_phone: Callable[..., Page], page_problems: Any
) -> None:
    """A writes a note without signal, and the session ends before it is sent. B signs in on
    the same phone and goes online: nothing is sent as B, and B is told only that something
    waits for someone else. Once B's session is over and A signs in again, A's note is sent,
    as A's, once."""
    page_problems.expect(OFFLINE + r"|status of 40[01]")
    a, b = coached_manager(live_app), coached_manager(live_app)
    page = new_phone()
    sign_in(page, a.email)
    controlled(page)
    page.goto("/notes/offline")
    page.context.set_offline(True)
    marker = f"Kept by A {uuid.uuid4().hex[:8]}"
    write_note_offline(page, a.rep_name, marker, "Plan the next call together")

    # A's session ends (it expires) while the phone has no signal.
    end_sessions_in(live_app, a.manager_id, -1)
    back_online(page)
    page.goto("/login")
    expect(page.get_by_text("Sign in again to send 1 kept on this phone.")).to_be_visible()

    sign_in(page, b.email)
    expect(page.get_by_text(FOR_SOMEONE_ELSE)).to_be_visible()
    expect(page.get_by_text(a.rep_name)).to_have_count(0)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.goto("/notes/offline")
    page.wait_for_timeout(1500)
    assert notes_with(live_app, marker) == []
    with live_app.app_context():
        by_b = get_session().scalar(
            select(func.count()).where(Note.manager_id == b.manager_id, Note.id != b.note_id)
        )
    assert by_b == 0

    # B's session ends without signing out (which would delete what the phone keeps); A is back.
    end_sessions_in(live_app, b.manager_id, -1)
    page.context.clear_cookies()
    sign_in(page, a.email)
    deadline = time.monotonic() + 10
    while not notes_with(live_app, marker):
        assert time.monotonic() < deadline, "A's note was not sent once A signed in again"
        page.wait_for_timeout(200)
    [note] = notes_with(live_app, marker)
    assert note.manager_id == a.manager_id


def test_signing_out_offline_with_a_note_not_sent_asks_first(
    live_app: Flask, new_phone: Callable[..., Page], page_problems: Any
) -> None:
    """Sign out with a note still on the phone: the manager is told it would be deleted and
    chooses. Deleted, it is gone from the phone, and B signing in next sends nothing."""
    page_problems.expect(OFFLINE)
    a, b = coached_manager(live_app), coached_manager(live_app)
    page = signed_in_with_the_note_kept(new_phone, a)
    page.goto("/notes/offline")
    page.context.set_offline(True)
    marker = f"Not sent {uuid.uuid4().hex[:8]}"
    write_note_offline(page, a.rep_name, marker, "Plan the next call together")

    page.goto("/me")
    page.get_by_role("button", name="Sign out").click()
    choice = page.get_by_role("alert").filter(has_text="not sent yet")
    expect(choice).to_contain_text(f"1 item on this phone not sent yet (Note for {a.rep_name})")
    choice.get_by_role("button", name="Stay signed in").click()
    expect(choice).to_have_count(0)
    assert phone_holds(page, marker) == "outbox"

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign out and delete them").click()
    expect(page.get_by_text("You are signed out on this phone.")).to_be_visible()
    assert phone_holds(page, marker) == ""
    nothing_shown_offline(page, a)

    page.context.set_offline(False)
    sign_in(page, b.email)
    wait_until(page, "document.readyState === 'complete'")
    page.wait_for_timeout(1500)
    assert notes_with(live_app, marker) == []
    with live_app.app_context():
        db = get_session()
        assert (
            db.scalar(
                select(func.count()).where(
                    BrowserSession.user_id == a.manager_id, BrowserSession.ended_at.is_(None)
                )
            )
            == 0
        )


def test_a_follow_up_done_offline_by_a_rep_is_not_sent_as_their_manager(
    live_app: Flask, new_phone: Callable[..., Page], page_problems: Any
) -> None:
    """On a ride-along the rep marks a follow-up done without signal (the service worker
    keeps the form); their session ends. The manager, who may also complete it, signs in on
    the same phone: the rep's "Done" is not sent with the manager's session. The rep signs in
    again later and it is sent, as theirs."""
    page_problems.expect(OFFLINE + r"|status of 40[01]")
    who = coached_manager(live_app)
    page = new_phone()
    sign_in(page, who.rep_email)
    page.goto("/follow-ups")
    controlled(page)
    page.context.set_offline(True)
    page.locator("summary", has_text=f"Done: {who.follow_up}").click()
    page.get_by_role("button", name=f"Mark {who.follow_up} done").click()
    expect(page.get_by_text("Saved on this phone — will sync (1 item waiting).")).to_be_visible()

    end_sessions_in(live_app, who.rep_id, -1)
    back_online(page)
    sign_in(page, who.email)
    expect(page.get_by_text(FOR_SOMEONE_ELSE)).to_be_visible()
    page.goto("/follow-ups")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1500)

    def changes() -> tuple[FollowUpStatus, list[int | None]]:
        with live_app.app_context():
            db = get_session()
            item = db.get(FollowUp, who.follow_up_id)
            assert item is not None
            actors = db.scalars(
                select(AuditEvent.actor_id).where(
                    AuditEvent.action == "follow_up.update",
                    AuditEvent.object_id == who.follow_up_id,
                )
            ).all()
            return item.status, list(actors)

    assert changes() == (FollowUpStatus.OPEN, [])

    end_sessions_in(live_app, who.manager_id, -1)
    page.context.clear_cookies()
    sign_in(page, who.rep_email)
    deadline = time.monotonic() + 10
    while changes()[0] != FollowUpStatus.DONE:
        assert time.monotonic() < deadline, "the rep's Done was not sent once they signed in"
        page.wait_for_timeout(200)
    assert changes() == (FollowUpStatus.DONE, [who.rep_id])


def test_signing_out_with_a_connection_leaves_nothing_to_read(
    live_app: Flask, new_phone: Callable[..., Page], page_problems: Any
) -> None:
    """The sign-out's answer clears the site's storage in the browser (what a script of the
    app left in localStorage is gone too, which only Clear-Site-Data does), and with it the
    saved note."""
    page_problems.expect(OFFLINE)
    who = coached_manager(live_app)
    page = signed_in_with_the_note_kept(new_phone, who)
    page.evaluate("localStorage.setItem('left-by-the-app', 'yes')")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: "/login" in url)
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert page.evaluate("localStorage.getItem('left-by-the-app')") is None
    assert phone_holds(page, who.marker) == ""
    controlled(page)
    page.context.set_offline(True)
    nothing_shown_offline(page, who)
