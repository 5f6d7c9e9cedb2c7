"""Admin pages to create, edit and deactivate users."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from coachapp import content_translations
from coachapp.admin import approvals, invitations, service
from coachapp.auth.roles import fresh_login_for_changes, roles_required, viewer
from coachapp.auth.service import temporary_password_hours
from coachapp.coaching import guides as guide_service
from coachapp.db import get_session
from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.field_messages import errors_in_readers_language, in_readers_language
from coachapp.forms import form_values, load_form
from coachapp.inbox import reading
from coachapp.languages import gettext
from coachapp.listing import page_number, search_text
from coachapp.models import (
    FUNCTION_LABELS,
    ROLE_LABELS,
    Competency,
    GuideSection,
    GuideVersion,
    Role,
    User,
)
from coachapp.nudges import subjects
from coachapp.plans.profiling import TITLE_MAX as PROFILING_TITLE_MAX
from coachapp.plans.profiling import profiling_guides, update_profiling_guide
from coachapp.timezones import with_searched_zone, zone_picker, zones_in_use
from coachapp.translation_views import translation_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _form_page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    db = get_session()
    user = context.get("user")
    return (
        render_template(
            template,
            waiting=approvals.pending_for(db, user) if user is not None else None,
            temporary_password_hours=temporary_password_hours(),
            mail_configured=invitations.invitations_possible(),
            invitation_days=invitations.invitation_days(),
            invitation=invitations.latest_invitation(db, user) if user is not None else None,
            roles={role: gettext(label) for role, label in ROLE_LABELS.items()},
            functions={function: gettext(label) for function, label in FUNCTION_LABELS.items()},
            managers=service.possible_managers(db),
            timezones=zone_picker(zones_in_use(db), context["values"].get("timezone") or ""),
            regions=service.known_regions(db),
            user_shape=service.user_create_schema,
            **context,
        ),
        status,
    )


@bp.get("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    search = search_text(request.args.get("q", ""))
    role = request.args.get("role", "")
    db = get_session()
    reading.page_opened(db, viewer(), subjects.pending_approvals())
    found = service.people_for_admin(db, search, role, page_number(request.args.get("page", "")))
    return render_template(
        "admin/users.html",
        found=found,
        q=search,
        role=role,
        roles=ROLE_LABELS,
        pending=[(r, approvals.summary(db, r)) for r in approvals.pending_requests(db)],
        may_approve=approvals.may_approve,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def new_user() -> Any:
    values: dict[str, Any] = {"timezone": "America/New_York", "role": "rep", "function": "sales"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = form_values(request.form)
        data, errors = load_form(service.user_create_schema, with_searched_zone(request.form))
        if data is not None:
            # Without a password typed, and where email is set up: an invitation instead.
            invited = invitations.invitations_possible() and not data.get("password")
            try:
                user = service.create_user(get_session(), viewer(), data, invited=invited)
            except InvalidInput as exc:
                errors = errors_in_readers_language(exc.fields or {"_form": [exc.message]})
            else:
                if user.active and invitations.may_be_invited(user):
                    invitations.invite(get_session(), viewer(), user)
                    get_session().commit()
                    flash(
                        gettext(
                            "%(name)s is added and gets an invitation by email to choose their "
                            "password (the link works %(days)s days).",
                            name=user.name,
                            days=invitations.invitation_days(),
                        ),
                        "success",
                    )
                elif user.active:
                    flash(gettext("%(name)s can now sign in.", name=user.name), "success")
                else:
                    flash(
                        gettext(
                            "%(name)s is added and waits for another admin's approval, who then "
                            "gets their one-time password to pass on.",
                            name=user.name,
                        ),
                        "info",
                    )
                return redirect(url_for("admin.users"))
        values.pop("password", None)
        return _form_page("admin/user_form.html", 422, values=values, errors=errors, user=None)
    return _form_page("admin/user_form.html", values=values, errors=errors, user=None)


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def _stored_values(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "role": user.role.value,
        "function": user.function.value,
        "manager_id": str(user.manager_id or ""),
        "timezone": user.timezone,
        "region": user.region,
    }


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def edit_user(user_id: int) -> Any:
    db = get_session()
    user = _user_or_404(user_id)
    values = _stored_values(user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = form_values(request.form)
        data, errors = load_form(service.user_update_schema, with_searched_zone(request.form))
        if data is not None:
            try:
                update = service.update_user(db, viewer(), user.id, data)
            except InvalidInput as exc:
                errors = errors_in_readers_language(exc.fields or {"_form": [exc.message]})
            else:
                if update.waiting is None:
                    flash(gettext("Saved %(name)s.", name=user.name), "success")
                else:
                    flash(
                        gettext(
                            "Saved %(name)s, except the change to their role, manager or "
                            "activity: that waits for another admin's approval.",
                            name=user.name,
                        ),
                        "info",
                    )
                return redirect(url_for("admin.users"))
        return _form_page("admin/user_form.html", 422, values=values, errors=errors, user=user)
    return _form_page("admin/user_form.html", values=values, errors=errors, user=user)


@bp.post("/users/<int:user_id>/reset-password")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def reset_password(user_id: int) -> Any:
    """A temporary password for someone who forgot theirs, shown once on the page that
    answers (never in a redirect's flash message, which the session cookie would carry)."""
    user = _user_or_404(user_id)
    typed = request.form.get("temporary_password", "")
    try:
        reset = service.reset_password(get_session(), viewer(), user.id, typed)
    except InvalidInput as exc:
        return _form_page(
            "admin/user_form.html",
            422,
            values=_stored_values(user),
            errors={},
            user=user,
            reset_values={"temporary_password": typed},
            reset_errors=errors_in_readers_language(exc.fields),
        )
    return render_template(
        "admin/password_reset.html", reset=reset, hours=temporary_password_hours()
    )


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def set_active(user_id: int) -> Any:
    active = request.form.get("active") == "1"
    try:
        user, waiting = service.set_active(get_session(), viewer(), user_id, active)
    except InvalidInput as exc:
        flash(in_readers_language(exc.message), "error")
        return redirect(url_for("admin.edit_user", user_id=user_id))
    if waiting is not None:
        if active:
            waits = gettext(
                "Reactivating %(name)s waits for another admin's approval.", name=user.name
            )
        else:
            waits = gettext(
                "Deactivating %(name)s waits for another admin's approval.", name=user.name
            )
        flash(waits, "info")
    elif user.active:
        flash(gettext("%(name)s is active.", name=user.name), "success")
    else:
        flash(gettext("%(name)s is deactivated and signed out.", name=user.name), "success")
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
        title = request.form.get("title", "")
        questions = request.form.get("questions", "")
        try:
            update_profiling_guide(db, viewer(), area, title, questions.splitlines())
        except InvalidInput as exc:
            errors[area] = {"_form": [in_readers_language(exc.message)]}
            typed[area] = {"title": title, "questions": questions}
        else:
            flash(gettext("Profiling questions saved; every plan shows them now."), "success")
            return redirect(url_for("admin.profiling") + f"#area-{area}")
    status = 422 if errors else 200
    return render_template(
        "admin/profiling.html",
        guides=profiling_guides(db),
        errors=errors,
        typed=typed,
        title_max=PROFILING_TITLE_MAX,
    ), status


# Coaching guides --------------------------------------------------------------------


@bp.get("/guides")
@roles_required(Role.ADMIN)
def guides() -> str:
    return render_template(
        "admin/guides.html", guides=guide_service.guides(get_session()), functions=FUNCTION_LABELS
    )


@bp.get("/guides/<int:guide_id>")
@roles_required(Role.ADMIN)
def guide(guide_id: int) -> tuple[str, int]:
    return _guide_page(guide_id)


def _guide_page(
    guide_id: int,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    typed: dict[str, str] | None = None,
) -> tuple[str, int]:
    """The guide with its draft; a refused change shows its errors at their fields (by the
    field's id), listed at the top too, with what was typed."""
    db = get_session()
    found = guide_service.guide_or_404(db, guide_id)
    draft = guide_service.draft_of(db, found)
    errors = errors or {}
    return render_template(
        "admin/guide.html",
        guide=found,
        draft=draft,
        published=guide_service.latest_published(db, found),
        functions=FUNCTION_LABELS,
        translatable=content_translations.TRANSLATABLE,
        name_max=guide_service.NAME_MAX,
        errors=errors,
        typed=typed or {},
        problems=_problems_in_page_order(draft, errors),
    ), status


def _problems_in_page_order(
    draft: GuideVersion | None, errors: dict[str, list[str]]
) -> list[tuple[str, str, str]]:
    """(field id, what the field is, message) for the summary at the top of the guide page."""
    fields: list[tuple[str, str]] = []
    for section in draft.sections if draft else []:
        section_name = gettext("Section “%(name)s”", name=section.title)
        fields.append((f"section-title-{section.id}", section_name))
        for c in section.competencies:
            fields.append((f"name-{c.id}", gettext("“%(name)s”: the behaviour", name=c.name)))
            fields.append(
                (f"indicators-{c.id}", gettext("“%(name)s”: observable indicators", name=c.name))
            )
            fields.append(
                (f"questions-{c.id}", gettext("“%(name)s”: coaching questions", name=c.name))
            )
        fields.append((f"new-{section.id}", section_name))
    fields += [("new-section-title", gettext("New section")), ("publish", gettext("Publishing"))]
    return [(key, what, message) for key, what in fields for message in errors.get(key, [])]


def _refused(guide_id: int, exc: InvalidInput, field_ids: dict[str, str]) -> tuple[str, int]:
    """The guide page again with the refused form's errors at its fields and its text kept;
    field_ids maps the service's field names to the ids of the page's fields."""
    errors: dict[str, list[str]] = {}
    for name, messages in errors_in_readers_language(
        exc.fields or {"_form": [exc.message]}
    ).items():
        errors.setdefault(field_ids.get(name, "publish"), []).extend(messages)
    typed = {
        field_id: request.form[name] for name, field_id in field_ids.items() if name in request.form
    }
    return _guide_page(guide_id, 422, errors, typed)


def _back_to_guide(guide_id: int, anchor: str = "") -> Any:
    return redirect(url_for("admin.guide", guide_id=guide_id) + anchor)


def _publishing_field(name: str) -> str:
    """The page's field for one of guides.publishing_problems' keys."""
    kind, _, rest = name.partition(".")
    if kind == "section":
        return f"new-{rest}"  # where a behaviour is added to the empty section
    if kind == "competency":
        competency_id, _, field = rest.partition(".")
        return f"{field}-{competency_id}"
    return "publish"


@bp.post("/guides/<int:guide_id>/draft")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def start_guide_draft(guide_id: int) -> Any:
    db = get_session()
    guide_service.start_draft(db, viewer(), guide_service.guide_or_404(db, guide_id))
    flash(gettext("Draft started from the published version; publish it when ready."), "success")
    return _back_to_guide(guide_id)


@bp.post("/guides/<int:guide_id>/targets")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def guide_targets(guide_id: int) -> Any:
    db = get_session()
    found = guide_service.guide_or_404(db, guide_id)
    guide_service.set_target_functions(db, viewer(), found, request.form.getlist("function"))
    flash(gettext("Saved who the guide is for."), "success")
    return _back_to_guide(guide_id)


@bp.post("/guides/<int:guide_id>/publish")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def publish_guide(guide_id: int) -> Any:
    db = get_session()
    try:
        version = guide_service.publish(db, viewer(), guide_service.guide_or_404(db, guide_id))
    except InvalidInput as exc:
        fields = {name: _publishing_field(name) for name in exc.fields}
        return _refused(guide_id, exc, fields)
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
    else:
        flash(
            gettext(
                "Version %(number)s is published; new conversations use it.", number=version.number
            ),
            "success",
        )
    return _back_to_guide(guide_id)


@bp.post("/guides/competencies/<int:competency_id>")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def save_competency(competency_id: int) -> Any:
    db = get_session()
    found = db.get(Competency, competency_id)
    if found is None:
        raise NotFound()
    guide_id = found.section.version.guide_id
    try:
        competency = guide_service.update_competency(
            db,
            viewer(),
            competency_id,
            request.form.get("name", ""),
            request.form.get("indicators", ""),
            request.form.get("questions", ""),
        )
    except InvalidInput as exc:
        fields = {f: f"{f}-{competency_id}" for f in ("name", "indicators", "questions")}
        return _refused(guide_id, exc, fields)
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
        return _back_to_guide(guide_id)
    flash(gettext("Saved “%(name)s”.", name=competency.name), "success")
    return _back_to_guide(guide_id, f"#competency-{competency.id}")


@bp.post("/guides/sections/<int:section_id>/competencies")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def add_competency(section_id: int) -> Any:
    db = get_session()
    guide_id = _guide_of_section(section_id)
    try:
        competency = guide_service.add_competency(
            db, viewer(), section_id, request.form.get("name", "")
        )
    except InvalidInput as exc:
        return _refused(guide_id, exc, {"name": f"new-{section_id}"})
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
        return _back_to_guide(guide_id)
    return _back_to_guide(guide_id, f"#competency-{competency.id}")


@bp.post("/guides/competencies/<int:competency_id>/delete")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def remove_competency(competency_id: int) -> Any:
    db = get_session()
    found = db.get(Competency, competency_id)
    if found is None:
        raise NotFound()
    guide_id = found.section.version.guide_id
    try:
        guide_service.remove_competency(db, viewer(), competency_id)
    except Conflict as exc:
        flash(in_readers_language(exc.message), "error")
    return _back_to_guide(guide_id)


# Sections of a draft guide ------------------------------------------------------------


def _section_refused(exc: Conflict) -> None:
    flash(in_readers_language(exc.message), "error")


@bp.post("/guides/<int:guide_id>/sections")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def add_section(guide_id: int) -> Any:
    db = get_session()
    found = guide_service.guide_or_404(db, guide_id)
    try:
        section = guide_service.add_section(db, viewer(), found, request.form.get("title", ""))
    except InvalidInput as exc:
        return _refused(guide_id, exc, {"title": "new-section-title"})
    except Conflict as exc:
        _section_refused(exc)
        return _back_to_guide(guide_id, "#new-section")
    flash(
        gettext("Added the section “%(name)s”; add its behaviours next.", name=section.title),
        "success",
    )
    return _back_to_guide(guide_id, f"#section-{section.id}")


def _guide_of_section(section_id: int) -> int:
    found = get_session().get(GuideSection, section_id)
    if found is None:
        raise NotFound()
    return found.version.guide_id


@bp.post("/guides/sections/<int:section_id>")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def rename_section(section_id: int) -> Any:
    guide_id = _guide_of_section(section_id)
    try:
        section = guide_service.rename_section(
            get_session(), viewer(), section_id, request.form.get("title", "")
        )
    except InvalidInput as exc:
        return _refused(guide_id, exc, {"title": f"section-title-{section_id}"})
    except Conflict as exc:
        _section_refused(exc)
    else:
        flash(gettext("Renamed the section to “%(name)s”.", name=section.title), "success")
    return _back_to_guide(guide_id, f"#section-{section_id}")


@bp.post("/guides/sections/<int:section_id>/move")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def move_section(section_id: int) -> Any:
    guide_id = _guide_of_section(section_id)
    direction = request.form.get("direction", "")
    if direction not in {"up", "down"}:
        flash(gettext("Move a section up or down."), "error")
        return _back_to_guide(guide_id)
    try:
        guide_service.move_section(
            get_session(), viewer(), section_id, -1 if direction == "up" else 1
        )
    except Conflict as exc:
        _section_refused(exc)
    return _back_to_guide(guide_id, f"#section-{section_id}")


@bp.post("/guides/sections/<int:section_id>/delete")
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def remove_section(section_id: int) -> Any:
    guide_id = _guide_of_section(section_id)
    try:
        guide_service.remove_section(get_session(), viewer(), section_id)
    except Conflict as exc:
        _section_refused(exc)
        return _back_to_guide(guide_id, f"#section-{section_id}")
    flash(gettext("Section removed."), "success")
    return _back_to_guide(guide_id, "#draft-heading")


# A published version in another language ------------------------------------------------


@bp.route("/guides/versions/<int:version_id>/translation/<language>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_login_for_changes
def guide_translation(version_id: int, language: str) -> Any:
    """The text of a published version in another language: each part left empty reads in
    the version's own language."""
    db = get_session()
    language = content_translations.language_or_404(language)
    version = content_translations.published_or_404(db.get(GuideVersion, version_id))
    return translation_form(
        version,
        language,
        template="admin/guide_translation.html",
        stored=lambda: content_translations.guide_form(
            version, content_translations.guide_texts(db, version, language)
        ),
        save=lambda: content_translations.save_guide_translation(
            db, viewer(), version, language, request.form
        ),
        back=lambda: _back_to_guide(version.guide_id),
        name_max=guide_service.NAME_MAX,
    )
