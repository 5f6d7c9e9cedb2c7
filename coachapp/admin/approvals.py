"""Changes to people that one admin alone may not make: another admin approves them.

Two kinds. A change to one's own role, manager or activity: an admin reads no coaching, and
one who could make themself a director would. And a change that adds an admin (the role
given, or an admin account activated): a second admin account in one person's hands would
approve the first one's requests. Either waits as a request; any other admin approves or
declines it (the asker may withdraw it). It is applied only while the person is still as
they were when it was asked, and a new admin gets their one-time password from the admin who
approves them, never from the one who asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import account_events
from coachapp.admin.deactivation import end_access_and_hand_over
from coachapp.admin.reporting import check_manager
from coachapp.auth.passwords import hash_password, temporary_password
from coachapp.auth.service import end_all_sessions, temporary_password_expiry
from coachapp.db import utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coachapp.field_messages import filled_in
from coachapp.languages import N_, gettext, writing_for
from coachapp.links import path_for
from coachapp.models import AccountChangeRequest, ChangeRequestStatus, Role, User
from coachapp.nudges import subjects
from coachapp.nudges.outbox import notify
from coachapp.reporting_lines import change_manager

# The fields whose change may need a second admin: they decide what the person may see.
GATED_FIELDS = ("role", "manager_id", "active")


def values_of(user: User) -> dict[str, Any]:
    """The person's gated fields as a request stores them (JSON values)."""
    return {"role": user.role.value, "manager_id": user.manager_id, "active": user.active}


