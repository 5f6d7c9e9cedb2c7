"""Every member of an account team contributes to its plan, whatever line they report up:
insights per profiling area (owner-approved when the owner wants) and comments, on the page
and over the API, exactly once, with clear field errors and an audit trail."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.models import AccountPlan, AuditEvent, InsightStatus, PlanComment, PlanInsight, User
from tests.builders import PASSWORD, Lines
from tests.conftest import HttpsClient, login

# The plan of tests.builders.build_lines: owned by `rep` (sales line), with an MSL (medical),
# an access colleague (market access) and a nurse educator (patient services) on its team.
MEMBERS_OF_OTHER_LINES = ["msl", "access_rep", "nurse"]
THEIR_MANAGERS = ["msl_manager", "access_manager", "nurse_manager", "medical_director"]
UNRELATED = ["msl2", "crossed_msl", "msl_manager2"]
SECRET = "Pharmacy director retires in March (PENDING-INSIGHT)."


class Team:
    """The lines' plan, and each person of the lines signed in on a page and over the API."""

    def __init__(self, app: Flask, db: Session, lines: Lines) -> None:
        self.app, self.db, self.lines = app, db, lines
        self.plan = db.scalars(
            select(AccountPlan).where(AccountPlan.owner_id == lines.people["rep"].id)
        ).one()
        self._clients: dict[str, HttpsClient] = {}
        self._tokens: dict[str, str] = {}

    def person(self, who: str) -> User:
        return self.lines.people[who]

    def page(self, who: str) -> HttpsClient:
        if who not in self._clients:
            client: HttpsClient = self.app.test_client()  # type: ignore[assignment]
            assert login(client, self.person(who).email).status_code == 302
            self._clients[who] = client
        return self._clients[who]

    def api(self, who: str, method: str, path: str, **kw: Any) -> Any:
        if who not in self._tokens:
            answer = self.page(who).post(
                "/api/v1/tokens", json={"email": self.person(who).email, "password": PASSWORD}
            )
            self._tokens[who] = answer.get_json()["token"]
        headers = {"Authorization": f"Bearer {self._tokens[who]}", **kw.pop("headers", {})}
        return self.page(who).open(path, method=method, headers=headers, **kw)

    @property
    def plan_page(self) -> str:
        return f"/plans/{self.plan.id}"

    @property
    def insights_api(self) -> str:
        return f"/api/v1/account-plans/{self.plan.id}/insights"

    def add_insight(self, who: str, text: str = SECRET, area: str = "clinical", **kw: Any) -> Any:
        return self.api(who, "POST", self.insights_api, json={"area": area, "text": text, **kw})

    def require_approval(self) -> None:
        answer = self.page("rep").post_form(
            f"{self.plan_page}/insight-approval", {"insights_need_approval": "true"}
        )
        assert answer.status_code == 302
        self.db.expire_all()
        assert self.plan.insights_need_approval

    def shown(self, who: str) -> str:
        answer = self.page(who).get(self.plan_page)
        assert answer.status_code == 200
        return str(answer.get_data(as_text=True))


@pytest.fixture
def team(app: Flask, db: Session, lines: Lines) -> Team:
    return Team(app, db, lines)


@pytest.mark.parametrize("who", MEMBERS_OF_OTHER_LINES)
def test_members_of_every_line_add_insights_and_comments(team: Team, who: str) -> None:
    page = team.page(who)
    shown = team.shown(who)
    assert "Add an insight" in shown and "Post comment" in shown
    answer = page.post_form(
        f"{team.plan_page}/insights", {"area": "operational", "text": f"Seen by {who}."}
    )
    assert answer.status_code == 302
    answer = page.post_form(f"{team.plan_page}/comments", {"body": f"Comment by {who}."})
    assert answer.status_code == 302
    by_api = team.add_insight(who, text=f"Over the API by {who}.")
    assert by_api.status_code == 201, by_api.get_data(as_text=True)
    assert by_api.get_json()["status"] == "approved"
    assert by_api.get_json()["author"]["id"] == team.person(who).id
    comment = team.api(
        who, "POST", f"/api/v1/account-plans/{team.plan.id}/comments", json={"body": "Hi"}
    )
    assert comment.status_code == 201
    # The owner's manager reads them all on the plan.
    manager_sees = team.shown("sales_manager")
    assert f"Seen by {who}." in manager_sees and f"Comment by {who}." in manager_sees


@pytest.mark.parametrize("who", THEIR_MANAGERS)
def test_their_managers_read_the_plan_but_do_not_add_to_it(team: Team, who: str) -> None:
    assert "Add an insight" not in team.shown(who)
    answer = team.page(who).post_form(
        f"{team.plan_page}/insights", {"area": "business", "text": "Not mine to add."}
    )
    assert answer.status_code == 403
    assert team.add_insight(who).status_code == 403
    comment = team.api(
        who, "POST", f"/api/v1/account-plans/{team.plan.id}/comments", json={"body": "No"}
    )
    assert comment.status_code == 403


