"""The export as a person reads it on the printable page: every field of the document by a
label in the reader's language, enumerated values (statuses, roles, types) by their name, dates
as the language writes them. The JSON download keeps the document's own keys and values."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_babel import format_decimal

from coachapp.coaching.blind import SelfRatingState
from coachapp.languages import N_, formatted, gettext, language_name
from coachapp.models import (
    ACCOUNT_TYPE_LABELS,
    FUNCTION_LABELS,
    NOTE_TYPE_LABELS,
    ROLE_LABELS,
    ActionStatus,
    ActualSource,
    ChangeRequestStatus,
    InsightStatus,
    NotificationStatus,
    PasswordLinkPurpose,
)
from coachapp.models.coaching import FOLLOW_UP_STATUS_LABELS, NOTE_STATUS_LABELS
from coachapp.nudges.kinds import KINDS
from coachapp.nudges.preferences import EMAIL_MODES
from coachapp.plans.labels import LABELS as PLAN_LABELS
from coachapp.plans.profiling import AREA_TITLES
from coachapp.privacy.sections import SECTION_TITLES

# Each key of the document (at any depth) as a field's label; marked for the catalogues and
# translated where shown. A section's key nested in another section is named by its title
# (SECTION_TITLES).
FIELD_LABELS: dict[str, str] = {
    "account": N_("Account"),
    "account_id": N_("Account (id)"),
    "account_name": N_("Account"),
    "account_reviews": N_("Account-team reviews"),
    "ack_comment": N_("Acknowledgement comment"),
    "acknowledged_at": N_("Acknowledged at"),
    "acknowledged_late": N_("Acknowledged late"),
    "acknowledgement": N_("Acknowledgement"),
    "acknowledgement_deadline": N_("Acknowledgement deadline"),
    "action": N_("Action"),
    "action_item_id": N_("Plan action (id)"),
    "action_items": N_("Actions"),
    "actions_done": N_("Actions done"),
    "active": N_("Active"),
    "actor_id": N_("Done by (id)"),
    "addendum": N_("Addendum"),
    "area": N_("Profiling area"),
    "at": N_("When"),
    "attempts": N_("Attempts"),
    "author": N_("Author"),
    "author_id": N_("Author (id)"),
    "baseline": N_("Baseline"),
    "baseline_date": N_("Baseline date"),
    "before_note": N_("Before the note"),
    "body": N_("Text"),
    "body_html": N_("Text (HTML)"),
    "body_text": N_("Text"),
    "calls": N_("Calls"),
    "cancelled_at": N_("Cancelled at"),
    "captured_at": N_("Captured at"),
    "changes": N_("Changes"),
    "checkin_days": N_("Check-in every (days)"),
    "client_uuid": N_("Identifier"),
    "code": N_("Code"),
    "comment": N_("Comment"),
    "comments": N_("Comments"),
    "competency": N_("Competency"),
    "competency_id": N_("Competency (id)"),
    "competency_key": N_("Competency (key)"),
    "completed_at": N_("Completed at"),
    "created_at": N_("Created at"),
    "created_by_id": N_("Created by (id)"),
    "daily_cap": N_("Notifications a day, at most"),
    "day": N_("Day"),
    "days": N_("Days"),
    "days_over": N_("Days over"),
    "decided_at": N_("Decided at"),
    "decided_by_id": N_("Decided by (id)"),
    "decision_role": N_("Decision role"),
    "deleted_at": N_("Deleted at"),
    "details": N_("Details"),
    "development_focus": N_("Development focus"),
    "director": N_("Director"),
    "director_id": N_("Director (id)"),
    "due_date": N_("Due date"),
    "due_on": N_("Due on"),
    "email": N_("Email"),
    "email_mode": N_("Email"),
    "emailed_at": N_("Emailed at"),
    "emails": N_("Emails"),
    "enrolment_id": N_("Journey (id)"),
    "ended_at": N_("Ended at"),
    "erased_at": N_("Erased at"),
    "evidence": N_("Evidence"),
    "exercises": N_("Exercises"),
    "expires_at": N_("Expires at"),
    "external_id": N_("Directory id"),
    "failures": N_("Failures"),
    "field": N_("Field"),
    "focus_id": N_("Development focus (id)"),
    "follow_ups": N_("Follow-ups"),
    "function": N_("Function"),
    "function_label": N_("Function"),
    "gap": N_("Gap"),
    "goal": N_("Goal"),
    "goal_id": N_("Goal (id)"),
    "goals": N_("Goals"),
    "goals_total": N_("Goals in all"),
    "group_id": N_("Group (id)"),
    "groups": N_("Groups"),
    "guide_version_id": N_("Coaching guide version (id)"),
    "held_back": N_("Held back"),
    "held_on": N_("Held on"),
    "help_request": N_("Help asked for"),
    "id": N_("Id"),
    "insights": N_("Insights"),
    "insights_need_approval": N_("Insights need approval"),
    "ip": N_("IP address"),
    "key": N_("Key"),
    "kind": N_("Kind"),
    "language": N_("Language"),
    "last_activity_at": N_("Last activity at"),
    "last_refusal": N_("Last refusal"),
    "last_refused_at": N_("Last refused at"),
    "last_seen_at": N_("Last seen at"),
    "last_success_at": N_("Last delivered at"),
    "last_used_at": N_("Last used at"),
    "left_at": N_("Left at"),
    "manager": N_("Manager"),
    "manager_id": N_("Manager (id)"),
    "manager_name": N_("Manager"),
    "manager_score": N_("Manager's score"),
    "measure": N_("Measure"),
    "measured_on": N_("Measured on"),
    "metric": N_("Metric"),
    "missed": N_("Missed"),
    "muted_kinds": N_("Muted notifications"),
    "must_change_password": N_("Must change password"),
    "name": N_("Name"),
    "name_parts": N_("Name parts"),
    "next_attempt_at": N_("Next attempt at"),
    "not_before": N_("Not before"),
    "note": N_("Note"),
    "note_id": N_("Coaching note (id)"),
    "object_id": N_("Object (id)"),
    "object_type": N_("Object"),
    "objective": N_("Objective"),
    "observations": N_("Observations"),
    "occurred_on": N_("Date"),
    "open_actions": N_("Open actions"),
    "open_actions_total": N_("Open actions in all"),
    "opened_at": N_("Opened at"),
    "overdue": N_("Overdue"),
    "owner": N_("Owner"),
    "owner_id": N_("Owner (id)"),
    "participants": N_("Participants"),
    "period": N_("Period"),
    "plan_id": N_("Account plan (id)"),
    "plan_progress": N_("Plan progress"),
    "plan_summary": N_("Plans at the review"),
    "position": N_("Position"),
    "prepared_at": N_("Prepared at"),
    "private_notes": N_("Private notes"),
    "profile_business": N_("Business insight"),
    "profile_clinical": N_("Clinical insight"),
    "profile_operational": N_("Operational insight"),
    "profile_reimbursement": N_("Reimbursement insight"),
    "progress_id": N_("Journey step (id)"),
    "prompt": N_("Prompt"),
    "purpose": N_("Purpose"),
    "push_count": N_("Pushes"),
    "push_service": N_("Push service"),
    "quiet_end": N_("Quiet hours end"),
    "quiet_start": N_("Quiet hours start"),
    "rating_gaps": N_("Rating gaps"),
    "ratings": N_("Ratings"),
    "ratings_hidden": N_("Ratings hidden"),
    "read_at": N_("Read at"),
    "recipient_id": N_("Recipient (id)"),
    "recorded_by_id": N_("Recorded by (id)"),
    "refusals": N_("Refusals"),
    "region": N_("Region"),
    "relationship_strength": N_("Relationship"),
    "released_at": N_("Released at"),
    "remember": N_("Remembered"),
    "rep_id": N_("Rep (id)"),
    "rep_seen_at": N_("Seen by the rep at"),
    "requested_by_id": N_("Requested by (id)"),
    "responsibility": N_("Responsibility"),
    "result": N_("Result"),
    "review_id": N_("Review (id)"),
    "reviewed_at": N_("Reviewed at"),
    "reviewed_by_id": N_("Reviewed by (id)"),
    "revoked_at": N_("Revoked at"),
    "ride_id": N_("Ride-along day (id)"),
    "role": N_("Role"),
    "routed_to": N_("Sent to"),
    "routed_to_id": N_("Sent to (id)"),
    "score": N_("Score"),
    "secret": N_("Holds a secret"),
    "seen_as_of": N_("Seen as of"),
    "self_assessment": N_("Self-assessment"),
    "self_rated_at": N_("Self-rated at"),
    "self_rating": N_("Self-rating"),
    "self_rating_skipped_at": N_("Self-rating skipped at"),
    "self_score": N_("Own score"),
    "sent_at": N_("Sent at"),
    "session_id": N_("Coaching note (id)"),
    "shared_at": N_("Shared at"),
    "situation": N_("Situation"),
    "source": N_("Source"),
    "stages": N_("Stages"),
    "stakeholders": N_("Stakeholders"),
    "started": N_("Started"),
    "started_at": N_("Started at"),
    "state": N_("State"),
    "stated_manager_id": N_("Manager in the directory (id)"),
    "status": N_("Status"),
    "step_id": N_("Step (id)"),
    "steps_reached": N_("Steps reached"),
    "stop_id": N_("Stop (id)"),
    "stops": N_("Stops"),
    "strategic_priorities": N_("Strategic priorities"),
    "strengths": N_("Strengths"),
    "subject": N_("Subject"),
    "subject_id": N_("About (id)"),
    "submitted_at": N_("Submitted at"),
    "succeeded": N_("Succeeded"),
    "talking_point": N_("Talking point"),
    "target": N_("Target"),
    "target_date": N_("Target date"),
    "team": N_("Team"),
    "team_ratings": N_("Team ratings"),
    "temporary_password_expires_at": N_("Temporary password expires at"),
    "territory_id": N_("Territory (id)"),
    "text": N_("Text"),
    "timezone": N_("Time zone"),
    "title": N_("Title"),
    "to_address": N_("To"),
    "type": N_("Type"),
    "uid": N_("Identifier"),
    "unit": N_("Unit"),
    "updated_at": N_("Updated at"),
    "url": N_("Link"),
    "used_at": N_("Used at"),
    "user": N_("Person"),
    "user_agent": N_("Browser"),
    "user_id": N_("Person (id)"),
    "vague_praise": N_("Vague praise"),
    "value": N_("Value"),
    "version": N_("Version"),
    "version_id": N_("Journey version (id)"),
    # The document's head.
    "format": N_("Format"),
    "exported_at": N_("Exported at"),
    "exported_by_id": N_("Exported by (id)"),
    "person_id": N_("Person (id)"),
}

# Fields holding what Coachapp recorded for its own reading (an audit entry's details, the
# fields of a change request) or what the company directory sent (its name parts and email
# addresses, under "user"): shown as stored, keys too. By (the part's key, the field's key).
AS_STORED = frozenset(
    {("*", "details"), ("*", "changes"), ("user", "name_parts"), ("user", "emails")}
)

# Where a value of the same key means something else in one part of the document (a
# notification's and an email's statuses are the same).
_DELIVERY = {
    NotificationStatus.PENDING.value: N_("Waiting to be sent"),
    NotificationStatus.SENDING.value: N_("Being sent"),
    NotificationStatus.SENT.value: N_("Sent"),
    NotificationStatus.FAILED.value: N_("Failed, to be tried again"),
    NotificationStatus.DEAD.value: N_("Not delivered"),
}

_PLAN_ROLES = {"owner": N_("Owner"), "team member": N_("Account team member")}

# Each enumerated value by the key it is under, marked for the catalogues.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "status": {
        **{s.value: label for s, label in NOTE_STATUS_LABELS.items()},
        **{s.value: label for s, label in FOLLOW_UP_STATUS_LABELS.items()},
        ActionStatus.OPEN.value: PLAN_LABELS["action_status"][ActionStatus.OPEN.value],
        **PLAN_LABELS["plan_status"],
        **PLAN_LABELS["goal_status"],
        InsightStatus.PENDING.value: N_("Waiting for approval"),
        InsightStatus.APPROVED.value: N_("Approved"),
        InsightStatus.DECLINED.value: N_("Declined"),
    },
    "type": {t.value: label for t, label in NOTE_TYPE_LABELS.items()},
    "role": {**{r.value: label for r, label in ROLE_LABELS.items()}, **_PLAN_ROLES},
    "function": {f.value: label for f, label in FUNCTION_LABELS.items()},
    "function_label": {label: label for label in FUNCTION_LABELS.values()},
    "account_type": {t.value: label for t, label in ACCOUNT_TYPE_LABELS.items()},
    "kind": {
        **PLAN_LABELS["goal_kind"],
        **{kind.key: kind.label for kind in KINDS.values()},
        "invitation": N_("Invitation"),
        "password_reset": N_("Password reset link"),
        "nudge": N_("Notification"),
        "nudge_digest": N_("Daily digest of notifications"),
    },
    "muted_kinds": {kind.key: kind.label for kind in KINDS.values()},
    "purpose": {
        PasswordLinkPurpose.INVITATION.value: N_("Invitation"),
        PasswordLinkPurpose.RESET.value: N_("Password reset link"),
    },
    "source": {
        ActualSource.TYPED.value: N_("Typed in Coachapp"),
        ActualSource.IMPORTED.value: N_("Imported from a file"),
        ActualSource.API.value: N_("Set through the API"),
    },
    "decision_role": dict(PLAN_LABELS["decision_role"]),
    "relationship_strength": dict(PLAN_LABELS["relationship"]),
    "state": {
        SelfRatingState.PENDING.value: N_("Not rated yet"),
        SelfRatingState.SUBMITTED.value: N_("Rated"),
        SelfRatingState.SKIPPED.value: N_("Skipped"),
    },
    "area": dict(AREA_TITLES),
    "field": {"strengths": N_("Strengths"), "development_focus": N_("Development focus")},
    "email_mode": dict(EMAIL_MODES),
}
# The same key under these parts of the document: (the part's key, the field's key).
VALUE_LABELS_IN: dict[tuple[str, str], dict[str, str]] = {
    ("notifications", "status"): _DELIVERY,
    ("emails", "status"): _DELIVERY,
    ("account_change_requests", "status"): {
        ChangeRequestStatus.PENDING.value: N_("Waiting for approval"),
        ChangeRequestStatus.APPROVED.value: N_("Approved"),
        ChangeRequestStatus.DECLINED.value: N_("Declined"),
    },
}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")
DAY_FORMAT = "%-d %b %Y"
TIME_FORMAT = "%-d %b %Y %H:%M"


def as_stored(part: str, key: str) -> bool:
    return ("*", key) in AS_STORED or (part, key) in AS_STORED


def field_label(key: str) -> str:
    """A key of the document as the reader's language names the field; a key with no label
    (tests/privacy/test_spanish.py keeps there being none) as it is."""
    label = FIELD_LABELS.get(key) or SECTION_TITLES.get(key)
    return gettext(label) if label else key


def value_label(part: str, key: str, value: str) -> str | None:
    """An enumerated value's name in the reader's language, or None for any other value."""
    labels = VALUE_LABELS_IN.get((part, key)) or VALUE_LABELS.get(key, {})
    label = labels.get(value)
    return gettext(label) if label else None


def shown_value(part: str, key: str, value: Any) -> str:
    """A value that is neither a list nor an object, as the printable page writes it: an
    enumerated value by its name, a date or time as the reader's language writes it (times in
    UTC, as stored), a decimal number with the language's separator; anything else as is."""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, float):
        return format_decimal(value)
    if not isinstance(value, str):
        return str(value)
    if key == "language":
        return language_name(value) if value else gettext("The browser's language")
    if (named := value_label(part, key, value)) is not None:
        return named
    if _DATE.fullmatch(value):
        return formatted(dt.date.fromisoformat(value), DAY_FORMAT)
    if _DATETIME.fullmatch(value):
        return formatted(dt.datetime.fromisoformat(value), TIME_FORMAT)
    return value
