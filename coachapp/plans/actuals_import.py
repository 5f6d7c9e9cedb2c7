"""Importing goal actuals from a CSV export of the CRM or the data warehouse, as the
organisation is imported (coachapp.admin.org_import): a preview lists every actual the file
would record and every error by line; applying records all of them or none, after checking
the file again against the plans as they are now.

One row per actual: `account` (the account's external id, the CRM's or the warehouse's) or
`plan` (the plan's id), `goal` (the goal's id, or its title within the plan), `date`
(YYYY-MM-DD, up to today) and `value` (a number in the goal's unit; for a stage goal the number
of the stage reached). An account names its live plans the importer records on, and the goal
key picks one of them: when two of them have that goal the row must name the plan too; when a
row names both, they must agree. Only plans the importer may record actuals on count
(policy.can_record_actuals); any other plan reads as not found on its line. A row already
recorded (same goal, date and value) is left as it is, so importing a file again adds
nothing. Imported actuals have the source `imported`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.csvfiles import ImportProblem, decode_upload, delimiter_of, problems_by_line
from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.field_messages import FilledIn, filled_in, said
from coachapp.languages import N_
from coachapp.models import Account, AccountPlan, ActualSource, GoalActual, PlanGoal, User
from coachapp.plans.actuals import check_actual
from coachapp.plans.attainment import progress_of
from coachapp.plans.schemas import ActualSchema
from coachapp.plans.service import _record, get_plan, touch_plan
from coachapp.versioning import plain_value

MAX_ROWS = 2_000
# An import format: its header stays as written here whatever the reader's language (the
# import reads it back; the exports' headers are translated, coachapp.csvfiles).
COLUMNS = ("goal", "date", "value")  # and `account` or `plan`, or both
HEADER_ALIASES = {
    "account": "account",
    "accountid": "account",
    "externalid": "account",
    "accountexternalid": "account",
    "plan": "plan",
    "planid": "plan",
    "goal": "goal",
    "goalkey": "goal",
    "goalid": "goal",
    "date": "date",
    "value": "value",
}
_schema = ActualSchema()


@dataclass(frozen=True)
class ImportedActual:
    line: int
    plan: AccountPlan
    goal: PlanGoal
    value: float
    measured_on_iso: str

    @property
    def progress(self) -> float | None:
        return progress_of(self.goal, self.value)


@dataclass
class ActualsImport:
    """What applying the file would record, or why it cannot be applied."""

    actuals: list[ImportedActual] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problems_by_line(self) -> list[tuple[int | None, list[str]]]:
        return problems_by_line(self.problems)

    @property
    def fingerprint(self) -> str:
        listed = [[a.goal.id, a.measured_on_iso, a.value] for a in self.actuals]
        return hashlib.sha256(json.dumps(listed).encode()).hexdigest()


class ActualsImportRefused(InvalidInput):
    def __init__(self, result: ActualsImport) -> None:
        count = len(result.problems)
        super().__init__(
            filled_in(
                N_("The file has %(count)s error; nothing was recorded.")
                if count == 1
                else N_("The file has %(count)s errors; nothing was recorded."),
                count=count,
            )
        )
        self.result = result


class StaleActualsImport(Conflict):
    def __init__(self, result: ActualsImport) -> None:
        super().__init__(
            N_(
                "The plans changed since the preview, so these actuals differ from the ones "
                "you saw. Nothing was recorded; check them again."
            )
        )
        self.result = result


def _header(cells: list[str]) -> tuple[dict[str, int], list[ImportProblem]]:
    positions: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(cells):
        key = re.sub(r"[\s_\-]+", "", cell.strip().lower())
        column = HEADER_ALIASES.get(key)
        if column is None:
            shown = cell.strip()[:40] or said(N_("(empty)"))
            problems.append(
                ImportProblem(
                    1,
                    filled_in(
                        N_(
                            "Column “%(column)s” is not recognised. The columns are account or "
                            "plan, goal, date and value."
                        ),
                        column=shown,
                    ),
                )
            )
        elif column in positions:
            problems.append(
                ImportProblem(1, filled_in(N_("Column “%(column)s” appears twice."), column=column))
            )
        else:
            positions[column] = index
    missing: list[str] = [c for c in COLUMNS if c not in positions]
    if "account" not in positions and "plan" not in positions:
        missing.insert(0, said(N_("account or plan")))
    if missing:
        problems.append(ImportProblem(1, _lacks(missing)))
    return positions, problems


def _lacks(missing: list[str]) -> str:
    """The header lacks the columns, named as the file names them ("account or plan" in the
    reader's words)."""
    if isinstance(missing[0], FilledIn):
        return filled_in(
            N_("The header lacks %(either)s, %(columns)s.")
            if missing[1:]
            else N_("The header lacks %(either)s."),
            either=missing[0],
            columns=", ".join(missing[1:]),
        )
    return filled_in(N_("The header lacks %(columns)s."), columns=", ".join(missing))


def plan_actuals_import(db: Session, viewer: User, content: bytes) -> ActualsImport:
    """Every actual the file would record and every problem with it; changes nothing."""
    result = ActualsImport()
    text, result.problems = decode_upload(content)
    if text is None:
        return result
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter_of(text)))
    positions, problems = _header(rows[0] if rows else [])
    result.problems += problems
    if problems:
        return result
    body = [(n, row) for n, row in enumerate(rows[1:], start=2) if any(c.strip() for c in row)]
    if len(body) > MAX_ROWS:
        result.problems.append(
            ImportProblem(
                None,
                filled_in(
                    N_("The file has %(count)s rows; at most %(max)s."),
                    count=len(body),
                    max=MAX_ROWS,
                ),
            )
        )
        return result
    if not body:
        result.problems.append(ImportProblem(None, N_("The file has no rows under its header.")))
        return result
    plans: dict[int, AccountPlan | None] = {}
    accounts: dict[str, list[AccountPlan] | None] = {}
    seen: dict[tuple[int, str], int] = {}
    for line, row in body:

        def cell(column: str, row: list[str] = row) -> str:
            index = positions.get(column)
            return row[index].strip() if index is not None and index < len(row) else ""

        target = _target(db, viewer, cell("account"), cell("plan"), cell("goal"), plans, accounts)
        if isinstance(target, str):
            result.problems.append(ImportProblem(line, target))
            continue
        found, goal = target
        try:
            data = _schema.load({"date": cell("date"), "value": cell("value")})
            check_actual(viewer, goal, data)
        except ValidationError as exc:
            result.problems += _messages(line, exc.messages)
            continue
        except InvalidInput as exc:
            result.problems += _messages(line, exc.fields)
            continue
        key = (goal.id, data["measured_on"].isoformat())
        if key in seen:
            result.problems.append(
                ImportProblem(
                    line,
                    filled_in(
                        N_("The same goal and date are on line %(line)s."), line=str(seen[key])
                    ),
                )
            )
            continue
        seen[key] = line
        value = float(data["value"])
        if any(a.measured_on == data["measured_on"] and a.value == value for a in goal.actuals):
            result.unchanged += 1
            continue
        result.actuals.append(ImportedActual(line, found, goal, value, key[1]))
    return result