def test_the_owners_manager_keeps_commenting(team: Team) -> None:
    answer = team.page("sales_manager").post_form(
        f"{team.plan_page}/comments", {"body": "Bring the MSL to P&T."}
    )
    assert answer.status_code == 302
    assert team.add_insight("sales_manager").status_code == 403


@pytest.mark.parametrize("who", UNRELATED)
def test_unrelated_people_find_nothing(team: Team, who: str) -> None:
    assert team.page(who).get(team.plan_page).status_code == 404
    answer = team.page(who).post_form(
        f"{team.plan_page}/insights", {"area": "business", "text": "Hello"}
    )
    assert answer.status_code == 404
    assert team.add_insight(who).status_code == 404
    assert team.api(who, "GET", team.insights_api).status_code == 404


def test_with_approval_an_insight_waits_for_the_owner(team: Team) -> None:
    team.require_approval()
    added = team.add_insight("msl")
    assert added.status_code == 201
    insight = added.get_json()
    assert insight["status"] == "pending"

    # Its author sees it waiting; the owner sees it to decide; nobody else sees it at all.
    assert SECRET in team.shown("msl") and "Waiting for approval" in team.shown("msl")
    owner_sees = team.shown("rep")
    assert SECRET in owner_sees and "Waiting for your approval" in owner_sees
    for other in ("sales_manager", "director", "access_rep", "msl_manager", "nurse"):
        assert SECRET not in team.shown(other), other
        listed = team.api(other, "GET", team.insights_api).get_json()
        assert insight["id"] not in [i["id"] for i in listed], other
    history = team.page("sales_manager").get(f"{team.plan_page}/history")
    assert SECRET not in history.get_data(as_text=True)

    # The owner approves it on the page: everyone who sees the plan sees it.
    decided = team.page("rep").post_form(
        f"{team.plan_page}/insights/{insight['id']}/approval", {"decision": "approve"}
    )
    assert decided.status_code == 302
    for other in ("sales_manager", "director", "access_rep", "msl_manager"):
        assert SECRET in team.shown(other), other
    # The owner's own insight never waits.
    assert team.add_insight("rep", text="Owner's own.").get_json()["status"] == "approved"


def test_a_declined_insight_stays_with_its_author_and_the_owner(team: Team) -> None:
    team.require_approval()
    insight = team.add_insight("access_rep", area="reimbursement").get_json()
    url = f"{team.insights_api}/{insight['id']}/approval"
    declined = team.api("rep", "POST", url, json={"decision": "decline"})
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert "Declined" in team.shown("access_rep") and SECRET in team.shown("access_rep")
    assert SECRET not in team.shown("sales_manager")
    # The same decision again changes nothing; the other one is a conflict.
    assert team.api("rep", "POST", url, json={"decision": "decline"}).status_code == 200
    conflict = team.api("rep", "POST", url, json={"decision": "approve"})
    assert conflict.status_code == 409
    assert conflict.get_json()["error"]["code"]
    # Only the owner decides; its author may not, others do not see it.
    assert team.api("access_rep", "POST", url, json={"decision": "approve"}).status_code == 403
    assert team.api("sales_manager", "POST", url, json={"decision": "approve"}).status_code == 404


def test_the_owner_turns_approval_on_and_off_over_the_api_with_if_match(team: Team) -> None:
    plan_url = f"/api/v1/account-plans/{team.plan.id}"
    got = team.api("rep", "GET", plan_url)
    assert got.get_json()["insights_need_approval"] is False
    body = {"insights_need_approval": True}
    assert team.api("rep", "PATCH", plan_url, json=body).status_code == 428
    changed = team.api(
        "rep", "PATCH", plan_url, json=body, headers={"If-Match": got.headers["ETag"]}
    )
    assert changed.status_code == 200 and changed.get_json()["insights_need_approval"] is True
    stale = team.api("rep", "PATCH", plan_url, json=body, headers={"If-Match": got.headers["ETag"]})
    assert stale.status_code == 412
    assert (
        team.api("msl", "PATCH", plan_url, json=body, headers={"If-Match": '"1"'}).status_code
        == 403
    )


