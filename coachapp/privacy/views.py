"""The export pages: one's own from the Me section (a JSON download and a printable page), an
admin's export of anyone on their request, a manager's export of a rep's coaching history
for a transfer. The last two are audited, so they are asked for with a POST."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from coachapp import audit, policy
from coachapp.auth.roles import fresh_login_for_changes, roles_required, viewer
from coachapp.db import get_session
from coachapp.forms import load_form
from coachapp.languages import gettext
from coachapp.models import Role, User
from coachapp.privacy import printed, retention
from coachapp.privacy.export import export_coaching_history, export_person
from coachapp.privacy.sections import SECTION_TITLES

bp = Blueprint("privacy", __name__)

FORMATS = ("json", "print")


def _download(document: dict[str, Any], filename: str) -> Response:
    body = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _printed(document: dict[str, Any], title: str, **context: Any) -> Response:
    page = render_template(
        "privacy/print.html",
        document=document,
        title=title,
        titles=SECTION_TITLES,
        printed=printed,
        **context,
    )
    return Response(page, headers={"Cache-Control": "no-store"})


def _format() -> str:
    chosen = request.form.get("format", "json")
    return chosen if chosen in FORMATS else "json"


# One's own ------------------------------------------------------------------------------


@bp.get("/me/export")
@login_required
def my_export() -> str:
    return render_template("privacy/me.html")


@bp.get("/me/export.json")
@login_required
def my_export_json() -> Response:
    person = viewer()
    return _download(export_person(get_session(), person), f"coachapp-export-{person.id}.json")


@bp.get("/me/export/print")
@login_required
def my_export_print() -> Response:
    person = viewer()
    return _printed(
        export_person(get_session(), person),
        gettext("What Coachapp holds about %(name)s", name=person.name),
    )


# An admin, on a person's request ----------------------------------------------------------


@bp.get("/admin/users/<int:user_id>/export")
@roles_required(Role.ADMIN)
def admin_export(user_id: int) -> str:
    person = policy.export_subject_or_404(get_session(), viewer(), user_id)
    return render_template("privacy/admin_export.html", person=person)


@bp.post("/admin/users/<int:user_id>/export")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def admin_export_download(user_id: int) -> Response:
    db = get_session()
    person = policy.export_subject_or_404(db, viewer(), user_id)
    document = export_person(db, person)
    chosen = _format()
    _audited(person, "privacy.export", chosen)
    if chosen == "print":
        return _printed(document, gettext("What Coachapp holds about %(name)s", name=person.name))
    return _download(document, f"coachapp-export-{person.id}.json")


# A manager, for a rep's transfer -----------------------------------------------------------


@bp.get("/people/<int:person_id>/coaching-history")
@login_required
def coaching_history(person_id: int) -> str:
    rep = policy.coaching_history_rep_or_404(get_session(), viewer(), person_id)
    return render_template("privacy/coaching_history.html", rep=rep)


@bp.post("/people/<int:person_id>/coaching-history")
@login_required
def coaching_history_download(person_id: int) -> Response:
    db = get_session()
    rep = policy.coaching_history_rep_or_404(db, viewer(), person_id)
    document = export_coaching_history(db, viewer(), rep)
    chosen = _format()
    _audited(rep, "privacy.coaching_history_export", chosen)
    if chosen == "print":
        return _printed(document, gettext("%(name)s: coaching history", name=rep.name))
    return _download(document, f"coaching-history-{rep.id}.json")


def _audited(person: User, action: str, chosen: str) -> None:
    db = get_session()
    audit.record(db, viewer(), action, "user", person.id, format=chosen)
    db.commit()


# Retention ---------------------------------------------------------------------------------


def _retention_page(
    status: int = 200, errors: dict[str, list[str]] | None = None, typed: Any = None
) -> tuple[str, int]:
    db = get_session()
    setting = retention.retention(db)
    return (
        render_template(
            "privacy/retention.html",
            setting=setting,
            removal=retention.planned(db),
            errors=errors or {},
            typed=typed or {},
            limits=retention,
        ),
        status,
    )


@bp.get("/admin/retention")
@roles_required(Role.ADMIN)
def retention_page() -> tuple[str, int]:
    return _retention_page()


@bp.post("/admin/retention")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def save_retention() -> Any:
    data, errors = load_form(retention.retention_schema, request.form)
    if data is None:
        typed = {key: request.form.get(key, "")[:20] for key in retention.retention_schema.fields}
        return _retention_page(422, errors, typed)
    retention.save_retention(get_session(), viewer(), data)
    flash(gettext("Retention saved. The list below is what the next daily run removes."), "success")
    return redirect(url_for("privacy.retention_page"))
