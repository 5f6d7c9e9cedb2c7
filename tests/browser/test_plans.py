"""A rep writes a new account plan end to end on a phone, by accessible names."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from coachapp.db import get_session
from coachapp.models import AccountPlan, Function, Role, User

pytestmark = pytest.mark.browser


def an_msl(app: Flask) -> str:
    with app.app_context():
        return (
            get_session()
            .scalars(
                select(User.name)
                .where(User.function == Function.MSL, User.role == Role.REP, User.active.is_(True))
                .order_by(User.name)
            )
            .first()
            or ""
        )


def test_rep_writes_a_new_plan_on_a_phone(
    live_app: Flask, signed_in_phone: Callable[..., Page]
) -> None:
    msl = an_msl(live_app)
    assert msl, "the demo organisation has MSLs"
    page = signed_in_phone("rep1@example.com")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plans").click()
    page.get_by_role("link", name="New plan").click()
    page.get_by_label("New account name").fill("Bayshore Regional Health")
    page.get_by_label("Account type").select_option(label="Health system")
    page.get_by_label("Region").fill("Southeast")
    page.get_by_label("Period").fill("2027-H1")
    page.get_by_label("Strategic priorities and situation").fill(
        "Win a system-wide formulary listing before the spring P&T meeting."
    )
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_role("heading", name="Bayshore Regional Health")).to_be_visible()

    # Reimbursement profile: autosaves while typing.
    reimbursement = page.get_by_label("Reimbursement insight")
    reimbursement.fill("55% Medicare Advantage; every new start needs prior authorisation.")
    profile_form = page.locator("#field-profile_reimbursement")
    expect(profile_form.locator(".save-state")).to_have_text(re.compile(r"Saved \d\d:\d\d"))

    # The MSL joins the account team.
    page.get_by_text("Add a team member").click()
    page.get_by_label("Find someone").fill(msl)  # found as one types
    expect(page.locator("#new-member-user_id option")).to_have_count(2)  # "Choose", the MSL
    page.get_by_label("Colleague").select_option(label=f"{msl} (Medical science liaison)")
    page.get_by_label("Responsibility").fill("Scientific exchange with the P&T chair")
    page.get_by_role("button", name="Add to team").click()
    expect(page.locator("#team").get_by_text(msl, exact=True)).to_be_visible()

    # A goal with a measure and a date.
    page.get_by_text("Add a goal").click()
    page.get_by_label("New goal", exact=True).fill("System formulary listing")
    page.get_by_label("Measure of the new goal").fill("Approved at P&T")
    page.get_by_label("Target date of the new goal").fill("2027-04-30")
    page.get_by_role("button", name="Add goal").click()
    expect(
        page.locator("#goals").get_by_text("System formulary listing", exact=True)
    ).to_be_visible()

    # An action owned by the MSL (the owner list already includes the new team member).
    page.get_by_text("Add an action").click()
    page.get_by_label("New action", exact=True).fill(
        "Present real-world evidence to oncology pharmacy"
    )
    page.get_by_label("Owner of the new action").select_option(
        label=f"{msl} (Medical science liaison)"
    )
    page.get_by_label("Due date of the new action").fill("2027-02-15")
    page.get_by_role("button", name="Add action").click()
    actions = page.locator("#actions")
    expect(
        actions.get_by_text("Present real-world evidence to oncology pharmacy", exact=True)
    ).to_be_visible()
    expect(
        actions.locator("summary").get_by_text(f"{msl} (Medical science liaison)")
    ).to_be_visible()

    # Everything is there after a reload, and the score reflects it.
    page.reload()
    expect(page.get_by_label("Reimbursement insight")).to_have_value(
        "55% Medicare Advantage; every new start needs prior authorisation."
    )
    with live_app.app_context():
        plan = (
            get_session()
            .scalars(
                select(AccountPlan).join(AccountPlan.account).where(AccountPlan.period == "2027-H1")
            )
            .one()
        )
        assert [g.title for g in plan.goals] == ["System formulary listing"]
        assert [a.owner.name for a in plan.action_items] == [msl]
        assert plan.profile_reimbursement.startswith("55% Medicare Advantage")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
