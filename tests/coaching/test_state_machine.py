"""The coaching-session life cycle as a state machine, driven through the JSON API.

Hypothesis plays a manager, the reps (the note's own and others), another manager and a
director, calling create, PATCH, share, acknowledge, addendum and self-assessment in any
order on a few fresh notes. After every step the API must agree with a model of the rules
(DESIGN.md "CoachingSession" and "Who may see what"):

- status only moves draft → shared → acknowledged, and a note is shared only when it counts
  as coaching (a competency rated 1-4 and a focus, coachapp.coaching.counts), which an edit
  cannot take away afterwards;
- an acknowledged note's content never changes again (an addendum may be appended);
- private notes reach nobody but their author;
- drafts are invisible (404) to everyone but their author;
- the rep rates themself once, blind: after rating, declining or acknowledging, never again;
- every answer is an expected, documented status, never a 500.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp.auth.service import issue_api_token
from coachapp.coaching.caps import MAX_FOCUS, MAX_STRENGTHS, MIN_FOCUS_TO_SHARE, points
from coachapp.db import Database
from coachapp.models import Notification
from tests.api.helpers import assert_error_shape
from tests.builders import Org
from tests.conftest import DEPTH, HttpsClient

SESSIONS = "/api/v1/coaching-sessions"
ACTORS = ("manager", "rep", "rep2", "other_rep", "manager2", "director")
DOCUMENTED = {200, 201, 403, 404, 409, 412, 422, 428}
ORDER = {"draft": 0, "shared": 1, "acknowledged": 2}
PRIVATE = "SM-PRIVATE"
CONTENT = (
    "client_uuid",
    "rep_id",
    "manager_id",
    "guide_version_id",
    "type",
    "occurred_on",
    "account_id",
    "plan_id",
    "ratings",
    "strengths",
    "development_focus",
    "private_notes",
    "follow_ups",
    "shared_at",
    "acknowledgement",
)
# The notes each example starts with: about rep (a draft), rep (shared), rep2 (acknowledged).
SUBJECTS = ("rep", "rep", "rep2")

words = st.text(
    # What people type: no control or format characters (refused, coachapp.plain_text).
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Cf", "Zl", "Zp"]),
    max_size=12,
)
scores = st.none() | st.integers(1, 4)
if_matches = st.sampled_from(["current", "stale", "missing", "garbage"]) | st.just("current")
# Anyone, with half the draws going to the two people a note is about: its author
# ("manager") and its rep ("subject"), so that notes really travel through their life.
actors = st.sampled_from(ACTORS) | st.sampled_from(["manager", "subject"])


@dataclass
class Note:
    """What the model knows about one coaching note."""

    id: int
    client_uuid: str
    subject: str
    status: str = "draft"
    version: int = 1
    content: dict[str, Any] = field(default_factory=dict)
    addenda: int = 0
    acknowledged_with_comment: bool = False
    # Strengths and focus as last saved: the caps decide whether a change or a share passes.
    strengths: str = "Clear agenda"
    focus: str = "Ask about the P&T timeline"
    # The rep has rated themself on it, declined to, or acknowledged it.
    self_rating_settled: bool = False
    # The manager's scores by competency (None: not observed): sharing needs one rated 1-4.
    scores: dict[int, int | None] = field(default_factory=dict)


@dataclass
class World:
    app: Flask
    client: HttpsClient
    connection: Connection
    org: Org
    tokens: dict[str, str]
    competencies: list[int]
    guide_version_id: int


class NoteMachine(RuleBasedStateMachine):
    world: ClassVar[World]
    # (rule, status) answers seen over the whole run, to show the run went somewhere.
    seen: ClassVar[set[tuple[str, int]]]

    def __init__(self) -> None:
        super().__init__()
        # Each example starts from the org as built: its writes are rolled back in teardown.
        self.savepoint = self.world.connection.begin_nested()
        self.notes: list[Note] = []
        self.counter = 0
        # Invariants re-check after writes (refused ones included), not after plain reads.
        self.writes = 0
        self.checked: dict[str, int] = {}

    def teardown(self) -> None:
        if self.savepoint.is_active:
            self.savepoint.rollback()

    # Calling the API ------------------------------------------------------------------------

    def call(
        self, actor: str, method: str, url: str, json: Any = None, if_match: str | None = None
    ) -> TestResponse:
        if method != "GET":
            self.writes += 1
        headers = {"Authorization": f"Bearer {self.world.tokens[actor]}"}
        if if_match is not None:
            headers["If-Match"] = if_match
        response = self.world.client.open(url, method=method, headers=headers, json=json)
        text = response.get_data(as_text=True)
        assert response.status_code in DOCUMENTED, (actor, method, url, response.status_code, text)
        if response.status_code >= 400:
            assert_error_shape(response)
            return response
        if actor != "manager":
            assert PRIVATE not in text, (actor, method, url, text)
        body = response.get_json()
        me = self.world.org.people[actor].id
        for item in body if isinstance(body, list) else [body]:
            if isinstance(item, dict) and "manager_id" in item:
                assert ("private_notes" in item) == (item["manager_id"] == me), (actor, item)
        return response

    def who(self, actor: str, note: Note) -> str:
        return note.subject if actor == "subject" else actor

    def sees(self, actor: str, note: Note) -> bool:
        if actor == "manager":
            return True
        if note.status == "draft":
            return False
        return actor in {note.subject, "director"}

    def expect(self, response: TestResponse, status: int, note: Note | None = None) -> None:
        rule_name = sys._getframe(1).f_code.co_name
        self.seen.add((rule_name, status))
        assert response.status_code == status, (
            status,
            response.status_code,
            note,
            response.get_data(as_text=True)[:500],
        )
        if note is not None and status == 200:
            body = response.get_json()
            assert response.headers["ETag"] == f'"{body["version"]}"'
            assert body["version"] >= note.version
            self.moved(note, body["status"])
            note.version = body["version"]

    def moved(self, note: Note, status: str) -> None:
        assert ORDER[status] >= ORDER[note.status], f"{note.status} → {status}"
        assert ORDER[status] - ORDER[note.status] <= 1, f"{note.status} → {status} skips a step"
        note.status = status

    def if_match(self, note: Note, choice: str) -> str | None:
        return {
            "current": f'"{note.version}"',
            "stale": f'"{note.version + 1}"',
            "missing": None,
            "garbage": '"v-two"',
        }[choice]

    def url(self, note: Note, suffix: str = "") -> str:
        return f"{SESSIONS}/{note.id}{suffix}"

    def private(self) -> str:
        self.counter += 1
        return f"{PRIVATE}-{self.counter}"

    # Starting point ---------------------------------------------------------------------------

    @initialize()
    def log_notes(self) -> None:
        org = self.world.org
        first, second = self.world.competencies
        for subject in SUBJECTS:
            client_uuid = str(uuid.uuid4())
            body = {
                "client_uuid": client_uuid,
                "rep_id": org.people[subject].id,
                "guide_version_id": self.world.guide_version_id,
                "type": "ride_along",
                "ratings": [
                    {"competency_id": first, "score": 2, "evidence": "Opened with the plan"},
                    {"competency_id": second, "score": None},
                ],
                "strengths": "Clear agenda",
                "development_focus": "Ask about the P&T timeline",
                "private_notes": self.private(),
                "follow_ups": [
                    {"title": "Send the dossier", "due_date": dt.date.today().isoformat()}
                ],
            }
            response = self.call("manager", "POST", SESSIONS, json=body)
            assert response.status_code == 201, response.get_data(as_text=True)
            created = response.get_json()
            self.notes.append(
                Note(
                    created["id"],
                    client_uuid,
                    subject,
                    version=created["version"],
                    scores={first: 2, second: None},
                )
            )
        self.share("manager", 1)
        self.share("manager", 2)
        self.acknowledge("subject", 2, "Thanks, agreed")
        assert [note.status for note in self.notes] == ["draft", "shared", "acknowledged"]

    # Rules ------------------------------------------------------------------------------------

    @rule(
        actor=actors,
        index=st.integers(0, len(SUBJECTS) - 1),
        strengths=st.none() | words,
        focus=st.none() | words,
        rated=st.lists(scores, min_size=0, max_size=2),
        new_private=st.booleans(),
        drop_follow_ups=st.booleans(),
        if_match=if_matches,
    )
    def patch(
        self,
        actor: str,
        index: int,
        strengths: str | None,
        focus: str | None,
        rated: list[int | None],
        new_private: bool,
        drop_follow_ups: bool,
        if_match: str,
    ) -> None:
        note = self.notes[index]
        actor = self.who(actor, note)
        body: dict[str, Any] = {}
        scores: dict[int, int | None] | None = None
        if strengths is not None:
            body["strengths"] = strengths
        if focus is not None:
            body["development_focus"] = focus
        if rated:
            competencies = self.world.competencies
            body["ratings"] = [
                {"competency_id": competencies[i], "score": score} for i, score in enumerate(rated)
            ]
            scores = {competencies[i]: score for i, score in enumerate(rated)}
        if new_private:
            body["private_notes"] = self.private()
        if drop_follow_ups:
            body["follow_ups"] = []
        response = self.call(
            actor, "PATCH", self.url(note), json=body, if_match=self.if_match(note, if_match)
        )
        if not self.sees(actor, note):
            expected = 404
        elif actor != "manager":
            expected = 403
        elif note.status == "acknowledged":
            expected = 409
        elif if_match == "missing":
            expected = 428
        elif if_match in {"stale", "garbage"}:  # RFC 9110 §13.1.1: matches no current version
            expected = 412
        elif self.over_the_caps(note, strengths, focus) or self.uncounted(note, scores):
            expected = 422
        else:
            expected = 200
        self.expect(response, expected, note)
        if expected == 200:
            data = response.get_json()
            for key in ("strengths", "development_focus", "private_notes"):
                if key in body:
                    assert data[key] == body[key], key
            note.strengths = data["strengths"]
            note.focus = data["development_focus"]
            if scores is not None:
                note.scores = scores
            if drop_follow_ups:
                assert data["follow_ups"] == []

    @rule(
        actor=actors,
        index=st.integers(0, len(SUBJECTS) - 1),
        score=st.sampled_from([0, 5, -1, 99]),
    )
    def patch_off_the_scale(self, actor: str, index: int, score: int) -> None:
        """A rating off the scale never gets past validation, whoever sends it."""
        note = self.notes[index]
        actor = self.who(actor, note)
        body = {"ratings": [{"competency_id": self.world.competencies[0], "score": score}]}
        response = self.call(actor, "PATCH", self.url(note), json=body, if_match='"1"')
        self.expect(response, 422)

    @rule(actor=actors, index=st.integers(0, len(SUBJECTS) - 1))
    def share(self, actor: str, index: int) -> None:
        note = self.notes[index]
        actor = self.who(actor, note)
        was = note.status
        response = self.call(actor, "POST", self.url(note, "/share"))
        if not self.sees(actor, note):
            self.expect(response, 404)
        elif actor != "manager":
            self.expect(response, 403)
        elif was == "draft" and not self.shareable(note):
            self.expect(response, 422)
        else:
            self.expect(response, 200, note)
            assert note.status == ("shared" if was == "draft" else was)
            if was == "draft":
                assert self.notification(f"note_shared:{note.id}") == self.rep_id(note)

    @rule(
        actor=actors,
        index=st.integers(0, len(SUBJECTS) - 1),
        comment=st.none() | words,
    )
    def acknowledge(self, actor: str, index: int, comment: str | None) -> None:
        note = self.notes[index]
        actor = self.who(actor, note)
        was = note.status
        body = {} if comment is None else {"comment": comment}
        response = self.call(actor, "POST", self.url(note, "/acknowledge"), json=body)
        if not self.sees(actor, note):
            self.expect(response, 404)
        elif actor != note.subject:
            self.expect(response, 403)
        else:
            self.expect(response, 200, note)
            assert note.status == "acknowledged"
            note.self_rating_settled = True
            if was == "shared":
                note.acknowledged_with_comment = bool((comment or "").strip())
                assert response.get_json()["acknowledgement"]["comment"] == (
                    (comment or "").strip() or None
                )
            recipient = self.notification(f"note_acknowledged:{note.id}")
            if note.acknowledged_with_comment:
                assert recipient == self.world.org.people["manager"].id
            else:
                assert recipient is None

    @rule(
        actor=actors,
        index=st.integers(0, len(SUBJECTS) - 1),
        text=st.sampled_from(["Also: good pacing.", "Follow up on the MSL intro."]),
    )
    def addendum(self, actor: str, index: int, text: str) -> None:
        note = self.notes[index]
        actor = self.who(actor, note)
        response = self.call(actor, "POST", self.url(note, "/addendum"), json={"text": text})
        if not self.sees(actor, note):
            self.expect(response, 404)
        elif actor != "manager":
            self.expect(response, 403)
        elif note.status != "acknowledged":
            self.expect(response, 409)
        else:
            self.expect(response, 200, note)
            note.addenda += 1
            addendum = response.get_json()["addendum"]
            assert addendum.count("\n") == note.addenda - 1 and addendum.endswith(text)

    @rule(
        actor=actors,
        index=st.integers(0, len(SUBJECTS) - 1),
        rated=st.lists(scores, min_size=0, max_size=2),
    )
    def self_assess(self, actor: str, index: int, rated: list[int | None]) -> None:
        note = self.notes[index]
        actor = self.who(actor, note)
        ratings = [
            {"competency_id": self.world.competencies[i], "score": s} for i, s in enumerate(rated)
        ]
        response = self.call(
            actor, "PUT", self.url(note, "/self-assessment"), json={"ratings": ratings}
        )
        if not self.sees(actor, note):
            self.expect(response, 404)
        elif actor != note.subject:
            self.expect(response, 403)
        elif note.self_rating_settled:
            self.expect(response, 409)
        else:
            self.expect(response, 200, note)
            assert response.get_json()["self_assessment"]["ratings"] == ratings
            note.self_rating_settled = True

    @rule(index=st.integers(0, len(SUBJECTS) - 1))
    def replay_create(self, index: int) -> None:
        """An offline phone sends the note again: the same note, unchanged."""
        note = self.notes[index]
        body = {
            "client_uuid": note.client_uuid,
            "rep_id": self.world.org.people[note.subject].id,
            "strengths": "Replayed from the queue",
        }
        response = self.call("manager", "POST", SESSIONS, json=body)
        self.expect(response, 200, note)
        assert response.get_json()["id"] == note.id
        assert response.get_json()["strengths"] != "Replayed from the queue"

    @rule(actor=actors, index=st.integers(0, len(SUBJECTS) - 1))
    def read(self, actor: str, index: int) -> None:
        note = self.notes[index]
        actor = self.who(actor, note)
        response = self.call(actor, "GET", self.url(note))
        self.expect(response, 200 if self.sees(actor, note) else 404, note)

    @precondition(lambda self: bool(self.notes))
    @rule(actor=st.sampled_from(ACTORS))
    def list_sessions(self, actor: str) -> None:
        response = self.call(actor, "GET", f"{SESSIONS}?limit=200")
        self.expect(response, 200)
        listed = {s["id"] for s in response.get_json()}
        for note in self.notes:
            assert (note.id in listed) == self.sees(actor, note), (actor, note)

    # Invariants ---------------------------------------------------------------------------------

    @invariant()
    def the_author_sees_what_the_model_expects(self) -> None:
        if not self.due("author"):
            return
        response = self.call("manager", "GET", f"{SESSIONS}?limit=200")
        listed = {body["id"]: body for body in response.get_json()}
        for note in self.notes:
            body = listed[note.id]
            # Refused calls change nothing: the version is the one the model last saw.
            assert body["version"] == note.version, (note, body["version"])
            assert body["status"] == note.status
            assert (body["acknowledgement"] is not None) == (note.status == "acknowledged")
            assert (body["shared_at"] is not None) == (note.status != "draft")
            assert body["private_notes"].startswith(PRIVATE)
            content = {key: body[key] for key in CONTENT}
            if note.status == "acknowledged":
                if note.content:
                    assert content == note.content, "an acknowledged note changed"
                note.content = content
            else:
                note.content = {}

    @invariant()
    def drafts_stay_with_their_author(self) -> None:
        if not any(note.status == "draft" for note in self.notes) or not self.due("drafts"):
            return
        for actor in ("rep", "director"):
            response = self.call(actor, "GET", f"{SESSIONS}?limit=200")
            statuses = {body["id"]: body["status"] for body in response.get_json()}
            assert "draft" not in statuses.values()
            for note in self.notes:
                assert (note.id in statuses) == self.sees(actor, note), (actor, note)

    # Helpers -------------------------------------------------------------------------------------

    def over_the_caps(self, note: Note, strengths: str | None, focus: str | None) -> bool:
        """At most 3 strengths and 2 focus areas; a shared note keeps a focus. Only a field
        that changes is checked."""
        changed_strengths = strengths is not None and strengths != note.strengths
        if changed_strengths and len(points(strengths or "")) > MAX_STRENGTHS:
            return True
        if focus is not None and focus != note.focus:
            count = len(points(focus))
            if count > MAX_FOCUS or (note.status == "shared" and count < MIN_FOCUS_TO_SHARE):
                return True
        return False

    def uncounted(self, note: Note, scores: dict[int, int | None] | None) -> bool:
        """A shared note keeps a competency rated 1-4 (what makes it count as coaching);
        only ratings that change are checked."""
        return (
            note.status == "shared"
            and scores is not None
            and scores != note.scores
            and all(score is None for score in scores.values())
        )

    def shareable(self, note: Note) -> bool:
        """What makes a note count as coaching (coachapp.coaching.counts): a type (every note
        here has one), a competency rated 1-4, one or two focus areas; within the caps."""
        focus = len(points(note.focus))
        return (
            MIN_FOCUS_TO_SHARE <= focus <= MAX_FOCUS
            and len(points(note.strengths)) <= MAX_STRENGTHS
            and any(score is not None for score in note.scores.values())
        )

    def due(self, check: str) -> bool:
        """Whether an invariant has writes to look at since it last ran."""
        if not self.notes or self.checked.get(check) == self.writes:
            return False
        self.checked[check] = self.writes
        return True

    def rep_id(self, note: Note) -> int:
        return self.world.org.people[note.subject].id

    def notification(self, dedupe_key: str) -> int | None:
        """The recipient of the notification with this key, if there is one."""
        database: Database = self.world.app.extensions["coachapp.db"]
        with database.sessionmaker() as db:
            return db.scalar(
                select(Notification.recipient_id).where(Notification.dedupe_key == dedupe_key)
            )


def test_no_sequence_of_calls_breaks_the_rules(
    app: Flask, client: HttpsClient, connection: Connection, db: Session, org: Org
) -> None:
    with app.app_context():
        tokens = {who: issue_api_token(db, org.people[who])[0] for who in ACTORS}
    draft = org.notes["draft"]
    world = World(
        app=app,
        client=client,
        connection=connection,
        org=org,
        tokens=tokens,
        competencies=[r.competency_id for r in draft.ratings],
        guide_version_id=draft.guide_version_id,
    )
    db.close()
    seen: set[tuple[str, int]] = set()
    machine = type("CoachingNoteMachine", (NoteMachine,), {"world": world, "seen": seen})
    run_state_machine_as_test(
        machine,
        settings=settings(
            # The rules are the same Python on both databases; PostgreSQL gets fewer runs of
            # them, enough to meet every transition, to keep the suite within its time.
            # COACHAPP_TEST_DEPTH multiplies both for a deeper search (e.g. 10 before a release).
            max_examples=(12 if connection.dialect.name == "sqlite" else 5) * DEPTH,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
            ],
        ),
    )
    # The run went somewhere: notes were shared and acknowledged, and refusals were tried.
    assert {("share", 200), ("acknowledge", 200)} <= seen
    assert {status for _, status in seen} >= {200, 403, 404}
