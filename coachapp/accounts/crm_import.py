"""Loading accounts and territories from a CRM export (CSV): a dry run listing every change and
every error by line, then an all-or-nothing apply that checks the file again against the
database as it is. Accounts are matched by `external_id`, so importing the same file twice
changes nothing the second time.

The work is done in bulk, whatever the size of the file: the accounts and the territories are
read once, new ones inserted and changed ones updated in batches by the ORM's unit of work,
never one query per row.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coachapp import audit
from coachapp.csvfiles import (
    ImportProblem,
    decode_upload,
    delimiter_of,
    problems_by_line,
    read_header,
    wrong_width,
)
from coachapp.errors import Conflict, InvalidInput
from coachapp.field_messages import filled_in, said
from coachapp.languages import N_
from coachapp.models import ACCOUNT_TYPE_LABELS, Account, AccountType, Territory, User
from coachapp.plain_text import line_problem

# A 5,000-account export with addresses is about 400 kB. The page takes what its forms carry:
# a pasted text field up to 500 kB (Flask's MAX_FORM_MEMORY_SIZE), and the file sent back
# URL-encoded to apply it within MAX_CONTENT_LENGTH (1 MB); the command line takes more.
MAX_PAGE_BYTES = 500_000
MAX_FILE_BYTES = 20_000_000
MAX_IMPORT_ROWS = 50_000

COLUMNS = (
    "external_id",
    "name",
    "type",
    "parent_external_id",
    "territory",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "sales_region",
)
REQUIRED_COLUMNS = ("external_id", "name", "type")
COLUMN_TITLES = {
    "external_id": N_("external id"),
    "name": N_("name"),
    "type": N_("type"),
    "parent_external_id": N_("parent external id"),
    "territory": N_("territory"),
    "street": N_("street"),
    "city": N_("city"),
    "region": N_("region"),
    "postal_code": N_("postal code"),
    "country": N_("country"),
    "sales_region": N_("sales region"),
}
# A file to copy, shown on the import page: the columns and values are the file's own (English).
EXAMPLE_FILE = (
    "external_id,name,type,parent_external_id,territory,street,city,region,postal_code,country\n"
    "IDN-1,Summit Health,IDN,,T-NE,,Albany,NY,,US\n"
    "H-1,Summit General Hospital,hospital,IDN-1,T-NE-01,2 Main St,Albany,NY,12207,US\n"
    "S-1,Summit Clinic North,clinic,H-1,T-NE-01,1 Main St,Albany,NY,12207,US"
)
# Header cells are compared without case, spaces, underscores or hyphens.
HEADER_ALIASES = {
    "externalid": "external_id",
    "name": "name",
    "accountname": "name",
    "type": "type",
    "accounttype": "type",
    "parentexternalid": "parent_external_id",
    "parentid": "parent_external_id",
    "territory": "territory",
    "territorycode": "territory",
    "street": "street",
    "city": "city",
    "region": "region",
    "state": "region",
    "stateprovince": "region",
    "postalcode": "postal_code",
    "zip": "postal_code",
    "zipcode": "postal_code",
    "country": "country",
    "salesregion": "sales_region",
}
# The optional text columns of the file (the address, and the sales region the roll-ups and
# the impact page group by) and the account's attributes holding them.
TEXT_ATTRIBUTES = {
    "street": "street",
    "city": "city",
    "region": "address_region",
    "postal_code": "postal_code",
    "country": "country",
    "sales_region": "region",
}
# Words CRMs use for a type, beside the values and labels of AccountType.
TYPE_ALIASES = {
    "integrated delivery network": AccountType.IDN,
    "health system": AccountType.HEALTH_SYSTEM,
    "site": AccountType.CLINIC,
    "practice": AccountType.CLINIC,
    "group practice": AccountType.MEDICAL_GROUP,
    "academic medical center": AccountType.ACADEMIC_CENTER,
    "amc": AccountType.ACADEMIC_CENTER,
    "health plan": AccountType.PAYER,
}


def _length(table_column: str, table: str = "accounts") -> int:
    source = Account if table == "accounts" else Territory
    length = getattr(source.__table__.c[table_column].type, "length", None)
    assert length, table_column
    return int(length)


LIMITS = {
    "external_id": _length("external_id"),
    "name": _length("name"),
    "parent_external_id": _length("external_id"),
    "territory": _length("code", "territories"),
    **{column: _length(attribute) for column, attribute in TEXT_ATTRIBUTES.items()},
}


@dataclass
class AccountRow:
    """One account as the file describes it; valid once every value could be read."""

    line: int
    external_id: str
    name: str = ""
    type: AccountType | None = None
    parent: str | None = None  # None: the file has no parent column
    territory: str | None = None  # None: the file has no territory column
    texts: dict[str, str] = field(default_factory=dict)  # only the file's TEXT_ATTRIBUTES
    valid: bool = True


class ChangeKind(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"


@dataclass(frozen=True)
class FieldChange:
    name: str  # the column, e.g. "parent_external_id"
    before: str
    after: str

    @property
    def title(self) -> str:
        return COLUMN_TITLES.get(self.name, self.name)


@dataclass(frozen=True)
class AccountChange:
    kind: ChangeKind
    external_id: str
    name: str
    line: int
    account_id: int | None
    fields: tuple[FieldChange, ...] = ()


@dataclass
class AccountImportPlan:
    """What applying the file would do, or why it cannot be applied."""

    rows: list[AccountRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    changes: list[AccountChange] = field(default_factory=list)
    new_territories: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def of_kind(self, kind: ChangeKind) -> list[AccountChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def problems_by_line(self) -> list[tuple[int | None, list[str]]]:
        return problems_by_line(self.problems)

    @property
    def counts(self) -> dict[str, int]:
        counts = {kind.value: len(self.of_kind(kind)) for kind in ChangeKind}
        return {**counts, "unchanged": self.unchanged, "territories": len(self.new_territories)}

    @property
    def fingerprint(self) -> str:
        """Identifies the changes listed, so applying can tell the preview has gone stale."""
        listed = [
            [c.kind.value, c.external_id, [[f.name, f.before, f.after] for f in c.fields]]
            for c in self.changes
        ]
        text = json.dumps([listed, self.new_territories], separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


class AccountImportRefused(InvalidInput):
    """The file has errors; nothing was applied."""

    def __init__(self, plan: AccountImportPlan) -> None:
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


class StaleAccountImport(Conflict):
    """The accounts changed since the preview; nothing was applied."""

    def __init__(self, plan: AccountImportPlan) -> None:
        super().__init__(
            N_(
                "The accounts changed since the preview, so these changes differ from the "
                "ones you saw. Nothing was changed; check them again."
            )
        )
        self.plan = plan


# Reading the file ---------------------------------------------------------------------------


def _read_header(cells: list[str]) -> tuple[dict[str, int], list[ImportProblem]]:
    return read_header(cells, HEADER_ALIASES, COLUMN_TITLES, REQUIRED_COLUMNS, ", ".join(COLUMNS))


def account_type_of(raw: str) -> AccountType | None:
    """The type a cell names: a value (health_system), a label (Health system) or a word CRMs
    use (site, health plan), ignoring case and spacing."""
    spaced = re.sub(r"[\s_\-]+", " ", raw.strip().lower())
    for member, label in ACCOUNT_TYPE_LABELS.items():
        if spaced in {member.value.replace("_", " "), label.lower()}:
            return member
    return TYPE_ALIASES.get(spaced)


def _read_row(
    line: int, cells: list[str], positions: dict[str, int], width: int
) -> tuple[AccountRow, list[ImportProblem]]:
    problems: list[ImportProblem] = []

    def refuse(message: str) -> None:
        problems.append(ImportProblem(line, message))

    if len(cells) != width:
        refuse(wrong_width(width, len(cells)))
        return AccountRow(line, "", valid=False), problems
    if any("\x00" in cell for cell in cells):
        refuse(N_("Contains a NUL character; the file may not be a text file."))
        return AccountRow(line, "", valid=False), problems

    def text(column: str, required: bool = False) -> str:
        value = cells[positions[column]].strip()
        title = COLUMN_TITLES[column]
        # The column as the file names it, in every language.
        if required and not value:
            refuse(filled_in(N_("The %(column)s is empty."), column=title))
        elif len(value) > LIMITS[column]:
            refuse(
                filled_in(
                    N_("The %(column)s is longer than %(max)s characters (%(length)s)."),
                    column=title,
                    max=LIMITS[column],
                    length=len(value),
                )
            )
        elif problem := line_problem(value):
            refuse(
                filled_in(N_("The %(column)s: %(problem)s"), column=title, problem=said(problem))
            )
        return value

    row = AccountRow(line, text("external_id", required=True))
    row.name = text("name", required=True)
    raw_type = cells[positions["type"]].strip()
    row.type = account_type_of(raw_type)
    if row.type is None:
        shown = raw_type[:40] or said(N_("(empty)"))
        refuse(
            filled_in(
                N_("Unknown type “%(type)s”; use one of %(types)s."),
                type=shown,
                types=", ".join(label for label in ACCOUNT_TYPE_LABELS.values()),
            )
        )
    if "parent_external_id" in positions:
        row.parent = text("parent_external_id")
    if "territory" in positions:
        row.territory = text("territory")
    for column in TEXT_ATTRIBUTES:
        if column in positions:
            row.texts[column] = text(column)
    row.valid = not problems
    return row, problems


def read_rows(text: str) -> tuple[list[AccountRow], list[ImportProblem]]:
    """Every row of the file and every problem with single rows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text), strict=True)
    rows: list[AccountRow] = []
    problems: list[ImportProblem] = []
    positions: dict[str, int] | None = None
    width = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                ImportProblem(
                    line, filled_in(N_("Cannot read this line as CSV (%(why)s)."), why=str(exc))
                )
            )
            if positions is None:
                return [], problems
            continue
        if not any(c.strip() for c in cells):
            continue  # blank lines, and rows of empty cells that spreadsheets leave behind
        if positions is None:
            positions, header_problems = _read_header(cells)
            if header_problems:
                return [], header_problems
            width = len(cells)
            continue
        if len(rows) == MAX_IMPORT_ROWS:
            message = filled_in(
                N_("The file has more than %(max)s accounts; import at most %(max)s at a time."),
                max=MAX_IMPORT_ROWS,
            )
            return [], [ImportProblem(None, message)]
        row, row_problems = _read_row(line, cells, positions, width)
        rows.append(row)
        problems.extend(row_problems)
    if positions is None:
        problems.append(ImportProblem(None, N_("The file is empty.")))
    elif not rows and not problems:
        problems.append(ImportProblem(None, N_("The file has a header but no account in it.")))
    return rows, problems


