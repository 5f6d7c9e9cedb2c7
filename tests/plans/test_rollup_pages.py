"""The plans list (/plans) of a director of thousands of plans: a page at a time, counted over
every plan found, found by filters and a search applied before paging, never beyond the
viewer's scope, in the same statements however many plans there are."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.models import Function, PlanStatus
from coachapp.plans import rollup
from coachapp.timezones import local_today
from tests.builders import Org, batched, make_account, make_plan, make_user
from tests.conftest import HttpsClient, signed_in

PLAN_LINK = re.compile(r'<a class="list-row" href="/plans/(\d+)">')
NEXT = re.compile(r'<a class="button" href="([^"]+)">Next plans</a>')


def plan_ids(page: str) -> list[int]:
    return [int(found) for found in PLAN_LINK.findall(page)]


def text_of(client: HttpsClient, path: str, **kw: Any) -> str:
    response = client.get(path, **kw)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def grow(db: Session, org: Org, count: int, **kw: Any) -> list[int]:
    """More plans in the director's subtree: owned by new reps of manager's, in Midwest and
    Northeast by turns, a few drafts."""
    plans = []
    with batched(db):
        reps = [make_user(db, manager=org.people["manager"]) for _ in range(4)]
        accounts = [make_account(db, region=("Midwest", "Northeast")[n % 2]) for n in range(count)]
    with batched(db):
        for n, account in enumerate(accounts):
            status = PlanStatus.DRAFT if n % 5 == 0 else PlanStatus.ACTIVE
            plans.append(make_plan(db, reps[n % 4], account=account, status=status, **kw))
    db.commit()
    return [plan.id for plan in plans]


def every_page(client: HttpsClient, path: str) -> list[list[int]]:
    """The plans of each page, following "Next plans" from `path` to the last page."""
    pages = []
    next_path: str | None = path
    while next_path:
        page = text_of(client, next_path)
        pages.append(plan_ids(page))
        found = NEXT.search(page)
        next_path = found.group(1).replace("&amp;", "&") if found else None
        assert len(pages) < 100
    return pages


def director_sees(app: Flask, db: Session, org: Org, **filters: Any) -> list[int]:
    with app.app_context():
        rows = rollup.rollup(
            db, org.people["director"], local_today(org.people["director"].timezone),
            rollup.RollupFilters(**filters),
        )  # fmt: skip
    return [row.plan.id for row in rows]


def test_pages_list_every_plan_once_in_the_rollups_order(
    app: Flask, db: Session, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rollup, "PLANS_PER_PAGE", 4)
    # Two periods of one account: the newest first, wherever a page ends.
    account = make_account(db, name="Twin Health")
    for period in ("2026-H2", "2027-H1"):
        make_plan(db, org.people["rep"], account=account, period=period)
    grow(db, org, 9)
    director = signed_in(app, org, "director")
    expected = director_sees(app, db, org)
    assert len(expected) == 2 + 2 + 9  # the org's two in the subtree, the twin periods and 9 more

    pages = every_page(director, "/plans")
    assert [len(p) for p in pages] == [4, 4, 4, 1]
    assert [plan for page in pages for plan in page] == expected
    first = text_of(director, "/plans")
    assert "13 plans" in first and "Plans 1 to 4 of 13, by account." in first
    assert "Previous plans" not in first
    last = text_of(director, "/plans?page=4")
    assert "Plans 13 to 13 of 13" in last and "Next plans" not in last
    assert "Previous plans" in last
    # Filters carried over the pages: Northeast's plans, one page after the other.
    northeast = director_sees(app, db, org, region="Northeast")
    assert [p for page in every_page(director, "/plans?region=Northeast") for p in page] == (
        northeast
    )


def test_the_lead_counts_every_plan_found_by_status(app: Flask, db: Session, org: Org) -> None:
    grow(db, org, rollup.PLANS_PER_PAGE + 10)
    make_plan(db, org.people["rep"], status=PlanStatus.ARCHIVED)
    db.commit()
    director = signed_in(app, org, "director")
    page = text_of(director, "/plans")
    live = len(director_sees(app, db, org))
    drafts = len(director_sees(app, db, org, status="draft"))
    assert live == 2 + rollup.PLANS_PER_PAGE + 10
    lead = re.sub(r"<[^>]+>", "", page[page.index('<p class="lead">') :].split("</p>")[0])
    assert lead == f"{live} plans · {drafts} draft, {live - drafts} active · 1 archived"
    assert len(plan_ids(page)) == rollup.PLANS_PER_PAGE
    assert len(plan_ids(text_of(director, "/plans?page=2"))) == live - rollup.PLANS_PER_PAGE
    archived = text_of(director, "/plans?status=archived")
    assert "1 plan</p>" in archived and len(plan_ids(archived)) == 1


@pytest.mark.parametrize(
    "query",
    [
        "page=0", "page=-1", "page=abc", "page=99999999999999", "page=%EF%BC%92", "page=",
        "page=2&page=x", "q=%00", "q=" + "x" * 5000, "q=%25", "q=_", "q=%5C", "q=%ED%A0%80",
        "region=%00", "region=" + "r" * 500, "status=bogus", "function=nope",
        "manager_id=abc", "manager_id=99999999999", "manager_id=-3",
    ],
)  # fmt: skip
def test_bad_paging_or_filters_are_ignored_never_a_500(app: Flask, org: Org, query: str) -> None:
    director = signed_in(app, org, "director")
    for path in ("/plans", "/plans.csv"):
        assert director.get(f"{path}?{query}").status_code == 200, (path, query)


def test_a_page_past_the_last_is_the_last(
    app: Flask, db: Session, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rollup, "PLANS_PER_PAGE", 2)
    director = signed_in(app, org, "director")
    last = plan_ids(text_of(director, "/plans?page=2"))  # the org's two plans: one page
    assert last == plan_ids(text_of(director, "/plans?page=999")) == plan_ids(
        text_of(director, "/plans")
    )  # fmt: skip
    assert plan_ids(text_of(director, "/plans?page=0")) == last


def test_search_finds_across_the_scope_and_never_beyond(
    app: Flask, db: Session, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rollup, "PLANS_PER_PAGE", 3)
    p = org.people
    grow(db, org, 8)
    inside = make_plan(db, p["other_rep"], account=make_account(db, name="Zephyr Medical Group"))
    # Another director's plan, and a plan of the medical line: neither the director's.
    outside = make_plan(db, p["far_rep"], account=make_account(db, name="Zephyr Health System"))
    medical = make_plan(db, p["msl"], account=make_account(db, name="Zephyr Oncology"))
    db.commit()
    director = signed_in(app, org, "director")

    found = text_of(director, "/plans?q=zephyr")
    assert plan_ids(found) == [inside.id] and "1 plan" in found
    assert plan_ids(text_of(director, "/plans?q=ZEPHYR+medical")) == [inside.id]
    # The owner's name or email finds their plans; the account's name is the last page's too.
    assert set(plan_ids(text_of(director, "/plans?q=oli+other"))) == {
        org.plans["other_rep_with_rep"].id, inside.id,
    }  # fmt: skip
    assert plan_ids(text_of(director, f"/plans?q={p['other_rep'].email}")) == plan_ids(
        text_of(director, "/plans?q=oli+other")
    )  # fmt: skip
    assert "No plans match “Zephyr Health”." in text_of(director, "/plans?q=Zephyr+Health")
    assert plan_ids(text_of(director, "/plans?q=fran+far")) == []
    assert plan_ids(text_of(director, "/plans?q=zephyr+oncology")) == []
    # The other director finds their own; the medical director finds the medical line's.
    far = signed_in(app, org, "director2")
    assert plan_ids(text_of(far, "/plans?q=zephyr")) == [outside.id]
    assert plan_ids(text_of(signed_in(app, org, "medical_director"), "/plans?q=zephyr")) == [
        medical.id
    ]
    # Wildcards are text: nobody's account is named with a % or an _.
    assert plan_ids(text_of(director, "/plans?q=%25")) == []
    assert plan_ids(text_of(director, "/plans?q=_")) == []
    # Search and filters together, before paging: every page of them, no other plan.
    midwest = director_sees(app, db, org, region="Midwest", q="health")
    assert len(midwest) > 3
    walked = every_page(director, "/plans?q=health&region=Midwest")
    assert [plan for page in walked for plan in page] == midwest


def test_filters_never_widen_the_scope(app: Flask, db: Session, org: Org) -> None:
    """A team or a region of someone else's finds nothing of theirs."""
    p = org.people
    director = signed_in(app, org, "director")
    far_team = text_of(director, f"/plans?manager_id={p['manager3'].id}")
    assert plan_ids(far_team) == [] and "0 plans" in far_team
    make_plan(db, p["far_rep"], account=make_account(db, region="Far West"))
    db.commit()
    assert plan_ids(text_of(director, "/plans?region=Far+West")) == []
    assert "Far West" not in text_of(director, "/plans")  # nor among the regions to pick


