"""People, customer accounts, credentials and the audit trail."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, event, false, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy import inspect as inspect_object
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.languages import N_


def str_enum(enum_cls: type[enum.StrEnum], name: str) -> SAEnum:
    """A portable enum column: VARCHAR plus a named CHECK constraint."""
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Role(enum.StrEnum):
    REP = "rep"
    MANAGER = "manager"
    DIRECTOR = "director"
    ADMIN = "admin"


class Function(enum.StrEnum):
    SALES = "sales"
    KEY_ACCOUNT = "key_account"
    MSL = "msl"
    MARKET_ACCESS = "market_access"
    REIMBURSEMENT = "reimbursement"
    NURSE_EDUCATOR = "nurse_educator"
    OTHER = "other"


FUNCTION_LABELS = {
    Function.SALES: N_("Sales"),
    Function.KEY_ACCOUNT: N_("Key account"),
    Function.MSL: N_("Medical science liaison"),
    Function.MARKET_ACCESS: N_("Market access"),
    Function.REIMBURSEMENT: N_("Reimbursement"),
    Function.NURSE_EDUCATOR: N_("Nurse educator"),
    Function.OTHER: N_("Other"),
}


class Line(enum.StrEnum):
    """The part of the organisation a function reports up: sales (sales reps and key account
    managers), market access (market access and reimbursement), medical affairs (MSLs),
    patient services (nurse educators). Two key account managers of two sales teams are one
    line; an MSL and a reimbursement specialist are two."""

    SALES = "sales"
    MARKET_ACCESS = "market_access"
    MEDICAL = "medical"
    PATIENT_SERVICES = "patient_services"
    OTHER = "other"


LINE_OF_FUNCTION: dict[Function, Line] = {
    Function.SALES: Line.SALES,
    Function.KEY_ACCOUNT: Line.SALES,
    Function.MARKET_ACCESS: Line.MARKET_ACCESS,
    Function.REIMBURSEMENT: Line.MARKET_ACCESS,
    Function.MSL: Line.MEDICAL,
    Function.NURSE_EDUCATOR: Line.PATIENT_SERVICES,
    Function.OTHER: Line.OTHER,
}

LINE_LABELS = {
    Line.SALES: N_("Sales"),
    Line.MARKET_ACCESS: N_("Market access"),
    Line.MEDICAL: N_("Medical affairs"),
    Line.PATIENT_SERVICES: N_("Patient services"),
    Line.OTHER: N_("Other"),
}


ROLE_LABELS = {
    Role.REP: N_("Rep / account team member"),
    Role.MANAGER: N_("First-line manager"),
    Role.DIRECTOR: N_("Director"),
    Role.ADMIN: N_("Admin / enablement"),
}


def first_name_of(name: str) -> str:
    """The first word of a full name, spaces around it ignored ("Sam" of " Sam de Vries");
    "" for a blank name."""
    words = name.split()
    return words[0] if words else ""


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    function: Mapped[Function] = mapped_column(str_enum(Function, "function"))
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The language the person chose (coachapp.languages); "" for their browser's.
    language: Mapped[str] = mapped_column(String(8), server_default="")
    # The sales region the person works in (free text, e.g. "Northeast"); "" when unknown.
    region: Mapped[str] = mapped_column(String(80), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An admin chose the current password (a new person, a first password, a reset): the
    # person chooses their own before anything else (coachapp.auth.password_change).
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # When a password an admin chose stops working if its owner has not replaced it (None:
    # the person chose their own). It opens nothing but the page to choose one's own.
    temporary_password_expires_at: Mapped[dt.datetime | None]
    # When the person left (was deactivated; None while active): the organisation's retention
    # counts from here (coachapp.privacy.retention). Kept by _leaving_is_dated below.
    left_at: Mapped[dt.datetime | None]
    # When retention erased them: name, email and free text anonymised, figures kept.
    erased_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    manager: Mapped[User | None] = relationship(remote_side=[id], back_populates="reports")
    reports: Mapped[list[User]] = relationship(back_populates="manager")

    __table_args__ = (
        CheckConstraint("manager_id IS NULL OR manager_id <> id", name="not_own_manager"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    # flask-login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    # Plain attributes such as browser_token below are not columns.
    __allow_unmapped__ = True

    # The token of the browser session this request belongs to; set at sign-in and by
    # the user loader. flask-login keeps it in the cookie instead of the user's id, so
    # ending the server-side session (sign-out, deactivation) ends the cookie too.
    browser_token: str | None = None
    # When that browser session ends (coachapp.auth.person tells the phone).
    browser_session_ends: dt.datetime | None = None

    @property
    def first_name(self) -> str:
        """What the app calls the person in a sentence ("Coaching Sam", "Note from Sam")."""
        return first_name_of(self.name)

    def get_id(self) -> str:
        if not self.browser_token:
            raise RuntimeError("sign in through coachapp.auth.service.start_browser_session")
        return self.browser_token

    def temporary_password_expired(self, now: dt.datetime) -> bool:
        """The password an admin chose for this person is past its time and opens nothing."""
        expires = self.temporary_password_expires_at
        return self.must_change_password and expires is not None and expires <= now

    @property
    def function_label(self) -> str:
        return FUNCTION_LABELS[self.function]

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ReportingLine(Base):
    """Who someone reported to, from when to when: one row per stretch under one manager.

    Written by coachapp.reporting_lines.change_manager, the one place a manager
    changes, in the same transaction as users.manager_id; the open row (ended_at NULL) is
    the current line. A former manager's view of their old notes stops at ended_at
    (coachapp.policy, "A team move").
    """

    __tablename__ = "reporting_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("manager_id <> user_id", name="not_own_manager"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        # One current line per person.
        Index(
            "uq_reporting_lines_open",
            "user_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )


@event.listens_for(Session, "before_flush")
def _manager_changes_keep_their_history(session: Session, _context: Any, _objects: Any) -> None:
    """A change of someone's manager goes through coachapp.reporting_lines.change_manager,
    which writes the reporting line with it; one made any other way is refused, so no path
    can move a rep without the history their former manager's access depends on."""
    lines = {
        line.user_id for line in (*session.new, *session.dirty) if isinstance(line, ReportingLine)
    }
    for person in session.dirty:
        if not isinstance(person, User) or person.id in lines:
            continue
        attrs = inspect_object(person).attrs
        if attrs.manager_id.history.has_changes() or attrs.manager.history.has_changes():
            raise RuntimeError(
                f"{person!r}: change a manager with coachapp.reporting_lines.change_manager"
            )


