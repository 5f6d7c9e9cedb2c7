"""Admin pages for the organisation as a whole: importing it from CSV, cadence targets, and
invitations (or, without email, first passwords) for people an import added."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from coachapp.admin import cadence_targets, invitations, org_import, service
from coachapp.admin.org_import import ImportPlan, ImportRefused, StaleImport
from coachapp.admin.views import bp
from coachapp.auth.passwords import has_usable_password
from coachapp.auth.roles import fresh_login_for_changes, roles_required, viewer
from coachapp.db import get_session
from coachapp.errors import Conflict, InvalidInput, PermissionDenied
from coachapp.field_messages import errors_in_readers_language, in_readers_language
from coachapp.forms import load_form
from coachapp.ids import typed_id
from coachapp.languages import gettext, ngettext
from coachapp.models import Role, User


def _import_page(
    status: int = 200,
    *,
    plan: ImportPlan | None = None,
    csv_text: str = "",
    deactivate_missing: bool = False,
    stale: bool = False,
) -> tuple[str, int]:
    return (
        render_template(
            "admin/org_import.html",
            plan=plan,
            csv_text=csv_text,
            deactivate_missing=deactivate_missing,
            stale=stale,
            without_password=service.people_without_password(get_session()),
            mail_configured=invitations.invitations_possible(),
            invitation_days=invitations.invitation_days(),
            region_supported=org_import.region_supported(),
            max_rows=org_import.MAX_IMPORT_ROWS,
            example_file=org_import.EXAMPLE_FILE,
            ChangeKind=org_import.ChangeKind,
        ),
        status,
    )


def _uploaded() -> tuple[bytes, str]:
    """The file as uploaded (or pasted), and as text to show again in the form."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        content = upload.read(org_import.MAX_IMPORT_BYTES + 1)
    else:
        content = request.form.get("csv_text", "").encode("utf-8")
    text, _ = org_import.decode_upload(content)
    return content, text or ""


@bp.get("/import")
@roles_required(Role.ADMIN)
def org_import_page() -> tuple[str, int]:
    return _import_page()


@bp.post("/import/preview")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def preview_org_import() -> tuple[str, int]:
    """The dry run: lists what the file would change and what is wrong with it."""
    content, text = _uploaded()
    deactivate_missing = request.form.get("deactivate_missing") == "1"
    plan = org_import.plan_org_import(
        get_session(), viewer(), content, deactivate_missing=deactivate_missing
    )
    return _import_page(
        200 if plan.ok else 422,
        plan=plan,
        csv_text=text,
        deactivate_missing=deactivate_missing,
    )


@bp.post("/import/apply")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def apply_org_import() -> Any:
    """Applies the previewed file, checked again now; all of it or nothing."""
    content, text = _uploaded()
    deactivate_missing = request.form.get("deactivate_missing") == "1"
    try:
        plan = org_import.apply_org_import(
            get_session(),
            viewer(),
            content,
            deactivate_missing=deactivate_missing,
            previewed=request.form.get("fingerprint", ""),
        )
    except ImportRefused as exc:
        return _import_page(
            422, plan=exc.plan, csv_text=text, deactivate_missing=deactivate_missing
        )
    except StaleImport as exc:
        return _import_page(
            409,
            plan=exc.plan,
            csv_text=text,
            deactivate_missing=deactivate_missing,
            stale=True,
        )
    counts = plan.counts
    done = ", ".join(
        f"{counts[kind]} {word}"
        for kind, word in (
            ("create", gettext("added")),
            ("update", gettext("updated")),
            ("reactivate", gettext("reactivated")),
            ("deactivate", gettext("deactivated")),
        )
        if counts[kind]
    )
    flash(
        gettext("Organisation imported: %(done)s.", done=done or gettext("nothing to change")),
        "success",
    )
    if counts["create"] and invitations.invitations_possible():
        flash(
            gettext(
                "People added by the import cannot sign in until they choose a password: send "
                "them their invitations (listed below)."
            ),
            "info",
        )
    elif counts["create"]:
        flash(
            gettext(
                "People added by the import cannot sign in until you set their first password "
                "(listed below)."
            ),
            "info",
        )
    return redirect(url_for("admin.org_import_page"))


# Cadence targets ------------------------------------------------------------------------


def _targets_page(
    status: int = 200,
    errors: dict[str, dict[str, list[str]]] | None = None,
    typed: dict[str, dict[str, Any]] | None = None,
) -> tuple[str, int]:
    db = get_session()
    targets = cadence_targets.cadence_targets(db)
    with_target = {t.manager.id for t in targets.teams}
    return (
        render_template(
            "admin/cadence_targets.html",
            targets=targets,
            managers=[
                m for m in cadence_targets.managers_for_targets(db) if m.id not in with_target
            ],
            errors=errors or {},
            typed=typed or {},
            max_days=cadence_targets.MAX_DAYS,
            max_ack_days=cadence_targets.MAX_ACK_DEADLINE_DAYS,
        ),
        status,
    )


