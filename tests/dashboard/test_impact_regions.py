"""The impact page of a director over directors: a row per direct child (a region for each
director reporting to them, a team for each first-line manager), a region's row adding up
every plan below its director, drilled down to that region's own impact page
(/org/regions/<id>/impact) within the viewer's scope; many groups as a table, a page at a
time. On tests.builders.build_nation."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.dashboard import impact_page as impact_pages
from coachapp.dashboard.impact_page import ImpactPage, impact_page, region_key
from coachapp.db import utcnow
from coachapp.models import AccountPlan, GoalActual, PlanGoal, User
from coachapp.plans.impact import GroupBy, ImpactSeries, series_added_up
from coachapp.plans.quarters import Quarter
from coachapp.timezones import local_today
from tests.api.helpers import bearer, issue_token
from tests.builders import Nation, build_nation
from tests.conftest import HttpsClient, login


def measure_every_plan(db: Session) -> None:
    """A goal on every plan, measured a quarter ago and today, a different way on each."""
    today = dt.date.today()
    plans = db.scalars(select(AccountPlan).order_by(AccountPlan.id)).all()
    for n, plan in enumerate(plans):
        goal = PlanGoal(
            plan_id=plan.id, title="Patients on therapy", metric="Patients", baseline=0.0,
            baseline_date=today - dt.timedelta(days=300), target=10.0,
            target_date=today + dt.timedelta(days=300),
        )  # fmt: skip
        db.add(goal)
        db.flush()
        db.add_all([
            GoalActual(goal_id=goal.id, measured_on=today - dt.timedelta(days=91), value=n % 4),
            GoalActual(goal_id=goal.id, measured_on=today, value=2 + n % 7),
        ])  # fmt: skip
    db.commit()


@pytest.fixture
def nation(db: Session) -> Nation:
    """national ─ 2 regions of 2 teams ─ 2 reps each, and one team of their own; a plan per
    team with a measured goal."""
    built = build_nation(db, regions=2, teams_per_region=2, reps_per_team=2, direct_teams=1)
    measure_every_plan(db)
    return built


@pytest.fixture
def visit(app: Flask) -> Any:
    def signed_in(person: User) -> HttpsClient:
        client: HttpsClient = app.test_client()  # type: ignore[assignment]
        assert login(client, person.email).status_code == 302
        return client

    return signed_in


def text_of(client: HttpsClient, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.get_data(as_text=True)


def table_rows(text: str) -> list[str]:
    """The names of the rows of the groups' table, in order."""
    table = text[text.index('id="impact-rows-heading"') :]
    table = table[: table.index("</table>")]
    found = re.findall(r"<th scope=\"row\">(?:<a href=\"[^\"]+\">)?([^<]+)", table)
    return [html.unescape(name) for name in found]


def page_at(db: Session, viewer: User, node: User, group_by: GroupBy, page: int = 1) -> ImpactPage:
    now = utcnow()
    today = local_today(viewer.timezone, now)
    return impact_page(db, viewer, node, group_by, Quarter.of(today), today, now, page)


def figures(series: ImpactSeries) -> list[tuple[Any, ...]]:
    """A series' figures, quarter by quarter, without its key and label."""
    return [
        (
            q.quarter, q.group.plans, q.group.goals, q.group.goals_with_data,
            round(q.group.progress_sum, 9), q.group.on_track, q.group.at_risk,
            q.group.completeness_sum, q.group.coaching, q.three_cs.count,
            round(q.three_cs.average or 0, 9), q.focus.count, round(q.focus.average or 0, 9),
        )
        for q in series.quarters
    ]  # fmt: skip


def test_a_national_directors_rows_are_their_regions_and_teams(visit: Any, nation: Nation) -> None:
    text = text_of(visit(nation.national), "/org/impact")
    assert table_rows(text) == [
        "Regional Director 1's region", "Regional Director 2's region", "Manager 0.1's team",
    ]  # fmt: skip
    one = nation.regions[0]
    assert f'<a href="/org/regions/{one.id}/impact?group_by=team&amp;period=' in text
    # No team below a region is a group of its own at the national level.
    assert "Manager 1.1" not in text and "Manager 2.2" not in text
    # Every plan in view, together, over the quarters; the rows with their latest quarter.
    assert '<h2 id="impact-all">All plans in view</h2>' in text
    assert "5 plans · 5 goals" in text
    assert "Regions and teams in" in text
    assert "A region: every plan owned by someone below its director." in text


def test_a_region_row_adds_up_its_teams_as_its_own_page_has_them(
    db: Session, nation: Nation
) -> None:
    national, region = nation.national, nation.regions[0]
    top = page_at(db, national, national, GroupBy.TEAM)
    assert top.table and top.groups == 3
    (row,) = [s for s in top.view.series if s.key == region_key(region)]
    # The region as seen from above: its teams, each with its small charts.
    below = page_at(db, national, region, GroupBy.TEAM)
    assert not below.table
    assert [s.label for s in below.view.series] == ["Manager 1.1's team", "Manager 1.2's team"]
    assert figures(series_added_up("x", "x", below.view.series)) == figures(row)
    # What the regional director reads of their own region is what is above reads of it.
    own = page_at(db, region, region, GroupBy.TEAM)
    assert [figures(s) for s in own.view.series] == [figures(s) for s in below.view.series]
    # The national total is every row added up: each plan and owner in one row only.
    assert top.total is not None
    assert figures(top.total) == figures(series_added_up("x", "x", top.view.series))
    assert top.total.latest.group.plans == 5
    assert row.latest.group.coaching["owners_with_figures"] == 2