def _messages(line: int, messages: object) -> list[ImportProblem]:
    if not isinstance(messages, dict):
        return [ImportProblem(line, said(str(messages)))]
    return [
        ImportProblem(
            line, filled_in(N_("%(column)s: %(problem)s"), column=name, problem=said(text))
        )
        for name, texts in messages.items()
        for text in (texts if isinstance(texts, list) else [texts])
    ]


def _target(
    db: Session,
    viewer: User,
    account_raw: str,
    plan_raw: str,
    goal_raw: str,
    plans: dict[int, AccountPlan | None],
    accounts: dict[str, list[AccountPlan] | None],
) -> tuple[AccountPlan, PlanGoal] | str:
    """The plan and goal a row names, or what is wrong with the row."""
    goal_shown = goal_raw[:80] or said(N_("(empty)"))
    account_shown = account_raw[:64]
    if plan_raw:
        plan = _plan(db, viewer, plan_raw, plans)
        if plan is None:
            return filled_in(N_("No plan %(plan)s you can record on."), plan=plan_raw[:20])
        if account_raw and plan.account.external_id != account_raw:
            return filled_in(
                N_(
                    "Plan %(plan)s is not a plan of account %(account)s: it is %(name)s's. "
                    "Correct the account or the plan."
                ),
                plan=str(plan.id),
                account=account_shown,
                name=plan.account.name,
            )
        goal = _goal(plan, goal_raw)
        if goal is None:
            return filled_in(
                N_("No goal “%(goal)s” in plan %(plan)s."), goal=goal_shown, plan=str(plan.id)
            )
        return plan, goal
    if not account_raw:
        return N_("The row names no account and no plan.")
    if account_raw not in accounts:
        accounts[account_raw] = _account_plans(db, viewer, account_raw, plans)
    account_plans = accounts[account_raw]
    if account_plans is None:
        return filled_in(
            N_("No account %(account)s: no account has this external id."),
            account=account_shown,
        )
    if not account_plans:
        return filled_in(
            N_("Account %(account)s has no live plan you can record on."), account=account_shown
        )
    matches = [(p, g) for p in account_plans if (g := _goal(p, goal_raw)) is not None]
    if not matches:
        return filled_in(
            N_("No goal “%(goal)s” in account %(account)s's plans you can record on."),
            goal=goal_shown,
            account=account_shown,
        )
    if len(matches) > 1:
        return filled_in(
            N_(
                "Account %(account)s has %(count)s live plans with the goal “%(goal)s” (plans "
                "%(plans)s): add a plan column with the plan's id."
            ),
            account=account_shown,
            count=len(matches),
            goal=goal_shown,
            plans=", ".join(str(p.id) for p, _ in matches),
        )
    return matches[0]


