"""Changing one's own profile and password."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from coachapp import account_events
from coachapp.auth.passwords import (
    PasswordSchema,
    hash_password,
    password_problem,
    verify_password,
)
from coachapp.auth.service import end_all_sessions
from coachapp.db import utcnow
from coachapp.errors import InvalidInput
from coachapp.forms import Line
from coachapp.languages import BROWSERS_CHOICE, FROM_THE_BROWSER, LANGUAGES
from coachapp.models import User
from coachapp.timezones import check_timezone


class ProfileSchema(Schema):
    name = Line(
        required=True,
        validate=[validate.Length(min=1, error="Enter your name."), validate.Length(max=120)],
        error_messages={"required": "Enter your name."},
    )
    timezone = fields.String(
        required=True,
        validate=check_timezone,
        error_messages={"required": "Choose your time zone."},
    )
    # Left out (an older form, the API): the language stays as it was.
    language = fields.String(
        validate=validate.OneOf(
            [BROWSERS_CHOICE, *LANGUAGES], error="Choose one of the languages listed."
        )
    )


profile_schema = ProfileSchema()
password_schema = PasswordSchema()


def update_profile(db: Session, user: User, data: dict[str, Any]) -> None:
    user.name = data["name"].strip()
    user.timezone = data["timezone"]
    if "language" in data:
        chosen = data["language"]
        user.language = FROM_THE_BROWSER if chosen == BROWSERS_CHOICE else chosen
    db.commit()


def change_password(db: Session, user: User, current: str, new: str) -> None:
    """Sets a new password of the user's own choosing and signs them out everywhere else."""
    if user.temporary_password_expired(utcnow()):
        message = "This temporary password has expired; ask an admin for a new one."
        raise InvalidInput(message, {"current_password": [message]})
    if not verify_password(user.password_hash, current):
        raise InvalidInput(
            "Your current password is not right.",
            {"current_password": ["This is not your current password."]},
        )
    problem = password_problem(new, email=user.email)
    if problem:
        raise InvalidInput(problem, {"new_password": [problem]})
    if new == current:
        message = "Choose a password different from the one you have now."
        raise InvalidInput(message, {"new_password": [message]})
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.temporary_password_expires_at = None
    end_all_sessions(db, user)
    account_events.record(db, user, user, "user.password_change")
    db.commit()
