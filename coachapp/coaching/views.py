"""Coaching pages: log a conversation from the rep's page, share it, read and acknowledge it.

The debrief form saves as a plain POST and, with htmx, autosaves into its status line;
"Share with rep" saves what is on the form first, so nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from coachapp import content_translations, policy, replay
from coachapp.auth.roles import roles_required, viewer
from coachapp.coaching import caps, focus, preparation, schemas, service, specificity
from coachapp.coaching.blind import behaviours_to_rate, talking_point_lines
from coachapp.coaching.cadence import ack_deadline_days, deadline_of
from coachapp.coaching.note_view import note_view
from coachapp.coaching.specificity import FOCUS_CHIPS, STRENGTH_CHIPS, chips_as_read
from coachapp.db import get_session, utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.field_messages import in_readers_language
from coachapp.forms import FormBody, form_number, load_form, typed_line
from coachapp.htmx import htmx_redirect, is_fragment_request, swapped_into
from coachapp.inbox import reading as inbox
from coachapp.journeys import progress as journey_progress
from coachapp.languages import N_, formatted, gettext
from coachapp.models import (
    NOT_OBSERVED_LABEL,
    NOTE_TYPE_LABELS,
    RATING_SCALE,
    AccountPlan,
    ActionStatus,
    DevelopmentFocus,
    FollowUpStatus,
    Note,
    NoteStatus,
    PlanActionItem,
    PlannedRideAlong,
    Role,
    User,
)
from coachapp.nudges import subjects
from coachapp.observations import service as observations
from coachapp.ride_alongs import service as ride_alongs
from coachapp.security import safe_local_path
from coachapp.timezones import local_time, local_today
from coachapp.versioning import StaleVersion, form_version

bp = Blueprint("coaching", __name__)

DUE_CHOICES = ((7, N_("In 1 week")), (14, N_("In 2 weeks")), (30, N_("In a month")))
# A shared note's changed fields as its page names them ("development_focus": "Development
# focus"), for the catalogue: translated where shown.
CHANGED_FIELD_NAMES = (
    N_("Type"), N_("Occurred on"), N_("Account id"), N_("Plan id"), N_("Strengths"),
    N_("Development focus"), N_("Private notes"), N_("Ratings"), N_("Follow ups"),
)  # fmt: skip
# The note's content fields the debrief form reads in its own way (debrief_form); every other
# one is a text field of the same name, read as typed.
READ_APART = frozenset(
    {"type", "occurred_on", "account_id", "plan_id", "strengths", "development_focus"}
)


def _today() -> dt.date:
    return local_today(viewer().timezone)


# Starting a note ----------------------------------------------------------------


@bp.post("/people/<int:rep_id>/coaching")
@roles_required(Role.MANAGER)
def start(rep_id: int) -> Response:
    """ "Log coaching" opens the manager's draft about this rep, or starts one (a draft
    exists from the first tap, so autosave has somewhere to go); "Start another note"
    (another=1) starts one beside it. The form carries a client_uuid, so a double tap
    still makes one draft."""
    db = get_session()
    user = viewer()
    rep = service.coached_rep(db, user, rep_id)
    note = None if request.form.get("another") else service.open_draft_about(db, user, rep.id)
    if note is None:
        plan = preparation.default_plan(preparation.rep_plans(db, user, rep), db, user, rep)
        note = service.start_draft(
            db,
            user,
            rep.id,
            replay.client_uuid_of(request.form.get("client_uuid")),
            plan.id if plan else None,
        )
    return redirect(url_for("coaching.edit", note_id=note.id))


@bp.app_template_filter("translated")
def translated_messages(messages: Iterable[str]) -> str:
    """A refusal's messages for a field, in the reader's language where the catalogue has
    them (marked where defined), one after another: {{ errors["type"] | translated }}."""
    return " ".join(gettext(message) for message in messages)


@bp.app_template_global("competency_name_as_read")
def competency_name_as_read(key: str, name: str) -> str:
    """A behaviour named by its key in kept figures, in the reader's language where a guide
    version was given a text in it: {{ competency_name_as_read(focus.key, focus.name) }}."""
    return content_translations.competency_name_as_read(get_session(), key, name)


@bp.post("/notes/<int:note_id>/discard")
@roles_required(Role.MANAGER)
def discard(note_id: int) -> Response:
    """ "Discard draft", confirmed on the draft's page: the draft goes (audited)."""
    try:
        rep_id = service.discard_draft(
            get_session(),
            viewer(),
            note_id,
            replay.client_uuid_of(request.form.get("client_uuid")),
        )
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
        return redirect(url_for("coaching.show", note_id=note_id))
    flash(gettext("Draft discarded."), "success")
    rep = get_session().get(User, rep_id)
    if rep is None or rep.manager_id != viewer().id:
        return redirect(url_for("coaching.index"))  # the rep has moved to another team
    return redirect(url_for("team.person", person_id=rep_id))


