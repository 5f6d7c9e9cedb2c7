"""Aligning people to territories from a CSV file (one row per person and territory), the same
preview-then-apply-all-or-nothing as the account import: each person in the file ends up with
exactly the territories the file gives them; people not in the file keep theirs. Importing
the same file again changes nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from coachapp import audit
from coachapp.csvfiles import ImportProblem, decode_upload, delimiter_of, problems_by_line
from coachapp.email_addresses import normalise_email
from coachapp.errors import Conflict, InvalidInput
from coachapp.field_messages import filled_in
from coachapp.languages import N_
from coachapp.models import Territory, User, UserTerritory

MAX_BYTES = 500_000  # as the account import page (coachapp.accounts.crm_import)
HEADER_ALIASES = {"email": "email", "territory": "territory", "territorycode": "territory"}


def own_territory_ids(db: Session, user: User) -> set[int]:
    """The territories the person is aligned to."""
    query = select(UserTerritory.territory_id).where(UserTerritory.user_id == user.id)
    return set(db.scalars(query))


@dataclass(frozen=True)
class AlignmentChange:
    user_id: int
    email: str
    name: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass
class AlignmentPlan:
    problems: list[ImportProblem] = field(default_factory=list)
    changes: list[AlignmentChange] = field(default_factory=list)
    unchanged: int = 0
    # What applying needs: each person's id and their territories' ids after the import.
    targets: dict[int, set[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problems_by_line(self) -> list[tuple[int | None, list[str]]]:
        return problems_by_line(self.problems)

    @property
    def fingerprint(self) -> str:
        listed = [[c.email, list(c.before), list(c.after)] for c in self.changes]
        return hashlib.sha256(json.dumps(listed).encode()).hexdigest()


class AlignmentRefused(InvalidInput):
    def __init__(self, plan: AlignmentPlan) -> None:
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


class StaleAlignment(Conflict):
    def __init__(self, plan: AlignmentPlan) -> None:
        super().__init__(
            N_("The alignments changed since the preview; nothing was changed. Check them again.")
        )
        self.plan = plan


def plan_alignment(db: Session, content: bytes) -> AlignmentPlan:
    """What the file would change, and every problem with it, by line; changes nothing."""
    plan = AlignmentPlan()
    text, plan.problems = decode_upload(content, MAX_BYTES)
    if text is None:
        return plan
    rows = _read(text, plan)
    if plan.problems:
        return plan
    users = {
        u.email: u
        for u in db.scalars(select(User).where(User.email.in_({email for _, email, _ in rows})))
    }
    codes: dict[str, int] = {
        code: id_ for code, id_ in db.execute(select(Territory.code, Territory.id))
    }
    code_of = {id_: code for code, id_ in codes.items()}
    wanted: dict[str, set[str]] = {}
    for line, email, code in rows:
        if email not in users:
            plan.problems.append(
                ImportProblem(
                    line, filled_in(N_("Nobody in Coachapp has the email %(email)s."), email=email)
                )
            )
        if code and code not in codes:
            plan.problems.append(
                ImportProblem(
                    line,
                    filled_in(
                        N_("No territory %(code)s: territories come from the account import."),
                        code=code,
                    ),
                )
            )
        wanted.setdefault(email, set())
        if code:
            wanted[email].add(code)
    if plan.problems:
        plan.problems.sort(key=lambda p: p.line or 0)
        return plan
    ids = [users[email].id for email in wanted]
    current: dict[int, set[int]] = {}
    for user_id, territory_id in db.execute(
        select(UserTerritory.user_id, UserTerritory.territory_id).where(
            UserTerritory.user_id.in_(ids)
        )
    ):
        current.setdefault(user_id, set()).add(territory_id)
    for email, wanted_codes in wanted.items():
        user = users[email]
        before = tuple(sorted(code_of[t] for t in current.get(user.id, set())))
        after = tuple(sorted(wanted_codes))
        plan.targets[user.id] = {codes[c] for c in wanted_codes}
        if before == after:
            plan.unchanged += 1
        else:
            plan.changes.append(AlignmentChange(user.id, email, user.name, before, after))
    return plan


def _read(text: str, plan: AlignmentPlan) -> list[tuple[int, str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text))
    rows: list[tuple[int, str, str]] = []
    positions: dict[str, int] | None = None
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if positions is None:
                positions = {}
                for index, cell in enumerate(cells):
                    column = HEADER_ALIASES.get(re.sub(r"[\s_\-]+", "", cell.strip().lower()))
                    if column is None:
                        plan.problems.append(
                            ImportProblem(
                                1,
                                filled_in(
                                    N_(
                                        "Column “%(column)s” is not recognised. The columns are "
                                        "email and territory."
                                    ),
                                    column=cell.strip()[:40],
                                ),
                            )
                        )
                    else:
                        positions[column] = index
                if set(positions) != {"email", "territory"} and not plan.problems:
                    plan.problems.append(
                        ImportProblem(1, N_("The header needs the columns email and territory."))
                    )
                if plan.problems:
                    return []
                continue
            if len(cells) <= max(positions.values()):
                plan.problems.append(ImportProblem(line, N_("Expected an email and a territory.")))
                continue
            email = normalise_email(cells[positions["email"]])
            if not email:
                plan.problems.append(ImportProblem(line, N_("The email is empty.")))
                continue
            rows.append((line, email, cells[positions["territory"]].strip()))
    except csv.Error as exc:
        plan.problems.append(
            ImportProblem(
                reader.line_num, filled_in(N_("Cannot read this line (%(why)s)."), why=str(exc))
            )
        )
    if positions is None:
        plan.problems.append(ImportProblem(None, N_("The file is empty.")))
    elif not rows and not plan.problems:
        plan.problems.append(ImportProblem(None, N_("The file has a header but nobody in it.")))
    return rows


def apply_alignment(
    db: Session, actor: User | None, content: bytes, *, previewed: str | None
) -> AlignmentPlan:
    """Applies the file in one transaction, or nothing; nothing to change writes nothing."""
    try:
        plan = plan_alignment(db, content)
        if not plan.ok:
            raise AlignmentRefused(plan)
        if previewed is not None and plan.fingerprint != previewed:
            raise StaleAlignment(plan)
        if plan.changes:
            _apply(db, actor, plan)
            db.commit()
    except BaseException:
        db.rollback()
        raise
    return plan


def _apply(db: Session, actor: User | None, plan: AlignmentPlan) -> None:
    changed = [c.user_id for c in plan.changes]
    db.execute(delete(UserTerritory).where(UserTerritory.user_id.in_(changed)))
    rows = [
        {"user_id": user_id, "territory_id": territory_id}
        for user_id in changed
        for territory_id in sorted(plan.targets[user_id])
    ]
    if rows:
        db.execute(insert(UserTerritory), rows)
    audit.record(
        db,
        actor,
        "territories.align",
        "territories",
        None,
        changes={c.email: [list(c.before), list(c.after)] for c in plan.changes},
        unchanged=plan.unchanged,
    )
