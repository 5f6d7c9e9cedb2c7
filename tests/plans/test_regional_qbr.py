"""The regional QBR (/plans/qbr): a region's or a team's summary before its plans, each figure
equal to the service it comes from, in the viewer's scope, in a fixed number of statements."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.models import (
    DecisionRole,
    FollowUpStatus,
    GoalActual,
    GoalKind,
    PlanGoal,
    PlanStakeholder,
    Relationship,
)
from coachapp.plans import qbr
from coachapp.plans import rollup as rollup_module
from coachapp.plans.rollup import RollupFilters, rollup
from coachapp.reviews import schemas as review_schemas
from coachapp.reviews import service as reviews
from coachapp.reviews.figures import account_team_figures, open_agreement_counts
from coachapp.timezones import local_today
from tests.builders import Org, make_account, make_plan, make_user
from tests.conftest import HttpsClient, login, signed_in

PATIENTS = "Patients on therapy"


def numeric_goal(
    today: dt.date, title: str, baseline: float, target: float, actual: float, **kw: Any
) -> PlanGoal:
    """A goal whose straight line runs from 90 days ago to 90 days ahead (half way today),
    with one actual five days ago."""
    goal = PlanGoal(
        title=title,
        kind=GoalKind.NUMERIC,
        metric=kw.pop("metric", PATIENTS),
        unit=kw.pop("unit", "patients"),
        baseline=baseline,
        target=target,
        baseline_date=today - dt.timedelta(days=90),
        target_date=today + dt.timedelta(days=90),
        **kw,
    )
    goal.actuals = [GoalActual(measured_on=today - dt.timedelta(days=5), value=actual)]
    return goal


@pytest.fixture
def case(app: Flask, db: Session, org: Org) -> dict[str, Any]:
    """The manager's rep's plan (Midwest): 2 goals at risk (a number and a stage goal) and one
    on track, a decision maker barely known, an account-team review with one open agreement
    and one done. The plan of manager2's rep that the rep works on (Northeast): 1 goal at risk
    on the same metric, no review."""
    p = org.people
    today = local_today(p["manager"].timezone)
    own, shared = org.plans["rep"], org.plans["other_rep_with_rep"]
    shared.account.region = "Northeast"
    own.profile_business = "Three hospitals, one P&T committee."
    own.goals = [
        numeric_goal(today, "Grow patients on therapy", 10, 50, 14, value="$1.2M (team estimate)"),
        numeric_goal(today, "Open infusion chairs", 0, 10, 9, metric="Chairs", unit="chairs"),
        PlanGoal(
            title="Formulary approval",
            kind=GoalKind.STAGES,
            stages=["Dossier", "P&T review", "Approval"],
            baseline_date=today - dt.timedelta(days=100),
            target_date=today + dt.timedelta(days=10),
            actuals=[GoalActual(measured_on=today - dt.timedelta(days=3), value=1)],
        ),
    ]
    own.stakeholders = [
        PlanStakeholder(
            name="Dr. Vale",
            decision_role=DecisionRole.DECISION_MAKER,
            relationship_strength=Relationship.WEAK,
        )
    ]
    shared.goals = [numeric_goal(today, "Patients at the east campus", 0, 20, 2)]
    db.commit()
    with app.app_context():
        body = review_schemas.review_create_schema.load(
            {
                "account_id": own.account_id,
                "plan_progress": "The P&T chair wants outcomes data.",
                "ratings": [
                    {"competency_key": key, "score": 3} for key in review_schemas.THREE_C_KEYS
                ],
                "agreements": [
                    {
                        "title": "Bring the outcomes deck to the P&T pre-read",
                        "owner_id": p["msl"].id,
                        "due_date": (today + dt.timedelta(days=20)).isoformat(),
                    },
                    {
                        "title": "Book the pharmacy lead",
                        "owner_id": p["rep2"].id,
                        "due_date": (today + dt.timedelta(days=5)).isoformat(),
                    },
                ],
            }
        )
        review, _ = reviews.create_review(db, p["manager"], body)
    [done] = [a for a in review.agreements if a.title == "Book the pharmacy lead"]
    done.status = FollowUpStatus.DONE
    db.commit()
    return {"today": today, "own": own, "shared": shared}


def glance(page: str, label: str) -> str:
    """The figure the summary shows under `label`, with its words, as text."""
    found = re.search(rf"<dt>{label}</dt>\s*<dd>(.*?)</dd>", page, re.S)
    assert found, label
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_the_managers_qbr_summarises_with_the_services_figures(
    db: Session, org: Org, case: dict[str, Any], login_as: Any
) -> None:
    manager, today = org.people["manager"], case["today"]
    report = qbr.regional_qbr(db, manager, today, qbr.Scope())
    rows = rollup(db, manager, today)
    # The goals at risk are the roll-up's attainment, goal by goal, furthest behind first.
    assert [r.plan.id for r in report.rows] == [r.plan.id for r in rows]
    assert len(report.goals_at_risk) == sum(r.attainment.at_risk for r in rows if r.attainment) == 3
    # Formulary approval is 33% done where 91% is expected; the others 10% where 50% is, the
    # tie in the order of their accounts' names.
    first, *tied = report.goals_at_risk
    assert first.goal.title == "Formulary approval"
    assert [g.row.plan.account.name for g in tied] == sorted(g.row.plan.account.name for g in tied)
    # What is left in the goals' own units, added up only within one metric and unit.
    [patients] = report.still_to_move
    assert (patients.metric, patients.unit, patients.to_go, patients.goals) == (
        PATIENTS, "patients", 36 + 18, 2,
    )  # fmt: skip
    # Barriers, counted in plans: three profiling areas empty in both, business in one.
    counts = {b.key: b.count for b in report.barriers}
    assert counts["profile_clinical"] == 2 and counts["profile_business"] == 1
    assert counts["decision_maker_distant"] == 1 and counts["no_champion"] == 1
    assert "no_decision_maker" not in counts
    assert report.barriers[0].key == "profile_clinical"
    # The open agreement of the review; the done one is not.
    assert [a.title for a in report.agreements] == ["Bring the outcomes deck to the P&T pre-read"]
    counts = open_agreement_counts(db, manager, [r.plan.account_id for r in rows])
    assert report.agreement_counts == counts == {case["own"].account_id: 1}
    assert report.agreements_open == 1 and report.agreements_not_read == []
    board = account_team_figures(db, manager, qbr.REVIEW_WINDOW_DAYS, today)
    assert report.accounts_without_review is not None
    assert [f.account.id for f in report.accounts_without_review] == [
        f.account.id for f in board.not_reviewed
    ] == [case["shared"].account_id]  # fmt: skip

    page = login_as("manager").get("/plans/qbr").get_data(as_text=True)
    assert glance(page, "Goals at risk") == (
        "3 of 4 goals with data, behind the straight line to their target"
    )
    assert glance(page, "Open agreements") == "1 from the account teams' reviews; you read 1"
    assert glance(page, "Accounts without a review") == "1 of 2 in the last 90 days"
    assert glance(page, "Most frequent barrier").startswith("2 of 2 plans: profiling gap")
    assert "54 patients · Patients on therapy" in page
    assert "Worth: $1.2M (team estimate)" in page and "stage 1 of 3" in page
    # The summary comes before the plans, each plan once.
    assert page.index("At a glance") < page.index("The plans")
    assert page.count('class="qbr-card"') == 2


def test_a_director_prints_a_region_or_a_team_of_theirs(
    org: Org, case: dict[str, Any], app: Flask
) -> None:
    p = org.people
    own, shared = case["own"].account.name, case["shared"].account.name
    director = signed_in(app, org, "director")
    everything = director.get("/plans/qbr").get_data(as_text=True)
    assert own in everything and shared in everything
    region = director.get("/plans/qbr?region=Northeast").get_data(as_text=True)
    assert glance(region, "Goals at risk").startswith("1 of 1 goals")
    assert shared in region and own not in region
    # The director takes no part in the manager's review: its open agreement is counted as
    # the account team's figure, its title not shown.
    assert glance(everything, "Open agreements") == "1 from the account teams' reviews; you read 0"
    assert "Bring the outcomes deck" not in everything
    assert f"(counted, not shown): {own} (1)." in everything
    team = director.get(f"/plans/qbr?manager_id={p['manager'].id}")
    assert team.status_code == 200
    text = team.get_data(as_text=True)
    assert "Morgan Manager&#39;s team" in text and own in text and shared not in text
    assert glance(text, "Goals at risk").startswith("2 of 3 goals")
    assert director.get(f"/plans/qbr?manager_id={p['manager2'].id}").status_code == 200


@pytest.mark.parametrize(
    ("who", "team", "status"),
    [
        ("manager", "manager", 200),
        ("manager", "manager2", 404),  # a peer's team
        ("director", "manager3", 404),  # another director's subtree
        ("director2", "manager", 404),
        ("director", "msl_manager", 404),  # the medical line, from the commercial one
        ("medical_director", "manager", 404),  # and the other way round
        ("medical_director", "msl_manager", 200),
        ("rep", "manager", 404),
        ("admin", "manager", 404),
        ("director", "rep", 404),  # leads no team
    ],
)
def test_a_team_outside_ones_scope_is_missing(
    org: Org, app: Flask, who: str, team: str, status: int
) -> None:
    client = signed_in(app, org, who)
    assert client.get(f"/plans/qbr?manager_id={org.people[team].id}").status_code == status


def test_a_malformed_team_is_missing_and_a_rep_keeps_their_own_qbr(
    org: Org, case: dict[str, Any], app: Flask
) -> None:
    director = signed_in(app, org, "director")
    assert director.get("/plans/qbr?manager_id=abc").status_code == 404
    assert director.get("/plans/qbr?manager_id=99999999999").status_code == 404
    rep = signed_in(app, org, "rep").get("/plans/qbr")
    text = rep.get_data(as_text=True)
    # A rep sees their plans' summary; the account teams' review figures are not theirs.
    assert rep.status_code == 200 and case["own"].account.name in text
    assert "Goals at risk" in text and "Accounts without a review" not in text
    # The rep took part in the review: they read its open agreement.
    assert glance(text, "Open agreements") == "1 from the account-team reviews you see"
    assert "Bring the outcomes deck to the P&amp;T pre-read" in text


def test_the_medical_directors_qbr_holds_plans_not_coaching(
    org: Org, case: dict[str, Any], app: Flask
) -> None:
    """The MSL is on the rep's account team: the medical director sees the plan (plans cross
    the wall) but nothing of the commercial line's coaching."""
    text = signed_in(app, org, "medical_director").get("/plans/qbr").get_data(as_text=True)
    assert case["own"].account.name in text
    # The review's agreement (owned by the MSL) is counted for the team, not shown.
    assert "Bring the outcomes deck" not in text
    assert org.notes["shared"].strengths not in text


