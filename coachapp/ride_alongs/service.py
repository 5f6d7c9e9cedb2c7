"""The ride-along day: the rep prepares it, the manager captures each call, and at the end of
the day it becomes one coaching note.

Before the ride the rep answers "What do you want help with?", lists the day's accounts
(from their account plans where possible) with a call objective each, and closes the
agreements of their last coaching note with a line of evidence. During the ride the manager
captures each call in a few taps (idempotent by client_uuid, so a phone replaying its
offline queue stores a call once). "Write the note" turns the calls into one ride-along
coaching note through coachapp.coaching.service, pre-filled with combined ratings and
suggested strengths and focus; the note's caps and the vague-praise check apply as to any
note. Pages and the API both call this module, with input loaded by
coachapp.ride_alongs.schemas; visibility is coachapp.policy's.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from coachapp import audit, policy, replay
from coachapp.coaching import focus, preparation, service
from coachapp.coaching.preparation import Prompt
from coachapp.coaching.schemas import EVIDENCE_MAX
from coachapp.db import utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coachapp.forms import check_length, too_long
from coachapp.languages import N_
from coachapp.models import (
    RATING_SCALE,
    AccountPlan,
    Competency,
    FollowUp,
    FollowUpStatus,
    GuideStatus,
    GuideVersion,
    Note,
    NoteType,
    PlannedRideAlong,
    RideAlongCall,
    RideAlongStop,
    User,
)
from coachapp.ride_alongs.schemas import (
    AGREEMENT_EVIDENCE_MAX,
    CALL_EVIDENCE_MAX,
    HELP_MAX,
    MAX_STOPS,
    NAME_MAX,
    NEED_ACCOUNT,
    NEED_SOMETHING,
    OBJECTIVE_MAX,
    SAY_WHAT_SHOWS_DONE,
    TOO_MANY_STOPS,
)
from coachapp.timezones import local_today
from coachapp.versioning import (
    ExpectedVersion,
    VersionRequired,
    check_version,
    commit_versioned,
)

ANOTHER_CALL = "That client_uuid belongs to another call."
# A rating's evidence on the note holds the lines of every call that rated it, up to this.
NOTE_EVIDENCE_LIMIT = EVIDENCE_MAX
SUGGESTED_STRENGTHS = 2
# A call kept on a phone may reach the server days later; its time must still be sane.
CAPTURED_AT_PAST = dt.timedelta(days=30)
CAPTURED_AT_FUTURE = dt.timedelta(minutes=10)
SCORE_LABELS = dict(RATING_SCALE)


# Reading ------------------------------------------------------------------------------


def ride_options() -> list[Any]:
    return [
        joinedload(PlannedRideAlong.rep),
        joinedload(PlannedRideAlong.manager),
        joinedload(PlannedRideAlong.plan).joinedload(AccountPlan.account),
        selectinload(PlannedRideAlong.stops),
    ]


def get_ride(db: Session, viewer: User, ride_id: int) -> PlannedRideAlong:
    """A ride-along day of the viewer's (its manager or its rep); anyone else: not found."""
    ride = db.scalars(
        policy.visible_ride_alongs(viewer)
        .where(PlannedRideAlong.id == ride_id)
        .options(*ride_options())
    ).first()
    if ride is None:
        raise NotFound()
    return ride


def rides_of(
    db: Session,
    viewer: User,
    since: dt.date,
    limit: int = 50,
    until: dt.date | None = None,
    options: Sequence[Any] | None = None,
) -> Sequence[PlannedRideAlong]:
    """The viewer's ride-along days from a date on (to another, if given), soonest first;
    cancelled ones left out. Loaded with ride_options() unless told what to load."""
    return db.scalars(
        rides_query(viewer, since, until)
        .options(*(ride_options() if options is None else options))
        .order_by(PlannedRideAlong.day, PlannedRideAlong.id)
        .limit(limit)
    ).all()


def rides_query(
    viewer: User, since: dt.date, until: dt.date | None = None
) -> Select[PlannedRideAlong]:
    """rides_of as a query, in no order and loading nothing more."""
    query = policy.visible_ride_alongs(viewer).where(
        PlannedRideAlong.day >= since, PlannedRideAlong.cancelled_at.is_(None)
    )
    if until is not None:
        query = query.where(PlannedRideAlong.day <= until)
    return query


