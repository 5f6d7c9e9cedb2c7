"""The ride-along day's pages: a manager plans it from the rep's page (with a calendar file),
the rep prepares it, the manager captures calls and writes the note.

One page for both (/ride-alongs/<id>): the rep sees their preparation form and the pre-brief
with "Done" on their agreements; the manager sees the preparation, the pre-brief, the calls
so far, a capture form that also works without a connection (static/js/offline.js keeps the
call and sends it through the API) and "Write the note". With htmx (HX-Request) the page
answers the list of calls only, which the capture form refreshes after a sync. Every form is
read into the API's body and loaded by the same schema (coachapp.service.schemas).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from coachapp import content_translations, policy, replay
from coachapp.auth.roles import roles_required, viewer
from coachapp.db import get_session
from coachapp.errors import Conflict, InvalidInput
from coachapp.field_messages import in_readers_language
from coachapp.forms import FormBody, form_number, load_form
from coachapp.htmx import is_fragment_request
from coachapp.inbox import reading as inbox
from coachapp.journeys import progress as journeys
from coachapp.languages import N_, gettext
from coachapp.models import NOT_OBSERVED_LABEL, RATING_SCALE, PlannedRideAlong, Role
from coachapp.nudges import subjects
from coachapp.ride_alongs import calendar, schemas, service
from coachapp.timezones import local_today
from coachapp.versioning import StaleVersion, form_version

bp = Blueprint("ride_alongs", __name__)

# Rows for accounts without a plan on the preparation form, beyond those already listed.
FREE_ROWS = 2
# The preparation form's fields of one stop: a plan's objective, another account's name or
# objective. A refusal about a stop is shown at its fields, and said once above them.
STOP_FIELDS = ("objective-plan-", "other-name-", "other-objective-")
CHANGED_MEANWHILE = N_("Changed on another device meanwhile: check it and save again.")
# The most each field of the day's forms takes, as the schemas say (maxlength).
LIMITS = {
    "help_request": schemas.HELP_MAX,
    "objective": schemas.OBJECTIVE_MAX,
    "name": schemas.NAME_MAX,
    "agreement_evidence": schemas.AGREEMENT_EVIDENCE_MAX,
    "call_evidence": schemas.CALL_EVIDENCE_MAX,
}


def _calls_context(ride: PlannedRideAlong) -> dict[str, Any]:
    """What the list of the day's calls shows (the manager's; anyone else: not found)."""
    db, user = get_session(), viewer()
    calls = service.calls_of(db, user, ride)
    # The guide's behaviours in the reader's language where enablement gave the version one.
    guide = content_translations.guide_version_as_read(db, service.guide_of(db, ride))
    return {
        "ride": ride,
        "open": ride.cancelled_at is None and ride.session_id is None,
        "calls": calls,
        "guide": guide,
        "competency_names": {c.id: c.name for s in guide.sections for c in s.competencies},
    }


def _page_context(ride: PlannedRideAlong, **extra: Any) -> dict[str, Any]:
    db, user = get_session(), viewer()
    is_rep = policy.can_prepare_ride_along(user, ride)
    is_manager = policy.can_capture_calls(user, ride)
    context: dict[str, Any] = {
        "ride": ride,
        "is_rep": is_rep,
        "is_manager": is_manager,
        "open": ride.cancelled_at is None and ride.session_id is None,
        "brief": service.pre_brief(db, user, ride),
        "today": local_today(user.timezone),
        "scale": RATING_SCALE,
        "not_observed": NOT_OBSERVED_LABEL,
        "errors": {},
        "typed": None,
        "agreement_errors": {},
        "limits": LIMITS,
    }
    if is_rep:
        plans = service.rep_plans(db, user, ride)
        context["plans"] = plans
        context["chosen"] = {s.plan_id: s for s in ride.stops if s.plan_id is not None}
        free = [
            s for s in ride.stops if s.plan_id is None or s.plan_id not in {p.id for p in plans}
        ]
        context["free_stops"] = free + [None] * FREE_ROWS
    if is_manager:
        context.update(_calls_context(ride))
        context["shown_first"] = service.watch_first(db, ride, context["guide"], context["calls"])
        context["call_account"] = service.next_call_account(ride, context["calls"])
        # The rep's learning-journey exercises, for the manager to review before the day.
        context["journey_submissions"] = journeys.submissions_of(db, user, ride.rep_id)
        context["may_review_journey"] = policy.may_review_journey(user, ride.rep)
        context["messages"] = {
            "account": gettext(schemas.NEED_ACCOUNT),
            "score": gettext(schemas.NEED_SCORE),
            "something": gettext(schemas.NEED_SOMETHING),
        }
    context.update(extra)
    context["stop_errors"] = any(name.startswith(STOP_FIELDS) for name in context["errors"])
    return context


def _ride(ride_id: int) -> PlannedRideAlong:
    return service.get_ride(get_session(), viewer(), ride_id)


def _day_url(ride_id: int, anchor: str = "") -> str:
    return url_for("ride_alongs.day", ride_id=ride_id, _anchor=anchor or None)


def _refused(ride: PlannedRideAlong, errors: dict[str, Any], status: int) -> Any:
    """The page again with the messages, keeping what was typed."""
    return render_template(
        "ride_alongs/day.html", **_page_context(ride, errors=errors, typed=request.form)
    ), status


# Planning, from the rep's page -----------------------------------------------------------


def _person_url(rep_id: int) -> str:
    return url_for("team.person", person_id=rep_id, _anchor="ride-along-heading")


def plan_form(form: MultiDict[str, str], rep_id: int) -> FormBody:
    """The rep's page's "Plan a ride-along" form as the API's body (the rep is in the path)."""
    plan = form.get("plan_id", "").strip()
    body = {
        "rep_id": rep_id,
        "day": form.get("day", "").strip() or None,
        "plan_id": form_number(plan) if plan else None,
        "note": form.get("note", ""),
    }
    return FormBody(body, form)