def test_as_one_types_htmx_swaps_the_plans_found_and_their_exports(app: Flask, org: Org) -> None:
    director = signed_in(app, org, "director")
    page = text_of(director, "/plans?q=health")
    # The form works without JavaScript: a GET to /plans with the text as q.
    form = page[page.index('aria-label="Filter plans"') - 120 :].split("</form>")[0]
    assert 'method="get" action="/plans"' in form and 'name="q" type="search"' in form
    assert 'value="health"' in form and 'hx-get="/plans"' in form
    fragment = text_of(director, "/plans?q=health", headers={"HX-Request": "true"})
    assert "<html" not in fragment and 'class="list plan-list"' in fragment
    assert 'id="plan-exports" class="toolbar-links" hx-swap-oob="true"' in fragment
    assert 'href="/plans.csv?q=health"' in fragment and 'href="/plans/qbr?q=health"' in fragment
    # Going back to a URL the search pushed: htmx asks for the whole page.
    restored = text_of(
        director, "/plans?q=health",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )  # fmt: skip
    assert "<html" in restored and "hx-swap-oob" not in restored


def statements(app: Flask, client: HttpsClient, path: str) -> int:
    with counting_statements(app.extensions["coachapp.db"].engine) as seen:
        assert client.get(path).status_code == 200, path
    return len(seen)


