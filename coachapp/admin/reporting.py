"""Who may report to whom: a rep to a manager, a manager to a director, nobody to an admin."""

from __future__ import annotations

from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.errors import InvalidInput
from coachapp.models import Role, User

ALLOWED_MANAGER_ROLES = {
    Role.REP: {Role.MANAGER},
    Role.MANAGER: {Role.DIRECTOR},
    Role.DIRECTOR: {Role.DIRECTOR},
    Role.ADMIN: set(),
}


def check_manager(db: Session, user: User | None, role: Role, manager_id: int | None) -> None:
    """Raises InvalidInput (at the manager field) unless `user`, with `role`, may report to
    `manager_id`; `user` is None for someone not added yet."""
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
