"""One set of rules for what a coaching note may hold, whichever way it is written: for each
field, the same bad input gets the same message from the note's pages (at the field, the
form shown again with everything typed still in it) and from the JSON API (at the field's
path in the error shape). The rules are coachapp.coaching.schemas, and the service for those
that need the database or the clock (a competency of the note's guide, a day not after the
manager's today)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy.orm import Session

from coachapp.coaching import schemas, service
from coachapp.coaching.counts import CHOOSE_TYPE
from coachapp.plain_text import LINE_PROBLEM, TEXT_PROBLEM
from tests.api.helpers import Call, api_caller, assert_error_shape
from tests.builders import Org
from tests.conftest import HttpsClient, signed_in

SESSIONS = "/api/v1/coaching-sessions"
FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
NOT_IN_GUIDE = "Not in the guide used."
UNKNOWN_COMPETENCY = 999_999
KEPT = "Kept as typed: the pharmacy lead joined late"  # typed beside the bad field

TEXT_FIELDS = ("strengths", "development_focus", "private_notes")
TEXT = schemas.NOTE_TEXT_MAX
EVIDENCE = schemas.EVIDENCE_MAX
COMMENT = schemas.COMMENT_MAX
TITLE = schemas.FOLLOW_UP_TITLE_MAX


@dataclass(frozen=True)
class Note:
    """What the cases need of the org: its notes and the draft's guide."""

    org: Org
    version_id: int
    competency: int  # the first competency of the notes' guide

    def id(self, state: str) -> int:
        return self.org.notes[state].id

    def debrief(self, **typed: str) -> dict[str, str]:
        """The draft's debrief form as the manager posts it, with `typed` over it."""
        draft = self.org.notes["draft"]
        return {
            "version": str(draft.version),
            "type": "one_on_one",
            "occurred_on": draft.occurred_on.isoformat(),
            "plan_id": "",
            "strengths": "Opened with the customer's goals",
            "development_focus": "",
            "private_notes": KEPT,
            **typed,
        }


ApiCall = tuple[str, str, dict[str, Any], int | None]  # method, URL, body, If-Match


@dataclass(frozen=True)
class Case:
    id: str
    message: str
    # The page: who posts, where, what, and the field the message is shown at.
    who: str
    form_url: Callable[[Note], str]
    form: Callable[[Note], dict[str, str]]
    field: Callable[[Note], str]
    # The API: who calls, how, and the path of the message in "fields".
    api: Callable[[Note], ApiCall]
    path: Callable[[Note], tuple[str, ...]]
    typed: Callable[[Note], list[str]] = lambda n: []  # what the page must show again


def typed_text(form: dict[str, str]) -> list[str]:
    """What the debrief form shows again as it was typed (a kind of conversation that is not
    one of its buttons cannot be)."""
    return [v for k, v in form.items() if k in {"occurred_on", *TEXT_FIELDS}]


def edit(n: Note) -> str:
    return f"/notes/{n.id('draft')}/edit"


def change(body: Callable[[Note], dict[str, Any]]) -> Callable[[Note], ApiCall]:
    """The API's change of the draft (as of its first version) with this body."""
    return lambda n: ("PATCH", f"{SESSIONS}/{n.id('draft')}", body(n), 1)


def debrief_case(
    id: str, message: str, form: dict[str, str], field: str, body: dict[str, Any]
) -> Case:
    """A field of the debrief form and the same field of the API's change of the note."""
    return Case(
        id=id,
        message=message,
        who="manager",
        form_url=edit,
        form=lambda n: n.debrief(**form),
        field=lambda n: field,
        api=change(lambda n: body),
        path=lambda n: (field,),
        typed=lambda n: typed_text(n.debrief(**form)),
    )


def rating_case(id: str, message: str, score: str, evidence: str, kind: str) -> Case:
    """A rating's score or evidence: by competency on the form, by position in the API."""
    return Case(
        id=id,
        message=message,
        who="manager",
        form_url=edit,
        form=lambda n: n.debrief(
            **{f"score-{n.competency}": score, f"evidence-{n.competency}": evidence}
        ),
        field=lambda n: f"{kind}-{n.competency}",
        api=change(
            lambda n: {
                "ratings": [
                    {"competency_id": n.competency, "score": int(score), "evidence": evidence}
                ]
            }
        ),
        path=lambda n: ("ratings", "0", kind),
        typed=lambda n: [evidence, KEPT],
    )


