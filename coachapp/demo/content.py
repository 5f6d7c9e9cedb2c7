"""The demo organisation as written in coachapp/demo/data/*.toml, read into typed records."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from coachapp.coaching.default_guide import COMPETENCY_KEYS
from coachapp.models import (
    AccountType,
    DecisionRole,
    Function,
    NoteStatus,
    NoteType,
    PlanStatus,
    Role,
)

DATA_FILES = ("people", "accounts", "plans", "coaching", "notes", "reviews", "regions")
PROFILE_AREAS = ("business", "clinical", "operational", "reimbursement")
# What generated coaching texts may name ({account}, ...), and profile texts ({short}).
NOTE_CONTEXT = frozenset(
    {"account", "stakeholder", "teammate", "teammate_role", "rep_first", "weekday"}
)
PROFILE_CONTEXT = frozenset({"short"})
# A region's review's evidence texts, per 3C in THREE_C_KEYS's order (regions.toml).
REVIEW_EVIDENCE = ("collaboration", "coordination", "communication")
# How many priorities a region's account plan has, drawn from its type's (regions.toml).
REGION_PRIORITIES = 3


class DemoDataError(ValueError):
    """A demo data file that does not say what the demo needs; the message names the place."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Admin:
    name: str
    function: Function
    timezone: str
    joined_days_ago: int


@dataclass(frozen=True, slots=True)
class Leader:
    handle: str
    name: str
    role: Role
    function: Function
    timezone: str
    manager: str | None
    region: str
    joined_days_ago: int


@dataclass(frozen=True, slots=True)
class Rep:
    handle: str
    name: str
    function: Function
    timezone: str
    manager: str
    # Short name of the account whose current plan the rep owns; None for someone who owns
    # no plan and works on the account teams of others (teams).
    account: str | None
    # Short names of the accounts whose teams they are on without owning the plan.
    teams: tuple[str, ...]
    joined_days_ago: int
    # Days since the last shared coaching note, drawn from this range; None: never coached.
    last_coached_days_ago: tuple[int, int] | None
    previous_plan: bool
    plan_status: PlanStatus
    draft_days_ago: int | None
    unacknowledged: bool
    focus: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccountSpec:
    name: str
    short: str
    type: AccountType
    region: str
    situation: str
    priorities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FunctionContent:
    noun: str
    responsibilities: tuple[str, ...]
    actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GoalSpec:
    title: str
    measure: str
    value: str | None
    # How the goal is measured: a metric with a unit, baseline and target, or ordered stages.
    metric: str = ""
    unit: str = ""
    baseline: float | None = None
    target: float | None = None
    stages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StakeholderSpec:
    title: str
    ref: str  # how coaching notes refer to them: "the {ref}"
    role: DecisionRole
    doctor: bool


@dataclass(frozen=True, slots=True)
class PlanKind:
    """What plans of accounts of some types are made of."""

    account_types: tuple[AccountType, ...]
    profile: dict[str, tuple[str, ...]]
    goals: tuple[GoalSpec, ...]
    stakeholders: tuple[StakeholderSpec, ...]
    # When given, the actions every function owns on these accounts.
    actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CadenceSpec:
    any_coaching_days: int
    ride_along_days: int


@dataclass(frozen=True, slots=True)
class RideAlongSpec:
    key: str
    manager: str
    rep: str
    day: int  # days from the manager's today
    planned_days_ago: int
    note: str


@dataclass(frozen=True, slots=True)
class SessionTypeSpec:
    weight: int
    observes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompetencyTexts:
    evidence_low: tuple[str, ...]
    evidence_high: tuple[str, ...]
    strength: str
    development: str


@dataclass(frozen=True, slots=True)
class NoteRating:
    competency: str
    score: int | None  # None: not observed
    evidence: str


@dataclass(frozen=True, slots=True)
class NoteFollowUp:
    owner: str  # "rep" or "manager"
    title: str
    due_in_days: int


