"""Password reset by email, without telling anyone whether an address has an account.

Asking (`ask_for_reset`) does the same for every address: it checks the throttle and records
the ask, one row, nothing else; the page answers alike. The worker (`answer_reset_requests`)
then sends a link to the address if it is an active person's, or nothing, written in their
language, else in the language the asking page was read in. Admins' passwords
are reset from the command line only (coachapp.admin.service), so no link goes to an admin.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from coachapp.auth import throttle
from coachapp.auth.password_links import issue_link
from coachapp.db import utcnow
from coachapp.email_addresses import normalise_email
from coachapp.languages import gettext, writing_for
from coachapp.links import external_url
from coachapp.mail.messages import render_mail
from coachapp.mail.queue import enqueue
from coachapp.models import (
    PasswordLink,
    PasswordLinkPurpose,
    PasswordResetRequest,
    Role,
    User,
)

# Asks answered by one worker round at most; more wait for the next round.
BATCH = 200
# Asks are kept this long for the throttle, links this long after they expired.
ASKS_KEPT_FOR = dt.timedelta(days=1)
LINKS_KEPT_FOR = dt.timedelta(days=7)


def reset_hours() -> int:
    return int(current_app.config["PASSWORD_RESET_HOURS"])


def ask_for_reset(db: Session, email: str, ip: str, site: str, language: str) -> None:
    """Records that someone asked for a reset link for `email` (Throttled when too many),
    from a page read in `language`."""
    email = normalise_email(email)
    throttle.check_reset_allowed(db, email, ip)
    db.add(
        PasswordResetRequest(email=email, ip=ip[:64], site_url=site[:300], language=language[:8])
    )
    db.commit()


def answer_reset_requests(db: Session) -> int:
    """The worker's step: a reset link by email for each ask naming an active person who is
    not an admin; the number of links sent. Asks are claimed in the transaction that
    answers them, so two workers never answer one twice."""
    now = utcnow()
    waiting = (
        select(PasswordResetRequest.id)
        .where(PasswordResetRequest.handled_at.is_(None))
        .order_by(PasswordResetRequest.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = db.execute(
        update(PasswordResetRequest)
        .where(PasswordResetRequest.id.in_(waiting), PasswordResetRequest.handled_at.is_(None))
        .values(handled_at=now)
        .returning(
            PasswordResetRequest.email,
            PasswordResetRequest.site_url,
            PasswordResetRequest.language,
        )
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        db.commit()
        return 0
    emails = {email for email, _site, _language in claimed}
    people = {
        user.email: user
        for user in db.scalars(
            select(User).where(
                User.email.in_(emails), User.active.is_(True), User.role != Role.ADMIN
            )
        )
    }
    sent = 0
    for email, site, language in claimed:
        user = people.get(email)
        if user is None:
            continue
        send_reset_link(db, user, site, language)
        sent += 1
    db.commit()
    return sent


def send_reset_link(db: Session, user: User, site: str, asked_in: str) -> None:
    """A new reset link, by email, in the caller's transaction: in the person's language,
    else in `asked_in`, the language of the page they asked from."""
    hours = reset_hours()
    token = issue_link(db, user, PasswordLinkPurpose.RESET, dt.timedelta(hours=hours))
    link = external_url("auth.reset_password", site=site, token=token)
    with writing_for(user, asked_in):
        text, html = render_mail("password_reset", user=user, link=link, hours=hours)
        subject = gettext("Reset your Coachapp password")
    enqueue(
        db,
        kind="password_reset",
        to_address=user.email,
        subject=subject,
        text=text,
        html=html,
        recipient_id=user.id,
        secret=True,
    )


def purge_spent(db: Session) -> int:
    """Asks older than the throttle needs, links long expired: the rows removed."""
    now = utcnow()
    asks = db.execute(
        delete(PasswordResetRequest).where(
            PasswordResetRequest.at < now - ASKS_KEPT_FOR,
            PasswordResetRequest.handled_at.is_not(None),
        )
    )
    links = db.execute(delete(PasswordLink).where(PasswordLink.expires_at < now - LINKS_KEPT_FOR))
    db.commit()
    return int(asks.rowcount or 0) + int(links.rowcount or 0)  # type: ignore[attr-defined]
