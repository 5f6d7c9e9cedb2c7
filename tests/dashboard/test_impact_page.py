"""The impact page (/org/impact): goal attainment beside coaching per team or account over four
quarters, for a director's subtree and a manager's own team; the figures are the service's
(coachapp.plans.impact), each with what it rests on, and a bad quarter is a field's message."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy.orm import Session

from coachapp.dashboard.impact_charts import impact_charts
from coachapp.db import utcnow
from coachapp.plans.impact import GroupBy, impact_by_quarter
from coachapp.plans.quarters import Quarter
from coachapp.timezones import local_today
from tests.builders import Lines
from tests.plans.test_contributions import Team
from tests.plans.test_impact import measured_team

Q1 = Quarter(2026, 1)


@pytest.fixture
def team(app: Flask, db: Session, lines: Lines) -> Team:
    return measured_team(app, db, lines)


def page(team: Team, who: str, query: str = "") -> tuple[int, str]:
    answer = team.page(who).get(f"/org/impact{query}")
    return answer.status_code, answer.get_data(as_text=True)


def cells_of(team: Team, who: str, group_by: GroupBy, quarter: Quarter) -> list[Any]:
    """The service's figures for `who`, as the page's table should write them."""
    person = team.person(who)
    now = utcnow()
    today = local_today(person.timezone, now)
    view = impact_by_quarter(team.db, person, group_by, quarter, today, now)
    return impact_charts(view)


def table_cells(html: str, label: str) -> list[str]:
    """The table cells of one group's section, in order."""
    section = html[html.index(f">{escape(label)}</h2>") :]
    section = section[: section.index("</section>")]
    return re.findall(
        r"<td><strong>(.*?)</strong><span class=\"cell-meta\">(.*?)</span></td>", section
    )


@pytest.mark.parametrize("who", ["director", "sales_manager"])
@pytest.mark.parametrize("group_by", [GroupBy.TEAM, GroupBy.ACCOUNT])
def test_the_page_shows_the_services_figures_with_what_they_rest_on(
    team: Team, who: str, group_by: GroupBy
) -> None:
    status, html = page(team, who, f"?group_by={group_by.value}&period={Q1.label}")
    assert status == 200
    (group,) = [g for g in cells_of(team, who, group_by, Q1) if g.series.latest.group.goals == 2]
    expected = [
        (str(escape(cell.value)), str(escape(cell.basis)))
        for multiple in group.multiples
        for cell in multiple.cells
    ]
    assert table_cells(html, group.series.label) == expected
    attainment = group.multiples[0].cells
    # Baseline 10, target 50, 30 measured on 31 March: half way, on one goal of two.
    assert [(c.value, c.basis) for c in attainment] == [
        ("none", "0 of 2 goals"), ("none", "0 of 2 goals"), ("none", "0 of 2 goals"),
        ("50%", "1 of 2 goals"),
    ]  # fmt: skip
    assert "not that coaching caused a result" in html
    assert ">2025-Q2</th>" in html and ">2026-Q1</th>" in html


def test_the_owners_coaching_is_counted_in_the_quarter_it_happened(team: Team) -> None:
    today = local_today(team.person("director").timezone, utcnow())
    (group,) = [
        g
        for g in cells_of(team, "director", GroupBy.TEAM, Quarter.of(today))
        if g.series.latest.group.goals == 2
    ]
    conversations = group.multiples[1]
    assert conversations.figure.name == "Conversations"
    # build_lines' note about the plan's owner, three days ago: this quarter, unless it began
    # less than three days ago.
    in_this_quarter = today - dt.timedelta(days=3) >= Quarter.of(today).start
    assert conversations.latest.value == ("1" if in_this_quarter else "0")
    assert conversations.latest.basis == "1 of 1 owner"


@pytest.mark.parametrize("who", ["msl_manager", "medical_director"])
def test_the_medical_line_sees_the_shared_plans_attainment_not_its_owners_coaching(
    team: Team, who: str
) -> None:
    status, html = page(team, who, f"?group_by=account&period={Q1.label}")
    assert status == 200
    cells = table_cells(html, team.plan.account.name)
    assert cells[3] == ("50%", "1 of 2 goals")
    assert cells[4:8] == [("0", "0 of 1 owner")] * 4


def test_a_manager_without_plans_in_view_gets_the_empty_state(team: Team) -> None:
    status, html = page(team, "msl_manager2")
    assert status == 200
    assert "No live plans in your view yet" in html
    assert team.plan.account.name not in html


@pytest.mark.parametrize("who", ["rep", "msl"])
def test_a_rep_gets_not_found(team: Team, who: str) -> None:
    assert page(team, who)[0] == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?period=2026-Q5", "Give a quarter as YYYY-Qn"),
        ("?period=Q3", "Give a quarter as YYYY-Qn"),
        ("?period=0001-Q1", "Give a quarter as YYYY-Qn"),
        ("?period=9999-Q4", "or an earlier quarter"),
        ("?group_by=country", "Must be one of"),
    ],
)
def test_a_bad_query_is_a_fields_message_not_an_error_page(
    team: Team, query: str, message: str
) -> None:
    status, html = page(team, "director", query)
    assert status == 422
    assert 'class="field-error"' in html and message in html
    assert team.plan.account.name not in html


def test_the_director_and_manager_pages_link_to_it(team: Team) -> None:
    assert 'href="/org/impact"' in team.page("director").get("/org").get_data(as_text=True)
    assert 'href="/org/impact"' in team.page("sales_manager").get("/team").get_data(as_text=True)


def test_the_api_takes_the_same_quarter(team: Team) -> None:
    answer = team.api("director", "GET", f"/api/v1/impact?group_by=account&period={Q1.label}")
    assert answer.status_code == 200
    (group,) = [g for g in answer.get_json() if g["goals"] == 2]
    assert (group["goals_with_data"], group["attainment"]) == (1, pytest.approx(0.5))
    assert group["completeness"] is not None
    earlier = team.api("director", "GET", "/api/v1/impact?group_by=account&period=2025-Q4")
    (group,) = [g for g in earlier.get_json() if g["goals"] == 2]
    assert (group["goals_with_data"], group["attainment"]) == (0, None)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=2026-Q5", "period"),
        ("period=9999-Q1", "period"),
        ("period=2026-Q1&window_days=30", "window_days"),
    ],
)
def test_the_api_refuses_a_bad_quarter_by_its_field(team: Team, query: str, field: str) -> None:
    answer = team.api("director", "GET", f"/api/v1/impact?{query}")
    assert answer.status_code == 422
    assert field in str(answer.get_json()["error"]["fields"])


def test_an_actual_the_rep_records_moves_the_managers_and_directors_quarter(team: Team) -> None:
    goal = next(g for g in team.plan.goals if g.metric)
    today = local_today(team.person("rep").timezone, utcnow())
    current = Quarter.of(today)

    def latest_attainment(who: str) -> tuple[str, str]:
        status, html = page(team, who, f"?period={current.label}")
        assert status == 200
        (group,) = [
            g for g in cells_of(team, who, GroupBy.TEAM, current) if g.series.latest.group.goals
        ]
        return table_cells(html, group.series.label)[3]

    before = {who: latest_attainment(who) for who in ("sales_manager", "director")}
    recorded = team.api(
        "rep", "POST", f"/api/v1/goals/{goal.id}/actuals",
        json={"date": today.isoformat(), "value": 50},
    )  # fmt: skip
    assert recorded.status_code == 201, recorded.get_json()
    for who, was in before.items():
        assert was == ("50%", "1 of 2 goals")
        assert latest_attainment(who) == ("100%", "1 of 2 goals")
