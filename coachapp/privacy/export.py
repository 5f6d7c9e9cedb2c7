"""Everything Coachapp holds about one person, as one JSON document: what they download from
the Me section (GET /api/v1/me/export), what an admin exports for them on request, and, for a
transfer, a rep's coaching history as their manager may see it.

Coaching content is read through the same rules as every page (coachapp.policy, the note
view of coachapp.coaching.note_view): drafts and private notes only for their author, a
manager's ratings only once the rep's blind self-rating is settled, observations about the
person only once the note they are on is shared. Nothing is narrowed by hand here.

Every table with a column referring to users.id is listed in EXPORTED (the section of the
document that carries it) or EXCLUDED (why not); tests/privacy/test_export.py fails when a
new one is in neither.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy import inspect as inspect_object
from sqlalchemy.orm import Session, selectinload

from coachapp import policy
from coachapp.coach_notes import service as coach_notes
from coachapp.coach_notes.schemas import CoachNoteOutSchema
from coachapp.coaching import blind
from coachapp.coaching import service as coaching
from coachapp.coaching.note_view import note_views
from coachapp.coaching.schemas import AUTHOR_ONLY, FollowUpOutSchema, SessionOutSchema
from coachapp.db import utcnow
from coachapp.models import (
    AccountChangeRequest,
    AccountPlan,
    AccountReview,
    ApiToken,
    AuditEvent,
    BrowserSession,
    CalendarFeed,
    CoachTheCoachNote,
    Competency,
    DevelopmentFocus,
    ExerciseSubmission,
    FollowUp,
    GoalActual,
    GuideSection,
    JourneyEnrolment,
    JourneyProgress,
    LoginAttempt,
    MailMessage,
    Note,
    Notification,
    NotificationPreference,
    Observation,
    PasswordLink,
    PendingSelfAssessment,
    PlanActionItem,
    PlanComment,
    PlanInsight,
    PlannedRideAlong,
    PlanTeamMember,
    PushSubscription,
    ReportingLine,
    ReviewAcknowledgement,
    ReviewParticipant,
    ScimGroup,
    ScimGroupMember,
    ScimUser,
    Territory,
    User,
    UserTerritory,
)
from coachapp.observations import service as observations
from coachapp.observations.shapes import ObservationOutSchema, ObservationView

FORMAT = "coachapp-export/1"

# Table -> the section of the export that carries its rows about the person.
EXPORTED: dict[str, str] = {
    "users": "profile",
    "reporting_lines": "reporting_lines",
    "user_territories": "territories",
    "scim_users": "directory",
    "scim_group_members": "directory",
    "coaching_sessions": "notes",
    "pending_self_assessments": "self_assessment_waiting",
    "follow_ups": "follow_ups",
    "development_focuses": "development_focuses",
    "journey_enrolments": "learning_journeys",
    "journey_submissions": "learning_journeys",
    "observations": "observations",
    "coach_the_coach_notes": "coach_the_coach_notes",
    "account_plans": "plans",
    "plan_team_members": "plans",
    "plan_action_items": "plan_actions_owned",
    "plan_comments": "plan_comments_written",
    "plan_insights": "plan_insights_written",
    "goal_actuals": "goal_actuals_recorded",
    "account_reviews": "account_reviews",
    "review_participants": "account_reviews",
    "review_acknowledgements": "acknowledgements",
    "planned_ride_alongs": "ride_alongs",
    "push_subscriptions": "push_devices",
    "notification_preferences": "notification_preferences",
    "notifications": "notifications",
    "mail_messages": "emails",
    "calendar_feeds": "calendar_feeds",
    "browser_sessions": "sign_in_sessions",
    "api_tokens": "api_tokens",
    "password_links": "password_links",  # nosec B105 - a table's name, not a secret
    "account_change_requests": "account_change_requests",
    "audit_events": "audit_entries",
}

# Table -> why its rows about the person are not in the export.
EXCLUDED: dict[str, str] = {
    "cadence_targets": (
        "an organisation setting for the team a manager leads (how often its reps are coached),"
        " not information about the manager"
    ),
    "profiling_guides": (
        "the organisation's account-profiling questions; only which admin saved them last, "
        "which the audit entries carry"
    ),
    "figure_summaries": (
        "dashboard figures of a group of reps computed from the coaching content exported here "
        "and recomputed from it; the row only says whose dashboard they are for"
    ),
    "impact_summaries": (
        "plan impact figures of a group computed from the plans exported here and recomputed "
        "from them; the row only says whose dashboard they are for"
    ),
    "write_allowances": "a rate-limit counter (a time), holding no content",
}

SECRET_COLUMNS = frozenset({"token_hash", "password_hash", "password_fingerprint", "lease_token"})


def plain(value: Any) -> Any:
    """A column's value as JSON: times in ISO 8601, enums by value, UUIDs as text."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def row_json(row: Any, omit: Iterable[str] = ()) -> dict[str, Any]:
    """Every column of a row but secrets (hashes of tokens and passwords) and `omit`."""
    left_out = SECRET_COLUMNS | set(omit)
    return {
        attr.key: plain(getattr(row, attr.key))
        for attr in inspect_object(row).mapper.column_attrs
        if attr.key not in left_out
    }


