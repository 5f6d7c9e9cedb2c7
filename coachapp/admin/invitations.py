"""Invitations: instead of a first password an admin chooses and passes on, an email with a
link where the person chooses their own (coachapp.auth.password_links), for people added
without a password (by an import, or by an admin who left the password empty).

Only where email is set up (SMTP_URL); without it the admin sets a first password as before
(coachapp.admin.service.set_initial_password). An admin is never invited: a new admin's
password comes with a second admin's approval.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import account_events
from coachapp.admin.service import ADMIN_PASSWORDS_ELSEWHERE, people_without_password
from coachapp.auth.password_links import issue_link, password_fingerprint
from coachapp.auth.passwords import has_usable_password
from coachapp.auth.sso import password_sign_in
from coachapp.db import utcnow
from coachapp.errors import Conflict, NotFound, PermissionDenied
from coachapp.field_messages import filled_in
from coachapp.languages import N_, gettext, writing_for
from coachapp.links import external_url
from coachapp.mail.messages import render_mail
from coachapp.mail.queue import enqueue, mail_configured
from coachapp.models import PasswordLink, PasswordLinkPurpose, Role, User

SINGLE_SIGN_ON_ONLY = N_(
    "Your organisation signs in with single sign-on only (PASSWORD_SIGN_IN=off): people sign "
    "in with it, and there is no password to invite them to choose."
)
EMAIL_NOT_SET_UP = N_(
    "Email is not set up for Coachapp (SMTP_URL), so no invitation can be sent: set a first "
    "password and pass it on privately."
)


def invitation_days() -> int:
    return int(current_app.config["INVITATION_DAYS"])


def may_be_invited(user: User) -> bool:
    """Active, not an admin, and without a password of their own yet."""
    return user.active and user.role != Role.ADMIN and not has_usable_password(user.password_hash)


def latest_invitation(db: Session, user: User) -> PasswordLink | None:
    """The newest invitation of the person's that still works (unused, unexpired, issued
    against the password they have now), for the admin to see it was sent."""
    link = db.scalars(
        select(PasswordLink)
        .where(
            PasswordLink.user_id == user.id,
            PasswordLink.purpose == PasswordLinkPurpose.INVITATION,
            PasswordLink.used_at.is_(None),
            PasswordLink.expires_at > utcnow(),
        )
        .order_by(PasswordLink.id.desc())
        .limit(1)
    ).first()
    if link is None or link.password_fingerprint != password_fingerprint(user):
        return None
    return link


def invite(db: Session, actor: User, user: User) -> None:
    """Queues the invitation email with a new link, in the caller's transaction."""
    days = invitation_days()
    token = issue_link(
        db, user, PasswordLinkPurpose.INVITATION, dt.timedelta(days=days), created_by=actor
    )
    link = external_url("auth.accept_invitation", token=token)
    with writing_for(user):
        text, html = render_mail("invitation", user=user, link=link, days=days, inviter=actor.name)
        subject = gettext("%(inviter)s invited you to Coachapp", inviter=actor.name)
    enqueue(
        db,
        kind="invitation",
        to_address=user.email,
        subject=subject,
        text=text,
        html=html,
        recipient_id=user.id,
        secret=True,
    )
    account_events.record(db, actor, user, "user.invite")


def invitations_possible() -> bool:
    """Email is set up, and people sign in with a password."""
    return mail_configured() and password_sign_in()


def check_invitations_possible() -> None:
    if not password_sign_in():
        raise Conflict(SINGLE_SIGN_ON_ONLY)
    if not mail_configured():
        raise Conflict(EMAIL_NOT_SET_UP)


def send_invitation(db: Session, actor: User, user_id: int) -> User:
    """Invites one person; a second invitation leaves the first link working too."""
    check_invitations_possible()
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.role == Role.ADMIN:
        raise PermissionDenied(ADMIN_PASSWORDS_ELSEWHERE)
    if not user.active:
        raise Conflict(
            filled_in(N_("%(name)s is deactivated: reactivate them first."), name=user.name)
        )
    if has_usable_password(user.password_hash):
        raise Conflict(
            filled_in(
                N_("%(name)s already has a password; they can reset it by email."), name=user.name
            )
        )
    invite(db, actor, user)
    db.commit()
    return user


def send_invitations(db: Session, actor: User) -> int:
    """Invites everyone who cannot sign in yet (an import's newcomers); how many."""
    check_invitations_possible()
    invited = [user for user in people_without_password(db) if may_be_invited(user)]
    for user in invited:
        invite(db, actor, user)
    db.commit()
    return len(invited)
