"""Admin pages to create, edit and deactivate users."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from coachapp.admin import bp, service
from coachapp.auth.roles import fresh_login_for_changes, roles_required, viewer
from coachapp.db import get_session
from coachapp.errors import InvalidInput, NotFound
from coachapp.forms import form_values, load_form
from coachapp.models import FUNCTION_LABELS, ROLE_LABELS, Role, User
from coachapp.plans.profiling import profiling_guides, update_profiling_guide
from coachapp.timezones import all_timezones


def _form_page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    db = get_session()
    return (
        render_template(
            template,
            roles=ROLE_LABELS,
            functions=FUNCTION_LABELS,
            managers=service.possible_managers(db),
            timezones=all_timezones(),
            **context,
        ),
        status,
    )


@bp.get("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    search = request.args.get("q", "")[:100]
    role = request.args.get("role", "")
    people = service.people_for_admin(get_session(), search, role)
    return render_template(
        "admin/users.html", people=people, q=search, role=role, roles=ROLE_LABELS
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def new_user() -> Any:
    values: dict[str, Any] = {"timezone": "America/New_York", "role": "rep", "function": "sales"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = form_values(request.form)
        data, errors = load_form(service.user_create_schema, request.form)
        if data is not None:
            try:
                user = service.create_user(get_session(), viewer(), data)
            except InvalidInput as exc:
                errors = exc.fields or {"_form": [exc.message]}
            else:
                flash(f"{user.name} can now sign in.", "success")
                return redirect(url_for("admin.users"))
        values.pop("password", None)
        return _form_page("admin/user_form.html", 422, values=values, errors=errors, user=None)
    return _form_page("admin/user_form.html", values=values, errors=errors, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def edit_user(user_id: int) -> Any:
    db = get_session()
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    values: dict[str, Any] = {
        "name": user.name,
        "role": user.role.value,
        "function": user.function.value,
        "manager_id": str(user.manager_id or ""),
        "timezone": user.timezone,
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = form_values(request.form)
        data, errors = load_form(service.user_update_schema, request.form)
        if data is not None:
            try:
                service.update_user(db, viewer(), user.id, data)
            except InvalidInput as exc:
                errors = exc.fields or {"_form": [exc.message]}
            else:
                flash(f"Saved {user.name}.", "success")
                return redirect(url_for("admin.users"))
        return _form_page("admin/user_form.html", 422, values=values, errors=errors, user=user)
    return _form_page("admin/user_form.html", values=values, errors=errors, user=user)


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def set_active(user_id: int) -> Any:
    active = request.form.get("active") == "1"
    try:
        user = service.set_active(get_session(), viewer(), user_id, active)
    except InvalidInput as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.edit_user", user_id=user_id))
    flash(f"{user.name} is {'active' if user.active else 'deactivated and signed out'}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/profiling", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def profiling() -> Any:
    """Enablement edits the guide questions shown beside each profiling area of every plan."""
    db = get_session()
    errors: dict[str, dict[str, list[str]]] = {}
    typed: dict[str, dict[str, str]] = {}
    if request.method == "POST":
        area = request.form.get("area", "")
        title = request.form.get("title", "")[:120]
        questions = request.form.get("questions", "")
        try:
            update_profiling_guide(db, viewer(), area, title, questions.splitlines())
        except InvalidInput as exc:
            errors[area] = {"_form": [exc.message]}
            typed[area] = {"title": title, "questions": questions}
        else:
            flash("Profiling questions saved; every plan shows them now.", "success")
            return redirect(url_for("admin.profiling") + f"#area-{area}")
    status = 422 if errors else 200
    return render_template(
        "admin/profiling.html", guides=profiling_guides(db), errors=errors, typed=typed
    ), status