def ride_for_note(db: Session, viewer: User, note_id: int) -> PlannedRideAlong | None:
    """The ride-along day a note was written from, if the viewer may see it."""
    return db.scalars(
        policy.visible_ride_alongs(viewer)
        .where(PlannedRideAlong.session_id == note_id)
        .options(*ride_options())
    ).first()


def rep_plans(db: Session, viewer: User, ride: PlannedRideAlong) -> Sequence[AccountPlan]:
    """The rep's live account plans (owned or on the team), to pick the day's accounts from:
    the plans a debrief offers (preparation.rep_plans)."""
    return preparation.rep_plans(db, viewer, ride.rep)


def guide_of(db: Session, ride: PlannedRideAlong) -> GuideVersion:
    """The guide the day's calls are rated on: fixed at the first call, until then the one a
    note about this rep would use."""
    if ride.guide_version_id is not None:
        return service.guide_version_or_404(db, ride.guide_version_id)
    return service.guide_for(db, ride.rep)


def calls_of(db: Session, viewer: User, ride: PlannedRideAlong) -> Sequence[RideAlongCall]:
    """The day's calls: the manager's working notes, which the rep does not see (they rate
    themself blind on the note)."""
    if not policy.can_capture_calls(viewer, ride):
        raise NotFound()
    return db.scalars(
        select(RideAlongCall)
        .where(RideAlongCall.ride_id == ride.id)
        .order_by(RideAlongCall.captured_at, RideAlongCall.id)
    ).all()


def watch_first(
    db: Session, ride: PlannedRideAlong, guide: GuideVersion, calls: Sequence[RideAlongCall]
) -> set[int]:
    """The guide's competencies the capture form offers first, the rest folded away: the
    rep's active development focus, and what the manager rated on the day's earlier calls."""
    return focus.offered_first(db, ride.rep_id, guide, rated_on(calls))


def rated_on(calls: Sequence[RideAlongCall]) -> set[int]:
    """The competencies rated on these calls."""
    return {int(r["competency_id"]) for call in calls for r in call.ratings}


def ride_of_day(db: Session, viewer: User, rep_id: int, day: dt.date) -> PlannedRideAlong | None:
    """The viewer's ride-along with the rep on that day, if one was planned (not cancelled)."""
    return db.scalars(
        policy.visible_ride_alongs(viewer)
        .where(
            PlannedRideAlong.rep_id == rep_id,
            PlannedRideAlong.day == day,
            PlannedRideAlong.cancelled_at.is_(None),
        )
        .options(*ride_options())
        .order_by(PlannedRideAlong.id)
        .limit(1)
    ).first()


@dataclass(frozen=True)
class CallAccount:
    """The account a new call starts on: one of the day's stops, else a name typed in."""

    stop_id: int | None = None
    name: str = ""


def next_call_account(ride: PlannedRideAlong, calls: Sequence[RideAlongCall]) -> CallAccount:
    """What the capture form offers first: the last call's account (a manager logs call after
    call where they are), else the account chosen when the ride was planned (the rep's stop
    for it, or its name when the rep listed no stops), else the day's first stop."""
    stops = {stop.id for stop in ride.stops}
    if calls:
        last = calls[-1]
        if last.stop_id in stops:
            return CallAccount(stop_id=last.stop_id)
        return CallAccount(name=last.account_name)
    planned = next((s for s in ride.stops if ride.plan_id and s.plan_id == ride.plan_id), None)
    if planned is not None:
        return CallAccount(stop_id=planned.id)
    if ride.stops:
        return CallAccount(stop_id=ride.stops[0].id)
    if ride.plan is not None:
        return CallAccount(name=ride.plan.account.name)
    return CallAccount()


# Before the ride: the rep's preparation and the pre-brief -------------------------------


@dataclass
class PreBrief:
    """The last shared coaching note's agreements (its follow-ups), with their status."""

    note: Note | None
    agreements: list[FollowUp] = field(default_factory=list)