# The debrief form ---------------------------------------------------------------


def _split_chips(text: str, chips: tuple[str, ...]) -> tuple[list[str], str]:
    """Which chips a saved text holds (one per line), and the rest of the text."""
    lines = [line for line in text.splitlines()]
    chosen = [chip for chip in chips if chip in lines]
    rest = "\n".join(line for line in lines if line not in chosen).strip()
    return chosen, rest


def _join_chips(chosen: list[str], text: str, chips: tuple[str, ...]) -> str:
    ordered = [chip for chip in chips if chip in chosen]
    return "\n".join([*ordered, text.strip()]).strip()


def _competency_point(name: str, evidence: str) -> str:
    """A strength or focus point made of a rated competency: its name and what was seen."""
    return f"{name}: {evidence}" if evidence else name


def _split_marked(text: str, points: dict[int, str]) -> tuple[set[int], str]:
    """Which rated competencies a saved strengths or focus text holds as the points their
    Strength or Focus chip makes (`points`: each one's point as the chip writes it), and the
    rest of the text. A line written otherwise stays text, as it was written."""
    by_text = {point: cid for cid, point in points.items()}
    lines = text.splitlines()
    marked = {by_text[line] for line in lines if line in by_text}
    rest = "\n".join(line for line in lines if line not in by_text).strip()
    return marked, rest


def _marked_points(
    form: MultiDict[str, str], field: str, names: dict[int, str], rated: dict[int, str]
) -> list[str]:
    """The points of the competencies ticked as a strength (or focus) beside their rating,
    in the guide's order: only those rated 1-4 (`rated`: their evidence)."""
    ticked = {int(v) for v in form.getlist(field) if v.isdigit()} & rated.keys()
    return [_competency_point(names[cid], rated[cid]) for cid in names if cid in ticked]


def debrief_form(form: MultiDict[str, str], competencies: dict[int, str]) -> FormBody:
    """The debrief form as the API's change of a note (coachapp.coaching.schemas), with the
    field each part came from. `competencies`: the guide's, by id, with their names, in the
    guide's order: a Strength or Focus chip beside a rating makes a point of its name."""
    body: dict[str, Any] = {"occurred_on": form.get("occurred_on", "")}
    # The account is chosen through the plan; a refusal of either is said there.
    names = {"account_id": "plan_id", "ratings": "ratings"}
    # Never defaulted: a draft may wait for it; sharing needs it (coachapp.coaching.counts).
    if form.get("type"):
        body["type"] = form["type"]
    plan = form.get("plan_id", "")
    body["plan_id"] = form_number(plan) if plan else None
    if not plan:
        body["account_id"] = None
    ratings: list[dict[str, Any]] = []
    rated: dict[int, str] = {}  # rated 1-4 (or refused): what was seen
    scored = (name.removeprefix("score-") for name in form if name.startswith("score-"))
    for key in sorted(scored, key=lambda k: int(k) if k.isdigit() else -1):
        score = form.get(f"score-{key}", "")
        if not score:
            continue  # not rated
        evidence = form.get(f"evidence-{key}", "")
        names[f"ratings.{len(ratings)}.score"] = f"score-{key}"
        names[f"ratings.{len(ratings)}.evidence"] = f"evidence-{key}"
        ratings.append(
            {
                "competency_id": form_number(key),
                "score": None if score == "n" else form_number(score),
                "evidence": evidence,
            }
        )
        if score != "n" and key.isdigit():
            rated[int(key)] = evidence.strip()
    body["ratings"] = ratings
    body["strengths"] = "\n".join(
        [
            *_marked_points(form, "strength_of", competencies, rated),
            _join_chips(
                form.getlist("strength_chip"),
                form.get("strengths", ""),
                chips_as_read(STRENGTH_CHIPS),
            ),
        ]
    ).strip()
    body["development_focus"] = "\n".join(
        [
            *_marked_points(form, "focus_of", competencies, rated),
            _join_chips(
                form.getlist("focus_chip"),
                form.get("development_focus", ""),
                chips_as_read(FOCUS_CHIPS),
            ),
        ]
    ).strip()
    for name in schemas.CONTENT_FIELDS:
        if name not in READ_APART:
            body[name] = form.get(name, "")  # a text field, as typed (private notes)
    return FormBody(body, form, names)