@bp.post("/people/<int:rep_id>/ride-alongs")
@roles_required(Role.MANAGER)
def plan(rep_id: int) -> Response:
    db, user = get_session(), viewer()
    form = plan_form(request.form, rep_id)
    # The form sits on the rep's page: what is wrong is flashed above it.
    try:
        data = form.load(schemas.ride_along_create_schema)
    except InvalidInput as exc:
        flash(next(iter(form.errors(exc).values()))[0], "error")  # the first field's
        return redirect(_person_url(rep_id))
    try:
        calendar.plan_ride_along(
            db, user, rep_id, data["day"], local_today(user.timezone), data["plan_id"],
            data["note"],
        )  # fmt: skip
    except InvalidInput as exc:
        flash(in_readers_language(exc.message), "error")
    else:
        flash(gettext("Ride-along planned. Add it to your calendar below."), "success")
    return redirect(_person_url(rep_id))


@bp.get("/ride-alongs/<int:ride_id>.ics")
@login_required
def calendar_file(ride_id: int) -> Response:
    ride = service.get_ride(get_session(), viewer(), ride_id)
    target = url_for("team.person", person_id=ride.rep_id, _external=True)
    response = make_response(calendar.ics(ride, target))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="ride-along-{ride.day}.ics"'
    return response


@bp.post("/ride-alongs/<int:ride_id>/cancel")
@roles_required(Role.MANAGER)
def cancel(ride_id: int) -> Response:
    ride = calendar.cancel(get_session(), viewer(), ride_id)
    return redirect(_person_url(ride.rep_id))


# The day's page ----------------------------------------------------------------------------


@bp.get("/ride-alongs/<int:ride_id>")
@roles_required(Role.MANAGER, Role.REP)
def day(ride_id: int) -> Any:
    ride = _ride(ride_id)
    if is_fragment_request():  # the calls again, after the phone has sent those it kept
        return render_template("ride_alongs/_calls.html", **_calls_context(ride))
    inbox.page_opened(get_session(), viewer(), subjects.ride_along(ride.id))
    return render_template("ride_alongs/day.html", **_page_context(ride))


# Before the ride ------------------------------------------------------------------------


def preparation_form(form: MultiDict[str, str]) -> FormBody:
    """The preparation form as the API's body: the plans ticked with their objective, then
    the other accounts named with theirs, in that order. A stop's messages are shown at its
    fields."""
    stops: list[dict[str, Any]] = []
    names = {"help_request": "help_request", "stops": "stops"}
    for value in form.getlist("plan"):
        field = f"objective-plan-{value}"
        names[f"stops.{len(stops)}"] = field
        stops.append({"plan_id": form_number(value), "objective": form.get(field, "")})
    index = 0
    while f"other-name-{index}" in form:
        name = form.get(f"other-name-{index}", "")
        objective = form.get(f"other-objective-{index}", "")
        if name.strip() or objective.strip():  # a row left empty is not a stop
            at = f"stops.{len(stops)}"
            names[at] = names[f"{at}.name"] = f"other-name-{index}"
            names[f"{at}.objective"] = f"other-objective-{index}"
            stops.append({"name": name, "objective": objective})
        index += 1
    return FormBody({"help_request": form.get("help_request", ""), "stops": stops}, form, names)