def pre_brief(db: Session, viewer: User, ride: PlannedRideAlong) -> PreBrief:
    """What was agreed at the last coaching the rep has seen, for the rep and the manager."""
    query = (
        policy.visible_notes(viewer)
        .where(
            Note.rep_id == ride.rep_id,
            Note.status.in_(policy.VISIBLE_TO_OTHERS),
            Note.occurred_on <= ride.day,
        )
        .options(selectinload(Note.follow_ups).joinedload(FollowUp.owner))
        .order_by(Note.occurred_on.desc(), Note.id.desc())
        .limit(1)
    )
    if ride.session_id is not None:
        query = query.where(Note.id != ride.session_id)
    note = db.scalars(query).first()
    if note is None:
        return PreBrief(None)
    policy.as_seen_by(db, viewer, [note])
    return PreBrief(note, sorted(note.follow_ups, key=lambda f: (f.due_date, f.id)))


def _open_for_changes(ride: PlannedRideAlong) -> None:
    if ride.cancelled_at is not None:
        raise Conflict(N_("This ride-along was cancelled."))
    if ride.session_id is not None:
        raise Conflict(N_("The note for this ride-along is written; it is kept as it is."))


def _stop_rows(
    db: Session, viewer: User, ride: PlannedRideAlong, stops: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Validated stops: from one of the rep's plans, or a name; each with an objective."""
    if len(stops) > MAX_STOPS:
        raise InvalidInput(TOO_MANY_STOPS, {"stops": [TOO_MANY_STOPS]})
    plans = {plan.id: plan for plan in rep_plans(db, viewer, ride)}
    errors: dict[str, dict[str, list[str]]] = {}
    rows = []
    for index, stop in enumerate(stops):
        problems: dict[str, list[str]] = {}
        plan_id = stop.get("plan_id")
        name = " ".join((stop.get("name") or "").split())
        objective = " ".join((stop.get("objective") or "").split())
        plan = plans.get(plan_id) if plan_id is not None else None
        if plan_id is not None and plan is None:
            problems["plan_id"] = ["Not one of your account plans."]
        elif plan is not None:
            name = plan.account.name
        if not name:
            problems["name"] = ["Name the account, or pick one of your plans."]
        elif len(name) > NAME_MAX:
            problems["name"] = [too_long(NAME_MAX)]
        if not objective:
            problems["objective"] = ["Say what this call should achieve."]
        elif len(objective) > OBJECTIVE_MAX:
            problems["objective"] = [too_long(OBJECTIVE_MAX)]
        if problems:
            errors[str(index)] = problems
            continue
        rows.append(
            {
                "plan_id": plan.id if plan else None,
                "account_id": plan.account_id if plan else None,
                "name": name,
                "objective": objective,
            }
        )
    if errors:
        raise InvalidInput(N_("Check the day's accounts and objectives."), {"stops": errors})
    return rows


def prepare(
    db: Session,
    viewer: User,
    ride_id: int,
    help_request: str,
    stops: list[dict[str, Any]],
    *,
    expected_version: ExpectedVersion = None,
    require_version: bool = False,
) -> PlannedRideAlong:
    """The rep's preparation: what they want help with, and the day's accounts with a call
    objective each (replacing the earlier list; a stop kept keeps the calls logged on it)."""
    ride = get_ride(db, viewer, ride_id)
    if not policy.can_prepare_ride_along(viewer, ride):
        raise PermissionDenied(N_("The rep prepares their ride-along."))
    _open_for_changes(ride)
    if expected_version is None and require_version:
        raise VersionRequired()
    check_version(ride.version, expected_version, {})
    help_request = check_length(help_request.strip(), HELP_MAX, "help_request")
    rows = _stop_rows(db, viewer, ride, stops)
    by_key = {(s.plan_id, s.name.lower()): s for s in ride.stops}
    kept: list[RideAlongStop] = []
    for position, row in enumerate(rows):
        stop = by_key.pop((row["plan_id"], row["name"].lower()), None) or RideAlongStop()
        stop.position = position
        for name, value in row.items():
            setattr(stop, name, value)
        kept.append(stop)
    ride.stops = kept
    ride.help_request = help_request
    ride.prepared_at = utcnow()
    audit.record(
        db, viewer, "ride_along.prepare", "ride_along", ride.id,
        stops=len(kept), help_request=bool(help_request),
    )  # fmt: skip
    commit_versioned(db, ride)
    return get_ride(db, viewer, ride.id)


def complete_agreement(
    db: Session, viewer: User, ride_id: int, follow_up_id: int, evidence: str
) -> FollowUp:
    """The rep marks an agreement of the last note done before the visit, with one line of
    evidence the manager sees; it closes the follow-up through the follow-up service."""
    ride = get_ride(db, viewer, ride_id)
    if not policy.can_prepare_ride_along(viewer, ride):
        raise PermissionDenied(N_("The rep closes their agreements."))
    brief = pre_brief(db, viewer, ride)
    if all(agreement.id != follow_up_id for agreement in brief.agreements):
        raise NotFound()
    line = check_length(" ".join(evidence.split()), AGREEMENT_EVIDENCE_MAX, "evidence")
    if not line:
        raise InvalidInput(SAY_WHAT_SHOWS_DONE, {"evidence": [SAY_WHAT_SHOWS_DONE]})
    return service.update_follow_up(
        db, viewer, follow_up_id, {"status": FollowUpStatus.DONE, "evidence": line}
    )


# During the ride: capturing each call ------------------------------------------------------


def _fix_guide(db: Session, ride: PlannedRideAlong, wanted_id: int | None) -> GuideVersion:
    """The ride's guide version, fixed at the first call: the version the capture form was
    made with when it is still published, else the rep's guide. Written without touching the
    ride's version, so the rep's preparation open on their phone does not turn stale."""
    if ride.guide_version_id is not None:
        return service.guide_version_or_404(db, ride.guide_version_id)
    version = None
    if wanted_id is not None:
        found = db.get(GuideVersion, wanted_id)
        if found is not None and found.status == GuideStatus.PUBLISHED:
            version = service.guide_version_or_404(db, found.id)
    if version is None:
        version = service.guide_for(db, ride.rep)
    db.execute(
        update(PlannedRideAlong)
        .where(PlannedRideAlong.id == ride.id, PlannedRideAlong.guide_version_id.is_(None))
        .values(guide_version_id=version.id)
        .execution_options(synchronize_session=False)
    )
    db.refresh(ride, ["guide_version_id"])
    if ride.guide_version_id != version.id:  # another call fixed it first
        return service.guide_version_or_404(db, ride.guide_version_id)  # type: ignore[arg-type]
    return version


def _call_ratings(version: GuideVersion, ratings: list[dict[str, Any]]) -> list[dict[str, int]]:
    known = service.competencies_of(version)
    rows = []
    seen: set[int] = set()
    for index, rating in enumerate(ratings):
        competency_id, score = rating.get("competency_id"), rating.get("score")
        if competency_id not in known:
            raise InvalidInput(
                N_("A rating names a competency that is not in the day's guide."),
                {"ratings": {str(index): {"competency_id": [N_("Not in the guide used.")]}}},
            )
        if competency_id in seen:
            raise InvalidInput(
                N_("A competency is rated twice."),
                {"ratings": {str(index): {"competency_id": [N_("Rated twice.")]}}},
            )
        if score not in service.SCORES:
            raise InvalidInput(
                N_("Rate each competency you observed on the guide's scale."),
                {"ratings": {str(index): {"score": [N_("1 to 4.")]}}},
            )
        seen.add(competency_id)
        rows.append({"competency_id": competency_id, "score": score})
    return rows


def capture_call(
    db: Session, viewer: User, ride_id: int, data: dict[str, Any]
) -> tuple[RideAlongCall, bool]:
    """The manager records a call: the account (one of the day's, or named), the competencies
    observed with a rating each, a line of evidence. The same client_uuid again returns the
    call it made (a phone replaying its queue): (call, created)."""
    client_uuid = data.get("client_uuid") or uuid.uuid4()
    ride = get_ride(db, viewer, ride_id)
    if not policy.can_capture_calls(viewer, ride):
        raise PermissionDenied(N_("The manager on the ride-along captures its calls."))

    def mine(found: RideAlongCall) -> bool:
        return found.ride_id == ride.id and found.ride.manager_id == viewer.id

    with_ride = joinedload(RideAlongCall.ride)
    existing = replay.made_before(db, RideAlongCall, client_uuid, mine, ANOTHER_CALL, with_ride)
    if existing is not None:
        return existing, False
    _open_for_changes(ride)
    errors: dict[str, list[str]] = {}
    stop_id = data.get("stop_id")
    stop = next((s for s in ride.stops if s.id == stop_id), None)
    account_name = " ".join((data.get("account_name") or "").split())
    if stop_id is not None and stop is None:
        errors["stop_id"] = ["Not one of the day's accounts."]
    elif stop is not None:
        account_name = stop.name
    elif not account_name:
        errors["account_name"] = [NEED_ACCOUNT]
    elif len(account_name) > NAME_MAX:
        errors["account_name"] = [too_long(NAME_MAX)]
    evidence = " ".join((data.get("evidence") or "").split())
    if len(evidence) > CALL_EVIDENCE_MAX:
        errors["evidence"] = [too_long(CALL_EVIDENCE_MAX)]
    now = utcnow()
    captured_at = data.get("captured_at") or now
    if captured_at.tzinfo is None:
        errors["captured_at"] = ["Give the time zone (e.g. Z)."]
    elif not now - CAPTURED_AT_PAST <= captured_at <= now + CAPTURED_AT_FUTURE:
        errors["captured_at"] = ["Not a time this call could have been captured."]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors)
    version = _fix_guide(db, ride, data.get("guide_version_id"))
    ratings = _call_ratings(version, data.get("ratings") or [])
    if not ratings and not evidence:
        raise InvalidInput(NEED_SOMETHING, {"ratings": [NEED_SOMETHING]})
    call = RideAlongCall(
        client_uuid=client_uuid,
        ride_id=ride.id,
        stop_id=stop.id if stop else None,
        account_name=account_name,
        ratings=ratings,
        evidence=evidence,
        captured_at=captured_at,
    )
    raced = replay.add_new(db, call, mine, ANOTHER_CALL, with_ride)
    if raced is not None:  # two replays of one call raced; the other one stored it
        return raced, False
    audit.record(db, viewer, "ride_along.call", "ride_along", ride.id, call_id=call.id)
    db.commit()
    return call, True