def _editable(note_id: int, *, moved_on: bool = False) -> Any:
    """The viewer's own note, to write on (anyone else's: not found). Its author once the rep
    has left their team is refused (403, saying why) unless the caller handles that itself
    (`moved_on`): nothing of the form, its prompts or the rep's later notes is built then."""
    note = service.get_note(get_session(), viewer(), note_id)
    if not policy.wrote(viewer(), note):
        raise NotFound()
    if not moved_on:
        service.check_editable(viewer(), note, "Only the note's author can change it.")
    return note


def point_checks(note: Any) -> dict[str, dict[str, Any]]:
    """What the debrief says under strengths and focus: how many points of the cap are used,
    and which points read as vague praise (a prompt, not a refusal)."""
    flags = specificity.note_flags(note)
    return {
        field: {
            "count": len(caps.points(getattr(note, field))),
            "max": maximum,
            "flags": [flag for flag in flags if flag.field == field],
        }
        for field, maximum in (
            ("strengths", caps.MAX_STRENGTHS),
            ("development_focus", caps.MAX_FOCUS),
        )
    }


def _note_plans(
    db: Session, user: User, note: Note
) -> tuple[list[AccountPlan], AccountPlan | None]:
    """The rep's plans the debrief offers, and the note's own with its details (or None)."""
    plans = preparation.rep_plans(db, user, note.rep)
    return plans, preparation.with_details(
        db, next((p for p in plans if p.id == note.plan_id), None)
    )


def _open_actions(plan: AccountPlan | None) -> list[PlanActionItem]:
    return [a for a in plan.action_items if a.status == ActionStatus.OPEN] if plan else []


def _edit_context(note: Any, **extra: Any) -> dict[str, Any]:
    db = get_session()
    user = viewer()
    plans, plan = _note_plans(db, user, note)
    prompts = preparation.prepare(db, user, note.rep, plan, _today())
    # Journey exercises the rep sent and the manager has not reviewed yet.
    prompts = [*journey_progress.prompts(db, user, note.rep), *prompts]
    # A note written from a ride-along day: what the rep asked for and each call's objective.
    ride = ride_alongs.ride_for_note(db, user, note.id)
    if ride is not None:
        prompts = [*ride_alongs.note_prompts(ride), *prompts]
    names = _names(note)
    points = {
        r.competency_id: _competency_point(names[r.competency_id], r.evidence)
        for r in note.ratings
        if r.score is not None and r.competency_id in names
    }
    marked_strengths, strengths_rest = _split_marked(note.strengths, points)
    marked_focus, focus_rest = _split_marked(note.development_focus, points)
    strength_chips, focus_chips = chips_as_read(STRENGTH_CHIPS), chips_as_read(FOCUS_CHIPS)
    strengths, strengths_text = _split_chips(strengths_rest, strength_chips)
    chosen_focus, focus_text = _split_chips(focus_rest, focus_chips)
    return {
        "marked_strengths": marked_strengths,
        "marked_focus": marked_focus,
        "note": note,
        "shown_first": _shown_first(db, user, note, ride),
        "plans": plans,
        "prompts": prompts,
        "ride": ride,
        "point_checks": point_checks(note),
        "plan_actions": _open_actions(plan),
        "sections": content_translations.sections_as_read(db, note.guide_version),
        "scores": {r.competency_id: r for r in note.ratings},
        "scale": RATING_SCALE,
        "not_observed": NOT_OBSERVED_LABEL,
        "types": NOTE_TYPE_LABELS,
        "strength_chips": strength_chips,
        "focus_chips": focus_chips,
        "chosen_strengths": strengths,
        "strengths_text": strengths_text,
        "chosen_focus": chosen_focus,
        "focus_text": focus_text,
        "due_choices": DUE_CHOICES,
        "view": note_view(db, user, note),
        "team_observations": observations.for_note(db, user, note),
        "today": _today(),
        "abandoned": service.is_abandoned(note, utcnow()),
        "abandon_days": service.draft_abandon_days(),
        "errors": {},
        "typed": None,
        "limits": schemas.LIMITS,
        "too_long": schemas.TOO_LONG,
        **extra,
    }


