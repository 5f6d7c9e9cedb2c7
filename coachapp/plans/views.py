"""Plan pages: the roll-up, one plan section by section, editing one piece at a time.

Every form works as a plain POST (redirecting back to the plan) and, with htmx, saves
in place: an item autosaves into its own status line; adding or removing re-renders
its section; a conflict or a validation error re-renders the form with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_login import login_required
from marshmallow import Schema

from coachapp.accounts.hierarchy import parent_chain
from coachapp.accounts.territory_alignment import own_territory_ids
from coachapp.auth.roles import roles_required, viewer
from coachapp.csvfiles import MAX_UPLOAD_BYTES, csv_download, decode_upload
from coachapp.dashboard.service import team_manager_or_404
from coachapp.db import get_session, utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coachapp.forms import form_values, load_form
from coachapp.htmx import is_fragment_request, swapped_into, with_trigger
from coachapp.ids import typed_id
from coachapp.languages import gettext
from coachapp.listing import Choices, page_number, search_text
from coachapp.models import (
    PROFILE_AREAS,
    Account,
    AccountPlan,
    PlanStatus,
    Role,
    User,
)
from coachapp.plans import (
    actuals,
    actuals_import,
    contributions,
    facts,
    rollup,
    schemas,
    service,
)
from coachapp.plans import qbr as regional
from coachapp.plans.attainment import TRACK_LABELS, attainment_of_plan, goal_attainment
from coachapp.plans.completeness import plan_completeness
from coachapp.plans.labels import LABELS
from coachapp.plans.profiling import profiling_guides
from coachapp.timezones import local_today
from coachapp.versioning import StaleVersion

bp = Blueprint("plans", __name__)


@bp.context_processor
def plan_shapes() -> dict[str, Any]:
    """The plan's input shapes, whose limits the forms show (max_length(plan_shapes....))."""
    return {"plan_shapes": schemas}


SECTION_FIELDS = ("strategic_priorities", *(f"profile_{a}" for a in PROFILE_AREAS))
# What a saved change tells the plan page: its completeness card refreshes on it.
PLAN_CHANGED = "plan-changed"


def figure(value: float | None) -> str:
    """A goal's figure as people write it in the reader's language: 1,200 or 12.5 (1.200 or
    12,5 in Spanish); "not set" when there is none."""
    if value is None:
        return gettext("not set")
    return format_decimal(value, "#,##0" if value == int(value) else "#,##0.0#")


def _today() -> Any:
    return local_today(viewer().timezone)


def _context(plan: AccountPlan, **extra: Any) -> dict[str, Any]:
    db = get_session()
    user = viewer()
    return {
        "plan": plan,
        "can_edit": service.policy.can_edit_plan(user, plan),
        "can_comment": service.policy.can_comment_on_plan(user, plan),
        "can_contribute": service.policy.can_contribute_to_plan(user, plan),
        "can_decide_insights": service.policy.can_decide_insights(user, plan),
        "can_record_actuals": service.policy.can_record_actuals(user, plan),
        "attainment_of": lambda goal: goal_attainment(goal, goal.actuals, _today()),
        "plan_attainment_of": lambda plan: attainment_of_plan(plan.goals, _today()),
        "figure": figure,
        "completeness": plan_completeness(plan, _today()),
        "guides": profiling_guides(db),
        "labels": LABELS,
        "today": _today(),
        "viewer": user,
        "can_update_action": lambda action: service.can_update_action(user, plan, action),
        # Whoever sees a live plan sees its account's team (policy.accounts_scope).
        "team_view": plan.status != PlanStatus.ARCHIVED,
        **extra,
    }


# Roll-up ----------------------------------------------------------------------


