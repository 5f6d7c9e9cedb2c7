"""What the observations API takes: the body of a new one (the service's schema, shared with
the form and a phone's queue) and the list's query."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from coachapp.ids import MAX_ID
from coachapp.observations.service import ObservationSchema


class ObservationCreateSchema(ObservationSchema):
    """POST /observations: the form's schema, as the API documents it."""


class ObservationListQuerySchema(Schema):
    subject_id = fields.Integer(
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Only those about this person"},
    )
