"""Links sent by email that let a person choose their password: an admin's invitation, or a
reset they asked for. Single use, expiring, stored only as a SHA-256 digest.

A link works only while the person is active and their password is still the one it was
issued against: choosing a password through any link, under Me, or an admin's reset ends
every link issued before it. Using one signs the person out everywhere else, as changing the
password under Me does (coachapp.me.service.change_password).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from coachapp import account_events
from coachapp.auth.passwords import hash_password, password_problem
from coachapp.auth.service import end_all_sessions, token_digest
from coachapp.db import utcnow
from coachapp.errors import DomainError, InvalidInput
from coachapp.models import PasswordLink, PasswordLinkPurpose, User

# What a link's path carries; more (or other characters) is no link of ours.
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 64


class LinkNotValid(DomainError):
    """Unknown, used, expired, or overtaken by a newer password: one answer for all of them."""

    status = 404
    code = "link_not_valid"

    def __init__(self) -> None:
        super().__init__("This link has expired or was already used.")


def password_fingerprint(user: User) -> str:
    """Stands for the person's password as it is now (a digest of its hash): what a link
    was issued against."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()


def issue_link(
    db: Session,
    user: User,
    purpose: PasswordLinkPurpose,
    lifetime: dt.timedelta,
    created_by: User | None = None,
) -> str:
    """A new link's token, to put in the email; the row is added in the caller's
    transaction. Only its digest is kept."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.add(
        PasswordLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_digest(token),
            password_fingerprint=password_fingerprint(user),
            created_by_id=created_by.id if created_by is not None else None,
            expires_at=utcnow() + lifetime,
        )
    )
    return token


def live_link(db: Session, token: str, purpose: PasswordLinkPurpose) -> PasswordLink:
    """The link this token stands for, if it still works; else LinkNotValid."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise LinkNotValid()
    link = db.scalars(
        select(PasswordLink)
        .where(PasswordLink.token_hash == token_digest(token), PasswordLink.purpose == purpose)
        .options(joinedload(PasswordLink.user))
    ).first()
    if (
        link is None
        or link.used_at is not None
        or link.expires_at <= utcnow()
        or not link.user.active
        or not secrets.compare_digest(link.password_fingerprint, password_fingerprint(link.user))
    ):
        raise LinkNotValid()
    return link


def choose_password(
    db: Session, token: str, purpose: PasswordLinkPurpose, new_password: str
) -> User:
    """Sets the password the person chose through the link, which is then spent; every
    session and API token of theirs ends. The caller signs this browser in."""
    link = live_link(db, token, purpose)
    user = link.user
    problem = password_problem(new_password, email=user.email)
    if problem:
        raise InvalidInput(problem, {"new_password": [problem]})
    # Spent by this request and no other, should the same link be posted twice at once.
    spent = db.execute(
        update(PasswordLink)
        .where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not spent.rowcount:  # type: ignore[attr-defined]
        db.rollback()
        raise LinkNotValid()
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.temporary_password_expires_at = None
    end_all_sessions(db, user)
    action = (
        "user.accept_invitation"
        if purpose == PasswordLinkPurpose.INVITATION
        else "user.password_reset_by_email"
    )
    account_events.record(db, user, user, action)
    db.commit()
    return user
