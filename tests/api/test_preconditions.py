"""Every versioned PATCH follows RFC 9110 §13.1.1 (If-Match) and RFC 6585 (428).

A phone that edits offline replays its change with the ETag it last read; the server must
refuse it when that ETag is not the current one (412, with the current ETag), and ask for one
when the client sent none (428). A value that is not an entity-tag matches no version either:
we answer 412, not 400, as the RFC's evaluation ("the condition is false if none of the
listed tags match") reads, and the message says what to send instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.versioning import form_version, parse_if_match
from tests.access_matrix import add_items
from tests.api.helpers import Call, api_caller, assert_error_shape
from tests.builders import Org
from tests.coaching.test_pages import debrief
from tests.conftest import HttpsClient, signed_in


@dataclass(frozen=True)
class Versioned:
    """One versioned PATCH path: who may change it, a change, and what the change shows."""

    who: str
    url: Callable[[Org, dict[str, Any]], str]
    change: str  # the field a PATCH writes

    def body(self, text: str) -> dict[str, Any]:
        return {self.change: text}


def plan_item_url(kind: str, key: str) -> Callable[[Org, dict[str, Any]], str]:
    return lambda org, items: f"/api/v1/account-plans/{org.plans['rep'].id}/{kind}/{items[key].id}"


PATHS = {
    "coaching session": Versioned(
        "manager",
        lambda org, _: f"/api/v1/coaching-sessions/{org.notes['draft'].id}",
        "strengths",
    ),
    "coach-the-coach note": Versioned(
        "director",
        lambda org, _: f"/api/v1/coach-the-coach-notes/{org.coach_notes['draft'].id}",
        "action",
    ),
    "ride-along": Versioned(
        "rep", lambda _, items: f"/api/v1/ride-alongs/{items['ride'].id}", "help_request"
    ),
    "account plan": Versioned(
        "rep",
        lambda org, _: f"/api/v1/account-plans/{org.plans['rep'].id}",
        "strategic_priorities",
    ),
    "plan goal": Versioned("rep", plan_item_url("goals", "goal"), "title"),
    "plan action item": Versioned("rep", plan_item_url("action-items", "action"), "title"),
    "plan stakeholder": Versioned("rep", plan_item_url("stakeholders", "stakeholder"), "name"),
}


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    return api_caller(app, client, db, org)


@pytest.fixture
def items(db: Session, org: Org) -> dict[str, Any]:
    return add_items(db, org)


def current_etag(call: Call, path: Versioned, url: str) -> str:
    """The ETag of what is there now: a PATCH that names the version it read gives it back.
    (Plan items have no GET of their own; an empty PATCH is refused before any change, so
    the first change with the known version 1 starts every path from a known ETag.)"""
    first = call(path.who, "PATCH", url, json=path.body("Known start"), headers={"If-Match": '"1"'})
    assert first.status_code == 200, first.get_data(as_text=True)
    return str(first.headers["ETag"])


@pytest.mark.parametrize("name", PATHS)
def test_a_change_without_if_match_is_asked_for_one(
    name: str, call: Call, org: Org, items: dict[str, Any]
) -> None:
    path = PATHS[name]
    url = path.url(org, items)
    for headers in ({}, {"If-Match": "*"}, {"If-Match": "  "}):
        refused = call(path.who, "PATCH", url, json=path.body("Lost"), headers=headers)
        error = assert_error_shape(refused, 428)
        assert error["code"] == "precondition_required"
        assert "If-Match" in error["message"]


@pytest.mark.parametrize("name", PATHS)
def test_an_if_match_that_matches_no_current_version_is_refused_with_412(
    name: str, call: Call, org: Org, items: dict[str, Any]
) -> None:
    path = PATHS[name]
    url = path.url(org, items)
    etag = current_etag(call, path, url)  # "2"
    version = int(etag.strip('"'))
    for sent in (
        '"1"',  # an older version: someone changed it since
        f'"{version + 40}"',  # a version that never existed
        '"v-two"',  # an entity-tag we never gave out
        f'"1", "{version + 1}"',  # a list, none of it current
        f"{version}",  # not an entity-tag (no quotes): matches nothing
        f'"{version}',  # malformed: an unterminated tag
        "garbage, *",
    ):
        refused = call(path.who, "PATCH", url, json=path.body("Lost"), headers={"If-Match": sent})
        error = assert_error_shape(refused, 412)
        assert error["code"] == "precondition_failed", sent
        assert refused.headers["ETag"] == etag, sent  # what to read again
    unknown = call(path.who, "PATCH", url, json=path.body("Lost"), headers={"If-Match": "3"})
    message = assert_error_shape(unknown, 412)["message"]
    assert "names no version" in message and etag in message
    # Nothing was written by any of them.
    same = call(path.who, "PATCH", url, json=path.body("Kept"), headers={"If-Match": etag})
    assert same.status_code == 200, same.get_data(as_text=True)
    assert same.get_json()[path.change] == "Kept"


@pytest.mark.parametrize("name", PATHS)
def test_an_if_match_naming_the_current_version_goes_ahead(
    name: str, call: Call, org: Org, items: dict[str, Any]
) -> None:
    path = PATHS[name]
    url = path.url(org, items)
    etag = current_etag(call, path, url)
    version = int(etag.strip('"'))
    for text, sent in (
        ("Listed", f'"v-old", "{version}"'),  # any tag of the list may match
        ("Weak", f'W/"{version + 1}"'),  # a proxy that compresses weakens our ETag
    ):
        done = call(path.who, "PATCH", url, json=path.body(text), headers={"If-Match": sent})
        assert done.status_code == 200, (sent, done.get_data(as_text=True))
        assert done.get_json()[path.change] == text
        version += 1
        assert done.headers["ETag"] == f'"{version}"'


def test_if_match_and_the_forms_version_field_read_as_the_rfc_says() -> None:
    assert parse_if_match(None) is None and parse_if_match("") is None
    assert parse_if_match("*") is None  # names no version: 428, not a free pass
    assert parse_if_match('"3"').versions == {3}  # type: ignore[union-attr]
    assert parse_if_match('W/"3", "5",').versions == {3, 5}  # type: ignore[union-attr]
    for nothing in ("3", '"3', "'3'", '"3" "4"', '"abc"', '"99999999999"'):
        found = parse_if_match(nothing)
        assert found is not None and not found.versions, nothing
    # A form carries the bare number it was rendered with.
    assert form_version(None) is None and form_version("") is None
    assert form_version("7").versions == {7}  # type: ignore[union-attr]
    assert not form_version("seven").versions  # type: ignore[union-attr]


def test_a_form_whose_version_field_names_no_version_is_shown_again_not_saved(
    app: Flask, db: Session, org: Org, items: dict[str, Any]
) -> None:
    """The HTML forms carry the version they were rendered with; one that is not a version
    (a tampered or broken page) matches nothing: 412, the typed text kept, nothing written."""
    manager = signed_in(app, org, "manager")
    draft = org.notes["draft"]
    typed = "From a page with a broken version field"
    refused = manager.post_form(
        f"/notes/{draft.id}/edit", {**debrief(db, draft.id), "strengths": typed, "version": "v2"}
    )
    assert refused.status_code == 412 and typed in refused.get_data(as_text=True)

    director = signed_in(app, org, "director")
    note = org.coach_notes["draft"]
    parts = {"situation": "In the car park.", "action": typed, "result": "Asked first."}
    refused = director.post_form(f"/coach-the-coach/{note.id}", {**parts, "version": "x"})
    assert refused.status_code == 412 and typed in refused.get_data(as_text=True)

    rep = signed_in(app, org, "rep")
    ride = items["ride"]
    refused = rep.post_form(
        f"/ride-alongs/{ride.id}/preparation", {"help_request": typed, "version": "1.0"}
    )
    assert refused.status_code == 412 and typed in refused.get_data(as_text=True)

    db.expire_all()
    assert typed not in (db.get(type(draft), draft.id).strengths or "")  # type: ignore[union-attr]
    assert typed not in db.get(type(note), note.id).action  # type: ignore[union-attr]
    assert typed not in (db.get(type(ride), ride.id).help_request or "")  # type: ignore[union-attr]
