"""Deactivating someone, however it is asked for (an admin, an approved request, an organisation
import, the company's directory through SCIM): they are signed out everywhere, their phones
stop receiving pushes, and what they still had in hand goes to their manager. Nothing they
wrote is removed: their shared notes, plans, comments and the audit trail stay as they are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coachapp import account_events, audit
from coachapp.auth.service import end_all_sessions
from coachapp.models import FollowUp, FollowUpStatus, Note, NoteStatus, PushSubscription, User


@dataclass(frozen=True)
class Deactivation:
    """What deactivating someone ended and handed over."""

    browsers_signed_out: int
    tokens_revoked: int
    devices_removed: int
    drafts_handed_over: int
    follow_ups_handed_over: int
    # Who received the drafts and follow-ups: the person's manager, None when they have none
    # (then both stay where they were, with nobody to act on them until someone is chosen).
    handed_to_id: int | None


def deactivate(db: Session, actor: User | None, user: User, **details: Any) -> Deactivation:
    """Deactivates `user` in the caller's transaction (the caller commits), audited and told
    to them as "user.deactivate" with `details` (e.g. source="scim")."""
    done = end_access_and_hand_over(db, actor, user)
    account_events.record(
        db,
        actor,
        user,
        "user.deactivate",
        **details,
        browsers_signed_out=done.browsers_signed_out,
        tokens_revoked=done.tokens_revoked,
        devices_removed=done.devices_removed,
        drafts_handed_over=done.drafts_handed_over,
        follow_ups_handed_over=done.follow_ups_handed_over,
        handed_to_id=done.handed_to_id,
    )
    return done


def reactivate(db: Session, actor: User | None, user: User, **details: Any) -> None:
    """Lets `user` sign in again (the caller commits); what was handed over stays handed
    over. Any session left from before ends, as on every change of activity."""
    user.active = True
    end_all_sessions(db, user)
    account_events.record(db, actor, user, "user.activate", **details)


def end_access_and_hand_over(db: Session, actor: User | None, user: User) -> Deactivation:
    """deactivate without telling the person: for a caller that tells them in its own words
    (an approved request)."""
    user.active = False
    signed_out = end_all_sessions(db, user)
    devices = db.execute(
        delete(PushSubscription)
        .where(PushSubscription.user_id == user.id)
        .execution_options(synchronize_session="fetch")
    )
    heir = user.manager_id
    drafts: list[Note] = []
    follow_ups: list[FollowUp] = []
    if heir is not None:
        # One by one through the ORM, so each draft's version moves on (a stale copy of it
        # open elsewhere is refused, not saved over the handed-over one) and each is audited.
        drafts = list(
            db.scalars(
                select(Note).where(Note.manager_id == user.id, Note.status == NoteStatus.DRAFT)
            )
        )
        for note in drafts:
            note.manager_id = heir
            audit.record(
                db, actor, "session.hand_over", "coaching_session", note.id,
                from_id=user.id, to_id=heir, reason="deactivation",
            )  # fmt: skip
        follow_ups = list(
            db.scalars(
                select(FollowUp).where(
                    FollowUp.owner_id == user.id, FollowUp.status == FollowUpStatus.OPEN
                )
            )
        )
        for follow_up in follow_ups:
            follow_up.owner_id = heir
            audit.record(
                db, actor, "follow_up.hand_over", "follow_up", follow_up.id,
                from_id=user.id, to_id=heir, reason="deactivation",
            )  # fmt: skip
    done = Deactivation(
        browsers_signed_out=signed_out.browsers,
        tokens_revoked=signed_out.tokens,
        devices_removed=int(getattr(devices, "rowcount", 0) or 0),
        drafts_handed_over=len(drafts),
        follow_ups_handed_over=len(follow_ups),
        handed_to_id=heir if drafts or follow_ups else None,
    )
    db.flush()
    return done
