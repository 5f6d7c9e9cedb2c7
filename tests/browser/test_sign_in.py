"""Signing in and each role's home, on a phone, by accessible names."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from coachapp.db import get_session
from coachapp.models import Role, User
from tests.browser.conftest import DemoTeam, PageProblems, sign_in

pytestmark = pytest.mark.browser


def test_manager_signs_in_sees_the_team_and_opens_a_rep(phone: Page, demo_team: DemoTeam) -> None:
    assert len(demo_team.reps) == 8
    sign_in(phone, "manager@example.com")

    expect(phone.get_by_role("heading", name="Today", level=1)).to_be_visible()
    expect(
        phone.get_by_role("link", name=re.compile(r"^\d+ Coaching due of 8 people"))
    ).to_be_visible()

    nav = phone.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Today", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    nav.get_by_role("link", name="Team", exact=True).click()
    phone.wait_for_url(re.compile(r"/team$"))
    expect(phone.get_by_role("heading", name="Your team", level=1)).to_be_visible()
    expect(phone.get_by_text("8 people, most in need of coaching first.")).to_be_visible()
    expect(phone.locator("#team-list > li")).to_have_count(8)
    team = phone.locator("#team-list")
    for name in demo_team.reps:
        expect(team.get_by_role("link", name=re.compile(re.escape(name)))).to_be_visible()
    expect(nav.get_by_role("link", name="Team", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    rep = demo_team.reps[0]
    phone.locator("#team-list").get_by_role("link", name=re.compile(re.escape(rep))).click()
    phone.wait_for_url(re.compile(r"/people/\d+$"))
    expect(phone.get_by_role("heading", name=rep, level=1)).to_be_visible()
    expect(phone.get_by_text(f"reports to {demo_team.manager}")).to_be_visible()
    expect(phone.get_by_role("heading", name="Accounts and plans")).to_be_visible()
    # The Team tab stays current on a rep's page.
    expect(nav.get_by_role("link", name="Team", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def test_wrong_password_keeps_the_email_and_explains(
    phone: Page, page_problems: PageProblems
) -> None:
    # The form answers 401, which Chromium reports on the console as a failed load.
    page_problems.expect(r"status of 401")
    # A user no other browser test signs in as: the failure counts towards the throttle.
    sign_in(phone, "manager3@example.com", password="not-the-password")

    alert = phone.get_by_role("alert")
    expect(alert).to_have_text("Email or password is incorrect.")
    expect(phone.get_by_label("Email")).to_have_value("manager3@example.com")
    expect(phone.get_by_label("Password")).to_have_value("")
    expect(phone.get_by_role("navigation", name="Main")).to_have_count(0)


def test_rep_home_greets_the_rep(signed_in_phone: Callable[..., Page]) -> None:
    phone = signed_in_phone("rep1@example.com")
    expect(phone.get_by_role("heading", name=re.compile(r"^Hello, \w+"), level=1)).to_be_visible()
    expect(phone.get_by_role("heading", name="Recent coaching")).to_be_visible()
    nav = phone.get_by_role("navigation", name="Main")
    for tab in ("Today", "Notes", "Plans", "Inbox", "Me"):
        # A tab's name may carry its unread count ("Inbox 1 unread").
        expect(nav.get_by_role("link", name=re.compile(rf"^{tab}\b"))).to_be_visible()
    expect(nav.get_by_role("link", name="Today", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(nav.get_by_role("link", name="Team", exact=True)).to_have_count(0)


def test_director_home_lists_their_managers(
    signed_in_phone: Callable[..., Page], live_app: Flask
) -> None:
    with live_app.app_context():
        db = get_session()
        director = db.scalars(select(User).where(User.email == "director@example.com")).one()
        managers = db.scalars(select(User.name).where(User.manager_id == director.id)).all()
    assert len(managers) == 4  # three sales managers and the market access manager

    phone = signed_in_phone("director@example.com")
    expect(phone.get_by_role("heading", name="Your teams", level=1)).to_be_visible()
    expect(phone.get_by_text(re.compile(r"^4 teams · coaching cadence"))).to_be_visible()
    for name in managers:
        heading = phone.get_by_role("heading", name=name, level=2)
        expect(heading).to_be_visible()
        expect(heading.get_by_role("link", name=name)).to_be_visible()


def test_admin_home_lists_people(signed_in_phone: Callable[..., Page], live_app: Flask) -> None:
    with live_app.app_context():
        everyone = get_session().scalars(select(User.name)).all()
        admin = get_session().scalars(select(User).where(User.role == Role.ADMIN)).first()
        assert admin is not None
        admin_name = admin.name

    phone = signed_in_phone("admin@example.com")
    expect(phone.get_by_role("heading", name="People", level=1)).to_be_visible()
    expect(phone.get_by_role("searchbox", name="Search people")).to_be_visible()
    expect(phone.get_by_role("link", name="Add person")).to_be_visible()
    people = phone.get_by_role("main").get_by_role("list").get_by_role("listitem")
    expect(people).to_have_count(len(everyone))
    expect(phone.get_by_role("link", name=re.compile(re.escape(admin_name)))).to_be_visible()


def test_signed_out_visitors_are_sent_to_sign_in_and_back(phone: Page) -> None:
    phone.goto("/team")
    phone.wait_for_url(re.compile(r"/login"))
    expect(phone.get_by_role("button", name="Sign in")).to_be_visible()
    phone.get_by_label("Email").fill("manager@example.com")
    phone.get_by_label("Password").fill("demo-password")
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(re.compile(r"/team$"))
    expect(phone.get_by_role("heading", name="Your team", level=1)).to_be_visible()


def test_sign_out_from_me(phone: Page) -> None:
    sign_in(phone, "rep2@example.com")
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Me").click()
    phone.wait_for_url(re.compile(r"/me$"))
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url(re.compile(r"/login"))
    expect(phone.get_by_text("You are signed out.")).to_be_visible()
    phone.goto("/my")
    phone.wait_for_url(re.compile(r"/login"))


def test_sign_in_works_without_javascript(new_phone: Callable[..., Page]) -> None:
    page = new_phone(java_script_enabled=False)
    sign_in(page, "manager@example.com")
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.wait_for_url(re.compile(r"/team$"))
    expect(page.locator("#team-list > li")).to_have_count(8)
