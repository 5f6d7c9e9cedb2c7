"""Managing people: creating users, changing role, function and manager, deactivating."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp import audit, policy
from coachapp.auth.passwords import (
    UNUSABLE_PREFIX,
    has_usable_password,
    hash_password,
    password_problem,
    temporary_password,
)
from coachapp.auth.service import end_all_sessions
from coachapp.email_addresses import MAX_LENGTH as EMAIL_MAX_LENGTH
from coachapp.email_addresses import PersonEmail, normalise_email
from coachapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coachapp.forms import STORABLE_TEXT
from coachapp.models import Function, Role, User
from coachapp.timezones import check_timezone

# Who may report to whom: a rep to a manager, a manager to a director.
ALLOWED_MANAGER_ROLES = {
    Role.REP: {Role.MANAGER},
    Role.MANAGER: {Role.DIRECTOR},
    Role.DIRECTOR: {Role.DIRECTOR},
    Role.ADMIN: set(),
}


class UserSchema(Schema):
    email = fields.String(
        required=True,
        validate=[validate.Length(max=EMAIL_MAX_LENGTH), PersonEmail()],
        error_messages={"required": "Enter an email address."},
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        error_messages={"required": "Enter a name."},
    )
    role = fields.Enum(Role, by_value=True, required=True)
    function = fields.Enum(Function, by_value=True, load_default=Function.OTHER)
    manager_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    timezone = fields.String(load_default="UTC", validate=check_timezone)
    # An emptied field clears the region, so it loads as "" rather than staying unchanged.
    region = fields.String(load_default="", validate=[validate.Length(max=80), STORABLE_TEXT])
    password = fields.String(load_only=True, required=True)

    @validates_schema(skip_on_field_errors=False)
    def _password(self, data: dict[str, Any], **_: Any) -> None:
        if "password" in data:
            problem = password_problem(data["password"], email=data.get("email", ""))
            if problem:
                raise ValidationError(problem, field_name="password")


user_create_schema = UserSchema()
user_update_schema = UserSchema(exclude=("email", "password"))


def _check_manager(db: Session, user: User | None, role: Role, manager_id: int | None) -> None:
    allowed = ALLOWED_MANAGER_ROLES[role]
    if manager_id is None:
        if role in {Role.REP, Role.MANAGER}:
            raise InvalidInput(
                "Choose who this person reports to.", {"manager_id": ["Choose a manager."]}
            )
        return
    manager = db.get(User, manager_id)
    if manager is None or not manager.active or manager.role not in allowed:
        names = " or ".join(sorted(r.value for r in allowed)) or "nobody"
        raise InvalidInput(
            "That manager cannot be chosen.",
            {"manager_id": [f"A {role.value} reports to an active {names}."]},
        )
    if user is not None:
        below = set(db.scalars(policy.subtree_ids(user)).all())
        if manager.id == user.id or manager.id in below:
            raise InvalidInput(
                "That would make a reporting loop.",
                {"manager_id": ["Someone cannot report to themself or to their own team."]},
            )


def create_user(db: Session, actor: User | None, data: dict[str, Any]) -> User:
    email = normalise_email(data["email"])
    if db.scalar(select(func.count()).where(User.email == email)):
        raise InvalidInput(
            "A user with that email already exists.", {"email": ["This email is already used."]}
        )
    role = Role(data["role"])
    _check_manager(db, None, role, data.get("manager_id"))
    user = User(
        email=email,
        name=data["name"].strip(),
        role=role,
        function=Function(data.get("function") or Function.OTHER),
        manager_id=data.get("manager_id"),
        timezone=data.get("timezone") or "UTC",
        region=(data.get("region") or "").strip(),
        password_hash=hash_password(data["password"]),
        must_change_password=True,  # the admin knows it: the person chooses their own
    )
    db.add(user)
    db.flush()
    audit.record(db, actor, "user.create", "user", user.id, email=email, role=role.value)
    db.commit()
    return user


def update_user(db: Session, actor: User, user_id: int, data: dict[str, Any]) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    role = Role(data["role"])
    _check_manager(db, user, role, data.get("manager_id"))
    if "region" in data:
        data = {**data, "region": data["region"].strip()}
    changes = {}
    for name in ("name", "role", "function", "manager_id", "timezone", "region"):
        if name in data and getattr(user, name) != data[name]:
            changes[name] = [str(getattr(user, name)), str(data[name])]
            setattr(user, name, data[name])
    if "role" in changes:
        # A role change takes effect now: existing sign-ins and tokens end.
        end_all_sessions(db, user)
    if changes:
        audit.record(db, actor, "user.update", "user", user.id, changes=changes)
    db.commit()
    return user


def set_active(db: Session, actor: User, user_id: int, active: bool) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == actor.id and not active:
        raise InvalidInput("You cannot deactivate yourself.")
    if user.active != active:
        user.active = active
        end_all_sessions(db, user)
        audit.record(db, actor, "user.activate" if active else "user.deactivate", "user", user.id)
        db.commit()
    return user


def people_for_admin(
    db: Session, search: str = "", role: str = "", include_inactive: bool = True
) -> list[User]:
    query = select(User).order_by(User.active.desc(), User.name)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(func.lower(User.name).like(pattern) | User.email.like(pattern))
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    if not include_inactive:
        query = query.where(User.active.is_(True))
    return list(db.scalars(query.limit(500)).all())


def possible_managers(db: Session) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_([Role.MANAGER, Role.DIRECTOR]))
            .order_by(User.role, User.name)
        ).all()
    )


def known_regions(db: Session) -> list[str]:
    """Regions already in use, offered as suggestions so one region keeps one spelling."""
    return list(
        db.scalars(select(User.region).where(User.region != "").distinct().order_by(User.region))
    )


def set_initial_password(db: Session, actor: User, user_id: int, password: str) -> User:
    """Gives someone without a password (added by an org import) their first one."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    if has_usable_password(user.password_hash):
        raise Conflict(f"{user.name} already has a password; they can change it under Me.")
    _set_temporary_password(user, password, field="password")
    audit.record(db, actor, "user.set_password", "user", user.id)
    db.commit()
    return user