@bp.get("/plans")
@login_required
def index() -> str:
    """The plans the viewer sees, a page at a time, found by the filters and a search; with
    HX-Request the plans found alone (the search form stays as typed)."""
    db = get_session()
    user = viewer()
    filters = rollup.RollupFilters.from_args(request.args)
    page = page_number(request.args.get("page", ""))
    found = rollup.rollup_page(db, user, _today(), filters, page)
    fragment = is_fragment_request()
    return render_template(
        "plans/_rollup.html" if fragment else "plans/index.html",
        found=found,
        filters=filters,
        regions=found.regions,
        labels=LABELS,
        can_create=user.role == Role.REP,
        out_of_band=fragment,
    )


@bp.get("/plans.csv")
@login_required
def export_csv() -> Response:
    """Every plan the list finds with these filters, on all its pages: read as facts, in a
    fixed number of statements however many plans."""
    filters = rollup.RollupFilters.from_args(request.args)
    rows = facts.fact_rows(get_session(), viewer(), _today(), filters)
    return csv_download(rollup.rollup_csv(rows), "account-plans")


@bp.get("/plans/qbr")
@login_required
def team_qbr() -> str:
    """The printable quarterly business review of a region or a team (the roll-up's filters,
    manager_id for a team): the summary of every plan first, then each plan kept to a screen,
    a page of them at a time (page=N)."""
    db, user = get_session(), viewer()
    filters = rollup.RollupFilters.from_args(request.args)
    manager = None
    if "manager_id" in request.args:
        # A team outside the viewer's scope, or someone who leads none, is missing.
        manager = team_manager_or_404(db, user, filters.manager_id or 0)
    page = page_number(request.args.get("page", ""))
    report = regional.regional_qbr(db, user, _today(), regional.Scope(filters, manager), page)
    return render_template(
        "plans/regional_qbr.html",
        report=report,
        filters=filters,
        regions=rollup.regions(db, user),
        teams=regional.teams_to_choose(db, user),
        barrier_labels=regional.barrier_words(),
        track_labels=TRACK_LABELS,
        figure=figure,
        labels=LABELS,
        today=_today(),
    )


# Importing actuals ------------------------------------------------------------------


