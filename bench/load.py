"""Load test: `python -m bench.load [--minutes 3] [--users 50] [--scale 50] [--markdown FILE]`.

Simulated people of every role use the production stack (bench.stack: gunicorn and the
worker on PostgreSQL, a local push service receiving real encrypted pushes) for a few
minutes, each in a thread with a browser session and an API token, a small think time
between actions:

- managers open Today, Team, a rep's page and their notes; log coaching notes through the
  API (client_uuid, autosaved with If-Match, shared) and through the pages ("Log coaching",
  htmx autosaves, "Share with rep"); mark their follow-ups done;
- reps open their notes and acknowledge them (page or API, with a comment), mark
  follow-ups done, edit their account plans (API with If-Match, page autosave, new goals)
  and read their notifications;
- directors open the teams dashboard, a team, plans and the cadence API and CSV;
- admins open the people, worker, guides and cadence-target pages.

Every person subscribes one or two devices to the local push service through the API, so
the worker pushes for real. Afterwards, once the worker has drained the outbox, it checks
and prints: no 5xx; every write a client saw acknowledged (2xx with the returned id,
client_uuid or version) is in the database with that content; each notification's
dedupe_key is unique, every shared note and every acknowledgement with a comment made
exactly one notification, and the push service accepted each (notification, device) at
most once, matching the deliveries the database recorded. Then latencies per route. Exit
status 1 when a check fails.

The drills (bench.drills) run the same simulated people while they break something.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import subprocess  # nosec B404 - git, to say which code ran
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.stack import (
    ROOT,
    ApiClient,
    Stack,
    WebClient,
    export_commit,
    resent,
)

ROLES = ("manager", "rep", "director", "admin")
ADMIN_EMAIL = "admin@example.com"
RETRYABLE = {502, 503, 504}
STATUS_ORDER = {"draft": 0, "shared": 1, "acknowledged": 2}
VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')
SCORE_INPUT = re.compile(r'name="score-(\d+)"')
OCCURRED_INPUT = re.compile(r'name="occurred_on"[^>]*value="([0-9-]+)"')
PLAN_SELECTED = re.compile(r'<option value="(\d+)"[^>]*selected')
NOTE_URL = re.compile(r"/notes/(\d+)")
ID_SEGMENT = re.compile(r"/\d+")


def route_of(method: str, url: str) -> str:
    path = url.split("://", 1)[-1]
    path = path[path.find("/") :].split("?", 1)[0]
    return method + " " + ID_SEGMENT.sub("/{id}", path)


# What happened ------------------------------------------------------------------------


@dataclass
class Sample:
    role: str
    route: str
    status: int
    ms: float
    at: float


@dataclass
class ServerError:
    """A 5xx as the client saw it: does it say when to come back, in the right shape?"""

    at: float
    route: str
    status: int
    retry_after: str | None
    shape: str  # "json" (the API error shape), "html" (an error page) or what it was


def error_shape(response: requests.Response) -> str:
    kind = response.headers.get("Content-Type", "")
    if kind.startswith("application/json"):
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            return "json without the error shape"
        return "json" if {"code", "message"} <= set(error) else "json without code/message"
    if kind.startswith("text/html") and "<main" in response.text:
        return "html"
    return kind or "no content type"


class Recorder:
    """Every response and every failed request, from every thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.failures: list[tuple[float, str, str, str]] = []  # at, role, route, error
        self.server_errors: list[ServerError] = []
        self.resent = 0  # requests sent again after a reset keep-alive connection
        self.active = False  # signing in and subscribing are set-up, not counted

    def observer(self, role: str) -> Callable[[requests.Response], None]:
        def observe(response: requests.Response) -> None:
            if not self.active:
                return
            request = response.request
            sample = Sample(
                role,
                route_of(request.method or "GET", request.url or ""),
                response.status_code,
                response.elapsed.total_seconds() * 1000,
                time.time(),
            )
            error = None
            if response.status_code >= 500:
                retry_after = response.headers.get("Retry-After")
                shape = error_shape(response)
                error = ServerError(sample.at, sample.route, sample.status, retry_after, shape)
            again = resent(response)
            with self.lock:
                self.samples.append(sample)
                self.resent += again
                if error is not None:
                    self.server_errors.append(error)

        return observe

    def failed(self, role: str, route: str, error: BaseException) -> None:
        if not self.active:
            return
        with self.lock:
            self.failures.append((time.time(), role, route, f"{type(error).__name__}: {error}"))


@dataclass
class Written:
    """What the clients know about one object: the last content a 2xx acknowledged (and
    its version when the answer gave it), and what was sent after it without an answer."""

    acked: dict[str, Any] | None = None
    version: int = 0
    unanswered: list[dict[str, Any]] = field(default_factory=list)

    def ack(self, content: dict[str, Any], version: int | None = None) -> None:
        self.acked = {**(self.acked or {}), **content}
        self.version = max(self.version, version or 0)
        self.unanswered.clear()