def follow_up_case(
    id: str, message: str, form: dict[str, str], field: str, api: dict[str, Any]
) -> Case:
    """The add-follow-up form beside the debrief, and a follow-up in the API's change."""
    return Case(
        id=id,
        message=message,
        who="manager",
        form_url=lambda n: f"/notes/{n.id('draft')}/follow-ups",
        form=lambda n: form,
        field=lambda n: f"follow_up_{field}",
        api=change(lambda n: {"follow_ups": [api]}),
        path=lambda n: ("follow_ups", "0", "due_date" if field == "due" else field),
        typed=lambda n: [form["title"]],
    )


def acknowledgement_case(id: str, message: str, comment: str) -> Case:
    return Case(
        id=id,
        message=message,
        who="rep",
        form_url=lambda n: f"/notes/{n.id('shared')}/acknowledge",
        form=lambda n: {"comment": comment},
        field=lambda n: "comment",
        api=lambda n: (
            "POST",
            f"{SESSIONS}/{n.id('shared')}/acknowledge",
            {"comment": comment},
            None,
        ),
        path=lambda n: ("comment",),
        typed=lambda n: [comment],
    )


def addendum_case(id: str, message: str, text: str) -> Case:
    return Case(
        id=id,
        message=message,
        who="manager",
        form_url=lambda n: f"/notes/{n.id('acknowledged')}/addendum",
        form=lambda n: {"text": text},
        field=lambda n: "text",
        api=lambda n: ("POST", f"{SESSIONS}/{n.id('acknowledged')}/addendum", {"text": text}, None),
        path=lambda n: ("text",),
        typed=lambda n: [text],
    )


def self_rating_case(
    id: str, message: str, score: str, competency: int | None = None, *, before_note: bool
) -> Case:
    """The rep rates themself: on a shared note, or before their next note (/self-assessment);
    on the guide's first competency unless another is named."""

    def chosen(n: Note) -> int:
        return n.competency if competency is None else competency

    def api(n: Note) -> ApiCall:
        ratings = [{"competency_id": chosen(n), "score": int(score)}]
        if before_note:
            url = f"/api/v1/reps/{n.org.people['rep'].id}/self-assessment"
            return ("PUT", url, {"guide_version_id": n.version_id, "ratings": ratings}, None)
        return ("PUT", f"{SESSIONS}/{n.id('shared')}/self-assessment", {"ratings": ratings}, None)

    def form(n: Note) -> dict[str, str]:
        if before_note:
            return {"guide_version_id": str(n.version_id), f"self-{chosen(n)}": score}
        return {f"self-{chosen(n)}": score}

    unknown = competency is not None
    return Case(
        id=id,
        message=message,
        who="rep",
        form_url=lambda n: (
            "/self-assessment" if before_note else f"/notes/{n.id('shared')}/self-assessment"
        ),
        form=form,
        field=lambda n: "_form" if unknown else f"self-{chosen(n)}",
        api=api,
        path=lambda n: ("ratings", "0", "competency_id" if unknown else "score"),
    )


