"""Coach-the-coach pages: a director writes a situation/action/result note to one of their
managers and shares it; the manager reads it and acknowledges it with a comment.

Forms validate with the service's schema and keep what was typed when refused; every rule is
coachapp.coach_notes.service's (the API calls the same functions).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from coachapp import policy, replay
from coachapp.auth.roles import roles_required, viewer
from coachapp.coach_notes import service
from coachapp.db import get_session
from coachapp.errors import Conflict, NotFound
from coachapp.field_messages import in_readers_language
from coachapp.forms import form_values, load_form
from coachapp.ids import typed_id
from coachapp.inbox import reading as inbox
from coachapp.languages import gettext
from coachapp.models import CoachTheCoachNote, NoteStatus, Role
from coachapp.nudges import subjects
from coachapp.versioning import StaleVersion, form_version

bp = Blueprint("coach_notes", __name__)


def _context(**extra: Any) -> dict[str, Any]:
    return {
        "parts": service.PARTS,
        "labels": service.PART_LABELS,
        "hints": service.PART_HINTS,
        "limit": service.TEXT_LIMIT,
        "comment_limit": service.COMMENT_LIMIT,
        "errors": {},
        "typed": {},
        "ack_errors": {},
        "ack_typed": "",
        **extra,
    }


def _manager_id(value: str) -> int | None:
    return typed_id(value)


@bp.get("/coach-the-coach")
@roles_required(Role.DIRECTOR, Role.MANAGER)
def index() -> str:
    """A director's notes to their managers, with whom they may write to; a manager's notes
    from their director."""
    db = get_session()
    user = viewer()
    managers = db.scalars(policy.coached_managers(user)).all()
    return render_template(
        "coach_notes/index.html",
        **_context(
            notes=service.notes_for(db, user),
            managers=managers,
            is_director=user.role == Role.DIRECTOR,
        ),
    )


@bp.get("/coach-the-coach/new")
@roles_required(Role.DIRECTOR)
def new() -> str:
    db = get_session()
    managers = db.scalars(policy.coached_managers(viewer())).all()
    chosen = request.args.get("manager_id", "")
    return render_template(
        "coach_notes/new.html",
        **_context(managers=managers, typed={"manager_id": chosen}, client_uuid=str(uuid.uuid4())),
    )


@bp.post("/coach-the-coach")
@roles_required(Role.DIRECTOR)
def create() -> Any:
    """Saves the draft; "Share with manager" shares it at once."""
    db = get_session()
    user = viewer()
    data, errors = load_form(service.note_schema, request.form)
    manager_id = _manager_id(request.form.get("manager_id", ""))
    if manager_id is None:
        errors["manager_id"] = [gettext("Choose the manager.")]
    if data is not None and manager_id is not None:
        client_uuid = replay.client_uuid_of(request.form.get("client_uuid"))
        try:
            note, _ = service.create_note(
                db, user, {**data, "manager_id": manager_id, "client_uuid": client_uuid}
            )
        except NotFound:
            errors["manager_id"] = [gettext("Choose one of the managers reporting to you.")]
        else:
            if "share" in request.form:
                service.share_note(db, user, note.id)
                flash(gettext("Shared with %(name)s.", name=note.manager.name), "success")
            else:
                flash(gettext("Draft saved. Only you can see it until you share it."), "success")
            return redirect(url_for("coach_notes.show", note_id=note.id))
    managers = db.scalars(policy.coached_managers(user)).all()
    return render_template(
        "coach_notes/new.html",
        **_context(
            managers=managers,
            errors=errors,
            typed=form_values(request.form),
            client_uuid=request.form.get("client_uuid", "")[:36],
        ),
    ), 422


@bp.get("/coach-the-coach/<int:note_id>")
@roles_required(Role.DIRECTOR, Role.MANAGER)
def show(note_id: int) -> str:
    db, user = get_session(), viewer()
    note = service.get_note(db, user, note_id)
    inbox.page_opened(db, user, subjects.coach_note(note.id))
    return render_template("coach_notes/show.html", **_show_context(note))


def _show_context(note: CoachTheCoachNote, **extra: Any) -> dict[str, Any]:
    user = viewer()
    return _context(
        note=note,
        is_author=note.director_id == user.id,
        is_manager=note.manager_id == user.id,
        editable=policy.can_edit_coach_note(user, note) and note.status != NoteStatus.ACKNOWLEDGED,
        **extra,
    )


@bp.post("/coach-the-coach/<int:note_id>")
@roles_required(Role.DIRECTOR)
def update(note_id: int) -> Any:
    """The director changes the note until the manager acknowledges it; "Share with
    manager" on a draft saves and shares."""
    db = get_session()
    user = viewer()
    data, errors = load_form(service.note_schema, request.form)
    if data is not None:
        try:
            note = service.update_note(
                db, user, note_id, data,
                expected_version=form_version(request.form.get("version")),
                require_version=True,
            )  # fmt: skip
        except StaleVersion as exc:
            db.expire_all()
            fresh = service.get_note(db, user, note_id)
            context = _show_context(fresh, typed=form_values(request.form), conflict=exc)
            return render_template("coach_notes/show.html", **context), 412
        except Conflict as exc:
            flash(in_readers_language(exc.message), "error")
            return redirect(url_for("coach_notes.show", note_id=note_id))
        if "share" in request.form and note.status == NoteStatus.DRAFT:
            service.share_note(db, user, note.id)
            flash(gettext("Shared with %(name)s.", name=note.manager.name), "success")
        else:
            flash(gettext("Saved."), "success")
        return redirect(url_for("coach_notes.show", note_id=note.id))
    note = service.get_note(db, user, note_id)
    context = _show_context(note, errors=errors, typed=form_values(request.form))
    return render_template("coach_notes/show.html", **context), 422


@bp.post("/coach-the-coach/<int:note_id>/share")
@roles_required(Role.DIRECTOR)
def share(note_id: int) -> Response:
    note = service.share_note(get_session(), viewer(), note_id)
    flash(gettext("Shared with %(name)s.", name=note.manager.name), "success")
    return redirect(url_for("coach_notes.show", note_id=note.id))


@bp.post("/coach-the-coach/<int:note_id>/acknowledge")
@roles_required(Role.MANAGER)
def acknowledge(note_id: int) -> Any:
    data, errors = load_form(service.acknowledge_schema, request.form)
    if data is None:
        # Shown again at the field, with the comment as it was typed.
        note = service.get_note(get_session(), viewer(), note_id)
        context = _show_context(note, ack_errors=errors, ack_typed=request.form.get("comment"))
        return render_template("coach_notes/show.html", **context), 422
    service.acknowledge_note(get_session(), viewer(), note_id, data["comment"])
    flash(gettext("Acknowledged. Your director can see your comment."), "success")
    return redirect(url_for("coach_notes.show", note_id=note_id))