# Checking the file against the accounts ----------------------------------------------------


def _key(account: Account) -> str:
    """How an account is named in the hierarchy below: its external id, or its own id."""
    return account.external_id or f"#{account.id}"


def _hierarchy_loops(parents: dict[str, str | None]) -> list[list[str]]:
    """Every loop in the hierarchy, each as the keys around it."""
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    loops = []
    for start in parents:
        walk: list[str] = []
        key: str | None = start
        while key is not None and key in parents and state.get(key) is None:
            state[key] = 1
            walk.append(key)
            key = parents[key]
        if key is not None and state.get(key) == 1:
            loops.append(walk[walk.index(key) :])
        for seen in walk:
            state[seen] = 2
    return loops


@dataclass
class _Existing:
    """The accounts and territories as the database holds them, read once."""

    accounts: list[Account]
    by_external_id: dict[str, Account]
    by_id: dict[int, Account]
    territory_code: dict[int, str]

    def parent_key(self, account: Account) -> str:
        parent = self.by_id.get(account.parent_id) if account.parent_id else None
        return _key(parent) if parent is not None else ""


def _read_existing(db: Session, lock: bool) -> _Existing:
    query = select(Account).order_by(Account.id)
    accounts = list(db.scalars(query.with_for_update() if lock else query))
    territories = db.execute(select(Territory.id, Territory.code)).all()
    return _Existing(
        accounts,
        {a.external_id: a for a in accounts if a.external_id},
        {a.id: a for a in accounts},
        {t.id: t.code for t in territories},
    )