def remove_call(db: Session, viewer: User, ride_id: int, call_id: int) -> None:
    """The manager takes back a call logged by mistake (before the note is written)."""
    ride = get_ride(db, viewer, ride_id)
    call = next((c for c in calls_of(db, viewer, ride) if c.id == call_id), None)
    if call is None:
        raise NotFound()
    _open_for_changes(ride)
    db.delete(call)
    audit.record(db, viewer, "ride_along.call_remove", "ride_along", ride.id, call_id=call_id)
    db.commit()


# End of the day: one coaching note from the calls -------------------------------------------


@dataclass(frozen=True)
class CallEvidence:
    account: str
    score: int
    evidence: str


@dataclass(frozen=True)
class CombinedRating:
    """A competency rated on one or more calls of the day."""

    competency: Competency
    score: int
    calls: tuple[CallEvidence, ...]

    @property
    def evidence(self) -> str:
        """Every call's line, with its account and score: what the note's rating rests on."""
        lines = [
            f"{c.account} ({c.score}): {c.evidence}" if c.evidence else f"{c.account} ({c.score})"
            for c in self.calls
        ]
        text = "; ".join(lines)
        return text if len(text) <= NOTE_EVIDENCE_LIMIT else text[: NOTE_EVIDENCE_LIMIT - 1] + "…"