def _actuals_upload() -> tuple[bytes, str]:
    """The file as uploaded (or pasted), and as text to show again in the form."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        content = upload.read(MAX_UPLOAD_BYTES + 1)
    else:
        content = request.form.get("csv_text", "").encode("utf-8")
    text, _ = decode_upload(content)
    return content, text or ""


def _actuals_import_page(status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(
        "plans/actuals_import.html", max_rows=actuals_import.MAX_ROWS, figure=figure, **context
    ), status


@bp.get("/plans/actuals/import")
@roles_required(Role.REP)
def actuals_import_page() -> tuple[str, int]:
    """Actuals from a CSV export of the CRM or the data warehouse, for the plans one records
    actuals on."""
    return _actuals_import_page()


@bp.post("/plans/actuals/import/preview")
@roles_required(Role.REP)
def preview_actuals_import() -> tuple[str, int]:
    """The dry run: every actual the file would record and every error by line."""
    content, text = _actuals_upload()
    result = actuals_import.plan_actuals_import(get_session(), viewer(), content)
    return _actuals_import_page(200 if result.ok else 422, result=result, csv_text=text)


@bp.post("/plans/actuals/import/apply")
@roles_required(Role.REP)
def apply_actuals_import() -> Any:
    """Records the previewed file, checked again now: all of it or nothing."""
    content, text = _actuals_upload()
    try:
        result = actuals_import.apply_actuals_import(
            get_session(), viewer(), content, previewed=request.form.get("fingerprint", "")
        )
    except actuals_import.ActualsImportRefused as exc:
        return _actuals_import_page(422, result=exc.result, csv_text=text)
    except actuals_import.StaleActualsImport as exc:
        return _actuals_import_page(409, result=exc.result, csv_text=text, stale=True)
    count = len(result.actuals)
    flash(
        gettext(
            "Actuals imported: %(count)s recorded, %(unchanged)s already there.",
            count=count,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("plans.actuals_import_page"))


# One plan ---------------------------------------------------------------------


@bp.route("/plans/new", methods=["GET", "POST"])
@roles_required(Role.REP)
def new() -> Any:
    db = get_session()
    values: dict[str, Any] = {"period": default_period(), "account_type": "idn"}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = form_values(request.form)
        data, errors = load_form(schemas.plan_create_schema, request.form)
        if data is not None:
            try:
                plan = service.create_plan(db, viewer(), data)
            except (InvalidInput, Conflict) as exc:
                errors = {"_form": [exc.message], **exc.fields}
            else:
                return redirect(url_for("plans.show", plan_id=plan.id))
        status = 422 if errors else 200
    accounts, own_territories = _account_choices()
    return render_template(
        "plans/new.html",
        values=values,
        errors=errors,
        accounts=accounts,
        own_territories=own_territories,
        labels=LABELS,
    ), status


def _account_choices() -> tuple[Choices[Account], set[int]]:
    """The accounts "New account plan" offers, found by what was typed in "Find an account"
    (?account=) and keeping one chosen in a form sent back, those of the writer's own
    territories first; and those territories."""
    chosen = typed_id(request.form.get("account_id", "")) if request.method == "POST" else None
    q = search_text(request.args.get("account", ""))
    db = get_session()
    own = own_territory_ids(db, viewer())
    return service.account_choices(db, q, chosen, own), own


@bp.get("/plans/new/accounts")
@roles_required(Role.REP)
def account_choices() -> str:
    """The accounts matching what is typed in "Find an account", for the new plan's list (htmx
    swaps it in as one types); /plans/new?account= does the same without JavaScript."""
    accounts, own_territories = _account_choices()
    return render_template(
        "plans/_account_choices.html",
        accounts=accounts,
        own_territories=own_territories,
        values={},
    )


def default_period() -> str:
    today = local_today(viewer().timezone)
    return f"{today.year}-{'H1' if today.month <= 6 else 'H2'}"


@bp.get("/plans/<int:plan_id>")
@login_required
def show(plan_id: int) -> str:
    db = get_session()
    plan = service.get_plan(db, viewer(), plan_id)
    return render_template(
        "plans/show.html",
        **_context(
            plan,
            comments=contributions.comments(db, plan),
            insights=contributions.visible_insights(db, viewer(), plan),
            team_choices=_team_choices(plan),
            # A manager of someone on the account's team reviews it with them (coachapp.reviews).
            can_run_review=plan.status != PlanStatus.ARCHIVED
            and service.policy.can_run_review(db, viewer(), plan.account_id),
            part_of=parent_chain(db, plan.account),
        ),
    )


@bp.get("/plans/<int:plan_id>/completeness")
@login_required
def completeness(plan_id: int) -> str:
    plan = service.get_plan(get_session(), viewer(), plan_id)
    return render_template("plans/_completeness.html", **_context(plan))


@bp.get("/plans/<int:plan_id>/history")
@login_required
def history(plan_id: int) -> str:
    db = get_session()
    plan = service.get_plan(db, viewer(), plan_id)
    events = service.history(db, viewer(), plan_id)
    return render_template("plans/history.html", plan=plan, events=events)


@bp.get("/plans/<int:plan_id>/qbr")
@login_required
def qbr(plan_id: int) -> str:
    plan = service.get_plan(get_session(), viewer(), plan_id)
    row = rollup.RollupRow(plan, plan_completeness(plan, _today()))
    return render_template("plans/qbr.html", rows=[row], labels=LABELS, today=_today())


# Saving pieces ------------------------------------------------------------------


def _bases(names: tuple[str, ...] | list[str]) -> dict[str, str]:
    return {n: request.form[f"base_{n}"] for n in names if f"base_{n}" in request.form}


def _save(
    plan_id: int,
    schema: Schema,
    apply: Callable[[dict[str, Any], dict[str, str]], Any],
    *,
    fragment: str,
    form_id: str,
    context: Callable[[], dict[str, Any]],
) -> Any:
    """Validates and applies one form; answers with the autosave line, or the form again."""
    typed = form_values(request.form)
    data, errors = load_form(schema, request.form, keep_empty=True)
    conflict: StaleVersion | None = None
    if data is not None:
        try:
            apply(data, _bases(list(data)))
        except StaleVersion as exc:
            conflict = exc
        except (InvalidInput, Conflict) as exc:
            errors = exc.fields or {"_form": [exc.message]}
    if data is not None and not errors and conflict is None:
        if not is_fragment_request():
            return redirect(url_for("plans.show", plan_id=plan_id) + f"#{form_id}")
        response = make_response(
            render_template("plans/_autosave.html", bases=_typed_bases(typed), saved_at=utcnow())
        )
        return with_trigger(response, PLAN_CHANGED)
    status = 412 if conflict else 422
    ctx = {**context(), "typed": typed, "errors": errors, "conflict": conflict}
    if not is_fragment_request():
        return render_template("plans/edit_piece.html", fragment=fragment, **ctx), status
    return swapped_into(make_response(render_template(fragment, **ctx), status), f"#{form_id}")


def _typed_bases(typed: dict[str, Any]) -> dict[str, Any]:
    """After a save, what was typed is the new base for the next autosave."""
    return {k: v for k, v in typed.items() if not k.startswith("base_")}


def _plan_for(plan_id: int) -> AccountPlan:
    return service.get_plan(get_session(), viewer(), plan_id)


@bp.post("/plans/<int:plan_id>/fields")
@login_required
def save_fields(plan_id: int) -> Any:
    field_names = [n for n in request.form if n in service.PLAN_FIELDS]
    form_id = f"field-{field_names[0]}" if len(field_names) == 1 else "plan-settings"

    def apply(data: dict[str, Any], bases: dict[str, str]) -> None:
        service.update_plan(get_session(), viewer(), plan_id, data, bases=bases)

    fragment = "plans/_field.html" if len(field_names) == 1 else "plans/_settings.html"
    return _save(
        plan_id,
        schemas.plan_update_schema,
        apply,
        fragment=fragment,
        form_id=form_id,
        context=lambda: _context(_plan_for(plan_id), field=field_names[0] if field_names else ""),
    )


def _item_route(kind: str, schema: Schema, update: Callable[..., Any]) -> Callable[..., Any]:
    def save(plan_id: int, item_id: int) -> Any:
        def apply(data: dict[str, Any], bases: dict[str, str]) -> None:
            update(get_session(), viewer(), plan_id, item_id, data, bases=bases)

        def context() -> dict[str, Any]:
            plan = _plan_for(plan_id)
            items: dict[str, Sequence[Any]] = {
                "goal": plan.goals,
                "action": plan.action_items,
                "stakeholder": plan.stakeholders,
            }
            item = next((i for i in items[kind] if i.id == item_id), None)
            return _context(plan, item=item)

        return _save(
            plan_id,
            schema,
            apply,
            fragment=f"plans/_{kind}_form.html",
            form_id=f"{kind}-{item_id}",
            context=context,
        )

    save.__name__ = f"save_{kind}"
    return save


bp.add_url_rule(
    "/plans/<int:plan_id>/goals/<int:item_id>",
    view_func=login_required(_item_route("goal", schemas.goal_update_schema, service.update_goal)),
    methods=["POST"],
)
bp.add_url_rule(
    "/plans/<int:plan_id>/actions/<int:item_id>",
    view_func=login_required(
        _item_route("action", schemas.action_update_schema, service.update_action)
    ),
    methods=["POST"],
)
bp.add_url_rule(
    "/plans/<int:plan_id>/stakeholders/<int:item_id>",
    view_func=login_required(
        _item_route("stakeholder", schemas.stakeholder_update_schema, service.update_stakeholder)
    ),
    methods=["POST"],
)


# Adding and removing: the section is rendered again ------------------------------


SECTION_TEMPLATES = {
    "goals": "plans/_goals.html",
    "actions": "plans/_actions.html",
    "stakeholders": "plans/_stakeholders.html",
    "team": "plans/_team.html",
    "comments": "plans/_comments.html",
    "insights": "plans/_insights.html",
}


def _section_response(plan_id: int, section: str, status: int = 200, **extra: Any) -> Any:
    if not is_fragment_request() and status < 400:
        return redirect(url_for("plans.show", plan_id=plan_id) + f"#{section}")
    db = get_session()
    plan = _plan_for(plan_id)
    ctx = _context(
        plan,
        comments=contributions.comments(db, plan),
        insights=contributions.visible_insights(db, viewer(), plan),
        team_choices=_team_choices(plan),
        **extra,
    )
    if not is_fragment_request():
        ctx["fragment"] = SECTION_TEMPLATES[section]
        return render_template("plans/edit_piece.html", **ctx), status
    html = render_template(SECTION_TEMPLATES[section], **ctx)
    if section == "team" and status < 400:
        # Action owners come from the team: the actions section follows along (out of band).
        html += render_template(SECTION_TEMPLATES["actions"], **ctx, oob=True)
    response = make_response(html, status)
    return with_trigger(response, PLAN_CHANGED) if status < 400 else response


def _add(plan_id: int, section: str, schema: Schema, add: Callable[..., Any]) -> Any:
    typed = form_values(request.form)
    data, errors = load_form(schema, request.form)
    if data is not None:
        try:
            add(get_session(), viewer(), plan_id, data)
        except (InvalidInput, Conflict) as exc:
            errors = exc.fields or {"_form": [exc.message]}
    if errors:
        return _section_response(
            plan_id, section, 422, new_typed=typed, new_errors=errors, new_section=section
        )
    return _section_response(plan_id, section)


@bp.post("/plans/<int:plan_id>/goals")
@login_required
def add_goal(plan_id: int) -> Any:
    return _add(plan_id, "goals", schemas.goal_schema, service.add_goal)


@bp.post("/plans/<int:plan_id>/actions")
@login_required
def add_action(plan_id: int) -> Any:
    return _add(plan_id, "actions", schemas.action_schema, service.add_action)


@bp.post("/plans/<int:plan_id>/stakeholders")
@login_required
def add_stakeholder(plan_id: int) -> Any:
    return _add(plan_id, "stakeholders", schemas.stakeholder_schema, service.add_stakeholder)


def _team_choices(plan: AccountPlan) -> Choices[User] | None:
    """The colleagues "Add a team member" offers, found by what was typed in "Find someone"
    (?colleague=) and keeping one chosen in a form sent back; None to whoever may not edit."""
    if not service.policy.can_edit_plan(viewer(), plan):
        return None
    chosen = typed_id(request.form.get("user_id", "")) if request.method == "POST" else None
    q = search_text(request.args.get("colleague", ""))
    return service.team_choices(get_session(), plan, q, chosen)


@bp.get("/plans/<int:plan_id>/team/choices")
@login_required
def team_choices(plan_id: int) -> str:
    """The colleagues matching what is typed in "Find someone", for the team form's list
    (htmx swaps it in as one types); the plan's page with ?colleague= does the same without
    JavaScript."""
    plan = _plan_for(plan_id)
    choices = _team_choices(plan)
    if choices is None:
        raise PermissionDenied("Only the plan's owner can change its account team.")
    return render_template("plans/_team_choices.html", team_choices=choices, labels=LABELS)


@bp.post("/plans/<int:plan_id>/team")
@login_required
def add_team_member(plan_id: int) -> Any:
    return _add(plan_id, "team", schemas.team_member_schema, service.add_team_member)


@bp.post("/plans/<int:plan_id>/comments")
@login_required
def add_comment(plan_id: int) -> Any:
    """Anyone on the account team, or the owner's manager; the form's client_uuid makes a
    second send of it find the first comment."""
    return _add(plan_id, "comments", schemas.comment_schema, contributions.add_comment)


# What the account team adds: insights, waiting for the owner when the owner wants ----------


@bp.post("/plans/<int:plan_id>/insights")
@login_required
def add_insight(plan_id: int) -> Any:
    """A member of the account team adds an insight to one profiling area."""
    return _add(plan_id, "insights", schemas.insight_schema, contributions.add_insight)


@bp.post("/plans/<int:plan_id>/insights/<int:insight_id>/approval")
@login_required
def decide_insight(plan_id: int, insight_id: int) -> Any:
    """The owner approves or declines an insight waiting for them."""
    data, errors = load_form(schemas.insight_decision_schema, request.form)
    if data is None:
        return _section_response(plan_id, "insights", 422, insight_error=_first(errors))
    try:
        contributions.decide_insight(get_session(), viewer(), plan_id, insight_id, data["decision"])
    except Conflict as exc:
        return _section_response(plan_id, "insights", 409, insight_error=exc.message)
    return _section_response(plan_id, "insights")


@bp.post("/plans/<int:plan_id>/insight-approval")
@login_required
def set_insight_approval(plan_id: int) -> Any:
    """The owner chooses whether teammates' insights wait for their approval."""
    data, errors = load_form(schemas.plan_update_schema, request.form)
    if data is None or "insights_need_approval" not in data:
        message = _first(errors) or gettext("Choose whether insights wait for your approval.")
        return _section_response(plan_id, "insights", 422, insight_error=message)
    changes = {"insights_need_approval": data["insights_need_approval"]}
    service.update_plan(get_session(), viewer(), plan_id, changes)
    return _section_response(plan_id, "insights")


