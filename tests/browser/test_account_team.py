"""A manager opens a rep's account plan on a phone and, one tap on, sees the account's whole
team across reporting lines: each member with their line manager."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from coachapp.db import get_session
from coachapp.models import AccountPlan, PlanStatus, User
from tests.browser.test_layout import looks_right

pytestmark = pytest.mark.browser


def rep1_plan(app: Flask) -> tuple[int, dict[int, tuple[str, str]]]:
    """rep1@'s active plan and, by id, each member's name and their line manager's name."""
    with app.app_context():
        db = get_session()
        rep = db.scalars(select(User).where(User.email == "rep1@example.com")).one()
        plan = db.scalars(
            select(AccountPlan).where(
                AccountPlan.owner_id == rep.id, AccountPlan.status == PlanStatus.ACTIVE
            )
        ).first()
        assert plan is not None
        team = {
            m.user.id: (m.user.name, m.user.manager.name if m.user.manager else "")
            for m in plan.team
        }
        return plan.id, team


def test_manager_reaches_the_whole_team_from_the_plan(
    live_app: Flask, signed_in_phone: Callable[..., Page]
) -> None:
    plan_id, team = rep1_plan(live_app)
    emails = {"msl1@example.com", "access1@example.com"}
    with live_app.app_context():
        found = set(
            get_session().scalars(
                select(User.email).where(User.id.in_(team), User.email.in_(emails))
            )
        )
    assert found == emails, "rep1's plan has msl1@ and access1@ on its team"

    page = signed_in_phone("manager@example.com")
    page.goto(f"/plans/{plan_id}")
    page.get_by_role("link", name="Whole account team").click()
    expect(page.get_by_role("heading", name="Account team")).to_be_visible()
    for user_id, (name, manager) in team.items():
        row = page.locator(f"#member-{user_id}")
        expect(row).to_contain_text(name)
        expect(row).to_contain_text(f"Reports to {manager}")
    expect(page.get_by_role("heading", name="Last customer contact")).to_be_visible()
    looks_right(page, 390)
    page.set_viewport_size({"width": 360, "height": 780})
    looks_right(page, 360)


def test_an_msl_adds_an_insight_that_the_owner_approves(
    live_app: Flask, signed_in_phone: Callable[..., Page]
) -> None:
    """The MSL on rep1@'s plan adds a clinical insight on a phone; rep1@ asked to approve
    insights first, so it waits until they approve it, then the manager reads it."""
    plan_id, _team = rep1_plan(live_app)
    text = "The heme-onc chief asks for community real-world evidence before P&T."
    owner = signed_in_phone("rep1@example.com")
    owner.goto(f"/plans/{plan_id}")
    owner.get_by_role("button", name="Approve insights first").click()
    expect(owner.get_by_role("button", name="Show insights at once")).to_be_visible()

    msl = signed_in_phone("msl1@example.com")
    msl.goto(f"/plans/{plan_id}")
    msl.get_by_text("Add an insight").click()
    msl.get_by_label("Profiling area").select_option("clinical")
    msl.get_by_label("Insight", exact=True).fill(text)
    msl.get_by_role("button", name="Add insight").click()
    waiting = msl.locator("#insights .insight", has_text=text)
    expect(waiting).to_contain_text("Waiting for approval")

    owner.reload()
    owner.get_by_role("button", name="Approve the clinical insight from").click()
    expect(owner.locator("#insights")).not_to_contain_text("Waiting for your approval")
    expect(owner.locator("#insights .insight", has_text=text)).to_be_visible()
    owner.get_by_role("button", name="Show insights at once").click()
    expect(owner.get_by_role("button", name="Approve insights first")).to_be_visible()

    manager = signed_in_phone("manager@example.com")
    manager.goto(f"/plans/{plan_id}")
    expect(manager.locator("#insights .insight", has_text=text)).to_be_visible()
