"""The ride-along day's page: the rep prepares it, the manager captures calls and writes the note.

One page for both (/ride-alongs/<id>): the rep sees their preparation form and the pre-brief
with "Done" on their agreements; the manager sees the preparation, the pre-brief, the calls
so far, a capture form that also works without a connection (static/js/offline.js keeps the
call and sends it through the API) and "Write the note". With htmx (HX-Request) the page
answers the list of calls only, which the capture form refreshes after a sync.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from coachapp import policy, replay
from coachapp.auth.roles import roles_required, viewer
from coachapp.coaching import ride_alongs
from coachapp.coaching.views import bp
from coachapp.db import get_session
from coachapp.errors import Conflict, InvalidInput
from coachapp.forms import typed_line, typed_lines
from coachapp.htmx import is_fragment_request
from coachapp.inbox import reading as inbox
from coachapp.models import NOT_OBSERVED_LABEL, RATING_SCALE, PlannedRideAlong, Role
from coachapp.nudges import subjects
from coachapp.plain_text import LINE_PROBLEM, line_problem, normalise_newlines, text_problem
from coachapp.timezones import local_today
from coachapp.versioning import StaleVersion, form_version

# Rows for accounts without a plan on the preparation form, beyond those already listed.
FREE_ROWS = 2


def _calls_context(ride: PlannedRideAlong) -> dict[str, Any]:
    """What the list of the day's calls shows (the manager's; anyone else: not found)."""
    db, user = get_session(), viewer()
    calls = ride_alongs.calls_of(db, user, ride)
    guide = ride_alongs.guide_of(db, ride)
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
        "brief": ride_alongs.pre_brief(db, user, ride),
        "today": local_today(user.timezone),
        "scale": RATING_SCALE,
        "not_observed": NOT_OBSERVED_LABEL,
        "errors": {},
        "typed": None,
        "agreement_errors": {},
    }
    if is_rep:
        plans = ride_alongs.rep_plans(db, user, ride)
        context["plans"] = plans
        context["chosen"] = {s.plan_id: s for s in ride.stops if s.plan_id is not None}
        free = [
            s for s in ride.stops if s.plan_id is None or s.plan_id not in {p.id for p in plans}
        ]
        context["free_stops"] = free + [None] * FREE_ROWS
    if is_manager:
        context.update(_calls_context(ride))
        context["shown_first"] = ride_alongs.watch_first(
            db, ride, context["guide"], context["calls"]
        )
        context["call_account"] = ride_alongs.next_call_account(ride, context["calls"])
        context["messages"] = {
            "account": ride_alongs.NEED_ACCOUNT,
            "score": ride_alongs.NEED_SCORE,
            "something": ride_alongs.NEED_SOMETHING,
        }
    context.update(extra)
    return context


def _ride(ride_id: int) -> PlannedRideAlong:
    return ride_alongs.get_ride(get_session(), viewer(), ride_id)


@bp.get("/ride-alongs/<int:ride_id>")
@roles_required(Role.MANAGER, Role.REP)
def ride_along(ride_id: int) -> Any:
    ride = _ride(ride_id)
    if is_fragment_request():  # the calls again, after the phone has sent those it kept
        return render_template("coaching/_ride_calls.html", **_calls_context(ride))
    inbox.page_opened(get_session(), viewer(), subjects.ride_along(ride.id))
    return render_template("coaching/ride_along.html", **_page_context(ride))


# Before the ride ------------------------------------------------------------------------


def parse_preparation(form: MultiDict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    """The preparation form: the plans ticked with their objective, then the other accounts
    named with theirs, in that order."""
    help_request = typed_lines(form, "help_request")
    stops: list[dict[str, Any]] = []
    for value in form.getlist("plan"):
        if value.isdigit() and len(value) <= 10:
            stops.append(
                {"plan_id": int(value), "objective": form.get(f"objective-plan-{value}", "")}
            )
    index = 0
    while f"other-name-{index}" in form:
        name = form.get(f"other-name-{index}", "")
        objective = form.get(f"other-objective-{index}", "")
        if name.strip() or objective.strip():
            stops.append({"name": name, "objective": objective})
        index += 1
    typed = [v.strip() for stop in stops for v in stop.values() if isinstance(v, str)]
    if any(line_problem(v) for v in typed):
        message = f"Account names and objectives: {LINE_PROBLEM[0].lower()}{LINE_PROBLEM[1:]}"
        raise InvalidInput(message, {"stops": [message]})
    return help_request, stops


@bp.post("/ride-alongs/<int:ride_id>/preparation")
@roles_required(Role.MANAGER, Role.REP)
def prepare_ride_along(ride_id: int) -> Any:
    ride = _ride(ride_id)
    try:
        help_request, stops = parse_preparation(request.form)
        ride_alongs.prepare(
            get_session(),
            viewer(),
            ride.id,
            help_request,
            stops,
            expected_version=form_version(request.form.get("version")),
        )
    except StaleVersion:
        errors = {"_form": ["Changed on another device meanwhile: check it and save again."]}
        return _refused(_ride(ride_id), errors, 412)
    except InvalidInput as exc:
        return _refused(ride, exc.fields or {"_form": [exc.message]}, 422)
    flash("Preparation saved. Your manager sees it.", "success")
    return redirect(url_for("coaching.ride_along", ride_id=ride.id))


def _refused(ride: PlannedRideAlong, errors: dict[str, Any], status: int) -> Any:
    """The page again with the messages, keeping what was typed."""
    return render_template(
        "coaching/ride_along.html", **_page_context(ride, errors=errors, typed=request.form)
    ), status


@bp.post("/ride-alongs/<int:ride_id>/agreements/<int:follow_up_id>/done")
@roles_required(Role.MANAGER, Role.REP)
def ride_agreement_done(ride_id: int, follow_up_id: int) -> Any:
    ride = _ride(ride_id)
    try:
        ride_alongs.complete_agreement(
            get_session(),
            viewer(),
            ride.id,
            follow_up_id,
            typed_line(request.form, "evidence"),
        )
    except InvalidInput as exc:
        context = _page_context(
            ride, agreement_errors={follow_up_id: exc.message}, typed=request.form
        )
        return render_template("coaching/ride_along.html", **context), 422
    flash("Marked done. Your manager sees what you wrote.", "success")
    return redirect(url_for("coaching.ride_along", ride_id=ride.id) + "#agreements")


# During the ride --------------------------------------------------------------------------


def parse_call(form: MultiDict[str, str]) -> dict[str, Any]:
    """The capture form as the API's call body: a competency counts when it is ticked as
    observed and given a score."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {"evidence": normalise_newlines(form.get("evidence", "")), "ratings": []}
    data["client_uuid"] = replay.client_uuid_of(form.get("client_uuid"))
    stop = form.get("stop", "")
    if stop.isdigit() and len(stop) <= 10:
        data["stop_id"] = int(stop)
    else:
        data["account_name"] = form.get("account_name", "")
    version = form.get("guide_version_id", "")
    data["guide_version_id"] = int(version) if version.isdigit() and len(version) <= 10 else None
    for value in form.getlist("seen"):
        if not value.isdigit() or len(value) > 10:
            continue
        score = form.get(f"score-{value}", "")
        if score in {"1", "2", "3", "4"}:
            data["ratings"].append({"competency_id": int(value), "score": int(score)})
        else:
            errors["ratings"] = [ride_alongs.NEED_SCORE]
    if problem := text_problem(data["evidence"]):
        errors["evidence"] = [problem]
    if problem := line_problem(data.get("account_name", "")):
        errors["account_name"] = [problem]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors)
    return data