def combine(scores: Sequence[int]) -> int:
    """One score from several calls: the mean, rounded; a mean halfway between two points
    goes the way of the latest call (what the rep does now)."""
    mean = sum(scores) / len(scores)
    low = math.floor(mean)
    if mean - low != 0.5:
        return round(mean)
    return low + 1 if scores[-1] > mean else low


def combined_ratings(calls: Sequence[RideAlongCall], version: GuideVersion) -> list[CombinedRating]:
    """The day's ratings per competency, in the guide's order."""
    seen: dict[int, list[CallEvidence]] = {}
    for call in calls:
        for rating in call.ratings:
            seen.setdefault(rating["competency_id"], []).append(
                CallEvidence(call.account_name, rating["score"], call.evidence)
            )
    ordered = [c for section in version.sections for c in section.competencies]
    return [
        CombinedRating(c, combine([e.score for e in seen[c.id]]), tuple(seen[c.id]))
        for c in ordered
        if c.id in seen
    ]


def _point(rating: CombinedRating, best: bool) -> str:
    """A strength or focus point from a rating: the competency and the call that shows it."""
    pick = (max if best else min)(reversed(rating.calls), key=lambda c: (c.score, bool(c.evidence)))
    if pick.evidence:
        return f"{rating.competency.name}: {pick.evidence} ({pick.account})"
    accounts = ", ".join(dict.fromkeys(c.account for c in rating.calls))
    return f"{rating.competency.name}: {SCORE_LABELS[rating.score].lower()} ({accounts})"


