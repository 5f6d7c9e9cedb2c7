"""JSON shapes of the API (DESIGN.md "Core JSON shapes")."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from coachapp.email_addresses import normalise_email
from coachapp.forms import STORABLE_TEXT, Line
from coachapp.models import Function, Role

EMAIL_MAX_LENGTH = 254


class TokenRequestSchema(Schema):
    email = fields.String(
        required=True, validate=[validate.Length(min=1, max=EMAIL_MAX_LENGTH), STORABLE_TEXT]
    )
    password = fields.String(
        required=True, validate=[validate.Length(min=1, max=1024), STORABLE_TEXT]
    )
    name = Line(validate=validate.Length(min=1, max=80))

    @validates("email")
    def _fits_once_normalised(self, value: str, **_: Any) -> None:
        # Lower-casing can lengthen text ("İ" becomes two characters); the column holds 254.
        if len(normalise_email(value)) > EMAIL_MAX_LENGTH:
            raise ValidationError(f"Longer than maximum length {EMAIL_MAX_LENGTH}.")


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class RepSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    function = fields.Enum(Function, by_value=True, required=True)
    manager_id = fields.Integer(required=True, allow_none=True)


class MeSchema(RepSchema):
    role = fields.Enum(Role, by_value=True, required=True)
    timezone = fields.String(required=True)