def _names(note: Note) -> dict[int, str]:
    """The note's guide competencies by id, in the guide's order, named as the reader reads
    them (a Strength or Focus chip beside a rating writes that name)."""
    sections = content_translations.sections_as_read(get_session(), note.guide_version)
    return {c.id: c.name for s in sections for c in s.competencies}


def _shown_first(db: Session, user: User, note: Note, ride: PlannedRideAlong | None) -> set[int]:
    """The competencies the debrief offers first, the rest folded as on "Log a call": the
    rep's development focus, those rated on the day's ride-along calls (the ride the note
    was written from, else one planned that day) and those the note already rates."""
    day = ride or ride_alongs.ride_of_day(db, user, note.rep_id, note.occurred_on)
    on_calls: set[int] = set()
    if day is not None and policy.can_capture_calls(user, day):
        on_calls = ride_alongs.rated_on(ride_alongs.calls_of(db, user, day))
    rated = {r.competency_id for r in note.ratings}
    return focus.offered_first(db, note.rep_id, note.guide_version, rated | on_calls)


def _self_slots(note: Any) -> str:
    """After an autosave: the rep's own score beside each behaviour the manager has now
    rated (double-blind), swapped into the debrief out of band."""
    view = note_view(get_session(), viewer(), note)
    if not view.self_scores and not view.self_held_back:
        return ""
    return render_template(
        "coaching/_self_slots.html",
        note=note,
        view=view,
        sections=content_translations.sections_as_read(get_session(), note.guide_version),
        scale=RATING_SCALE,
        not_observed=NOT_OBSERVED_LABEL,
    )


def _typed_context(form: MultiDict[str, str]) -> dict[str, Any]:
    """What the user typed, to show again after a refusal."""
    return {
        "typed": form,
        "marked_strengths": {int(v) for v in form.getlist("strength_of") if v.isdigit()},
        "marked_focus": {int(v) for v in form.getlist("focus_of") if v.isdigit()},
        "chosen_strengths": form.getlist("strength_chip"),
        "strengths_text": form.get("strengths", ""),
        "chosen_focus": form.getlist("focus_chip"),
        "focus_text": form.get("development_focus", ""),
    }


def _save_form(note: Any, form: FormBody) -> Any:
    """Applies the posted form; returns the saved note, or raises the refusal."""
    return service.update_note(
        get_session(),
        viewer(),
        note.id,
        form.load(schemas.note_update_schema),
        expected_version=form_version(request.form.get("version")),
    )


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def edit(note_id: int) -> Any:
    note = _editable(note_id, moved_on=request.method == "GET")
    if note.status == NoteStatus.ACKNOWLEDGED or not policy.can_edit_note(viewer(), note):
        # Acknowledged, or the rep has left the author's team: the note's page says what is
        # left to do.
        return redirect(url_for("coaching.show", note_id=note.id))
    if request.method == "GET":
        inbox.page_opened(get_session(), viewer(), subjects.note(note.id))
        return render_template("coaching/edit.html", **_edit_context(note))
    saved, refusal = _save_or_refuse(note)
    if refusal is not None:
        return refusal
    if is_fragment_request():
        return (
            render_template("coaching/_autosave.html", note=saved, saved_at=utcnow())
            + render_template(
                "coaching/_point_checks.html", point_checks=point_checks(saved), oob=True
            )
            + _self_slots(saved)
        )
    flash(gettext("Draft saved."), "success")
    return redirect(url_for("coaching.edit", note_id=saved.id))


def _save_or_refuse(note: Any) -> tuple[Any, Any]:
    """(the saved note, None), or (the note, the response showing the form again with
    everything typed and each message at its field)."""
    form = debrief_form(request.form, _names(note))
    try:
        return _save_form(note, form), None
    except StaleVersion as exc:
        fresh = _editable(note.id)
        return note, _refused(
            _edit_context(fresh, conflict=exc, **_typed_context(request.form)), 412
        )
    except InvalidInput as exc:
        errors = form.errors(exc)
    except Conflict as exc:  # acknowledged meanwhile
        errors = {"_form": [exc.message]}
    ctx = _edit_context(note, errors=errors)
    ctx.update(_typed_context(request.form))
    return note, _refused(ctx, 422)


