"""Directors over directors: every director's dashboard lists their direct children (a region
per director reporting to them, a team per first-line manager), each with the figures of its
whole subtree; a region's own page as seen from above, the way back up, and finding anyone
below. On tests.builders.build_nation."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.dashboard.service import CadenceFilters, RowKind, figures_for_children
from coachapp.db import utcnow
from coachapp.models import Function, Role, User
from coachapp.timezones import local_today
from tests.builders import Nation, build_nation, make_note, make_user
from tests.conftest import HttpsClient, login


@pytest.fixture
def nation(db: Session) -> Nation:
    """national ─ 2 regions of 2 teams ─ 2 reps each, and one team of their own."""
    return build_nation(db, regions=2, teams_per_region=2, reps_per_team=2, direct_teams=1)


@pytest.fixture
def visit(app: Flask, nation: Nation) -> Any:
    """visit(person) gives a client of its own signed in as that person."""

    def signed_in(person: User) -> HttpsClient:
        client: HttpsClient = app.test_client()  # type: ignore[assignment]
        assert login(client, person.email).status_code == 302
        return client

    return signed_in


def page(client: HttpsClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def glance_rows(text: str) -> list[str]:
    """The names of the rows of the at-a-glance table, in order."""
    table = text[text.index('id="glance-heading"') : text.index("</table>")]
    cells = re.findall(r"<th scope=\"row\"><a href=\"[^\"]+\">([^<]+)</a>", table)
    return cells


def csv_rows(client: HttpsClient, path: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(page(client, path))))


def test_a_directors_rows_are_their_children_regions_first(
    visit: Any, nation: Nation, db: Session
) -> None:
    text = page(visit(nation.national), "/org")
    assert "2 regions and 1 team · coaching cadence as of" in text
    assert glance_rows(text) == ["Regional Director 1", "Regional Director 2", "Manager 0.1"]
    assert "Regions and teams at a glance" in text
    region = nation.regions[0]
    assert f'<a href="/org/regions/{region.id}">Regional Director 1</a>' in text
    assert "region · 2 teams" in text
    manager = nation.direct_managers[0]
    assert f'<a href="/org/teams/{manager.id}">Manager 0.1</a>' in text
    # No team below a region is a row of its own, nor has a card, at the national level.
    assert ">Manager 1.1<" not in text and ">Manager 2.2<" not in text
    assert text.count('class="section card stack team-card"') == 1
    # The heatmap has the same rows, then all of them together.
    heatmap = text[text.index('id="heatmap-heading"') :]
    names = re.findall(r"<tr[^>]*><th scope=\"row\">([^<]+)</th>", heatmap)
    assert names == ["Regional Director 1", "Regional Director 2", "Manager 0.1", "All"]
    # One chart per row, and the four of everyone in view.
    assert text.count('<svg class="spark row-spark"') == 3
    assert text.count('<svg class="spark"') == 4


def test_a_region_row_adds_up_its_whole_subtree(visit: Any, nation: Nation, db: Session) -> None:
    now = utcnow()
    national, region = nation.national, nation.regions[0]
    today = local_today(national.timezone, now)
    top = figures_for_children(db, national, national, CadenceFilters(), now, today)
    row = top.rows[0]
    assert (row.kind, row.leader, row.teams) == (RowKind.REGION, region, 2)
    # The region's own teams, as its page has them, add up to its row.
    below = figures_for_children(db, national, region, CadenceFilters(), now, today)
    assert [r.kind for r in below.rows] == [RowKind.TEAM, RowKind.TEAM]
    for figure in (
        "rep_count", "within_target", "sessions_in_window", "ride_alongs_in_window",
        "open_follow_ups", "overdue_follow_ups", "follow_ups_due", "follow_ups_done",
        "notes_shared", "notes_acknowledged", "notes", "notes_with_specific_evidence",
    ):  # fmt: skip
        assert getattr(row.figures, figure) == sum(
            getattr(team.figures, figure) for team in below.rows
        ), figure
    assert row.figures == below.total
    # What the regional director reads of everyone below them is what is above reads of the
    # region, and so is the CSV, rep by rep.
    own = figures_for_children(db, region, region, CadenceFilters(), now, today)
    assert own.total == row.figures
    for key, _name in top.competencies:
        assert row.cell(key) == own.total_cell(key)
    reps = csv_rows(visit(region), "/org/cadence.csv")
    assert len(reps) == row.figures.rep_count == 4
    assert sum(int(r["sessions_in_window"]) for r in reps) == row.figures.sessions_in_window
    assert sum(int(r["open_follow_ups"]) for r in reps) == row.figures.open_follow_ups
    # The national totals count every rep once.
    assert top.total.rep_count == sum(r.figures.rep_count for r in top.rows) == 10


def test_drill_down_region_team_rep_note_and_back_up(
    visit: Any, nation: Nation, db: Session
) -> None:
    national = visit(nation.national)
    region = nation.regions[1]
    text = page(national, f"/org/regions/{region.id}?period=30")
    assert "Regional Director 2's region" in text
    assert '<nav class="crumbs" aria-label="Breadcrumb">' in text
    assert '<a href="/org?period=30">Your teams</a>' in text
    assert glance_rows(text) == ["Manager 2.1", "Manager 2.2"]
    assert "2 teams · coaching cadence as of" in text and "last 30 days" in text
    manager = nation.managers[region.id][0]
    team_path = f"/org/teams/{manager.id}?period=30"
    assert f'href="{team_path}"' in text
    team = page(national, team_path)
    up = f"/org/regions/{region.id}?period=30"
    assert f'<a href="{up}">Regional Director 2\'s region</a>' in team
    assert '<span aria-current="page">Manager 2.1&#39;s team</span>' in team
    rep = nation.reps[manager.id][0]
    assert f'href="/people/{rep.id}"' in team
    rep_page = page(national, f"/people/{rep.id}")
    note = re.search(r'href="/notes/(\d+)"', rep_page)
    assert note is not None
    assert page(national, f"/notes/{note.group(1)}")
    # Looking at one's own region is one's dashboard.
    own = visit(region).get(f"/org/regions/{region.id}?period=30&region=x")
    assert own.status_code == 302 and own.headers["Location"] == "/org?region=x&period=30"


def test_a_directors_view_of_three_levels(visit: Any, nation: Nation, db: Session) -> None:
    """A director over directors over directors: each level sees its own children only, and
    the breadcrumb runs through every region between."""
    region = nation.regions[0]
    area = make_user(
        db, role=Role.DIRECTOR, name="Area Director", manager_id=region.id, region="Region 1"
    )
    manager = make_user(db, role=Role.MANAGER, name="Deep Manager", manager_id=area.id)
    rep = make_user(db, name="Deep Rep", manager_id=manager.id, region="Region 1")
    make_note(db, manager, rep)
    db.commit()
    national = visit(nation.national)
    assert "Area Director" not in page(national, "/org")
    middle = page(national, f"/org/regions/{region.id}")
    assert glance_rows(middle) == ["Area Director", "Manager 1.1", "Manager 1.2"]
    assert "1 region and 2 teams" in middle
    deep = page(national, f"/org/regions/{area.id}")
    assert glance_rows(deep) == ["Deep Manager"]
    assert f'<a href="/org/regions/{region.id}">Regional Director 1\'s region</a>' in deep
    assert '<span aria-current="page">Area Director&#39;s region</span>' in deep
    team = page(national, f"/org/teams/{manager.id}")
    crumbs = team[team.index('class="crumbs"') : team.index("</nav>", team.index("crumbs"))]
    assert (
        crumbs.index("Your teams")
        < crumbs.index("Regional Director 1")
        < crumbs.index("Area Director")
    )
    # The region's row counts the rep below the area too.
    now = utcnow()
    top = figures_for_children(
        db, nation.national, nation.national, CadenceFilters(), now, local_today("UTC", now)
    )
    assert top.rows[0].figures.rep_count == 5 and top.rows[0].teams == 3


def test_reps_reporting_to_a_director_have_a_row_of_their_own(
    visit: Any, nation: Nation, db: Session
) -> None:
    make_user(db, name="Stray Rep", manager_id=nation.national.id, region="Head office")
    db.commit()
    text = page(visit(nation.national), "/org")
    assert "Reporting to Nadia National" in text
    assert "1 team ·" in text  # a row, not a team


def test_who_sees_which_region(visit: Any, nation: Nation) -> None:
    one, two = nation.regions
    national = visit(nation.national)
    for region in (one, two):
        assert national.get(f"/org/regions/{region.id}").status_code == 200
    # A regional director: their region only.
    first = visit(one)
    own = page(first, "/org")
    assert glance_rows(own) == ["Manager 1.1", "Manager 1.2"]
    assert "Regional Director 2" not in own and "Manager 2.1" not in own
    assert first.get(f"/org/regions/{two.id}").status_code == 404
    assert first.get(f"/org/regions/{nation.national.id}").status_code == 404
    assert first.get(f"/org/teams/{nation.managers[two.id][0].id}").status_code == 404
    # A manager: no region at all, not even their own director's.
    manager = visit(nation.managers[one.id][0])
    assert manager.get(f"/org/regions/{one.id}").status_code == 404
    assert manager.get("/org/people?q=rep").status_code == 404
    # A rep's id is not a region.
    rep = nation.reps[nation.managers[one.id][0].id][0]
    assert national.get(f"/org/regions/{rep.id}").status_code == 404
    # The medical line and the commercial line see nothing of each other.
    medical = visit(nation.medical_director)
    assert medical.get(f"/org/regions/{one.id}").status_code == 404
    assert national.get(f"/org/regions/{nation.medical_regional.id}").status_code == 404
    medical_view = page(medical, "/org")
    assert glance_rows(medical_view) == ["Mo Medical-Region"]
    for name in ("Regional Director", "Manager 1.1", "Rep 1.1.1", "Nadia National"):
        assert name not in medical_view
    assert page(medical, f"/org/regions/{nation.medical_regional.id}")
    assert "Msl 1" not in page(national, "/org/people?q=msl")
    assert "Rep 1.1.1" not in page(medical, "/org/people?q=rep")


def test_find_anyone_below_by_name_or_email(visit: Any, nation: Nation) -> None:
    national = visit(nation.national)
    deep = nation.reps[nation.managers[nation.regions[1].id][1].id][0]
    found = page(national, "/org/people?q=rep+2.2.1")
    assert f'href="/people/{deep.id}"' in found and "reports to Manager 2.2" in found
    # Any case, by email too; managers and directors link to their team and region.
    assert f'href="/people/{deep.id}"' in page(national, f"/org/people?q={deep.email.upper()}")
    managers = page(national, "/org/people?q=MANAGER 1.")
    assert f'href="/org/teams/{nation.managers[nation.regions[0].id][0].id}"' in managers
    regions = page(national, "/org/people?q=regional")
    assert f'href="/org/regions/{nation.regions[0].id}"' in regions
    # A regional director finds nobody of the other region.
    assert "Nobody below you matches" in page(visit(nation.regions[0]), "/org/people?q=rep+2.")
    # The dashboard's form sends here; htmx gets the list alone.
    assert 'action="/org/people"' in page(national, "/org")
    fragment = national.get("/org/people?q=rep+1.1", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<ul class="list people-found"')


@pytest.mark.parametrize(
    "query",
    ["", "   ", "%", "_", "\\", "%25%00", "\x00", "'; drop table users; --", "é" * 500, "\u202e"],
)
def test_anything_typed_in_the_search_is_answered(visit: Any, nation: Nation, query: str) -> None:
    response = visit(nation.national).get("/org/people", query_string={"q": query})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    if not query.strip():
        assert "Search by name or email" in text and "people-found" not in text
    # A wildcard is a character like any other: nobody's name has one.
    if query.strip() in {"%", "_", "\\"}:
        assert "Nobody below you matches" in text


def test_filters_work_at_every_level(visit: Any, nation: Nation, db: Session) -> None:
    national = visit(nation.national)
    region = nation.regions[0]
    narrowed = page(national, f"/org/regions/{region.id}?function=key_account&period=30")
    assert "last 30 days · Key account" in narrowed
    # One key account manager per team of two reps (tests.builders.build_nation).
    assert "All 2 reps in view" in narrowed
    assert (
        f'href="/org/teams/{nation.managers[region.id][0].id}?function=key_account&amp;period=30"'
        in narrowed
    )
    # The region filter lists the regions below the node only, and narrows there too.
    assert '<option value="Region 2"' not in narrowed
    top = page(national, "/org?region=Region+2")
    assert glance_rows(top) == ["Regional Director 2"]
    assert "1 region and 0 teams" in top
    assert f"/org/regions/{nation.regions[1].id}?region=Region+2" in top
    for query in ("region=%00", "manager_id=99999999999999999999", "period=7", "function=x"):
        assert national.get(f"/org/regions/{region.id}?{query}").status_code == 200, query


def test_a_medical_manager_under_a_commercial_director_gets_no_row(
    visit: Any, nation: Nation, db: Session
) -> None:
    """Across the wall an empty team is not shown either (a director over both lines)."""
    make_user(
        db, role=Role.MANAGER, name="Walled Msl-Lead", function=Function.MSL,
        manager_id=nation.regions[0].id,
    )  # fmt: skip
    db.commit()
    text = page(visit(nation.national), f"/org/regions/{nation.regions[0].id}")
    assert "Walled Msl-Lead" not in text


def test_a_regions_exports_are_its_reps(visit: Any, nation: Nation) -> None:
    one, two = nation.regions
    national = visit(nation.national)
    text = page(national, f"/org/regions/{one.id}?period=180")
    assert f'href="/org/cadence.csv?period=180&amp;under={one.id}"' in text
    assert f'href="/org/sessions.csv?period=180&amp;under={one.id}"' in text
    assert 'href="/org/cadence.csv"' in page(national, "/org")
    reps = {rep.email for rep in nation.reps_under(one)}
    rows = csv_rows(national, f"/org/cadence.csv?under={one.id}")
    assert {row["rep_email"] for row in rows} == reps
    notes = csv_rows(national, f"/org/sessions.csv?period=180&under={one.id}")
    assert notes and {row["rep_email"] for row in notes} <= reps
    assert len(csv_rows(national, "/org/cadence.csv")) == 10
    # Narrowing to a region outside one's own finds nobody; a malformed one is ignored.
    first = visit(one)
    assert csv_rows(first, f"/org/cadence.csv?under={two.id}") == []
    assert csv_rows(first, f"/org/sessions.csv?period=180&under={two.id}") == []
    assert len(csv_rows(first, "/org/cadence.csv?under=x%00")) == 4
