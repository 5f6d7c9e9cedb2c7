"""Journey pages: enablement authors journeys under /admin/journeys; a rep opens the steps
that reached them and answers exercises (a form the offline outbox may keep and replay: its
client_uuid makes the replay the same submission); the rep's manager marks answers reviewed."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from coachapp import content_translations, policy
from coachapp.auth.roles import fresh_login_for_changes, roles_required, viewer
from coachapp.coaching.focus import competencies_to_choose
from coachapp.db import get_session
from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.field_messages import in_readers_language
from coachapp.forms import form_values, load_form
from coachapp.journeys import authoring, progress, schemas
from coachapp.languages import gettext
from coachapp.models import STEP_KIND_LABELS, Journey, JourneyStep, JourneyVersion, Role
from coachapp.translation_views import translation_form

bp = Blueprint("journeys", __name__)


# Authoring (admin) ----------------------------------------------------------------------


def _index_page(status: int = 200, **context: Any) -> tuple[str, int]:
    db = get_session()
    return render_template(
        "journeys/admin_index.html",
        journeys=authoring.journeys(db),
        competencies=competencies_to_choose(db),
        name_max=schemas.TITLE_MAX,
        errors=context.get("errors", {}),
        typed=context.get("typed", {}),
    ), status


@bp.get("/admin/journeys")
@roles_required(Role.ADMIN)
def admin_index() -> tuple[str, int]:
    return _index_page()


@bp.post("/admin/journeys")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def create() -> Any:
    db = get_session()
    data, errors = load_form(schemas.journey_schema, request.form)
    if data is not None:
        try:
            journey = authoring.create_journey(db, viewer(), data)
        except InvalidInput as exc:
            errors = dict(exc.fields) or {"_form": [exc.message]}
        else:
            flash(
                gettext("Journey created: add its pulses and exercises, then publish it."),
                "success",
            )
            return redirect(url_for("journeys.admin_journey", journey_id=journey.id))
    return _index_page(422, errors=errors, typed=form_values(request.form))


def _journey_page(
    journey_id: int,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    typed: dict[str, Any] | None = None,
) -> tuple[str, int]:
    db = get_session()
    journey = authoring.journey_or_404(db, journey_id)
    names = dict(competencies_to_choose(db))
    return render_template(
        "journeys/admin_journey.html",
        journey=journey,
        competency_name=names.get(journey.competency_key, journey.competency_key),
        draft=authoring.draft_of(db, journey),
        published=authoring.latest_published(db, journey),
        translatable=content_translations.TRANSLATABLE,
        kinds=STEP_KIND_LABELS,
        limits={
            "title": schemas.TITLE_MAX,
            "body": schemas.BODY_MAX,
            "url": schemas.URL_MAX,
        },
        errors=errors or {},
        typed=typed or {},
    ), status


@bp.get("/admin/journeys/<int:journey_id>")
@roles_required(Role.ADMIN)
def admin_journey(journey_id: int) -> tuple[str, int]:
    return _journey_page(journey_id)


def _back(journey_id: int, anchor: str = "") -> Any:
    return redirect(
        url_for("journeys.admin_journey", journey_id=journey_id, _anchor=anchor or None)
    )


def _step_refused(journey_id: int, slot: str, errors: dict[str, list[str]]) -> tuple[str, int]:
    """The journey page again with the step form's errors at its fields and its text kept;
    `slot` is the step's id, or "new"."""
    keyed = {f"{name}-{slot}": messages for name, messages in errors.items()}
    typed = {f"{name}-{slot}": value for name, value in form_values(request.form).items()}
    return _journey_page(journey_id, 422, keyed, typed)


@bp.post("/admin/journeys/<int:journey_id>/draft")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def start_draft(journey_id: int) -> Any:
    db = get_session()
    authoring.start_draft(db, viewer(), authoring.journey_or_404(db, journey_id))
    flash(gettext("Draft started from the published version; publish it when ready."), "success")
    return _back(journey_id)


@bp.post("/admin/journeys/<int:journey_id>/steps")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def add_step(journey_id: int) -> Any:
    db = get_session()
    journey = authoring.journey_or_404(db, journey_id)
    data, errors = load_form(schemas.step_schema, request.form)
    if data is None:
        return _step_refused(journey_id, "new", errors)
    try:
        step = authoring.add_step(db, viewer(), journey, data)
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
        return _back(journey_id)
    return _back(journey_id, f"step-{step.id}")


def _step_journey(step_id: int) -> int:
    step = get_session().get(JourneyStep, step_id)
    if step is None:
        raise NotFound()
    return step.version.journey_id


@bp.post("/admin/journeys/steps/<int:step_id>")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def save_step(step_id: int) -> Any:
    journey_id = _step_journey(step_id)
    data, errors = load_form(schemas.step_schema, request.form, keep_empty=True)
    if data is None:
        return _step_refused(journey_id, str(step_id), errors)
    try:
        step = authoring.update_step(get_session(), viewer(), step_id, data)
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
        return _back(journey_id)
    flash(gettext("Saved “%(title)s”.", title=step.title), "success")
    return _back(journey_id, f"step-{step_id}")