def test_the_list_its_csv_and_qbr_run_the_same_statements_however_many_plans(
    app: Flask, db: Session, org: Org
) -> None:
    """The list and the CSV: the same statements from a few plans to many pages. The QBR
    loads the plans of its page whole, and once there are more reads the others as facts
    (coachapp.plans.facts), in six statements more however many they are."""
    director = signed_in(app, org, "director")
    paths = (
        "/plans", "/plans?page=2", "/plans?q=health", "/plans?region=Midwest&function=sales",
        "/plans?status=draft", "/plans.csv",
    )  # fmt: skip
    qbr_paths = ("/plans/qbr", "/plans/qbr?page=2")
    grow(db, org, 3)  # a draft among them
    before = {path: statements(app, director, path) for path in paths}
    one_page = {path: statements(app, director, path) for path in qbr_paths}
    grow(db, org, rollup.PLANS_PER_PAGE)
    pages = {path: statements(app, director, path) for path in qbr_paths}
    assert pages == {path: count + 6 for path, count in one_page.items()}
    grow(db, org, 2 * rollup.PLANS_PER_PAGE)
    assert {path: statements(app, director, path) for path in paths} == before
    assert {path: statements(app, director, path) for path in qbr_paths} == pages
    assert len(plan_ids(text_of(director, "/plans?page=2"))) == rollup.PLANS_PER_PAGE


def test_a_reps_and_a_managers_list_is_one_page_as_before(
    app: Flask, db: Session, org: Org
) -> None:
    for who in ("rep", "manager", "director"):
        person = org.people[who]
        with app.app_context():
            rows = rollup.rollup(db, person, local_today(person.timezone))
        page = text_of(signed_in(app, org, who), "/plans")
        assert plan_ids(page) == [row.plan.id for row in rows], who
        assert 'aria-label="Pages of plans"' not in page
        assert f'<p class="lead">{len(rows)} plans' in page


def test_the_owners_function_filter_reads_the_owner(app: Flask, db: Session, org: Org) -> None:
    key_account = make_user(db, manager=org.people["manager"], function=Function.KEY_ACCOUNT)
    plan = make_plan(db, key_account)
    db.commit()
    director = signed_in(app, org, "director")
    assert plan_ids(text_of(director, "/plans?function=key_account")) == [plan.id]
    assert plan.id not in plan_ids(text_of(director, "/plans?function=sales"))


def test_the_search_box_is_part_of_the_filters_for_everyone(app: Flask, org: Org) -> None:
    page = text_of(signed_in(app, org, "rep"), "/plans")
    assert '<label for="plan-search" class="visually-hidden">Account or owner</label>' in page
    assert "New plan" in page and "Export CSV" in page and "QBR view" in page
