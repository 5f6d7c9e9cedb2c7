"""The account teams' figures, defined once for the director's dashboard and
GET /api/v1/account-teams: per account team (an account with a live plan the viewer may see),
the 3C's from its reviews held in the period — the average score of each and how many reviews
it rests on — and whether it had a cross-functional review (coachapp.reviews.lines), with how
many accounts did out of all.

A review counts in the period when it was held in the window of `window_days` days ending on
the viewer's today (as the cadence figures' window, coachapp.coaching.cadence.window_start).
Every review of the account counts, whoever ran it and whichever lines took part: the figures
are the team's, never anyone's own, and hold nothing of a review but its scores and its lines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.coaching.cadence import window_start
from coachapp.models import (
    Account,
    AccountReview,
    FollowUp,
    FollowUpStatus,
    ReviewParticipant,
    ReviewRating,
    User,
)
from coachapp.reviews.lines import is_cross_functional
from coachapp.reviews.schemas import THREE_C_SHORT, THREE_CS


@dataclass(frozen=True)
class ThreeCFigure:
    key: str
    name: str
    average: float | None  # None: no review in the period rated it
    reviews: int  # how many reviews the average rests on

    @property
    def short(self) -> str:
        return THREE_C_SHORT[self.key]


@dataclass(frozen=True)
class AccountTeamFigures:
    account: Account
    reviews: int
    cross_functional_reviews: int
    last_review_on: dt.date | None
    three_cs: list[ThreeCFigure]

    @property
    def had_cross_functional_review(self) -> bool:
        return self.cross_functional_reviews > 0


@dataclass(frozen=True)
class AccountTeamsBoard:
    window_days: int
    start: dt.date
    end: dt.date
    # Those reviewed in the period, then those without a review (all of them, or the first
    # ones by name when the caller asked for a few: not_reviewed_total counts them all).
    accounts: list[AccountTeamFigures]
    three_cs: list[ThreeCFigure]  # every review in the period, all accounts together
    not_reviewed_total: int

    @property
    def accounts_total(self) -> int:
        return len(self.reviewed) + self.not_reviewed_total

    @property
    def accounts_with_cross_functional_review(self) -> int:
        return sum(a.had_cross_functional_review for a in self.accounts)

    @property
    def reviews(self) -> int:
        return sum(a.reviews for a in self.accounts)

    @property
    def reviewed(self) -> list[AccountTeamFigures]:
        return [a for a in self.accounts if a.reviews]

    @property
    def not_reviewed(self) -> list[AccountTeamFigures]:
        return [a for a in self.accounts if not a.reviews]


def _three_cs(scores: dict[str, list[int]]) -> list[ThreeCFigure]:
    return [
        ThreeCFigure(
            key,
            name,
            sum(scores[key]) / len(scores[key]) if scores.get(key) else None,
            len(scores.get(key, [])),
        )
        for key, name in THREE_CS
    ]


def account_team_figures(
    db: Session,
    viewer: User,
    window_days: int,
    today: dt.date,
    region: str = "",
    under: User | None = None,
    not_reviewed_shown: int | None = None,
    among: Select[int] | None = None,
) -> AccountTeamsBoard:
    """The figures of every account team in the viewer's scope (in `region`, if given; of the
    region of a director below the viewer, `under`, if given): those reviewed in the period
    first, those whose reviews were of one line only before the cross-functional ones, then
    those without a review; by name within each. With `not_reviewed_shown`, only that many
    of those without a review are loaded (the first by name), the rest counted: a national
    scope holds thousands of accounts, a page names a few. With `among` (a query of accounts'
    ids), only those accounts of the viewer's (a QBR's)."""
    start = window_start(today, window_days)
    in_scope = [policy.account_figures_scope(viewer)]
    if region:
        in_scope.append(Account.region == region)
    if under is not None and under.id != viewer.id:
        in_scope.append(policy.accounts_below(under))
    if among is not None:
        in_scope.append(Account.id.in_(among))
    # The scope is a recursive walk of the viewer's subtree: two statements evaluate it (the
    # reviews in the period with their accounts, and the accounts without one); the others
    # take the reviews' ids.
    found = db.execute(
        select(Account, AccountReview.id, AccountReview.held_on)
        .join(AccountReview, AccountReview.account_id == Account.id)
        .where(
            *in_scope,
            AccountReview.held_on >= start,
            AccountReview.held_on <= today,
        )
        .order_by(AccountReview.id)
    ).all()
    ids = [review_id for _, review_id, _ in found]
    functions: dict[int, list[str]] = defaultdict(list)
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    if ids:
        for review_id, function in db.execute(
            select(ReviewParticipant.review_id, ReviewParticipant.function).where(
                ReviewParticipant.review_id.in_(ids)
            )
        ):
            functions[review_id].append(function)
        for review_id, key, score in db.execute(
            select(ReviewRating.review_id, ReviewRating.competency_key, ReviewRating.score).where(
                ReviewRating.review_id.in_(ids)
            )
        ):
            scores[review_id][key] = score

    reviewed: dict[int, Account] = {}
    by_account: dict[int, list[int]] = defaultdict(list)
    held: dict[int, list[dt.date]] = defaultdict(list)
    for account, review_id, held_on in found:
        reviewed[account.id] = account
        by_account[account.id].append(review_id)
        held[account.id].append(held_on)
    # The accounts without a review found first (materialised), then the first of them by name,
    # each row with how many there are in all: one statement however many are named. Asked for
    # the first few by name straight away, PostgreSQL walks the accounts by name testing each
    # against the scope, which is seconds when it has to count them all.
    unreviewed_ids = (
        select(Account.id)
        .where(*in_scope, Account.id.not_in(list(reviewed)))
        .cte("unreviewed")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    unreviewed_rows = db.execute(
        select(Account, func.count().over())
        .join(unreviewed_ids, unreviewed_ids.c.id == Account.id)
        .order_by(Account.name, Account.id)
        .limit(not_reviewed_shown)
    ).all()
    unreviewed = [account for account, _ in unreviewed_rows]
    unreviewed_total = unreviewed_rows[0][1] if unreviewed_rows else 0
    everyone: dict[str, list[int]] = defaultdict(list)
    figures = []
    for account in reviewed.values():
        own: dict[str, list[int]] = defaultdict(list)
        for review_id in by_account[account.id]:
            for key, score in scores[review_id].items():
                own[key].append(score)
                everyone[key].append(score)
        figures.append(
            AccountTeamFigures(
                account=account,
                reviews=len(by_account[account.id]),
                cross_functional_reviews=sum(
                    is_cross_functional(functions[r]) for r in by_account[account.id]
                ),
                last_review_on=max(held[account.id]),
                three_cs=_three_cs(own),
            )
        )
    figures.sort(key=lambda f: (f.had_cross_functional_review, f.account.name, f.account.id))
    unrated = _three_cs({})  # the same figures for every account without a review
    figures += [AccountTeamFigures(a, 0, 0, None, unrated) for a in unreviewed]
    return AccountTeamsBoard(
        window_days, start, today, figures, _three_cs(everyone), unreviewed_total
    )


def open_agreement_counts(db: Session, viewer: User, account_ids: Iterable[int]) -> dict[int, int]:
    """How many agreements of every review of each of these accounts are still open, by
    account (accounts with none left out), for a manager or director who sees the accounts'
    team figures: a count of the team's, never what an agreement says, so it covers the reviews
    the viewer may not read too (their titles stay with coachapp.policy.reviews_scope)."""
    ids = list(account_ids)
    if not ids:
        return {}
    query = (
        select(AccountReview.account_id, func.count(FollowUp.id))
        .join(FollowUp, FollowUp.review_id == AccountReview.id)
        .join(Account, Account.id == AccountReview.account_id)
        .where(
            AccountReview.account_id.in_(ids),
            FollowUp.status == FollowUpStatus.OPEN,
            policy.account_figures_scope(viewer),
        )
        .group_by(AccountReview.account_id)
    )
    return {account_id: count for account_id, count in db.execute(query)}
