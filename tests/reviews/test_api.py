"""Account-team reviews over JSON: a manager records one with the whole team (idempotent by
client_uuid), participants and their line managers across every line read and acknowledge it
(once), nobody else finds it; bad input is refused at the field in the JSON error shape."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.models import Account, AccountReview, FollowUp, Notification
from coachapp.timezones import local_today
from tests.api.helpers import assert_error_shape
from tests.builders import Lines
from tests.reviews.conftest import ON_THE_TEAM, RATINGS, REVIEWS, Call, review_body

# Who sees the sales manager's review with the whole team: the author, the four members and
# each one's line manager, across the medical/commercial wall.
SEES_IT = {*ON_THE_TEAM, "sales_manager", "msl_manager", "access_manager", "nurse_manager"}
DOES_NOT = {"director", "medical_director", "crossed_msl", "msl_manager2", "msl2"}


def record(call: Call, account: Account, lines: Lines, who: str = "sales_manager", **extra: Any):
    response = call(who, "POST", REVIEWS, json=review_body(account, lines, **extra))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_a_manager_records_a_review_with_the_whole_team(
    call: Call, account: Account, lines: Lines
) -> None:
    review = record(call, account, lines)
    people = lines.people
    assert review["account"] == {"id": account.id, "name": account.name}
    assert review["author"]["id"] == people["sales_manager"].id
    assert {p["user_id"] for p in review["participants"]} == {people[k].id for k in ON_THE_TEAM}
    assert review["cross_functional"] is True
    assert review["lines"] == ["sales", "market_access", "medical", "patient_services"]
    assert [(r["competency_key"], r["score"]) for r in review["ratings"]] == [
        (r["competency_key"], r["score"]) for r in RATINGS
    ]
    assert [a["owner_id"] for a in review["agreements"]] == [
        people["msl"].id,
        people["access_rep"].id,
    ]
    assert all(a["status"] == "open" for a in review["agreements"])
    # Held today on the manager's own calendar when no day is given.
    assert review["held_on"] == local_today(people["sales_manager"].timezone).isoformat()
    # The plan as it stood, and who is still to acknowledge: members and line managers.
    assert review["plan_summary"][0]["owner"] == people["rep"].name
    expected = {people[k].id for k in SEES_IT} - {people["sales_manager"].id}
    assert set(review["awaiting_acknowledgement"]) == expected


@pytest.mark.parametrize("who", sorted(SEES_IT))
def test_participants_and_their_line_managers_see_it(
    call: Call, account: Account, lines: Lines, who: str
) -> None:
    review = record(call, account, lines)
    response = call(who, "GET", f"{REVIEWS}/{review['id']}")
    assert response.status_code == 200
    listed = call(who, "GET", f"{REVIEWS}?account_id={account.id}").get_json()
    assert [item["id"] for item in listed] == [review["id"]]


@pytest.mark.parametrize("who", sorted(DOES_NOT))
def test_nobody_else_finds_it(call: Call, account: Account, lines: Lines, who: str) -> None:
    review = record(call, account, lines)
    assert_error_shape(call(who, "GET", f"{REVIEWS}/{review['id']}"), 404)
    assert call(who, "GET", REVIEWS).get_json() == []
    assert_error_shape(call(who, "POST", f"{REVIEWS}/{review['id']}/acknowledgement", json={}), 404)


def test_a_review_with_some_of_the_team_is_seen_by_them_and_their_lines(
    call: Call, account: Account, lines: Lines
) -> None:
    people = lines.people
    review = record(
        call, account, lines, "access_manager",
        participant_ids=[people["access_rep"].id, people["rep"].id], agreements=[],
    )  # fmt: skip
    assert review["cross_functional"] is True  # market access and sales
    for who in ("access_rep", "rep", "sales_manager", "access_manager"):
        assert call(who, "GET", f"{REVIEWS}/{review['id']}").status_code == 200, who
    for who in ("msl", "msl_manager", "nurse", "nurse_manager"):
        assert_error_shape(call(who, "GET", f"{REVIEWS}/{review['id']}"), 404)


def test_one_line_only_is_not_cross_functional(call: Call, account: Account, lines: Lines) -> None:
    review = record(call, account, lines, participant_ids=[lines.people["rep"].id], agreements=[])
    assert review["cross_functional"] is False and review["lines"] == ["sales"]


def test_acknowledged_once_by_each_across_lines(call: Call, account: Account, lines: Lines) -> None:
    review = record(call, account, lines)
    url = f"{REVIEWS}/{review['id']}/acknowledgement"
    first = call("msl", "POST", url, json={"comment": "Deck by the 15th."})
    assert first.status_code == 201
    again = call("msl", "POST", url, json={"comment": "A second tap"})
    assert again.status_code == 200
    acks = again.get_json()["acknowledgements"]
    assert [(a["user_id"], a["comment"]) for a in acks] == [
        (lines.people["msl"].id, "Deck by the 15th.")
    ]
    # The MSL's own line manager, on the medical side, acknowledges a commercial manager's review.
    assert call("msl_manager", "POST", url, json={}).status_code == 201
    # The author wrote it: nothing to acknowledge.
    assert_error_shape(call("sales_manager", "POST", url, json={}), 403)
    body = call("rep", "GET", f"{REVIEWS}/{review['id']}").get_json()
    assert lines.people["msl"].id not in body["awaiting_acknowledgement"]
    assert lines.people["rep"].id in body["awaiting_acknowledgement"]


def test_a_replayed_client_uuid_is_one_review(
    call: Call, account: Account, lines: Lines, db: Session
) -> None:
    client_uuid = str(uuid.uuid4())
    body = review_body(account, lines, client_uuid=client_uuid)
    first = call("sales_manager", "POST", REVIEWS, json=body)
    second = call("sales_manager", "POST", REVIEWS, json=body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert db.scalar(select(func.count()).select_from(AccountReview)) == 1
    assert (
        db.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.review_id.is_not(None)))
        == 2
    )
    # Another manager's replay of that uuid is a conflict, not their review.
    assert_error_shape(call("access_manager", "POST", REVIEWS, json=body), 409)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("director", 404),  # not a first-line manager of anyone on the team
        ("medical_director", 404),
        ("msl_manager2", 404),  # manages nobody on this account's team
        ("rep", 404),
        ("msl", 404),
    ],
)
def test_only_a_manager_of_a_member_runs_one(
    call: Call, account: Account, lines: Lines, who: str, status: int
) -> None:
    assert_error_shape(call(who, "POST", REVIEWS, json=review_body(account, lines)), status)


@pytest.mark.parametrize("who", ["msl_manager", "access_manager", "nurse_manager"])
def test_a_manager_of_any_line_runs_one(
    call: Call, account: Account, lines: Lines, who: str
) -> None:
    review = record(call, account, lines, who)
    assert review["author"]["id"] == lines.people[who].id


def _rating(key: str, **changes: Any) -> list[dict[str, Any]]:
    return [({**r, **changes} if r["competency_key"] == key else r) for r in RATINGS]


def _agreement(**changes: Any) -> dict[str, Any]:
    item = {"title": "Call the P&T chair", "owner_id": 1, "due_date": "2099-01-01"}
    item.update(changes)
    return {"agreements": [{k: v for k, v in item.items() if v is not None}]}


C3 = "team_communication"


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"plan_progress": ""}, "plan_progress"),
        ({"plan_progress": "x" * 2001}, "plan_progress"),
        ({"ratings": RATINGS[:2]}, "ratings"),
        ({"ratings": [*RATINGS, RATINGS[0]]}, "ratings"),
        ({"ratings": _rating(C3, score=5)}, "ratings.2.score"),
        ({"ratings": _rating(C3, score=None)}, "ratings.2.score"),
        ({"ratings": _rating(C3, evidence="y" * 301)}, "ratings.2.evidence"),
        ({"ratings": _rating(C3, competency_key="listens")}, "ratings.2.competency_key"),
        # One rating refused: its message alone, not mixed with the list's (never a 500).
        ({"ratings": _rating(C3, evidence=["x"])}, "ratings.2.evidence"),
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"participant_ids": []}, "participant_ids"),
        (_agreement(title=""), "agreements.0.title"),
        (_agreement(title="t" * 201), "agreements.0.title"),
        (_agreement(owner_id=None), "agreements.0.owner_id"),
        (_agreement(due_date=None), "agreements.0.due_date"),
        ({"earlier_agreements": [{"id": 1, "status": "maybe"}]}, "earlier_agreements.0.status"),
        ({"mood": "good"}, "mood"),
    ],
)
def test_bad_input_is_refused_at_the_field(
    call: Call,
    account: Account,
    lines: Lines,
    db: Session,
    changes: dict[str, Any],
    path: list[str],
) -> None:
    response = call("sales_manager", "POST", REVIEWS, json=review_body(account, lines, **changes))
    error = assert_error_shape(response, 422)
    where: Any = error["fields"]
    for part in path.split("."):
        assert part in where, (path, error)
        where = where[part]
    assert db.scalar(select(func.count()).select_from(AccountReview)) == 0


def test_people_off_the_team_are_refused_at_their_field(
    call: Call, account: Account, lines: Lines
) -> None:
    outsider = lines.people["msl2"].id
    response = call(
        "sales_manager", "POST", REVIEWS,
        json=review_body(account, lines, participant_ids=[lines.people["rep"].id, outsider]),
    )  # fmt: skip
    assert "participant_ids" in assert_error_shape(response, 422)["fields"]
    agreement = {"title": "Call", "owner_id": outsider, "due_date": "2099-01-01"}
    response = call(
        "sales_manager", "POST", REVIEWS, json=review_body(account, lines, agreements=[agreement])
    )
    assert assert_error_shape(response, 422)["fields"] == {"agreements": {"0": {"owner_id": [
        "Choose someone on the account's team."]}}}  # fmt: skip
    # The manager who runs it may own one.
    mine = {**agreement, "owner_id": lines.people["sales_manager"].id}
    assert record(call, account, lines, agreements=[mine])["agreements"][0]["owner_id"] == (
        lines.people["sales_manager"].id
    )


def test_a_due_date_before_the_review_is_refused(
    call: Call, account: Account, lines: Lines
) -> None:
    agreement = {"title": "Call", "owner_id": lines.people["rep"].id, "due_date": "2020-01-01"}
    response = call(
        "sales_manager", "POST", REVIEWS, json=review_body(account, lines, agreements=[agreement])
    )
    assert "due_date" in assert_error_shape(response, 422)["fields"]["agreements"]["0"]


def test_agreements_are_their_owners_follow_ups(call: Call, account: Account, lines: Lines) -> None:
    review = record(call, account, lines)
    msl_agreement, access_agreement = review["agreements"]
    msl_list = call("msl", "GET", "/api/v1/follow-ups?status=open").get_json()
    assert msl_agreement["id"] in {f["id"] for f in msl_list}
    assert access_agreement["id"] not in {f["id"] for f in msl_list}  # a teammate's is not theirs
    access_list = call("access_rep", "GET", "/api/v1/follow-ups?status=open").get_json()
    assert access_agreement["id"] in {f["id"] for f in access_list}
    # The owner marks it done; a teammate who took part may read it but not change it.
    url = f"/api/v1/follow-ups/{msl_agreement['id']}"
    assert_error_shape(call("rep", "PATCH", url, json={"status": "done"}), 403)
    done = call("msl", "PATCH", url, json={"status": "done"})
    assert done.status_code == 200, done.get_data(as_text=True)
    after = call("rep", "GET", f"{REVIEWS}/{review['id']}").get_json()
    assert after["agreements"][0]["status"] == "done"


def test_open_agreements_come_back_at_the_next_review(
    call: Call, account: Account, lines: Lines
) -> None:
    first = record(call, account, lines)
    kept, closed = first["agreements"]
    second = record(
        call, account, lines, "msl_manager", agreements=[],
        earlier_agreements=[{"id": closed["id"], "status": "done"}],
    )  # fmt: skip
    outcomes = {e["id"]: (e["outcome"], e["status"]) for e in second["earlier_agreements"]}
    assert outcomes == {kept["id"]: ("open", "open"), closed["id"]: ("done", "done")}
    # The one carried forward comes back again; the one closed does not.
    third = record(call, account, lines, agreements=[])
    assert [e["id"] for e in third["earlier_agreements"]] == [kept["id"]]
    # An id that is not an open agreement of this account is refused.
    again = [{"id": closed["id"], "status": "done"}]
    response = call(
        "sales_manager", "POST", REVIEWS, json=review_body(account, lines, earlier_agreements=again)
    )
    assert "earlier_agreements" in assert_error_shape(response, 422)["fields"]


def test_participants_and_line_managers_are_asked_to_acknowledge(
    call: Call, account: Account, lines: Lines, db: Session
) -> None:
    review = record(call, account, lines)
    asked = db.scalars(
        select(Notification.recipient_id).where(Notification.kind == "review_to_acknowledge")
    ).all()
    people = lines.people
    assert sorted(asked) == sorted(people[k].id for k in SEES_IT if k != "sales_manager")
    inbox = call("nurse", "GET", "/api/v1/notifications").get_json()["items"]
    (nudge,) = [n for n in inbox if n["kind"] == "review_to_acknowledge"]
    assert nudge["url"] == f"/reviews/{review['id']}" and account.name in nudge["title"]
    # Acknowledging reads it.
    call("nurse", "POST", f"/api/v1/reviews/{review['id']}/acknowledgement", json={})
    inbox = call("nurse", "GET", "/api/v1/notifications").get_json()["items"]
    assert [n["read_at"] is not None for n in inbox if n["kind"] == "review_to_acknowledge"] == [
        True
    ]


def test_the_openapi_document_lists_the_review_endpoints(call: Call) -> None:
    spec = call("rep", "GET", "/api/v1/openapi.json").get_json()
    for path in (REVIEWS, REVIEWS + "/{review_id}", REVIEWS + "/{review_id}/acknowledgement"):
        assert path in spec["paths"], path
