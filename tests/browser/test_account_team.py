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