@bp.post("/ride-alongs/<int:ride_id>/calls")
@roles_required(Role.MANAGER, Role.REP)
def capture_call(ride_id: int) -> Any:
    ride = _ride(ride_id)
    try:
        call, _ = ride_alongs.capture_call(
            get_session(), viewer(), ride.id, parse_call(request.form)
        )
    except InvalidInput as exc:
        return _refused(ride, exc.fields or {"_form": [exc.message]}, 422)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("coaching.ride_along", ride_id=ride.id))
    flash(f"Call at {call.account_name} saved.", "success")
    return redirect(url_for("coaching.ride_along", ride_id=ride.id) + "#capture")


@bp.post("/ride-alongs/<int:ride_id>/calls/<int:call_id>/delete")
@roles_required(Role.MANAGER, Role.REP)
def remove_call(ride_id: int, call_id: int) -> Response:
    try:
        ride_alongs.remove_call(get_session(), viewer(), ride_id, call_id)
    except Conflict as exc:
        flash(exc.message, "error")
    return redirect(url_for("coaching.ride_along", ride_id=ride_id) + "#calls")


# End of the day ---------------------------------------------------------------------------


@bp.post("/ride-alongs/<int:ride_id>/note")
@roles_required(Role.MANAGER, Role.REP)
def write_ride_note(ride_id: int) -> Response:
    """ "Write the note": the day's note, made once, opened to edit and share."""
    try:
        session, _ = ride_alongs.write_note(get_session(), viewer(), ride_id)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("coaching.ride_along", ride_id=ride_id))
    if session.status.value == "acknowledged":
        return redirect(url_for("coaching.show", session_id=session.id))
    return redirect(url_for("coaching.edit", session_id=session.id))