class Ledger:
    """Acknowledged writes, by what they wrote; checked against the database afterwards."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.notes: dict[int, Written] = defaultdict(Written)  # session id
        self.note_status: dict[int, str] = {}  # the furthest status acknowledged
        self.note_uuid: dict[int, str] = {}
        self.acknowledged: dict[int, str] = {}  # session id -> comment
        self.shared: set[int] = set()
        self.follow_ups_done: set[int] = set()
        self.plans: dict[int, Written] = defaultdict(Written)
        self.goals: dict[int, dict[str, Any]] = {}
        self.read: set[int] = set()
        self.devices: dict[str, int] = {}  # endpoint -> user id
        self.refused: Counter[str] = Counter()  # "status route" of writes refused (4xx)
        self.retried = 0
        self.count = 0

    def saved(self, kind: str, key: int, content: dict[str, Any], version: int | None) -> None:
        """A note's or a plan's content acknowledged (with its new version when known)."""
        with self.lock:
            self._contents(kind)[key].ack(content, version)
            self.count += 1

    def unanswered(self, kind: str, key: int, content: dict[str, Any]) -> None:
        """Content sent to a note or a plan whose answer never came: it may be there."""
        with self.lock:
            self._contents(kind)[key].unanswered.append(content)

    def _contents(self, kind: str) -> dict[int, Written]:
        return self.notes if kind == "note" else self.plans

    def status(self, session_id: int, status: str, *, counted: bool = True) -> None:
        """The furthest status a client saw acknowledged; `counted`: a write of its own."""
        with self.lock:
            now = self.note_status.get(session_id, "draft")
            if STATUS_ORDER[status] >= STATUS_ORDER[now]:
                self.note_status[session_id] = status
            if status == "shared":
                self.shared.add(session_id)
            self.count += counted

    def add(self, what: str, key: Any, value: Any = None) -> None:
        with self.lock:
            if what == "acknowledged":
                self.acknowledged[key] = value
                now = self.note_status.get(key, "draft")
                if STATUS_ORDER["acknowledged"] >= STATUS_ORDER[now]:
                    self.note_status[key] = "acknowledged"
            elif what == "follow_up_done":
                self.follow_ups_done.add(key)
            elif what == "goal":
                self.goals[key] = value
            elif what == "read":
                self.read.add(key)
            elif what == "device":
                self.devices[key] = value
            elif what == "uuid":
                self.note_uuid[key] = value
                return  # part of the note's creation, counted there
            self.count += 1

    def refuse(self, response: requests.Response) -> None:
        with self.lock:
            request = response.request
            route = route_of(request.method or "", request.url or "")
            self.refused[f"{response.status_code} {route}"] += 1


# Simulated people ---------------------------------------------------------------------


class Unanswered(Exception):
    """A write got no usable answer (no connection, 5xx) even after its retries."""


@dataclass
class Settings:
    think: float = 2.0  # mean seconds between actions
    retry_for: float = 0.0  # seconds to keep retrying idempotent writes on 5xx/no answer


class Person:
    """One simulated person: a browser session and an API token, acting until `stop`."""

    role = ""
    actions: tuple[tuple[str, int], ...] = ()

    def __init__(
        self,
        stack: Stack,
        email: str,
        recorder: Recorder,
        ledger: Ledger,
        settings: Settings,
        rng: random.Random,
    ) -> None:
        self.stack = stack
        self.email = email
        self.recorder = recorder
        self.ledger = ledger
        self.settings = settings
        self.rng = rng
        observe = recorder.observer(self.role)
        self.web = WebClient(stack.base_url, observe).sign_in(email)
        self.api = ApiClient(stack.base_url, observe).sign_in(email)
        self.me = self.api.get("/api/v1/me").json()
        self.actions_done: Counter[str] = Counter()
        self.writes_sent = 0
        self._stop = threading.Event()

    # Plumbing -------------------------------------------------------------------------

    def think(self, scale: float = 1.0) -> None:
        mean = self.settings.think * scale
        self._stop.wait(self.rng.uniform(mean * 0.5, mean * 1.5))

    def read(self, client: WebClient | ApiClient, path: str) -> requests.Response | None:
        try:
            return client.get(path)
        except requests.RequestException as exc:
            self.recorder.failed(self.role, route_of("GET", path), exc)
            return None

    def write(
        self, send: Callable[[], requests.Response], route: str, *, retry: bool = True
    ) -> requests.Response:
        """Sends a write; retries idempotent ones (client_uuid, If-Match, state changes
        that are harmless twice) on 502/503/504 or no answer while `retry_for` allows,
        honouring Retry-After. Raises Unanswered when no answer came."""
        deadline = time.monotonic() + (self.settings.retry_for if retry else 0.0)
        attempt = 0
        while True:
            attempt += 1
            self.writes_sent += 1
            try:
                response = send()
            except requests.RequestException as exc:
                self.recorder.failed(self.role, route, exc)
                response = None
            if response is not None and response.status_code not in RETRYABLE:
                if attempt > 1:
                    with self.ledger.lock:
                        self.ledger.retried += 1
                if response.status_code >= 400:
                    self.ledger.refuse(response)
                return response
            if time.monotonic() >= deadline:
                raise Unanswered(route)
            wait = 1.0
            if response is not None and response.headers.get("Retry-After", "").isdigit():
                wait = float(response.headers["Retry-After"])
            time.sleep(min(max(wait, 0.2), 5.0))

    def subscribe_devices(self, count: int) -> None:
        for n in range(count):
            # Per person, not per user: the admins are sessions of one demo admin.
            endpoint_id = f"u{self.me['id']}-{self.rng.getrandbits(32):08x}-d{n}"
            assert self.stack.push is not None
            subscription = self.stack.push.subscription(endpoint_id)
            response = self.api.post("/api/v1/push-subscriptions", json=subscription)
            if response.status_code in (200, 201):
                self.ledger.add("device", subscription["endpoint"], self.me["id"])

    def run(self, stop: threading.Event) -> None:
        self._stop = stop
        names = [name for name, _ in self.actions]
        weights = [weight for _, weight in self.actions]
        self.think(0.5)
        while not stop.is_set():
            name = self.rng.choices(names, weights)[0]
            try:
                getattr(self, name)()
                self.actions_done[name] += 1
            except Unanswered:
                self.actions_done[f"{name} (unanswered)"] += 1
            except requests.RequestException as exc:
                self.recorder.failed(self.role, name, exc)
            except Exception as exc:  # a bug in the simulation must not end the run silently
                self.recorder.failed(self.role, name, exc)
                self.actions_done[f"{name} (error)"] += 1
            self.think()

    def browse(self, paths: list[str]) -> None:
        self.read(self.web, self.rng.choice(paths))

    def open_follow_up(self) -> int | None:
        """One of the person's own open follow-ups, or None."""
        response = self.read(self.api, "/api/v1/follow-ups?status=open")
        if response is None or response.status_code != 200:
            return None
        mine = [f["id"] for f in response.json() if f["owner_id"] == self.me["id"]]
        return int(self.rng.choice(mine)) if mine else None

    def follow_up_done_by_api(self, follow_up_id: int) -> None:
        path = f"/api/v1/follow-ups/{follow_up_id}"
        done = self.write(
            lambda: self.api.patch(path, json={"status": "done"}), "PATCH /api/v1/follow-ups/{id}"
        )
        if done.status_code == 200:
            self.ledger.add("follow_up_done", follow_up_id)


