"""What journey forms take: a step as enablement writes it, a new journey, and a rep's
exercise submission (the same schema for the form and a phone's replayed outbox)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from coachapp.field_messages import NEED_JOURNEY_NAME, NEED_STEP_TITLE
from coachapp.forms import FormId, Line, Lines, too_long
from coachapp.models import StepKind

TITLE_MAX = 160
BODY_MAX = 2000  # a 2-minute read fits
URL_MAX = 500
SUBMISSION_MAX = 2000
NEED_TITLE = NEED_STEP_TITLE % {"max": TITLE_MAX}
NEED_KIND = "Choose what kind of step it is."
NEED_URL = "Give the address in your learning system (https://…)."
NEED_INSTRUCTIONS = "Say what the rep does on their account, and what to send back."
NEED_NAME = NEED_JOURNEY_NAME % {"max": TITLE_MAX}
NEED_ACCOUNT = "Choose the account you did it on."
NEED_TEXT = "Write what you did and what you found."


class StepSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf([k.value for k in StepKind], error=NEED_KIND),
        error_messages={"required": NEED_KIND},
    )
    title = Line(
        required=True,
        validate=validate.Length(1, TITLE_MAX, error=NEED_TITLE),
        error_messages={"required": NEED_TITLE},
    )
    body = Lines(load_default="", validate=validate.Length(max=BODY_MAX, error=too_long(BODY_MAX)))
    url = fields.Url(
        load_default="",
        schemes={"https", "http"},
        validate=validate.Length(max=URL_MAX, error=too_long(URL_MAX)),
        error_messages={"invalid": NEED_URL},
    )

    @validates_schema(skip_on_field_errors=True)
    def _kind_needs(self, data: dict[str, Any], **_: Any) -> None:
        if data["kind"] == StepKind.LINK and not data.get("url"):
            raise ValidationError(NEED_URL, "url")
        if data["kind"] == StepKind.EXERCISE and not data.get("body", "").strip():
            raise ValidationError(NEED_INSTRUCTIONS, "body")


class JourneySchema(Schema):
    competency_key = fields.String(
        required=True,
        validate=validate.Length(1, 64),
        error_messages={"required": "Choose the competency the journey develops."},
    )
    name = Line(
        required=True,
        validate=validate.Length(1, TITLE_MAX, error=NEED_NAME),
        error_messages={"required": NEED_NAME},
    )


class SubmissionSchema(Schema):
    """An exercise's answer, as the form (and the outbox replaying it) sends it."""

    client_uuid = fields.UUID(load_default=None)
    account_id = FormId(
        required=True, error_messages={"required": NEED_ACCOUNT, "null": NEED_ACCOUNT}
    )
    text = Lines(
        required=True,
        validate=validate.Length(1, SUBMISSION_MAX, error=too_long(SUBMISSION_MAX)),
        error_messages={"required": NEED_TEXT},
    )

    @validates_schema(skip_on_field_errors=True)
    def _something_written(self, data: dict[str, Any], **_: Any) -> None:
        if not data["text"].strip():
            raise ValidationError(NEED_TEXT, "text")


step_schema = StepSchema()
journey_schema = JourneySchema()
submission_schema = SubmissionSchema()
