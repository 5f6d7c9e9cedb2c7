"""What the company's directory provisions through SCIM (coachapp.scim): its bearer tokens, what
it says of each person beyond Coachapp's own columns, and its groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.models.org import User


class ScimToken(Base):
    """A bearer token of the directory, made by `flask --app coachapp scim-token`; only its
    SHA-256 is stored. It acts for the organisation, not for a person."""

    __tablename__ = "scim_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class ScimUser(Base):
    """What the directory said of a person that Coachapp has no column for: its own id for
    them, the parts of their name, their email addresses, and the manager it named, which
    applies to the reporting line once Coachapp's rules allow it (coachapp.scim.service).
    userName, displayName and active are the person's email, name and active."""

    __tablename__ = "scim_users"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    external_id: Mapped[str | None] = mapped_column(String(255))
    name_parts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    emails: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    stated_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # DELETE deactivates the person and hides them from SCIM; nothing they wrote is removed.
    deleted_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ScimGroup(Base):
    """A group of the directory. Three names give a role to their members (coachapp.scim.roles);
    any other group is kept as sent and gives nothing."""

    __tablename__ = "scim_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(255))
    external_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    members: Mapped[list[ScimGroupMember]] = relationship(
        cascade="all, delete-orphan", order_by="ScimGroupMember.user_id"
    )


class ScimGroupMember(Base):
    __tablename__ = "scim_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("scim_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