def adds_admin(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    """Whether the change leaves an active admin where there was none."""
    was_admin = before is not None and before["role"] == Role.ADMIN and before["active"]
    return after["role"] == Role.ADMIN and bool(after["active"]) and not was_admin


def needs_second_admin(actor: User | None, user: User | None, after: dict[str, Any]) -> bool:
    """Whether `actor` may not make this change alone. `after` holds the gated fields as the
    change would leave them; `user` is None for someone not added yet. The command line
    (actor None) is whoever runs the server, who needs nobody's approval."""
    if actor is None:
        return False
    if user is None:
        return adds_admin(None, after)
    before = values_of(user)
    own = user.id == actor.id and any(after[f] != before[f] for f in GATED_FIELDS)
    return own or adds_admin(before, after)


def request_change(
    db: Session, actor: User, user: User, after: dict[str, Any]
) -> AccountChangeRequest:
    """Records the gated part of a change as waiting for another admin (the caller commits);
    the person and every other admin are told."""
    before = values_of(user)
    changes = {
        field: [before[field], after[field]]
        for field in GATED_FIELDS
        if field in after and after[field] != before[field]
    }
    if db.scalar(
        select(AccountChangeRequest.id).where(
            AccountChangeRequest.user_id == user.id,
            AccountChangeRequest.status == ChangeRequestStatus.PENDING,
        )
    ):
        raise InvalidInput(
            filled_in(
                N_(
                    "A change for %(name)s already waits for another admin; it must be "
                    "approved or declined first."
                ),
                name=user.name,
            )
        )
    request = AccountChangeRequest(user_id=user.id, requested_by_id=actor.id, changes=changes)
    db.add(request)
    db.flush()
    account_events.record(
        db, actor, user, "user.change_requested", request_id=request.id, changes=changes
    )
    for admin in _other_admins(db, {actor.id, user.id}):
        with writing_for(admin):
            title = gettext(
                "A change to %(name)s's account waits for your approval", name=user.name
            )
            body = gettext(
                "Asked by %(name)s. Approve or decline it under People.", name=actor.name
            )
        notify(
            db,
            admin.id,
            "approval_needed",
            title,
            path_for("admin.users"),
            f"approval_needed:{request.id}:{admin.id}",
            body=body,
            subject=subjects.pending_approvals(),
        )
    return request


def _other_admins(db: Session, excluded: set[int]) -> list[User]:
    return list(
        db.scalars(
            select(User).where(
                User.role == Role.ADMIN, User.active.is_(True), User.id.not_in(excluded)
            )
        ).all()
    )


def pending_requests(db: Session) -> list[AccountChangeRequest]:
    """Every change waiting for a second admin, oldest first."""
    return list(
        db.scalars(
            select(AccountChangeRequest)
            .where(AccountChangeRequest.status == ChangeRequestStatus.PENDING)
            .order_by(AccountChangeRequest.id)
        ).all()
    )


def summary(db: Session, request: AccountChangeRequest) -> list[str]:
    """The request's changes for the admins deciding on it, e.g. "role: admin → director"."""
    lines = []
    for field, (before, after) in request.changes.items():
        if field == "role":
            lines.append(f"role: {before} → {after}")
        elif field == "manager_id":
            lines.append(f"reports to: {_name(db, before)} → {_name(db, after)}")
        elif field == "active":
            lines.append("account: " + ("inactive → active" if after else "active → inactive"))
    return lines


def _name(db: Session, user_id: int | None) -> str:
    found = db.get(User, user_id) if user_id is not None else None
    return found.name if found is not None else "nobody"


def pending_for(db: Session, user: User) -> AccountChangeRequest | None:
    return db.scalars(
        select(AccountChangeRequest).where(
            AccountChangeRequest.user_id == user.id,
            AccountChangeRequest.status == ChangeRequestStatus.PENDING,
        )
    ).first()


def may_approve(admin: User, request: AccountChangeRequest) -> bool:
    """Another admin: neither the one who asked nor the person it is about."""
    return admin.id not in {request.requested_by_id, request.user_id}


@dataclass(frozen=True)
class Approval:
    request: AccountChangeRequest
    # A new admin's one-time password, for the approving admin to pass on; shown once, stored
    # only hashed, never logged or audited.
    password: str | None


def approve(db: Session, approver: User, request_id: int) -> Approval:
    request = _pending_or_404(db, request_id)
    if not may_approve(approver, request):
        raise PermissionDenied(
            N_("Another admin approves this: not the one who asked, nor the person it is about.")
        )
    user = request.user
    now = values_of(user)
    for field, (before, _after) in request.changes.items():
        if now[field] != before:
            raise Conflict(
                filled_in(
                    N_(
                        "%(name)s's account changed since this was asked, so it may no longer "
                        "be what was meant. Decline it and ask again."
                    ),
                    name=user.name,
                )
            )
    after = {**now, **{field: values[1] for field, values in request.changes.items()}}
    role = Role(after["role"])
    check_manager(db, user, role, after["manager_id"])
    password = None
    if adds_admin(now, after):
        # The asker may know the account's password (they may have set it): the new admin
        # starts from one that only the approver has seen.
        password = temporary_password()
        user.password_hash = hash_password(password)
        user.must_change_password = True
        user.temporary_password_expires_at = temporary_password_expiry()
    user.role = role
    change_manager(db, user, after["manager_id"], actor=approver)
    if user.active and not after["active"]:
        end_access_and_hand_over(db, approver, user)
    user.active = bool(after["active"])
    if "role" in request.changes or "active" in request.changes or password is not None:
        end_all_sessions(db, user)
    _decide(request, approver, ChangeRequestStatus.APPROVED)
    account_events.record(
        db,
        approver,
        user,
        "user.change_approved",
        request_id=request.id,
        requested_by_id=request.requested_by_id,
        changes=request.changes,
        password_issued=password is not None,
    )
    db.commit()
    return Approval(request, password)


def decline(db: Session, admin: User, request_id: int) -> AccountChangeRequest:
    """Any admin declines; the one who asked may withdraw their own request."""
    request = _pending_or_404(db, request_id)
    if admin.id == request.user_id and admin.id != request.requested_by_id:
        raise PermissionDenied(N_("Another admin decides on a change to your own account."))
    _decide(request, admin, ChangeRequestStatus.DECLINED)
    account_events.record(
        db,
        admin,
        request.user,
        "user.change_declined",
        request_id=request.id,
        requested_by_id=request.requested_by_id,
        changes=request.changes,
    )
    db.commit()
    return request


def _decide(request: AccountChangeRequest, admin: User, status: ChangeRequestStatus) -> None:
    request.status = status
    request.decided_by_id = admin.id
    request.decided_at = utcnow()


def _pending_or_404(db: Session, request_id: int) -> AccountChangeRequest:
    request = db.get(AccountChangeRequest, request_id)
    if request is None:
        raise NotFound()
    if request.status != ChangeRequestStatus.PENDING:
        raise Conflict(N_("This request was already decided."))
    return request
