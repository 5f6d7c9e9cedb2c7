"""Account plans over JSON: read with an ETag, write piece by piece with If-Match; the whole
account team adds insights and comments (idempotent by client_uuid)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Response, make_response, request
from flask.views import MethodView
from marshmallow import RAISE, Schema

from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.paging import asc, desc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.db import get_session
from coachapp.models import Account, AccountPlan, ActualSource
from coachapp.plans import actuals, contributions, schemas, service
from coachapp.plans.rollup import RollupFilters, rollup_query
from coachapp.versioning import IfMatch, etag, parse_if_match

blp = Blueprint("api_plans", __name__, description="Account plans")
callers_only(blp)

READ_ERRORS = (404,)
WRITE_ERRORS = (400, 403, 404, 409, 413, 415, 422)
VERSIONED_WRITE_ERRORS = (*WRITE_ERRORS, 412, 428)


def _with_etag(obj: Any, schema: Schema, status: int = 200) -> Response:
    response = make_response(schema.dump(obj), status)
    response.headers["ETag"] = etag(obj.version)
    return response


def _if_match() -> IfMatch | None:
    return parse_if_match(request.headers.get("If-Match"))


plan_out = schemas.PlanOutSchema()


# Plans ----------------------------------------------------------------------------


# The orders lists of plans and of what is on a plan are paged in (coachapp.api.paging).
PLAN_ORDER = [desc(lambda plan: plan.period, str), asc(lambda plan: plan.id)]
ROLLUP_ORDER = [asc(Account.name, str), desc(AccountPlan.period, str), asc(AccountPlan.id)]
OLDEST_FIRST = [asc(lambda item: item.created_at, dt.datetime), asc(lambda item: item.id)]
ACTUAL_ORDER = [asc(lambda actual: actual.measured_on, dt.date), asc(lambda actual: actual.id)]


class PlanPageQuerySchema(paging.PageQuerySchema, schemas.PlanListQuerySchema):
    pass


@blp.get("/reps/<int:rep_id>/account-plans")
@blp.arguments(paging.PageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, schemas.PlanOutSchema(many=True), headers=paging.LINK_HEADER)
@authenticated(blp, *READ_ERRORS, 422)
def plans_of_rep(query: dict[str, Any], rep_id: int) -> Any:
    """Plans a rep owns or is on the account team of (404 outside the caller's scope), the
    newest period first."""
    plans = service.plans_of_person(get_session(), api_user(), rep_id)
    return paging.list_page(plans, PLAN_ORDER, query).answer()


@blp.route("/account-plans")
class Plans(MethodView):
    @blp.arguments(PlanPageQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, schemas.PlanOutSchema(many=True), headers=paging.LINK_HEADER)
    @authenticated(blp, 422)
    def get(self, query: dict[str, Any]) -> Any:
        """Every plan visible to the caller (draft and active unless a status is given), by
        account name, the newest period first."""
        filters = RollupFilters(
            region=query.get("region", ""),
            function=query["function"].value if query.get("function") else "",
            status=query["status"].value if query.get("status") else "",
        )
        statement = rollup_query(api_user(), filters)
        return paging.query_page(get_session(), statement, ROLLUP_ORDER, query).answer()

    @blp.arguments(schemas.PlanCreateSchema)
    @blp.response(201, schemas.PlanOutSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any]) -> Response:
        """Start a plan (reps, for themselves): an existing account_id or a new account_name."""
        plan = service.create_plan(get_session(), api_user(), body)
        return _with_etag(plan, plan_out, 201)


@blp.route("/account-plans/<int:plan_id>")
class PlanResource(MethodView):
    @blp.response(200, schemas.PlanOutSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @authenticated(blp, *READ_ERRORS)
    def get(self, plan_id: int) -> Response:
        """One plan, with its ETag (the version) for a later PATCH."""
        return _with_etag(service.get_plan(get_session(), api_user(), plan_id), plan_out)

    @blp.arguments(schemas.PlanPatchSchema)
    @blp.response(200, schemas.PlanOutSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True,
                          "schema": {"type": "string"}}])  # fmt: skip
    @authenticated(blp, *VERSIONED_WRITE_ERRORS)
    def patch(self, body: dict[str, Any], plan_id: int) -> Response:
        """Change plan fields; If-Match must name the current version (412 when stale)."""
        changes = {k: v for k, v in body.items() if k != "profile"}
        changes.update({f"profile_{k}": v for k, v in body.get("profile", {}).items()})
        plan = service.update_plan(
            get_session(), api_user(), plan_id, changes,
            expected_version=_if_match(), require_version=True,
        )  # fmt: skip
        return _with_etag(service.get_plan(get_session(), api_user(), plan.id), plan_out)


# Items: goals, action items, stakeholders ----------------------------------------------


def _item_endpoints(
    path: str,
    name: str,
    create_schema: Schema,
    update_schema: Schema,
    out_schema: Schema,
    add: Callable[..., Any],
    update: Callable[..., Any],
    delete: Callable[..., Any],
) -> None:
    class Collection(MethodView):
        @blp.arguments(create_schema)
        @blp.response(201, out_schema, headers={"ETag": {"schema": {"type": "string"}}})
        @authenticated(blp, *WRITE_ERRORS)
        def post(self, body: dict[str, Any], plan_id: int) -> Response:
            return _with_etag(add(get_session(), api_user(), plan_id, body), out_schema, 201)

    class Item(MethodView):
        @blp.arguments(update_schema)
        @blp.response(200, out_schema, headers={"ETag": {"schema": {"type": "string"}}})
        @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True,
                              "schema": {"type": "string"}}])  # fmt: skip
        @authenticated(blp, *VERSIONED_WRITE_ERRORS)
        def patch(self, body: dict[str, Any], plan_id: int, item_id: int) -> Response:
            item = update(
                get_session(), api_user(), plan_id, item_id, body,
                expected_version=_if_match(), require_version=True,
            )  # fmt: skip
            return _with_etag(item, out_schema)

        @blp.response(204)
        @authenticated(blp, 403, 404)
        def delete(self, plan_id: int, item_id: int) -> None:
            delete(get_session(), api_user(), plan_id, item_id)

    Collection.__name__ = f"{name}Collection"
    Item.__name__ = f"{name}Item"
    blp.route(f"/account-plans/<int:plan_id>/{path}", endpoint=f"{path}_collection")(Collection)
    blp.route(f"/account-plans/<int:plan_id>/{path}/<int:item_id>", endpoint=f"{path}_item")(Item)


_item_endpoints(
    "goals", "Goal", schemas.GoalSchema(), schemas.GoalPatchSchema(partial=True),
    schemas.GoalOutSchema(), service.add_goal, service.update_goal, service.delete_goal,
)  # fmt: skip
_item_endpoints(
    "action-items", "ActionItem", schemas.ActionSchema(),
    schemas.ActionItemPatchSchema(partial=True), schemas.ActionOutSchema(),
    service.add_action, service.update_action, service.delete_action,
)  # fmt: skip
_item_endpoints(
    "stakeholders", "Stakeholder", schemas.StakeholderSchema(),
    schemas.StakeholderPatchSchema(partial=True), schemas.StakeholderOutSchema(),
    service.add_stakeholder, service.update_stakeholder, service.delete_stakeholder,
)  # fmt: skip


# Account team -------------------------------------------------------------------


@blp.route("/account-plans/<int:plan_id>/team")
class Team(MethodView):
    @blp.arguments(schemas.TeamMemberSchema)
    @blp.response(201, schemas.TeamMemberOutSchema)
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any], plan_id: int) -> Any:
        """Add a colleague of any function to the account team."""
        return service.add_team_member(get_session(), api_user(), plan_id, body)


@blp.route("/account-plans/<int:plan_id>/team/<int:user_id>")
class TeamMember(MethodView):
    @blp.response(204)
    @authenticated(blp, 403, 404, 409)
    def delete(self, plan_id: int, user_id: int) -> None:
        """Remove a colleague (409 while they own open actions)."""
        service.remove_team_member(get_session(), api_user(), plan_id, user_id)


# What the whole account team adds: insights and comments -----------------------------


@blp.route("/account-plans/<int:plan_id>/insights")
class Insights(MethodView):
    @blp.arguments(paging.PageQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, schemas.InsightOutSchema(many=True), headers=paging.LINK_HEADER)
    @authenticated(blp, *READ_ERRORS, 422)
    def get(self, query: dict[str, Any], plan_id: int) -> Any:
        """The plan's insights the caller sees: the approved ones, their own in any state,
        and every one for the plan's owner; oldest first."""
        insights = contributions.insights_of_plan(get_session(), api_user(), plan_id)
        return paging.list_page(insights, OLDEST_FIRST, query).answer()

    @blp.arguments(schemas.InsightSchema)
    @blp.response(201, schemas.InsightOutSchema)
    @blp.alt_response(
        200,
        schema=schemas.InsightOutSchema,
        description="That client_uuid was seen before: its insight",
    )
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any], plan_id: int) -> Any:
        """A member of the account team, of any line, adds an insight to one profiling area;
        it waits for the owner's approval when the plan says so (insights_need_approval).
        Idempotent by client_uuid."""
        insight, created = contributions.add_insight(get_session(), api_user(), plan_id, body)
        return insight, 201 if created else 200


