"""Account teams across reporting lines (coachapp.policy, "Account teams"): who is on an
account's team, who may see it, and whom a manager may observe on a shared account."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.errors import NotFound
from coachapp.models import Account, AccountPlan, PlanStatus
from tests.builders import Lines

ON_THE_TEAM = {"rep", "msl", "access_rep", "nurse"}
# The members and each member's line up to the top: managers and directors above them.
SEES_THE_TEAM = ON_THE_TEAM | {
    "sales_manager",
    "director",
    "msl_manager",
    "medical_director",
    "access_manager",
    "nurse_manager",
}


def the_account(db: Session, lines: Lines) -> Account:
    """The account of the rep's plan, whose team mixes the lines."""
    return db.scalars(select(Account).where(policy.accounts_scope(lines.people["rep"]))).one()


def test_the_team_is_everyone_on_the_accounts_live_plans(db: Session, lines: Lines) -> None:
    account = the_account(db, lines)
    team = set(db.scalars(policy.account_team_ids(account.id)))
    assert team == {lines.people[key].id for key in ON_THE_TEAM}


@pytest.mark.parametrize("viewer", sorted(SEES_THE_TEAM))
def test_the_members_and_their_lines_see_the_team(db: Session, lines: Lines, viewer: str) -> None:
    account = the_account(db, lines)
    assert policy.account_or_404(db, lines.people[viewer], account.id) == account


@pytest.mark.parametrize("viewer", ["crossed_msl", "msl_manager2", "msl2"])
def test_unrelated_teams_do_not(db: Session, lines: Lines, viewer: str) -> None:
    account = the_account(db, lines)
    with pytest.raises(NotFound):
        policy.account_or_404(db, lines.people[viewer], account.id)


def test_an_archived_plan_leaves_no_team(db: Session, lines: Lines) -> None:
    account = the_account(db, lines)
    for plan in account_plans(db, account):
        plan.status = PlanStatus.ARCHIVED
    db.commit()
    assert list(db.scalars(policy.account_team_ids(account.id))) == []
    with pytest.raises(NotFound):
        policy.account_or_404(db, lines.people["msl_manager"], account.id)


def account_plans(db: Session, account: Account) -> list[AccountPlan]:
    return list(db.scalars(select(AccountPlan).where(AccountPlan.account_id == account.id)))


@pytest.mark.parametrize("subject", ["msl", "access_rep", "nurse", "rep"])
def test_a_manager_observes_whoever_shares_an_account_with_their_people(
    db: Session, lines: Lines, subject: str
) -> None:
    account = the_account(db, lines)
    manager = lines.people["sales_manager"]
    found = policy.observable_subject_or_404(db, manager, lines.people[subject].id, account.id)
    assert found == lines.people[subject]


@pytest.mark.parametrize("subject", ["msl2", "crossed_msl", "sales_manager"])
def test_nobody_else_and_not_oneself(db: Session, lines: Lines, subject: str) -> None:
    account = the_account(db, lines)
    manager = lines.people["sales_manager"]
    with pytest.raises(NotFound):
        policy.observable_subject_or_404(db, manager, lines.people[subject].id, account.id)


def test_a_rep_does_not_observe(db: Session, lines: Lines) -> None:
    account = the_account(db, lines)
    with pytest.raises(NotFound):
        policy.observable_subject_or_404(
            db, lines.people["rep"], lines.people["msl"].id, account.id
        )


def test_the_director_observes_through_their_subtree(db: Session, lines: Lines) -> None:
    account = the_account(db, lines)
    found = policy.observable_subject_or_404(
        db, lines.people["medical_director"], lines.people["access_rep"].id, account.id
    )
    assert found == lines.people["access_rep"]


def test_across_the_wall_only_the_3cs(lines: Lines) -> None:
    people = lines.people
    assert policy.observable_competencies(people["sales_manager"], people["msl"]) == (
        policy.THREE_C_COMPETENCIES
    )
    assert policy.observable_competencies(people["msl_manager"], people["access_rep"]) == (
        policy.THREE_C_COMPETENCIES
    )
    assert policy.observable_competencies(people["sales_manager"], people["access_rep"]) is None
    assert policy.observable_competencies(people["sales_manager"], people["nurse"]) is None
