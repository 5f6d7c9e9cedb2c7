"""Account-team review pages: an account's reviews, the review form a manager fills in with the
team, one review with its agreements and acknowledgements.

The form is read into the API's body and loaded with its schema (coachapp.forms.FormBody), so
the page and the API refuse the same things in the same words, each at its field; what was
typed stays. Every rule is coachapp.reviews.service's.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from coachapp import policy, replay
from coachapp.auth.roles import roles_required, viewer
from coachapp.db import get_session
from coachapp.errors import InvalidInput
from coachapp.forms import FormBody, form_number, load_form
from coachapp.inbox import reading as inbox
from coachapp.languages import N_, gettext
from coachapp.models import FUNCTION_LABELS, RATING_SCALE, Account, FollowUp, FollowUpStatus, Role
from coachapp.nudges import subjects
from coachapp.reviews import schemas, service
from coachapp.reviews.lines import LINE_LABELS, LINE_OF_FUNCTION, is_cross_functional, lines_of
from coachapp.timezones import local_today

bp = Blueprint("reviews", __name__)

# Blank agreement rows the form starts with; "Add another agreement" adds one at a time.
FIRST_AGREEMENT_ROWS = 2


@bp.context_processor
def review_shapes() -> dict[str, Any]:
    return {
        "three_cs": schemas.THREE_CS,
        "three_c_hints": schemas.THREE_C_HINTS,
        "three_c_labels": schemas.THREE_C_LABELS,
        "review_limits": {
            "plan_progress": schemas.PLAN_PROGRESS_MAX,
            "evidence": schemas.EVIDENCE_MAX,
            "title": schemas.FOLLOW_UP_TITLE_MAX,
            "comment": schemas.COMMENT_MAX,
            "agreements": schemas.MAX_AGREEMENTS,
        },
        "rating_words": dict(RATING_SCALE),
        "function_labels": FUNCTION_LABELS,
        "line_labels": LINE_LABELS,
        "line_of_function": LINE_OF_FUNCTION,
        "lines_of": lines_of,
        "is_cross_functional": is_cross_functional,
    }


# A plan goal's status as the plan summary words it ("at_risk": "At risk"), for the catalogue.
GOAL_STATUS_WORDS = (N_("On track"), N_("At risk"), N_("Off track"), N_("Done"))


@bp.get("/accounts/<int:account_id>/reviews")
@login_required
def account_reviews(account_id: int) -> str:
    """The account's reviews the viewer sees, with the agreements still open, and the way to
    run the next one for a manager whose people are on the team."""
    db, user = get_session(), viewer()
    account = policy.account_or_404(db, user, account_id)
    reviews = service.reviews_for(db, user, account.id)
    open_agreements = sorted(
        (a for r in reviews for a in r.agreements if a.status == FollowUpStatus.OPEN),
        key=lambda a: (a.due_date, a.id),
    )
    return render_template(
        "reviews/index.html",
        account=account,
        reviews=reviews,
        open_agreements=open_agreements,
        can_run=policy.can_run_review(db, user, account.id),
        today=local_today(user.timezone),
    )


@bp.get("/accounts/<int:account_id>/reviews/new")
@roles_required(Role.MANAGER)
def new(account_id: int) -> str:
    db, user = get_session(), viewer()
    account = policy.reviewable_account_or_404(db, user, account_id)
    return render_template(
        "reviews/new.html", **_form_context(account, client_uuid=str(uuid.uuid4()))
    )


@bp.post("/accounts/<int:account_id>/reviews")
@roles_required(Role.MANAGER)
def create(account_id: int) -> Any:
    """Records the review and shares it; "Add another agreement" shows the form again with
    one more row, nothing saved."""
    db, user = get_session(), viewer()
    account = policy.reviewable_account_or_404(db, user, account_id)
    earlier = service.earlier_open_agreements(db, account.id)
    rows = _agreement_rows(request.form)
    client_uuid = request.form.get("client_uuid", "")[:36]
    if "more" in request.form:
        context = _form_context(
            account, typed=request.form, rows=rows + 1, client_uuid=client_uuid, earlier=earlier
        )
        return render_template("reviews/new.html", **context)
    form = review_form(request.form, account.id, rows, earlier)
    try:
        data = form.load(schemas.review_create_schema)
        review, _ = service.create_review(db, user, data)
    except InvalidInput as refused:
        db.rollback()
        context = _form_context(
            account,
            typed=request.form,
            rows=rows,
            client_uuid=client_uuid,
            earlier=earlier,
            errors=form.errors(refused),
        )
        return render_template("reviews/new.html", **context), 422
    flash(gettext("Review saved and shared with the team and their managers."), "success")
    return redirect(url_for("reviews.show", review_id=review.id))


def _agreement_rows(form: MultiDict[str, str]) -> int:
    rows = form_number(form.get("agreement_rows", ""))
    if not isinstance(rows, int):
        return FIRST_AGREEMENT_ROWS
    return max(1, min(rows, schemas.MAX_AGREEMENTS))


def review_form(
    form: MultiDict[str, str], account_id: int, rows: int, earlier: list[FollowUp]
) -> FormBody:
    """The review form as the API's body, and which field each part came from."""
    names: dict[str, str] = {"participant_ids": "participant_ids"}
    ratings = []
    for index, key in enumerate(schemas.THREE_C_KEYS):
        rating: dict[str, Any] = {
            "competency_key": key,
            "evidence": form.get(f"evidence-{key}", ""),
        }
        score = form.get(f"score-{key}", "")
        if score:
            rating["score"] = form_number(score)
        ratings.append(rating)
        names[f"ratings.{index}"] = f"score-{key}"
        names[f"ratings.{index}.evidence"] = f"evidence-{key}"
    agreements: list[dict[str, Any]] = []
    for row in range(rows):
        typed = {part: form.get(f"agreement-{row}-{part}", "").strip() for part in AGREEMENT_PARTS}
        if not any(typed.values()):
            continue
        index = len(agreements)
        agreements.append(
            {part: form_number(value) if part == "owner_id" else value
             for part, value in typed.items() if value}
        )  # fmt: skip
        names[f"agreements.{index}"] = f"agreement-{row}-title"
        for part in AGREEMENT_PARTS:
            names[f"agreements.{index}.{part}"] = f"agreement-{row}-{part}"
    outcomes = []
    for index, item in enumerate(earlier):
        outcomes.append({"id": item.id, "status": form.get(f"earlier-{item.id}", schemas.CARRIED)})
        names[f"earlier_agreements.{index}"] = f"earlier-{item.id}"
    body: dict[str, Any] = {
        "client_uuid": str(replay.client_uuid_of(form.get("client_uuid")) or uuid.uuid4()),
        "account_id": account_id,
        "participant_ids": [form_number(value) for value in form.getlist("participant_ids")],
        "plan_progress": form.get("plan_progress", ""),
        "ratings": ratings,
        "agreements": agreements,
        "earlier_agreements": outcomes,
    }
    if form.get("held_on"):
        body["held_on"] = form["held_on"]
    return FormBody(body, form, names)