def _account_plans(
    db: Session, viewer: User, external_id: str, plans: dict[int, AccountPlan | None]
) -> list[AccountPlan] | None:
    """The account's live plans the importer records on; None when no account has that id."""
    account_id = db.scalar(select(Account.id).where(Account.external_id == external_id))
    if account_id is None:
        return None
    plan_ids = db.scalars(
        policy.live_account_plans(account_id)
        .with_only_columns(AccountPlan.id)
        .order_by(AccountPlan.id)
    )
    found = (_plan_of(db, viewer, plan_id, plans) for plan_id in plan_ids)
    return [plan for plan in found if plan is not None]


def _plan(
    db: Session, viewer: User, raw: str, plans: dict[int, AccountPlan | None]
) -> AccountPlan | None:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    return _plan_of(db, viewer, int(raw), plans)


def _plan_of(
    db: Session, viewer: User, plan_id: int, plans: dict[int, AccountPlan | None]
) -> AccountPlan | None:
    """The plan, when the importer may record actuals on it (cached in `plans`)."""
    if plan_id not in plans:
        try:
            plan = get_plan(db, viewer, plan_id)
        except NotFound:
            plans[plan_id] = None
        else:
            plans[plan_id] = plan if policy.can_record_actuals(viewer, plan) else None
    return plans[plan_id]


def _goal(plan: AccountPlan, raw: str) -> PlanGoal | None:
    if raw.isascii() and raw.isdigit():
        by_id = next((g for g in plan.goals if str(g.id) == raw), None)
        if by_id is not None:
            return by_id
    titled = [g for g in plan.goals if g.title.strip().lower() == raw.lower()]
    return titled[0] if len(titled) == 1 else None


def apply_actuals_import(
    db: Session, viewer: User, content: bytes, *, previewed: str
) -> ActualsImport:
    """Records every actual of the file, or none: refused when the file has errors, stale when
    what it would record is not what the preview showed."""
    result = plan_actuals_import(db, viewer, content)
    if not result.ok:
        raise ActualsImportRefused(result)
    if result.fingerprint != previewed:
        raise StaleActualsImport(result)
    by_plan: dict[int, list[ImportedActual]] = {}
    for item in result.actuals:
        db.add(
            GoalActual(
                client_uuid=uuid.uuid4(),
                goal_id=item.goal.id,
                measured_on=_schema.fields["measured_on"].deserialize(item.measured_on_iso),
                value=item.value,
                source=ActualSource.IMPORTED,
                recorded_by_id=viewer.id,
            )
        )
        by_plan.setdefault(item.plan.id, []).append(item)
    db.flush()
    for items in by_plan.values():
        plan = items[0].plan
        touch_plan(db, plan)
        _record(
            db, viewer, plan, "plan.goal.actual.import", item="actuals",
            count=len(items),
            actuals=[[i.goal.id, i.measured_on_iso, plain_value(i.value)] for i in items][:50],
        )  # fmt: skip
    db.commit()
    return result
