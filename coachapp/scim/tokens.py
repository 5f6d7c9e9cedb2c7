"""The directory's bearer tokens: made and revoked from the command line (scim-token), only
their SHA-256 stored, looked up on every SCIM request."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import audit
from coachapp.auth.service import LAST_USED_RESOLUTION, token_digest
from coachapp.db import utcnow
from coachapp.errors import NotFound
from coachapp.models import ScimToken

# Tells a SCIM token from an API token at a glance (in a leaked log, a secret scanner).
TOKEN_PREFIX = "cas_"  # noqa: S105 - a marker, not a secret  # nosec B105
MAX_TOKEN_LENGTH = 200


def issue_scim_token(db: Session, name: str) -> tuple[str, ScimToken]:
    """A new token; the caller shows it once, it is never stored nor shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ScimToken(name=name.strip()[:80] or "directory", token_hash=token_digest(token))
    db.add(row)
    db.flush()
    audit.record(db, None, "scim_token.create", "scim_token", row.id, name=row.name)
    db.commit()
    return token, row


def scim_tokens(db: Session) -> list[ScimToken]:
    return list(db.scalars(select(ScimToken).order_by(ScimToken.id)).all())


def revoke_scim_token(db: Session, token_id: int) -> ScimToken:
    row = db.get(ScimToken, token_id)
    if row is None:
        raise NotFound(f"There is no SCIM token {token_id}.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(db, None, "scim_token.revoke", "scim_token", row.id, name=row.name)
        db.commit()
    return row


def live_scim_token(db: Session, token: str) -> ScimToken | None:
    """The unrevoked token row for a bearer token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.scalars(select(ScimToken).where(ScimToken.token_hash == token_digest(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
        db.commit()
    return row