def _rows(db: Session, model: Any, *where: ColumnElement[bool], omit: Iterable[str] = ()) -> list:
    order = inspect_object(model).primary_key
    found = db.scalars(select(model).where(*where).order_by(*order)).all()
    return [row_json(row, omit) for row in found]


# The person's own export --------------------------------------------------------------


def export_person(db: Session, person: User) -> dict[str, Any]:
    """Everything Coachapp holds about `person`, as they may see it themself."""
    pid = person.id
    document: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "person_id": pid,
        "profile": _profile(db, person),
        "reporting_lines": _rows(db, ReportingLine, ReportingLine.user_id == pid),
        "territories": _territories(db, pid),
        "directory": _directory(db, pid),
        "notes": _notes(db, person),
        "self_assessment_waiting": _waiting_self_assessment(db, person),
        "follow_ups": _follow_ups(db, person),
        "development_focuses": _rows(db, DevelopmentFocus, DevelopmentFocus.rep_id == pid),
        "learning_journeys": _journeys(db, pid),
        "observations": _observations(db, person),
        "coach_the_coach_notes": _coach_notes(db, person),
        "plans": _plans(db, person),
        "plan_actions_owned": _rows(db, PlanActionItem, PlanActionItem.owner_id == pid),
        "plan_comments_written": _rows(db, PlanComment, PlanComment.author_id == pid),
        "plan_insights_written": _rows(db, PlanInsight, PlanInsight.author_id == pid),
        "goal_actuals_recorded": _rows(db, GoalActual, GoalActual.recorded_by_id == pid),
        "account_reviews": _reviews(db, person),
        "acknowledgements": _acknowledgements(db, person),
        "ride_alongs": _ride_alongs(db, person),
        "push_devices": _push_devices(db, pid),
        "notification_preferences": _rows(
            db, NotificationPreference, NotificationPreference.user_id == pid
        ),
        "notifications": _rows(
            db,
            Notification,
            Notification.recipient_id == pid,
            omit=("dedupe_key", "lease_until", "last_error"),
        ),
        "emails": _emails(db, pid),
        "calendar_feeds": _rows(db, CalendarFeed, CalendarFeed.user_id == pid),
        "sign_in_sessions": _rows(db, BrowserSession, BrowserSession.user_id == pid),
        "sign_in_attempts": _rows(db, LoginAttempt, LoginAttempt.email == person.email),
        "api_tokens": _rows(db, ApiToken, ApiToken.user_id == pid),
        "password_links": _rows(db, PasswordLink, PasswordLink.user_id == pid),
        "account_change_requests": _rows(
            db, AccountChangeRequest, AccountChangeRequest.user_id == pid
        ),
        "audit_entries": _audit(db, pid),
    }
    document["competencies"] = competencies_named(db, document)
    return document


