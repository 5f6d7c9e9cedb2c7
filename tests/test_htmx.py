"""htmx's request and response headers are read and written in coachapp/htmx.py only, under
the names htmx 4 uses; views answer htmx through its helpers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Flask, make_response
from sqlalchemy.orm import Session

from coachapp.htmx import (
    htmx_redirect,
    is_fragment_request,
    is_htmx_request,
    swapped_into,
    with_trigger,
)
from coachapp.models import Note, NoteStatus
from tests.builders import Org
from tests.coaching.test_pages import debrief
from tests.conftest import signed_in

APP = Path(__file__).resolve().parent.parent / "coachapp"


def test_swaps_redirects_and_events_are_the_headers_htmx_reads(app: Flask) -> None:
    with app.test_request_context():
        moved = swapped_into(make_response("<form id='goal-1'></form>", 422), "#goal-1")
        assert (
            moved.headers["HX-Retarget"] == "#goal-1" and moved.headers["HX-Reswap"] == "outerHTML"
        )
        assert (
            swapped_into(make_response(""), "#x", "innerHTML").headers["HX-Reswap"] == "innerHTML"
        )
        away = htmx_redirect("/notes/7")
        assert away.status_code == 204 and away.headers["HX-Redirect"] == "/notes/7"
        assert (
            with_trigger(make_response(""), "plan-changed").headers["HX-Trigger"] == "plan-changed"
        )
        told = with_trigger(make_response(""), "saved", {"id": 3}).headers["HX-Trigger"]
        assert json.loads(told) == {"saved": {"id": 3}}


def test_a_boosted_link_is_htmx_but_wants_the_whole_page(app: Flask) -> None:
    for headers, htmx, fragment in (
        ({}, False, False),
        ({"HX-Request": "true"}, True, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, True, False),
    ):
        with app.test_request_context(headers=headers):
            assert (is_htmx_request(), is_fragment_request()) == (htmx, fragment), headers


def test_sharing_from_the_debrief_with_htmx_sends_the_browser_to_the_note(
    app: Flask, db: Session, org: Org
) -> None:
    note = org.notes["draft"]
    form = {**debrief(db, note.id), "development_focus": "Plan the call with the MSL"}
    manager = signed_in(app, org, "manager")
    shared = manager.post_form(f"/notes/{note.id}/share", form, headers={"HX-Request": "true"})
    assert shared.status_code == 204 and shared.headers["HX-Redirect"] == f"/notes/{note.id}"
    db.expire_all()
    assert db.get(Note, note.id).status == NoteStatus.SHARED  # type: ignore[union-attr]


def test_no_module_but_the_htmx_one_names_an_htmx_header() -> None:
    header = re.compile(r"""["']HX-[A-Za-z-]+["']""", re.IGNORECASE)
    found = [
        f"{path.relative_to(APP)}:{number}: {line.strip()}"
        for path in APP.glob("**/*.py")
        if path != APP / "htmx.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if header.search(line)
    ]
    assert not found, "use coachapp/htmx.py:\n" + "\n".join(found)