@dataclass(frozen=True, slots=True)
class WrittenNote:
    """A coaching note written out in full, by the rep's manager."""

    rep: str
    days_ago: int
    type: NoteType
    status: NoteStatus
    strengths: str
    development_focus: str
    private_notes: str
    ack_comment: str | None
    ratings: tuple[NoteRating, ...]
    follow_ups: tuple[NoteFollowUp, ...]


@dataclass(frozen=True, slots=True)
class ReviewAgreement:
    title: str
    owner: str  # a handle on the account's team, or the review's author
    due_in_days: int  # from the day of the review
    done_days_after: int | None  # done that many days after the review; None: still open


@dataclass(frozen=True, slots=True)
class AccountReviewSpec:
    """An account-team review held by a manager with someone on the account's team."""

    key: str
    account: str  # an account's short name
    author: str  # a leader's handle
    days_ago: int
    participants: tuple[str, ...]  # handles; empty: the account's whole team
    progress: str
    scores: tuple[int, ...]  # the 3C's: collaboration, coordination, communication
    evidence: tuple[str, ...]
    agreements: tuple[ReviewAgreement, ...]
    acknowledged: tuple[str, ...]  # handles, or "everyone"
    comment: str | None  # the first acknowledgement's


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    timezone: str


@dataclass(frozen=True, slots=True)
class AccountTypeTexts:
    """What accounts of one type in the regions are named and their plans say."""

    weight: int
    suffixes: tuple[str, ...]
    situations: tuple[str, ...]
    priorities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CoachingStyle:
    """How recently a team's reps were last coached: (share, (fewest, most) days ago)."""

    name: str
    weight: int
    spread: tuple[tuple[int, tuple[int, int]], ...]


@dataclass(frozen=True, slots=True)
class AgreementText:
    title: str
    owner: str  # "owner" (of the plan), "access" (the team's market access person), "author"


