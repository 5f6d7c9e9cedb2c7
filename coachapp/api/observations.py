"""Observations across reporting lines over JSON: a manager or director records what they saw a
colleague of another line do on a shared account; it goes to that colleague's own line
manager, who may attach it to a draft coaching note to them.

Thin views over coachapp.observations.service, the service the pages use. Creating one is
idempotent by client_uuid (per author). Who reads what is coachapp.policy's: the author, the
line manager it was routed to, and the subject only through a shared note it is attached to;
404 for anyone else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.views import MethodView
from marshmallow import RAISE

from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.coaching import READ_ERRORS, WRITE_ERRORS, NoteAnswer, note_answer
from coachapp.api.paging import desc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.coaching import schemas as coaching_schemas
from coachapp.db import get_session
from coachapp.models import Observation
from coachapp.observations import service
from coachapp.observations.schemas import ObservationCreateSchema, ObservationListQuerySchema
from coachapp.observations.shapes import ObservationOutSchema, ObservationView

blp = Blueprint("api_observations", __name__, description="Observations across reporting lines")
callers_only(blp)

NOTE_ETAG = {"ETag": {"description": "The session's version", "schema": {"type": "string"}}}
# The newest first (as observations.service.observations_for).
OBSERVATION_ORDER = [desc(Observation.created_at, dt.datetime), desc(Observation.id)]


class ObservationPageQuerySchema(paging.PageQuerySchema, ObservationListQuerySchema):
    pass


def _view(observation: Observation) -> ObservationView:
    return ObservationView(observation, api_user())


@blp.route("/observations")
class Observations(MethodView):
    @blp.arguments(ObservationPageQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, ObservationOutSchema(many=True), headers=paging.LINK_HEADER)
    @authenticated(blp, 422)
    def get(self, query: dict[str, Any]) -> Any:
        """What the caller may read, newest first: those they wrote, those routed to them
        (the subject's line manager), and, about themself, those attached to a coaching note
        shared with them. subject_id narrows them to one person."""
        statement = service.observations_query(api_user(), query.get("subject_id"))
        page = paging.query_page(get_session(), statement, OBSERVATION_ORDER, query)
        return page.map(lambda found: [_view(observation) for observation in found]).answer()

    @blp.arguments(ObservationCreateSchema)
    @blp.response(201, ObservationOutSchema)
    @blp.alt_response(
        200,
        schema=ObservationOutSchema,
        description="That client_uuid was seen before from the caller: the observation it made",
    )
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any]) -> tuple[ObservationView, int]:
        """A manager or director records an observation of an account-team member who shares
        the account with them or their people (404 otherwise); it goes to the member's line
        manager (Inbox and push). Across the medical/commercial wall only the 3C competencies
        (422 at competency_id). Idempotent by client_uuid."""
        observation, created = service.create_observation(get_session(), api_user(), body)
        return _view(observation), 201 if created else 200


@blp.get("/observations/<int:observation_id>")
@blp.response(200, ObservationOutSchema)
@authenticated(blp, *READ_ERRORS)
def observation(observation_id: int) -> ObservationView:
    """One observation the caller may read; 404 otherwise."""
    return _view(service.get_observation(get_session(), api_user(), observation_id))


@blp.route("/coaching-sessions/<int:session_id>/observations/<int:observation_id>")
class Attachment(MethodView):
    @blp.response(200, coaching_schemas.SessionOutSchema, headers=NOTE_ETAG)
    @authenticated(blp, *WRITE_ERRORS)
    def put(self, session_id: int, observation_id: int) -> NoteAnswer:
        """The note's author attaches an observation routed to them, about the note's rep, to
        their draft (409 once shared, or when it is on another note); again: no change.
        The rep reads it on the note once shared."""
        note = service.attach(get_session(), api_user(), session_id, observation_id)
        return note_answer(note)

    @blp.response(200, coaching_schemas.SessionOutSchema, headers=NOTE_ETAG)
    @authenticated(blp, *WRITE_ERRORS)
    def delete(self, session_id: int, observation_id: int) -> NoteAnswer:
        """The note's author takes an observation off their draft before sharing it (409
        once shared); one not on the note: no change."""
        note = service.detach(get_session(), api_user(), session_id, observation_id)
        return note_answer(note)
