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

from babel.lists import format_list
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import audit
from coachapp.languages import N_, current_language, formatted, gettext, ngettext, writing_for
from coachapp.links import path_for
from coachapp.models import AuditEvent, Role, User
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
    in their language, in the caller's transaction."""
    event = audit.record(db, actor, action, "user", user.id, **details)
    db.flush()
    if actor is not None and actor.id == user.id:
        return event
    with writing_for(user):
        text = describe(event, user, _names(db, [event]))
        body = gettext("If you did not expect this, tell another admin or your manager.")
    if text is None:
        return event
    notify(
        db,
        user.id,
        KIND,
        text,
        path_for("me.index"),
        f"account_event:{event.id}",
        body=body,
        subject=subjects.own_account(),
    )
    return event


def events_for(db: Session, user: User, limit: int = LISTED) -> list[AccountEvent]:
    """The latest acts on the person's account, newest first, as sentences in the reader's
    language."""
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


# Roles as a sentence names them ("created your account as rep").
ROLE_WORDS: dict[str, str] = {
    Role.REP: N_("rep"),
    Role.MANAGER: N_("manager"),
    Role.DIRECTOR: N_("director"),
    Role.ADMIN: N_("admin"),
}

# An act on the account, as said of whoever did it (`%(actor)s`) and of the person themself:
# a language may say "you" with a verb of its own ("restableciste").
ACTS = {
    "user.set_password": (
        N_("%(actor)s set your first password on %(date)s."),
        N_("You set your first password on %(date)s."),
    ),
    "user.reset_password": (
        N_("%(actor)s reset your password on %(date)s."),
        N_("You reset your password on %(date)s."),
    ),
    "user.invite": (
        N_("%(actor)s sent you an invitation to choose your password by email on %(date)s."),
        N_("You sent yourself an invitation to choose your password by email on %(date)s."),
    ),
    "user.activate": (
        N_("%(actor)s reactivated your account on %(date)s."),
        N_("You reactivated your account on %(date)s."),
    ),
    "user.deactivate": (
        N_("%(actor)s deactivated your account on %(date)s."),
        N_("You deactivated your account on %(date)s."),
    ),
}
CREATED = (
    N_("%(actor)s created your account as %(role)s on %(date)s."),
    N_("You created your account as %(role)s on %(date)s."),
)
IMPORTED = (
    N_("%(actor)s added your account in an organisation import on %(date)s."),
    N_("You added your account in an organisation import on %(date)s."),
)
# A change to what the person may see (coachapp.admin.approvals): asked for, then withdrawn.
ASKED = (
    N_("%(actor)s asked to %(changes)s on %(date)s; another admin must approve it."),
    N_("You asked to %(changes)s on %(date)s; another admin must approve it."),
)
WITHDRAWN = (
    N_("%(actor)s withdrew the request to %(changes)s on %(date)s."),
    N_("You withdrew the request to %(changes)s on %(date)s."),
)
# Each change in such a sentence, as a phrase: to ask for ("change your role from rep to
# manager"), done by someone ("changed your role …"), or done ("your role changed …").
ROLE_CHANGE = {
    "ask": N_("change your role from %(before)s to %(after)s"),
    "past": N_("changed your role from %(before)s to %(after)s"),
    "done": N_("your role changed from %(before)s to %(after)s"),
}
MANAGER_CHANGE = {
    "ask": N_("change who you report to from %(before)s to %(after)s"),
    "past": N_("changed who you report to from %(before)s to %(after)s"),
    "done": N_("you report to %(after)s instead of %(before)s"),
}
ACTIVATED = {
    "ask": N_("activate your account"),
    "past": N_("activated your account"),
    "done": N_("your account was activated"),
}
DEACTIVATED = {
    "ask": N_("deactivate your account"),
    "past": N_("deactivated your account"),
    "done": N_("your account was deactivated"),
}
# Acts told without saying who: whoever did them was signed in as the person.
SIGNED_IN_AS_YOU = {
    "user.password_change": N_("Your password was changed, signed in as you, on %(date)s."),
    "user.accept_invitation": N_(
        "Your password was chosen through the invitation sent to your email on %(date)s."
    ),
    "user.password_reset_by_email": N_(
        "Your password was reset through a link sent to your email on %(date)s."
    ),
    "user.calendar_feed_stop": N_(
        "Your calendar address was turned off, signed in as you, on %(date)s."
    ),
}


