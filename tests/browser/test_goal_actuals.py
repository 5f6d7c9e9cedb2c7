"""A rep gives a goal its figures and records an actual on a phone, by accessible names; a
double tap on "Record actual" records once."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from coachapp.db import get_session
from coachapp.models import AccountPlan, GoalActual, PlanGoal, User

pytestmark = pytest.mark.browser


def _a_goal_of_rep1(app: Flask) -> tuple[int, int]:
    with app.app_context():
        db = get_session()
        rep = db.scalars(select(User).where(User.email == "rep1@example.com")).one()
        goal = db.scalars(
            select(PlanGoal)
            .join(PlanGoal.plan)
            .where(AccountPlan.owner_id == rep.id, AccountPlan.status == "active")
            .order_by(PlanGoal.id)
        ).first()
        assert goal is not None, "rep1 has an active plan with goals"
        goal.kind, goal.stages = "numeric", []  # type: ignore[assignment]
        db.commit()
        return goal.plan_id, goal.id


def _actuals(app: Flask, goal_id: int) -> int:
    with app.app_context():
        return int(
            get_session().scalar(select(func.count()).where(GoalActual.goal_id == goal_id)) or 0
        )


def test_rep_records_an_actual_on_a_phone(
    live_app: Flask, signed_in_phone: Callable[..., Page]
) -> None:
    plan_id, goal_id = _a_goal_of_rep1(live_app)
    before = _actuals(live_app, goal_id)
    page = signed_in_phone("rep1@example.com")
    page.goto(f"/plans/{plan_id}#goals")

    card = page.locator(f"#goal-{goal_id}-card")
    card.locator("summary.item-summary").click()
    card.get_by_label("Metric").fill("Patients on therapy")
    card.get_by_label("Baseline", exact=True).fill("12")
    card.get_by_label("Baseline date").fill("2026-01-01")
    card.get_by_label("Target", exact=True).fill("60")
    card.get_by_label("Target date").fill("2027-06-30")
    card.get_by_label("Unit").fill("patients")
    # Leaving the last field saves at once (the change event).
    with page.expect_response(lambda r: r.url.endswith(f"/goals/{goal_id}")):
        card.get_by_label("Unit").press("Tab")
    expect(card.locator(".save-state")).to_have_text(re.compile(r"Saved \d\d:\d\d"))
    page.wait_for_timeout(1700)  # any save still waiting for typing to pause
    page.wait_for_load_state("networkidle")

    page.reload()
    figures = page.locator(f"#goal-{goal_id}-figures")
    expect(figures).to_contain_text("Patients on therapy: 12")
    figures.locator("summary", has_text="Record actual").click()
    figures.get_by_label("Date measured").fill("2026-10-01")
    figures.get_by_label("Value (patients)").fill("36")
    figures.get_by_role("button", name="Record actual").dblclick()
    figures = page.locator(f"#goal-{goal_id}-figures")
    expect(figures).to_contain_text("12 → 36 → 60 patients")
    expect(figures).to_contain_text("50% of the way")
    assert _actuals(live_app, goal_id) == before + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
