"""Account-team reviews on the pages: the manager starts one from the account's plan, fills in
the form with the team (a refusal keeps what was typed, at the field), saves and shares; an MSL
and their own line manager read and acknowledge it; agreements land in their owners'
follow-ups and come back at the next review."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.models import Account, AccountPlan, AccountReview, FollowUp, FollowUpStatus
from tests.builders import Lines
from tests.conftest import HttpsClient, login


def signed_in(app: Flask, lines: Lines, who: str) -> HttpsClient:
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert login(client, lines.people[who].email).status_code == 302
    return client


def form_for(account: Account, lines: Lines, **changes: str) -> dict[str, object]:
    people = lines.people
    form: dict[str, object] = {
        "client_uuid": str(uuid.uuid4()),
        "agreement_rows": "2",
        "participant_ids": [str(people[k].id) for k in ("rep", "msl", "access_rep", "nurse")],
        "plan_progress": "P&T moved to March; the chair asks for outcomes data.",
        "score-cross_functional_collaboration": "3",
        "evidence-cross_functional_collaboration": "The MSL briefed the team before the call.",
        "score-account_team_coordination": "2",
        "score-team_communication": "4",
        "agreement-0-title": "Bring the outcomes deck to the pre-read",
        "agreement-0-owner_id": str(people["msl"].id),
        "agreement-0-due_date": "2099-01-15",
        "agreement-1-title": "",
        "agreement-1-owner_id": "",
        "agreement-1-due_date": "",
    }
    form.update(changes)
    return form


def test_start_fill_share_read_and_acknowledge(
    app: Flask, db: Session, lines: Lines, account: Account
) -> None:
    manager = signed_in(app, lines, "sales_manager")
    plan = db.scalars(select(AccountPlan).where(AccountPlan.account_id == account.id)).one()
    plan_page = manager.get(f"/plans/{plan.id}").get_data(as_text=True)
    new_url = f"/accounts/{account.id}/reviews/new"
    assert "Run an account-team review" in plan_page and new_url in plan_page

    form = manager.get(new_url).get_data(as_text=True)
    for key in ("rep", "msl", "access_rep", "nurse"):  # every line, ticked
        person = lines.people[key]
        assert f'value="{person.id}" checked' in form and person.name in form
    assert "Collaboration" in form and "Coordination" in form and "Communication" in form

    # A refusal: at the field, with what was typed kept, nothing saved.
    refused = manager.post_form(
        f"/accounts/{account.id}/reviews",
        form_for(account, lines, **{"score-team_communication": "", "agreement-0-due_date": ""}),
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="score-team_communication-error"' in body and "Rate the team 1 to 4." in body
    assert 'id="agreement-0-due_date-error"' in body
    assert "Bring the outcomes deck to the pre-read" in body and "outcomes data" in body
    assert db.scalar(select(func.count()).select_from(AccountReview)) == 0

    # "Add another agreement" shows one more row and saves nothing.
    more = manager.post_form(
        f"/accounts/{account.id}/reviews", {**form_for(account, lines), "more": "1"}
    )
    assert more.status_code == 200 and 'id="agreement-2-title"' in more.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(AccountReview)) == 0

    sent = form_for(account, lines)
    saved = manager.post_form(f"/accounts/{account.id}/reviews", sent)
    assert saved.status_code == 302
    review = db.scalars(select(AccountReview)).one()
    assert saved.headers["Location"] == f"/reviews/{review.id}"
    # The same form sent again (a double tap, a retry) is the same review.
    again = manager.post_form(f"/accounts/{account.id}/reviews", sent)
    assert again.status_code == 302 and again.headers["Location"] == f"/reviews/{review.id}"
    assert db.scalar(select(func.count()).select_from(AccountReview)) == 1

    page = manager.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "Cross-functional" in page and "The MSL briefed the team" in page
    assert "Acknowledge this review" not in page  # the author does not acknowledge

    for who in ("msl", "msl_manager"):
        browser = signed_in(app, lines, who)
        shown = browser.get(f"/reviews/{review.id}").get_data(as_text=True)
        assert "Acknowledge this review" in shown and "outcomes data" in shown
        acked = browser.post_form(f"/reviews/{review.id}/acknowledgement", {"comment": "Agreed."})
        assert acked.status_code == 302
        after = browser.get(f"/reviews/{review.id}").get_data(as_text=True)
        assert "You acknowledged this review" in after
        # A second tap changes nothing.
        assert browser.post_form(f"/reviews/{review.id}/acknowledgement", {}).status_code == 302
    db.expire_all()
    assert len(db.get(AccountReview, review.id).acknowledgements) == 2  # type: ignore[union-attr]

    # The agreement is the MSL's follow-up, and its page leads back to the review.
    msl = signed_in(app, lines, "msl")
    (agreement,) = db.scalars(select(FollowUp).where(FollowUp.review_id == review.id)).all()
    assert "Bring the outcomes deck" in msl.get("/follow-ups").get_data(as_text=True)
    follow_up = msl.get(f"/follow-ups/{agreement.id}").get_data(as_text=True)
    assert f"/reviews/{review.id}" in follow_up
    # A participant who does not own it reads it from the review, but it is not in their list.
    nurse = signed_in(app, lines, "nurse")
    assert nurse.get(f"/follow-ups/{agreement.id}").status_code == 200
    assert "Bring the outcomes deck" not in nurse.get("/follow-ups").get_data(as_text=True)

    # The account's reviews, with the agreement still open.
    listing = manager.get(f"/accounts/{account.id}/reviews").get_data(as_text=True)
    assert f"/reviews/{review.id}" in listing and "Bring the outcomes deck" in listing


def test_the_next_review_goes_over_open_agreements(
    app: Flask, db: Session, lines: Lines, account: Account
) -> None:
    manager = signed_in(app, lines, "sales_manager")
    manager.post_form(f"/accounts/{account.id}/reviews", form_for(account, lines))
    (agreement,) = db.scalars(select(FollowUp).where(FollowUp.review_id.is_not(None))).all()
    # The MSL's own line manager runs the next one.
    msl_manager = signed_in(app, lines, "msl_manager")
    form = msl_manager.get(f"/accounts/{account.id}/reviews/new").get_data(as_text=True)
    assert "Open agreements from earlier reviews" in form and agreement.title in form
    assert f'name="earlier-{agreement.id}" value="open" checked' in form
    done = form_for(account, lines, **{f"earlier-{agreement.id}": "done", "agreement-0-title": ""})
    done.update({"agreement-0-owner_id": "", "agreement-0-due_date": ""})
    saved = msl_manager.post_form(f"/accounts/{account.id}/reviews", done)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.expire_all()
    assert db.get(FollowUp, agreement.id).status == FollowUpStatus.DONE  # type: ignore[union-attr]
    page = msl_manager.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Earlier agreements gone over" in page and "marked done here" in page
    assert "Open agreements from earlier reviews" not in msl_manager.get(
        f"/accounts/{account.id}/reviews/new"
    ).get_data(as_text=True)


def test_who_may_open_what(app: Flask, db: Session, lines: Lines, account: Account) -> None:
    manager = signed_in(app, lines, "sales_manager")
    manager.post_form(f"/accounts/{account.id}/reviews", form_for(account, lines))
    review = db.scalars(select(AccountReview)).one()
    for who in ("director", "msl_manager2", "crossed_msl"):
        browser = signed_in(app, lines, who)
        assert browser.get(f"/reviews/{review.id}").status_code == 404, who
        assert browser.post_form(f"/reviews/{review.id}/acknowledgement").status_code == 404
    # The director sees the account (their subtree is on it) but not the review's content.
    director = signed_in(app, lines, "director")
    listing = director.get(f"/accounts/{account.id}/reviews")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert f"/reviews/{review.id}" not in text and "Run an account-team review" not in text
    # Only a manager of someone on the team opens the form.
    assert director.get(f"/accounts/{account.id}/reviews/new").status_code == 404
    assert (
        signed_in(app, lines, "msl_manager2").get(f"/accounts/{account.id}/reviews/new").status_code
        == 404
    )
    assert (
        signed_in(app, lines, "rep").get(f"/accounts/{account.id}/reviews/new").status_code == 404
    )


def test_a_bad_comment_is_refused_at_its_field(
    app: Flask, db: Session, lines: Lines, account: Account
) -> None:
    manager = signed_in(app, lines, "sales_manager")
    manager.post_form(f"/accounts/{account.id}/reviews", form_for(account, lines))
    review = db.scalars(select(AccountReview)).one()
    nurse = signed_in(app, lines, "nurse")
    refused = nurse.post_form(f"/reviews/{review.id}/acknowledgement", {"comment": "x" * 1001})
    assert refused.status_code == 422
    assert re.search(r'id="comment-error"', refused.get_data(as_text=True))
    db.expire_all()
    assert db.get(AccountReview, review.id).acknowledgements == []  # type: ignore[union-attr]


def test_the_account_team_page_offers_the_review_to_a_manager_of_a_member(
    app: Flask, lines: Lines, account: Account
) -> None:
    team_url = f"/accounts/{account.id}/team"
    for who in ("sales_manager", "msl_manager"):
        page = signed_in(app, lines, who).get(team_url).get_data(as_text=True)
        assert "Run an account-team review" in page, who
        assert f"/accounts/{account.id}/reviews/new" in page
    for who in ("director", "rep", "msl"):
        page = signed_in(app, lines, who).get(team_url).get_data(as_text=True)
        assert "Run an account-team review" not in page, who
        assert f"/accounts/{account.id}/reviews" in page  # the reviews they may read
