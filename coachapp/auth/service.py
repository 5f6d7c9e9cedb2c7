"""Signing in with a password, and the API's bearer tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from coachapp.auth import sso, throttle
from coachapp.auth.passwords import hash_password, needs_rehash, verify_password
from coachapp.db import utcnow
from coachapp.email_addresses import normalise_email
from coachapp.errors import DomainError
from coachapp.languages import N_
from coachapp.models import ApiToken, BrowserSession, User

BAD_CREDENTIALS = N_("Email or password is incorrect.")
TOKEN_PREFIX = "cap_"  # noqa: S105 - a marker, not a secret  # nosec B105
# Writing last-used times on every request would make every read a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
# Every API request looks its token up: built once (only the digest differs), with its user,
# which token_row and every caller read (one query, not two).
_TOKEN_BY_DIGEST = (
    select(ApiToken)
    .options(joinedload(ApiToken.user))
    .where(ApiToken.token_hash == bindparam("digest"))
)
# Every signed-in page request looks its browser session up the same way: the session and
# its person in one query.
_SESSION_BY_DIGEST = (
    select(BrowserSession)
    .options(joinedload(BrowserSession.user))
    .where(BrowserSession.token_hash == bindparam("digest"))
)


class InvalidCredentials(DomainError):
    status = 401
    code = "unauthorized"

    def __init__(self, message: str = BAD_CREDENTIALS) -> None:
        super().__init__(message)


class TemporaryPasswordExpired(InvalidCredentials):
    """The right password, but one an admin chose that was not replaced in time. Said only
    to someone who typed it, so it tells nothing about the account to anyone else."""

    code = "temporary_password_expired"

    def __init__(self) -> None:
        super().__init__(
            "This temporary password has expired. Ask an admin for a new one; it works for "
            f"{temporary_password_hours()} hours."
        )


def temporary_password_hours() -> int:
    return int(current_app.config["TEMPORARY_PASSWORD_HOURS"])


def temporary_password_expiry() -> dt.datetime:
    """When a password an admin sets now stops working unless its owner replaces it."""
    return utcnow() + dt.timedelta(hours=temporary_password_hours())


def authenticate(db: Session, email: str, password: str, ip: str) -> User:
    """The active user with these credentials; one message for every failure (no enumeration)."""
    sso.check_password_sign_in()
    email = normalise_email(email)
    throttle.check_login_allowed(db, email, ip)
    user = db.scalars(select(User).where(User.email == email)).first()
    valid = verify_password(user.password_hash if user else None, password)
    succeeded = bool(user is not None and valid and user.active)
    expired = succeeded and user is not None and user.temporary_password_expired(utcnow())
    throttle.record_attempt(db, email, ip, succeeded=succeeded and not expired)
    if not succeeded or user is None:
        db.commit()
        raise InvalidCredentials()
    if expired:
        db.commit()
        raise TemporaryPasswordExpired()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.commit()
    return user


def token_digest(token: str) -> str:
    """What is stored of a secret that is shown once (a browser session's, an API token's, a
    SCIM token's, a password link's, a calendar address's): its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_browser_session(
    db: Session, user: User, *, remember: bool, ip: str = "", user_agent: str = ""
) -> str:
    """Records a signed-in browser and returns the token its cookie will carry."""
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION" if remember else "PERMANENT_SESSION_LIFETIME"]
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(seconds=int(lifetime))
    db.add(
        BrowserSession(
            user_id=user.id,
            token_hash=token_digest(token),
            remember=remember,
            expires_at=expires_at,
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    db.commit()
    user.browser_token = token
    user.browser_session_ends = expires_at
    return token


def user_for_browser_token(db: Session, token: str) -> User | None:
    """The active user of a live browser session, or None (ended, expired, deactivated)."""
    if not token or len(token) > 200:
        return None
    row = db.scalars(_SESSION_BY_DIGEST, {"digest": token_digest(token)}).first()
    now = utcnow()
    if row is None or row.ended_at is not None or row.expires_at <= now or not row.user.active:
        return None
    if row.user.temporary_password_expired(now):
        return None  # a session opened with a temporary password ends with it
    if now - row.last_seen_at > LAST_USED_RESOLUTION:
        row.last_seen_at = now
        db.commit()
    row.user.browser_token = token
    row.user.browser_session_ends = row.expires_at
    return row.user


def end_browser_session(db: Session, token: str | None) -> None:
    """Signing out ends the session on the server: a copied cookie stops working too."""
    if not token:
        return
    db.execute(
        update(BrowserSession)
        .where(BrowserSession.token_hash == token_digest(token), BrowserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.commit()


def issue_api_token(db: Session, user: User, name: str = "api") -> tuple[str, ApiToken]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = dt.timedelta(days=current_app.config["API_TOKEN_LIFETIME_DAYS"])
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=token_digest(token),
        expires_at=utcnow() + lifetime,
    )
    db.add(row)
    db.commit()
    return token, row


def token_row(db: Session, token: str) -> ApiToken | None:
    """The live token row for a bearer token, or None (unknown, expired, revoked, user inactive)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.scalars(_TOKEN_BY_DIGEST, {"digest": token_digest(token)}).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
        db.commit()
    return row


def revoke_token(db: Session, row: ApiToken) -> None:
    row.revoked_at = utcnow()
    db.commit()


class SignedOut(NamedTuple):
    """What signing someone out everywhere ended."""

    browsers: int
    tokens: int


def revoke_all_tokens(db: Session, user: User) -> int:
    """Ends every API token of the user and says how many were live; the caller commits."""
    result = db.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def end_all_sessions(db: Session, user: User) -> SignedOut:
    """Signs the user out everywhere: every browser session and API token. Caller commits."""
    result = db.execute(
        update(BrowserSession)
        .where(BrowserSession.user_id == user.id, BrowserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    browsers = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return SignedOut(browsers, revoke_all_tokens(db, user))