def _refused(ctx: dict[str, Any], status: int) -> Any:
    if is_fragment_request():
        response = make_response(render_template("coaching/_debrief_form.html", **ctx), status)
        return swapped_into(response, "#debrief")
    return render_template("coaching/edit.html", **ctx), status


@bp.post("/notes/<int:note_id>/share")
@roles_required(Role.MANAGER)
def share(note_id: int) -> Any:
    """ "Share with rep": saves what is on the form, then publishes it. "Share with rep"
    is on drafts only: on a note shared already this is a repeat (a second tap, a phone
    replaying its queue after a lost answer), answered as the first was, without saving
    the form again over what may have changed since."""
    note = _editable(note_id, moved_on=not is_fragment_request())
    if not policy.can_edit_note(viewer(), note):
        # Refused (403) on the note's own page, saying why and what is still possible.
        context = _note_context(note, refusal=service.moved_on_message(note))
        return render_template("coaching/show.html", **context), 403
    if "version" in request.form and note.status == NoteStatus.DRAFT:
        note, refusal = _save_or_refuse(note)
        if refusal is not None:
            return refusal
    try:
        service.share_note(get_session(), viewer(), note.id)
    except InvalidInput as exc:
        # Saved, not shared: the note misses what sharing needs (e.g. a development focus).
        ctx = _edit_context(_editable(note.id), errors={**exc.fields, "_form": [exc.message]})
        if "version" in request.form:
            ctx.update(_typed_context(request.form))
        return _refused(ctx, 422)
    flash(gettext("Shared with %(name)s.", name=note.rep.name), "success")
    target = url_for("coaching.show", note_id=note.id)
    if is_fragment_request():
        return htmx_redirect(target)
    return redirect(target)


# The add-follow-up form's fields by what they are in a follow-up, whether the schema
# (a follow-up alone) or the service (the note's first follow-up) says what is wrong.
FOLLOW_UP_FIELDS = {
    "title": "follow_up_title",
    "due_date": "follow_up_due",
    "owner_id": "follow_up_owner",
    "action_item_id": "follow_up_action",
}
FOLLOW_UP_NAMES = {
    **FOLLOW_UP_FIELDS,
    **{f"follow_ups.0.{key}": name for key, name in FOLLOW_UP_FIELDS.items()},
    "follow_ups": "follow_up_title",
}


def follow_up_form(form: MultiDict[str, str], today: dt.date, titles: dict[int, str]) -> FormBody:
    """The add-follow-up form as a follow-up of the API's note body: a due date picked (or
    in so many days from `today`), and the title of the plan action chosen when none was
    typed (`titles`: the note's plan's open actions)."""
    body: dict[str, Any] = {"title": form.get("title", "")}
    linked = form.get("action_item_id", "")
    if linked:
        body["action_item_id"] = form_number(linked)
    if not body["title"].strip() and body.get("action_item_id") in titles:
        body["title"] = titles[body["action_item_id"]]
    due_in = form.get("due_in", "")
    if form.get("due_date"):
        body["due_date"] = form["due_date"]
    elif due_in.isascii() and due_in.isdigit() and len(due_in) <= 4:
        body["due_date"] = (today + dt.timedelta(days=int(due_in))).isoformat()
    if form.get("owner_id"):
        body["owner_id"] = form_number(form["owner_id"])
    return FormBody(body, form, FOLLOW_UP_NAMES)


@bp.post("/notes/<int:note_id>/follow-ups")
@roles_required(Role.MANAGER)
def add_follow_up(note_id: int) -> Any:
    note = _editable(note_id)
    titles: dict[int, str] = {}
    if request.form.get("action_item_id") and not request.form.get("title", "").strip():
        _plans, plan = _note_plans(get_session(), viewer(), note)
        titles = {action.id: action.title for action in _open_actions(plan)}
    form = follow_up_form(request.form, _today(), titles)
    errors: dict[str, list[str]] = {}
    try:
        item = form.load(schemas.follow_up_schema)
        service.add_follow_up(get_session(), viewer(), note.id, item)
    except InvalidInput as exc:
        errors = form.errors(exc)
    else:
        if not is_fragment_request():
            return redirect(url_for("coaching.edit", note_id=note.id) + "#follow-ups")
        note = _editable(note_id)
    # The list again (htmx), or the page with what was typed and why it was refused.
    ctx = _edit_context(note, follow_up_errors=errors)
    if errors:
        ctx["follow_up_typed"] = request.form
    if is_fragment_request():
        return render_template("coaching/_follow_ups.html", **ctx), 422 if errors else 200
    return render_template("coaching/edit.html", **ctx), 422