def _id_or_zero(value: str) -> int:
    """An id typed into a form, or 0 (no such row) when it cannot be one."""
    return typed_id(value) or 0


@bp.get("/cadence-targets")
@roles_required(Role.ADMIN)
def cadence_targets_page() -> tuple[str, int]:
    return _targets_page()


@bp.post("/cadence-targets")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def save_cadence_target() -> Any:
    # Which form on the page: the organisation's ("default"), a new team target ("new"), or
    # the target of the team whose manager's id it is.
    form_key = request.form.get("form", "default")[:20]
    typed = {
        key: request.form.get(key, "")[:20]
        for key in ("any_coaching_days", "ride_along_days", "team_manager_id", "ack_deadline_days")
    }
    team_manager_id: int | None = None
    if form_key == "new":
        team_manager_id = _id_or_zero(typed["team_manager_id"])
    elif form_key.isdecimal():
        team_manager_id = _id_or_zero(form_key)
    else:
        form_key = "default"
    data, errors = load_form(cadence_targets.cadence_target_schema, request.form)
    if data is not None:
        try:
            target = cadence_targets.set_cadence_target(
                get_session(),
                viewer(),
                team_manager_id,
                data["any_coaching_days"],
                data["ride_along_days"],
                data["ack_deadline_days"] if team_manager_id is None else None,
            )
        except (InvalidInput, Conflict) as exc:
            errors = errors_in_readers_language(exc.fields or {"_form": [exc.message]})
            if form_key != "new" and "team_manager_id" in errors:
                # A team's own form has no manager field to mark: say it at the top.
                errors = {"_form": errors["team_manager_id"]}
        else:
            if target.team_manager_id is None:
                flash(gettext("Saved the cadence target for the organisation."), "success")
            else:
                flash(gettext("Saved the cadence target for the team."), "success")
            anchor = "" if target.team_manager_id is None else f"#team-{target.team_manager_id}"
            return redirect(url_for("admin.cadence_targets_page") + anchor)
    return _targets_page(422, errors={form_key: errors}, typed={form_key: typed})


@bp.post("/cadence-targets/<int:manager_id>/delete")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def remove_cadence_target(manager_id: int) -> Response:
    if cadence_targets.remove_cadence_target(get_session(), viewer(), manager_id):
        flash(gettext("The team follows the organisation's target again."), "success")
    else:
        flash(gettext("That team already follows the organisation's target."), "info")
    return redirect(url_for("admin.cadence_targets_page"))


# First passwords ------------------------------------------------------------------------


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def set_password(user_id: int) -> Any:
    """Sets the first password of someone an import added (they change it under Me)."""
    db = get_session()
    try:
        user = service.set_initial_password(db, viewer(), user_id, request.form.get("password", ""))
    except InvalidInput as exc:
        for messages in exc.fields.values():
            flash(" ".join(gettext(message) for message in messages), "error")
        return redirect(url_for("admin.edit_user", user_id=user_id) + "#set-password")
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
        return redirect(url_for("admin.edit_user", user_id=user_id))
    flash(
        gettext(
            "%(name)s can now sign in; share the password with them privately.", name=user.name
        ),
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user_id))


@bp.post("/users/<int:user_id>/invitation")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def send_invitation(user_id: int) -> Any:
    """Emails the person a link to choose their own password (coachapp.admin.invitations)."""
    try:
        user = invitations.send_invitation(get_session(), viewer(), user_id)
    except (Conflict, PermissionDenied) as exc:
        flash(in_readers_language(exc.message), "error")
        return redirect(url_for("admin.edit_user", user_id=user_id))
    flash(
        gettext(
            "Invitation sent to %(email)s: the link works %(days)s days.",
            email=user.email,
            days=invitations.invitation_days(),
        ),
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user_id))


@bp.post("/import/invitations")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def send_invitations() -> Any:
    """Invites everyone listed under "No password yet"."""
    try:
        count = invitations.send_invitations(get_session(), viewer())
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
    else:
        flash(
            ngettext(
                "Invitations sent to %(num)s person.", "Invitations sent to %(num)s people.", count
            ),
            "success",
        )
    return redirect(url_for("admin.org_import_page"))


@bp.app_template_test("without_password")
def without_password(user: User) -> bool:
    """`person is without_password`: added by an import, no first password set yet."""
    return not has_usable_password(user.password_hash)