def competencies_named(db: Session, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The competencies of the guide versions the document's notes and self-assessment were
    rated on, so that each `competency_id` in it can be read by name."""
    versions = {note["guide_version_id"] for note in document.get("notes", [])}
    waiting = document.get("self_assessment_waiting")
    if waiting:
        versions.add(waiting["guide_version_id"])
    found = db.execute(
        select(Competency.id, Competency.key, Competency.name, GuideSection.version_id)
        .join(GuideSection, GuideSection.id == Competency.section_id)
        .where(GuideSection.version_id.in_(versions))
        .order_by(Competency.id)
    ).all()
    return [
        {"id": cid, "key": key, "name": name, "guide_version_id": version}
        for cid, key, name, version in found
    ]


def _profile(db: Session, person: User) -> dict[str, Any]:
    profile = row_json(person)
    manager = db.get(User, person.manager_id) if person.manager_id is not None else None
    profile["manager_name"] = manager.name if manager is not None else None
    return profile


def _journeys(db: Session, pid: int) -> dict[str, Any]:
    """Their journeys, the steps that reached them, and the exercises they answered or (as a
    manager) reviewed."""
    theirs = select(JourneyEnrolment.id).where(JourneyEnrolment.rep_id == pid)
    return {
        "started": _rows(db, JourneyEnrolment, JourneyEnrolment.rep_id == pid),
        "steps_reached": _rows(db, JourneyProgress, JourneyProgress.enrolment_id.in_(theirs)),
        "exercises": _rows(
            db,
            ExerciseSubmission,
            or_(ExerciseSubmission.rep_id == pid, ExerciseSubmission.reviewed_by_id == pid),
        ),
    }


def _territories(db: Session, pid: int) -> list[dict[str, Any]]:
    found = db.execute(
        select(Territory.id, Territory.code)
        .join(UserTerritory, UserTerritory.territory_id == Territory.id)
        .where(UserTerritory.user_id == pid)
        .order_by(Territory.code)
    ).all()
    return [{"territory_id": tid, "code": code} for tid, code in found]


def _directory(db: Session, pid: int) -> dict[str, Any]:
    """What the company's directory (SCIM) said of the person, and its groups they are in."""
    said = db.get(ScimUser, pid)
    groups = db.scalars(
        select(ScimGroup.display_name)
        .join(ScimGroupMember, ScimGroupMember.group_id == ScimGroup.id)
        .where(ScimGroupMember.user_id == pid)
        .order_by(ScimGroup.display_name)
    ).all()
    return {"user": row_json(said) if said is not None else None, "groups": list(groups)}


def _notes(db: Session, person: User) -> list[dict[str, Any]]:
    """The notes they wrote (drafts and private notes too) and those about them they may read
    (shared ones), as their note pages show them."""
    found = db.scalars(
        policy.visible_notes(person)
        .where(or_(Note.manager_id == person.id, Note.rep_id == person.id))
        .options(*coaching.note_options())
        .order_by(Note.occurred_on, Note.id)
    ).all()
    views = note_views(db, person, policy.as_seen_by(db, person, found))
    return SessionOutSchema(many=True).dump(views)


def _waiting_self_assessment(db: Session, person: User) -> dict[str, Any] | None:
    pending = db.scalars(
        policy.visible_pending_self_assessments(person).where(
            PendingSelfAssessment.rep_id == person.id
        )
    ).first()
    if pending is None:
        return None
    return {
        "guide_version_id": pending.guide_version_id,
        "ratings": blind.pending_ratings_shown(person, pending),
        "created_at": plain(pending.created_at),
        "updated_at": plain(pending.updated_at),
    }


def _follow_ups(db: Session, person: User) -> list[dict[str, Any]]:
    mine = (or_(FollowUp.owner_id == person.id, FollowUp.created_by_id == person.id),)
    found = db.scalars(
        policy.visible_follow_ups(person, among=mine).order_by(FollowUp.due_date, FollowUp.id)
    ).all()
    return FollowUpOutSchema(many=True).dump(found)


def _observations(db: Session, person: User) -> list[dict[str, Any]]:
    """Those they wrote, and those about them they may read (on a note shared with them)."""
    found = db.scalars(
        observations.observations_query(person)
        .where(or_(Observation.author_id == person.id, Observation.subject_id == person.id))
        .order_by(Observation.id)
    ).all()
    views = [ObservationView(observation, person) for observation in found]
    return ObservationOutSchema(many=True).dump(views)


def _coach_notes(db: Session, person: User) -> list[dict[str, Any]]:
    found = db.scalars(
        coach_notes.notes_query(person)
        .where(
            or_(
                CoachTheCoachNote.director_id == person.id,
                CoachTheCoachNote.manager_id == person.id,
            )
        )
        .order_by(CoachTheCoachNote.id)
    ).all()
    seen = policy.coach_notes_as_seen_by(db, person, found)
    return CoachNoteOutSchema(many=True).dump(seen)


def _plans(db: Session, person: User) -> list[dict[str, Any]]:
    """The plans they own or are on the account team of, with their goals, actions,
    stakeholders, team, comments and the insights they may see."""
    on_team = select(PlanTeamMember.plan_id).where(PlanTeamMember.user_id == person.id)
    found = db.scalars(
        policy.visible_plans(person)
        .where(or_(AccountPlan.owner_id == person.id, AccountPlan.id.in_(on_team)))
        .options(
            selectinload(AccountPlan.goals),
            selectinload(AccountPlan.action_items),
            selectinload(AccountPlan.stakeholders),
            selectinload(AccountPlan.team),
            selectinload(AccountPlan.comments),
        )
        .order_by(AccountPlan.id)
    ).all()
    plans = []
    for plan in found:
        insights = db.scalars(
            select(PlanInsight).where(policy.insights_scope(person, plan)).order_by(PlanInsight.id)
        ).all()
        plans.append(
            {
                **row_json(plan),
                "role": "owner" if plan.owner_id == person.id else "team member",
                "goals": [row_json(goal) for goal in plan.goals],
                "action_items": [row_json(item) for item in plan.action_items],
                "stakeholders": [row_json(s) for s in plan.stakeholders],
                "team": [row_json(member) for member in plan.team],
                "comments": [row_json(comment) for comment in plan.comments],
                "insights": [row_json(insight) for insight in insights],
            }
        )
    return plans


def _reviews(db: Session, person: User) -> list[dict[str, Any]]:
    """Account-team reviews they ran or took part in."""
    took_part = select(ReviewParticipant.review_id).where(ReviewParticipant.user_id == person.id)
    found = db.scalars(
        policy.visible_reviews(person)
        .where(or_(AccountReview.author_id == person.id, AccountReview.id.in_(took_part)))
        .options(selectinload(AccountReview.participants), selectinload(AccountReview.ratings))
        .order_by(AccountReview.id)
    ).all()
    return [
        {
            **row_json(review),
            "participants": [row_json(p) for p in review.participants],
            "team_ratings": [row_json(r) for r in review.ratings],
        }
        for review in found
    ]


def _acknowledgements(db: Session, person: User) -> dict[str, Any]:
    """What they acknowledged: account-team reviews here; coaching notes and coach-the-coach
    notes carry theirs (their "acknowledgement")."""
    return {
        "account_reviews": _rows(
            db, ReviewAcknowledgement, ReviewAcknowledgement.user_id == person.id
        )
    }


def _ride_alongs(db: Session, person: User) -> list[dict[str, Any]]:
    """Ride-along days with them as rep or manager; the calls captured during the day are the
    manager's working notes, in the manager's export only."""
    found = db.scalars(
        policy.visible_ride_alongs(person)
        .where(or_(PlannedRideAlong.rep_id == person.id, PlannedRideAlong.manager_id == person.id))
        .options(selectinload(PlannedRideAlong.stops), selectinload(PlannedRideAlong.calls))
        .order_by(PlannedRideAlong.day, PlannedRideAlong.id)
    ).all()
    days = []
    for ride in found:
        day = {**row_json(ride), "stops": [row_json(stop) for stop in ride.stops]}
        if policy.can_capture_calls(person, ride):
            day["calls"] = [row_json(call) for call in ride.calls]
        days.append(day)
    return days


def _push_devices(db: Session, pid: int) -> list[dict[str, Any]]:
    """The browsers and phones that receive their pushes: never the keys, and of the address
    only the push service's host (the rest is a secret of the device)."""
    found = db.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id == pid)
        .order_by(PushSubscription.id)
    ).all()
    return [
        {
            **row_json(device, omit=("endpoint", "p256dh", "auth")),
            "push_service": urlsplit(device.endpoint).hostname or "",
        }
        for device in found
    ]