def statements(app: Flask, client: HttpsClient, path: str) -> int:
    with counting_statements(app.extensions["coachapp.db"].engine) as seen:
        assert client.get(path).status_code == 200, path
    return len(seen)


def test_the_qbr_runs_the_same_statements_however_many_plans(
    app: Flask, db: Session, org: Org, case: dict[str, Any], client: HttpsClient
) -> None:
    manager, today = org.people["manager"], case["today"]
    login(client, org.people["director"].email)
    paths = ("/plans/qbr", f"/plans/qbr?manager_id={manager.id}", "/plans/qbr?region=Midwest")
    before = {path: statements(app, client, path) for path in paths}
    for n in range(6):
        rep = make_user(db, manager_id=manager.id)
        plan = make_plan(db, rep, account=make_account(db, region="Midwest"))
        plan.goals = [numeric_goal(today, f"Goal {n}.{k}", 0, 10, k) for k in range(3)]
        for goal in plan.goals:
            goal.actuals.append(GoalActual(measured_on=today - dt.timedelta(days=2), value=1))
        plan.stakeholders = [PlanStakeholder(name=f"Dr. {n}", decision_role=DecisionRole.CHAMPION)]
    db.commit()
    grown = qbr.regional_qbr(
        db, org.people["director"], today, qbr.Scope(RollupFilters(region="Midwest"))
    )
    assert len(grown.rows) == 7 and grown.goals == 3 + 18
    assert {path: statements(app, client, path) for path in paths} == before