@blp.post("/account-plans/<int:plan_id>/insights/<int:insight_id>/approval")
@blp.arguments(schemas.InsightDecisionSchema)
@blp.response(200, schemas.InsightOutSchema)
@authenticated(blp, *WRITE_ERRORS)
def insight_approval(body: dict[str, Any], plan_id: int, insight_id: int) -> Any:
    """The plan's owner approves or declines an insight waiting for them. The same decision
    again changes nothing; the other one, once decided, is 409."""
    return contributions.decide_insight(
        get_session(), api_user(), plan_id, insight_id, body["decision"]
    )


@blp.route("/account-plans/<int:plan_id>/comments")
class Comments(MethodView):
    @blp.arguments(paging.PageQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, schemas.CommentOutSchema(many=True), headers=paging.LINK_HEADER)
    @authenticated(blp, *READ_ERRORS, 422)
    def get(self, query: dict[str, Any], plan_id: int) -> Any:
        """The plan's comments, oldest first."""
        comments = contributions.comments_of_plan(get_session(), api_user(), plan_id)
        return paging.list_page(comments, OLDEST_FIRST, query).answer()

    @blp.arguments(schemas.CommentSchema)
    @blp.response(201, schemas.CommentOutSchema)
    @blp.alt_response(
        200,
        schema=schemas.CommentOutSchema,
        description="That client_uuid was seen before: its comment",
    )
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any], plan_id: int) -> Any:
        """Anyone on the account team, or the owner's manager, comments. Idempotent by
        client_uuid."""
        comment, created = contributions.add_comment(get_session(), api_user(), plan_id, body)
        return comment, 201 if created else 200