def _first(errors: dict[str, list[str]]) -> str:
    return next((message for messages in errors.values() for message in messages), "")


@bp.post("/plans/<int:plan_id>/goals/<int:goal_id>/actuals")
@login_required
def record_actual(plan_id: int, goal_id: int) -> Any:
    """The owner or a member of the account team records where a goal stood on a date; the
    form's client_uuid makes a second tap find the first record."""
    typed = form_values(request.form)
    db = get_session()
    plan = _plan_for(plan_id)
    if not any(goal.id == goal_id for goal in plan.goals):
        raise NotFound()
    data, errors = load_form(schemas.actual_schema, request.form)
    if data is not None:
        try:
            actuals.record_actual(db, viewer(), goal_id, data)
        except (InvalidInput, Conflict) as exc:
            errors = exc.fields or {"_form": [exc.message]}
    if errors:
        return _section_response(
            plan_id, "goals", 422, actual_typed=typed, actual_errors=errors, actual_goal_id=goal_id
        )
    return _section_response(plan_id, "goals")


@bp.post("/plans/<int:plan_id>/goals/<int:item_id>/delete")
@login_required
def delete_goal(plan_id: int, item_id: int) -> Any:
    service.delete_goal(get_session(), viewer(), plan_id, item_id)
    return _section_response(plan_id, "goals")


@bp.post("/plans/<int:plan_id>/actions/<int:item_id>/delete")
@login_required
def delete_action(plan_id: int, item_id: int) -> Any:
    service.delete_action(get_session(), viewer(), plan_id, item_id)
    return _section_response(plan_id, "actions")


@bp.post("/plans/<int:plan_id>/stakeholders/<int:item_id>/delete")
@login_required
def delete_stakeholder(plan_id: int, item_id: int) -> Any:
    service.delete_stakeholder(get_session(), viewer(), plan_id, item_id)
    return _section_response(plan_id, "stakeholders")


@bp.post("/plans/<int:plan_id>/team/<int:user_id>/delete")
@login_required
def remove_team_member(plan_id: int, user_id: int) -> Any:
    try:
        service.remove_team_member(get_session(), viewer(), plan_id, user_id)
    except Conflict as exc:
        return _section_response(plan_id, "team", 409, team_error=exc.message)
    return _section_response(plan_id, "team")
