"""A rep gives a goal its figures and records an actual on a phone, by accessible names; a
double tap on "Record actual" records once, and the team's current quarter moves on the
manager's and the director's impact pages, each on their own phone."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from coachapp.dashboard.impact_charts import Cell, impact_charts
from coachapp.db import get_session, utcnow
from coachapp.models import AccountPlan, GoalActual, PlanGoal, User
from coachapp.plans.impact import GroupBy, impact_by_quarter
from coachapp.plans.quarters import Quarter
from coachapp.timezones import local_today
from tests.browser.conftest import DemoTeam

pytestmark = pytest.mark.browser

LEADERS = ("manager@example.com", "director@example.com")


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


def _attainment_now(app: Flask, email: str, team: str) -> Cell:
    """The service's current-quarter goal attainment of `team` as `email` sees it."""
    with app.app_context():
        db = get_session()
        viewer = db.scalars(select(User).where(User.email == email)).one()
        now = utcnow()
        today = local_today(viewer.timezone, now)
        view = impact_by_quarter(db, viewer, GroupBy.TEAM, Quarter.of(today), today, now)
        (group,) = [g for g in impact_charts(view) if g.series.label == team]
        return group.multiples[0].latest


def _attainment_shown(page: Page, team: str) -> Cell:
    """The current quarter's (last column's) goal attainment in the team's table."""
    page.goto("/org/impact")
    section = page.get_by_role("region", name=team, exact=True)
    section.get_by_text("Figures as a table").click()
    cell = section.get_by_role("row", name=re.compile("^Goal attainment")).get_by_role("cell").last
    return Cell(cell.locator("strong").inner_text(), cell.locator(".cell-meta").inner_text())


def test_rep_records_an_actual_on_a_phone(
    live_app: Flask, signed_in_phone: Callable[..., Page], demo_team: DemoTeam
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

    team = f"{demo_team.manager}'s team"
    viewers = {email: signed_in_phone(email) for email in LEADERS}
    shown = {email: _attainment_shown(viewers[email], team) for email in LEADERS}
    assert shown == {email: _attainment_now(live_app, email, team) for email in LEADERS}

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

    for email, viewer in viewers.items():
        after = _attainment_shown(viewer, team)
        assert after == _attainment_now(live_app, email, team)
        assert after != shown[email], f"{email} still sees {after}"