def test_the_region_page_has_the_way_back_up(visit: Any, nation: Nation) -> None:
    region = nation.regions[1]
    text = text_of(visit(nation.national), f"/org/regions/{region.id}/impact?group_by=team")
    assert '<nav class="crumbs" aria-label="Breadcrumb">' in text
    assert re.search(r'<a href="/org/impact\?group_by=team&amp;period=[^"]+">Impact</a>', text)
    text = html.unescape(text)
    assert '<span aria-current="page">Regional Director 2\'s region</span>' in text
    assert ">Manager 2.1's team</h2>" in text and ">Manager 2.2's team</h2>" in text
    assert "Manager 1.1" not in text and "Manager 0.1" not in text
    assert f'action="/org/regions/{region.id}/impact"' in text


def test_regions_outside_the_viewers_scope_are_not_found(
    visit: Any, nation: Nation, db: Session
) -> None:
    national, one, two = nation.national, *nation.regions
    manager = nation.managers[one.id][0]
    seen_by = {
        (national, one): 200,
        (nation.medical_director, nation.medical_regional): 200,
        # Across the medical/commercial wall, a sibling region, oneself's manager's, a
        # manager, a rep, someone gone.
        (national, nation.medical_regional): 404,
        (nation.medical_director, one): 404,
        (one, two): 404,
        (one, national): 404,
        (national, manager): 404,
        (national, nation.reps[manager.id][0]): 404,
        (manager, one): 404,
    }
    for (who, region), status in seen_by.items():
        answer = visit(who).get(f"/org/regions/{region.id}/impact")
        assert answer.status_code == status, (who.name, region.name)
    missing = (db.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
    assert visit(national).get(f"/org/regions/{missing}/impact").status_code == 404
    # One's own region is one's own page, the query kept.
    answer = visit(one).get(f"/org/regions/{one.id}/impact?group_by=account&period=2026-Q1")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/org/impact?group_by=account&period=2026-Q1"


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "99999999999", "1e3", "%00"])
def test_a_bad_page_is_the_fields_message(visit: Any, nation: Nation, page: str) -> None:
    for path in ("/org/impact", f"/org/regions/{nation.regions[0].id}/impact"):
        answer = visit(nation.national).get(f"{path}?page={page}")
        assert answer.status_code == 422, (path, page)
        text = answer.get_data(as_text=True)
        assert '<p class="field-error" id="page-error" role="alert">Page: ' in text
        assert "Regional Director 1's region" not in text.split("</form>")[1]


def test_many_groups_come_a_page_at_a_time(
    visit: Any, nation: Nation, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(impact_pages, "MULTIPLES_AT_MOST", 3)
    monkeypatch.setattr(impact_pages, "ROWS_PER_PAGE", 2)
    national = nation.national
    names = sorted(account.name for account in nation.accounts)
    pages = [page_at(db, national, national, GroupBy.ACCOUNT, n) for n in (1, 2, 3, 9)]
    assert [[s.label for s in p.view.series] for p in pages] == [
        names[0:2], names[2:4], names[4:5], names[4:5],
    ]  # fmt: skip
    assert [(p.groups, p.page, p.pages) for p in pages] == [
        (5, 1, 3),
        (5, 2, 3),
        (5, 3, 3),
        (5, 3, 3),
    ]
    # Every plan in view is in the total, whatever the page.
    assert all(p.total is not None and p.total.latest.group.plans == 5 for p in pages)
    text = text_of(visit(national), "/org/impact?group_by=account&period=2026-Q1&page=2")
    assert table_rows(text) == names[2:4]
    assert "Rows 3 to 4 of 5, by name." in text
    for label, number in (("Previous rows", 1), ("Next rows", 3)):
        link = f'href="/org/impact?page={number}&amp;group_by=account&amp;period=2026-Q1">{label}'
        assert link in text


def test_the_demo_sized_page_keeps_each_groups_small_charts(visit: Any, nation: Nation) -> None:
    """A regional director's teams, a handful: each its own small charts, no table."""
    text = text_of(visit(nation.regions[0]), "/org/impact")
    assert "impact-rows-heading" not in text and "All plans in view" not in text
    assert text.count('<section class="section impact-group"') == 2
    assert "crumbs" not in text


@pytest.mark.parametrize(
    "query", ["group_by=team", "group_by=account&period=2026-Q1", "group_by=region&window_days=90"]
)
def test_a_page_of_the_api_computes_its_own_groups_only(
    app: Flask, nation: Nation, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    """GET /api/v1/impact keeps its shape and order (DESIGN.md: team = the plan owner's
    manager, every team of the subtree); walked a group at a time, each page reads the plans of
    its own group only, and gives the figures the whole list has."""
    from coachapp.plans import impact

    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    headers = bearer(issue_token(client, nation.national.email))
    whole = client.get(f"/api/v1/impact?{query}&limit=200", headers=headers).get_json()
    assert len(whole) > 2
    read: list[int] = []
    rollup = impact.rollup

    def recording(*args: Any, **kwargs: Any) -> Any:
        rows = rollup(*args, **kwargs)
        read.append(len(rows))
        return rows

    monkeypatch.setattr(impact, "rollup", recording)
    walked, path = [], f"/api/v1/impact?{query}&limit=1"
    while path:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        (group,) = answer.get_json()
        walked.append(group)
        assert read[-1] == group["plans"]
        link = answer.headers.get("Link", "")
        path = link[link.index("/api/") : link.index(">")] if link else ""
    assert walked == whole
    assert len(read) == len(whole)