def test_the_team_pages_link_their_teams_qbr(org: Org, app: Flask) -> None:
    manager_id = org.people["manager"].id
    link = re.compile(r'href="(/plans/qbr\?manager_id=\d+)">Team QBR</a>')
    for who, page in (("manager", "/team"), ("director", f"/org/teams/{manager_id}")):
        client = signed_in(app, org, who)
        [href] = link.findall(client.get(page).get_data(as_text=True))
        assert href == f"/plans/qbr?manager_id={manager_id}"
        assert "Morgan Manager&#39;s team" in client.get(href).get_data(as_text=True)


CARD = re.compile(r'<article class="qbr-card" aria-labelledby="qbr-plan-(\d+)">')
NEXT_CARDS = re.compile(r'<a class="button" href="([^"]+)">Next plans</a>')


def test_a_national_qbr_sums_up_every_plan_and_pages_its_cards(
    app: Flask, db: Session, org: Org, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary is of every plan on every page; the cards come a page at a time, each
    plan once, in the roll-up's order."""
    monkeypatch.setattr(rollup_module, "PLANS_PER_PAGE", 2)
    manager, today = org.people["manager"], case["today"]
    for n in range(3):
        rep = make_user(db, manager_id=manager.id)
        plan = make_plan(db, rep, account=make_account(db, region="Midwest"))
        plan.goals = [numeric_goal(today, f"Goal {n}", 0, 10, 1)]  # behind its line
    db.commit()
    director = org.people["director"]
    with app.app_context():
        expected = [row.plan.id for row in rollup(db, director, today)]
    assert len(expected) == 5
    client = signed_in(app, org, "director")
    cards, glances, path = [], set(), "/plans/qbr"
    while path:
        page = client.get(path).get_data(as_text=True)
        cards.append([int(found) for found in CARD.findall(page)])
        glances.add(glance(page, "Goals at risk"))
        assert "Prepared" in page and "· 5 plans ·" in page
        more = NEXT_CARDS.search(page)
        path = more.group(1).replace("&amp;", "&") if more else ""
        assert len(cards) < 10
    assert [len(c) for c in cards] == [2, 2, 1]
    assert [plan for page in cards for plan in page] == expected
    # Every page sums up the same plans: the three new goals at risk beside the case's three.
    assert glances == {"6 of 7 goals with data, behind the straight line to their target"}
    last = client.get("/plans/qbr?page=99").get_data(as_text=True)
    assert [int(found) for found in CARD.findall(last)] == cards[-1]
    assert "Plans 5 to 5 of 5" in last and "Previous plans" in last
    for bad in ("0", "-2", "x", "99999999999999"):
        assert client.get(f"/plans/qbr?page={bad}").status_code == 200


def test_the_qbr_names_the_first_accounts_without_a_review_and_counts_the_rest(
    app: Flask, db: Session, org: Org, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qbr, "UNREVIEWED_SHOWN", 1)
    for _ in range(2):
        make_plan(db, make_user(db, manager_id=org.people["manager"].id))
    db.commit()
    page = signed_in(app, org, "director").get("/plans/qbr").get_data(as_text=True)
    assert glance(page, "Accounts without a review") == "3 of 4 in the last 90 days"
    unreviewed = page[page.index('id="qbr-unreviewed"') :].split("</section>")[0]
    assert unreviewed.count("<li>") == 1 and "and 2 more accounts." in unreviewed
