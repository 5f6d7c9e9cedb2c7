"""Loading the organisation from a CSV file: a dry run listing every change and every error by
line, then an all-or-nothing apply that checks the file again against the database as it is."""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coachapp import account_events, audit
from coachapp.admin.deactivation import end_access_and_hand_over
from coachapp.admin.reporting import ALLOWED_MANAGER_ROLES
from coachapp.auth.passwords import unusable_password_hash
from coachapp.auth.service import end_all_sessions
from coachapp.csvfiles import (
    ImportProblem,
    delimiter_of,
    problems_by_line,
    read_header,
    wrong_width,
)
from coachapp.csvfiles import decode_upload as decode_any_upload
from coachapp.email_addresses import email_problem, normalise_email
from coachapp.errors import Conflict, InvalidInput
from coachapp.field_messages import filled_in, said
from coachapp.languages import N_
from coachapp.models import FUNCTION_LABELS, ROLE_LABELS, Function, Role, User
from coachapp.plain_text import line_problem
from coachapp.reporting_lines import change_manager
from coachapp.timezones import canonical_name

MAX_IMPORT_BYTES = 400_000
MAX_IMPORT_ROWS = 2_000
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 120
DEFAULT_REGION_LENGTH = 80

REQUIRED_COLUMNS = ("email", "name", "role", "function", "manager_email", "timezone")
COLUMN_TITLES = {
    "email": N_("email"),
    "name": N_("name"),
    "role": N_("role"),
    "function": N_("function"),
    "manager_email": N_("manager email"),
    "timezone": N_("time zone"),
    "region": N_("region"),
}
# Who reports to whom, as the problems say it (admin.reporting.ALLOWED_MANAGER_ROLES).
ROLE_RULES = {
    Role.REP: N_("A rep reports to a manager"),
    Role.MANAGER: N_("A manager reports to a director"),
    Role.DIRECTOR: N_("A director reports to a director"),
    Role.ADMIN: N_("An admin reports to nobody"),
}
# A role as the problems name it mid-sentence.
ROLE_WORDS = {
    Role.REP: N_("rep"),
    Role.MANAGER: N_("manager"),
    Role.DIRECTOR: N_("director"),
    Role.ADMIN: N_("admin"),
}
# A file to copy, shown on the import page: the columns and values are the file's own (English).
EXAMPLE_FILE = (
    "email,name,role,function,manager email,time zone\n"
    "dana@example.com,Dana Director,director,sales,,America/Chicago\n"
    "morgan@example.com,Morgan Manager,manager,sales,dana@example.com,America/Chicago\n"
    "riley@example.com,Riley Rep,rep,key_account,morgan@example.com,America/Denver"
)
# Header cells are compared without case, spaces, underscores or hyphens.
HEADER_ALIASES = {
    "email": "email",
    "name": "name",
    "role": "role",
    "function": "function",
    "manageremail": "manager_email",
    "timezone": "timezone",
    "region": "region",
}


def region_supported() -> bool:
    """Whether people have a region; checked when used, as the column may arrive later."""
    return hasattr(User, "region")


def _region_length() -> int:
    column = User.__table__.c.get("region")
    length = getattr(getattr(column, "type", None), "length", None)
    return int(length) if length else DEFAULT_REGION_LENGTH


@dataclass
class ImportRow:
    """One person as the file describes them; valid once every value could be read."""

    line: int
    email: str
    name: str = ""
    role: Role | None = None
    function: Function | None = None
    manager_email: str = ""
    timezone: str = ""
    region: str | None = None  # None: the file has no region column
    valid: bool = True


