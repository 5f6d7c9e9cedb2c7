"""Every list of the API comes in pages (coachapp.api.paging, docs/contract.md "Paging"):
walking them from the first page by their next links gives the whole list once, in its
order, even while rows are added between two pages; the limit has its bounds, a cursor the
API did not give is a 422 at `cursor`, and every page keeps to the caller's scope."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from coachapp.models import (
    GoalActual,
    PlanGoal,
    PlannedRideAlong,
    PlanTeamMember,
    PushSubscription,
    Role,
    User,
)
from coachapp.plans import contributions
from coachapp.ride_alongs import calendar
from coachapp.ride_alongs import service as ride_alongs
from tests.api.helpers import Call, api_caller, assert_error_shape
from tests.builders import (
    Org,
    make_account,
    make_coach_note,
    make_follow_up,
    make_guide_version,
    make_note,
    make_notification,
    make_observation,
    make_plan,
    make_user,
)
from tests.conftest import HttpsClient

NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')
RATINGS = [
    {"competency_key": "cross_functional_collaboration", "score": 3, "evidence": "MSL briefed"},
    {"competency_key": "account_team_coordination", "score": 2, "evidence": ""},
    {"competency_key": "team_communication", "score": 4, "evidence": "One thread, daily"},
]


@dataclass
class World:
    """The org, the API as any of its people, and the parents some lists hang off."""

    db: Session
    org: Org
    call: Call
    goal: PlanGoal
    ride: PlannedRideAlong
    made: Counter[str]

    def person(self, who: str) -> Any:
        return self.org.people[who]

    def next_number(self, what: str) -> int:
        self.made[what] += 1
        return self.made[what]


@dataclass(frozen=True)
class Listing:
    """A list of the API: who reads it, where, how to add one more row they see in it, and
    the field naming a row. `ordered`: one order over all its pages (the cadence rows and
    the account teams are cut by a stable key but keep their figures' order within a page)."""

    who: str
    path: Callable[[World], str]
    add: Callable[[World], None]
    key: str = "id"
    items: Callable[[Any], list[Any]] = lambda body: body
    ordered: bool = True


def _new_rep(w: World) -> None:
    n = w.next_number("rep")
    make_user(w.db, name=f"Paged Rep {n:02}", manager=w.person("manager"))


def _new_manager(w: World) -> None:
    n = w.next_number("manager")
    make_user(w.db, role=Role.MANAGER, name=f"Paged Manager {n:02}", manager=w.person("director"))


def _new_note(w: World) -> None:
    version = w.org.notes["shared"].guide_version
    n = w.next_number("note")
    occurred = dt.date.today() - dt.timedelta(days=n % 5)
    make_note(
        w.db, w.person("manager"), w.person("rep2"), guide_version=version, occurred_on=occurred
    )


def _new_follow_up(w: World) -> None:
    n = w.next_number("follow_up")
    due = dt.date.today() + dt.timedelta(days=n % 4)
    make_follow_up(w.db, w.person("rep2"), w.person("manager"), title=f"Paged {n}", due_date=due)


def _new_observation(w: World) -> None:
    version = w.org.notes["shared"].guide_version
    competency = version.sections[0].competencies[0]
    account = w.org.plans["rep"].account
    make_observation(w.db, w.person("director2"), w.person("rep"), account, competency)


def _new_review(w: World) -> None:
    n = w.next_number("review")
    answer = w.call("manager", "POST", "/api/v1/reviews", json={
        "account_id": w.org.plans["rep"].account_id,
        "held_on": (dt.date.today() - dt.timedelta(days=n % 3)).isoformat(),
        "plan_progress": f"Review {n}: the P&T chair wants outcomes data.",
        "ratings": RATINGS,
    })  # fmt: skip
    assert answer.status_code == 201, answer.get_json()


def _new_ride(w: World) -> None:
    n = w.next_number("ride")
    day = dt.date.today() + dt.timedelta(days=n)
    calendar.plan_ride_along(w.db, w.person("manager"), w.person("rep2").id, day, dt.date.today())


def _new_call(w: World) -> None:
    n = w.next_number("call")
    body = {"account_name": f"Corner pharmacy {n}", "evidence": "Left the dossier", "ratings": []}
    ride_alongs.capture_call(w.db, w.person("manager"), w.ride.id, body)


def _new_plan(w: World) -> None:
    make_plan(w.db, w.person("rep"), account=make_account(w.db, name=_account_name(w)))


def _account_name(w: World) -> str:
    return f"Paged Account {w.next_number('account'):02}"


def _new_insight(w: World) -> None:
    n = w.next_number("insight")
    body = {"area": "clinical", "text": f"Insight {n}", "client_uuid": uuid.uuid4()}
    contributions.add_insight(w.db, w.person("rep"), w.org.plans["rep"].id, body)


def _new_comment(w: World) -> None:
    n = w.next_number("comment")
    body = {"body": f"Comment {n}", "client_uuid": uuid.uuid4()}
    contributions.add_comment(w.db, w.person("rep"), w.org.plans["rep"].id, body)


def _new_actual(w: World) -> None:
    n = w.next_number("actual")
    w.db.add(GoalActual(goal_id=w.goal.id, measured_on=dt.date(2026, 1, 1 + n % 3), value=n))


def _new_member(w: World) -> None:
    n = w.next_number("member")
    member = make_user(w.db, name=f"Paged Member {n:02}", manager=w.person("manager"))
    w.db.add(PlanTeamMember(plan_id=w.org.plans["rep"].id, user_id=member.id))


def _new_device(w: World) -> None:
    n = w.next_number("device")
    w.db.add(PushSubscription(
        user_id=w.person("manager").id, endpoint=f"https://93.184.216.34/push/{n}",
        p256dh="x", auth="y",
    ))  # fmt: skip


LISTINGS = {
    "reps": Listing("manager", lambda w: "/api/v1/reps", _new_rep),
    "cadence": Listing(
        "manager", lambda w: "/api/v1/cadence", _new_rep, key="rep_id", ordered=False
    ),
    "cadence teams": Listing(
        "director", lambda w: "/api/v1/cadence/teams", _new_manager, key="manager_id"
    ),
    "cadence quality": Listing(
        "director", lambda w: "/api/v1/cadence/quality", _new_manager, key="manager_id"
    ),
    "coaching sessions": Listing("manager", lambda w: "/api/v1/coaching-sessions", _new_note),
    "follow-ups": Listing("manager", lambda w: "/api/v1/follow-ups", _new_follow_up),
    "notifications": Listing(
        "manager",
        lambda w: "/api/v1/notifications",
        lambda w: make_notification(w.db, w.person("manager")),
        items=lambda body: body["items"],
    ),
    "observations": Listing("manager", lambda w: "/api/v1/observations", _new_observation),
    "reviews": Listing("manager", lambda w: "/api/v1/reviews", _new_review),
    "coach-the-coach notes": Listing(
        "director",
        lambda w: "/api/v1/coach-the-coach-notes",
        lambda w: make_coach_note(w.db, w.person("director"), w.person("manager")),
    ),
    "ride-alongs": Listing("manager", lambda w: "/api/v1/ride-alongs", _new_ride),
    "calls": Listing("manager", lambda w: f"/api/v1/ride-alongs/{w.ride.id}/calls", _new_call),
    "plans": Listing("manager", lambda w: "/api/v1/account-plans", _new_plan),
    "plans of a rep": Listing(
        "manager", lambda w: f"/api/v1/reps/{w.person('rep').id}/account-plans", _new_plan
    ),
    "insights": Listing(
        "rep", lambda w: f"/api/v1/account-plans/{w.org.plans['rep'].id}/insights", _new_insight
    ),
    "comments": Listing(
        "rep", lambda w: f"/api/v1/account-plans/{w.org.plans['rep'].id}/comments", _new_comment
    ),
    "actuals": Listing("rep", lambda w: f"/api/v1/goals/{w.goal.id}/actuals", _new_actual),
    "impact": Listing("manager", lambda w: "/api/v1/impact?group_by=account", _new_plan, key="key"),
    "account team": Listing(
        "manager",
        lambda w: f"/api/v1/accounts/{w.org.plans['rep'].account_id}/team",
        _new_member,
        key="user_id",
    ),
    "guides": Listing("manager", lambda w: "/api/v1/guides", lambda w: make_guide_version(w.db)),
    "devices": Listing("manager", lambda w: "/api/v1/push-subscriptions", _new_device),
    "account teams": Listing(
        "manager",
        lambda w: "/api/v1/account-teams",
        _new_plan,
        key="account_id",
        items=lambda body: body["accounts"],
        ordered=False,
    ),
}


@pytest.fixture
def world(app: Flask, client: HttpsClient, db: Session, org: Org) -> World:
    goal = PlanGoal(plan_id=org.plans["rep"].id, title="More patients on therapy", target=50.0)
    db.add(goal)
    db.commit()
    ride = calendar.plan_ride_along(
        db, org.people["manager"], org.people["rep"].id, dt.date.today(), dt.date.today()
    )
    db.commit()
    return World(db, org, api_caller(app, client, db, org), goal, ride, Counter())


def _with(path: str, **args: Any) -> str:
    return path + ("&" if "?" in path else "?") + "&".join(f"{k}={v}" for k, v in args.items())


def _page(w: World, listing: Listing, url: str) -> tuple[list[Any], str | None]:
    answer = w.call(listing.who, "GET", url)
    assert answer.status_code == 200, (url, answer.get_json())
    link = answer.headers.get("Link")
    found = NEXT.match(link) if link else None
    assert link is None or found, link
    next_url = found.group("url") if found else None
    body = answer.get_json()
    if isinstance(body, dict):
        assert body["next"] == next_url
    return [item[listing.key] for item in listing.items(body)], next_url


def _everything(w: World, listing: Listing) -> list[Any]:
    """The whole list in one page (each test keeps it under the maximum)."""
    rows, next_url = _page(w, listing, _with(listing.path(w), limit=MAX_LIMIT))
    assert next_url is None
    return rows


def _walk(
    w: World, listing: Listing, limit: int, between: Callable[[], None] | None = None
) -> list[list[Any]]:
    pages: list[list[Any]] = []
    url: str | None = _with(listing.path(w), limit=limit)
    while url is not None:
        rows, url = _page(w, listing, url)
        pages.append(rows)
        assert len(rows) <= limit
        if between is not None:
            between()
            w.db.commit()
        assert len(pages) < 100, "the pages never end"
    return pages


def _grow(w: World, listing: Listing, rows: int) -> None:
    for _ in range(rows):
        listing.add(w)
    w.db.commit()


@pytest.mark.parametrize("name", LISTINGS)
def test_walking_the_pages_gives_the_whole_list_once(world: World, name: str) -> None:
    listing = LISTINGS[name]
    _grow(world, listing, 5)
    whole = _everything(world, listing)
    assert len(whole) >= 5 and len(set(whole)) == len(whole)
    pages = _walk(world, listing, limit=2)
    walked = [row for page in pages for row in page]
    assert len(pages) == -(-len(whole) // 2)
    if listing.ordered:
        assert walked == whole
    else:
        assert sorted(walked, key=str) == sorted(whole, key=str)
    # Without a limit: the first page of the default size.
    first, _ = _page(world, listing, listing.path(world))
    assert first == whole[:DEFAULT_LIMIT] or not listing.ordered


@pytest.mark.parametrize("name", LISTINGS)
def test_rows_added_between_pages_cause_no_gap_and_no_repeat(world: World, name: str) -> None:
    listing = LISTINGS[name]
    _grow(world, listing, 5)
    before = _everything(world, listing)
    walked = [row for page in _walk(world, listing, 2, lambda: listing.add(world)) for row in page]
    after = _everything(world, listing)
    assert len(after) > len(before), "rows were added while walking"
    assert len(set(walked)) == len(walked), f"repeated: {walked}"
    assert set(before) <= set(walked) <= set(after)


def test_a_rep_coached_between_pages_of_cadence_is_met_once(world: World) -> None:
    """Cadence rows change with every note; the pages are cut by rep, so coaching someone
    already listed (who then needs coaching later) or not yet listed moves nobody across the
    cut. Within a page, who needs coaching next still comes first."""
    listing = LISTINGS["cadence"]
    _grow(world, listing, 6)
    whole = _everything(world, listing)
    reps = iter(sorted(whole, reverse=True))

    def coach_someone() -> None:
        rep_id = next(reps)
        version = world.org.notes["shared"].guide_version
        rep = world.db.get(User, rep_id)
        make_note(world.db, world.person("manager"), rep, guide_version=version)

    pages = _walk(world, listing, 2, coach_someone)
    walked = [row for page in pages for row in page]
    assert sorted(walked) == sorted(whole)
    first = world.call("manager", "GET", "/api/v1/cadence?limit=3").get_json()
    urgency = [(row["status"] != "never", row["next_due_on"] or "") for row in first]
    assert urgency == sorted(urgency)


def test_the_next_link_keeps_the_path_and_the_filters(world: World) -> None:
    _grow(world, LISTINGS["reps"], 3)
    answer = world.call("director", "GET", "/api/v1/cadence?window_days=30&region=&limit=2")
    url = NEXT.match(answer.headers["Link"]).group("url")  # type: ignore[union-attr]
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "localhost", "/api/v1/cadence")
    query = parse_qs(parts.query, keep_blank_values=True)
    assert query["window_days"] == ["30"] and query["region"] == [""] and query["limit"] == ["2"]
    assert len(query["cursor"]) == 1
    again = world.call("director", "GET", url)
    assert {row["window_days"] for row in again.get_json()} == {30}
    last = world.call("director", "GET", "/api/v1/cadence?limit=200")
    assert "Link" not in last.headers


LIMITS_OUT_OF_BOUNDS = ["0", "-1", str(MAX_LIMIT + 1), "ten", "2.5", ""]


@pytest.mark.parametrize("name", ["reps", "cadence", "notifications", "account teams", "guides"])
def test_a_limit_out_of_bounds_is_a_field_error(world: World, name: str) -> None:
    listing = LISTINGS[name]
    for limit in LIMITS_OUT_OF_BOUNDS:
        answer = world.call(listing.who, "GET", _with(listing.path(world), limit=limit))
        assert set(assert_error_shape(answer, 422)["fields"]) == {"limit"}, limit


def _cursor(keys: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(keys).encode()).decode().rstrip("=")


BAD_CURSORS = [
    "!!",
    "e30",  # {}
    _cursor([]),
    _cursor([[1]]),
    _cursor([1.5]),
    _cursor(None),
    "not-base64-json",
    "A" * 2000,
    _cursor(["\u0000", 1]),
    _cursor([2**40, 1]),
    _cursor(["x", "y", "z", "w", "v"]),
]


@pytest.mark.parametrize("name", LISTINGS)
def test_a_cursor_the_api_did_not_give_is_a_field_error(world: World, name: str) -> None:
    listing = LISTINGS[name]
    for cursor in BAD_CURSORS:
        answer = world.call(listing.who, "GET", _with(listing.path(world), cursor=cursor))
        assert set(assert_error_shape(answer, 422)["fields"]) == {"cursor"}, cursor


def test_a_cursor_of_another_list_is_a_field_error(world: World) -> None:
    _grow(world, LISTINGS["reps"], 3)
    answer = world.call("manager", "GET", "/api/v1/reps?limit=1")
    cursor = parse_qs(urlsplit(NEXT.match(answer.headers["Link"]).group("url")).query)["cursor"]  # type: ignore[union-attr]
    for path in ("/api/v1/coaching-sessions", "/api/v1/cadence", "/api/v1/follow-ups"):
        error = assert_error_shape(world.call("manager", "GET", _with(path, cursor=cursor[0])), 422)
        assert set(error["fields"]) == {"cursor"}


SCOPED = ["reps", "cadence", "coaching sessions", "follow-ups", "plans", "observations"]


@pytest.mark.parametrize("name", SCOPED)
def test_every_page_keeps_to_the_callers_scope(world: World, name: str) -> None:
    """manager2 walks the list one row a page, from the start and from the cursors of
    manager's walk: never a row of manager's team that manager2 may not see."""
    listing = LISTINGS[name]
    _grow(world, listing, 4)
    theirs = set(_everything(world, listing))
    other = Listing("manager2", listing.path, listing.add, listing.key, listing.items)
    own = set(_everything(world, other))
    assert theirs - own, "manager's list has rows manager2 may not see"
    assert {row for page in _walk(world, other, limit=1) for row in page} == own
    url: str | None = _with(listing.path(world), limit=1)
    while url is not None:
        answer = world.call("manager", "GET", url)
        link = answer.headers.get("Link")
        url = NEXT.match(link).group("url") if link else None  # type: ignore[union-attr]
        if url is not None:
            rows, _ = _page(world, other, url)
            assert set(rows) <= own


def test_an_object_answer_carries_next_and_keeps_its_totals(world: World) -> None:
    _grow(world, LISTINGS["account teams"], 4)
    whole = world.call("manager", "GET", "/api/v1/account-teams?limit=200").get_json()
    first = world.call("manager", "GET", "/api/v1/account-teams?limit=2")
    body = first.get_json()
    assert len(body["accounts"]) == 2 and body["next"]
    assert first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    for total in ("accounts_total", "accounts_with_cross_functional_review", "reviews"):
        assert body[total] == whole[total]
    assert whole["next"] is None and whole["accounts_total"] == len(whole["accounts"])


def test_the_inbox_still_takes_before(world: World) -> None:
    _grow(world, LISTINGS["notifications"], 5)
    whole = [
        n["id"] for n in world.call("manager", "GET", "/api/v1/notifications").get_json()["items"]
    ]
    older = world.call("manager", "GET", f"/api/v1/notifications?before={whole[1]}&limit=2")
    body = older.get_json()
    assert [n["id"] for n in body["items"]] == whole[2:4]
    rest, _ = _page(world, LISTINGS["notifications"], body["next"])
    assert rest == whole[4:6]
