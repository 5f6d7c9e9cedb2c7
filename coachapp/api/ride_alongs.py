"""The ride-along day over JSON: planning, the rep's preparation and pre-brief, the calls the
manager captures (idempotent by client_uuid), and the end-of-day note.

Thin views over coachapp.ride_alongs.service, the service the pages use; bodies are loaded
with coachapp.ride_alongs.schemas, as the pages load their forms. A ride-along is its
manager's and its rep's (404 for anyone else); its calls are the manager's working notes.
The preparation is read with an ETag and changed with If-Match.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, make_response, request
from flask.views import MethodView
from marshmallow import RAISE

from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.coaching import (
    ETAG_HEADER,
    IF_MATCH,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    NoteAnswer,
    note_answer,
)
from coachapp.api.paging import asc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.coaching.schemas import SessionOutSchema
from coachapp.db import get_session
from coachapp.models import PlannedRideAlong, RideAlongCall
from coachapp.ride_alongs import calendar
from coachapp.ride_alongs import service as ride_alongs
from coachapp.ride_alongs.schemas import (
    LIST_DAYS_BACK,
    AgreementDoneSchema,
    AgreementOutSchema,
    CallInSchema,
    CallOutSchema,
    PreparationSchema,
    RideAlongCreateSchema,
    RideAlongDetailOutSchema,
    RideAlongListQuerySchema,
    RideAlongOutSchema,
    RideView,
)
from coachapp.timezones import local_today
from coachapp.versioning import etag, parse_if_match

blp = Blueprint(
    "api_ride_alongs",
    __name__,
    description="The ride-along day: preparation, pre-brief, calls and the end-of-day note",
)
callers_only(blp)

# The orders the lists are paged in (coachapp.api.paging).
RIDE_ORDER = [asc(PlannedRideAlong.day, dt.date), asc(PlannedRideAlong.id)]
CALL_ORDER = [asc(lambda call: call.captured_at, dt.datetime), asc(lambda call: call.id)]


class RideAlongPageQuerySchema(paging.PageQuerySchema, RideAlongListQuerySchema):
    pass


# Helpers ---------------------------------------------------------------------------------


ride_out = RideAlongOutSchema()
ride_detail_out = RideAlongDetailOutSchema()
call_out = CallOutSchema()


def _ride_response(ride: PlannedRideAlong, status: int = 200) -> Response:
    brief = ride_alongs.pre_brief(get_session(), api_user(), ride)
    view = RideView(
        ride,
        {
            "note_id": brief.note.id if brief.note else None,
            "occurred_on": brief.note.occurred_on if brief.note else None,
            "agreements": brief.agreements,
        },
    )
    response = make_response(ride_detail_out.dump(view), status)
    response.headers["ETag"] = etag(ride.version)
    return response


def _call_response(call: RideAlongCall, status: int) -> Response:
    return make_response(call_out.dump(call), status)


# Ride-alongs -----------------------------------------------------------------------------


@blp.route("/ride-alongs")
class RideAlongs(MethodView):
    @blp.arguments(RideAlongPageQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, RideAlongOutSchema(many=True), headers=paging.LINK_HEADER)
    @authenticated(blp, 422)
    def get(self, query: dict[str, Any]) -> Any:
        """The caller's ride-along days (as manager or rep), soonest first; cancelled ones
        left out."""
        user = api_user()
        since = query.get("since") or local_today(user.timezone) - dt.timedelta(days=LIST_DAYS_BACK)
        statement = ride_alongs.rides_query(user, since).options(*ride_alongs.ride_options())
        return paging.query_page(get_session(), statement, RIDE_ORDER, query).answer()

    @blp.arguments(RideAlongCreateSchema)
    @blp.response(201, RideAlongDetailOutSchema, headers=ETAG_HEADER)
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any]) -> Response:
        """Plan a ride-along with one of your reps (a manager), from today to a year ahead."""
        db, user = get_session(), api_user()
        ride = calendar.plan_ride_along(
            db,
            user,
            body["rep_id"],
            body["day"],
            local_today(user.timezone),
            body["plan_id"],
            body["note"],
        )
        return _ride_response(ride_alongs.get_ride(db, user, ride.id), 201)


@blp.route("/ride-alongs/<int:ride_id>")
class RideAlongResource(MethodView):
    @blp.response(200, RideAlongDetailOutSchema, headers=ETAG_HEADER)
    @authenticated(blp, *READ_ERRORS)
    def get(self, ride_id: int) -> Response:
        """One ride-along day with the rep's preparation and the pre-brief (the last shared
        note's agreements and their status), with its ETag."""
        return _ride_response(ride_alongs.get_ride(get_session(), api_user(), ride_id))

    @blp.arguments(PreparationSchema)
    @blp.response(200, RideAlongDetailOutSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=IF_MATCH)
    @authenticated(blp, *VERSIONED_WRITE_ERRORS)
    def patch(self, body: dict[str, Any], ride_id: int) -> Response:
        """The rep prepares the day: what they want help with, and the accounts with a call
        objective each (the rep only; 409 once the note is written)."""
        db, user = get_session(), api_user()
        current = ride_alongs.get_ride(db, user, ride_id)
        ride = ride_alongs.prepare(
            db,
            user,
            ride_id,
            body.get("help_request", current.help_request),
            body["stops"]
            if "stops" in body
            else [
                {"plan_id": s.plan_id, "name": s.name, "objective": s.objective}
                for s in current.stops
            ],
            expected_version=parse_if_match(request.headers.get("If-Match")),
            require_version=True,
        )
        return _ride_response(ride)


