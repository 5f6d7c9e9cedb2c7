"""The director's dashboard, the drill-down, the printable summary, the manager's Team page and
the CSV exports, on the known history of tests/dashboard/history.py at its fixed clock."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from sqlalchemy.orm import Session

from coachapp.security import CONTENT_SECURITY_POLICY
from tests.conftest import HttpsClient
from tests.dashboard.history import History

SignIn = Callable[[str], HttpsClient]


def page(client: HttpsClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def csv_rows(client: HttpsClient, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


# The dashboard ------------------------------------------------------------------------------


def test_one_row_per_manager_with_their_teams_figures(sign_in: SignIn, h: History) -> None:
    text = page(sign_in("director"), "/org")
    assert "3 teams · coaching cadence as of 10 March" in text
    glance = section(text, "Teams at a glance", "</table>")
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", glance, re.S)
    assert [re.sub(r"<[^>]+>", "", r).split()[0:2] for r in rows] == [
        ["Alma", "Able"], ["Bo", "Baker"], ["Cy", "Gone"],
    ]  # fmt: skip
    alma = rows[0]
    # 3 of 5 within target; 6 notes, 3 ride-alongs; follow-ups 1 of 4 done, 3 overdue;
    # 5 of 6 notes acknowledged (83%), median 10 h.
    for figure in ("60%", "3 of 5", ">6<", "3 ride-alongs", "25%", "3 overdue", "83%", "10 h"):
        assert figure in alma, figure
    assert "deactivated" in rows[2]


def test_due_next_lists_who_needs_coaching_with_links_down_to_the_note(
    sign_in: SignIn, h: History
) -> None:
    director = sign_in("director")
    text = page(director, "/org")
    alma = section(text, 'id="team-' + str(h["manager_a"].id) + '"', "</section>")
    due_next = section(alma, "Due next", "</ul>")
    assert due_next.index("Ben Blank") < due_next.index("Dan Due") < due_next.index("Cat Coast")
    assert "Ana Ahead" not in due_next  # on track
    team_url = f"/org/teams/{h['manager_a'].id}"
    assert f'href="{team_url}"' in alma
    # Director → manager → rep → note.
    team = page(director, team_url)
    assert f'href="/people/{h["ana"].id}"' in team
    rep_page = page(director, f"/people/{h['ana'].id}")
    note = h.notes["ana_mar"]
    assert f'href="/notes/{note.id}"' in rep_page
    assert page(director, f"/notes/{note.id}")
    # The draft stays its author's.
    assert f'href="/notes/{h.notes["ana_draft"].id}"' not in rep_page


def test_trends_are_inline_svg_without_inline_style_or_script(sign_in: SignIn) -> None:
    response = sign_in("director").get("/org")
    text = response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY
    charts = re.findall(r"<svg class=\"spark\".*?</svg>", text, re.S)
    # The overall three and the rating gap, a bar per week each.
    assert len(charts) == 4
    for chart in charts:
        assert 'role="img"' in chart and "<title id=" in chart
        assert chart.count("<rect") == 13
    assert "Conversations per week, weeks ending" in text
    # One chart per row, whose: its weekly conversations, the bars drawn as one path.
    rows = re.findall(r"<svg class=\"spark row-spark\".*?</svg>", text, re.S)
    assert len(rows) == 3
    assert "<title>Alma Able: conversations per week, weeks ending" in rows[0]
    assert rows[0].count("<path") in (1, 2) and "<rect" not in rows[0]
    assert " style=" not in text and "<script>" not in text
    assert "<script" not in text.split("</head>")[1]


def test_the_heatmap_is_honest_about_too_few_ratings(sign_in: SignIn) -> None:
    text = page(sign_in("director"), "/org")
    heatmap = section(text, "Competency ratings by team", "</table>")
    assert "Shares the plan" in heatmap and "Listens" in heatmap
    # A row per team, a column per competency (Shares the plan, Listens), then all teams.
    alma, bo, cy, every = re.findall(r"<tr[^>]*><th scope=\"row\">(.*?)</tr>", heatmap)
    assert alma.startswith("Alma Able</th>")
    assert '<td class="heat-3">3.2<small>6</small></td>' in alma
    assert '<td class="heat-few">too few<small>1</small></td>' in bo
    assert cy.endswith("<td>\u2013</td>")  # no rating: a dash
    assert every.startswith("All</th>")
    assert "Fewer than 5 ratings are too few to average." in heatmap


def test_filters_by_period_region_and_function(sign_in: SignIn, h: History) -> None:
    director = sign_in("director")
    southeast = page(director, "/org?region=Southeast")
    assert "1 team · " in southeast and "Alma Able" in southeast and "Bo Baker" not in southeast
    assert '<option value="Southeast" selected>' in southeast
    msl = page(director, "/org?function=reimbursement&period=30")
    assert "last 30 days · Reimbursement" in msl
    assert '<option value="30" selected>' in msl
    # Links keep the filters.
    assert f"/org/teams/{h['manager_a'].id}?function=reimbursement&amp;period=30" in msl
    # A filter that means nothing is ignored, not an error.
    odd = page(director, "/org?period=7&function=pilot&region=" + "x" * 200)
    assert "last 90 days" in odd
    for path in (
        "/org",
        "/org/cadence.csv",
        "/org/sessions.csv",
        f"/org/teams/{h['manager_a'].id}",
    ):
        for query in ("region=%00", "manager_id=99999999999999999999", "manager_id=-1"):
            assert director.get(f"{path}?{query}").status_code == 200, (path, query)


def test_a_director_sees_nothing_outside_their_subtree(sign_in: SignIn, h: History) -> None:
    director = sign_in("director")
    seen = "".join(
        director.get(path).get_data(as_text=True)
        for path in ("/org", "/org/cadence.csv", "/org/sessions.csv?period=180", "/api/v1/cadence")
    )
    for outsider in ("Ivy Far", h["ivy"].email, "Far Manager", h["manager_far"].email):
        assert outsider not in seen
    assert director.get(f"/org/teams/{h['manager_far'].id}").status_code == 404
    assert director.get(f"/org/teams/{h['manager_far'].id}/summary").status_code == 404
    # Filtering by someone else's manager finds nobody.
    assert not csv_rows(director, f"/org/cadence.csv?manager_id={h['manager_far'].id}")
    assert director.get(f"/api/v1/cadence?manager_id={h['manager_far'].id}").get_json() == []
    # And the other director sees only their own.
    other = sign_in("director2")
    assert [r["rep_name"] for r in csv_rows(other, "/org/cadence.csv")] == ["Ivy Far"]


def test_drill_down_to_a_team_rep_by_rep(sign_in: SignIn, h: History) -> None:
    text = page(sign_in("director"), f"/org/teams/{h['manager_a'].id}")
    assert "Alma Able's team" in text
    reps = section(text, 'id="reps-heading"', "</ul>")
    order = [reps.index(name) for name in ("Ben Blank", "Dan Due", "Cat Coast", "Eve Moved")]
    assert order == sorted(order)
    ana = section(reps, "Ana Ahead", "</li>")
    assert "Last coached <time" in ana and "(7 days ago)" in ana and "Due in 7 days" in ana
    assert "3 conversations in 90 days" in ana and "ride-along 14 days ago" in ana
    assert "3 open follow-ups" in ana and "2 overdue" in ana
    assert "3 of 3 notes acknowledged, median 10 h" in ana
    assert "Focus: Shares the plan" in ana
    assert "Fay Former" not in text  # deactivated


def test_printable_team_summary(sign_in: SignIn, h: History) -> None:
    path = f"/org/teams/{h['manager_a'].id}/summary"
    text = page(sign_in("director"), path)
    assert "Alma Able's team" in text and "print" in text
    table = section(text, '<table class="summary-table">', "</table>")
    assert table.count("<tr class=") == 5
    ana = section(table, "Ana Ahead", "</tr>")
    assert "3 Mar" in ana and "7 d ago" in ana and "Due in 7 days" in ana
    assert '"Talks">3</td>' in ana and 'late">3 / 2</td>' in ana and "100%" in ana
    # A manager prints their own team, and no one else's.
    assert page(sign_in("manager_a"), path)
    assert sign_in("manager_b").get(path).status_code == 404


def test_a_deactivated_managers_team_is_still_shown(sign_in: SignIn, h: History) -> None:
    text = page(sign_in("director"), f"/org/teams/{h['manager_c'].id}")
    assert "manager deactivated" in text and "Hal Orphan" in text


# The manager's Team page -----------------------------------------------------------------------


def test_team_page_shows_the_same_figures_who_needs_coaching_next_first(
    sign_in: SignIn, h: History
) -> None:
    manager = sign_in("manager_a")
    text = page(manager, "/team")
    names = re.findall(r'<span class="list-title">([^<]+)</span>', text)
    assert names == ["Ben Blank", "Dan Due", "Cat Coast", "Eve Moved", "Ana Ahead"]
    ana = section(text, "Ana Ahead", "</li>")
    assert "3 of 3 notes acknowledged, median 10 h" in ana
    drill = page(sign_in("director"), f"/org/teams/{h['manager_a'].id}")
    # The director's drill-down shows exactly the same figures for Ana.
    figures = re.findall(r'<span class="list-meta">(.*?)</span>\n', ana)
    for line in figures[1:]:
        assert line in drill
    assert "Last 30 days" in text
    shorter = page(manager, "/team?period=30")
    assert "2 conversations in 30 days" in section(shorter, "Ana Ahead", "</li>")
    fragment = manager.get("/team?period=30", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith("<ul")


# Exports -------------------------------------------------------------------------------------


def test_cadence_csv_has_the_figures_of_the_pages_and_the_api(sign_in: SignIn, h: History) -> None:
    director = sign_in("director")
    rows = {r["rep_name"]: r for r in csv_rows(director, "/org/cadence.csv")}
    assert set(rows) == {
        "Ana Ahead", "Ben Blank", "Cat Coast", "Dan Due", "Eve Moved", "Gus Good", "Hal Orphan",
    }  # fmt: skip
    ana = rows["Ana Ahead"]
    assert ana["manager_name"] == "Alma Able" and ana["region"] == "Northeast"
    assert (ana["status"], ana["last_coached_on"], ana["days_since_last"]) == (
        "on_track", "2026-03-03", "7",
    )  # fmt: skip
    assert (ana["window_start"], ana["window_end"], ana["sessions_in_window"]) == (
        "2025-12-11", "2026-03-10", "3",
    )  # fmt: skip
    assert (ana["open_follow_ups"], ana["overdue_follow_ups"]) == ("3", "2")
    assert (ana["acknowledged_share"], ana["median_hours_to_acknowledge"]) == ("1.000", "10.0")
    assert ana["focus_competencies"] == "Shares the plan"
    assert rows["Ben Blank"]["last_coached_on"] == "" and rows["Ben Blank"]["status"] == "never"
    api = {r["rep_name"]: r for r in director.get("/api/v1/cadence").get_json()}
    for name, row in rows.items():
        item = api[name]
        assert row["status"] == item["status"]
        assert row["days_since_last"] == (
            "" if item["days_since_last"] is None else str(item["days_since_last"])
        )
        assert int(row["sessions_in_window"]) == item["sessions_in_window"]
        assert int(row["overdue_follow_ups"]) == item["overdue_follow_ups"]
    narrowed = csv_rows(director, "/org/cadence.csv?region=Midwest&period=30")
    assert {r["rep_name"] for r in narrowed} == {"Gus Good", "Hal Orphan"}
    assert narrowed[0]["window_start"] == "2026-02-09"


def test_sessions_csv_never_has_private_notes_or_others_drafts(
    sign_in: SignIn, h: History, db: Session
) -> None:
    note = h.notes["ana_mar"]
    note.strengths = '=HYPERLINK("https://evil.example","click")'
    db.commit()
    director = sign_in("director")
    response = director.get("/org/sessions.csv?period=180")
    text = response.get_data(as_text=True)
    assert "PRIVATE-NOTE-MARKER" not in text and "private" not in text.splitlines()[0]
    rows = list(csv.DictReader(io.StringIO(text)))
    ids = {int(r["session_id"]) for r in rows}
    s = h.notes
    assert {s["ana_mar"].id, s["ana_feb"].id, s["eve_mar"].id, s["gus_mar"].id} <= ids
    assert not ids & {s["ana_draft"].id, s["ben_draft"].id}  # drafts are their author's
    assert s["ivy_mar"].id not in ids  # outside the subtree
    assert s["ana_future"].id not in ids  # dated after today
    assert s["ana_old"].id in ids  # 1 December is within 180 days
    by_id = {int(r["session_id"]): r for r in rows}
    mar = by_id[s["ana_mar"].id]
    assert mar["strengths"].startswith("'=HYPERLINK")  # no formula in a spreadsheet
    assert (mar["status"], mar["hours_to_acknowledge"], mar["ratings_given"]) == (
        "acknowledged", "48.0", "2",
    )  # fmt: skip
    assert mar["average_rating"] == "3.00" and "Shares the plan: 4" in mar["ratings"]
    # Within 90 days (the default) the note of 1 December is left out.
    recent = {int(r["session_id"]) for r in csv_rows(director, "/org/sessions.csv")}
    assert s["ana_old"].id not in recent
    # The author sees their own draft in their export; another manager does not.
    own = {int(r["session_id"]) for r in csv_rows(sign_in("manager_a"), "/org/sessions.csv")}
    assert s["ana_draft"].id in own and s["gus_mar"].id not in own
    other = {int(r["session_id"]) for r in csv_rows(sign_in("manager_b"), "/org/sessions.csv")}
    assert s["ana_draft"].id not in other
    # manager_b wrote Eve's note before she moved: it stays theirs to read.
    assert s["eve_mar"].id in other
