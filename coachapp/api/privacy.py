"""GET /api/v1/me/export: everything Coachapp holds about the caller (coachapp.privacy.export)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from coachapp.api.auth import callers_only
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.db import get_session
from coachapp.privacy.export import export_person
from coachapp.privacy.sections import SECTION_TITLES

blp = Blueprint("api_privacy", __name__, description="What Coachapp holds about a person")
callers_only(blp)


def _rows(key: str) -> fields.List:
    return fields.List(fields.Dict(), required=True, metadata={"description": SECTION_TITLES[key]})


class ExportSchema(Schema):
    """The caller's export. Coaching notes have the shape of GET /sessions/{id} as the caller
    reads it; follow-ups of GET /follow-ups; observations of GET /observations; coach-the-coach
    notes of GET /coach-notes; other sections give each stored row's columns, never a secret
    (hashes of passwords and tokens, device keys)."""

    format = fields.String(required=True, metadata={"description": "coachapp-export/1"})
    exported_at = fields.String(required=True, metadata={"format": "date-time"})
    person_id = fields.Integer(required=True)
    profile = fields.Dict(required=True)
    reporting_lines = _rows("reporting_lines")
    territories = _rows("territories")
    directory = fields.Dict(required=True, metadata={"description": SECTION_TITLES["directory"]})
    notes = _rows("notes")
    self_assessment_waiting = fields.Dict(required=True, allow_none=True)
    follow_ups = _rows("follow_ups")
    development_focuses = _rows("development_focuses")
    observations = _rows("observations")
    coach_the_coach_notes = _rows("coach_the_coach_notes")
    plans = _rows("plans")
    plan_actions_owned = _rows("plan_actions_owned")
    plan_comments_written = _rows("plan_comments_written")
    plan_insights_written = _rows("plan_insights_written")
    goal_actuals_recorded = _rows("goal_actuals_recorded")
    account_reviews = _rows("account_reviews")
    acknowledgements = fields.Dict(required=True)
    ride_alongs = _rows("ride_alongs")
    push_devices = _rows("push_devices")
    notification_preferences = _rows("notification_preferences")
    notifications = _rows("notifications")
    emails = _rows("emails")
    calendar_feeds = _rows("calendar_feeds")
    sign_in_sessions = _rows("sign_in_sessions")
    sign_in_attempts = _rows("sign_in_attempts")
    api_tokens = _rows("api_tokens")
    password_links = _rows("password_links")
    account_change_requests = _rows("account_change_requests")
    audit_entries = _rows("audit_entries")
    competencies = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "{id, key, name, guide_version_id} of each competency of the guide "
            "versions the notes and self-assessment were rated on"
        },
    )


@blp.get("/me/export")
@blp.response(200, ExportSchema)
@authenticated(blp)
def my_export() -> Any:
    """Everything Coachapp holds about the caller: what their pages show them, as JSON."""
    return export_person(get_session(), api_user())
