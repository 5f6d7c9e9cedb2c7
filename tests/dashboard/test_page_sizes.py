"""The director's dashboard stays small at every level of a national organisation: its rows
are the director's children, not every team below, with one chart each; more children than a
page holds go on over further pages. On tests.builders.build_nation."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy.orm import Session

from coachapp.dashboard.service import ROWS_PER_PAGE
from coachapp.models import User
from tests.builders import build_nation
from tests.conftest import HttpsClient, login

# DESIGN: a page a director reads on a phone, whatever the size of the organisation.
MAX_BYTES = 100_000


def signed_in(app: Flask, person: User) -> HttpsClient:
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert login(client, person.email).status_code == 302
    return client


def size(client: HttpsClient, path: str) -> tuple[int, str]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(response.get_data()), response.get_data(as_text=True)


def glance_rows(text: str) -> int:
    table = text[text.index('id="glance-heading"') : text.index("</table>")]
    return table.count('<th scope="row">')


def test_the_dashboard_stays_small_at_every_level(app: Flask, db: Session) -> None:
    """62 teams, 372 reps: 5 regions of 12 teams and 2 teams of the national director's own.
    Listed flat, the national director's page was 504 KB (195 charts); measured here, as the
    rows, 33 KB at the top, 46 KB for a region."""
    nation = build_nation(db)
    national = signed_in(app, nation.national)
    region = nation.regions[0]
    team = nation.managers[region.id][0]
    pages: dict[str, tuple[HttpsClient, str, int]] = {
        "national": (national, "/org", 7),
        "a region from above": (national, f"/org/regions/{region.id}", 12),
        "the region's own": (signed_in(app, region), "/org", 12),
        "filtered": (national, f"/org/regions/{region.id}?period=180&function=sales", 12),
    }
    for label, (client, path, rows) in pages.items():
        length, text = size(client, path)
        assert length <= MAX_BYTES, (label, length)
        assert glance_rows(text) == rows, label
        # One chart per row, four of everyone in view; a heatmap row per row, and all.
        assert text.count('<svg class="spark row-spark"') == rows, label
        assert text.count('<svg class="spark"') == 4, label
        heatmap = text[text.index('id="heatmap-heading"') :]
        assert len(re.findall(r"<tr[^>]*><th scope=\"row\">", heatmap)) == rows + 1, label
    for path in (f"/org/teams/{team.id}", f"/org/teams/{team.id}/summary", "/org/people?q=rep"):
        assert size(national, path)[0] <= MAX_BYTES, path


def test_more_children_than_a_page_holds_go_on_over_pages(app: Flask, db: Session) -> None:
    """54 children (50 regions and 4 teams, as `seed-demo --scale 50` gives the demo director):
    a page of 30 rows, then the rest; the totals are everyone's on every page."""
    nation = build_nation(db, regions=50, teams_per_region=1, reps_per_team=2, direct_teams=4)
    national = signed_in(app, nation.national)
    length, first = size(national, "/org")
    assert length <= MAX_BYTES, length
    assert glance_rows(first) == ROWS_PER_PAGE
    assert "Rows 1 to 30 of 54, by name" in first and "50 regions and 4 teams" in first
    assert 'href="/org?page=2">Next rows</a>' in first and "Previous rows" not in first
    assert "All 108 reps in view" in first
    length, second = size(national, "/org?page=2&period=30")
    assert length <= MAX_BYTES and glance_rows(second) == 24
    assert "Rows 31 to 54 of 54" in second and "All 108 reps in view" in second
    assert 'href="/org?page=1&amp;period=30">Previous rows</a>' in second
    assert ">Regional Director 10<" in first and ">Regional Director 9<" in second
    assert ">Manager 0.4<" in second  # the teams after the regions
    # A page past the last is the last; anything else is the first.
    assert "Rows 31 to 54" in size(national, "/org?page=99")[1]
    for odd in ("0", "-1", "x", "9" * 40, "%00"):
        assert "Rows 1 to 30" in size(national, f"/org?page={odd}")[1], odd