CASES = [
    # Too long: the limits of coachapp.coaching.schemas, said alike.
    *(
        debrief_case(
            f"{field}-too-long",
            schemas.too_long(TEXT),
            {field: "x" * (TEXT + 1)},
            field,
            {field: "x" * (TEXT + 1)},
        )
        for field in TEXT_FIELDS
    ),
    rating_case(
        "evidence-too-long", schemas.too_long(EVIDENCE), "3", "e" * (EVIDENCE + 1), "evidence"
    ),
    follow_up_case(
        "follow-up-title-too-long",
        schemas.too_long(TITLE),
        {"title": "t" * (TITLE + 1), "due_in": "7"},
        "title",
        {"title": "t" * (TITLE + 1), "due_date": FUTURE},
    ),
    acknowledgement_case("comment-too-long", schemas.too_long(COMMENT), "c" * (COMMENT + 1)),
    addendum_case("addendum-too-long", schemas.too_long(TEXT), "a" * (TEXT + 1)),
    # The day of the conversation: never after the manager's today (the service's rule).
    debrief_case(
        "date-in-the-future",
        service.IN_THE_FUTURE,
        {"occurred_on": FUTURE},
        "occurred_on",
        {"occurred_on": FUTURE},
    ),
    debrief_case(
        "date-not-a-date",
        schemas.ENTER_DATE,
        {"occurred_on": "31/12/2026"},
        "occurred_on",
        {"occurred_on": "31/12/2026"},
    ),
    debrief_case(
        "date-empty", schemas.ENTER_DATE, {"occurred_on": ""}, "occurred_on", {"occurred_on": ""}
    ),
    debrief_case("kind-unknown", CHOOSE_TYPE, {"type": "lunch"}, "type", {"type": "lunch"}),
    # Scores: 1 to 4 or not observed, on the note, on the rep's self-rating and before a note.
    rating_case("score-off-the-scale", schemas.CHOOSE_SCORE, "7", "Seen on the call", "score"),
    rating_case("score-zero", schemas.CHOOSE_SCORE, "0", "Seen on the call", "score"),
    self_rating_case("self-score-off-the-scale", schemas.CHOOSE_SCORE, "5", before_note=False),
    self_rating_case(
        "before-note-score-off-the-scale", schemas.CHOOSE_SCORE, "9", before_note=True
    ),
    # A competency that is not in the note's guide (the service's rule).
    Case(
        id="competency-unknown",
        message=NOT_IN_GUIDE,
        who="manager",
        form_url=edit,
        form=lambda n: n.debrief(**{f"score-{UNKNOWN_COMPETENCY}": "3"}),
        field=lambda n: "ratings",  # no field of its own: said at the note's ratings
        api=change(lambda n: {"ratings": [{"competency_id": UNKNOWN_COMPETENCY, "score": 3}]}),
        path=lambda n: ("ratings", "0", "competency_id"),
        typed=lambda n: [KEPT],
    ),
    self_rating_case(
        "self-competency-unknown", NOT_IN_GUIDE, "2", UNKNOWN_COMPETENCY, before_note=False
    ),
    self_rating_case(
        "before-note-competency-unknown", NOT_IN_GUIDE, "2", UNKNOWN_COMPETENCY, before_note=True
    ),
    # Empty where something is required.
    follow_up_case(
        "follow-up-title-empty",
        schemas.SAY_WHAT,
        {"title": "", "due_in": "7"},
        "title",
        {"title": "", "due_date": FUTURE},
    ),
    follow_up_case(
        "follow-up-title-blank",
        schemas.SAY_WHAT,
        {"title": "   ", "due_in": "7"},
        "title",
        {"title": "   ", "due_date": FUTURE},
    ),
    follow_up_case(
        "follow-up-without-due-date",
        schemas.GIVE_DUE_DATE,
        {"title": "Send the deck"},
        "due",
        {"title": "Send the deck"},
    ),
    follow_up_case(
        "follow-up-due-date-not-a-date",
        schemas.GIVE_DUE_DATE,
        {"title": "Send the deck", "due_date": "soon"},
        "due",
        {"title": "Send the deck", "due_date": "soon"},
    ),
    addendum_case("addendum-empty", schemas.WRITE_ADDENDUM, ""),
    addendum_case("addendum-blank", schemas.WRITE_ADDENDUM, "   "),
    # Control characters: none in a one-line field; in text of several lines, only line
    # breaks and tabs.
    follow_up_case(
        "follow-up-title-tab",
        LINE_PROBLEM,
        {"title": "Send\tthe deck", "due_in": "7"},
        "title",
        {"title": "Send\tthe deck", "due_date": FUTURE},
    ),
    follow_up_case(
        "follow-up-title-bidi-override",
        LINE_PROBLEM,
        {"title": "Send the \u202edeck", "due_in": "7"},
        "title",
        {"title": "Send the \u202edeck", "due_date": FUTURE},
    ),
    debrief_case(
        "strengths-bell",
        TEXT_PROBLEM,
        {"strengths": "Clear \x07close"},
        "strengths",
        {"strengths": "Clear \x07close"},
    ),
    rating_case("evidence-escape", TEXT_PROBLEM, "3", "Asked \x1b about it", "evidence"),
    acknowledgement_case("comment-bell", TEXT_PROBLEM, "Agreed \x07"),
    addendum_case("addendum-escape", TEXT_PROBLEM, "Also \x1b[31m"),
]


@pytest.fixture
def note(db: Session, org: Org) -> Note:
    draft = org.notes["draft"]
    version = service.guide_for(db, org.people["rep"])
    assert version.id == draft.guide_version_id  # the rep's guide is the notes'
    competency = draft.guide_version.sections[0].competencies[0].id
    return Note(org, version.id, competency)


