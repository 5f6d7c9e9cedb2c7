"""The manager's comment on a coach-the-coach note follows one rule on the page and in the
API: too long or holding a control character is said at the field, in the same words, and
the comment typed comes back with the form; nothing is cut."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy.orm import Session

from coachapp.coach_notes.service import COMMENT_LIMIT
from coachapp.plain_text import TEXT_PROBLEM
from tests.api.helpers import api_caller, assert_error_shape
from tests.builders import Org
from tests.conftest import HttpsClient, signed_in

NOTES = "/api/v1/coach-the-coach-notes"


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("c" * (COMMENT_LIMIT + 1), f"Keep it to {COMMENT_LIMIT:,} characters."),
        ("Will do \x07", TEXT_PROBLEM),
    ],
    ids=["too-long", "control-character"],
)
def test_the_page_and_the_api_refuse_a_comment_alike(
    app: Flask, client: HttpsClient, db: Session, org: Org, comment: str, message: str
) -> None:
    note = org.coach_notes["shared"]
    call = api_caller(app, client, db, org)
    refused = call("manager", "POST", f"{NOTES}/{note.id}/acknowledge", json={"comment": comment})
    assert assert_error_shape(refused, 422)["fields"] == {"comment": [message]}

    page = signed_in(app, org, "manager").post_form(
        f"/coach-the-coach/{note.id}/acknowledge", {"comment": comment}
    )
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    shown = re.search(r'id="comment-error" class="field-error">(.*?)</p>', text, re.S)
    assert shown and html.unescape(shown.group(1)) == message
    assert str(escape(comment)) in text  # the comment typed is still in the box
    db.expire_all()
    assert note.acknowledged_at is None


def test_a_comment_at_the_limit_is_kept_whole(app: Flask, db: Session, org: Org) -> None:
    note = org.coach_notes["shared"]
    comment = "c" * COMMENT_LIMIT
    manager = signed_in(app, org, "manager")
    acked = manager.post_form(f"/coach-the-coach/{note.id}/acknowledge", {"comment": comment})
    assert acked.status_code == 302
    db.expire_all()
    assert note.ack_comment == comment