def suggestions(ratings: Sequence[CombinedRating]) -> tuple[str, str]:
    """Strengths from the highest-rated competencies (3 or more), the focus from the lowest,
    each with the evidence of the call that shows it best; within the note's caps."""
    position = {rating.competency.id: index for index, rating in enumerate(ratings)}
    ranked = sorted(ratings, key=lambda r: (-r.score, -len(r.calls), position[r.competency.id]))
    strengths = [r for r in ranked if r.score >= 3][:SUGGESTED_STRENGTHS]
    weakest = sorted(
        (r for r in ratings if r not in strengths and r.score < 4),
        key=lambda r: (r.score, -len(r.calls), position[r.competency.id]),
    )
    focus = weakest[:1]
    return (
        "\n".join(_point(r, best=True) for r in strengths),
        "\n".join(_point(r, best=False) for r in focus),
    )


def _note_plan(
    db: Session, viewer: User, ride: PlannedRideAlong, calls: Sequence[RideAlongCall]
) -> int | None:
    """The plan of the account called on most (one of the rep's), else the ride's own."""
    plans = {plan.id for plan in rep_plans(db, viewer, ride)}
    stop_plan = {s.id: s.plan_id for s in ride.stops if s.plan_id in plans}
    counts: dict[int, int] = {}
    for call in calls:
        plan_id = stop_plan.get(call.stop_id or -1)
        if plan_id is not None:
            counts[plan_id] = counts.get(plan_id, 0) + 1
    if counts:
        return max(counts, key=lambda plan_id: counts[plan_id])
    return ride.plan_id if ride.plan_id in plans else None


def write_note(db: Session, viewer: User, ride_id: int) -> tuple[Note, bool]:
    """ "Write the note": the day becomes one ride-along coaching note (a draft), pre-filled
    from its calls. Writing it again opens the same note: (note, created)."""
    ride = get_ride(db, viewer, ride_id)
    if not policy.can_capture_calls(viewer, ride):
        raise PermissionDenied(N_("The manager on the ride-along writes its note."))
    if ride.session_id is not None:
        return service.get_note(db, viewer, ride.session_id), False
    if ride.cancelled_at is not None:
        raise Conflict(N_("This ride-along was cancelled."))
    calls = calls_of(db, viewer, ride)
    version = guide_of(db, ride)
    ratings = combined_ratings(calls, version)
    strengths, focus = suggestions(ratings)
    note, created = service.create_note(
        db,
        viewer,
        {
            # One note per day, however often (or from however many devices) it is asked for.
            "client_uuid": uuid.uuid5(ride.uid, "end-of-day note"),
            "rep_id": ride.rep_id,
            "guide_version_id": version.id,
            "type": NoteType.RIDE_ALONG,
            # Written before the day planned: the ride took place by today (a note is
            # never dated in the future).
            "occurred_on": min(ride.day, local_today(viewer.timezone)),
            "plan_id": _note_plan(db, viewer, ride, calls),
            "ratings": [
                {"competency_id": r.competency.id, "score": r.score, "evidence": r.evidence}
                for r in ratings
            ],
            "strengths": strengths,
            "development_focus": focus,
        },
    )
    db.execute(
        update(PlannedRideAlong)
        .where(PlannedRideAlong.id == ride.id, PlannedRideAlong.session_id.is_(None))
        .values(session_id=note.id)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        db, viewer, "ride_along.note", "ride_along", ride.id, session_id=note.id,
        calls=len(calls),
    )  # fmt: skip
    db.commit()
    return note, created


def note_prompts(ride: PlannedRideAlong) -> list[Prompt]:
    """What the rep asked for, beside the note written from the day."""
    first = ride.rep.first_name
    prompts = []
    if ride.help_request:
        prompts.append(
            Prompt(
                "help",
                f"{first} asked for help with: {ride.help_request}",
                "Does the note answer it?",
            )
        )
    for stop in ride.stops:
        prompts.append(
            Prompt("objective", f"{stop.name}: {stop.objective}", "Was the objective met?")
        )
    return prompts
