"""Managing people: creating users, changing role, function and manager, deactivating, and
passwords an admin sets. What one admin may not do alone waits for another
(coachapp.admin.approvals); what is done to someone's account is told to them
(coachapp.account_events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from coachapp import account_events
from coachapp.admin import approvals
from coachapp.admin.deactivation import deactivate, reactivate
from coachapp.admin.reporting import check_manager
from coachapp.auth.passwords import (
    UNUSABLE_PREFIX,
    has_usable_password,
    hash_password,
    password_problem,
    temporary_password,
    unusable_password_hash,
)
from coachapp.auth.service import end_all_sessions, temporary_password_expiry
from coachapp.email_addresses import MAX_LENGTH as EMAIL_MAX_LENGTH
from coachapp.email_addresses import PersonEmail, normalise_email
from coachapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coachapp.field_messages import filled_in
from coachapp.forms import Line
from coachapp.languages import N_
from coachapp.listing import contains_text, first_row_of, page_count, page_within
from coachapp.models import AccountChangeRequest, Function, Role, User
from coachapp.reporting_lines import change_manager
from coachapp.timezones import check_timezone

# Why no admin sets another admin's password: the account would be in two people's hands, and
# a second admin account approves what the first asks (coachapp.admin.approvals).
ADMIN_PASSWORDS_ELSEWHERE = N_(
    "An admin's password is reset from the command line by whoever runs Coachapp "
    "(flask --app coachapp reset-password EMAIL), never by another admin."
)
LEAVE_EMPTY_FOR_NEW_ADMIN = N_(
    "Leave this empty: a new admin gets their one-time password from the admin who approves them."
)


class UserSchema(Schema):
    email = fields.String(
        required=True,
        validate=[validate.Length(max=EMAIL_MAX_LENGTH), PersonEmail()],
        error_messages={"required": "Enter an email address."},
    )
    name = Line(
        required=True,
        validate=[validate.Length(min=1, error="Enter a name."), validate.Length(max=120)],
        error_messages={"required": "Enter a name."},
    )
    role = fields.Enum(Role, by_value=True, required=True)
    function = fields.Enum(Function, by_value=True, load_default=Function.OTHER)
    manager_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    timezone = fields.String(load_default="UTC", validate=check_timezone)
    # An emptied field clears the region, so it loads as "" rather than staying unchanged.
    region = Line(load_default="", validate=validate.Length(max=80))
    # Required except for a new admin, whose password comes with another admin's approval,
    # and someone invited by email instead (create_user says which).
    password = fields.String(load_only=True)

    @validates_schema(skip_on_field_errors=False)
    def _password(self, data: dict[str, Any], **_: Any) -> None:
        if "password" not in self.fields:
            return
        if "password" in data:
            problem = password_problem(data["password"], email=data.get("email", ""))
            if problem:
                raise ValidationError(problem, field_name="password")


user_create_schema = UserSchema()
user_update_schema = UserSchema(exclude=("email", "password"))


def create_user(
    db: Session, actor: User | None, data: dict[str, Any], *, invited: bool = False
) -> User:
    """Adds a person with a password the admin chose, which they must replace within
    TEMPORARY_PASSWORD_HOURS, or (`invited`, when no password is given) without one, to be
    invited by email (coachapp.admin.invitations). A new admin is added inactive and without
    a password, waiting for another admin's approval (the command line needs none)."""
    email = normalise_email(data["email"])
    if db.scalar(select(func.count()).where(User.email == email)):
        raise InvalidInput(
            "A user with that email already exists.", {"email": ["This email is already used."]}
        )
    role = Role(data["role"])
    check_manager(db, None, role, data.get("manager_id"))
    after = {"role": role.value, "manager_id": data.get("manager_id"), "active": True}
    waits = actor is not None and approvals.needs_second_admin(actor, None, after)
    password = data.get("password")
    if waits and password:
        raise InvalidInput(LEAVE_EMPTY_FOR_NEW_ADMIN, {"password": [LEAVE_EMPTY_FOR_NEW_ADMIN]})
    if not waits and not password and not (invited and role != Role.ADMIN):
        message = N_("Enter an initial password.")
        raise InvalidInput(message, {"password": [message]})
    user = User(
        email=email,
        name=data["name"].strip(),
        role=role,
        function=Function(data.get("function") or Function.OTHER),
        timezone=data.get("timezone") or "UTC",
        region=(data.get("region") or "").strip(),
        password_hash=unusable_password_hash(),
        active=not waits,
    )
    if password:
        _set_temporary_password(user, password, field="password")
    db.add(user)
    db.flush()
    change_manager(db, user, data.get("manager_id"), actor=actor)
    account_events.record(
        db, actor, user, "user.create", email=email, role=role.value, waits_for_approval=waits
    )
    if waits:
        assert actor is not None
        approvals.request_change(db, actor, user, {**after, "active": True})
    db.commit()
    return user


@dataclass(frozen=True)
class UserUpdate:
    user: User
    # The part of the change that waits for another admin, if any.
    waiting: AccountChangeRequest | None


