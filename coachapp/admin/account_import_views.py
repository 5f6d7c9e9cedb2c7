"""The admin's page for importing accounts and territories from a CRM export: a preview of
every change and every error by line, then applying all of it or nothing
(coachapp.accounts.crm_import)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from coachapp.accounts import crm_import, territory_alignment
from coachapp.accounts.crm_import import (
    AccountImportPlan,
    AccountImportRefused,
    StaleAccountImport,
)
from coachapp.admin.views import bp
from coachapp.auth.roles import fresh_login_for_changes, roles_required, viewer
from coachapp.csvfiles import decode_upload
from coachapp.db import get_session
from coachapp.languages import gettext, ngettext
from coachapp.models import ACCOUNT_TYPE_LABELS, Role


def _page(
    status: int = 200,
    *,
    plan: AccountImportPlan | None = None,
    csv_text: str = "",
    stale: bool = False,
    alignment: territory_alignment.AlignmentPlan | None = None,
    alignment_text: str = "",
) -> tuple[str, int]:
    return (
        render_template(
            "admin/account_import.html",
            plan=plan,
            csv_text=csv_text,
            stale=stale,
            alignment=alignment,
            alignment_text=alignment_text,
            columns=crm_import.COLUMNS,
            type_labels=ACCOUNT_TYPE_LABELS.values(),
            max_bytes=crm_import.MAX_PAGE_BYTES,
            example_file=crm_import.EXAMPLE_FILE,
            ChangeKind=crm_import.ChangeKind,
        ),
        status,
    )


def _uploaded() -> tuple[bytes, str]:
    """The file as uploaded (or pasted), and as text to show again in the form."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        content = upload.read(crm_import.MAX_PAGE_BYTES + 1)
    else:
        content = request.form.get("csv_text", "").encode("utf-8")
    text, _ = decode_upload(content, crm_import.MAX_PAGE_BYTES)
    return content, text or ""


@bp.get("/import/accounts")
@roles_required(Role.ADMIN)
def account_import_page() -> tuple[str, int]:
    return _page()


@bp.post("/import/accounts/preview")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def preview_account_import() -> tuple[str, int]:
    """The dry run: lists what the file would change and what is wrong with it."""
    content, text = _uploaded()
    plan = crm_import.plan_account_import(get_session(), content)
    return _page(200 if plan.ok else 422, plan=plan, csv_text=text)


@bp.post("/import/accounts/apply")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def apply_account_import() -> Any:
    """Applies the previewed file, checked again now; all of it or nothing."""
    content, text = _uploaded()
    try:
        plan = crm_import.apply_account_import(
            get_session(), viewer(), content, previewed=request.form.get("fingerprint", "")
        )
    except AccountImportRefused as exc:
        return _page(422, plan=exc.plan, csv_text=text)
    except StaleAccountImport as exc:
        return _page(409, plan=exc.plan, csv_text=text, stale=True)
    counts = plan.counts
    done = ", ".join(
        f"{counts[key]} {word}"
        for key, word in (
            ("create", gettext("added")),
            ("update", gettext("updated")),
            ("territories", gettext("new territories")),
        )
        if counts[key]
    )
    flash(
        gettext("Accounts imported: %(done)s.", done=done or gettext("nothing to change")),
        "success",
    )
    return redirect(url_for("admin.account_import_page"))


# Aligning people to territories ---------------------------------------------------------------


def _alignment_text() -> tuple[bytes, str]:
    text = request.form.get("alignment_text", "")
    return text.encode("utf-8"), text


@bp.post("/import/territories/preview")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def preview_territory_alignment() -> tuple[str, int]:
    """Who would be aligned to which territories, and what is wrong with the file."""
    content, text = _alignment_text()
    plan = territory_alignment.plan_alignment(get_session(), content)
    return _page(200 if plan.ok else 422, alignment=plan, alignment_text=text)


@bp.post("/import/territories/apply")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def apply_territory_alignment() -> Any:
    content, text = _alignment_text()
    try:
        plan = territory_alignment.apply_alignment(
            get_session(), viewer(), content, previewed=request.form.get("fingerprint", "")
        )
    except territory_alignment.AlignmentRefused as exc:
        return _page(422, alignment=exc.plan, alignment_text=text)
    except territory_alignment.StaleAlignment as exc:
        return _page(409, alignment=exc.plan, alignment_text=text)
    changed = len(plan.changes)
    flash(
        ngettext(
            "Territories aligned: %(num)s person changed.",
            "Territories aligned: %(num)s people changed.",
            changed,
        ),
        "success",
    )
    return redirect(url_for("admin.account_import_page") + "#align-heading")
