"""What is done to someone's account that they should know of: who set their password, who
changed their role, who asked for it and who approved it.

Each is an audit event (coachapp.audit) about the person; `record` also puts it in their
inbox, and `events_for` reads the same events back as the "Security events" under Me. One
sentence serves both, so the inbox and the profile never tell two stories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import audit
from coachapp.links import path_for
from coachapp.models import AuditEvent, User
from coachapp.nudges import subjects
from coachapp.nudges.outbox import notify
from coachapp.timezones import local_time

# Told to the person and listed under Me. A profile edit (name, region, time zone) is not.
ACCOUNT_ACTIONS = (
    "user.create",
    "user.set_password",
    "user.reset_password",
    "user.password_change",
    "user.invite",
    "user.accept_invitation",
    "user.password_reset_by_email",
    "user.update",
    "user.activate",
    "user.deactivate",
    "user.change_requested",
    "user.change_approved",
    "user.change_declined",
    "user.calendar_feed_start",
    "user.calendar_feed_stop",
)
# Of an admin's direct edit (or an import's), the fields that change what the person may see.
SCOPE_FIELDS = ("role", "manager_id", "manager_email")
KIND = "account_security"
LISTED = 20


@dataclass(frozen=True)
class AccountEvent:
    at: dt.datetime
    text: str


def record(db: Session, actor: User | None, user: User, action: str, **details: Any) -> AuditEvent:
    """Audits the act and tells the person in their inbox (not when they did it themself),
    in the caller's transaction."""
    event = audit.record(db, actor, action, "user", user.id, **details)
    db.flush()
    if actor is not None and actor.id == user.id:
        return event
    text = describe(event, user, _names(db, [event]))
    if text is None:
        return event
    notify(
        db,
        user.id,
        KIND,
        text,
        path_for("me.index"),
        f"account_event:{event.id}",
        body="If you did not expect this, tell another admin or your manager.",
        subject=subjects.own_account(),
    )
    return event


def events_for(db: Session, user: User, limit: int = LISTED) -> list[AccountEvent]:
    """The latest acts on the person's account, newest first, as sentences."""
    found = db.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "user",
            AuditEvent.object_id == user.id,
            AuditEvent.action.in_(ACCOUNT_ACTIONS),
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit * 3)  # profile edits among them are left out below
    ).all()
    names = _names(db, found)
    listed = []
    for event in found:
        text = describe(event, user, names)
        if text is not None:
            listed.append(AccountEvent(event.at, text))
    return listed[:limit]


def _names(db: Session, events: Iterable[AuditEvent]) -> dict[int, str]:
    """Names of the people the events mention by id: actors, askers, managers."""
    ids: set[int] = set()
    for event in events:
        if event.actor_id is not None:
            ids.add(event.actor_id)
        requested_by = (event.details or {}).get("requested_by_id")
        if isinstance(requested_by, int):
            ids.add(requested_by)
        manager = (event.details or {}).get("changes", {}).get("manager_id")
        if isinstance(manager, list):
            ids.update(i for i in map(_id_or_none, manager) if i is not None)
    if not ids:
        return {}
    return {
        row.id: row.name for row in db.execute(select(User.id, User.name).where(User.id.in_(ids)))
    }


