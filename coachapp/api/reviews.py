"""Account-team reviews over JSON: a manager records a review of an account with its whole team,
any line; participants and their line managers read and acknowledge it; managers and
directors read the account teams' figures (GET /account-teams).

Thin views over coachapp.reviews.service, the service the pages use. Recording is idempotent
by client_uuid; a review never changes once recorded (its agreements change as follow-ups,
PATCH /api/v1/follow-ups/{id}), so there is no PATCH and no If-Match. Only its author, its
participants and their line managers see a review; 404 for anyone else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Response, make_response
from flask.views import MethodView
from marshmallow import RAISE

from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.coaching import WRITE_ERRORS
from coachapp.api.paging import asc, desc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.db import get_session, utcnow
from coachapp.models import AccountReview
from coachapp.reviews import service
from coachapp.reviews.figures import AccountTeamFigures, AccountTeamsBoard, account_team_figures
from coachapp.reviews.schemas import (
    AccountTeamsQuerySchema,
    AccountTeamsSchema,
    ReviewAcknowledgeSchema,
    ReviewCreateSchema,
    ReviewListQuerySchema,
    ReviewOutSchema,
)
from coachapp.timezones import local_today

blp = Blueprint("api_reviews", __name__, description="Account-team reviews")
callers_only(blp)

review_out = ReviewOutSchema()

# The orders the lists are paged in (coachapp.api.paging). Account teams are cut by name,
# which a new review does not change; each page keeps the figures' order.
REVIEW_ORDER = [desc(AccountReview.held_on, dt.date), desc(AccountReview.id)]
ACCOUNT_ORDER = [
    asc(lambda figures: figures.account.name, str),
    asc(lambda figures: figures.account.id),
]


class ReviewPageQuerySchema(paging.PageQuerySchema, ReviewListQuerySchema):
    pass


class AccountTeamsPageQuerySchema(paging.PageQuerySchema, AccountTeamsQuerySchema):
    pass


class AccountTeamsPageSchema(AccountTeamsSchema):
    next = paging.next_field()


@dataclass
class BoardPage:
    """The board's totals over every account team, with one page of the teams."""

    board: AccountTeamsBoard
    accounts: list[AccountTeamFigures]
    next: str | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.board, name)


def _answer(review: AccountReview, status: int) -> Response:
    return make_response(review_out.dump(review), status)


@blp.route("/reviews")
class Reviews(MethodView):
    @blp.arguments(ReviewPageQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, ReviewOutSchema(many=True), headers=paging.LINK_HEADER)
    @authenticated(blp, 422)
    def get(self, query: dict[str, Any]) -> Any:
        """The reviews the caller wrote, took part in, or in which someone reporting to them
        took part (of one account with account_id), the latest first."""
        statement = service.reviews_query(api_user(), query.get("account_id"))
        return paging.query_page(get_session(), statement, REVIEW_ORDER, query).answer()

    @blp.arguments(ReviewCreateSchema)
    @blp.response(201, ReviewOutSchema)
    @blp.alt_response(
        200, schema=ReviewOutSchema, description="That client_uuid was seen before: its review"
    )
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any]) -> Response:
        """A manager with someone on the account's team records a review with the team:
        participants (all members by default), plan progress, the 3C's rated for the team as
        a whole, cross-functional agreements (each a follow-up of its owner, any line), and
        the outcome of earlier open agreements. Shared on saving: participants and their line
        managers are asked to acknowledge it. Idempotent by client_uuid."""
        review, created = service.create_review(get_session(), api_user(), body)
        return _answer(review, 201 if created else 200)


@blp.get("/reviews/<int:review_id>")
@blp.response(200, ReviewOutSchema)
@authenticated(blp, 404)
def review(review_id: int) -> Any:
    """One review, with its agreements as they stand now and who has acknowledged it."""
    return service.get_review(get_session(), api_user(), review_id)


@blp.post("/reviews/<int:review_id>/acknowledgement")
@blp.arguments(ReviewAcknowledgeSchema)
@blp.response(201, ReviewOutSchema)
@blp.alt_response(
    200, schema=ReviewOutSchema, description="Acknowledged before: the first one stands"
)
@authenticated(blp, *WRITE_ERRORS)
def acknowledge(body: dict[str, Any], review_id: int) -> Response:
    """A participant or a participant's line manager acknowledges the review, with an
    optional comment; once per person (a repeat answers 200 and changes nothing)."""
    found, created = service.acknowledge_review(
        get_session(), api_user(), review_id, body["comment"]
    )
    return _answer(found, 201 if created else 200)


@blp.get("/account-teams")
@blp.arguments(AccountTeamsPageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, AccountTeamsPageSchema, headers=paging.LINK_HEADER)
@authenticated(blp, 422)
def account_teams(query: dict[str, Any]) -> Any:
    """Per account team in the caller's scope (a manager's or a director's: accounts with a
    live plan they may see), the 3C's from its reviews held in the window ending with the
    caller's today — each one's average and how many reviews it rests on — and how many
    accounts had a cross-functional review (participants of two lines or more) out of all.
    The director's dashboard shows the same figures. Others get no accounts. The totals
    cover every account team; `accounts` is one page of them, cut by account name; within
    the page those reviewed in the period come first, one-line reviews before
    cross-functional ones, then by name."""
    user = api_user()
    today = local_today(user.timezone, utcnow())
    board = account_team_figures(
        get_session(), user, query["window_days"], today, query.get("region", "")
    )
    page = paging.list_page(board.accounts, ACCOUNT_ORDER, query, keep_order=True)
    return BoardPage(board, page.items, page.next_url), 200, page.headers