def message_at(page: str, field: str) -> list[str]:
    """The messages the page shows at a field (its `<field>-error`), or for "_form" in the
    form's own error box."""
    if field == "_form":
        boxes = re.findall(r'<div class="form-error" role="alert">(.*?)</div>', page, re.S)
        return [html.unescape(p) for box in boxes for p in re.findall(r"<p>(.*?)</p>", box, re.S)]
    found = re.search(rf'id="{re.escape(field)}-error"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no message shown at {field}"
    return [html.unescape(found.group(1))]


def message_in(fields: dict[str, Any], path: tuple[str, ...]) -> list[str]:
    found: Any = fields
    for key in path:
        assert isinstance(found, dict) and key in found, (path, fields)
        found = found[key]
    assert isinstance(found, list), (path, fields)
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_form_and_the_api_say_the_same_at_the_same_field(
    app: Flask, client: HttpsClient, db: Session, org: Org, note: Note, case: Case
) -> None:
    method, url, body, if_match = case.api(note)
    call: Call = api_caller(app, client, db, org)
    refused = assert_error_shape(call(case.who, method, url, json=body, if_match=if_match), 422)
    from_api = message_in(refused.get("fields", {}), case.path(note))

    page = signed_in(app, org, case.who).post_form(case.form_url(note), case.form(note))
    assert page.status_code == 422, page.get_data(as_text=True)[:500]
    text = page.get_data(as_text=True)
    from_form = message_at(text, case.field(note))

    assert case.message in from_api
    if case.field(note) == "_form":
        # No field on the page for a competency the guide does not have: said above the form,
        # after what it means there (the page was opened on another version of the guide).
        assert all(m in " ".join(from_form) for m in from_api), (from_api, from_form)
    else:
        assert from_form == from_api
    # Nothing typed is lost: the form comes back with it.
    for typed in case.typed(note):
        assert str(escape(typed)) in text, f"{typed[:40]!r} is not on the form shown again"


def field_tag(page: str, id: str) -> str:
    found = re.search(rf'<(?:input|textarea)[^>]*\bid="{re.escape(id)}"[^>]*>', page)
    assert found, f"no field {id}"
    return found.group(0)


@pytest.mark.parametrize(
    ("who", "url", "fields"),
    [
        (
            "manager",
            lambda n: f"/notes/{n.id('draft')}/edit",
            lambda n: {
                "strengths": "strengths",
                "development_focus": "development_focus",
                "private_notes": "private_notes",
                f"evidence-{n.competency}": "evidence",
                "follow_up_title": "follow_up_title",
            },
        ),
        ("rep", lambda n: f"/notes/{n.id('shared')}", lambda n: {"comment": "comment"}),
        ("manager", lambda n: f"/notes/{n.id('acknowledged')}", lambda n: {"text": "addendum"}),
        (
            "manager",
            lambda n: "/notes/offline",
            lambda n: {
                "o-strengths": "strengths",
                "o-focus": "development_focus",
                "o-private": "private_notes",
                f"o-evidence-{n.version_id}-{n.competency}": "evidence",
                "o-follow-up": "follow_up_title",
            },
        ),
    ],
    ids=["debrief", "acknowledgement", "addendum", "offline-note"],
)
def test_the_forms_carry_the_schemas_limits_and_cut_nothing(
    app: Flask,
    org: Org,
    note: Note,
    who: str,
    url: Callable[[Note], str],
    fields: Callable[[Note], dict[str, str]],
) -> None:
    """The limits each form shows (and the phone checks before keeping a note) are the
    schemas' own, with their message; no field has a maxlength, which would cut what is
    pasted or dictated without a word."""
    page = signed_in(app, org, who).get(url(note)).get_data(as_text=True)
    for id, limit in fields(note).items():
        tag = field_tag(page, id)
        assert f'data-max-length="{schemas.LIMITS[limit]}"' in tag, tag
        assert f'data-too-long="{html.escape(schemas.TOO_LONG[limit])}"' in tag, tag
        assert "maxlength" not in tag, tag


def test_text_at_the_limit_is_taken_whole_by_both(
    app: Flask, client: HttpsClient, db: Session, org: Org, note: Note
) -> None:
    """No cutting anywhere: the longest text each field takes is stored as it was typed."""
    call = api_caller(app, client, db, org)
    manager, rep = signed_in(app, org, "manager"), signed_in(app, org, "rep")
    longest = {"strengths": "s" * TEXT, f"evidence-{note.competency}": "e" * EVIDENCE}
    form = note.debrief(**{f"score-{note.competency}": "3"}, **longest)
    assert manager.post_form(f"/notes/{note.id('draft')}/edit", form).status_code == 302
    comment = "c" * COMMENT
    acked = rep.post_form(f"/notes/{note.id('shared')}/acknowledge", {"comment": comment})
    assert acked.status_code == 302
    db.expire_all()
    draft = org.notes["draft"]
    assert draft.strengths == "s" * TEXT
    assert [r.evidence for r in draft.ratings if r.competency_id == note.competency] == [
        "e" * EVIDENCE
    ]
    assert org.notes["shared"].ack_comment == comment

    text = "a" * TEXT
    url = f"/notes/{note.id('acknowledged')}/addendum"
    assert manager.post_form(url, {"text": text}).status_code == 302
    by_api = call(
        "manager", "POST", f"{SESSIONS}/{note.id('acknowledged')}/addendum", json={"text": text}
    )
    assert by_api.status_code == 200
    lines = by_api.get_json()["addendum"].split("\n")
    assert len(lines) == 2 and all(line.endswith(f"] {text}") for line in lines)