AGREEMENT_PARTS = ("title", "owner_id", "due_date")


def _form_context(
    account: Account,
    *,
    client_uuid: str,
    typed: MultiDict[str, str] | None = None,
    rows: int = FIRST_AGREEMENT_ROWS,
    earlier: list[FollowUp] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    db, user = get_session(), viewer()
    today = local_today(user.timezone)
    members = service.team_members(db, account.id)
    return {
        "account": account,
        "members": members,
        "owners": service.agreement_owners(members, user),
        "earlier": earlier
        if earlier is not None
        else service.earlier_open_agreements(db, account.id),
        "summary": service.plan_summary(db, account.id, today),
        "typed": typed,
        "errors": errors or {},
        "rows": rows,
        "client_uuid": client_uuid,
        "today": today,
    }


@bp.get("/reviews/<int:review_id>")
@login_required
def show(review_id: int) -> str:
    db, user = get_session(), viewer()
    review = service.get_review(db, user, review_id)
    inbox.page_opened(db, user, subjects.review(review.id))
    return render_template("reviews/show.html", **_show_context(review))


def _show_context(review: Any, **extra: Any) -> dict[str, Any]:
    user = viewer()
    mine = next((a for a in review.acknowledgements if a.user_id == user.id), None)
    return {
        "review": review,
        "may_acknowledge": policy.may_acknowledge_review(user, review),
        "my_acknowledgement": mine,
        "awaiting": sorted(
            (
                p
                for p in _people_asked(review)
                if p.id not in {a.user_id for a in review.acknowledgements}
            ),
            key=lambda person: person.name,
        ),
        "today": local_today(user.timezone),
        "ack_errors": {},
        "ack_typed": "",
        **extra,
    }


def _people_asked(review: Any) -> list[Any]:
    """The participants and their line managers asked to acknowledge, as people."""
    asked = policy.review_acknowledgers(review)
    people = {p.user.id: p.user for p in review.participants}
    people.update(
        {p.user.manager.id: p.user.manager for p in review.participants if p.user.manager}
    )
    return [person for person_id, person in people.items() if person_id in asked]


@bp.post("/reviews/<int:review_id>/acknowledgement")
@login_required
def acknowledge(review_id: int) -> Any:
    db, user = get_session(), viewer()
    data, errors = load_form(schemas.acknowledge_schema, request.form)
    if data is None:
        review = service.get_review(db, user, review_id)
        context = _show_context(review, ack_errors=errors, ack_typed=request.form.get("comment"))
        return render_template("reviews/show.html", **context), 422
    _, created = service.acknowledge_review(db, user, review_id, data["comment"])
    flash(
        gettext("Acknowledged.") if created else gettext("You had acknowledged it already."),
        "success",
    )
    return redirect(url_for("reviews.show", review_id=review_id))
