"""The audit trail: who changed what, when."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from coachapp.models import AuditEvent, User


def record(
    db: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the caller's transaction, so it commits with the change."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.add(event)
    return event