@bp.post("/notes/<int:note_id>/follow-ups/<int:follow_up_id>/delete")
@roles_required(Role.MANAGER)
def remove_follow_up(note_id: int, follow_up_id: int) -> Any:
    service.remove_follow_up(get_session(), viewer(), note_id, follow_up_id)
    note = _editable(note_id)
    if is_fragment_request():
        return render_template("coaching/_follow_ups.html", **_edit_context(note))
    return redirect(url_for("coaching.edit", note_id=note.id) + "#follow-ups")


# Reading and acknowledging ---------------------------------------------------------


@bp.get("/notes/<int:note_id>")
@login_required
def show(note_id: int) -> str:
    db = get_session()
    user = viewer()
    note = service.get_note(db, user, note_id)
    if note.rep_id == user.id and not inbox.speculative_request():
        service.mark_seen(db, note)  # no longer "New" on the rep's lists
    inbox.page_opened(db, user, subjects.note(note.id))
    return render_template("coaching/show.html", **_note_context(note))


def _note_context(note: Any, **extra: Any) -> dict[str, Any]:
    """The note as the viewer may see it (coachapp.coaching.note_view: the manager's ratings
    kept back from the rep until their self-rating is settled, the gaps, the acknowledgement
    deadline, what the viewer may do), and the forms on its page."""
    db = get_session()
    view = note_view(db, viewer(), note)
    first = note.rep.first_name
    return {
        "note": note,
        "view": view,
        "sections": content_translations.sections_as_read(db, note.guide_version),
        "scores": {r.competency_id: r for r in view.ratings},
        "scale": dict(RATING_SCALE),
        "not_observed": NOT_OBSERVED_LABEL,
        "types": NOTE_TYPE_LABELS,
        "refusal": None,
        "changes": service.changes_after_share(db, note),
        # The talking points, ready in the rep's words for their acknowledgement.
        "ack_prefill": "\n".join(talking_point_lines(view.gaps, first, to_rep=True))
        if view.is_rep
        else "",
        "to_rate": behaviours_to_rate(note),
        "self_errors": {},
        "self_typed": {},
        "ack_errors": {},
        "ack_typed": None,
        "addendum_errors": {},
        "addendum_typed": "",
        "limits": schemas.LIMITS,
        "too_long": schemas.TOO_LONG,
        "today": _today(),
        **extra,
    }


def _note_page_refused(note_id: int, status: int = 422, **form: Any) -> tuple[str, int]:
    """The note's page again, a form on it refused (bad input 422, a conflict with the note's
    state 409): its messages at its fields or above the form, what was typed still there."""
    note = service.get_note(get_session(), viewer(), note_id)
    return render_template("coaching/show.html", **_note_context(note, **form)), status


@bp.post("/notes/<int:note_id>/acknowledge")
@roles_required(Role.REP)
def acknowledge(note_id: int) -> Any:
    data, errors = load_form(schemas.acknowledge_schema, request.form)
    if data is None:
        return _note_page_refused(
            note_id, ack_errors=errors, ack_typed=request.form.get("comment", "")
        )
    started = utcnow()
    try:
        note = service.acknowledge_note(get_session(), viewer(), note_id, data["comment"])
    except Conflict as refused:
        return _note_page_refused(note_id, 409, refusal=refused.message, ack_typed=data["comment"])
    if note.acknowledged_at is not None and note.acknowledged_at < started:
        # A repeat (a second tap, a replay): the note as the first acknowledgement left it.
        when = local_time(note.acknowledged_at, viewer().timezone)
        flash(
            gettext(
                "You acknowledged this note on %(when)s.", when=formatted(when, "%-d %b, %H:%M")
            ),
            "success",
        )
    else:
        flash(gettext("Acknowledged. Your manager can see your comment."), "success")
    return redirect(url_for("coaching.show", note_id=note_id))