@event.listens_for(Session, "before_flush")
def _leaving_is_dated(session: Session, _context: Any, _objects: Any) -> None:
    """Whoever deactivates someone (an admin, an approval, an import, the directory), the time
    they left is set with it, and cleared when they come back."""
    for person in (*session.new, *session.dirty):
        if not isinstance(person, User):
            continue
        leaving = person.active is False  # None: a new person, active by default
        if leaving and person.left_at is None:
            person.left_at = utcnow()
        elif not leaving and person.left_at is not None:
            person.left_at = None


class AccountType(enum.StrEnum):
    IDN = "idn"
    HEALTH_SYSTEM = "health_system"
    HOSPITAL = "hospital"
    MEDICAL_GROUP = "medical_group"
    CLINIC = "clinic"
    ACADEMIC_CENTER = "academic_center"
    PAYER = "payer"
    OTHER = "other"


ACCOUNT_TYPE_LABELS = {
    AccountType.IDN: N_("Integrated delivery network"),
    AccountType.HEALTH_SYSTEM: N_("Health system"),
    AccountType.HOSPITAL: N_("Hospital"),
    AccountType.MEDICAL_GROUP: N_("Medical group"),
    AccountType.CLINIC: N_("Clinic"),
    AccountType.ACADEMIC_CENTER: N_("Academic medical center"),
    AccountType.PAYER: N_("Payer"),
    AccountType.OTHER: N_("Other"),
}


class Account(Base):
    """An organised customer: an IDN, a health system, a large medical group."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[AccountType] = mapped_column(str_enum(AccountType, "account_type"))
    region: Mapped[str] = mapped_column(String(80), index=True)
    # The CRM's or the data warehouse's id of the account, by which imports name it.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # The hierarchy of the CRM (IDN → hospital → site); the account import refuses loops.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    territory_id: Mapped[int | None] = mapped_column(
        ForeignKey("territories.id", ondelete="SET NULL"), index=True
    )
    # The postal address; `address_region` is the state or province, not the sales `region`.
    # Filled by the database when not given (server defaults only: rows written at an older
    # revision, as the migration tests do, know nothing of these columns).
    street: Mapped[str] = mapped_column(String(200), server_default="")
    city: Mapped[str] = mapped_column(String(100), server_default="")
    address_region: Mapped[str] = mapped_column(String(100), server_default="")
    postal_code: Mapped[str] = mapped_column(String(20), server_default="")
    country: Mapped[str] = mapped_column(String(60), server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    territory: Mapped[Territory | None] = relationship()

    @property
    def type_label(self) -> str:
        return ACCOUNT_TYPE_LABELS[self.type]


class Territory(Base):
    """A sales territory as the CRM names it; it aligns people to accounts."""

    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UserTerritory(Base):
    """A person aligned to a territory: its accounts are theirs first when starting a plan."""

    __tablename__ = "user_territories"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="api")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class CalendarFeed(Base):
    """A person's calendar subscription address; only the SHA-256 of its secret is stored.
    At most one is live per person: a new one ends the one before."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class AuditEvent(Base):
    """Who changed what, when: coaching notes, plans, users."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)


class BrowserSession(Base):
    """A signed-in browser; only a hash of its token is stored."""

    __tablename__ = "browser_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()


class ChangeRequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class AccountChangeRequest(Base):
    """A change to someone's role, manager or activity that waits for a second admin: changes
    to one's own account, and changes that add an admin (coachapp.admin.approvals)."""

    __tablename__ = "account_change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # {"role": ["admin", "director"], "manager_id": [null, 7], "active": [true, false]}: each
    # field's value when asked, and the value asked for. Approval applies them only while the
    # values are still those of the request.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[ChangeRequestStatus] = mapped_column(
        str_enum(ChangeRequestStatus, "change_request_status"),
        default=ChangeRequestStatus.PENDING,
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        # One request waits per person at a time.
        Index(
            "uq_account_change_requests_pending",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_when_not_pending"
        ),
    )


class LoginAttempt(Base):
    """Recent sign-in attempts, for throttling by address and by email."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
