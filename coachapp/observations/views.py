"""Observation pages: record one about a member of an account team, read those received, written
or (about oneself) attached to one's notes, and attach one to a draft coaching note.

The form validates with the service's schema, keeps what was typed when refused, and carries
a client_uuid made when it is rendered, so a double tap or a replay from the phone's outbox
makes one observation. Every rule is coachapp.observations.service's (the API calls the same
functions).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from coachapp import policy, replay
from coachapp.auth.roles import roles_required, viewer
from coachapp.coaching import service as coaching
from coachapp.db import get_session
from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.forms import form_values, load_form, max_length
from coachapp.htmx import is_fragment_request
from coachapp.ids import typed_id
from coachapp.inbox import reading as inbox
from coachapp.languages import gettext
from coachapp.models import Account, Observation, Role, User
from coachapp.nudges import subjects
from coachapp.observations import service

bp = Blueprint("observations", __name__)

TEXT_MAX = max_length(service.observation_schema, "text")


@bp.get("/observations")
@roles_required(Role.REP, Role.MANAGER, Role.DIRECTOR)
def index() -> str:
    """Observations received (a line manager's), written (a manager's or director's) and, for
    the person observed, those on notes shared with them; ?subject_id= for one person."""
    db, user = get_session(), viewer()
    subject_id = typed_id(request.args.get("subject_id", ""))
    found = service.observations_for(db, user, subject_id=subject_id)
    # Named only to whom it is no secret: their line manager, or whoever sees some already.
    subject = next((o.subject for o in found if o.subject_id == subject_id), None)
    if subject is None and subject_id is not None:
        person = db.get(User, subject_id)
        subject = person if person is not None and person.manager_id == user.id else None
    return render_template(
        "observations/index.html",
        received=[o for o in found if policy.received(user, o)],
        written=[o for o in found if o.author_id == user.id and not policy.received(user, o)],
        about_me=[o for o in found if o.subject_id == user.id],
        subject=subject,
        filtered=subject_id is not None,
        accounts=(
            db.scalars(policy.visible_accounts(user)).all()
            if policy.may_observe(user) and subject_id is None
            else []
        ),
        may_observe=policy.may_observe(user),
    )


@bp.get("/observations/<int:observation_id>")
@roles_required(Role.REP, Role.MANAGER, Role.DIRECTOR)
def show(observation_id: int) -> str:
    db, user = get_session(), viewer()
    observation = service.get_observation(db, user, observation_id)
    inbox.page_opened(db, user, subjects.observation(observation.id))
    if not inbox.speculative_request():
        service.opened(db, user, observation)
    draft = None
    if policy.received(user, observation) and observation.note_id is None:
        draft = coaching.open_draft_about(db, user, observation.subject_id)
    return render_template(
        "observations/show.html",
        observation=observation,
        received=policy.received(user, observation),
        is_subject=observation.subject_id == user.id,
        draft=draft,
    )


def _form_context(
    account: Account,
    members: Any,
    subject: User | None,
    **extra: Any,
) -> dict[str, Any]:
    choice = (
        service.competency_choice(get_session(), viewer(), subject) if subject is not None else None
    )
    return {
        "account": account,
        "members": members,
        "subject": subject,
        "choice": choice,
        "text_max": TEXT_MAX,
        "errors": {},
        "typed": {},
        "client_uuid": str(uuid.uuid4()),
        **extra,
    }


def _account_and_members(account_id: int) -> tuple[Account, Any]:
    db = get_session()
    members = service.observable_members(db, viewer(), account_id)
    account = db.get(Account, account_id)
    if account is None:
        raise NotFound()
    return account, members


@bp.get("/accounts/<int:account_id>/observations/new")
@roles_required(Role.MANAGER, Role.DIRECTOR)
def new(account_id: int) -> str:
    """The form for one member of the account's team (?subject_id=), or whom to observe."""
    account, members = _account_and_members(account_id)
    subject = None
    if "subject_id" in request.args:
        subject_id = typed_id(request.args.get("subject_id", ""))
        subject = next((m for m in members if m.id == subject_id), None)
        if subject is None:
            raise NotFound()
    return render_template("observations/new.html", **_form_context(account, members, subject))


@bp.post("/accounts/<int:account_id>/observations")
@roles_required(Role.MANAGER, Role.DIRECTOR)
def create(account_id: int) -> Any:
    """Records the observation and sends it to the subject's line manager."""
    account, members = _account_and_members(account_id)
    db, user = get_session(), viewer()
    form = MultiDict(request.form)
    form.pop("client_uuid", None)
    form["account_id"] = str(account_id)
    client_uuid = replay.client_uuid_of(request.form.get("client_uuid"))
    subject = next(
        (m for m in members if m.id == typed_id(request.form.get("subject_id", ""))), None
    )
    data, errors = load_form(service.observation_schema, form)
    if data is not None:
        try:
            observation, created = service.create_observation(
                db, user, {**data, "client_uuid": client_uuid}
            )
        except InvalidInput as exc:
            errors = {key: list(value) for key, value in exc.fields.items()} or {
                "_form": [exc.message]
            }
        else:
            flash(_sent(observation, user, created), "success")
            return redirect(url_for("observations.show", observation_id=observation.id))
    context = _form_context(
        account,
        members,
        subject,
        errors=errors,
        typed=form_values(request.form),
        client_uuid=str(client_uuid) if client_uuid else str(uuid.uuid4()),
    )
    return render_template("observations/new.html", **context), 422


def _sent(observation: Observation, author: User, created: bool) -> str:
    first, manager = observation.subject.first_name, observation.routed_to
    if manager.id == author.id:
        return gettext("Saved for your coaching of %(name)s.", name=first)
    if not created:  # a second tap, a replay: what the first one made
        return gettext("Already sent to %(manager)s.", manager=manager.name)
    return gettext(
        "Sent to %(manager)s, %(name)s's line manager.", manager=manager.name, name=first
    )


# On the coaching note ------------------------------------------------------------------


def _note_section(note_id: int, status: int = 200, error: str | None = None) -> Any:
    """The note's "Observations from the account team" again (htmx), or the note's form."""
    if is_fragment_request():
        db, user = get_session(), viewer()
        note = coaching.get_note(db, user, note_id)
        return render_template(
            "coaching/_observations.html",
            note=note,
            team_observations=service.for_note(db, user, note),
            observation_error=error,
        ), status
    if error:
        flash(error, "error")
    return redirect(url_for("coaching.edit", note_id=note_id) + "#observations")


@bp.post("/notes/<int:note_id>/observations/<int:observation_id>/attach")
@roles_required(Role.MANAGER)
def attach(note_id: int, observation_id: int) -> Response | Any:
    try:
        service.attach(get_session(), viewer(), note_id, observation_id)
    except Conflict as exc:  # shared meanwhile, or on another note
        return _note_section(note_id, 409, exc.message)
    except InvalidInput as exc:  # about someone else
        return _note_section(note_id, 422, exc.message)
    return _note_section(note_id)


@bp.post("/notes/<int:note_id>/observations/<int:observation_id>/detach")
@roles_required(Role.MANAGER)
def detach(note_id: int, observation_id: int) -> Response | Any:
    try:
        service.detach(get_session(), viewer(), note_id, observation_id)
    except Conflict as exc:  # shared meanwhile, or on another note
        return _note_section(note_id, 409, exc.message)
    except InvalidInput as exc:  # about someone else
        return _note_section(note_id, 422, exc.message)
    return _note_section(note_id)
