"""Blind self-rating across every route: nothing the rep can open (pages, fragments, the API,
exports, notifications, offline pages) shows the manager's ratings of a note before the rep
has rated themself on it or declined to; afterwards the note shows them, with the gap."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from coachapp.db import Database
from coachapp.models import NoteRating, Notification
from coachapp.nudges.outbox import payload_for
from tests.access_matrix import GET_ROWS, World, open_world, rows_by_key

MARKER = "MANAGER-RATING-EVIDENCE"


@pytest.fixture(scope="class")
def world(app: Flask) -> Iterator[World]:
    with open_world(app) as opened:
        yield opened


def mark_the_shared_note(world: World) -> None:
    """The manager's evidence on the shared note says MARKER; their scores 4 and 1."""
    database: Database = world.app.extensions["coachapp.db"]
    with database.sessionmaker() as db:
        note_id = world.org.notes["shared"].id
        ratings = db.scalars(
            select(NoteRating).where(NoteRating.session_id == note_id).order_by(NoteRating.id)
        ).all()
        for rating, score in zip(ratings, (4, 1), strict=True):
            rating.evidence = f"{MARKER} {rating.competency_id}"
            rating.score = score
        db.commit()


def competency_ids(world: World) -> list[int]:
    """The competencies the shared note rates (both of its guide's), in guide order."""
    database: Database = world.app.extensions["coachapp.db"]
    with database.sessionmaker() as db:
        return list(
            db.scalars(
                select(NoteRating.competency_id)
                .where(NoteRating.session_id == world.org.notes["shared"].id)
                .order_by(NoteRating.id)
            )
        )


def api_note(world: World, actor: str) -> dict[str, object]:
    (row,) = [r for r in rows_by_key()[("api_coaching.SessionResource", "GET")] if not r.variant]
    response = world.call(row, actor)
    assert response.status_code == 200
    body: dict[str, object] = response.get_json()
    return body


class TestBlindEverywhere:
    def test_no_route_shows_the_rep_the_managers_ratings_before_they_rate(
        self, world: World
    ) -> None:
        with world.savepoint():
            mark_the_shared_note(world)
            # Every page a rep is let through (a refusal shows nothing of the note).
            for item in GET_ROWS:
                for actor in (a for a in ("rep", "rep2", "other_rep") if item.lets_through(a)):
                    with world.savepoint():
                        text = world.call(item, actor).get_data().decode("utf-8", "replace")
                    assert MARKER not in text, f"{item.label} as {actor} shows the ratings"
            note = api_note(world, "rep")
            assert note["ratings"] == [] and note["ratings_hidden"] is True
            assert note["rating_gaps"] == []
            assert note["self_rating"] == {"state": "pending", "at": None}
            # What a push carries for the rep: never a rating.
            database: Database = world.app.extensions["coachapp.db"]
            with database.sessionmaker() as db:
                rep_id = world.org.people["rep"].id
                for notification in db.scalars(
                    select(Notification).where(Notification.recipient_id == rep_id)
                ):
                    assert MARKER not in payload_for(notification).decode()
            # Those who may read the ratings do.
            assert MARKER in api_note(world, "manager")["ratings"][0]["evidence"]  # type: ignore[index]
            assert len(api_note(world, "director")["ratings"]) == 2  # type: ignore[arg-type]

    def test_after_rating_themself_the_rep_sees_them_and_the_gap(self, world: World) -> None:
        with world.savepoint():
            mark_the_shared_note(world)
            first, second = competency_ids(world)
            (put,) = rows_by_key()[("api_coaching.self_assessment", "PUT")]
            body = {
                "ratings": [
                    {"competency_id": first, "score": 2},
                    {"competency_id": second, "score": 3},
                ]
            }
            response = world.call(put, "rep", data=body)  # type: ignore[arg-type]
            assert response.status_code == 200, response.get_data(as_text=True)
            note = api_note(world, "rep")
            assert note["ratings_hidden"] is False
            assert [r["score"] for r in note["ratings"]] == [4, 1]  # type: ignore[union-attr,index]
            assert note["rating_gaps"] == [
                {"competency_id": first, "self_score": 2, "manager_score": 4, "gap": -2,
                 "talking_point": True},
                {"competency_id": second, "self_score": 3, "manager_score": 1, "gap": 2,
                 "talking_point": True},
            ]  # fmt: skip
            page_row = next(r for r in rows_by_key()[("coaching.show", "GET")] if not r.variant)
            page = world.call(page_row, "rep").get_data(as_text=True)
            assert MARKER in page
            # The same gap for the manager and the director.
            for who in ("manager", "director"):
                assert api_note(world, who)["rating_gaps"] == note["rating_gaps"]

    def test_skipping_opens_them_without_a_gap(self, world: World) -> None:
        with world.savepoint():
            mark_the_shared_note(world)
            (skip,) = [
                r for r in rows_by_key()[("api_coaching.skip_self_rating", "POST")] if not r.variant
            ]
            assert world.call(skip, "rep").status_code == 200
            note = api_note(world, "rep")
            assert note["ratings_hidden"] is False and note["rating_gaps"] == []
            assert note["self_rating"]["state"] == "skipped"  # type: ignore[index]
            assert MARKER in str(note["ratings"])
            # Declined: a self-rating is no longer taken.
            (put,) = rows_by_key()[("api_coaching.self_assessment", "PUT")]
            assert world.call(put, "rep", data={"ratings": []}).status_code == 409  # type: ignore[arg-type]

    def test_the_list_keeps_them_back_too(self, world: World) -> None:
        with world.savepoint():
            mark_the_shared_note(world)
            (row,) = rows_by_key()[("api_coaching.Sessions", "GET")]
            notes = {n["id"]: n for n in world.call(row, "rep").get_json()}
            shared = notes[world.org.notes["shared"].id]
            assert shared["ratings"] == [] and shared["ratings_hidden"] is True
            # Acknowledged before blind rating existed: open, as acknowledging declines.
            acknowledged = notes[world.org.notes["acknowledged"].id]
            assert acknowledged["ratings_hidden"] is False and len(acknowledged["ratings"]) == 2
