"""Which email addresses a person may be given: one rule for the admin's form, the command
line and the organisation import.

RFC 5322 allows a local part such as `=cmd|'/c calc'!a`, and marshmallow's Email accepts it;
such an address would then sit in every CSV export, in lists and in audit entries. Work
addresses are letters and digits joined by dots, hyphens, underscores, plus signs or
apostrophes, so that is what is accepted: the local part starts with a letter or a digit,
and holds nothing else. Signing in only looks an address up, so it checks nothing here.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, validate

from coachapp.languages import N_

MAX_LENGTH = 254  # the column's size, and RFC 5321's limit for a path
INVALID = N_("Enter a valid email.")
LOCAL_PART_PROBLEM = N_(
    "An email address starts with a letter or digit and holds only letters, digits and "
    ". - _ + ' before the @."
)
# Unicode letters and digits (\w minus the underscore) first; then those or the joiners.
_LOCAL_PART = re.compile(r"[^\W_][\w.+'-]*")
_SYNTAX = validate.Email(error=INVALID)


def normalise_email(email: str) -> str:
    """How addresses are stored and looked up: without surrounding spaces, in lower case."""
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why `email` (as normalise_email leaves it) cannot be a person's address, or None."""
    if not email:
        return INVALID
    if len(email) > MAX_LENGTH:
        return N_("An email address has at most %(max)s characters.") % {"max": MAX_LENGTH}
    try:
        _SYNTAX(email)
    except ValidationError:
        return INVALID
    local_part = email.rpartition("@")[0]
    if not _LOCAL_PART.fullmatch(local_part):
        return LOCAL_PART_PROBLEM
    return None


class PersonEmail(validate.Validator):
    """email_problem for a marshmallow field (checked as it will be stored)."""

    error = INVALID

    def __call__(self, value: Any) -> Any:
        problem = email_problem(normalise_email(value)) if isinstance(value, str) else INVALID
        if problem:
            raise ValidationError(problem)
        return value
