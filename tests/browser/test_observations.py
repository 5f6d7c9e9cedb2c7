"""Observations across reporting lines at 390x844 in Chromium, on the demo organisation:
manager@ opens rep1's Granite Coast plan and its whole account team, each member with their
line manager, and records an observation about access1@ (market access); access-manager@
receives it (Inbox, and a notification for the phone), attaches it to a note to access1@ and
shares it; access1@ reads it on the note. The medical line never reads that commercial note, and
director@ never reads an MSL's."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from bench import observations as steps
from coachapp.db import get_session
from coachapp.models import (
    Account,
    AccountPlan,
    Function,
    Note,
    Notification,
    Observation,
    PlanStatus,
    User,
)
from tests.browser.conftest import PageProblems, wait_until
from tests.browser.test_layout import looks_right
from tests.browser.test_offline import NOTHING_WAITING

pytestmark = pytest.mark.browser


def user(app: Flask, email: str) -> User:
    with app.app_context():
        found = get_session().scalars(select(User).where(User.email == email)).one()
        get_session().expunge(found)
        return found


def granite_coast_plan_of_rep1(app: Flask) -> int:
    with app.app_context():
        db = get_session()
        plan_id = db.scalar(
            select(AccountPlan.id)
            .join(Account, Account.id == AccountPlan.account_id)
            .join(User, User.id == AccountPlan.owner_id)
            .where(
                User.email == "rep1@example.com",
                Account.name == steps.ACCOUNT,
                AccountPlan.status == PlanStatus.ACTIVE,
            )
        )
        assert plan_id is not None, "rep1 owns the Granite Coast plan"
        return plan_id


def an_msl_note(app: Flask) -> int:
    with app.app_context():
        db = get_session()
        note_id = db.scalar(
            select(Note.id).join(User, User.id == Note.rep_id).where(User.function == Function.MSL)
        )
        assert note_id is not None, "the demo has MSLs' notes"
        return note_id


def test_an_observation_goes_to_the_colleagues_own_manager_and_back_on_a_note(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: PageProblems
) -> None:
    plan_id = granite_coast_plan_of_rep1(live_app)
    author = signed_in_phone(steps.AUTHOR)
    author.goto(f"/plans/{plan_id}")
    author.get_by_role("link", name="Whole account team").click()
    # The account's whole team, across lines, each with their own line manager.
    access_manager = user(live_app, steps.LINE_MANAGER)
    msl_manager = user(live_app, "msl-manager@example.com")
    msl1 = user(live_app, "msl1@example.com")
    for member, manager in ((user(live_app, steps.SUBJECT), access_manager), (msl1, msl_manager)):
        expect(author.locator(f"#member-{member.id}")).to_contain_text(f"Reports to {manager.name}")

    # Across the wall only the 3C's are offered, with the reason said.
    author.get_by_role("link", name=f"Record an observation of {msl1.name}").click()
    expect(author.get_by_text("communication only")).to_be_visible()
    expect(author.get_by_role("radio")).to_have_count(3)
    looks_right(author)

    steps.from_the_account_team(author, plan_id)
    observation_id = steps.record(author)
    looks_right(author)
    with live_app.app_context():
        db = get_session()
        observation = db.get(Observation, observation_id)
        assert observation is not None and observation.routed_to_id == access_manager.id
        [told] = db.scalars(
            select(Notification).where(
                Notification.dedupe_key == f"observation_received:{observation_id}"
            )
        ).all()
        assert told.recipient_id == access_manager.id  # the worker pushes it to their phone

    line_manager = signed_in_phone(steps.LINE_MANAGER)
    steps.receive(line_manager, observation_id)
    looks_right(line_manager)
    note_id = steps.attach_and_share(line_manager)

    subject = signed_in_phone(steps.SUBJECT)
    steps.read_on_the_note(subject, note_id)
    looks_right(subject)
    for shown in ("Marcus Bell", "Sales", steps.ACCOUNT, steps.BEHAVIOUR):
        expect(subject.locator("main")).to_contain_text(shown)

    # The note is the commercial line's: the medical line never reads it.
    page_problems.expect(r"status of 404 \(NOT FOUND\) \(http://[^)]+/notes/\d+\)")
    for email in ("msl-manager@example.com", "medical-director@example.com"):
        medical = signed_in_phone(email)
        answer = medical.goto(f"/notes/{note_id}")
        assert answer is not None and answer.status == 404, email
    # And an MSL's note is never the commercial director's.
    director = signed_in_phone("director@example.com")
    answer = director.goto(f"/notes/{an_msl_note(live_app)}")
    assert answer is not None and answer.status == 404


def test_an_observation_sent_without_signal_is_kept_and_sent_once(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: PageProblems
) -> None:
    """The form may wait on the phone like an acknowledgement: kept by the service worker
    while offline, sent when the connection returns, one observation however often."""
    page_problems.expect(r"ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR_FAILED")
    author = signed_in_phone("manager2@example.com")  # no other browser test observes as them
    author.goto("/observations")
    author.locator("#record-heading + .hint + .list a").first.click()
    author.locator("main .list a").first.click()
    expect(author.get_by_role("heading", name="Record an observation")).to_be_visible()
    author.evaluate("navigator.serviceWorker.ready.then(() => true)")
    author.reload()
    wait_until(author, "navigator.serviceWorker.controller !== null")
    with live_app.app_context():
        before = get_session().scalar(select(func.count(Observation.id)))

    author.context.set_offline(True)
    author.locator("fieldset#competency_id label").first.click()
    text = "Kept on the phone: asked the account lead before promising a date."
    author.get_by_label("What you saw").fill(text)
    author.get_by_role("button", name=re.compile("^Send to ")).click()
    expect(author.get_by_text(re.compile("will sync"))).to_be_visible()

    author.context.set_offline(False)
    author.goto("/observations")
    deadline = time.monotonic() + 15
    while True:
        with live_app.app_context():
            sent = get_session().scalars(select(Observation).where(Observation.text == text)).all()
        if sent:
            break
        assert time.monotonic() < deadline, "the kept observation was not sent"
        author.wait_for_timeout(200)
    author.reload()
    wait_until(author, NOTHING_WAITING)
    with live_app.app_context():
        assert get_session().scalar(select(func.count(Observation.id))) == before + 1