def update_user(db: Session, actor: User, user_id: int, data: dict[str, Any]) -> UserUpdate:
    """Applies the change, except a role or manager change that needs a second admin
    (one's own, or one that makes someone an admin): that part waits as a request."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    role = Role(data["role"])
    check_manager(db, user, role, data.get("manager_id"))
    if "region" in data:
        data = {**data, "region": data["region"].strip()}
    after = {
        "role": role.value,
        "manager_id": data.get("manager_id", user.manager_id),
        "active": user.active,
    }
    waiting = None
    if approvals.needs_second_admin(actor, user, after):
        waiting = approvals.request_change(db, actor, user, after)
        data = {k: v for k, v in data.items() if k not in approvals.GATED_FIELDS}
    changes = {}
    for name in ("name", "role", "function", "manager_id", "timezone", "region"):
        if name in data and getattr(user, name) != data[name]:
            changes[name] = [str(getattr(user, name)), str(data[name])]
            if name != "manager_id":
                setattr(user, name, data[name])
    if "manager_id" in changes:
        change_manager(db, user, data["manager_id"], actor=actor)
    if "role" in changes:
        # A role change takes effect now: existing sign-ins and tokens end.
        end_all_sessions(db, user)
    if changes:
        account_events.record(db, actor, user, "user.update", changes=changes)
    db.commit()
    return UserUpdate(user, waiting)


def set_active(
    db: Session, actor: User, user_id: int, active: bool
) -> tuple[User, AccountChangeRequest | None]:
    """(De)activates someone; deactivating oneself, or activating an admin, waits for
    another admin (the request comes back)."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.active == active:
        return user, None
    after = {**approvals.values_of(user), "active": active}
    if approvals.needs_second_admin(actor, user, after):
        waiting = approvals.request_change(db, actor, user, after)
        db.commit()
        return user, waiting
    if active:
        reactivate(db, actor, user)
    else:
        deactivate(db, actor, user)
    db.commit()
    return user, None


# People the admin's list shows a page at a time (?page=N); the search finds the others.
PEOPLE_PER_PAGE = 50


@dataclass(frozen=True)
class PeoplePage:
    """A page of the admin's list of people, and how many the search and role find in all."""

    people: list[User]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, PEOPLE_PER_PAGE)

    @property
    def first_row(self) -> int:
        return first_row_of(self.page, PEOPLE_PER_PAGE)


def people_for_admin(db: Session, search: str = "", role: str = "", page: int = 1) -> PeoplePage:
    """Everyone, active people first then by name, found by `search` (text in a name or an
    email address) and `role`, a page at a time: three statements however many people (how
    many are found, the page, and the managers the page names). A page past the last is the
    last."""
    found = []
    if search:
        found.append(contains_text(search, User.name, User.email))
    if role in {r.value for r in Role}:
        found.append(User.role == Role(role))
    total = db.scalar(select(func.count()).select_from(User).where(*found)) or 0
    number = page_within(page, total, PEOPLE_PER_PAGE)
    people = db.scalars(
        select(User)
        .where(*found)
        .options(selectinload(User.manager))
        .order_by(User.active.desc(), User.name, User.id)
        .offset((number - 1) * PEOPLE_PER_PAGE)
        .limit(PEOPLE_PER_PAGE)
    ).all()
    return PeoplePage(list(people), number, total)


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
    if user.role == Role.ADMIN:
        raise PermissionDenied(ADMIN_PASSWORDS_ELSEWHERE)
    if has_usable_password(user.password_hash):
        raise Conflict(
            filled_in(
                N_("%(name)s already has a password; they can change it under Me."),
                name=user.name,
            )
        )
    _set_temporary_password(user, password, field="password")
    account_events.record(db, actor, user, "user.set_password")
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
    db: Session, actor: User | None, user_id: int, password: str | None = None
) -> PasswordReset:
    """Gives someone a temporary password (the one typed, or a random one) for a forgotten or
    exposed password. They are signed out everywhere, and their API tokens end too: each was
    issued for the old password, which may be known to someone else, so what it opened closes
    with it (the admin is told how many). At their next sign-in they choose their own, within
    TEMPORARY_PASSWORD_HOURS, and they are told who reset it.

    An admin's password is reset only from the command line (actor None)."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    if actor is not None and user.id == actor.id:
        raise PermissionDenied(N_("Change your own password under Me, with your current one."))
    if actor is not None and user.role == Role.ADMIN:
        raise PermissionDenied(ADMIN_PASSWORDS_ELSEWHERE)
    chosen = password or temporary_password()
    _set_temporary_password(user, chosen, field="temporary_password")
    signed_out = end_all_sessions(db, user)
    account_events.record(
        db,
        actor,
        user,
        "user.reset_password",
        generated=not password,
        browsers_signed_out=signed_out.browsers,
        tokens_revoked=signed_out.tokens,
    )
    db.commit()
    return PasswordReset(user, chosen, signed_out.browsers, signed_out.tokens)


def _set_temporary_password(user: User, password: str, *, field: str) -> None:
    """A password someone else chose: it meets the policy, opens only the page to choose
    one's own, and stops working after TEMPORARY_PASSWORD_HOURS."""
    problem = password_problem(password, email=user.email)
    if problem:
        raise InvalidInput(N_("Choose another password."), {field: [problem]})
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.temporary_password_expires_at = temporary_password_expiry()


def people_without_password(db: Session) -> list[User]:
    """Active people who cannot sign in yet: an admin has to set their first password."""
    return list(
        db.scalars(
            select(User)
            .where(User.active.is_(True), User.password_hash.startswith(UNUSABLE_PREFIX))
            .order_by(User.name)
        ).all()
    )
