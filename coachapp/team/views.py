"""Today, Team and person pages."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask_login import login_required

from coachapp.auth.roles import roles_required, viewer
from coachapp.coach_notes import service as coach_notes
from coachapp.coaching import focus, preparation
from coachapp.coaching import service as coaching_service
from coachapp.coaching.cadence import WINDOW_CHOICES, ack_deadline_days, deadline_of
from coachapp.dashboard.service import CadenceFilters
from coachapp.db import get_session, utcnow
from coachapp.htmx import render_page_or_fragment
from coachapp.inbox import reading as inbox
from coachapp.journeys import progress as journeys
from coachapp.models import NOTE_TYPE_LABELS, Role
from coachapp.nudges import subjects
from coachapp.observations import service as observations
from coachapp.ride_alongs import calendar
from coachapp.ride_alongs.schemas import NOTE_MAX as RIDE_NOTE_MAX
from coachapp.team import service
from coachapp.timezones import local_today

bp = Blueprint("team", __name__)


@bp.get("/today")
@roles_required(Role.MANAGER)
def today() -> str:
    """The manager's day on one screen: counts that link to their lists, and the
    ride-alongs of today and tomorrow."""
    user = viewer()
    db = get_session()
    now = utcnow()
    day = local_today(user.timezone, now)
    return render_template(
        "team/today.html",
        today=day,
        tomorrow=day + dt.timedelta(days=1),
        page=service.today_page(db, user, now, day),
        from_director=coach_notes.unacknowledged_for(db, user),
    )


@bp.get("/team")
@roles_required(Role.MANAGER)
def team() -> str:
    """The manager's reps with their cadence figures, who needs coaching next first; with
    ?due=1 only those due for coaching (what Today counts)."""
    user = viewer()
    now = utcnow()
    day = local_today(user.timezone, now)
    filters = CadenceFilters.from_args(request.args)
    rows = service.team_of(get_session(), user, now, filters.window_days)
    due_only = request.args.get("due") == "1"
    return render_page_or_fragment(
        "team/team.html",
        "team/_team_list.html",
        rows=service.needs_coaching(rows) if due_only else rows,
        team_size=len(rows),
        due_only=due_only,
        today=day,
        filters=filters,
        windows=WINDOW_CHOICES,
    )


@bp.get("/people/<int:person_id>")
@login_required
def person(person_id: int) -> str:
    user = viewer()
    now = utcnow()
    day = local_today(user.timezone, now)
    db = get_session()
    page = service.person_page(db, user, person_id, now)
    inbox.page_opened(db, user, subjects.person(page.person.id))  # "due for coaching" nudges
    prompts = []
    open_draft = None
    observations_received = None
    submissions = []
    if page.person.manager_id == user.id and user.role == Role.MANAGER:
        submissions = journeys.submissions_of(db, user, page.person.id)
        open_draft = coaching_service.open_draft_about(db, user, page.person.id)
        observations_received = observations.received_counts(db, user, page.person.id)
        # The page has the rep's plans, conversations and follow-ups already.
        plan = preparation.default_plan(
            preparation.live_by_activity(page.plans), db, user, page.person
        )
        prompts = preparation.prepare(
            db,
            user,
            page.person,
            preparation.with_details(db, plan),
            day,
            recent_notes=page.notes,
            open_follow_ups=page.open_follow_ups,
        )
        prompts = [*journeys.prompts(db, user, page.person), *prompts]
    trends = focus.focus_of(db, user, page.person) if page.person.role == Role.REP else []
    choices = focus.competencies_to_choose(db) if page.person.manager_id == user.id else []
    rides = calendar.upcoming(db, user, page.person, day) if page.person.role == Role.REP else []
    return render_template(
        "team/person.html",
        page=page,
        today=day,
        prompts=prompts,
        trends=trends,
        focus_choices=choices,
        rides=rides,
        can_plan_ride=page.person.manager_id == user.id and user.role == Role.MANAGER,
        open_draft=open_draft,
        observations_received=observations_received,
        journey_submissions=submissions,
        may_review_journey=bool(submissions),
        focus_goal_max=focus.GOAL_MAX,
        ride_note_max=RIDE_NOTE_MAX,
    )


@bp.get("/my")
@roles_required(Role.REP)
def my_page() -> str:
    user = viewer()
    now = utcnow()
    day = local_today(user.timezone, now)
    db = get_session()
    page = service.person_page(db, user, user.id, now)
    trends = focus.focus_of(db, user, user)
    rides = calendar.upcoming(db, user, user, day)
    to_act_on = coaching_service.notes_needing_action(db, user)
    days = ack_deadline_days(db) if to_act_on else 0
    return render_template(
        "team/person.html",
        page=page,
        today=day,
        own=True,
        trends=trends,
        rides=rides,
        pending=coaching_service.pending_self_assessment(db, user, user.id),
        to_act_on=to_act_on,
        deadlines={note.id: deadline_of(note, days, now) for note in to_act_on},
        types=NOTE_TYPE_LABELS,
    )