def plan_account_import(
    db: Session, content: bytes, *, max_bytes: int = MAX_PAGE_BYTES, lock: bool = False
) -> AccountImportPlan:
    """Everything the file would change, and every problem with it; changes nothing."""
    plan = AccountImportPlan()
    text, plan.problems = decode_upload(content, max_bytes)
    if text is None:
        return plan
    plan.rows, plan.problems = read_rows(text)
    if not plan.rows:
        return plan
    existing = _read_existing(db, lock)
    in_file = _unique_rows(plan)
    matched = _match_accounts(plan, existing, in_file)
    _check_names(plan, existing, in_file, matched)
    _check_parents(plan, existing, in_file, matched)
    plan.problems.sort(key=lambda p: p.line or 0)
    _list_changes(plan, existing, in_file, matched)
    return plan


def _unique_rows(plan: AccountImportPlan) -> dict[str, AccountRow]:
    """The rows by external id; a later row with the same id is an error (ids are compared
    exactly: CRM ids such as Salesforce's differ by case)."""
    first_line: dict[str, int] = {}
    in_file: dict[str, AccountRow] = {}
    for row in plan.rows:
        if not row.external_id:
            continue
        if row.external_id in first_line:
            plan.problems.append(
                ImportProblem(
                    row.line,
                    filled_in(
                        N_("The external id %(id)s is also on line %(line)s."),
                        id=row.external_id,
                        line=str(first_line[row.external_id]),
                    ),
                )
            )
            row.valid = False
            continue
        first_line[row.external_id] = row.line
        in_file[row.external_id] = row
    return in_file