@dataclass(frozen=True, slots=True)
class RegionsContent:
    """What the regions of `seed-demo --scale N` are drawn from (regions.toml)."""

    regions: tuple[Region, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    place_first: tuple[str, ...]
    place_second: tuple[str, ...]
    account_types: dict[AccountType, AccountTypeTexts]
    coaching_styles: tuple[CoachingStyle, ...]
    ride_along_notes: tuple[str, ...]
    review_progress: tuple[str, ...]
    # Per 3C, in coachapp.reviews.schemas.THREE_C_KEYS's order (REVIEW_EVIDENCE).
    review_evidence: tuple[tuple[str, ...], ...]
    review_agreements: tuple[AgreementText, ...]
    review_comments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoContent:
    """Everything the demo is made of; the order of every list is the order of the files."""

    admin: Admin
    leaders: tuple[Leader, ...]
    reps: tuple[Rep, ...]
    accounts_created_days_ago: int
    accounts: tuple[AccountSpec, ...]
    functions: dict[Function, FunctionContent]
    kinds: tuple[PlanKind, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    history_days: int
    unread_days: int
    cadence: CadenceSpec
    team_cadence: dict[str, CadenceSpec]  # by the team manager's handle
    ride_alongs: tuple[RideAlongSpec, ...]
    session_types: dict[NoteType, SessionTypeSpec]
    competencies: dict[str, CompetencyTexts]
    # What a note on someone of the medical line says instead, where the words differ:
    # scientific exchange, never a sales call.
    medical_competencies: dict[str, CompetencyTexts]
    not_observed: tuple[str, ...]
    evidence_openers: tuple[str, ...]
    general_strengths: tuple[str, ...]
    vague_praise: tuple[str, ...]
    private_notes: tuple[str, ...]
    ack_comments: tuple[str, ...]
    rep_follow_ups: tuple[str, ...]
    manager_follow_ups: tuple[str, ...]
    notes: tuple[WrittenNote, ...]
    regions: RegionsContent
    reviews: tuple[AccountReviewSpec, ...] = ()

    @property
    def head(self) -> Leader:
        """The person at the top: director@example.com, or a region's director."""
        return self.leaders[0]

    def handles(self) -> list[str]:
        return [leader.handle for leader in self.leaders] + [rep.handle for rep in self.reps]

    def competency_texts(self, function: Function) -> dict[str, CompetencyTexts]:
        """The texts notes on someone of this function are written from."""
        if function == Function.MSL:
            return {**self.competencies, **self.medical_competencies}
        return self.competencies

    def owners(self) -> tuple[Rep, ...]:
        """The reps who own an account's plan (people.toml's account)."""
        return tuple(rep for rep in self.reps if rep.account is not None)

    def home_account(self, rep: Rep) -> AccountSpec:
        """The account whose plan the rep owns, else the first whose team they are on."""
        return self.account(rep.account if rep.account is not None else rep.teams[0])

    def account(self, short: str) -> AccountSpec:
        return next(spec for spec in self.accounts if spec.short == short)

    def kind_of(self, account_type: AccountType) -> PlanKind:
        return next(kind for kind in self.kinds if account_type in kind.account_types)


# --------------------------------------------------------------------------- reading


_MISSING: Any = object()
E = TypeVar("E", bound=StrEnum)
R = TypeVar("R")


class _Table:
    """One TOML table being read: every key must be known, so a misspelt one is reported."""

    def __init__(self, raw: object, where: str) -> None:
        if not isinstance(raw, dict):
            raise DemoDataError(f"{where}: expected a table")
        self.raw: dict[str, Any] = raw
        self.where = where
        self.used: set[str] = set()

    def value(self, key: str, kind: type, default: Any = _MISSING) -> Any:
        self.used.add(key)
        if key not in self.raw:
            if default is _MISSING:
                raise DemoDataError(f"{self.where}: {key} is missing")
            return default
        value = self.raw[key]
        # To Python, TOML's true is also an int.
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise DemoDataError(f"{self.where}: {key} has the wrong type ({value!r})")
        return value

    def text(self, key: str, default: Any = _MISSING) -> Any:
        return self.value(key, str, default)

    def number(self, key: str, default: Any = _MISSING) -> Any:
        return self.value(key, int, default)

    def flag(self, key: str) -> bool:
        return bool(self.value(key, bool, False))

    def texts(self, key: str, default: Any = _MISSING) -> tuple[str, ...]:
        values = self.value(key, list, default)
        if not all(isinstance(value, str) for value in values):
            raise DemoDataError(f"{self.where}: {key} must be a list of texts")
        return tuple(values)

    def choice(self, key: str, enum: type[E], default: Any = _MISSING) -> E:
        value = self.text(key, default)
        return value if isinstance(value, enum) else _enum(enum, value, f"{self.where}.{key}")

    def table(self, key: str) -> _Table:
        return _Table(self.value(key, dict), f"{self.where}.{key}")

    def tables(self, key: str) -> list[_Table]:
        """An array of tables (none when the key is left out)."""
        values = self.value(key, list, [])
        return [_Table(value, f"{self.where}.{key}[{i}]") for i, value in enumerate(values)]

    def keyed(self, key: str) -> list[tuple[str, _Table]]:
        """A table of tables, in the order of the file."""
        outer = self.table(key)
        inner = [(name, outer.table(name)) for name in outer.raw]
        outer.close()
        return inner

    def close(self) -> None:
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            raise DemoDataError(f"{self.where}: unknown {', '.join(unknown)}")


def _enum(enum: type[E], value: str, where: str) -> E:
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(member.value for member in enum)
        raise DemoDataError(f"{where}: {value!r} is not one of {known}") from None


def default_directory() -> Traversable:
    return resources.files("coachapp.demo") / "data"


def load_content(directory: Traversable | Path | None = None) -> DemoContent:
    """Reads and checks the demo's data files (by default those shipped in the package)."""
    folder = default_directory() if directory is None else directory
    files: dict[str, _Table] = {}
    for name in DATA_FILES:
        try:
            raw = tomllib.loads((folder / f"{name}.toml").read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise DemoDataError(f"{name}.toml: {exc}") from exc
        files[name] = _Table(raw, f"{name}.toml")
    content = _read(**files)
    for table in files.values():
        table.close()
    check_content(content)
    return content


def _read(
    people: _Table,
    accounts: _Table,
    plans: _Table,
    coaching: _Table,
    notes: _Table,
    reviews: _Table,
    regions: _Table,
) -> DemoContent:
    texts = coaching.table("texts")
    follow_ups = coaching.table("follow_ups")
    cadence = coaching.table("cadence")
    names = plans.table("stakeholder_names")
    content = DemoContent(
        admin=_admin(people.table("admin")),
        leaders=tuple(_leader(t) for t in people.tables("leaders")),
        reps=tuple(_rep(t) for t in people.tables("reps")),
        accounts_created_days_ago=accounts.number("created_days_ago"),
        accounts=tuple(_account(t) for t in accounts.tables("accounts")),
        functions={
            _enum(Function, name, t.where): _function(t) for name, t in plans.keyed("functions")
        },
        kinds=tuple(_kind(t) for _name, t in plans.keyed("kinds")),
        first_names=names.texts("first"),
        last_names=names.texts("last"),
        history_days=coaching.number("history_days"),
        unread_days=coaching.number("unread_days"),
        cadence=_cadence(cadence, closing=False),
        team_cadence={handle: _cadence(t) for handle, t in cadence.keyed("teams")},
        ride_alongs=tuple(_ride_along(t) for t in coaching.tables("ride_alongs")),
        session_types={
            _enum(NoteType, name, t.where): _session_type(t)
            for name, t in coaching.keyed("session_types")
        },
        competencies={key: _competency_texts(t) for key, t in coaching.keyed("competencies")},
        medical_competencies={
            key: _competency_texts(t) for key, t in coaching.keyed("medical_competencies")
        },
        not_observed=texts.texts("not_observed"),
        evidence_openers=texts.texts("evidence_openers"),
        general_strengths=texts.texts("general_strengths"),
        vague_praise=texts.texts("vague_praise"),
        private_notes=texts.texts("private_notes"),
        ack_comments=texts.texts("ack_comments"),
        rep_follow_ups=follow_ups.texts("rep"),
        manager_follow_ups=follow_ups.texts("manager"),
        notes=tuple(_note(t) for t in notes.tables("notes")),
        reviews=tuple(_review(t) for t in reviews.tables("reviews")),
        regions=_regions(regions),
    )
    for table in (texts, follow_ups, cadence, names):
        table.close()
    return content


def _regions(t: _Table) -> RegionsContent:
    names, places, texts = t.table("names"), t.table("places"), t.table("reviews")
    content = RegionsContent(
        regions=tuple(
            _closed(r, Region(r.text("name"), r.text("timezone"))) for r in t.tables("regions")
        ),
        first_names=names.texts("first"),
        last_names=names.texts("last"),
        place_first=places.texts("first"),
        place_second=places.texts("second"),
        account_types={
            _enum(AccountType, name, a.where): _account_type_texts(a)
            for name, a in t.keyed("account_types")
        },
        coaching_styles=tuple(_coaching_style(c) for c in t.tables("coaching_styles")),
        ride_along_notes=t.texts("ride_along_notes"),
        review_progress=texts.texts("progress"),
        review_evidence=tuple(texts.texts(key) for key in REVIEW_EVIDENCE),
        review_agreements=tuple(_agreement_text(a) for a in texts.tables("agreements")),
        review_comments=texts.texts("comments"),
    )
    for table in (names, places, texts):
        table.close()
    return content


def _account_type_texts(t: _Table) -> AccountTypeTexts:
    texts = AccountTypeTexts(
        weight=t.number("weight"),
        suffixes=t.texts("suffixes"),
        situations=t.texts("situations"),
        priorities=t.texts("priorities"),
    )
    if texts.weight < 1 or not texts.suffixes or not texts.situations:
        raise DemoDataError(f"{t.where}: a weight, suffixes and situations are needed")
    if len(texts.priorities) < REGION_PRIORITIES:
        raise DemoDataError(f"{t.where}: at least {REGION_PRIORITIES} priorities are needed")
    return _closed(t, texts)


def _coaching_style(t: _Table) -> CoachingStyle:
    spread = []
    for part in t.tables("spread"):
        days = part.value("days", list)
        if len(days) != 2 or not all(type(n) is int for n in days) or not 0 < days[0] <= days[1]:
            raise DemoDataError(f"{part.where}: days is [fewest, most], from 1")
        spread.append((part.number("share"), (days[0], days[1])))
        part.close()
    if not spread:
        raise DemoDataError(f"{t.where}: spread is missing")
    return _closed(t, CoachingStyle(t.text("name"), t.number("weight"), tuple(spread)))


def _agreement_text(t: _Table) -> AgreementText:
    owner = t.text("owner")
    if owner not in ("owner", "access", "author"):
        raise DemoDataError(f"{t.where}: owner is owner, access or author")
    return _closed(t, AgreementText(t.text("title"), owner))


def _closed(table: _Table, record: R) -> R:
    table.close()
    return record


def _admin(t: _Table) -> Admin:
    admin = Admin(
        name=t.text("name"),
        function=t.choice("function", Function),
        timezone=t.text("timezone"),
        joined_days_ago=t.number("joined_days_ago"),
    )
    return _closed(t, admin)


def _leader(t: _Table) -> Leader:
    leader = Leader(
        handle=t.text("handle"),
        name=t.text("name"),
        role=t.choice("role", Role),
        function=t.choice("function", Function),
        timezone=t.text("timezone"),
        manager=t.text("manager", None),
        region=t.text("region"),
        joined_days_ago=t.number("joined_days_ago"),
    )
    return _closed(t, leader)


def _rep(t: _Table) -> Rep:
    last = t.value("last_coached_days_ago", list, None)
    if last is not None and (
        len(last) != 2 or not all(type(n) is int for n in last) or last[0] > last[1]
    ):
        raise DemoDataError(f"{t.where}: last_coached_days_ago is [fewest, most] days")
    rep = Rep(
        handle=t.text("handle"),
        name=t.text("name"),
        function=t.choice("function", Function),
        timezone=t.text("timezone"),
        manager=t.text("manager"),
        account=t.text("account", None),
        teams=t.texts("teams", ()),
        joined_days_ago=t.number("joined_days_ago"),
        last_coached_days_ago=(last[0], last[1]) if last is not None else None,
        previous_plan=t.flag("previous_plan"),
        plan_status=t.choice("plan_status", PlanStatus, PlanStatus.ACTIVE),
        draft_days_ago=t.number("draft_days_ago", None),
        unacknowledged=t.flag("unacknowledged"),
        focus=t.texts("focus", ()),
    )
    return _closed(t, rep)


def _account(t: _Table) -> AccountSpec:
    account = AccountSpec(
        name=t.text("name"),
        short=t.text("short"),
        type=t.choice("type", AccountType),
        region=t.text("region"),
        situation=t.text("situation"),
        priorities=t.texts("priorities"),
    )
    return _closed(t, account)


def _function(t: _Table) -> FunctionContent:
    content = FunctionContent(
        noun=t.text("noun"),
        responsibilities=t.texts("responsibilities"),
        actions=t.texts("actions"),
    )
    return _closed(t, content)


def _kind(t: _Table) -> PlanKind:
    profile = t.table("profile")
    kind = PlanKind(
        account_types=tuple(_enum(AccountType, v, t.where) for v in t.texts("account_types")),
        profile=_closed(profile, {area: profile.texts(area) for area in PROFILE_AREAS}),
        goals=tuple(_goal(g) for g in t.tables("goals")),
        stakeholders=tuple(_stakeholder(s) for s in t.tables("stakeholders")),
        actions=t.texts("actions", ()),
    )
    return _closed(t, kind)


def _goal(t: _Table) -> GoalSpec:
    baseline, target = t.number("baseline", None), t.number("target", None)
    stages = t.texts("stages", ())
    if stages and (baseline is not None or target is not None):
        raise DemoDataError(f"{t.where}: a goal has stages or a baseline and target, not both")
    if not stages and (baseline is None) != (target is None):
        raise DemoDataError(f"{t.where}: a numeric goal has both a baseline and a target")
    spec = GoalSpec(
        t.text("title"), t.text("measure"), t.text("value", None),
        metric=t.text("metric", ""), unit=t.text("unit", ""),
        baseline=None if baseline is None else float(baseline),
        target=None if target is None else float(target),
        stages=stages,
    )  # fmt: skip
    return _closed(t, spec)


def _stakeholder(t: _Table) -> StakeholderSpec:
    role = t.choice("role", DecisionRole)
    return _closed(t, StakeholderSpec(t.text("title"), t.text("ref"), role, t.flag("doctor")))


def _cadence(t: _Table, *, closing: bool = True) -> CadenceSpec:
    spec = CadenceSpec(t.number("any_coaching_days"), t.number("ride_along_days"))
    if spec.any_coaching_days < 1 or spec.ride_along_days < 1:
        raise DemoDataError(f"{t.where}: a cadence target is at least one day")
    return _closed(t, spec) if closing else spec


def _ride_along(t: _Table) -> RideAlongSpec:
    ride = RideAlongSpec(
        key=t.text("key"),
        manager=t.text("manager"),
        rep=t.text("rep"),
        day=t.number("day"),
        planned_days_ago=t.number("planned_days_ago"),
        note=t.text("note"),
    )
    return _closed(t, ride)


def _session_type(t: _Table) -> SessionTypeSpec:
    return _closed(t, SessionTypeSpec(weight=t.number("weight"), observes=t.texts("observes")))


def _competency_texts(t: _Table) -> CompetencyTexts:
    texts = CompetencyTexts(
        evidence_low=t.texts("evidence_low"),
        evidence_high=t.texts("evidence_high"),
        strength=t.text("strength"),
        development=t.text("development"),
    )
    return _closed(t, texts)


def _note(t: _Table) -> WrittenNote:
    note = WrittenNote(
        rep=t.text("rep"),
        days_ago=t.number("days_ago"),
        type=t.choice("type", NoteType),
        status=t.choice("status", NoteStatus),
        strengths=t.text("strengths", ""),
        development_focus=t.text("development_focus", ""),
        private_notes=t.text("private_notes", ""),
        ack_comment=t.text("ack_comment", None),
        ratings=tuple(_note_rating(r) for r in t.tables("ratings")),
        follow_ups=tuple(_note_follow_up(f) for f in t.tables("follow_ups")),
    )
    if note.days_ago < 0:
        raise DemoDataError(f"{t.where}: days_ago counts back from today (0 or more)")
    return _closed(t, note)


def _review(t: _Table) -> AccountReviewSpec:
    review = AccountReviewSpec(
        key=t.text("key"),
        account=t.text("account"),
        author=t.text("author"),
        days_ago=t.number("days_ago"),
        participants=t.texts("participants", ()),
        progress=t.text("progress"),
        scores=tuple(t.value("scores", list)),
        evidence=t.texts("evidence"),
        agreements=tuple(_review_agreement(a) for a in t.tables("agreements")),
        acknowledged=t.texts("acknowledged", ()),
        comment=t.text("comment", None),
    )
    if len(review.scores) != 3 or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4 for v in review.scores
    ):
        raise DemoDataError(f"{t.where}: scores are the 3C's, each 1 to 4")
    if len(review.evidence) != 3:
        raise DemoDataError(f"{t.where}: evidence is one text per 3C (empty for none)")
    if review.days_ago < 0:
        raise DemoDataError(f"{t.where}: days_ago counts back from today (0 or more)")
    return _closed(t, review)


def _review_agreement(t: _Table) -> ReviewAgreement:
    agreement = ReviewAgreement(
        title=t.text("title"),
        owner=t.text("owner"),
        due_in_days=t.number("due_in_days"),
        done_days_after=t.number("done_days_after", None),
    )
    return _closed(t, agreement)


def _note_rating(t: _Table) -> NoteRating:
    score = t.number("score", None)
    if score is not None and not 1 <= score <= 4:
        raise DemoDataError(f"{t.where}: score is 1 to 4, or left out for not observed")
    return _closed(t, NoteRating(t.text("competency"), score, t.text("evidence", "")))


def _note_follow_up(t: _Table) -> NoteFollowUp:
    owner = t.text("owner")
    if owner not in ("rep", "manager"):
        raise DemoDataError(f"{t.where}: owner is rep or manager")
    return _closed(t, NoteFollowUp(owner, t.text("title"), t.number("due_in_days")))


# --------------------------------------------------------------------------- checks


def check_content(content: DemoContent) -> None:
    """Cross-references between the files, so a typo fails the seeding with its place (and
    a region drawn wrong fails as the data files' mistake would)."""
    problems: list[str] = []
    handles = content.handles()
    duplicates = sorted({h for h in handles if handles.count(h) > 1})
    if duplicates:
        problems.append(f"people.toml: handles used twice: {', '.join(duplicates)}")
    if "admin" in handles:
        problems.append("people.toml: the handle admin is the administrator's")
    leaders: set[str] = set()
    for leader in content.leaders:
        if leader is content.head and leader.manager is not None:
            problems.append(f"people.toml: the first leader, {leader.handle}, reports to nobody")
        # Another leader who reports to nobody heads a line of their own (medical affairs).
        if leader.manager is not None and leader.manager not in leaders:
            problems.append(
                f"people.toml: {leader.handle}'s manager must be a leader listed before them"
            )
        leaders.add(leader.handle)
    shorts = [spec.short for spec in content.accounts]
    names = [spec.name for spec in content.accounts]
    if len(set(shorts)) != len(shorts) or len(set(names)) != len(names):
        problems.append("accounts.toml: every account needs a name and a short name of its own")
    for rep in content.reps:
        if rep.manager not in leaders:
            problems.append(f"people.toml: {rep.handle}'s manager {rep.manager!r} is no leader")
        for short in (*([rep.account] if rep.account is not None else []), *rep.teams):
            if short not in shorts:
                problems.append(f"people.toml: {rep.handle}'s account {short!r} is unknown")
        if rep.account is None and not rep.teams:
            problems.append(f"people.toml: {rep.handle} owns no plan and is on no team")
        if rep.account is not None and rep.account in rep.teams:
            problems.append(f"people.toml: {rep.handle} owns {rep.account}'s plan already")
        problems += _unknown_competencies(f"people.toml: {rep.handle}'s focus", rep.focus)
    for account_type in AccountType:
        count = sum(account_type in kind.account_types for kind in content.kinds)
        if count != 1:
            problems.append(f"plans.toml: account type {account_type} is in {count} kinds")
    missing = [fn.value for fn in Function if fn not in content.functions]
    if missing:
        problems.append(f"plans.toml: no [functions.…] for {', '.join(missing)}")
    for kind in content.kinds:
        for area, options in kind.profile.items():
            problems += _placeholders(f"plans.toml: {area} profile", options, PROFILE_CONTEXT)
    for handle in content.team_cadence:
        if handle not in leaders:
            problems.append(f"coaching.toml: cadence.teams.{handle} is no leader")
    owners = {rep.handle for rep in content.owners()}
    for ride in content.ride_alongs:
        if ride.manager not in leaders or ride.rep not in owners:
            problems.append(f"coaching.toml: ride-along {ride.key}: unknown manager or rep")
    for session_type, spec in content.session_types.items():
        problems += _unknown_competencies(f"coaching.toml: {session_type}", spec.observes)
    problems += _unknown_competencies("coaching.toml: competencies", content.competencies)
    problems += _unknown_competencies(
        "coaching.toml: medical_competencies", content.medical_competencies
    )
    for key, texts in (*content.competencies.items(), *content.medical_competencies.items()):
        options = (*texts.evidence_low, *texts.evidence_high, texts.strength, texts.development)
        problems += _placeholders(f"coaching.toml: {key}", options, NOTE_CONTEXT)
    for label, options in (
        ("not_observed", content.not_observed),
        ("evidence_openers", content.evidence_openers),
        ("general_strengths", content.general_strengths),
        ("vague_praise", content.vague_praise),
        ("private_notes", content.private_notes),
        ("ack_comments", content.ack_comments),
        ("follow_ups", (*content.rep_follow_ups, *content.manager_follow_ups)),
    ):
        problems += _placeholders(f"coaching.toml: {label}", options, NOTE_CONTEXT)
    for i, note in enumerate(content.notes):
        if note.rep not in owners:
            problems.append(f"notes.toml: notes[{i}]: {note.rep!r} is no rep owning a plan")
        keys = [rating.competency for rating in note.ratings]
        problems += _unknown_competencies(f"notes.toml: notes[{i}]", keys)
        if len(set(keys)) != len(keys):
            problems.append(f"notes.toml: notes[{i}] rates a competency twice")
    problems += _review_problems(content, leaders)
    if problems:
        raise DemoDataError("\n".join(problems))


def _review_problems(content: DemoContent, leaders: set[str]) -> list[str]:
    """Each review on a known account, by a leader with someone of theirs on its team, with
    participants and owners on that team (or the author)."""
    problems = []
    keys = [review.key for review in content.reviews]
    if len(set(keys)) != len(keys):
        problems.append("reviews.toml: every review needs a key of its own")
    for review in content.reviews:
        where = f"reviews.toml: {review.key}"
        team = {
            rep.handle: rep
            for rep in content.reps
            if rep.account == review.account or review.account in rep.teams
        }
        if not team:
            problems.append(f"{where}: {review.account!r} is no account with a team")
        if review.author not in leaders:
            problems.append(f"{where}: {review.author!r} is no leader")
        elif all(rep.manager != review.author for rep in team.values()):
            problems.append(f"{where}: {review.author} manages no one on the team")
        for handle in review.participants:
            if handle not in team:
                problems.append(f"{where}: participant {handle!r} is not on the team")
        for agreement in review.agreements:
            if agreement.owner not in team and agreement.owner != review.author:
                problems.append(f"{where}: owner {agreement.owner!r} is not on the team")
        for handle in review.acknowledged:
            if handle != "everyone" and handle not in team and handle not in leaders:
                problems.append(f"{where}: {handle!r} cannot acknowledge it")
    return problems


def _unknown_competencies(where: str, keys: Iterable[str]) -> list[str]:
    unknown = [key for key in keys if key not in COMPETENCY_KEYS]
    if not unknown:
        return []
    return [f"{where}: not competencies of the default guide: {', '.join(unknown)}"]


def _placeholders(where: str, texts: Iterable[str], allowed: frozenset[str]) -> list[str]:
    found = set()
    for text in texts:
        try:
            found |= {field for _, field, _, _ in string.Formatter().parse(text) if field}
        except ValueError as exc:
            return [f"{where}: {exc} in {text!r}"]
    unknown = sorted(found - allowed)
    return [f"{where}: unknown {{{'}, {'.join(unknown)}}}"] if unknown else []