@bp.post("/notes/<int:note_id>/addendum")
@roles_required(Role.MANAGER)
def addendum(note_id: int) -> Any:
    data, errors = load_form(schemas.addendum_schema, request.form)
    if data is None:
        return _note_page_refused(
            note_id, addendum_errors=errors, addendum_typed=request.form.get("text", "")
        )
    try:
        service.add_addendum(get_session(), viewer(), note_id, data["text"])
    except Conflict as refused:
        return _note_page_refused(
            note_id, 409, refusal=refused.message, addendum_typed=data["text"]
        )
    flash(gettext("Addendum added."), "success")
    return redirect(url_for("coaching.show", note_id=note_id))


@bp.get("/notes")
@login_required
def index() -> str:
    db = get_session()
    user = viewer()
    is_rep = user.role == Role.REP
    # ?status=draft: the manager's unfinished notes, which Today counts.
    drafts_only = user.role == Role.MANAGER and request.args.get("status") == "draft"
    notes = service.notes_list(db, user, drafts_only=drafts_only)
    days = ack_deadline_days(db)
    now = utcnow()
    return render_template(
        "coaching/index.html",
        notes=notes,
        drafts_only=drafts_only,
        deadlines={
            n.id: deadline for n in notes if (deadline := deadline_of(n, days, now)) is not None
        },
        types=NOTE_TYPE_LABELS,
        is_rep=is_rep,
        pending=service.pending_self_assessment(db, user, user.id) if is_rep else None,
    )


# Follow-ups -----------------------------------------------------------------------


@bp.get("/follow-ups")
@login_required
def follow_ups() -> str:
    today = _today()
    items = service.follow_ups_for(get_session(), viewer(), FollowUpStatus.OPEN)
    groups = service.follow_up_groups(items, today)
    return render_template("coaching/follow_ups.html", groups=groups, today=today)


@bp.get("/follow-ups/<int:follow_up_id>")
@login_required
def follow_up(follow_up_id: int) -> str:
    """One follow-up: where a nudge about it leads, with its Done and +1 week."""
    db, user = get_session(), viewer()
    page = service.follow_up_page(db, user, follow_up_id)
    inbox.page_opened(db, user, subjects.follow_up(follow_up_id))
    return render_template("coaching/follow_up.html", page=page, today=_today())


@bp.post("/follow-ups/<int:follow_up_id>")
@login_required
def update_follow_up(follow_up_id: int) -> Any:
    """Done, re-opened or pushed back some days: a button's change, as the API's."""
    body: dict[str, Any] = {}
    action = request.form.get("action", "")
    days = action.removeprefix("push-")
    if action == "done":
        body["status"] = FollowUpStatus.DONE.value
    elif action == "reopen":
        body["status"] = FollowUpStatus.OPEN.value
    elif action.startswith("push-") and days.isascii() and days.isdigit() and len(days) <= 3:
        body["due_date"] = (_today() + dt.timedelta(days=int(days))).isoformat()
    changes = schemas.follow_up_update_schema.load(body)
    service.update_follow_up(get_session(), viewer(), follow_up_id, changes)
    return redirect(safe_local_path(request.form.get("next_url")) or url_for("coaching.follow_ups"))


@bp.post("/notes/<int:note_id>/self-assessment")
@roles_required(Role.REP)
def self_assessment(note_id: int) -> Any:
    """The rep rates themself on the note's guide competencies, on the same scale, before
    seeing the manager's ratings (blind); then both and the gap between them show."""
    db = get_session()
    note = service.get_note(db, viewer(), note_id)
    typed = {k: v for k, v in request.form.items() if k.startswith("self-")}
    form = self_rating_form(request.form)
    try:
        ratings = form.load(schemas.self_assessment_schema)["ratings"]
        if not ratings:
            raise InvalidInput(gettext(RATE_ONE), {"_form": [gettext(RATE_ONE)]})
        service.set_self_assessment(db, viewer(), note.id, ratings)
    except InvalidInput as exc:
        context = _note_context(note, self_errors=self_rating_errors(form, exc), self_typed=typed)
        return render_template("coaching/show.html", **context), 422
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
        return redirect(url_for("coaching.show", note_id=note.id))
    flash(gettext("Saved. Your manager's ratings are open to you now, beside yours."), "success")
    return redirect(url_for("coaching.show", note_id=note.id) + "#rated")


@bp.post("/notes/<int:note_id>/skip-self-rating")
@roles_required(Role.REP)
def skip_self_rating(note_id: int) -> Response:
    """ "Skip self-rating": the rep reads the manager's ratings without rating themself."""
    service.skip_self_rating(get_session(), viewer(), note_id)
    flash(gettext("Your manager's ratings are open to you now."), "success")
    return redirect(url_for("coaching.show", note_id=note_id) + "#rated")