def _emails(db: Session, pid: int) -> list[dict[str, Any]]:
    """Emails sent to them; the body of one holding a secret (a password link) is left out."""
    found = db.scalars(
        select(MailMessage).where(MailMessage.recipient_id == pid).order_by(MailMessage.id)
    ).all()
    emails = []
    for mail in found:
        omit = ["lease_until", "last_error", "dedupe_key", "message_id"]
        if mail.secret:
            omit += ["body_text", "body_html"]
        emails.append(row_json(mail, omit))
    return emails


def _audit(db: Session, pid: int) -> list[dict[str, Any]]:
    """Audit entries about them (their account) and those of what they did."""
    found = db.scalars(
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.actor_id == pid,
                (AuditEvent.object_type == "user") & (AuditEvent.object_id == pid),
            )
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return [row_json(event) for event in found]


# A rep's coaching history, for a transfer --------------------------------------------


def export_coaching_history(db: Session, viewer: User, rep: User) -> dict[str, Any]:
    """The rep's coaching as their manager (or a director above) may read it, for the rep's
    next manager: the notes shared with the rep, without anyone's private notes; the rep's
    development focuses. `rep` comes from policy.coaching_history_rep_or_404."""
    found = db.scalars(
        policy.visible_notes(viewer)
        .where(Note.rep_id == rep.id, Note.status.in_(policy.VISIBLE_TO_OTHERS))
        .options(*coaching.note_options())
        .order_by(Note.occurred_on, Note.id)
    ).all()
    views = note_views(db, viewer, policy.as_seen_by(db, viewer, found))
    document: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "exported_by_id": viewer.id,
        "rep": {
            "id": rep.id,
            "name": rep.name,
            "email": rep.email,
            "function": rep.function.value,
            "region": rep.region,
        },
        "notes": SessionOutSchema(many=True, exclude=AUTHOR_ONLY).dump(views),
        "development_focuses": _rows(db, DevelopmentFocus, DevelopmentFocus.rep_id == rep.id),
    }
    document["competencies"] = competencies_named(db, document)
    return document