@bp.post("/admin/journeys/steps/<int:step_id>/delete")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def remove_step(step_id: int) -> Any:
    journey_id = _step_journey(step_id)
    try:
        authoring.remove_step(get_session(), viewer(), step_id)
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
    return _back(journey_id)


@bp.post("/admin/journeys/steps/<int:step_id>/move")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def move_step(step_id: int) -> Any:
    journey_id = _step_journey(step_id)
    try:
        authoring.move_step(
            get_session(), viewer(), step_id, -1 if request.form.get("direction") == "up" else 1
        )
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
    return _back(journey_id, f"step-{step_id}")


@bp.post("/admin/journeys/<int:journey_id>/publish")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def publish(journey_id: int) -> Any:
    db = get_session()
    journey: Journey = authoring.journey_or_404(db, journey_id)
    try:
        version = authoring.publish(db, viewer(), journey)
    except InvalidInput as exc:
        return _journey_page(journey_id, 422, {"publish": exc.fields.get("_form", [exc.message])})
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
    else:
        flash(
            gettext(
                "Version %(number)s is published; focuses set from now on start it.",
                number=version.number,
            ),
            "success",
        )
    return _back(journey_id)


@bp.route(
    "/admin/journeys/versions/<int:version_id>/translation/<language>", methods=["GET", "POST"]
)
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def translation(version_id: int, language: str) -> Any:
    """A published version's text in another language; each part left empty reads in the
    version's own language."""
    db = get_session()
    language = content_translations.language_or_404(language)
    version = content_translations.published_or_404(db.get(JourneyVersion, version_id))
    return translation_form(
        version,
        language,
        template="journeys/admin_translation.html",
        stored=lambda: content_translations.journey_form(
            version, content_translations.journey_texts(db, version, language)
        ),
        save=lambda: content_translations.save_journey_translation(
            db, viewer(), version, language, request.form
        ),
        back=lambda: _back(version.journey_id),
        limits={"title": schemas.TITLE_MAX, "body": schemas.BODY_MAX},
    )


# The rep's journey, and its review -------------------------------------------------------


@bp.get("/journeys")
@roles_required(Role.REP)
def index() -> str:
    db, user = get_session(), viewer()
    journeys = progress.journeys_of(db, user, user.id)
    names, titles = content_translations.journeys_as_read(
        db, [j.enrolment.version for j in journeys]
    )
    return render_template("journeys/index.html", journeys=journeys, names=names, titles=titles)


def _step_page(progress_id: int, status: int = 200, **extra: Any) -> tuple[str, int]:
    db, user = get_session(), viewer()
    found = progress.step_for(db, user, progress_id)
    rep = found.enrolment.rep
    is_rep = user.id == rep.id
    context: dict[str, Any] = {
        "item": found,
        "step": content_translations.step_as_read(db, found.step),
        "journey_name": content_translations.journey_name_as_read(db, found.enrolment.version),
        "rep": rep,
        "is_rep": is_rep,
        "may_review": policy.may_review_journey(user, rep),
        "accounts": progress.accounts_for(db, rep) if is_rep else [],
        "errors": {},
        "typed": {},
        "client_uuid": str(uuid.uuid4()),
        "text_max": schemas.SUBMISSION_MAX,
        **extra,
    }
    return render_template("journeys/step.html", **context), status


@bp.get("/journeys/steps/<int:progress_id>")
@roles_required(Role.REP, Role.MANAGER, Role.DIRECTOR)
def step(progress_id: int) -> tuple[str, int]:
    return _step_page(progress_id)


@bp.post("/journeys/steps/<int:progress_id>/submission")
@roles_required(Role.REP)
def submit(progress_id: int) -> Any:
    db, user = get_session(), viewer()
    form = MultiDict(request.form)
    data, errors = load_form(schemas.submission_schema, form)
    if data is not None:
        try:
            _, created = progress.submit(db, user, progress_id, data)
        except InvalidInput as exc:
            errors = dict(exc.fields) or {"_form": [exc.message]}
        except Conflict as exc:
            flash(in_readers_language(exc.message), "error")
            return redirect(url_for("journeys.step", progress_id=progress_id))
        else:
            flash(
                gettext("Sent to your manager.")
                if created
                else gettext("Already sent: your manager has it."),
                "success",
            )
            return redirect(url_for("journeys.step", progress_id=progress_id))
    typed = form_values(request.form)
    return _step_page(
        progress_id,
        422,
        errors=errors,
        typed=typed,
        client_uuid=typed.get("client_uuid") or str(uuid.uuid4()),
    )


@bp.post("/journeys/submissions/<int:submission_id>/review")
@roles_required(Role.MANAGER)
def review(submission_id: int) -> Any:
    submission = progress.review(get_session(), viewer(), submission_id)
    flash(
        gettext("Marked reviewed: %(name)s's exercise.", name=submission.rep.first_name),
        "success",
    )
    ride_id = request.form.get("ride_id", "")
    if ride_id.isascii() and ride_id.isdigit() and len(ride_id) <= 10:  # from the pre-brief
        return redirect(url_for("ride_alongs.day", ride_id=int(ride_id), _anchor="journey"))
    return redirect(url_for("journeys.step", progress_id=submission.progress_id))