# Rating yourself before the next coaching ------------------------------------------------


GUIDE_CHANGED = N_("The guide has changed since the page was opened; rate again.")
RATE_ONE = N_("Rate at least one behaviour, or choose Skip self-rating.")


def self_rating_form(form: MultiDict[str, str]) -> FormBody:
    """A self-rating form (1 to 4 or N/O per behaviour, in fields self-<competency id>) as
    the API's self-assessment body; a behaviour left unrated is not in it."""
    ratings: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    for name in form:
        value = form.get(name, "")
        if not name.startswith("self-") or not value:
            continue
        names[f"ratings.{len(ratings)}.score"] = name
        ratings.append(
            {
                "competency_id": form_number(name.removeprefix("self-")),
                "score": None if value == "n" else form_number(value),
            }
        )
    return FormBody({"ratings": ratings}, form, names)


def self_rating_errors(form: FormBody, refused: InvalidInput) -> dict[str, list[str]]:
    """A refused self-rating's messages at its fields; a behaviour the guide does not have
    means the page was opened on another version of it."""
    errors = form.errors(refused)
    about_the_guide = errors.pop("ratings", None)
    if about_the_guide:
        errors["_form"] = [gettext(GUIDE_CHANGED), *about_the_guide]
    return errors


@bp.route("/self-assessment", methods=["GET", "POST"])
@roles_required(Role.REP)
def rate_yourself() -> Any:
    """The rep rates themself before their next coaching; the manager sees it beside their
    own ratings while writing that note, and it stays on the note."""
    db = get_session()
    user = viewer()
    pending = service.pending_self_assessment(db, user, user.id)
    version = service.guide_for(db, user)
    errors: dict[str, list[str]] = {}
    chosen: dict[str, str] = {}
    if request.method == "POST":
        # What was chosen, to show again if it is refused.
        chosen = {k: v for k, v in request.form.items() if k.startswith("self-")}
        posted = request.form.get("guide_version_id", "")
        form = self_rating_form(request.form)
        if posted != str(version.id):
            # Published since the page was opened: the form no longer matches the guide.
            errors = {"_form": [gettext(GUIDE_CHANGED)]}
        else:
            try:
                ratings = form.load(schemas.self_assessment_schema)["ratings"]
                if "clear" in request.form:
                    ratings = []
                service.save_pending_self_assessment(db, user, user.id, ratings, version.id)
            except InvalidInput as exc:
                errors = self_rating_errors(form, exc)
            except Conflict as exc:  # saved elsewhere at the same moment
                errors = {"_form": [exc.message]}
            else:
                flash(
                    gettext(
                        "Saved. Your manager sees it beside their ratings when they write your "
                        "next coaching note."
                    )
                    if ratings
                    else gettext("Your self-assessment is cleared."),
                    "success",
                )
                return redirect(url_for("coaching.rate_yourself"))
    if request.method == "GET" and pending is not None:
        chosen = {
            f"self-{competency_id}": "n" if score is None else str(score)
            for competency_id, score in service.pending_scores(pending, version).items()
        }
    return render_template(
        "coaching/self_assessment.html",
        version=content_translations.guide_version_as_read(get_session(), version),
        pending=pending,
        chosen=chosen,
        errors=errors,
        scale=RATING_SCALE,
        not_observed=NOT_OBSERVED_LABEL,
    ), (422 if errors else 200)


@bp.post("/people/<int:rep_id>/focus")
@roles_required(Role.MANAGER)
def set_focus(rep_id: int) -> Response:
    try:
        focus.set_focus(
            get_session(),
            viewer(),
            rep_id,
            request.form.get("competency_key", "")[:64],
            _today(),
            typed_line(request.form, "goal"),  # its length is the service's rule
        )
    except (InvalidInput, Conflict) as exc:
        flash(in_readers_language(exc.message), "error")
    return redirect(url_for("team.person", person_id=rep_id) + "#focus-heading")


@bp.post("/focus/<int:focus_id>/end")
@roles_required(Role.MANAGER)
def end_focus(focus_id: int) -> Response:
    db = get_session()
    found = db.get(DevelopmentFocus, focus_id)
    focus.end_focus(db, viewer(), focus_id)
    target = url_for("team.person", person_id=found.rep_id) if found else url_for("team.team")
    return redirect(target + "#focus-heading")