class Manager(Person):
    role = "manager"
    actions = (
        ("open_pages", 40),
        ("log_note_by_api", 14),
        ("log_note_on_page", 10),
        ("finish_draft", 8),
        ("follow_up_done", 6),
        ("api_reads", 10),
    )

    def __init__(self, *args: Any, favourite_reps: Iterable[int] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        reps = self.api.get("/api/v1/reps").json()
        self.reps = [rep["id"] for rep in reps if rep.get("manager_id") == self.me["id"]]
        favourite = [rep for rep in favourite_reps if rep in self.reps]
        self.favourites = favourite or self.reps
        self.drafts: list[dict[str, Any]] = []  # {"id", "etag"} of the API drafts left open
        self.competencies: dict[int, list[int]] = {}  # guide version -> competency ids

    def pick_rep(self) -> int:
        pool = self.favourites if self.rng.random() < 0.75 else self.reps
        return int(self.rng.choice(pool))

    def open_pages(self) -> None:
        rep = self.pick_rep()
        self.browse(["/today", "/team", f"/people/{rep}", "/notes", "/inbox", "/follow-ups"])

    def api_reads(self) -> None:
        self.browse_api(["/api/v1/reps", "/api/v1/cadence", "/api/v1/notifications"])

    def browse_api(self, paths: list[str]) -> None:
        self.read(self.api, self.rng.choice(paths))

    def guide_competencies(self, version_id: int) -> list[int]:
        if version_id not in self.competencies:
            response = self.api.get(f"/api/v1/guides/{version_id}")
            ids = [c["id"] for s in response.json()["sections"] for c in s["competencies"]]
            self.competencies[version_id] = ids
        return self.competencies[version_id]

    def text(self, what: str) -> str:
        return f"{what} {uuid.uuid4().hex[:10]} at {dt.datetime.now(dt.UTC):%H:%M:%S}"

    def log_note_by_api(self) -> None:
        """Create (client_uuid) → autosave with ratings (If-Match) → share, mostly at once."""
        rep = self.pick_rep()
        client_uuid = str(uuid.uuid4())
        content = {
            "strengths": self.text("Clear pre-call plan"),
            "development_focus": self.text("Ask deeper business questions"),
        }
        due = (dt.date.today() + dt.timedelta(days=7)).isoformat()
        follow_up = {"title": self.text("Send the summary"), "due_date": due}
        body = {"client_uuid": client_uuid, "rep_id": rep, "type": "ride_along", **content}
        body["follow_ups"] = [follow_up]
        route = "POST /api/v1/coaching-sessions"
        response = self.write(lambda: self.api.post("/api/v1/coaching-sessions", json=body), route)
        if response.status_code not in (200, 201):
            return
        note = response.json()
        self.ledger.add("uuid", note["id"], client_uuid)
        self.ledger.saved("note", note["id"], content, note["version"])
        self.ledger.status(note["id"], "draft", counted=False)  # the create, counted above
        draft = {
            "id": note["id"],
            "etag": response.headers["ETag"],
            "guide": note["guide_version_id"],
        }
        self.think(0.3)
        draft = self.autosave_by_api(draft) or draft
        if self.rng.random() < 0.6:
            self.think(0.3)
            self.share_by_api(draft)
        else:
            self.drafts.append(draft)

    def autosave_by_api(self, draft: dict[str, Any]) -> dict[str, Any] | None:
        competencies = self.guide_competencies(draft["guide"])
        chosen = self.rng.sample(competencies, min(3, len(competencies)))
        content = {
            "strengths": self.text("Linked the call to the account plan"),
            "development_focus": self.text("Use the profiling guide"),
        }
        body = {
            **content,
            "ratings": [
                {
                    "competency_id": c,
                    # One rated at least, or the note cannot be shared (coaching.counts).
                    "score": self.rng.choice([1, 2, 3, 4] if index == 0 else [1, 2, 3, 4, None]),
                    "evidence": self.text("Seen on the call"),
                }
                for index, c in enumerate(chosen)
            ],
        }
        path = f"/api/v1/coaching-sessions/{draft['id']}"
        route = "PATCH /api/v1/coaching-sessions/{id}"
        etag = draft["etag"]
        try:
            response = self.write(
                lambda: self.api.patch(path, json=body, headers={"If-Match": etag}), route
            )
        except Unanswered:
            self.ledger.unanswered("note", draft["id"], content)
            raise
        if response.status_code == 412:
            # Our own earlier attempt may have landed before its answer was lost.
            current = self.api.get(path)
            if current.status_code == 200 and all(
                current.json()[k] == v for k, v in content.items()
            ):
                response = current
        if response.status_code != 200:
            return None
        note = response.json()
        self.ledger.saved("note", draft["id"], content, note["version"])
        return {**draft, "etag": response.headers["ETag"]}

    def share_by_api(self, draft: dict[str, Any]) -> None:
        path = f"/api/v1/coaching-sessions/{draft['id']}/share"
        response = self.write(
            lambda: self.api.post(path), "POST /api/v1/coaching-sessions/{id}/share"
        )
        if response.status_code == 200:
            self.ledger.status(draft["id"], "shared")

    def finish_draft(self) -> None:
        if not self.drafts:
            self.log_note_by_api()
            return
        draft = self.drafts.pop(0)
        draft = self.autosave_by_api(draft) or draft
        self.think(0.3)
        self.share_by_api(draft)

    def log_note_on_page(self) -> None:
        """ "Log coaching" on the rep's page → two htmx autosaves → "Share with rep"."""
        rep = self.pick_rep()
        self.read(self.web, f"/people/{rep}")
        client_uuid = str(uuid.uuid4())
        response = self.write(
            # "Start another note": a draft of its own even when the rep has one open.
            lambda: self.web.post(
                f"/people/{rep}/coaching", {"client_uuid": client_uuid, "another": "1"}
            ),
            "POST /people/{id}/coaching",
        )
        found = NOTE_URL.search(response.url)
        if response.status_code != 200 or not found:
            return
        note_id = int(found.group(1))
        self.ledger.add("uuid", note_id, client_uuid)
        self.ledger.status(note_id, "draft")
        page = response.text
        version = VERSION_INPUT.search(page)
        occurred = OCCURRED_INPUT.search(page)
        plan = PLAN_SELECTED.search(page)
        form: dict[str, Any] = {
            "type": "ride_along",
            "occurred_on": occurred.group(1) if occurred else dt.date.today().isoformat(),
            "plan_id": plan.group(1) if plan else "",
            "private_notes": self.text("Private: check in on workload"),
            "version": version.group(1) if version else "",
        }
        for competency in self.rng.sample(SCORE_INPUT.findall(page), 2):
            form[f"score-{competency}"] = str(self.rng.randint(1, 4))
            form[f"evidence-{competency}"] = self.text("Asked open questions")
        path = f"/notes/{note_id}/edit"
        for _ in range(2):
            self.think(0.5)
            content = {
                "strengths": self.text("Strong open questions"),
                "development_focus": self.text("Confirm next steps in writing"),
            }
            form.update(content)
            try:
                saved = self.write(
                    lambda: self.web.post(path, form, htmx=True),
                    "POST /notes/{id}/edit",
                    retry=False,
                )
            except Unanswered:
                self.ledger.unanswered("note", note_id, content)
                raise
            version = VERSION_INPUT.search(saved.text)
            if saved.status_code != 200 or not version:
                return
            form["version"] = version.group(1)
            self.ledger.saved("note", note_id, content, int(version.group(1)))
        self.think(0.3)
        shared = self.write(
            lambda: self.web.post(f"/notes/{note_id}/share", form, htmx=True),
            "POST /notes/{id}/share",
            retry=False,
        )
        if shared.status_code == 204 and shared.headers.get("HX-Redirect"):
            self.ledger.status(note_id, "shared")
            self.read(self.web, shared.headers["HX-Redirect"])

    def follow_up_done(self) -> None:
        chosen = self.open_follow_up()
        if chosen is not None:
            self.follow_up_done_by_api(chosen)


class Rep(Person):
    role = "rep"
    actions = (
        ("open_pages", 40),
        ("acknowledge", 16),
        ("follow_up_done", 10),
        ("edit_plan_by_api", 8),
        ("edit_plan_on_page", 7),
        ("add_goal", 4),
        ("read_notifications", 10),
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        plans = self.api.get(f"/api/v1/reps/{self.me['id']}/account-plans").json()
        items = plans["items"] if isinstance(plans, dict) else plans
        self.plans = [p["id"] for p in items if p["owner_id"] == self.me["id"]]

    def open_pages(self) -> None:
        pages = ["/my", "/notes", "/follow-ups", "/plans", "/inbox"]
        pages += [f"/plans/{plan}" for plan in self.plans]
        self.browse(pages)

    def acknowledge(self) -> None:
        response = self.read(self.api, "/api/v1/coaching-sessions?status=shared")
        if response is None or response.status_code != 200 or not response.json():
            return
        note = self.rng.choice(response.json())["id"]
        self.read(self.web, f"/notes/{note}")
        comment = f"Thanks - will do ({uuid.uuid4().hex[:8]})" if self.rng.random() < 0.7 else ""
        self.think(0.5)
        if self.rng.random() < 0.5:
            answer = self.write(
                lambda: self.api.post(
                    f"/api/v1/coaching-sessions/{note}/acknowledge", json={"comment": comment}
                ),
                "POST /api/v1/coaching-sessions/{id}/acknowledge",
            )
            if answer.status_code == 200 and answer.json()["status"] == "acknowledged":
                self.ledger.add("acknowledged", note, answer.json()["acknowledgement"]["comment"])
        else:
            answer = self.write(
                lambda: self.web.post(f"/notes/{note}/acknowledge", {"comment": comment}),
                "POST /notes/{id}/acknowledge",
            )
            if answer.status_code == 200 and answer.url.endswith(f"/notes/{note}"):
                self.ledger.add("acknowledged", note, comment.strip() or None)

    def follow_up_done(self) -> None:
        chosen = self.open_follow_up()
        if chosen is None:
            return
        self.read(self.web, "/follow-ups")
        if self.rng.random() < 0.5:
            self.follow_up_done_by_api(chosen)
            return
        done = self.write(
            lambda: self.web.post(
                f"/follow-ups/{chosen}", {"action": "done", "next_url": "/follow-ups"}
            ),
            "POST /follow-ups/{id}",
        )
        if done.status_code == 200 and done.url.endswith("/follow-ups"):
            self.ledger.add("follow_up_done", chosen)

    def edit_plan_by_api(self) -> None:
        if not self.plans:
            return
        plan = self.rng.choice(self.plans)
        path = f"/api/v1/account-plans/{plan}"
        current = self.read(self.api, path)
        if current is None or current.status_code != 200:
            return
        content = {"strategic_priorities": f"Win the formulary review ({uuid.uuid4().hex[:10]})"}
        etag = current.headers["ETag"]
        self.think(0.5)
        try:
            response = self.write(
                lambda: self.api.patch(path, json=content, headers={"If-Match": etag}),
                "PATCH /api/v1/account-plans/{id}",
            )
        except Unanswered:
            self.ledger.unanswered("plan", plan, content)
            raise
        if response.status_code == 412:
            again = self.api.get(path)
            if (
                again.status_code == 200
                and again.json()["strategic_priorities"] == content["strategic_priorities"]
            ):
                response = again
        if response.status_code == 200:
            self.ledger.saved("plan", plan, content, response.json()["version"])

    def edit_plan_on_page(self) -> None:
        if not self.plans:
            return
        plan = self.rng.choice(self.plans)
        page = self.read(self.web, f"/plans/{plan}")
        current = self.read(self.api, f"/api/v1/account-plans/{plan}")
        if page is None or current is None or current.status_code != 200:
            return
        base = current.json()["strategic_priorities"]
        content = {"strategic_priorities": f"Grow the IDN's pathway use ({uuid.uuid4().hex[:10]})"}
        form = {**content, "base_strategic_priorities": base}
        self.think(0.5)
        try:
            saved = self.write(
                lambda: self.web.post(f"/plans/{plan}/fields", form, htmx=True),
                "POST /plans/{id}/fields",
                retry=False,
            )
        except Unanswered:
            self.ledger.unanswered("plan", plan, content)
            raise
        if saved.status_code == 200:
            self.ledger.saved("plan", plan, content, None)

    def add_goal(self) -> None:
        if not self.plans:
            return
        plan = self.rng.choice(self.plans)
        title = f"Pathway adoption {uuid.uuid4().hex[:10]}"
        body = {
            "title": title,
            "measure": "Sites live",
            "status": "on_track",
            "target_date": (dt.date.today() + dt.timedelta(days=90)).isoformat(),
        }
        # No idempotency key for plan items: a retry could add it twice, so none.
        response = self.write(
            lambda: self.api.post(f"/api/v1/account-plans/{plan}/goals", json=body),
            "POST /api/v1/account-plans/{id}/goals",
            retry=False,
        )
        if response.status_code == 201:
            self.ledger.add("goal", response.json()["id"], {"plan_id": plan, "title": title})

    def read_notifications(self) -> None:
        response = self.read(self.api, "/api/v1/notifications?unread=true")
        if response is None or response.status_code != 200:
            return
        items = response.json()["items"]
        if not items:
            return
        chosen = self.rng.choice(items)["id"]
        self.read(self.web, "/inbox")
        answer = self.write(
            lambda: self.api.post(f"/api/v1/notifications/{chosen}/read"),
            "POST /api/v1/notifications/{id}/read",
        )
        if answer.status_code in (200, 204):
            self.ledger.add("read", chosen)


class Director(Person):
    role = "director"
    actions = (("open_pages", 50), ("api_reads", 30), ("export", 5))

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        teams = self.api.get("/api/v1/cadence/teams").json()
        items = teams["items"] if isinstance(teams, dict) else teams
        self.managers = [t["manager_id"] for t in items if t.get("manager_id")] or [0]

    def open_pages(self) -> None:
        team = self.rng.choice(self.managers)
        self.browse(["/org", f"/org/teams/{team}", "/plans", "/plans/qbr"])

    def api_reads(self) -> None:
        path = self.rng.choice(["/api/v1/cadence", "/api/v1/cadence/teams", "/api/v1/reps"])
        self.read(self.api, path)

    def export(self) -> None:
        self.browse(["/org/cadence.csv", "/plans.csv"])


class Admin(Person):
    role = "admin"
    actions = (("open_pages", 1),)

    def open_pages(self) -> None:
        pages = [
            "/admin/users",
            "/admin/worker",
            "/admin/guides",
            "/admin/cadence-targets",
            "/admin/import",
            "/admin/profiling",
            f"/admin/users/{self.me['id']}",
        ]
        self.browse(pages)


# A run ----------------------------------------------------------------------------------


# A national field force: director@example.com over 50 regions, 2,521 reps. The people
# simulated are the demo's own (region 1) and the first directors, director@example.com
# reading the national dashboard among them.
DEFAULT_SCALE = 50


@dataclass
class Mix:
    managers: int
    reps: int
    directors: int
    admins: int

    @classmethod
    def for_users(cls, users: int) -> Mix:
        """About a quarter managers, three fifths reps, the rest directors and admins."""
        directors = max(1, round(users * 0.08))
        admins = max(1, round(users * 0.08))
        managers = max(1, round(users * 0.24))
        return cls(managers, max(1, users - directors - admins - managers), directors, admins)

    @property
    def scale(self) -> int:
        """Demo regions needed (seed-demo --scale): region 1 has 6 managers, 29 reps and 2
        directors (coachapp/demo/data/people.toml), each further region 5 managers, 51 reps
        and a director (coachapp/demo/regions.py). Written out rather than imported: the run
        may be of another commit's code (--commit)."""
        return 1 + max(
            0,
            -(-(self.managers - 6) // 5),
            -(-(self.reps - 29) // 51),
            self.directors - 2,
        )

    def total(self) -> int:
        return self.managers + self.reps + self.directors + self.admins


@dataclass
class LoadRun:
    stack: Stack
    recorder: Recorder
    ledger: Ledger
    people: list[Person]
    started: float = 0.0
    ended: float = 0.0
    first_notification: int = 0
    log_offset: int = 0  # where the run's requests begin in gunicorn's log
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def choose_people(stack: Stack, mix: Mix) -> dict[str, list[str]]:
    managers = stack.users("manager")[: mix.managers]
    rows = stack.query(
        "SELECT r.email, m.email AS manager FROM users r JOIN users m ON m.id = r.manager_id "
        "WHERE r.role = 'rep' AND r.active ORDER BY r.id"
    )
    by_manager: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row.manager in managers:
            by_manager[row.manager].append(row.email)
    reps: list[str] = []  # round robin over the managers, so every team has someone
    for n in range(max((len(v) for v in by_manager.values()), default=0)):
        reps += [team[n] for team in by_manager.values() if n < len(team)]
    return {
        "manager": managers,
        "rep": reps[: mix.reps],
        "director": stack.users("director")[: mix.directors],
        # The demo has one admin: each simulated admin is another session (and phone) of it.
        "admin": [ADMIN_EMAIL] * mix.admins,
    }


def start_people(
    stack: Stack, mix: Mix, settings: Settings, seed: int = 1
) -> tuple[Recorder, Ledger, list[Person]]:
    """Signs everyone in and subscribes their devices (one, or two for every third)."""
    recorder, ledger = Recorder(), Ledger()
    chosen = choose_people(stack, mix)
    people: list[Person] = []
    rep_ids = {row.email: row.id for row in stack.query("SELECT id, email FROM users")}
    favourites = [rep_ids[email] for email in chosen["rep"]]
    kinds: dict[str, type[Person]] = {
        "manager": Manager,
        "rep": Rep,
        "director": Director,
        "admin": Admin,
    }
    for role in ROLES:
        for k, email in enumerate(chosen[role]):
            rng = random.Random(f"{seed}:{email}:{k}")
            extra = {"favourite_reps": favourites} if role == "manager" else {}
            people.append(kinds[role](stack, email, recorder, ledger, settings, rng, **extra))
    if stack.push is not None:
        for n, person in enumerate(people):
            person.subscribe_devices(2 if n % 3 == 0 else 1)
    return recorder, ledger, people


def run_people(run: LoadRun, seconds: float, during: Callable[[], None] | None = None) -> None:
    """Everyone acts for `seconds`; `during` runs meanwhile in this thread (a drill)."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=person.run, args=(stop,), name=person.email, daemon=True)
        for person in run.people
    ]
    run.log_offset = run.stack.web.log.stat().st_size
    run.load_before = os.getloadavg()
    run.started = time.time()
    run.recorder.active = True
    for thread in threads:
        thread.start()
    if during is not None:
        during()
    remaining = seconds - (time.time() - run.started)
    if remaining > 0:
        stop.wait(remaining)
    stop.set()
    for thread in threads:
        thread.join(60)
    run.recorder.active = False
    run.ended = time.time()


def outbox_due(stack: Stack) -> int:
    rows = stack.query(
        "SELECT count(*) AS n FROM notifications WHERE not_before <= now() AND ("
        "(status IN ('pending', 'failed') AND (next_attempt_at IS NULL OR next_attempt_at"
        " <= now())) OR (status = 'sending'))"
    )
    return int(rows[0].n)


def drain(stack: Stack, timeout: float = 120.0) -> float:
    """Waits until the worker has nothing left to send (or is holding leases); seconds."""
    started = time.time()
    while time.time() - started < timeout:
        if outbox_due(stack) == 0:
            break
        time.sleep(1)
    time.sleep(1)  # a round that claimed nothing has surely ended
    return time.time() - started


# Checks ---------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def check_requests(run: LoadRun, report: Report, *, outage: bool = False) -> None:
    """No 5xx; or, through an `outage` of the database, only 503 with Retry-After in the
    error shape (JSON for the API and htmx, an HTML page otherwise)."""
    samples = run.recorder.samples
    server_errors = [s for s in samples if s.status >= 500 and not (outage and s.status == 503)]
    by_status = Counter(s.status for s in samples)
    report.numbers["requests"] = len(samples)
    report.numbers["by_status"] = dict(sorted(by_status.items()))
    report.numbers["server_errors"] = len(server_errors)
    report.numbers["failures"] = len(run.recorder.failures)
    report.numbers["resent"] = run.recorder.resent
    report.numbers["by_role"] = dict(Counter(s.role for s in samples))
    report.numbers["rate"] = len(samples) / max(run.seconds, 1)
    per_minute = [p.writes_sent / max(run.seconds, 1) * 60 for p in run.people if p.writes_sent]
    report.numbers["writes_per_minute"] = (
        (statistics.mean(per_minute), max(per_minute)) if per_minute else (0.0, 0.0)
    )
    detail = f"{len(server_errors)} responses 5xx of {len(samples)}"
    if server_errors:
        routes = Counter(f"{s.status} {s.route}" for s in server_errors)
        detail += ": " + ", ".join(f"{k} x{v}" for k, v in routes.most_common(8))
    report.check("no 5xx other than 503" if outage else "no 5xx", not server_errors, detail)
    if outage:
        unavailable = [e for e in run.recorder.server_errors if e.status == 503]
        unclear = [e for e in unavailable if not e.retry_after or e.shape not in ("json", "html")]
        shapes = Counter(e.shape for e in unavailable)
        report.numbers["unavailable"] = len(unavailable)
        report.check(
            "every 503 says Retry-After, in the error shape",
            not unclear,
            f"{len(unavailable)} answers 503 ("
            + ", ".join(f"{k} {v}" for k, v in shapes.items())
            + f"), {len(unclear)} without Retry-After or the shape",
        )
    failures = run.recorder.failures
    report.check(
        "every request answered",
        not failures,
        f"{len(failures)} requests without an answer"
        + (": " + "; ".join(f[3][:120] for f in failures[:3]) if failures else ""),
    )
    too_many = by_status.get(429, 0)
    report.check("no 429 (below the rate limits)", too_many == 0, f"{too_many} answers 429")


def _content_matches(row: Any, written: Written, fields: Iterable[str]) -> bool:
    actual = {name: getattr(row, name) for name in fields}
    candidates = [written.acked or {}, *written.unanswered]
    return any(all(actual[k] == c.get(k, actual[k]) for k in actual) for c in candidates)


def rows_by_id(stack: Stack, columns: str, table: str, ids: Iterable[int], where: str = "") -> Any:
    """{id: row} of the rows of `table` with those ids (and `where`), read afterwards."""
    sql = f"SELECT {columns} FROM {table} WHERE id = ANY(:ids) {where}"  # noqa: S608 - ours
    return {row.id: row for row in stack.query(sql, ids=list(ids))}


def check_writes(run: LoadRun, report: Report) -> None:
    """Every acknowledged write is in the database with what it wrote."""
    ledger, stack = run.ledger, run.stack
    lost: list[str] = []
    notes = rows_by_id(
        stack,
        "id, client_uuid, strengths, development_focus, status, version, ack_comment",
        "coaching_sessions",
        ledger.note_status,
    )
    for note_id, status in ledger.note_status.items():
        row = notes.get(note_id)
        if row is None:
            lost.append(f"note {note_id} missing")
            continue
        if STATUS_ORDER[row.status] < STATUS_ORDER[status]:
            lost.append(f"note {note_id} is {row.status}, {status} was acknowledged")
        expected_uuid = ledger.note_uuid.get(note_id)
        if expected_uuid and str(row.client_uuid) != expected_uuid:
            lost.append(f"note {note_id} has client_uuid {row.client_uuid}")
        written = ledger.notes.get(note_id)
        if written and written.acked:
            if row.version < written.version:
                lost.append(f"note {note_id} at version {row.version} < {written.version}")
            if not _content_matches(row, written, written.acked):
                lost.append(f"note {note_id}: content differs from the last acknowledged")
        if note_id in ledger.acknowledged and row.ack_comment != ledger.acknowledged[note_id]:
            lost.append(f"note {note_id}: comment {row.ack_comment!r}")
    done = {
        i: row.status
        for i, row in rows_by_id(stack, "id, status", "follow_ups", ledger.follow_ups_done).items()
    }
    lost += [
        f"follow-up {i} is {done.get(i)}" for i in ledger.follow_ups_done if done.get(i) != "done"
    ]
    plans = rows_by_id(stack, "id, strategic_priorities, version", "account_plans", ledger.plans)
    for plan_id, written in ledger.plans.items():
        row = plans.get(plan_id)
        if row is None or written.acked is None:
            lost.append(f"plan {plan_id} missing")
            continue
        if row.version < written.version:
            lost.append(f"plan {plan_id} at version {row.version} < {written.version}")
        if not _content_matches(row, written, written.acked):
            lost.append(f"plan {plan_id}: strategic priorities differ from the last acknowledged")
    goals = rows_by_id(stack, "id, plan_id, title", "plan_goals", ledger.goals)
    for goal_id, expected in ledger.goals.items():
        row = goals.get(goal_id)
        if row is None or row.title != expected["title"] or row.plan_id != expected["plan_id"]:
            lost.append(f"goal {goal_id} missing or changed")
    read = set(rows_by_id(stack, "id", "notifications", ledger.read, "AND read_at IS NOT NULL"))
    lost += [f"notification {i} not read" for i in ledger.read - read]
    devices = {row.endpoint for row in stack.query("SELECT endpoint FROM push_subscriptions")}
    lost += [f"device {e} missing" for e in ledger.devices if e not in devices]
    acknowledged = ledger.count
    report.numbers["writes_acknowledged"] = acknowledged
    report.numbers["writes_lost"] = len(lost)
    report.numbers["writes_by_kind"] = {
        "notes created": len(ledger.note_uuid),
        "note contents saved": sum(1 for w in ledger.notes.values() if w.acked),
        "notes shared": len(ledger.shared),
        "notes acknowledged": len(ledger.acknowledged),
        "follow-ups done": len(ledger.follow_ups_done),
        "plans edited": len(ledger.plans),
        "goals added": len(ledger.goals),
        "notifications read": len(ledger.read),
        "devices subscribed": len(ledger.devices),
    }
    report.numbers["writes_refused"] = dict(ledger.refused)
    report.numbers["writes_retried"] = ledger.retried
    report.check(
        "zero lost writes",
        not lost,
        f"{acknowledged} acknowledged writes, {len(lost)} not found as written"
        + (": " + "; ".join(lost[:5]) if lost else ""),
    )


def endpoint_id(endpoint: str) -> str:
    return endpoint.rsplit("/push/", 1)[-1]


def check_notifications(run: LoadRun, report: Report) -> None:
    stack, ledger = run.stack, run.ledger
    dupes = stack.query(
        "SELECT dedupe_key, count(*) AS n FROM notifications"
        " GROUP BY dedupe_key HAVING count(*) > 1"
    )
    report.check("dedupe_key unique", not dupes, f"{len(dupes)} dedupe keys used twice")
    statuses = stack.query(
        "SELECT status, count(*) AS n FROM notifications WHERE id >= :first GROUP BY status",
        first=run.first_notification,
    )
    created = {row.status: row.n for row in statuses}
    report.numbers["notifications_created"] = sum(created.values())
    report.numbers["notifications_by_status"] = created
    kinds = stack.query(
        "SELECT kind, count(*) AS n FROM notifications WHERE id >= :first GROUP BY kind",
        first=run.first_notification,
    )
    report.numbers["notifications_by_kind"] = {row.kind: row.n for row in kinds}
    keys = Counter(
        row.dedupe_key
        for row in stack.query(
            "SELECT dedupe_key FROM notifications WHERE dedupe_key LIKE 'note_%'"
        )
    )
    missing = [i for i in ledger.shared if keys[f"note_shared:{i}"] != 1]
    replied = [i for i, comment in ledger.acknowledged.items() if comment]
    missing += [i for i in replied if keys[f"note_acknowledged:{i}"] != 1]
    report.check(
        "one notification per share and per reply",
        not missing,
        f"{len(ledger.shared)} shares and {len(replied)} replies, "
        f"{len(missing)} without exactly one notification",
    )
    if stack.push is None:
        return
    stats = stack.push.stats()
    delivered: dict[tuple[str, int], int] = stats["delivered"]
    twice = {key: n for key, n in delivered.items() if n > 1}
    recorded = {
        (endpoint_id(row.endpoint), row.notification_id)
        for row in stack.query(
            "SELECT s.endpoint, d.notification_id FROM push_deliveries d "
            "JOIN push_subscriptions s ON s.id = d.subscription_id"
        )
    }
    ours = {key for key in delivered if key[0].startswith("u")}
    unrecorded = ours - recorded
    not_received = recorded - ours
    report.numbers["pushes"] = {
        "received": stats["received"],
        "accepted (201)": sum(delivered.values()),
        "distinct (notification, device)": len(delivered),
        "accepted twice or more": len(twice),
        "abandoned by the sender": stats["abandoned"],
        "recorded in push_deliveries": len(recorded),
        "problems": len(stats["problems"]),
    }
    report.check(
        "each (notification, device) pushed at most once",
        not twice,
        f"{len(delivered)} pairs accepted, {len(twice)} more than once",
    )
    report.check(
        "pushes match push_deliveries",
        not unrecorded and not not_received,
        f"{len(unrecorded)} accepted but not recorded, {len(not_received)} recorded but not"
        " received",
    )
    report.check(
        "every push verifiable (VAPID JWT, aes128gcm)",
        not stats["problems"],
        f"{len(stats['problems'])} problems"
        + (f": {stats['problems'][:2]}" if stats["problems"] else ""),
    )
    left = outbox_due(stack)
    report.check("outbox drained", left == 0, f"{left} notifications still due")


def check_server_log(run: LoadRun, report: Report) -> None:
    """The server's own view: request-log lines with 5xx, tracebacks, and how long the run's
    requests spent in the app (the rest of what clients saw is waiting for a free gunicorn
    thread, and for the CPU)."""
    log = run.stack.web.log.read_text(errors="replace")
    with run.stack.web.log.open("rb") as fh:
        fh.seek(run.log_offset)
        during = fh.read().decode(errors="replace")
    statuses: Counter[int] = Counter()
    for line in log.splitlines():
        if line.startswith("{") and '"status"' in line:
            try:
                statuses[json.loads(line)["status"]] += 1
            except (ValueError, KeyError):
                continue
    in_app = []
    for line in during.splitlines():
        if line.startswith("{") and '"duration_ms"' in line:
            try:
                in_app.append(float(json.loads(line)["duration_ms"]))
            except (ValueError, KeyError):
                continue
    report.numbers["server_ms"] = [percentile(in_app, q) for q in (50, 95, 99, 100)]
    report.numbers["server_5xx_logged"] = sum(n for s, n in statuses.items() if s >= 500)
    report.numbers["server_tracebacks"] = log.count("Traceback (most recent call last)")
    worker_log = run.stack.worker.log.read_text(errors="replace")
    report.numbers["worker_tracebacks"] = worker_log.count("Traceback (most recent call last)")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def latency_table(
    samples: list[Sample], top: int = 25
) -> list[tuple[str, int, float, float, float, float]]:
    by_route: dict[str, list[float]] = defaultdict(list)
    for sample in samples:
        by_route[sample.route].append(sample.ms)
    rows = [
        (route, len(ms), statistics.median(ms), percentile(ms, 95), percentile(ms, 99), max(ms))
        for route, ms in by_route.items()
    ]
    rows.sort(key=lambda row: -row[1])
    everything = [s.ms for s in samples]
    if everything:
        summary = (
            "all requests",
            len(everything),
            statistics.median(everything),
            percentile(everything, 95),
            percentile(everything, 99),
            max(everything),
        )
        rows.insert(0, summary)
    return rows[: top + 1]


def verify(run: LoadRun, report: Report | None = None, *, outage: bool = False) -> Report:
    report = report or Report()
    check_requests(run, report, outage=outage)
    check_writes(run, report)
    check_notifications(run, report)
    check_server_log(run, report)
    return report


# Printing -------------------------------------------------------------------------------


def machine(before: tuple[float, float, float] | None = None) -> dict[str, str]:
    with open("/proc/meminfo") as fh:
        total_kib = int(fh.readline().split()[1])
    load = os.getloadavg()
    facts = {"cores": str(os.cpu_count()), "memory": f"{total_kib / 1024 / 1024:.1f} GiB"}
    if before is not None:
        facts["load average (1, 5, 15 min) at the start"] = ", ".join(f"{x:.2f}" for x in before)
    return {
        **facts,
        "load average (1, 5, 15 min) at the end": ", ".join(f"{x:.2f}" for x in load),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
    }


def what_ran(revision: str | None) -> str:
    """The code a run measures: a commit, or the working tree on top of one."""

    def short(name: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed command
            ["git", "rev-parse", "--short", name],  # noqa: S607 - git from PATH
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip

    if revision:
        return f"commit {short(revision)}"
    return f"the working tree on {short('HEAD')} (with any uncommitted changes)"


def markdown(run: LoadRun, report: Report, mix: Mix, ran: str = "") -> str:
    stack = run.stack
    version = stack.query("SHOW server_version")[0][0]
    n = report.numbers
    lines = [f"Run of {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {ran or what_ran(None)}.", ""]
    facts = {
        **machine(run.load_before),
        "PostgreSQL": version,
        "gunicorn": f"{stack.web_concurrency or 'default (2 x cores + 1)'} workers x "
        f"{stack.threads or 'default (2)'} threads, config/gunicorn.conf.py",
        "people": f"{mix.total()}: {mix.managers} managers, {mix.reps} reps, "
        f"{mix.directors} directors, {mix.admins} admins (sessions of the demo admin; "
        f"seed-demo --scale {stack.scale})",
        "organisation": "{} active reps, {} first-line managers, {} directors".format(
            *stack.query(
                "SELECT count(*) FILTER (WHERE role = 'rep'), "
                "count(*) FILTER (WHERE role = 'manager'), "
                "count(*) FILTER (WHERE role = 'director') FROM users WHERE active"
            )[0]
        ),
        "duration": f"{run.seconds:.0f} s, think time {run.people[0].settings.think:.1f} s mean",
        "requests": f"{n['requests']} ({n['rate']:.1f}/s); by role: "
        + ", ".join(f"{k} {v}" for k, v in n["by_role"].items()),
        "statuses": ", ".join(f"{k}: {v}" for k, v in n["by_status"].items()),
        "requests sent again after a keep-alive reset": str(n["resent"]),
        "writes sent per person": "{:.1f}/min on average, {:.1f}/min at most".format(
            *n["writes_per_minute"]
        ),
    }
    lines += ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in facts.items()]
    lines += ["", "| check | result | detail |", "|---|---|---|"]
    lines += [f"| {c.name} | {'pass' if c.ok else 'FAIL'} | {c.detail} |" for c in report.checks]
    lines += [
        "",
        "Writes acknowledged, by kind: "
        + ", ".join(f"{k} {v}" for k, v in n["writes_by_kind"].items())
        + ".",
    ]
    if n.get("writes_refused"):
        refused = ", ".join(f"{k} x{v}" for k, v in n["writes_refused"].items())
        lines += [f"Writes refused (4xx): {refused}."]
    lines += [
        f"Notifications created during the run: {n['notifications_created']} "
        f"({', '.join(f'{k} {v}' for k, v in n['notifications_by_status'].items())}); by kind: "
        + ", ".join(f"{k} {v}" for k, v in n["notifications_by_kind"].items())
        + "."
    ]
    if "pushes" in n:
        lines += ["Pushes: " + ", ".join(f"{k} {v}" for k, v in n["pushes"].items()) + "."]
    lines += [
        f"Server log: {n['server_5xx_logged']} requests logged with 5xx, "
        f"{n['server_tracebacks']} tracebacks; worker log: {n['worker_tracebacks']} tracebacks.",
        "Time in the app for the run's requests (gunicorn's request log, duration_ms): p50 {:.0f}"
        " ms, p95 {:.0f} ms, p99 {:.0f} ms, max {:.0f} ms; the rest of the latency below is"
        " waiting for one of gunicorn's threads and for the CPU.".format(*n["server_ms"]),
        "",
        "| route | requests | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for route, count, p50, p95, p99, top in latency_table(run.recorder.samples):
        lines.append(f"| {route} | {count} | {p50:.0f} | {p95:.0f} | {p99:.0f} | {top:.0f} |")
    return "\n".join(lines) + "\n"


def replace_section(path: Path, name: str, text: str) -> None:
    """Puts `text` between ``<!-- name:begin -->`` and ``<!-- name:end -->`` in the Markdown
    file (appended when the markers are not there yet); the prose around stays."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    document = path.read_text() if path.exists() else ""
    block = f"{begin}\n{text.rstrip()}\n{end}"
    if begin in document and end in document:
        head, rest = document.split(begin, 1)
        document = head + block + rest.split(end, 1)[1]
    else:
        document = document.rstrip() + ("\n\n" if document else "") + block + "\n"
    path.write_text(document)


def print_report(report: Report) -> None:
    for check in report.checks:
        print(f"{'PASS' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    print("VERDICT:", "PASS" if report.ok else "FAIL")


# The command ----------------------------------------------------------------------------


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options the load test and the drills share."""
    parser.add_argument("--web-concurrency", type=int, default=None)
    parser.add_argument("--commit", help="run this commit (git archive) instead of the tree")
    parser.add_argument("--markdown", type=Path, help="write the results there as Markdown")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the logs (run directory)")
    parser.add_argument(
        "--scale",
        type=int,
        default=DEFAULT_SCALE,
        help="seed-demo --scale: regions under director@example.com (at least as many as the "
        "people need)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between actions")
    parser.add_argument("--database", choices=("shared", "private"), default="shared")
    parser.add_argument(
        "--doc", type=Path, help="put the results in this file's bench.load section"
    )
    add_run_options(parser)
    args = parser.parse_args(argv)
    mix = Mix.for_users(args.users)
    # Rules every minute (300 s in production) so a short run sees the worker evaluate them
    # while people work; everything else is the production default.
    config = {"NUDGE_RULES_INTERVAL_SECONDS": 60}
    ran = what_ran(args.commit)
    with tempfile.TemporaryDirectory(prefix="coachapp-load-") as tmp:
        source = export_commit(args.commit, Path(tmp) / "src") if args.commit else None
        stack_args: dict[str, Any] = {
            "scale": max(mix.scale, args.scale),
            "database": args.database,
            "push": True,
            "config": config,
            "web_concurrency": args.web_concurrency,
            "keep": args.keep,
        }
        if source is not None:
            stack_args["source"] = source
        print(f"starting the stack (seed-demo --scale {stack_args['scale']})...", flush=True)
        with Stack(**stack_args) as stack:
            print(f"logs in {stack.run_dir}" if args.keep else "", flush=True)
            settings = Settings(think=args.think)
            recorder, ledger, people = start_people(stack, mix, settings, args.seed)
            first = stack.query("SELECT coalesce(max(id), 0) + 1 AS n FROM notifications")[0].n
            run = LoadRun(stack, recorder, ledger, people, first_notification=first)
            print(f"{len(people)} people signed in; running {args.minutes:g} min...", flush=True)
            run_people(run, args.minutes * 60)
            print("done; waiting for the worker to drain the outbox...", flush=True)
            drained = drain(stack)
            report = verify(run)
            report.numbers["drain_seconds"] = drained
            text = markdown(run, report, mix, ran)
            print(text)
            print_report(report)
            if args.markdown:
                args.markdown.write_text(text)
            if args.doc:
                replace_section(args.doc, "bench.load", text)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
