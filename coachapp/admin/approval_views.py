"""Approving or declining a change that waits for a second admin (coachapp.admin.approvals)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for

from coachapp.admin import approvals
from coachapp.admin.views import bp
from coachapp.auth.roles import fresh_login_for_changes, roles_required, viewer
from coachapp.auth.service import temporary_password_hours
from coachapp.db import get_session
from coachapp.errors import Conflict, InvalidInput
from coachapp.field_messages import in_readers_language
from coachapp.languages import gettext
from coachapp.models import Role


@bp.post("/changes/<int:request_id>/approve")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def approve_change(request_id: int) -> Any:
    try:
        approval = approvals.approve(get_session(), viewer(), request_id)
    except (Conflict, InvalidInput) as exc:
        flash(in_readers_language(exc.message), "error")
        return redirect(url_for("admin.users"))
    user = approval.request.user
    if approval.password is not None:
        # A new admin: their one-time password, shown once on the page that answers.
        return render_template(
            "admin/admin_approved.html",
            approval=approval,
            user=user,
            hours=temporary_password_hours(),
        )
    flash(
        gettext(
            "Approved: the change to %(name)s's account is made and they are told.", name=user.name
        ),
        "success",
    )
    return redirect(url_for("admin.users"))


@bp.post("/changes/<int:request_id>/decline")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def decline_change(request_id: int) -> Any:
    try:
        request = approvals.decline(get_session(), viewer(), request_id)
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
        return redirect(url_for("admin.users"))
    flash(
        gettext("Declined: nothing changes for %(name)s, who is told.", name=request.user.name),
        "success",
    )
    return redirect(url_for("admin.users"))
