"""Provisioning from the company's directory (SCIM 2.0, RFC 7643/7644): people and groups as
the directory describes them, applied through the services the admin's pages use.

- A User is a person: userName is their email (with which they sign in), displayName their
  name, `active` whether they may sign in. Deactivating (active false, or DELETE) is the
  admin's deactivation (coachapp.admin.deactivation): signed out everywhere, tokens and push
  devices gone, drafts and open follow-ups handed to their manager; nothing they wrote is
  removed. DELETE also hides the person from SCIM; creating the same userName again brings
  them back, with everything they had.
- The enterprise extension's `manager` (the manager's SCIM id) sets the reporting line through
  coachapp.reporting_lines.change_manager, as far as coachapp.admin.reporting.check_manager
  allows it (a rep reports to a manager, a manager to a director). A directory sends people
  and groups one at a time, so a line the roles do not allow yet is kept as stated and applied
  as soon as they do (when the groups that give the roles arrive). A PUT without a manager
  leaves the line as it is, so a directory that does not manage managers cannot undo lines
  set in Coachapp; a PATCH that removes the manager ends the line.
- A Group is kept as sent. Three names give a role to their members (ROLE_GROUPS, compared
  without case); any other group gives nothing. Someone in several gets the highest; someone
  taken out of the last one becomes a rep. An admin's role is never changed by the directory,
  and the directory never makes an admin (that needs a second admin, coachapp.admin.approvals).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scim2_models import (
    Context,
    Email,
    InvalidFilterException,
    InvalidValueException,
    Meta,
    Name,
    NotFoundException,
    UniquenessException,
)
from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.orm import Session

from coachapp import account_events
from coachapp.admin.deactivation import deactivate, reactivate
from coachapp.admin.reporting import check_manager
from coachapp.auth.passwords import unusable_password_hash
from coachapp.auth.service import end_all_sessions
from coachapp.db import utcnow
from coachapp.email_addresses import email_problem, normalise_email
from coachapp.errors import InvalidInput
from coachapp.models import (
    Function,
    Role,
    ScimGroup,
    ScimGroupMember,
    ScimToken,
    ScimUser,
    User,
)
from coachapp.plain_text import line_problem
from coachapp.reporting_lines import change_manager
from coachapp.scim.resources import EnterpriseUser, Group, GroupMember, Manager
from coachapp.scim.resources import User as ScimPerson

ROLE_GROUPS = {
    "coachapp reps": Role.REP,
    "coachapp managers": Role.MANAGER,
    "coachapp directors": Role.DIRECTOR,
}
ROLE_RANK = (Role.REP, Role.MANAGER, Role.DIRECTOR)
NAME_MAX_LENGTH = 120  # users.name
GROUP_NAME_MAX_LENGTH = 255
EXTERNAL_ID_MAX_LENGTH = 255
DEFAULT_COUNT = 100
MAX_COUNT = 200

# Where a resource lives: (kind, id) -> absolute URL; built by the views with url_for.
Locate = Callable[[str, int], str]


@dataclass(frozen=True)
class Directory:
    """Who is writing: the token the request came with, recorded on every change."""

    token_id: int

    @classmethod
    def of(cls, token: ScimToken) -> Directory:
        return cls(token.id)

    @property
    def details(self) -> dict[str, Any]:
        return {"source": "scim", "scim_token_id": self.token_id}


# People ------------------------------------------------------------------------------------


def people_in_scim() -> Select[User]:
    """Everyone but the people the directory deleted."""
    hidden = select(ScimUser.user_id).where(ScimUser.deleted_at.is_not(None))
    return select(User).where(User.id.not_in(hidden))


def person_or_404(db: Session, scim_id: str) -> User:
    user_id = _number(scim_id)
    user = None if user_id is None else db.scalar(people_in_scim().where(User.id == user_id))
    if user is None:
        raise NotFoundException(detail=f"There is no User {scim_id}.")
    return user


def list_people(
    db: Session, filter_text: str | None, start_index: int, count: int
) -> tuple[int, list[User]]:
    found = people_in_scim()
    if filter_text:
        found = found.where(_person_filter(filter_text))
    total = db.scalar(select(func.count()).select_from(found.subquery())) or 0
    page = db.scalars(found.order_by(User.id).offset(start_index - 1).limit(count)).all()
    return total, list(page)


def _person_filter(text: str) -> ColumnElement[bool]:
    attribute, value = _equality(text)
    if attribute == "username":
        return User.email == normalise_email(value)
    if attribute == "externalid":
        return User.id.in_(select(ScimUser.user_id).where(ScimUser.external_id == value))
    if attribute == "id":
        return User.id == (_number(value) or 0)
    raise InvalidFilterException(
        detail='Filter Users by userName, externalId or id with "eq", e.g. userName eq "a@b.com".'
    )


def person_resource(db: Session, user: User, locate: Locate) -> ScimPerson:
    row = db.get(ScimUser, user.id)
    resource = ScimPerson(
        id=str(user.id),
        external_id=row.external_id if row else None,
        user_name=user.email,
        display_name=user.name,
        active=user.active,
        name=Name.model_validate(row.name_parts) if row and row.name_parts else None,
        emails=[Email.model_validate(e) for e in row.emails] if row and row.emails else None,
        meta=Meta(
            resource_type="User",
            created=user.created_at,
            last_modified=max(user.updated_at, row.updated_at) if row else user.updated_at,
            location=locate("User", user.id),
        ),
    )
    manager_id = row.stated_manager_id if row and row.stated_manager_id else user.manager_id
    if manager_id is not None:
        resource[EnterpriseUser] = EnterpriseUser(
            manager=Manager.model_validate(
                {"value": str(manager_id), "$ref": locate("User", manager_id)}
            )
        )
    return resource


def create_person(db: Session, directory: Directory, resource: ScimPerson) -> User:
    """A new person (a rep, until a group says otherwise), or one the directory deleted
    earlier, back with everything they had. No password: they sign in with single sign-on
    (or an admin sets a first password)."""
    email = _email_of(resource)
    user = db.scalar(select(User).where(User.email == email))
    if user is not None:
        row = db.get(ScimUser, user.id)
        if row is None or row.deleted_at is None:
            raise UniquenessException(detail=f"A User with userName {email} already exists.")
        row.deleted_at = None
        _apply(db, directory, user, resource, manager_absent_clears=False)
        return user
    user = User(
        email=email,
        name=_name_of(resource, fallback=email.split("@")[0]),
        role=Role.REP,
        function=Function.OTHER,
        timezone="UTC",
        password_hash=unusable_password_hash(),
        active=resource.active is not False,
    )
    db.add(user)
    db.flush()
    db.add(ScimUser(user_id=user.id))
    db.flush()
    account_events.record(
        db, None, user, "user.create", email=email, role=user.role.value, **directory.details
    )
    _apply(db, directory, user, resource, manager_absent_clears=False)
    return user


def replace_person(db: Session, directory: Directory, user: User, resource: ScimPerson) -> None:
    """PUT: the resource as sent, but for a manager left out (see the module's docstring)."""
    _apply(db, directory, user, resource, manager_absent_clears=False)


def patch_person(db: Session, directory: Directory, user: User, patched: ScimPerson) -> None:
    """PATCH, given the resource the operations left: what they removed is removed."""
    _apply(db, directory, user, patched, manager_absent_clears=True)


def delete_person(db: Session, directory: Directory, user: User) -> None:
    """Deactivates the person and hides them from SCIM; nothing they wrote is removed."""
    row = _row_of(db, user)
    if user.active:
        deactivate(db, None, user, deleted=True, **directory.details)
    row.deleted_at = utcnow()
    db.execute(delete(ScimGroupMember).where(ScimGroupMember.user_id == user.id))
    db.flush()


def _apply(
    db: Session,
    directory: Directory,
    user: User,
    resource: ScimPerson,
    *,
    manager_absent_clears: bool,
) -> None:
    row = _row_of(db, user)
    changes: dict[str, list[str]] = {}
    email = _email_of(resource)
    if email != user.email:
        if db.scalar(select(func.count()).where(User.email == email, User.id != user.id)):
            raise UniquenessException(detail=f"A User with userName {email} already exists.")
        changes["email"] = [user.email, email]
        user.email = email
    name = _name_of(resource, fallback=user.name)
    if name != user.name:
        changes["name"] = [user.name, name]
        user.name = name
    row.external_id = _external_id(resource.external_id)
    row.name_parts = _dumped(resource.name)
    row.emails = [_dumped(e) for e in resource.emails] if resource.emails else None
    row.updated_at = utcnow()  # the SCIM row's own columns may be all that changed
    if changes:
        account_events.record(db, None, user, "user.update", changes=changes, **directory.details)
    extension = resource[EnterpriseUser]
    manager = extension.manager if extension is not None else None
    if manager is not None and (manager.value or manager.ref):
        row.stated_manager_id = _manager_id(db, user, manager)
        _settle_line(db, directory, user, row)
    elif manager_absent_clears:
        row.stated_manager_id = None
        if user.manager_id is not None:
            _record_line(db, directory, user, None)
    # After the line: deactivating hands drafts and follow-ups to the manager just set.
    if resource.active is False and user.active:
        deactivate(db, None, user, **directory.details)
    elif resource.active is True and not user.active:
        reactivate(db, None, user, **directory.details)
        _settle_lines_around(db, directory, user)
    db.flush()


def _row_of(db: Session, user: User) -> ScimUser:
    row = db.get(ScimUser, user.id)
    if row is None:
        row = ScimUser(user_id=user.id)
        db.add(row)
        db.flush()
    return row


def _email_of(resource: ScimPerson) -> str:
    email = normalise_email(resource.user_name or "")
    problem = email_problem(email)
    if problem:
        raise InvalidValueException(
            detail=f"userName is the person's email address, with which they sign in: {problem}"
        )
    return email


def _name_of(resource: ScimPerson, fallback: str) -> str:
    parts = resource.name
    joined = " ".join(p for p in (parts.given_name, parts.family_name) if p) if parts else ""
    name = (
        (resource.display_name or "").strip()
        or ((parts.formatted or "").strip() if parts else "")
        or joined.strip()
        or fallback
    )
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidValueException(
            detail=f"displayName has at most {NAME_MAX_LENGTH} characters ({len(name)} sent)."
        )
    problem = line_problem(name)
    if problem:
        raise InvalidValueException(detail=f"displayName: {problem}")
    return name


def _external_id(value: str | None) -> str | None:
    if value is not None and len(value) > EXTERNAL_ID_MAX_LENGTH:
        raise InvalidValueException(
            detail=f"externalId has at most {EXTERNAL_ID_MAX_LENGTH} characters."
        )
    return value


def _dumped(value: Any) -> Any:
    if value is None:
        return None
    return value.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def _manager_id(db: Session, user: User, manager: Manager) -> int:
    """The person the manager attribute names, by its value or else by the end of its $ref."""
    scim_id = manager.value or str(manager.ref or "").rstrip("/").rsplit("/", 1)[-1]
    manager_id = _number(scim_id)
    found = None if manager_id is None else db.scalar(people_in_scim().where(User.id == manager_id))
    if found is None:
        raise InvalidValueException(detail=f"manager: there is no User {scim_id}.")
    if found.id == user.id:
        raise InvalidValueException(detail="manager: someone cannot be their own manager.")
    return found.id


def _settle_line(db: Session, directory: Directory, user: User, row: ScimUser) -> None:
    """Applies the manager the directory named, once the roles allow it."""
    target = row.stated_manager_id
    if target is None or target == user.manager_id:
        return
    try:
        check_manager(db, user, user.role, target)
    except InvalidInput:
        return  # kept as stated; tried again when a role or an activity changes
    _record_line(db, directory, user, target)


def _record_line(db: Session, directory: Directory, user: User, manager_id: int | None) -> None:
    before = user.manager_id
    change_manager(db, user, manager_id, actor=None)
    account_events.record(
        db,
        None,
        user,
        "user.update",
        changes={"manager_id": [str(before), str(manager_id)]},
        **directory.details,
    )


def _settle_lines_around(db: Session, directory: Directory, user: User) -> None:
    """The person's own line, and the lines of those who wait to report to them."""
    row = db.get(ScimUser, user.id)
    if row is not None:
        _settle_line(db, directory, user, row)
    waiting = db.scalars(
        select(ScimUser).where(ScimUser.stated_manager_id == user.id, ScimUser.deleted_at.is_(None))
    ).all()
    for other in waiting:
        _settle_line(db, directory, other.user, other)


def search_everything(
    db: Session, filter_text: str | None, start_index: int, count: int
) -> tuple[int, list[User | ScimGroup]]:
    """People, then groups, a page of both (POST /.search). A filter on an attribute one
    type lacks matches nothing of that type; one that neither answers is refused."""
    people: Select[User] | None = people_in_scim()
    groups: Select[ScimGroup] | None = select(ScimGroup)
    if filter_text:
        people = _or_nothing(lambda: people_in_scim().where(_person_filter(filter_text)))
        groups = _or_nothing(lambda: select(ScimGroup).where(_group_filter(filter_text)))
        if people is None and groups is None:
            _person_filter(filter_text)  # raises the refusal
    found: list[User | ScimGroup] = []
    total = 0
    offset = start_index - 1
    for query, order in ((people, User.id), (groups, ScimGroup.id)):
        if query is None:
            continue
        size = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        wanted = count - len(found)
        if wanted > 0 and offset < size:
            found += db.scalars(query.order_by(order).offset(offset).limit(wanted)).all()
        offset = max(0, offset - size)
        total += size
    return total, found


def _or_nothing(build: Callable[[], Any]) -> Any:
    try:
        return build()
    except InvalidFilterException:
        return None


# Groups ------------------------------------------------------------------------------------


# RFC 7643 §3.1: an id is unique across all the resources of a provider, so a group's id is
# not a person's: "g" and the group's number.
GROUP_ID_PREFIX = "g"


def group_scim_id(group_id: int) -> str:
    return f"{GROUP_ID_PREFIX}{group_id}"


def _group_number(scim_id: str) -> int | None:
    if not scim_id.startswith(GROUP_ID_PREFIX):
        return None
    return _number(scim_id.removeprefix(GROUP_ID_PREFIX))


def group_or_404(db: Session, scim_id: str) -> ScimGroup:
    group_id = _group_number(scim_id)
    group = None if group_id is None else db.get(ScimGroup, group_id)
    if group is None:
        raise NotFoundException(detail=f"There is no Group {scim_id}.")
    return group


def list_groups(
    db: Session, filter_text: str | None, start_index: int, count: int
) -> tuple[int, list[ScimGroup]]:
    found = select(ScimGroup)
    if filter_text:
        found = found.where(_group_filter(filter_text))
    total = db.scalar(select(func.count()).select_from(found.subquery())) or 0
    page = db.scalars(found.order_by(ScimGroup.id).offset(start_index - 1).limit(count)).all()
    return total, list(page)


def _group_filter(text: str) -> ColumnElement[bool]:
    attribute, value = _equality(text)
    if attribute == "displayname":
        return func.lower(ScimGroup.display_name) == value.lower()
    if attribute == "externalid":
        return ScimGroup.external_id == value
    if attribute == "id":
        return ScimGroup.id == (_group_number(value) or 0)
    raise InvalidFilterException(
        detail='Filter Groups by displayName, externalId or id with "eq", '
        'e.g. displayName eq "Coachapp managers".'
    )


def group_resource(group: ScimGroup, locate: Locate) -> Group:
    return Group(
        id=group_scim_id(group.id),
        external_id=group.external_id,
        display_name=group.display_name,
        members=[
            GroupMember.model_validate(
                {"value": str(m.user_id), "$ref": locate("User", m.user_id), "type": "User"}
            )
            for m in group.members
        ]
        or None,
        meta=Meta(
            resource_type="Group",
            created=group.created_at,
            last_modified=group.updated_at,
            location=locate("Group", group.id),
        ),
    )


def create_group(db: Session, directory: Directory, resource: Group) -> ScimGroup:
    group = ScimGroup(display_name="", external_id=None)
    db.add(group)
    _apply_group(db, directory, group, resource)
    return group


def replace_group(db: Session, directory: Directory, group: ScimGroup, resource: Group) -> None:
    _apply_group(db, directory, group, resource)


def delete_group(db: Session, directory: Directory, group: ScimGroup) -> None:
    before = _membership(db, group)
    db.delete(group)
    db.flush()
    _settle_roles(db, directory, before, set())


def _apply_group(db: Session, directory: Directory, group: ScimGroup, resource: Group) -> None:
    name = (resource.display_name or "").strip()
    if not name:
        raise InvalidValueException(detail="displayName is required.")
    if len(name) > GROUP_NAME_MAX_LENGTH or line_problem(name):
        raise InvalidValueException(
            detail=f"displayName is one line of at most {GROUP_NAME_MAX_LENGTH} characters."
        )
    member_ids = _member_ids(db, resource.members or [])
    before = _membership(db, group) if group.id is not None else set()
    group.display_name = name
    group.external_id = _external_id(resource.external_id)
    group.updated_at = utcnow()
    current = {m.user_id: m for m in group.members}
    group.members = [current.get(i) or ScimGroupMember(user_id=i) for i in sorted(member_ids)]
    db.flush()
    _settle_roles(db, directory, before, _membership(db, group))


def _member_ids(db: Session, members: Sequence[GroupMember]) -> set[int]:
    wanted: set[int] = set()
    for member in members:
        if member.type not in (None, "User"):
            raise InvalidValueException(detail="members: a group holds Users, not Groups.")
        scim_id = member.value or str(member.ref or "").rstrip("/").rsplit("/", 1)[-1]
        number = _number(scim_id)
        if number is None:
            raise InvalidValueException(detail=f"members: there is no User {scim_id}.")
        wanted.add(number)
    if not wanted:
        return wanted
    found = set(db.scalars(people_in_scim().with_only_columns(User.id).where(User.id.in_(wanted))))
    missing = sorted(wanted - found)
    if missing:
        raise InvalidValueException(
            detail="members: there is no User " + ", ".join(map(str, missing)) + "."
        )
    return wanted


def _membership(db: Session, group: ScimGroup) -> set[tuple[int, str]]:
    """(person, group name) of each member, as the group stands in the database."""
    db.flush()
    rows = db.execute(
        select(ScimGroupMember.user_id, ScimGroup.display_name)
        .join(ScimGroup, ScimGroup.id == ScimGroupMember.group_id)
        .where(ScimGroup.id == group.id)
    ).all()
    return {(user_id, name) for user_id, name in rows}


def _settle_roles(
    db: Session,
    directory: Directory,
    before: set[tuple[int, str]],
    after: set[tuple[int, str]],
) -> None:
    """Gives each person whose role groups changed the role they now give."""
    touched = {user_id for user_id, name in before ^ after if name.casefold() in ROLE_GROUPS}
    had_role_group = {user_id for user_id, name in before if name.casefold() in ROLE_GROUPS}
    for user_id in sorted(touched):
        user = db.get(User, user_id)
        if user is None or user.role == Role.ADMIN:
            continue
        given = _roles_given(db, user_id)
        if given:
            role = max(given, key=ROLE_RANK.index)
        elif user_id in had_role_group:
            role = Role.REP
        else:
            continue
        if role == user.role:
            continue
        before_role = user.role
        user.role = role
        # A role change takes effect now, as an admin's does: sign-ins and tokens end.
        end_all_sessions(db, user)
        account_events.record(
            db,
            None,
            user,
            "user.update",
            changes={"role": [before_role.value, role.value]},
            **directory.details,
        )
        _settle_lines_around(db, directory, user)


def _roles_given(db: Session, user_id: int) -> list[Role]:
    names = db.scalars(
        select(ScimGroup.display_name)
        .join(ScimGroupMember, ScimGroupMember.group_id == ScimGroup.id)
        .where(ScimGroupMember.user_id == user_id)
    ).all()
    return [ROLE_GROUPS[n.casefold()] for n in names if n.casefold() in ROLE_GROUPS]


# Requests ----------------------------------------------------------------------------------

_EQUALITY = re.compile(r'\s*([A-Za-z][\w.:-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*', re.IGNORECASE)


def _equality(text: str) -> tuple[str, str]:
    """The attribute (lower case) and value of a filter `attribute eq "value"`, the one form
    of filter Coachapp answers."""
    found = _EQUALITY.fullmatch(text)
    if found is None:
        raise InvalidFilterException(
            detail='Coachapp answers one form of filter: attribute eq "value".'
        )
    attribute = found.group(1).rsplit(":", 1)[-1].lower()
    value = re.sub(r"\\(.)", r"\1", found.group(2))
    return attribute, value


def paging(start_index: str | int | None, count: str | int | None) -> tuple[int, int]:
    """startIndex (from 1) and count as RFC 7644 §3.4.2.4 reads them: below 1 is 1, a
    negative count is 0; at most MAX_COUNT a page."""
    start = _integer("startIndex", start_index, 1)
    size = _integer("count", count, DEFAULT_COUNT)
    return max(start, 1), min(max(size, 0), MAX_COUNT)


def _integer(name: str, value: str | int | None, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):  # JSON true is no number
        raise InvalidValueException(detail=f"{name} is a whole number.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidValueException(detail=f"{name} is a whole number.") from None


def _number(scim_id: str) -> int | None:
    """A SCIM id as Coachapp's id, None when it cannot be one (then nothing has it)."""
    if not scim_id.isdecimal() or len(scim_id) > 9:
        return None
    return int(scim_id)