def describe(event: AuditEvent, user: User, names: dict[int, str]) -> str | None:
    """The event told to the person it is about, dated in their time zone, in the language
    being written (the page's, or the person's within languages.writing_for); None for an
    event that is not about their account's security (a profile edit)."""
    details = event.details or {}
    date = formatted(local_time(event.at, user.timezone), "%-d %b %Y")
    actor = _who(event.actor_id, user, names)
    if details.get("source") == "scim":
        actor = gettext("Your company's directory (through single sign-on provisioning)")
    action = event.action
    if action == "user.create":
        return _created(details, actor, date)
    if action in ACTS:
        return _told(ACTS[action], actor, date)
    if action in SIGNED_IN_AS_YOU:
        return gettext(SIGNED_IN_AS_YOU[action], date=date)
    if action == "user.calendar_feed_start":
        if details.get("replaced"):
            return gettext(
                "A new calendar address was made for your diary in Coachapp, signed in as you, "
                "on %(date)s.",
                date=date,
            )
        return gettext(
            "A calendar address was made for your diary in Coachapp, signed in as you, on "
            "%(date)s.",
            date=date,
        )
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
        # The "past" phrases are said of a third person ("cambió tu rol"); of the person
        # themself the sentence tells what changed instead.
        if actor is None:
            results = _phrases(changes, names, "done")
            return ngettext(
                "You made this change on %(date)s: %(changes)s.",
                "You made these changes on %(date)s: %(changes)s.",
                len(results),
                date=date,
                changes=_joined(results),
            )
        return gettext(
            "%(actor)s %(changes)s on %(date)s.",
            actor=actor,
            changes=_joined(_phrases(changes, names, "past")),
            date=date,
        )
    asked = _joined(_phrases(changes, names, "ask"))
    if action == "user.change_requested":
        return _told(ASKED, actor, date, changes=asked)
    requested_by = details.get("requested_by_id", event.actor_id)
    if action == "user.change_declined" and requested_by == event.actor_id:
        return _told(WITHDRAWN, _who(requested_by, user, names), date, changes=asked)
    decider = names.get(event.actor_id or 0) or gettext("an admin")
    asker = _asker(requested_by, user, names)
    if action == "user.change_approved":
        done = _joined(_phrases(changes, names, "done"))
        if asker is None:
            text = gettext(
                "%(changes)s on %(date)s, approved by %(decider)s (asked by you).",
                changes=done, date=date, decider=decider,
            )  # fmt: skip
        else:
            text = gettext(
                "%(changes)s on %(date)s, approved by %(decider)s (asked by %(asker)s).",
                changes=done, date=date, decider=decider, asker=asker,
            )  # fmt: skip
        return _sentence(text)
    if action == "user.change_declined":
        if asker is None:
            text = gettext(
                "%(decider)s declined the request to %(changes)s on %(date)s (asked by you).",
                decider=decider, changes=asked, date=date,
            )  # fmt: skip
        else:
            text = gettext(
                "%(decider)s declined the request to %(changes)s on %(date)s "
                "(asked by %(asker)s).",
                decider=decider, changes=asked, date=date, asker=asker,
            )  # fmt: skip
        return _sentence(text)
    return None


def _created(details: dict[str, Any], actor: str | None, date: str) -> str:
    role = _role_word(details.get("role"))
    if details.get("source") == "import":
        return _told(IMPORTED, actor, date)
    if details.get("source") == "sso":
        return gettext(
            "Your account was created as %(role)s when you first signed in with single "
            "sign-on on %(date)s.",
            role=role,
            date=date,
        )
    return _told(CREATED, actor, date, role=role)


def _told(act: tuple[str, str], actor: str | None, date: str, **values: Any) -> str:
    """The act said of whoever did it, or of the person themself (`actor` None)."""
    if actor is None:
        return gettext(act[1], date=date, **values)
    return gettext(act[0], actor=actor, date=date, **values)


def _who(user_id: int | None, user: User, names: dict[int, str]) -> str | None:
    """Who did it, to begin a sentence; None for the person themself ("you")."""
    if user_id is None:
        return gettext("An operator (from the command line)")
    if user_id == user.id:
        return None
    if user_id not in names:
        return gettext("An admin (no longer in Coachapp)")
    return gettext("An admin (%(name)s)", name=names[user_id])


def _asker(user_id: Any, user: User, names: dict[int, str]) -> str | None:
    """Who asked for a change, mid-sentence ("asked by an admin (Ana)"); None for the person
    themself."""
    if user_id is None:
        return gettext("an operator (from the command line)")
    if user_id == user.id:
        return None
    if user_id not in names:
        return gettext("an admin (no longer in Coachapp)")
    return gettext("an admin (%(name)s)", name=names[user_id])


def _role_word(role: Any) -> str:
    word = ROLE_WORDS.get(role) if isinstance(role, str) else None
    if word is None:
        return gettext("a user") if role is None else str(role)
    return gettext(word)


def _sentence(text: str) -> str:
    """The text with its first letter capital: it may begin with a name or a phrase told
    mid-sentence elsewhere ("an admin", "your role changed …")."""
    return text[:1].upper() + text[1:]


def _phrases(changes: dict[str, list[Any]], names: dict[int, str], form: str) -> list[str]:
    """Each change as a phrase of the form ("ask", "past" or "done"; ROLE_CHANGE)."""
    phrases = []
    if "role" in changes:
        before, after = (_role_word(str(value)) for value in changes["role"])
        phrases.append(gettext(ROLE_CHANGE[form], before=before, after=after))
    if "manager_id" in changes:
        before, after = (_manager_name(value, names) for value in changes["manager_id"])
        phrases.append(gettext(MANAGER_CHANGE[form], before=before, after=after))
    if "manager_email" in changes:  # an organisation import names managers by email
        before, after = (value or gettext("nobody") for value in changes["manager_email"])
        phrases.append(gettext(MANAGER_CHANGE[form], before=before, after=after))
    if "active" in changes:
        phrases.append(gettext((ACTIVATED if changes["active"][-1] else DEACTIVATED)[form]))
    return phrases


def _manager_name(value: Any, names: dict[int, str]) -> str:
    manager_id = _id_or_none(value)
    if manager_id is None:
        return gettext("nobody")
    return names.get(manager_id) or gettext("someone no longer in Coachapp")


def _joined(phrases: list[str]) -> str:
    """The phrases as one list, as the language joins them ("a and b", "a y b")."""
    return format_list(phrases, locale=current_language())
