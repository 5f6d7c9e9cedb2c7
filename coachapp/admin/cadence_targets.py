"""Cadence targets: how often each rep should be coached, for the organisation and per team;
and the organisation's acknowledgement deadline (days a rep has to acknowledge a note)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coachapp import audit
from coachapp.coaching.cadence import (
    DEFAULT_ACK_DEADLINE_DAYS,
    DEFAULT_ANY_COACHING_DAYS,
    DEFAULT_RIDE_ALONG_DAYS,
    org_ack_deadline_days,
)
from coachapp.errors import Conflict, InvalidInput
from coachapp.field_messages import DAYS_FROM_1_TO
from coachapp.languages import N_
from coachapp.models import CadenceTarget, Role, User

MAX_DAYS = 365
_DAYS_MESSAGE = DAYS_FROM_1_TO % {"max": MAX_DAYS}


def _days(label: str) -> fields.Integer:
    return fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=MAX_DAYS, error=_DAYS_MESSAGE),
        error_messages={
            "required": f"Enter {label}.",
            "invalid": _DAYS_MESSAGE,
        },
    )


MAX_ACK_DEADLINE_DAYS = 30
_ACK_DAYS_MESSAGE = DAYS_FROM_1_TO % {"max": MAX_ACK_DEADLINE_DAYS}


class CadenceTargetSchema(Schema):
    any_coaching_days = _days("how often any coaching is due")
    ride_along_days = _days("how often a ride-along is due")
    # The organisation's form only; absent: left as it is.
    ack_deadline_days = fields.Integer(
        load_default=None,
        strict=False,
        validate=validate.Range(min=1, max=MAX_ACK_DEADLINE_DAYS, error=_ACK_DAYS_MESSAGE),
        error_messages={"invalid": _ACK_DAYS_MESSAGE},
    )

    @validates_schema
    def _ride_along_is_coaching(self, data: dict[str, Any], **_: Any) -> None:
        if data["ride_along_days"] < data["any_coaching_days"]:
            raise SchemaError(
                "A ride-along is coaching too: it cannot be due more often than any coaching.",
                field_name="ride_along_days",
            )


cadence_target_schema = CadenceTargetSchema()


@dataclass(frozen=True)
class TeamTarget:
    manager: User
    any_coaching_days: int
    ride_along_days: int


@dataclass(frozen=True)
class CadenceTargets:
    any_coaching_days: int
    ride_along_days: int
    # True when the organisation default is still the built-in one (no row saved yet).
    built_in: bool
    teams: list[TeamTarget]
    # Days a rep has to acknowledge a note: the organisation's, else the configuration's.
    ack_deadline_days: int = DEFAULT_ACK_DEADLINE_DAYS


def cadence_targets(db: Session) -> CadenceTargets:
    """The organisation default and every per-team override, by manager name."""
    rows = db.scalars(select(CadenceTarget)).all()
    default = next((r for r in rows if r.team_manager_id is None), None)
    manager_ids = [r.team_manager_id for r in rows if r.team_manager_id is not None]
    managers = {u.id: u for u in db.scalars(select(User).where(User.id.in_(manager_ids))).all()}
    teams = sorted(
        (
            TeamTarget(managers[r.team_manager_id], r.any_coaching_days, r.ride_along_days)
            for r in rows
            if r.team_manager_id in managers
        ),
        key=lambda t: t.manager.name.lower(),
    )
    ack_days = org_ack_deadline_days(rows)
    if default is None:
        return CadenceTargets(
            DEFAULT_ANY_COACHING_DAYS, DEFAULT_RIDE_ALONG_DAYS, True, teams, ack_days
        )
    return CadenceTargets(
        default.any_coaching_days, default.ride_along_days, False, teams, ack_days
    )


def managers_for_targets(db: Session) -> list[User]:
    """Whose team can have its own target: active first-line managers."""
    return list(
        db.scalars(
            select(User).where(User.role == Role.MANAGER, User.active.is_(True)).order_by(User.name)
        ).all()
    )


def set_cadence_target(
    db: Session,
    actor: User,
    team_manager_id: int | None,
    any_coaching_days: int,
    ride_along_days: int,
    ack_deadline_days: int | None = None,
) -> CadenceTarget:
    """Saves the organisation default (team_manager_id None) or one team's override; the
    acknowledgement deadline belongs to the organisation's (None leaves it as it is)."""
    if team_manager_id is not None:
        manager = db.get(User, team_manager_id)
        if manager is None or manager.role != Role.MANAGER or not manager.active:
            raise InvalidInput(
                "Choose an active first-line manager.",
                {"team_manager_id": ["Choose an active first-line manager."]},
            )
    target = db.scalars(
        select(CadenceTarget).where(
            CadenceTarget.team_manager_id.is_(None)
            if team_manager_id is None
            else CadenceTarget.team_manager_id == team_manager_id
        )
    ).first()
    before = None if target is None else [target.any_coaching_days, target.ride_along_days]
    deadline_before = None if target is None else target.ack_deadline_days
    if target is None:
        target = CadenceTarget(team_manager_id=team_manager_id)
        db.add(target)
    target.any_coaching_days = any_coaching_days
    target.ride_along_days = ride_along_days
    if team_manager_id is None and ack_deadline_days is not None:
        target.ack_deadline_days = ack_deadline_days
    try:
        db.flush()
    except IntegrityError as exc:
        # Someone saved the same team's target at the same moment.
        db.rollback()
        raise Conflict(
            N_("Someone else saved this target just now; check it and try again.")
        ) from exc
    audit.record(
        db,
        actor,
        "cadence_target.save",
        "cadence_target",
        target.id,
        team_manager_id=team_manager_id,
        before=before,
        after=[any_coaching_days, ride_along_days],
        ack_deadline_days=[deadline_before, target.ack_deadline_days],
    )
    db.commit()
    return target


def remove_cadence_target(db: Session, actor: User, team_manager_id: int) -> bool:
    """Returns a team to the organisation default; False when it had no override."""
    target = db.scalars(
        select(CadenceTarget).where(CadenceTarget.team_manager_id == team_manager_id)
    ).first()
    if target is None:
        return False
    audit.record(
        db,
        actor,
        "cadence_target.remove",
        "cadence_target",
        target.id,
        team_manager_id=team_manager_id,
        before=[target.any_coaching_days, target.ride_along_days],
    )
    db.delete(target)
    db.commit()
    return True