@bp.post("/ride-alongs/<int:ride_id>/preparation")
@roles_required(Role.MANAGER, Role.REP)
def prepare(ride_id: int) -> Any:
    ride = _ride(ride_id)
    form = preparation_form(request.form)
    try:
        data = form.load(schemas.preparation_schema)
        service.prepare(
            get_session(),
            viewer(),
            ride.id,
            data["help_request"],
            data["stops"],
            expected_version=form_version(request.form.get("version")),
        )
    except StaleVersion:
        return _refused(_ride(ride_id), {"_form": [gettext(CHANGED_MEANWHILE)]}, 412)
    except InvalidInput as exc:
        return _refused(ride, form.errors(exc), 422)
    flash(gettext("Preparation saved. Your manager sees it."), "success")
    return redirect(_day_url(ride.id))


@bp.post("/ride-alongs/<int:ride_id>/agreements/<int:follow_up_id>/done")
@roles_required(Role.MANAGER, Role.REP)
def agreement_done(ride_id: int, follow_up_id: int) -> Any:
    ride = _ride(ride_id)
    data, errors = load_form(schemas.agreement_done_schema, request.form)
    try:
        if data is None:
            raise InvalidInput(next(iter(errors.values()))[0], errors)
        service.complete_agreement(get_session(), viewer(), ride.id, follow_up_id, data["evidence"])
    except InvalidInput as exc:
        problem = " ".join((exc.fields or {}).get("evidence", [exc.message]))
        context = _page_context(ride, agreement_errors={follow_up_id: problem}, typed=request.form)
        return render_template("ride_alongs/day.html", **context), 422
    flash(gettext("Marked done. Your manager sees what you wrote."), "success")
    return redirect(_day_url(ride.id, "agreements"))


# During the ride --------------------------------------------------------------------------

# Where the capture form shows a refusal about each part of the call's body.
CALL_NAMES = {
    "stop_id": "account_name",
    "account_name": "account_name",
    "ratings": "ratings",
    "evidence": "evidence",
    "client_uuid": "_form",
    "guide_version_id": "_form",
}


def call_form(form: MultiDict[str, str]) -> FormBody:
    """The capture form as the API's call body: each competency ticked as observed, with the
    rating given it (a tick without one is refused in the schema's words)."""
    version = form.get("guide_version_id", "").strip()
    body: dict[str, Any] = {
        "client_uuid": replay.client_uuid_of(form.get("client_uuid")),
        "guide_version_id": form_number(version) if version else None,
        "ratings": [],
        "evidence": form.get("evidence", ""),
    }
    stop = form.get("stop", "").strip()
    if stop:
        body["stop_id"] = form_number(stop)
    else:
        body["account_name"] = form.get("account_name", "")
    for value in form.getlist("seen"):
        score = form.get(f"score-{value}", "").strip()
        body["ratings"].append(
            {"competency_id": form_number(value), "score": form_number(score) if score else None}
        )
    return FormBody(body, form, CALL_NAMES)


@bp.post("/ride-alongs/<int:ride_id>/calls")
@roles_required(Role.MANAGER, Role.REP)
def capture_call(ride_id: int) -> Any:
    ride = _ride(ride_id)
    form = call_form(request.form)
    try:
        call, _ = service.capture_call(
            get_session(), viewer(), ride.id, form.load(schemas.call_schema)
        )
    except InvalidInput as exc:
        return _refused(ride, form.errors(exc), 422)
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
        return redirect(_day_url(ride.id))
    flash(gettext("Call at %(account)s saved.", account=call.account_name), "success")
    return redirect(_day_url(ride.id, "capture"))


@bp.post("/ride-alongs/<int:ride_id>/calls/<int:call_id>/delete")
@roles_required(Role.MANAGER, Role.REP)
def remove_call(ride_id: int, call_id: int) -> Response:
    try:
        service.remove_call(get_session(), viewer(), ride_id, call_id)
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
    return redirect(_day_url(ride_id, "calls"))


# End of the day ---------------------------------------------------------------------------


@bp.post("/ride-alongs/<int:ride_id>/note")
@roles_required(Role.MANAGER, Role.REP)
def write_note(ride_id: int) -> Response:
    """ "Write the note": the day's note, made once, opened to edit and share."""
    try:
        note, _ = service.write_note(get_session(), viewer(), ride_id)
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
        return redirect(_day_url(ride_id))
    if note.status.value == "acknowledged":
        return redirect(url_for("coaching.show", note_id=note.id))
    return redirect(url_for("coaching.edit", note_id=note.id))