def _match_accounts(
    plan: AccountImportPlan, existing: _Existing, in_file: dict[str, AccountRow]
) -> dict[str, Account]:
    """The account each row updates: the one with its external id, or else an account made
    by hand (no external id) with its name, which the import then links to the CRM."""
    unlinked = {a.name.lower(): a for a in existing.accounts if not a.external_id}
    matched: dict[str, Account] = {}
    for external_id, row in in_file.items():
        account = existing.by_external_id.get(external_id)
        if account is None and row.name:
            account = unlinked.pop(row.name.lower(), None)
        if account is not None:
            matched[external_id] = account
    return matched


def _check_names(
    plan: AccountImportPlan,
    existing: _Existing,
    in_file: dict[str, AccountRow],
    matched: dict[str, Account],
) -> None:
    """Account names are unique (without case): in the file, and against the accounts the file
    leaves as they are."""
    renamed = {account.id for account in matched.values()}
    kept = {a.name.lower(): a for a in existing.accounts if a.id not in renamed}
    first_line: dict[str, int] = {}
    for row in in_file.values():
        if not row.name:
            continue
        name = row.name.lower()
        if name in first_line:
            plan.problems.append(
                ImportProblem(
                    row.line,
                    filled_in(
                        N_(
                            "The name “%(name)s” is also on line %(line)s; account names are "
                            "unique (without case)."
                        ),
                        name=row.name,
                        line=str(first_line[name]),
                    ),
                )
            )
            row.valid = False
            continue
        first_line[name] = row.line
        other = kept.get(name)
        if other is not None:
            plan.problems.append(
                ImportProblem(
                    row.line,
                    filled_in(
                        N_(
                            "The name “%(name)s” is already the name of another account "
                            "(external id %(id)s); account names are unique."
                        ),
                        name=row.name,
                        id=other.external_id,
                    )
                    if other.external_id
                    else filled_in(
                        N_(
                            "The name “%(name)s” is already the name of another account; "
                            "account names are unique."
                        ),
                        name=row.name,
                    ),
                )
            )
            row.valid = False


def _check_parents(
    plan: AccountImportPlan,
    existing: _Existing,
    in_file: dict[str, AccountRow],
    matched: dict[str, Account],
) -> None:
    """Every parent is in the file (on any line) or already here, and the hierarchy as the
    file leaves it has no loop."""
    # Accounts linked by name are known by the file's external id from now on.
    renamed = {_key(a): external_id for external_id, a in matched.items() if not a.external_id}
    parents: dict[str, str | None] = {}
    for account in existing.accounts:
        parent = existing.parent_key(account)
        parents[renamed.get(_key(account), _key(account))] = renamed.get(parent, parent) or None
    for external_id, row in in_file.items():
        if row.parent is not None:
            parents[external_id] = row.parent or None
        elif external_id not in parents:
            parents[external_id] = None  # a new account without a parent column
    for row in plan.rows:
        if not row.parent:
            continue
        if row.parent == row.external_id:
            plan.problems.append(ImportProblem(row.line, N_("The account is its own parent.")))
            row.valid = False
        elif row.parent not in in_file and row.parent not in existing.by_external_id:
            plan.problems.append(
                ImportProblem(
                    row.line,
                    filled_in(
                        N_("The parent %(id)s is neither in the file nor among the accounts."),
                        id=row.parent,
                    ),
                )
            )
            row.valid = False
    for loop in _hierarchy_loops(parents):
        if len(loop) == 1:
            continue  # its own parent: said above
        for index, key in enumerate(loop):
            on_loop = in_file.get(key)
            if on_loop is not None:
                # Told from the line's own account: "A → B → C → A" on A's line.
                around = loop[index:] + loop[:index]
                message = filled_in(
                    N_("Hierarchy loop: %(loop)s."), loop=" → ".join([*around, key])
                )
                plan.problems.append(ImportProblem(on_loop.line, message))
                on_loop.valid = False


