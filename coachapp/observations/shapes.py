"""What an observation looks like over JSON, on its own and on a coaching note (which is why
this module needs nothing of the observations' service: the note's schemas import it).

flask-smorest names each OpenAPI component after its schema class, so these class names are
part of the published document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, post_dump

from coachapp import policy
from coachapp.models import Function, Observation, User


@dataclass(frozen=True)
class ObservationView:
    """One observation as one caller may see it."""

    observation: Observation
    viewer: User

    @property
    def received(self) -> bool:
        return policy.received(self.viewer, self.observation)

    @property
    def is_subject(self) -> bool:
        return self.observation.subject_id == self.viewer.id


class ObservationPersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    function = fields.Enum(Function, by_value=True, required=True)
    function_label = fields.String(required=True)


class ObservationAccountSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ObservationCompetencySchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    name = fields.String(required=True)


class AttachedObservationOutSchema(Schema):
    """An observation on a coaching note, as the note's rep and its author read it."""

    id = fields.Integer(required=True)
    author = fields.Nested(ObservationPersonSchema, required=True)
    account = fields.Nested(ObservationAccountSchema, required=True)
    competency = fields.Nested(ObservationCompetencySchema, required=True)
    text = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


# Keys for the line manager it was routed to alone: where they used it, and when they read it.
RECIPIENT_ONLY = ("read_at",)
# The note it is attached to: the recipient's own note, which its subject reads once shared.
RECIPIENT_AND_SUBJECT = ("note_id",)


class ObservationOutSchema(Schema):
    """An ObservationView: an observation as the caller may see it."""

    id = fields.Integer(attribute="observation.id", required=True)
    client_uuid = fields.UUID(attribute="observation.client_uuid", required=True)
    subject = fields.Nested(ObservationPersonSchema, attribute="observation.subject", required=True)
    author = fields.Nested(ObservationPersonSchema, attribute="observation.author", required=True)
    routed_to = fields.Nested(
        ObservationPersonSchema,
        attribute="observation.routed_to",
        required=True,
        metadata={"description": "The subject's line manager when it was written"},
    )
    account = fields.Nested(
        ObservationAccountSchema, attribute="observation.account", required=True
    )
    competency = fields.Nested(
        ObservationCompetencySchema, attribute="observation.competency", required=True
    )
    text = fields.String(attribute="observation.text", required=True)
    created_at = fields.AwareDateTime(attribute="observation.created_at", required=True)
    note_id = fields.Integer(
        attribute="observation.note_id",
        allow_none=True,
        metadata={
            "description": "The coaching note it is attached to (null: none yet). Present for "
            "the line manager it was routed to and for its subject; absent for its author"
        },
    )
    read_at = fields.AwareDateTime(
        attribute="observation.read_at",
        allow_none=True,
        metadata={
            "description": "When the line manager first opened it. Present for that manager only"
        },
    )

    @post_dump(pass_original=True)
    def _narrowed(self, data: dict[str, Any], view: ObservationView, **_: Any) -> dict[str, Any]:
        if not view.received:
            for key in RECIPIENT_ONLY:
                data.pop(key, None)
            if not view.is_subject:
                for key in RECIPIENT_AND_SUBJECT:
                    data.pop(key, None)
        return data
