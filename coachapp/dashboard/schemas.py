"""The cadence figures over JSON: the query the API takes, the rows it gives per rep and per
team, and the JSON of the dashboard service's rows in those shapes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from coachapp.coaching.cadence import (
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    TREND_WEEKS,
    CadenceStatus,
    CadenceSummary,
    Quality,
)
from coachapp.dashboard.service import CadenceFilters, RepRow, TeamFigures
from coachapp.forms import Line
from coachapp.ids import MAX_ID
from coachapp.models import Function


class CadenceQuerySchema(Schema):
    window_days = fields.Integer(
        load_default=DEFAULT_WINDOW_DAYS,
        validate=validate.Range(1, MAX_WINDOW_DAYS),
        metadata={"description": "Days, ending with each rep's today, that window figures cover"},
    )
    region = Line(validate=validate.Length(max=80))
    function = fields.Enum(Function, by_value=True)
    manager_id = fields.Integer(
        strict=False,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Only the reps who report to this manager"},
    )


class FocusSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)


def _count(description: str) -> fields.Integer:
    return fields.Integer(required=True, metadata={"description": description})


def _nullable(field: type[fields.Field], description: str) -> fields.Field:
    return field(required=True, allow_none=True, metadata={"description": description})


class CadenceRowSchema(Schema):
    rep_id = fields.Integer(required=True)
    rep_email = fields.String(required=True)
    rep_name = fields.String(required=True)
    manager_id = fields.Integer(required=True, allow_none=True)
    function = fields.Enum(Function, by_value=True, required=True)
    region = fields.String(required=True)
    as_of = fields.Date(required=True, metadata={"description": "The rep's local date"})
    window_days = _count("Days the window figures cover, ending on as_of")
    last_coached_on = _nullable(fields.Date, "Date of the last shared coaching note")
    days_since_last = _nullable(fields.Integer, "Days since then; null when never coached")
    sessions_in_window = _count("Shared coaching notes dated in the window")
    target_days = _count("Coaching expected at least every this many days")
    next_due_on = _nullable(fields.Date, "When the next coaching is due; null when never")
    status = fields.Enum(CadenceStatus, by_value=True, required=True)
    ride_along_target_days = _count("A ride-along expected at least every this many days")
    last_ride_along_on = _nullable(fields.Date, "Date of the last ride-along")
    days_since_ride_along = _nullable(fields.Integer, "Days since then")
    ride_alongs_in_window = _count("Ride-alongs dated in the window")
    ride_along_status = fields.Enum(CadenceStatus, by_value=True, required=True)
    open_follow_ups = _count("The rep's open follow-ups")
    overdue_follow_ups = _count("Of those, past their due date")
    follow_ups_due = _count("Follow-ups due in the window before today (not cancelled)")
    follow_ups_done = _count("Of those, done")
    notes_shared = _count("Shared notes dated in the window")
    notes_acknowledged = _count("Of those, acknowledged by the rep")
    acknowledged_share = _nullable(fields.Float, "notes_acknowledged / notes_shared")
    median_hours_to_acknowledge = _nullable(fields.Float, "From sharing to acknowledgement")
    notes_acknowledged_late = _count("Of the window's notes, acknowledged after their deadline")
    notes_past_deadline = _count("Shared notes of any date, unacknowledged past their deadline")
    focus_competencies = fields.List(fields.Nested(FocusSchema), required=True)


class TeamCadenceSchema(Schema):
    manager_id = fields.Integer(required=True, allow_none=True)
    manager_email = fields.String(required=True, allow_none=True)
    manager_name = fields.String(required=True, allow_none=True)
    target_days = _count("The team's coaching target")
    ride_along_target_days = _count("The team's ride-along target")
    rep_count = _count("Active reps in view on the team")
    within_target = _count("Reps coached within target (on track or due soon)")
    overdue = _count("Reps past their target")
    never_coached = _count("Reps without a shared note yet")
    sessions_in_window = _count("Shared notes dated in the window")
    ride_alongs_in_window = _count("Ride-alongs dated in the window")
    open_follow_ups = _count("Open follow-ups of the team's reps")
    overdue_follow_ups = _count("Of those, past their due date")
    follow_up_completion = _nullable(fields.Float, "Done share of follow-ups due in the window")
    acknowledged_share = _nullable(fields.Float, "Acknowledged share of the window's notes")
    median_hours_to_acknowledge = _nullable(fields.Float, "Over every acknowledged note")
    notes_acknowledged_late = _count("Of the window's notes, acknowledged after their deadline")
    notes_past_deadline = _count("Shared notes of any date, unacknowledged past their deadline")
    notes_with_specific_evidence = _count(
        "Of the window's notes, those whose strengths and focus name observed behaviour "
        "(none reads as vague praise)"
    )
    specific_evidence_share = _nullable(fields.Float, "notes_with_specific_evidence / notes")
    mean_rating_gap = _nullable(
        fields.Float,
        "Mean |self - manager| score over every competency both rated on the window's notes",
    )
    rating_gap_pairs = _count("How many (self, manager) score pairs mean_rating_gap rests on")


class TrendPointSchema(Schema):
    week_end = fields.Date(required=True)
    value = fields.Float(required=True, allow_none=True)


class QualitySchema(TeamCadenceSchema):
    notes = _count("The team's shared notes dated in the window")
    rating_gap_trend = fields.List(
        fields.Nested(TrendPointSchema),
        required=True,
        metadata={
            "description": f"Mean |self - manager| per seven-day week, {TREND_WEEKS} weeks to "
            "the caller's today; null in a week without a self-rated note"
        },
    )


def cadence_filters(query: dict[str, Any]) -> CadenceFilters:
    """The filters a loaded CadenceQuerySchema asks for."""
    function = query.get("function")
    return CadenceFilters(
        window_days=query["window_days"],
        region=query.get("region", ""),
        function=function.value if function else "",
        manager_id=query.get("manager_id"),
    )


def rep_json(row: RepRow) -> dict[str, Any]:
    rep, c = row.rep, row.cadence
    return {
        "rep_id": rep.id,
        "rep_email": rep.email,
        "rep_name": rep.name,
        "manager_id": rep.manager_id,
        "function": rep.function,
        "region": rep.region,
        "as_of": c.today,
        "window_days": c.window_days,
        "last_coached_on": c.last_coached_on,
        "days_since_last": c.days_since_last,
        "sessions_in_window": c.sessions_in_window,
        "target_days": c.target_days,
        "next_due_on": c.next_due_on,
        "status": c.status,
        "ride_along_target_days": c.ride_along_target_days,
        "last_ride_along_on": c.last_ride_along_on,
        "days_since_ride_along": c.days_since_ride_along,
        "ride_alongs_in_window": c.ride_alongs_in_window,
        "ride_along_status": c.ride_along_status,
        "open_follow_ups": c.open_follow_ups,
        "overdue_follow_ups": c.overdue_follow_ups,
        "follow_ups_due": c.follow_ups_due,
        "follow_ups_done": c.follow_ups_done,
        "notes_shared": c.notes_shared,
        "notes_acknowledged": c.notes_acknowledged,
        "acknowledged_share": c.acknowledged_share,
        "median_hours_to_acknowledge": c.median_hours_to_acknowledge,
        "notes_acknowledged_late": c.notes_acknowledged_late,
        "notes_past_deadline": c.notes_past_deadline,
        "focus_competencies": [{"key": f.key, "name": f.name} for f in c.focus],
    }


def team_json(team: TeamFigures) -> dict[str, Any]:
    s: CadenceSummary = team.summary
    manager = team.manager
    q: Quality | None = team.quality
    return {
        "manager_id": manager.id if manager else None,
        "manager_email": manager.email if manager else None,
        "manager_name": manager.name if manager else None,
        "target_days": team.target.any_coaching_days,
        "ride_along_target_days": team.target.ride_along_days,
        "rep_count": s.rep_count,
        "within_target": s.within_target,
        "overdue": s.by_status[CadenceStatus.OVERDUE.value],
        "never_coached": s.by_status[CadenceStatus.NEVER.value],
        "sessions_in_window": s.sessions_in_window,
        "ride_alongs_in_window": s.ride_alongs_in_window,
        "open_follow_ups": s.open_follow_ups,
        "overdue_follow_ups": s.overdue_follow_ups,
        "follow_up_completion": s.follow_up_completion,
        "acknowledged_share": s.acknowledged_share,
        "median_hours_to_acknowledge": s.median_hours_to_acknowledge,
        "notes_acknowledged_late": s.notes_acknowledged_late,
        "notes_past_deadline": s.notes_past_deadline,
        "notes_with_specific_evidence": q.notes_with_specific_evidence if q else 0,
        "specific_evidence_share": q.specific_evidence_share if q else None,
        "mean_rating_gap": q.mean_absolute_gap if q else None,
        "rating_gap_pairs": q.rated_pairs if q else 0,
    }


def quality_json(team: TeamFigures) -> dict[str, Any]:
    trend = team.gap_trend
    points = zip(trend.week_ends, trend.values, strict=True) if trend else ()
    return {
        **team_json(team),
        "notes": team.quality.notes if team.quality else 0,
        "rating_gap_trend": [{"week_end": end, "value": value} for end, value in points],
    }