@dataclass(frozen=True)
class PasswordReset:
    user: User
    # Shown to the admin once, to pass on; stored only hashed, never logged or audited.
    password: str
    browsers_signed_out: int
    tokens_revoked: int


def reset_password(
    db: Session, actor: User, user_id: int, password: str | None = None
) -> PasswordReset:
    """Gives someone a temporary password (the one typed, or a random one) for a forgotten or
    exposed password. They are signed out everywhere, and their API tokens end too: each was
    issued for the old password, which may be known to someone else, so what it opened closes
    with it (the admin is told how many). At their next sign-in they choose their own."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == actor.id:
        raise PermissionDenied("Change your own password under Me, with your current one.")
    chosen = password or temporary_password()
    _set_temporary_password(user, chosen, field="temporary_password")
    signed_out = end_all_sessions(db, user)
    audit.record(
        db,
        actor,
        "user.reset_password",
        "user",
        user.id,
        generated=not password,
        browsers_signed_out=signed_out.browsers,
        tokens_revoked=signed_out.tokens,
    )
    db.commit()
    return PasswordReset(user, chosen, signed_out.browsers, signed_out.tokens)


def _set_temporary_password(user: User, password: str, *, field: str) -> None:
    """A password an admin chose: it meets the policy, and its owner must replace it."""
    problem = password_problem(password, email=user.email)
    if problem:
        raise InvalidInput("Choose another password.", {field: [problem]})
    user.password_hash = hash_password(password)
    user.must_change_password = True


def people_without_password(db: Session) -> list[User]:
    """Active people who cannot sign in yet: an admin has to set their first password."""
    return list(
        db.scalars(
            select(User)
            .where(User.active.is_(True), User.password_hash.startswith(UNUSABLE_PREFIX))
            .order_by(User.name)
        ).all()
    )