@blp.post("/ride-alongs/<int:ride_id>/agreements/<int:follow_up_id>/done")
@blp.arguments(AgreementDoneSchema)
@blp.response(200, AgreementOutSchema)
@authenticated(blp, *WRITE_ERRORS)
def agreement_done(body: dict[str, Any], ride_id: int, follow_up_id: int) -> Any:
    """Before the visit the rep marks an agreement of the last note done, with one line of
    evidence the manager sees (the follow-up's owner; 404 for a follow-up not in the
    pre-brief)."""
    return ride_alongs.complete_agreement(
        get_session(), api_user(), ride_id, follow_up_id, body["evidence"]
    )


@blp.route("/ride-alongs/<int:ride_id>/calls")
class Calls(MethodView):
    @blp.arguments(paging.PageQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, CallOutSchema(many=True), headers=paging.LINK_HEADER)
    @authenticated(blp, *READ_ERRORS, 422)
    def get(self, query: dict[str, Any], ride_id: int) -> Any:
        """The calls captured on the day, in the order they were (the manager's; 404 for the
        rep, who rates themself blind on the note)."""
        db, user = get_session(), api_user()
        calls = ride_alongs.calls_of(db, user, ride_alongs.get_ride(db, user, ride_id))
        return paging.list_page(calls, CALL_ORDER, query).answer()

    @blp.arguments(CallInSchema)
    @blp.response(201, CallOutSchema)
    @blp.alt_response(
        200, schema=CallOutSchema, description="That client_uuid was seen before: its call"
    )
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any], ride_id: int) -> Response:
        """Capture a call (the manager): the account, the competencies observed with a rating
        each, a line of evidence. Idempotent by client_uuid; 409 once the note is written."""
        call, created = ride_alongs.capture_call(get_session(), api_user(), ride_id, body)
        return _call_response(call, 201 if created else 200)


@blp.delete("/ride-alongs/<int:ride_id>/calls/<int:call_id>")
@blp.response(204)
@authenticated(blp, 404, 409)
def remove_call(ride_id: int, call_id: int) -> Response:
    """Take back a call captured by mistake (the manager, before the note is written)."""
    ride_alongs.remove_call(get_session(), api_user(), ride_id, call_id)
    return make_response("", 204)


@blp.post("/ride-alongs/<int:ride_id>/note")
@blp.response(201, SessionOutSchema, headers=ETAG_HEADER)
@blp.alt_response(
    200,
    schema=SessionOutSchema,
    description="The note was written before: that note",
    headers=ETAG_HEADER,
)
@authenticated(blp, 403, 404, 409, 422)
def write_note(ride_id: int) -> NoteAnswer:
    """End of the day: the calls become one ride-along coaching note (a draft of the
    manager's), pre-filled with the ratings per competency and suggested strengths and
    focus with their evidence. Asking again returns the same note."""
    note, created = ride_alongs.write_note(get_session(), api_user(), ride_id)
    return note_answer(note, 201 if created else 200)
