"""A per-person limit on writes (POST, PUT, PATCH, DELETE) from pages, htmx and the API.

A person may make WRITE_BURST writes at once, and WRITE_RATE_PER_MINUTE a minute after that
(a token bucket, kept as one time per person: coachapp.models.WriteAllowance). Far above what
someone tapping through a debrief does, it stops a runaway script or a stuck client before it
fills the database. The count lives in the database, so every gunicorn process shares it: one
upsert per write, which refuses by not updating (concurrent writes queue on the row's lock, so
none slips through). Sign-in and new API tokens have their own limits (coachapp.auth.throttle);
signing out and revoking a token are never refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Flask, current_app, g, request
from flask_login import current_user
from sqlalchemy import Double, Executable, bindparam, case, select
from sqlalchemy.orm import Session

from coachapp.auth.callers import identify_caller
from coachapp.db import get_session, insert_for, utcnow
from coachapp.errors import DomainError, Throttled
from coachapp.links import is_api_request
from coachapp.models import WriteAllowance

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sign-in is throttled on its own; signing out and revoking a token must always work.
EXEMPT_ENDPOINTS = frozenset({"auth.login", "auth.logout", "api_tokens.Tokens"})
THROTTLED_MESSAGE = (
    "You made a lot of changes in a short time. Wait {seconds} seconds and try again; "
    "nothing you sent before was lost."
)


def check_write_allowed(db: Session, user_id: int, now: float | None = None) -> None:
    """Counts one write for the person, or raises Throttled (counting nothing)."""
    config = current_app.config
    per_minute = int(config.get("WRITE_RATE_PER_MINUTE") or 0)
    if per_minute <= 0:
        return
    burst = max(1, int(config.get("WRITE_BURST") or 1))
    interval = 60.0 / per_minute
    now = utcnow().timestamp() if now is None else now
    values = {
        "writer": user_id,
        "now": now,
        "interval": interval,
        "first": now + interval,  # busy_until after a first write
        "burst": burst * interval,
    }
    allowed = db.execute(_count_one_write(insert_for(db)), values).first() is not None
    busy_until = (
        None if allowed else db.scalar(select(WriteAllowance.busy_until).filter_by(user_id=user_id))
    )
    db.commit()  # counted at once, whatever the request does next; no lock held meanwhile
    if not allowed:
        # Free again once busy_until is within the burst of the clock.
        wait = (busy_until or now) + interval - burst * interval - now
        seconds = max(1, math.ceil(wait))
        raise Throttled(THROTTLED_MESSAGE.format(seconds=seconds), retry_after=seconds)


@cache
def _count_one_write(insert: Callable[[type[WriteAllowance]], Any]) -> Executable:
    """The upsert that counts a write, built once per database (the same on every write but
    for its values: building it anew cost a third of the check)."""
    now = bindparam("now", type_=Double)
    interval = bindparam("interval", type_=Double)
    # The bucket is full again once busy_until lies in the past.
    start = case((WriteAllowance.busy_until > now, WriteAllowance.busy_until), else_=now)
    return (
        insert(WriteAllowance)
        .values(user_id=bindparam("writer"), busy_until=bindparam("first", type_=Double))
        .on_conflict_do_update(
            index_elements=[WriteAllowance.user_id],
            set_={"busy_until": start + interval},
            where=start + interval - now <= bindparam("burst", type_=Double),
        )
        .returning(WriteAllowance.busy_until)
    )


def _writer_id() -> int | None:
    """Who is writing: the API's caller (token, or browser with its CSRF token) or the
    signed-in browser; None when nobody is, and the view refuses the request itself."""
    if is_api_request():
        if "Authorization" not in request.headers and not current_user.is_authenticated:
            return None
        try:
            identify_caller()
        except DomainError:
            return None  # 401 or 403 from the API's own check, uncounted
        return int(g.api_user.id)
    if current_user.is_authenticated:
        return int(current_user.id)
    return None


def limit_writes() -> None:
    if request.method not in WRITE_METHODS or request.endpoint in EXEMPT_ENDPOINTS:
        return
    user_id = _writer_id()
    if user_id is not None:
        check_write_allowed(get_session(), user_id)


def init_app(app: Flask) -> None:
    """After CSRF protection: a forged or expired form is refused without being counted."""
    app.before_request(limit_writes)
