"""Sign-in throttling by (email, address), by address and by email; API tokens per person.

Limits are per address first, so an attacker elsewhere cannot lock a user out;
the per-email limit is far higher and only slows a distributed guess. Failed token
requests count as failed sign-ins; successful ones are limited per person over the same
window, so a leaked password or a runaway script cannot mint tokens without end.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.errors import Throttled
from coachapp.models import ApiToken, LoginAttempt, PasswordResetRequest

THROTTLED_MESSAGE = "Too many sign-in attempts. Wait {minutes} minutes and try again."
TOKENS_THROTTLED_MESSAGE = "Too many new API tokens. Wait {minutes} minutes and try again."
RESET_THROTTLED_MESSAGE = "Too many reset links asked for. Wait {minutes} minutes and try again."


def _failures_since(
    db: Session, since: dt.datetime, **match: str
) -> tuple[int, dt.datetime | None]:
    query = select(func.count(), func.min(LoginAttempt.at)).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
    )
    for column, value in match.items():
        query = query.where(getattr(LoginAttempt, column) == value)
    count, oldest = db.execute(query).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return count, oldest


def check_login_allowed(db: Session, email: str, ip: str) -> None:
    config = current_app.config
    _check_failures(
        db,
        ({"email": email, "ip": ip}, config["LOGIN_MAX_FAILURES_PER_EMAIL_AND_ADDRESS"]),
        ({"ip": ip}, config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        ({"email": email}, config["LOGIN_MAX_FAILURES_PER_EMAIL"]),
    )


def check_address_allowed(db: Session, ip: str) -> None:
    """The per-address limit alone: for a sign-in whose email is not known yet (the return
    from single sign-on)."""
    _check_failures(db, ({"ip": ip}, current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]))


def _check_failures(db: Session, *limits: tuple[dict[str, str], int]) -> None:
    window = dt.timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    now = utcnow()
    since = now - window
    for match, limit in limits:
        count, oldest = _failures_since(db, since, **match)
        if count >= limit:
            raise _throttled(THROTTLED_MESSAGE, oldest, now, window)


def check_token_issue_allowed(db: Session, user_id: int) -> None:
    """Raises Throttled when this person was issued the most tokens the window allows."""
    config = current_app.config
    window = dt.timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    now = utcnow()
    count, oldest = db.execute(
        select(func.count(), func.min(ApiToken.created_at)).where(
            ApiToken.user_id == user_id, ApiToken.created_at >= now - window
        )
    ).one()
    if count >= config["API_TOKENS_MAX_PER_USER"]:
        raise _throttled(TOKENS_THROTTLED_MESSAGE, oldest, now, window)


def check_reset_allowed(db: Session, email: str, ip: str) -> None:
    """Raises Throttled when this address, or this network address, asked for the most reset
    links the window allows. Every ask counts, for a known address or not, so the answer
    tells nothing about the account."""
    config = current_app.config
    window = dt.timedelta(seconds=config["PASSWORD_RESET_WINDOW_SECONDS"])
    now = utcnow()
    limits = (
        (PasswordResetRequest.email == email, config["PASSWORD_RESET_MAX_PER_EMAIL"]),
        (PasswordResetRequest.ip == ip, config["PASSWORD_RESET_MAX_PER_ADDRESS"]),
    )
    for match, limit in limits:
        count, oldest = db.execute(
            select(func.count(), func.min(PasswordResetRequest.at)).where(
                match, PasswordResetRequest.at >= now - window
            )
        ).one()
        if count >= limit:
            raise _throttled(RESET_THROTTLED_MESSAGE, oldest, now, window)


def _throttled(
    message: str, oldest: dt.datetime | None, now: dt.datetime, window: dt.timedelta
) -> Throttled:
    """Refused until the oldest counted attempt leaves the window."""
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    reopens = (oldest or now) + window
    retry_after = max(1, int((reopens - now).total_seconds()))
    minutes = max(1, -(-retry_after // 60))
    return Throttled(message.format(minutes=minutes), retry_after=retry_after)


def record_attempt(db: Session, email: str, ip: str, *, succeeded: bool) -> None:
    db.add(LoginAttempt(email=email, ip=ip, succeeded=succeeded))
    if succeeded:
        # A successful sign-in clears this address's failures for the account.
        db.execute(
            delete(LoginAttempt).where(
                LoginAttempt.email == email,
                LoginAttempt.ip == ip,
                LoginAttempt.succeeded.is_(False),
            )
        )


def purge_old_attempts(db: Session, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    result = db.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