class ChangeKind(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REACTIVATE = "reactivate"
    DEACTIVATE = "deactivate"


@dataclass(frozen=True)
class FieldChange:
    name: str  # the column, e.g. "manager_email"
    before: str
    after: str

    @property
    def title(self) -> str:
        return COLUMN_TITLES.get(self.name, self.name)


@dataclass(frozen=True)
class PersonChange:
    kind: ChangeKind
    email: str
    name: str
    line: int | None
    user_id: int | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def role_changed(self) -> bool:
        return any(f.name == "role" for f in self.fields)

    @property
    def ends_sessions(self) -> bool:
        """A role change or a deactivation signs the person out everywhere."""
        return self.kind == ChangeKind.DEACTIVATE or (
            self.kind != ChangeKind.CREATE and self.role_changed
        )


@dataclass
class ImportPlan:
    """What applying the file would do, or why it cannot be applied."""

    deactivate_missing: bool
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    changes: list[PersonChange] = field(default_factory=list)
    unchanged: int = 0
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def of_kind(self, kind: ChangeKind) -> list[PersonChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def problems_by_line(self) -> list[tuple[int | None, list[str]]]:
        """Every problem, grouped by line in file order (the file's own problems first)."""
        return problems_by_line(self.problems)

    @property
    def counts(self) -> dict[str, int]:
        return {kind.value: len(self.of_kind(kind)) for kind in ChangeKind}

    @property
    def fingerprint(self) -> str:
        """Identifies the changes listed, so applying can tell the preview has gone stale."""
        listed = [
            [c.kind.value, c.email, [[f.name, f.before, f.after] for f in c.fields]]
            for c in self.changes
        ]
        text = json.dumps([self.deactivate_missing, listed], separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


class ImportRefused(InvalidInput):
    """The file has errors; nothing was applied."""

    def __init__(self, plan: ImportPlan) -> None:
        count = len(plan.problems)
        super().__init__(
            filled_in(
                N_("The file has %(count)s error; nothing was changed.")
                if count == 1
                else N_("The file has %(count)s errors; nothing was changed."),
                count=count,
            )
        )
        self.plan = plan


class StaleImport(Conflict):
    """The organisation changed since the preview; nothing was applied."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(
            N_(
                "The organisation changed since the preview, so these changes differ from the "
                "ones you saw. Nothing was changed; check them again."
            )
        )
        self.plan = plan


# Reading the file ---------------------------------------------------------------------------


def decode_upload(content: bytes) -> tuple[str | None, list[ImportProblem]]:
    """The file as text, or why it cannot be read at all."""
    return decode_any_upload(content, MAX_IMPORT_BYTES)


def _read_header(cells: list[str]) -> tuple[dict[str, int], list[ImportProblem]]:
    accepted = filled_in(
        N_("%(columns)s (and optionally region)"),
        columns=", ".join(COLUMN_TITLES[c] for c in REQUIRED_COLUMNS),
    )
    return read_header(cells, HEADER_ALIASES, COLUMN_TITLES, REQUIRED_COLUMNS, accepted)


def _choice(raw: str, labels: dict[Any, str]) -> Any:
    """The enum member a cell names, by value or label, ignoring case and spacing."""
    key = re.sub(r"[\s\-]+", "_", raw.strip().lower())
    for member, label in labels.items():
        if key == member.value or raw.strip().lower() == label.lower():
            return member
    return None


def _read_row(
    line: int, cells: list[str], positions: dict[str, int], width: int
) -> tuple[ImportRow, list[ImportProblem]]:
    problems: list[ImportProblem] = []

    def refuse(message: str) -> None:
        problems.append(ImportProblem(line, message))

    if len(cells) != width:
        email = cells[positions["email"]].strip() if len(cells) > positions["email"] else ""
        refuse(wrong_width(width, len(cells)))
        return ImportRow(line, normalise_email(email), valid=False), problems
    if any("\x00" in cell for cell in cells):
        refuse(N_("Contains a NUL character; the file may not be a text file."))
        return ImportRow(line, "", valid=False), problems

    def cell(column: str) -> str:
        return cells[positions[column]].strip()

    row = ImportRow(line, normalise_email(cell("email")))
    if not row.email:
        refuse(N_("The email is empty."))
    elif len(row.email) > MAX_EMAIL_LENGTH:
        refuse(filled_in(N_("The email is longer than %(max)s characters."), max=MAX_EMAIL_LENGTH))
    elif problem := email_problem(row.email):
        refuse(
            filled_in(
                N_("“%(email)s” is not a valid email. %(problem)s"),
                email=row.email[:80],
                problem=said(problem),
            )
        )
    row.name = cell("name")
    if not row.name:
        refuse(N_("The name is empty."))
    elif len(row.name) > MAX_NAME_LENGTH:
        refuse(filled_in(N_("The name is longer than %(max)s characters."), max=MAX_NAME_LENGTH))
    elif problem := line_problem(row.name):
        refuse(filled_in(N_("The name: %(problem)s"), problem=said(problem)))
    row.role = _choice(cell("role"), ROLE_LABELS)
    if row.role is None:
        # The values to use are the file's own words, in every language.
        refuse(
            filled_in(
                N_("Unknown role “%(role)s”; use one of %(roles)s."),
                role=cell("role")[:40],
                roles=", ".join(r.value for r in Role),
            )
        )
    row.function = _choice(cell("function"), FUNCTION_LABELS)
    if row.function is None:
        refuse(
            filled_in(
                N_("Unknown function “%(function)s”; use one of %(functions)s."),
                function=cell("function")[:40],
                functions=", ".join(f.value for f in Function),
            )
        )
    manager = normalise_email(cell("manager_email"))
    if manager and email_problem(manager):
        refuse(
            filled_in(N_("The manager email “%(email)s” is not a valid email."), email=manager[:80])
        )
        manager = ""
    row.manager_email = manager
    zone = cell("timezone")
    canonical = canonical_name(zone)
    if not zone:
        refuse(N_("The time zone is empty; use a name such as America/New_York."))
    elif canonical is None:
        refuse(
            filled_in(
                N_("Unknown time zone “%(zone)s”; use a name such as America/New_York."),
                zone=zone[:64],
            )
        )
    row.timezone = canonical or ""
    if "region" in positions:
        row.region = cell("region")
        if len(row.region) > _region_length():
            refuse(
                filled_in(N_("The region is longer than %(max)s characters."), max=_region_length())
            )
        elif problem := line_problem(row.region):
            refuse(filled_in(N_("The region: %(problem)s"), problem=said(problem)))
    row.valid = not problems
    return row, problems


def read_rows(text: str) -> tuple[list[ImportRow], list[ImportProblem], bool]:
    """Every row of the file and every problem with single rows; also whether the file has a
    region column."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text), strict=True)
    rows: list[ImportRow] = []
    problems: list[ImportProblem] = []
    positions: dict[str, int] | None = None
    width = 0
    data_rows = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader's own words for what it could not read (English).
            problems.append(
                ImportProblem(
                    line, filled_in(N_("Cannot read this line as CSV (%(why)s)."), why=str(exc))
                )
            )
            if positions is None:
                return [], problems, False
            continue
        if not any(c.strip() for c in cells):
            continue  # blank lines, and rows of empty cells that spreadsheets leave behind
        if positions is None:
            positions, header_problems = _read_header(cells)
            if header_problems:
                return [], header_problems, False
            width = len(cells)
            continue
        data_rows += 1
        if data_rows > MAX_IMPORT_ROWS:
            return (
                [],
                [
                    ImportProblem(
                        None,
                        filled_in(
                            N_(
                                "The file has more than %(max)s people; import at most %(max)s "
                                "at a time (split it by region or team)."
                            ),
                            max=MAX_IMPORT_ROWS,
                        ),
                    )
                ],
                False,
            )
        row, row_problems = _read_row(line, cells, positions, width)
        rows.append(row)
        problems.extend(row_problems)
    if positions is None:
        problems.append(ImportProblem(None, N_("The file is empty.")))
    elif not rows and not problems:
        problems.append(ImportProblem(None, N_("The file has a header but nobody in it.")))
    return rows, problems, positions is not None and "region" in positions


# Checking the file against the organisation ------------------------------------------------


@dataclass
class _Person:
    """Someone's state once the file is applied."""

    email: str
    role: Role | None
    manager_email: str
    active: bool
    row: ImportRow | None  # None: not in the file (as they are in the database)
    leaving: bool = False  # deactivated because the file leaves them out


def _reporting_loops(people: dict[str, _Person]) -> list[list[str]]:
    """Every loop in the reporting lines, each as the emails around it."""
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    loops = []
    for start in people:
        walk: list[str] = []
        email = start
        while email in people and state.get(email) is None:
            state[email] = 1
            walk.append(email)
            email = people[email].manager_email
        if email in people and state.get(email) == 1:
            loops.append(walk[walk.index(email) :])
        for seen in walk:
            state[seen] = 2
    return loops


def _role_rule(role: Role) -> str:
    return said(ROLE_RULES[role])


def _role_word(role: Role) -> str:
    return said(ROLE_WORDS[role])


def plan_org_import(
    db: Session,
    actor: User,
    content: bytes,
    *,
    deactivate_missing: bool = False,
    lock: bool = False,
) -> ImportPlan:
    """Everything the file would change, and every problem with it; changes nothing."""
    plan = ImportPlan(deactivate_missing=deactivate_missing)
    text, plan.problems = decode_upload(content)
    if text is None:
        return plan
    plan.rows, plan.problems, has_region = read_rows(text)
    if not plan.rows:
        return plan
    if has_region and not region_supported():
        plan.notices.append(N_("The region column is ignored: people have no region here yet."))

    query = select(User).order_by(User.id)
    users = list(db.scalars(query.with_for_update() if lock else query).all())
    by_email = {u.email: u for u in users}
    email_of = {u.id: u.email for u in users}

    # Duplicates: the first row counts, later ones are errors.
    first_line: dict[str, int] = {}
    in_file: dict[str, ImportRow] = {}
    for row in plan.rows:
        if not row.email:
            continue
        if row.email in first_line:
            plan.problems.append(
                ImportProblem(
                    row.line,
                    filled_in(
                        N_(
                            "%(email)s is also on line %(line)s (emails are compared without case)."
                        ),
                        email=row.email,
                        line=str(first_line[row.email]),
                    ),
                )
            )
            row.valid = False
            continue
        first_line[row.email] = row.line
        in_file[row.email] = row

    people: dict[str, _Person] = {}
    for user in users:
        leaving = deactivate_missing and user.email not in in_file and user.id != actor.id
        people[user.email] = _Person(
            user.email,
            user.role,
            email_of.get(user.manager_id, "") if user.manager_id else "",
            user.active and not leaving,
            None,
            leaving=user.active and leaving,
        )
    for email, row in in_file.items():
        existing = people.get(email)
        if not row.valid:
            # Rows with errors keep the person as they are, so other rows are checked fairly.
            if existing is None:
                people[email] = _Person(email, None, "", True, None)
            continue
        people[email] = _Person(email, row.role, row.manager_email, True, row)

    if deactivate_missing and actor.email not in in_file and actor.active:
        plan.notices.append(
            filled_in(N_("You (%(email)s) are not in the file but stay active."), email=actor.email)
        )

    _check_managers(plan, people)
    _check_loops(plan, people)
    _check_actor(plan, actor, in_file)
    _check_new_admins(plan, by_email, in_file)
    plan.problems.sort(key=lambda p: p.line or 0)
    _list_changes(plan, people, by_email, email_of, in_file, has_region and region_supported())
    return plan


def _check_managers(plan: ImportPlan, people: dict[str, _Person]) -> None:
    # Every row's manager is checked, also on a row with errors of its own: the preview lists
    # every error of a line at once, not one per round of corrections.
    for row in plan.rows:
        _check_row_manager(plan, people, row)
    for person in people.values():
        if person.row is None and person.active and person.role is not None:
            # Someone the file leaves as they are, whose manager the file changes.
            manager = people.get(person.manager_email)
            if manager is None or manager.row is None or manager.role is None:
                continue
            if manager.role not in ALLOWED_MANAGER_ROLES[person.role]:
                plan.problems.append(
                    ImportProblem(
                        manager.row.line,
                        filled_in(
                            N_(
                                "%(email)s (not in the file, a %(role)s) reports to "
                                "%(manager)s, who would become a %(manager_role)s. %(rule)s; "
                                "add them to the file with a new manager."
                            ),
                            email=person.email,
                            role=_role_word(person.role),
                            manager=manager.email,
                            manager_role=_role_word(manager.role),
                            rule=_role_rule(person.role),
                        ),
                    )
                )


def _check_row_manager(plan: ImportPlan, people: dict[str, _Person], row: ImportRow) -> None:
    """The row's manager as the file leaves them; a role the row could not give is not
    compared (its own error says why)."""

    def refuse(message: str) -> None:
        plan.problems.append(ImportProblem(row.line, message))

    if not row.manager_email:
        if row.role in {Role.REP, Role.MANAGER}:
            refuse(
                filled_in(N_("%(rule)s: the manager email is empty."), rule=_role_rule(row.role))
            )
        return
    if row.manager_email == row.email:
        if not row.valid:  # a valid row's loop of one is reported with the other loops
            refuse(filled_in(N_("%(email)s would report to themself."), email=row.email))
        return
    manager = people.get(row.manager_email)
    if manager is None:
        refuse(
            filled_in(
                N_("The manager %(email)s is neither in the file nor in Coachapp."),
                email=row.manager_email,
            )
        )
        return
    if not manager.active:
        refuse(
            filled_in(
                N_("The manager %(email)s is deactivated (missing from the file).")
                if manager.leaving
                else N_("The manager %(email)s is deactivated."),
                email=row.manager_email,
            )
        )
    if (
        row.role is not None
        and manager.role is not None
        and manager.role not in ALLOWED_MANAGER_ROLES[row.role]
    ):
        refuse(
            filled_in(
                N_("The manager %(email)s is a %(role)s. %(rule)s."),
                email=row.manager_email,
                role=_role_word(manager.role),
                rule=_role_rule(row.role),
            )
        )


def _check_loops(plan: ImportPlan, people: dict[str, _Person]) -> None:
    for loop in _reporting_loops(people):
        rows = [people[email].row for email in loop]
        lines = [row.line for row in rows if row is not None]
        if not lines:
            continue  # not the file's doing
        if len(loop) == 1:
            message = filled_in(N_("%(email)s would report to themself."), email=loop[0])
        else:
            message = filled_in(N_("Reporting loop: %(loop)s."), loop=" → ".join([*loop, loop[0]]))
        for line in sorted(lines):
            plan.problems.append(ImportProblem(line, message))


def _check_actor(plan: ImportPlan, actor: User, in_file: dict[str, ImportRow]) -> None:
    """An import makes no change that needs a second admin (coachapp.admin.approvals): one's
    own role (an admin has no manager to change, and is never deactivated by their own file),
    nor a new admin."""
    row = in_file.get(actor.email)
    if row is not None and row.role is not None and row.role != actor.role:
        plan.problems.append(
            ImportProblem(
                row.line,
                N_("You cannot change your own role in an import; ask another admin to do it."),
            )
        )


def _check_new_admins(
    plan: ImportPlan, by_email: dict[str, User], in_file: dict[str, ImportRow]
) -> None:
    for email, row in in_file.items():
        user = by_email.get(email)
        if row.role != Role.ADMIN or (user is not None and user.role == Role.ADMIN and user.active):
            continue
        plan.problems.append(
            ImportProblem(
                row.line,
                filled_in(
                    N_(
                        "%(email)s would become an admin, which needs a second admin: add or "
                        "change them under People, where another admin approves it."
                    ),
                    email=email,
                ),
            )
        )


def _list_changes(
    plan: ImportPlan,
    people: dict[str, _Person],
    by_email: dict[str, User],
    email_of: dict[int, str],
    in_file: dict[str, ImportRow],
    with_region: bool,
) -> None:
    # Rows with errors are left out of the changes listed.
    refused = {p.line for p in plan.problems}
    for email, row in in_file.items():
        if not row.valid or row.line in refused:
            continue
        user = by_email.get(email)
        after = _values_of_row(row, with_region)
        if user is None:
            fields = tuple(FieldChange(k, "", v) for k, v in after.items() if k != "email")
            plan.changes.append(
                PersonChange(ChangeKind.CREATE, email, row.name, row.line, None, fields)
            )
            continue
        before = _values_of_user(user, email_of, with_region)
        fields = tuple(FieldChange(k, before[k], v) for k, v in after.items() if before[k] != v)
        if not user.active:
            kind = ChangeKind.REACTIVATE
        elif fields:
            kind = ChangeKind.UPDATE
        else:
            plan.unchanged += 1
            continue
        plan.changes.append(PersonChange(kind, email, row.name, row.line, user.id, fields))
    for email, user in by_email.items():
        if user.active and email not in in_file and not people[email].active:
            plan.changes.append(
                PersonChange(ChangeKind.DEACTIVATE, email, user.name, None, user.id)
            )


def _values_of_row(row: ImportRow, with_region: bool) -> dict[str, str]:
    assert row.role is not None and row.function is not None
    values = {
        "email": row.email,
        "name": row.name,
        "role": row.role.value,
        "function": row.function.value,
        "manager_email": row.manager_email,
        "timezone": row.timezone,
    }
    if with_region and row.region is not None:
        values["region"] = row.region
    return values


def _values_of_user(user: User, email_of: dict[int, str], with_region: bool) -> dict[str, str]:
    values = {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "function": user.function.value,
        "manager_email": email_of.get(user.manager_id, "") if user.manager_id else "",
        "timezone": user.timezone,
    }
    if with_region:
        values["region"] = getattr(user, "region", None) or ""
    return values


# Applying ---------------------------------------------------------------------------------


def apply_org_import(
    db: Session,
    actor: User,
    content: bytes,
    *,
    deactivate_missing: bool,
    previewed: str,
) -> ImportPlan:
    """Applies the file in one transaction, or nothing at all.

    The file is checked again against the database as it is now (the preview may be old);
    when its changes differ from the ones previewed (`previewed`, the preview's fingerprint),
    nothing is applied and the new plan comes back in StaleImport.
    """
    try:
        plan = plan_org_import(db, actor, content, deactivate_missing=deactivate_missing, lock=True)
        if not plan.ok:
            raise ImportRefused(plan)
        if plan.fingerprint != previewed:
            raise StaleImport(plan)
        _apply(db, actor, plan)
        db.commit()
    except IntegrityError:
        # Someone added one of the file's people at the same moment: nothing is applied, and
        # the admin gets the preview as things are now.
        db.rollback()
        raise StaleImport(
            plan_org_import(db, actor, content, deactivate_missing=deactivate_missing)
        ) from None
    except BaseException:
        db.rollback()
        raise
    return plan


def _apply(db: Session, actor: User, plan: ImportPlan) -> None:
    with_region = region_supported()
    users = {u.email: u for u in db.scalars(select(User)).all()}
    rows = {r.email: r for r in plan.rows if r.valid}
    for change in plan.of_kind(ChangeKind.CREATE):
        row = rows[change.email]
        assert row.role is not None and row.function is not None
        user = User(
            email=row.email,
            name=row.name,
            role=row.role,
            function=row.function,
            timezone=row.timezone,
            password_hash=unusable_password_hash(),
            active=True,
        )
        db.add(user)
        users[row.email] = user
    db.flush()
    for change in plan.changes:
        user = users[change.email]
        if change.kind == ChangeKind.DEACTIVATE:
            end_access_and_hand_over(db, actor, user)
        else:
            _set_from_row(db, actor, user, rows[change.email], users, with_region)
        if change.ends_sessions:
            end_all_sessions(db, user)
    db.flush()
    for change in plan.changes:
        _audit_change(db, actor, users[change.email], change)
    audit.record(
        db,
        actor,
        "org.import",
        "organisation",
        None,
        counts=plan.counts,
        unchanged=plan.unchanged,
        deactivate_missing=plan.deactivate_missing,
    )


def _set_from_row(
    db: Session,
    actor: User,
    user: User,
    row: ImportRow,
    users: dict[str, User],
    with_region: bool,
) -> None:
    assert row.role is not None and row.function is not None
    user.name = row.name
    user.role = row.role
    user.function = row.function
    user.timezone = row.timezone
    change_manager(
        db, user, users[row.manager_email].id if row.manager_email else None, actor=actor
    )
    user.active = True
    if with_region and row.region is not None:
        user.region = row.region


def _audit_change(db: Session, actor: User, user: User, change: PersonChange) -> None:
    fields = {f.name: [f.before, f.after] for f in change.fields}
    if change.kind == ChangeKind.CREATE:
        audit.record(
            db,
            actor,
            "user.create",
            "user",
            user.id,
            email=user.email,
            role=user.role.value,
            source="import",
        )
        return
    # The person is told of these as of an admin's edit (coachapp.account_events).
    if change.kind == ChangeKind.DEACTIVATE:
        account_events.record(db, actor, user, "user.deactivate", source="import")
        return
    if change.kind == ChangeKind.REACTIVATE:
        account_events.record(db, actor, user, "user.activate", source="import")
    if fields:
        account_events.record(db, actor, user, "user.update", changes=fields, source="import")


def describe(problems: Iterable[ImportProblem]) -> str:
    """The problems as text, one per line (for logs and the command line)."""
    return "\n".join(
        (f"line {p.line}: " if p.line is not None else "") + p.message for p in problems
    )