# Goal actuals: where each goal stood over time -------------------------------------------

actual_out = schemas.ActualOutSchema()


@blp.route("/goals/<int:goal_id>/actuals")
class GoalActuals(MethodView):
    @blp.arguments(paging.PageQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, schemas.ActualOutSchema(many=True), headers=paging.LINK_HEADER)
    @authenticated(blp, *READ_ERRORS, 422)
    def get(self, query: dict[str, Any], goal_id: int) -> Any:
        """The goal's actuals, oldest first (404 outside the caller's plans)."""
        found = actuals.actuals_of(get_session(), api_user(), goal_id)
        return paging.list_page(found, ACTUAL_ORDER, query).answer()

    @blp.arguments(schemas.ActualSchema)
    @blp.response(201, schemas.ActualOutSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.alt_response(
        200,
        schema=schemas.ActualOutSchema,
        description="That client_uuid was seen before: its actual",
    )
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any], goal_id: int) -> Response:
        """The plan's owner or a member of its account team records where the goal stood on a
        date (source: api). Idempotent by client_uuid."""
        actual, created = actuals.record_actual(
            get_session(), api_user(), goal_id, body, ActualSource.API
        )
        return _with_etag(actual, actual_out, 201 if created else 200)


@blp.route("/goals/<int:goal_id>/actuals/<int:actual_id>")
class GoalActualResource(MethodView):
    @blp.arguments(schemas.ActualPatchSchema)
    @blp.response(200, schemas.ActualOutSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True,
                          "schema": {"type": "string"}}])  # fmt: skip
    @authenticated(blp, *VERSIONED_WRITE_ERRORS)
    def patch(self, body: dict[str, Any], goal_id: int, actual_id: int) -> Response:
        """Correct an actual's date or value (whoever recorded it, or the plan's owner);
        If-Match must name its current version (412 when stale, 428 without)."""
        actual = actuals.update_actual(
            get_session(), api_user(), goal_id, actual_id, body, expected_version=_if_match()
        )
        return _with_etag(actual, actual_out)

    @blp.response(204)
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True,
                          "schema": {"type": "string"}}])  # fmt: skip
    @authenticated(blp, 403, 404, 412, 428)
    def delete(self, goal_id: int, actual_id: int) -> None:
        """Remove an actual (whoever recorded it, or the plan's owner), with If-Match."""
        actuals.delete_actual(
            get_session(), api_user(), goal_id, actual_id, expected_version=_if_match()
        )