def test_too_long_or_empty_input_is_refused_at_its_field(team: Team) -> None:
    long_text = "x" * 2001
    page = team.page("msl").post_form(
        f"{team.plan_page}/insights", {"area": "clinical", "text": long_text}
    )
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Use at most 2,000 characters." in html and long_text in html  # kept, not cut
    refused = team.add_insight("msl", text=long_text)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["text"] == ["Use at most 2,000 characters."]
    unknown_area = team.add_insight("msl", area="gossip")
    assert unknown_area.status_code == 422
    assert "area" in unknown_area.get_json()["error"]["fields"]
    blank = team.add_insight("msl", text="   ")
    assert blank.status_code == 422
    assert blank.get_json()["error"]["fields"] == {"text": ["Write the insight."]}
    no_area = team.page("msl").post_form(f"{team.plan_page}/insights", {"text": "Useful"})
    assert no_area.status_code == 422 and "Choose a profiling area." in no_area.get_data(
        as_text=True
    )
    comment = team.page("msl").post_form(f"{team.plan_page}/comments", {"body": "y" * 2001})
    assert comment.status_code == 422
    assert "Use at most 2,000 characters." in comment.get_data(as_text=True)
    assert team.db.scalar(select(func.count()).select_from(PlanInsight)) == 0


def test_a_replayed_client_uuid_makes_one_insight_and_one_comment(team: Team) -> None:
    key = str(uuid.uuid4())
    first = team.add_insight("msl", client_uuid=key)
    again = team.add_insight("msl", client_uuid=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    # Someone else sending that client_uuid makes nothing either.
    assert team.add_insight("access_rep", client_uuid=key).status_code == 409

    form = {
        "area": "business",
        "text": "Sent twice from the page.",
        "client_uuid": str(uuid.uuid4()),
    }
    for _ in range(2):
        assert team.page("nurse").post_form(f"{team.plan_page}/insights", form).status_code == 302
    comment = {"body": "Tapped twice.", "client_uuid": str(uuid.uuid4())}
    for _ in range(2):
        assert team.page("msl").post_form(f"{team.plan_page}/comments", comment).status_code == 302
    url = f"/api/v1/account-plans/{team.plan.id}/comments"
    api_key = {"body": "Replayed.", "client_uuid": str(uuid.uuid4())}
    assert team.api("access_rep", "POST", url, json=api_key).status_code == 201
    assert team.api("access_rep", "POST", url, json=api_key).status_code == 200

    db = team.db
    assert db.scalar(select(func.count()).select_from(PlanInsight)) == 2
    assert db.scalar(select(func.count()).where(PlanComment.body == "Tapped twice.")) == 1
    assert db.scalar(select(func.count()).where(PlanComment.body == "Replayed.")) == 1


def test_every_contribution_is_audited_on_the_plan_without_its_text(team: Team) -> None:
    team.require_approval()
    insight = team.add_insight("msl").get_json()
    team.api(
        "rep", "POST", f"{team.insights_api}/{insight['id']}/approval", json={"decision": "approve"}
    )
    team.page("msl").post_form(f"{team.plan_page}/comments", {"body": "Noted."})
    events = team.db.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "plan", AuditEvent.object_id == team.plan.id)
        .order_by(AuditEvent.id)
    ).all()
    actions = [(e.action, e.actor_id) for e in events]
    p = team.lines.people
    assert actions[-4:] == [
        ("plan.update", p["rep"].id),
        ("plan.insight.add", p["msl"].id),
        ("plan.insight.approve", p["rep"].id),
        ("plan.comment", p["msl"].id),
    ]
    assert events[-4].details["changes"] == {"insights_need_approval": [False, True]}
    assert events[-3].details == {
        "item": "insight",
        "item_id": insight["id"],
        "area": "clinical",
        "status": "pending",
    }
    assert all(SECRET not in str(e.details) for e in events)


def test_insights_scope_per_viewer(team: Team) -> None:
    """policy.insights_scope: approved for all who see the plan, one's own in any state, every
    one for the owner."""
    db, p, plan = team.db, team.lines.people, team.plan
    states = {
        "approved": ("nurse", InsightStatus.APPROVED),
        "msl_waiting": ("msl", InsightStatus.PENDING),
        "msl_declined": ("msl", InsightStatus.DECLINED),
        "access_waiting": ("access_rep", InsightStatus.PENDING),
    }
    made = {}
    for name, (author, status) in states.items():
        made[name] = PlanInsight(
            plan_id=plan.id, author_id=p[author].id, area="business", text=name, status=status
        )
    db.add_all(made.values())
    db.commit()

    def seen(who: str) -> set[str]:
        found = db.scalars(select(PlanInsight.text).where(policy.insights_scope(p[who], plan)))
        return set(found)

    assert seen("rep") == set(states)
    assert seen("msl") == {"approved", "msl_waiting", "msl_declined"}
    assert seen("access_rep") == {"approved", "access_waiting"}
    for who in ("sales_manager", "director", "msl_manager", "nurse"):
        assert seen(who) == {"approved"}, who