def _list_changes(
    plan: AccountImportPlan,
    existing: _Existing,
    in_file: dict[str, AccountRow],
    matched: dict[str, Account],
) -> None:
    if plan.problems:
        return  # nothing can be applied: the preview lists the errors only
    known_codes = set(existing.territory_code.values())
    new_codes: dict[str, None] = {}
    for external_id, row in in_file.items():
        account = matched.get(external_id)
        after = _values_of_row(row)
        if row.territory and row.territory not in known_codes:
            new_codes[row.territory] = None
        if account is None:
            fields = tuple(FieldChange(k, "", v) for k, v in after.items() if v)
            plan.changes.append(
                AccountChange(ChangeKind.CREATE, external_id, row.name, row.line, None, fields)
            )
            continue
        before = _values_of_account(account, existing)
        fields = tuple(FieldChange(k, before[k], v) for k, v in after.items() if before[k] != v)
        if fields:
            plan.changes.append(
                AccountChange(
                    ChangeKind.UPDATE, external_id, row.name, row.line, account.id, fields
                )
            )
        else:
            plan.unchanged += 1
    plan.new_territories = list(new_codes)


def _values_of_row(row: AccountRow) -> dict[str, str]:
    assert row.type is not None
    values = {"external_id": row.external_id, "name": row.name, "type": row.type.value}
    if row.parent is not None:
        values["parent_external_id"] = row.parent
    if row.territory is not None:
        values["territory"] = row.territory
    return values | row.texts


def _values_of_account(account: Account, existing: _Existing) -> dict[str, str]:
    values = {
        "external_id": account.external_id or "",
        "name": account.name,
        "type": account.type.value,
        "parent_external_id": existing.parent_key(account),
        "territory": existing.territory_code.get(account.territory_id or 0, ""),
    }
    for column, attribute in TEXT_ATTRIBUTES.items():
        values[column] = getattr(account, attribute)
    return values


# Applying ---------------------------------------------------------------------------------


def apply_account_import(
    db: Session,
    actor: User | None,
    content: bytes,
    *,
    previewed: str | None,
    max_bytes: int = MAX_PAGE_BYTES,
) -> AccountImportPlan:
    """Applies the file in one transaction, or nothing at all.

    The file is checked again against the database as it is now; when `previewed` (the
    preview's fingerprint) is given and the changes differ from the ones previewed, nothing is
    applied and the new plan comes back in StaleAccountImport. A file that changes nothing
    writes nothing, not even an audit event.
    """
    try:
        plan = plan_account_import(db, content, max_bytes=max_bytes, lock=True)
        if not plan.ok:
            raise AccountImportRefused(plan)
        if previewed is not None and plan.fingerprint != previewed:
            raise StaleAccountImport(plan)
        if plan.changes:
            _apply(db, actor, plan)
            db.commit()
        else:
            db.rollback()  # ends the transaction and its row locks
    except IntegrityError:
        # Someone added one of the file's accounts at the same moment: nothing is applied.
        db.rollback()
        raise StaleAccountImport(plan_account_import(db, content, max_bytes=max_bytes)) from None
    except BaseException:
        db.rollback()
        raise
    return plan


def _apply(db: Session, actor: User | None, plan: AccountImportPlan) -> None:
    existing = _read_existing(db, lock=False)  # the same rows, from the session's identity map
    territory_ids = {code: id_ for id_, code in existing.territory_code.items()}
    if plan.new_territories:
        created = [Territory(code=code) for code in plan.new_territories]
        db.add_all(created)
        db.flush()
        territory_ids.update((t.code, t.id) for t in created)
    rows = {row.external_id: row for row in plan.rows}
    by_external_id = dict(existing.by_external_id)
    for change in plan.changes:
        row = rows[change.external_id]
        if change.account_id is None:
            account = Account(region="")
            db.add(account)
        else:
            account = existing.by_id[change.account_id]
        by_external_id[change.external_id] = account
        _set_from_row(account, row, territory_ids)
    db.flush()  # the new accounts get their ids, in batches
    for change in plan.changes:
        row = rows[change.external_id]
        if row.parent is not None:
            account = by_external_id[change.external_id]
            parent_id = by_external_id[row.parent].id if row.parent else None
            if account.parent_id != parent_id:
                account.parent_id = parent_id
    db.flush()
    audit.record(
        db,
        actor,
        "accounts.import",
        "accounts",
        None,
        counts=plan.counts,
        created=[c.external_id for c in plan.of_kind(ChangeKind.CREATE)],
        updated={
            c.external_id: {f.name: [f.before, f.after] for f in c.fields}
            for c in plan.of_kind(ChangeKind.UPDATE)
        },
        territories_created=plan.new_territories,
    )


def _set_from_row(account: Account, row: AccountRow, territory_ids: dict[str, int]) -> None:
    assert row.type is not None
    account.external_id = row.external_id
    account.name = row.name
    account.type = row.type
    if row.territory is not None:
        account.territory_id = territory_ids[row.territory] if row.territory else None
    for column, value in row.texts.items():
        setattr(account, TEXT_ATTRIBUTES[column], value)
