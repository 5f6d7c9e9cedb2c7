"""Who someone the organisation's OpenID provider vouched for is in Coachapp: the active
person with the email address the provider verified, or (when the admin allows it) a new one."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coachapp import account_events, audit
from coachapp.auth import throttle
from coachapp.auth.passwords import unusable_password_hash
from coachapp.auth.sso import SignOnRefused
from coachapp.email_addresses import email_problem, normalise_email
from coachapp.models import Function, Role, User
from coachapp.timezones import is_valid_timezone

NAME_LENGTH = 120


def person_for_identity(db: Session, claims: dict[str, Any], ip: str) -> User:
    """The active person with the email the provider verified; created with the configured
    role when there is none and the admin allowed it. Refusals are recorded as failed sign-ins
    (throttling), a success as a sign-in by single sign-on; the caller commits."""
    raw_email = claims.get("email")
    email = normalise_email(raw_email) if isinstance(raw_email, str) else ""
    if not email or email_problem(email):
        _refuse(db, "", ip, "Your organisation's sign-in did not give Coachapp an email address.")
    if claims.get("email_verified") not in (True, "true"):
        _refuse(
            db,
            email,
            ip,
            f"Your organisation's sign-in has not verified the email address {email}, so "
            "Coachapp cannot tell whose account it is. Ask your IT team to verify it.",
        )
    user = db.scalars(select(User).where(User.email == email)).first()
    if user is None:
        role = current_app.config.get("OIDC_CREATE_USERS") or ""
        if not role:
            _refuse(
                db,
                email,
                ip,
                f"There is no Coachapp account for {email}. Ask an admin to add you, then "
                "sign in again.",
            )
        user = _create_person(db, email, claims, Role(role))
    if not user.active:
        _refuse(
            db,
            email,
            ip,
            f"The Coachapp account for {email} is deactivated. Ask an admin if you need it again.",
        )
    throttle.record_attempt(db, email, ip[:64], succeeded=True)
    audit.record(db, user, "user.login", "user", user.id, method="sso")
    return user


def _refuse(db: Session, email: str, ip: str, message: str) -> NoReturn:
    throttle.record_attempt(db, email[:254], ip[:64], succeeded=False)
    db.commit()
    raise SignOnRefused(message)


def record_failure(db: Session, ip: str) -> None:
    """A return from the provider that did not complete counts as a failed sign-in (by
    address: the email is not known)."""
    throttle.record_attempt(db, "", ip[:64], succeeded=False)
    db.commit()


def _create_person(db: Session, email: str, claims: dict[str, Any], role: Role) -> User:
    """Just-in-time: an active person with the role the admin chose, no team, no password."""
    user = User(
        email=email,
        name=_name_from(claims, email),
        role=role,
        function=Function.OTHER,
        timezone=_timezone_from(claims),
        password_hash=unusable_password_hash(),
        active=True,
    )
    try:
        with db.begin_nested():
            db.add(user)
    except IntegrityError:
        # Their first sign-in twice at once (two tabs): the other one made them.
        return db.scalars(select(User).where(User.email == email)).one()
    account_events.record(db, user, user, "user.create", email=email, role=role.value, source="sso")
    return user


def _name_from(claims: dict[str, Any], email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    name = " ".join(str(name or "").split()) or email.partition("@")[0]
    return name[:NAME_LENGTH]


def _timezone_from(claims: dict[str, Any]) -> str:
    zone = claims.get("zoneinfo")
    return zone if isinstance(zone, str) and is_valid_timezone(zone) else "UTC"