def _id_or_none(value: Any) -> int | None:
    """A manager id as stored: an int, or a string of one, "None" or "" for nobody."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdecimal():
        return int(value)
    return None


def describe(event: AuditEvent, user: User, names: dict[int, str]) -> str | None:
    """The event told to the person it is about, dated in their time zone; None for an
    event that is not about their account's security (a profile edit)."""
    details = event.details or {}
    on = "on " + local_time(event.at, user.timezone).strftime("%-d %b %Y")

    def who(user_id: int | None) -> str:
        if user_id is None:
            return "An operator (from the command line)"
        if user_id == user.id:
            return "You"
        return f"An admin ({names.get(user_id, 'no longer in Coachapp')})"

    actor = who(event.actor_id)
    if details.get("source") == "scim":
        actor = "Your company's directory (through single sign-on provisioning)"
    action = event.action
    if action == "user.create":
        if details.get("source") == "import":
            return f"{actor} added your account in an organisation import {on}."
        if details.get("source") == "sso":
            return (
                f"Your account was created as {details.get('role', 'a user')} when you first "
                f"signed in with single sign-on {on}."
            )
        return f"{actor} created your account as {details.get('role', 'a user')} {on}."
    if action == "user.set_password":
        return f"{actor} set your first password {on}."
    if action == "user.reset_password":
        return f"{actor} reset your password {on}."
    if action == "user.password_change":
        return f"Your password was changed, signed in as you, {on}."
    if action == "user.invite":
        return f"{actor} sent you an invitation to choose your password by email {on}."
    if action == "user.accept_invitation":
        return f"Your password was chosen through the invitation sent to your email {on}."
    if action == "user.password_reset_by_email":
        return f"Your password was reset through a link sent to your email {on}."
    if action == "user.calendar_feed_start":
        made = "A new calendar address" if details.get("replaced") else "A calendar address"
        return f"{made} was made for your diary in Coachapp, signed in as you, {on}."
    if action == "user.calendar_feed_stop":
        return f"Your calendar address was turned off, signed in as you, {on}."
    if action == "user.activate":
        return f"{actor} reactivated your account {on}."
    if action == "user.deactivate":
        return f"{actor} deactivated your account {on}."
    changes = {
        field: values
        for field, values in (details.get("changes") or {}).items()
        if field in (*SCOPE_FIELDS, "active") and isinstance(values, list)
    }
    if not changes:
        return None
    if action == "user.update":
        if not any(field in SCOPE_FIELDS for field in changes):
            return None
        return f"{actor} {_joined(_phrases(changes, names, 'past'))} {on}."
    asked = _joined(_phrases(changes, names, "ask"))
    requester = who(details.get("requested_by_id", event.actor_id))
    if action == "user.change_requested":
        return f"{actor} asked to {asked} {on}; another admin must approve it."
    decider = names.get(event.actor_id or 0, "an admin")
    asked_by = requester[:1].lower() + requester[1:]  # mid-sentence
    if action == "user.change_approved":
        done = _joined(_phrases(changes, names, "done"))
        return f"{done[:1].upper()}{done[1:]} {on}, approved by {decider} (asked by {asked_by})."
    if action == "user.change_declined":
        if details.get("requested_by_id") == event.actor_id:
            return f"{requester} withdrew the request to {asked} {on}."
        return f"{decider} declined the request to {asked} {on} (asked by {asked_by})."
    return None


def _phrases(changes: dict[str, list[Any]], names: dict[int, str], form: str) -> list[str]:
    """Each change as a phrase: to ask for ("change your role from rep to manager"), done by
    someone ("changed your role …"), or done ("your role changed …")."""
    phrases = []
    if "role" in changes:
        before, after = (str(value) for value in changes["role"])
        phrases.append(
            {"ask": f"change your role from {before} to {after}",
             "past": f"changed your role from {before} to {after}",
             "done": f"your role changed from {before} to {after}"}[form]
        )  # fmt: skip
    if "manager_id" in changes:
        before, after = (_manager_name(value, names) for value in changes["manager_id"])
        phrases.append(
            {"ask": f"change who you report to from {before} to {after}",
             "past": f"changed who you report to from {before} to {after}",
             "done": f"you report to {after} instead of {before}"}[form]
        )  # fmt: skip
    if "manager_email" in changes:  # an organisation import names managers by email
        before, after = (value or "nobody" for value in changes["manager_email"])
        phrases.append(
            {"ask": f"change who you report to from {before} to {after}",
             "past": f"changed who you report to from {before} to {after}",
             "done": f"you report to {after} instead of {before}"}[form]
        )  # fmt: skip
    if "active" in changes:
        verb = "activate" if changes["active"][-1] else "deactivate"
        phrases.append(
            {"ask": f"{verb} your account", "past": f"{verb}d your account",
             "done": f"your account was {verb}d"}[form]
        )  # fmt: skip
    return phrases


def _manager_name(value: Any, names: dict[int, str]) -> str:
    manager_id = _id_or_none(value)
    if manager_id is None:
        return "nobody"
    return names.get(manager_id, "someone no longer in Coachapp")


def _joined(phrases: list[str]) -> str:
    return " and ".join(phrases)
