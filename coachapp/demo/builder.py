"""Builds one region of the demo organisation from its content (coachapp/demo/data)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.demo.bulk import insert_objects
from coachapp.demo.content import (
    PROFILE_AREAS,
    AccountReviewSpec,
    AccountSpec,
    DemoContent,
    GoalSpec,
    Rep,
    WrittenNote,
)
from coachapp.models import (
    Account,
    AccountPlan,
    AccountReview,
    ActionStatus,
    ActualSource,
    CadenceTarget,
    DecisionRole,
    DevelopmentFocus,
    FollowUp,
    FollowUpStatus,
    Function,
    GoalActual,
    GoalKind,
    GoalStatus,
    Note,
    NoteRating,
    NoteStatus,
    NoteType,
    PlanActionItem,
    PlanGoal,
    PlannedRideAlong,
    PlanStakeholder,
    PlanStatus,
    PlanTeamMember,
    Relationship,
    ReviewAcknowledgement,
    ReviewEarlierAgreement,
    ReviewParticipant,
    ReviewRating,
    Role,
    User,
)
from coachapp.reporting_lines import start_lines
from coachapp.reviews.schemas import THREE_C_KEYS
from coachapp.reviews.service import plan_summary
from coachapp.timezones import local_today

DOMAIN = "example.com"

COUNT_KEYS = (
    "guides",
    "users",
    "accounts",
    "account_plans",
    "plan_goals",
    "goal_actuals",
    "plan_action_items",
    "plan_stakeholders",
    "plan_team_members",
    "coaching_sessions",
    "session_ratings",
    "follow_ups",
    "development_focuses",
    "cadence_targets",
    "ride_alongs",
    "account_reviews",
    "attainment_snapshots",
    "journeys",
)


def email(n: int, handle: str) -> str:
    """Region 1 has the documented emails; region N > 1 prefixes them with rN."""
    return f"{handle}@{DOMAIN}" if n == 1 else f"r{n}.{handle}@{DOMAIN}"


def account_external_id(n: int, index: int) -> str:
    """The CRM's id of region n's account at `index` (from 1): IDN-0001, IDN-0002, ...; the
    second region's from IDN-1001, and so on."""
    return f"IDN-{(n - 1) * 1000 + index:04d}"


def demo_now(today: dt.date) -> dt.datetime:
    """'Now' for the demo: the real time when seeding for today, else the end of that day."""
    current = utcnow()
    if current.date() == today:
        return current
    return _at(today, 23, 0)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _half_year(day: dt.date) -> tuple[str, dt.date, dt.date]:
    if day.month <= 6:
        return f"{day.year}-H1", dt.date(day.year, 1, 1), dt.date(day.year, 6, 30)
    return f"{day.year}-H2", dt.date(day.year, 7, 1), dt.date(day.year, 12, 31)


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _quarter_ends(after: dt.date, until: dt.date) -> list[dt.date]:
    """The last days of the calendar quarters that end after `after` and by `until`."""
    ends: list[dt.date] = []
    year, month = after.year, 3 * ((after.month - 1) // 3) + 3
    while True:
        next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
        end = next_month - _days(1)
        if end > until:
            return ends
        if end > after:
            ends.append(end)
        year, month = next_month.year, next_month.month + 2


@dataclass(slots=True)
class _PlanContext:
    plan: AccountPlan
    account: Account
    spec: AccountSpec
    stakeholder_refs: list[str]
    teammates: list[tuple[User, Function]]  # excluding the owner


class RegionBuilder:
    """Builds region ``n`` of the demo organisation and writes it: region 1 from the data
    files' content, the others from coachapp.demo.regions.region_content.

    Plans and the coaching history are drawn from the content with a random generator seeded
    by the region's number, so the same content gives the same region on every seeding. The
    content's first leader reports to ``head_manager_id`` (a region's director to
    director@example.com; nobody for region 1).
    """

    def __init__(
        self,
        db: Session,
        content: DemoContent,
        n: int,
        today: dt.date,
        now: dt.datetime,
        password_hash: str,
        guide_version_id: int,
        competencies: dict[str, int],
        head_manager_id: int | None = None,
    ) -> None:
        self.db = db
        self.head_manager_id = head_manager_id
        self.content = content
        self.n = n
        self.today = today
        self.now = now
        self.password_hash = password_hash
        self.guide_version_id = guide_version_id
        self.competencies = competencies
        # str seeds are hashed deterministically (not affected by PYTHONHASHSEED).
        self.rng = random.Random(f"coachapp-demo-{n}")  # made-up demo data  # nosec B311
        self.period, self.period_start, self.period_end = _half_year(today)
        self.previous_period, self.previous_start, self.previous_end = _half_year(
            self.period_start - _days(1)
        )
        self.counts = dict.fromkeys(COUNT_KEYS, 0)
        self.pending: list[object] = []
        # Ratings and follow-ups wait for their session's id (see build()).
        self.session_children: list[tuple[Note, Sequence[NoteRating | FollowUp]]] = []

    def build(self) -> None:
        content = self.content
        users = self._users()
        accounts = {
            spec.short: Account(
                name=spec.name,
                type=spec.type,
                region=spec.region,
                external_id=account_external_id(self.n, index),
                created_at=self.now - _days(content.accounts_created_days_ago),
            )
            for index, spec in enumerate(content.accounts, start=1)
        }
        self.counts["users"] += len(users)
        self.counts["accounts"] += len(accounts)
        # The rows are written by stage (users and accounts, plans, sessions, ratings) with
        # coachapp.demo.bulk, outside the session's unit of work; rows of a later stage refer
        # to those of earlier ones by id. One commit per region.
        insert_objects(self.db, [*users.values(), *accounts.values()])
        # Each reporting line as it started, the day the person joined.
        start_lines(self.db, users.values())

        reps = {rep.handle: users[rep.handle] for rep in content.reps}
        plans: dict[str, tuple[Rep, _PlanContext, _PlanContext | None]] = {}
        for rep_spec in content.owners():
            assert rep_spec.account is not None  # owners() has those with an account
            rep = reps[rep_spec.handle]
            account_spec = content.account(rep_spec.account)
            account = accounts[rep_spec.account]
            teammates = self._line_members(rep_spec.account, reps)
            teammates += self._pick_teammates(rep_spec, reps)
            current = self._plan(account_spec, account, rep, rep_spec, teammates, previous=False)
            previous = (
                self._plan(account_spec, account, rep, rep_spec, teammates, previous=True)
                if rep_spec.previous_plan
                else None
            )
            plans[rep_spec.handle] = (rep_spec, current, previous)
        self._flush_pending()

        by_account = {
            spec.account: (current, previous) for spec, current, previous in plans.values()
        }
        for rep_spec in content.reps:
            rep = reps[rep_spec.handle]
            manager = users[rep_spec.manager]
            if rep_spec.account is not None:
                contexts = [plans[rep_spec.handle][1:]]
            else:
                # Someone on others' account teams is coached on their work at each of them;
                # their notes name the plan's owner and the rest of the team as teammates.
                contexts = [
                    self._as_member(rep, *by_account[short], owner=plans_owner)
                    for short in rep_spec.teams
                    for plans_owner in [self._owner_of(short, plans, reps)]
                ]
            self._sessions(rep_spec, rep, manager, contexts)
            self._focus(rep_spec, rep, manager, contexts[0][0])
        for ride in content.ride_alongs:
            manager = users[ride.manager]
            planned = self.now - _days(ride.planned_days_ago)
            self._add(
                PlannedRideAlong(
                    manager_id=manager.id,
                    rep_id=reps[ride.rep].id,
                    plan_id=plans[ride.rep][1].plan.id,
                    day=local_today(manager.timezone, self.now) + _days(ride.day),
                    note=ride.note,
                    uid=uuid.uuid5(uuid.NAMESPACE_URL, f"coachapp-demo-{self.n}-{ride.key}"),
                    created_at=planned,
                    updated_at=planned,
                ),
                kind="ride_alongs",
            )
        for handle, target in content.team_cadence.items():
            self._add(
                CadenceTarget(
                    team_manager_id=users[handle].id,
                    any_coaching_days=target.any_coaching_days,
                    ride_along_days=target.ride_along_days,
                ),
                kind="cadence_targets",
            )
        for position, note in enumerate(content.notes):
            rep_spec, current, previous = plans[note.rep]
            self._written_note(
                position, note, reps[note.rep], users[rep_spec.manager], current, previous
            )
        self._flush_pending()

        for session, children in self.session_children:
            for child in children:
                child.session_id = session.id
            self.pending.extend(children)
        self.session_children = []
        self._flush_pending()
        self._reviews(users, by_account)

    # ------------------------------------------------------------ account reviews

    def _reviews(
        self,
        users: dict[str, User],
        by_account: dict[str | None, tuple[_PlanContext, _PlanContext | None]],
    ) -> None:
        """Account-team reviews (reviews.toml), oldest first, so that each goes over the
        agreements of the account's earlier ones still open on its day."""
        by_id = {user.id: user for user in users.values()}
        earlier: dict[str, list[tuple[FollowUp, dt.date | None]]] = {}
        for spec in sorted(self.content.reviews, key=lambda r: (-r.days_ago, r.key)):
            current, _previous = by_account[spec.account]
            agreements = self._review(spec, current, users, by_id, earlier)
            earlier.setdefault(spec.account, []).extend(agreements)
        self._flush_pending()

    def _review(
        self,
        spec: AccountReviewSpec,
        current: _PlanContext,
        users: dict[str, User],
        by_id: dict[int, User],
        earlier: dict[str, list[tuple[FollowUp, dt.date | None]]],
    ) -> list[tuple[FollowUp, dt.date | None]]:
        author = users[spec.author]
        held = self.today - _days(spec.days_ago)
        at = self._clamp(_at(held, 19))
        team = [by_id[current.plan.owner_id], *(user for user, _fn in current.teammates)]
        people = [users[h] for h in spec.participants] if spec.participants else team
        review = AccountReview(
            client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"coachapp-demo-{self.n}-{spec.key}"),
            account_id=current.account.id,
            author_id=author.id,
            held_on=held,
            plan_progress=spec.progress,
            # The plan as the demo has it: the same summary for every review of an account.
            plan_summary=plan_summary(self.db, current.account.id, self.today),
            created_at=at,
        )
        insert_objects(self.db, [review])
        self.counts["account_reviews"] += 1
        rows: list[object] = [
            ReviewParticipant(review_id=review.id, user_id=person.id, function=person.function)
            for person in people
        ]
        rows += [
            ReviewRating(review_id=review.id, competency_key=key, score=score, evidence=text)
            for key, score, text in zip(THREE_C_KEYS, spec.scores, spec.evidence, strict=True)
        ]
        for follow_up, done_on in earlier.get(spec.account, []):
            if done_on is None or done_on >= held:
                outcome = "done" if done_on == held else "open"
                rows.append(
                    ReviewEarlierAgreement(
                        review_id=review.id, follow_up_id=follow_up.id, outcome=outcome
                    )
                )
        agreements: list[tuple[FollowUp, dt.date | None]] = []
        for item in spec.agreements:
            done_on = None if item.done_days_after is None else held + _days(item.done_days_after)
            done = done_on is not None and done_on <= self.today
            completed = self._clamp(_at(done_on, 17)) if done and done_on is not None else None
            follow_up = FollowUp(
                review_id=review.id,
                owner_id=users[item.owner].id,
                created_by_id=author.id,
                title=item.title,
                due_date=held + _days(item.due_in_days),
                status=FollowUpStatus.DONE if done else FollowUpStatus.OPEN,
                completed_at=completed,
                created_at=at,
                updated_at=completed or at,
            )
            agreements.append((follow_up, done_on if done else None))
        self._add(*(f for f, _ in agreements), kind="follow_ups")
        self.pending.extend(rows)
        self._flush_pending()
        asked = [p for p in people if p.id != author.id]
        asked += [
            by_id[p.manager_id]
            for p in people
            if p.manager_id is not None and p.manager_id != author.id
        ]
        everyone = "everyone" in spec.acknowledged
        seen: set[int] = set()
        for position, person in enumerate(asked):
            handle = next(h for h, u in users.items() if u.id == person.id)
            if person.id in seen or not (everyone or handle in spec.acknowledged):
                continue
            moment = _at(held + _days(1 + position % 2), 13 + position % 6, 10 * position % 60)
            if moment > self.now:
                continue
            seen.add(person.id)
            self.pending.append(
                ReviewAcknowledgement(
                    review_id=review.id,
                    user_id=person.id,
                    acknowledged_at=moment,
                    comment=spec.comment if not seen - {person.id} else None,
                )
            )
        return agreements

    # ----------------------------------------------------------------- helpers

    def _add(self, *objects: object, kind: str) -> None:
        self.pending.extend(objects)
        self.counts[kind] += len(objects)

    def _add_to_session(
        self,
        session: Note,
        children: Sequence[NoteRating | FollowUp],
        *,
        kind: str,
    ) -> None:
        self.session_children.append((session, children))
        self.counts[kind] += len(children)

    def _flush_pending(self) -> None:
        insert_objects(self.db, self.pending)
        self.pending = []

    def _clamp(self, moment: dt.datetime) -> dt.datetime:
        return min(moment, self.now)

    def _users(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for leader in self.content.leaders:
            users[leader.handle] = User(
                email=email(self.n, leader.handle),
                name=leader.name,
                password_hash=self.password_hash,
                role=leader.role,
                function=leader.function,
                timezone=leader.timezone,
                region=leader.region,
                created_at=self.now - _days(leader.joined_days_ago),
            )
            if leader.manager is not None:
                users[leader.handle].manager = users[leader.manager]
            else:
                above = self.head_manager_id if leader is self.content.head else None
                users[leader.handle].manager_id = above
        for rep in self.content.reps:
            # A rep works in the region of the account whose plan they own.
            users[rep.handle] = User(
                email=email(self.n, rep.handle),
                name=rep.name,
                password_hash=self.password_hash,
                role=Role.REP,
                function=rep.function,
                timezone=rep.timezone,
                region=self.content.home_account(rep).region,
                manager=users[rep.manager],
                created_at=self.now - _days(rep.joined_days_ago),
            )
        return users

    def _pick_teammates(self, spec: Rep, reps: dict[str, User]) -> list[tuple[User, Function]]:
        """Now and then a colleague of the owner's own team and another function (a key
        account manager with a sales rep)."""
        candidates = [
            (other, reps[other.handle])
            for other in self.content.owners()
            if other.function != spec.function and other.manager == spec.manager
        ]
        if not candidates or self.rng.random() < 0.5:
            return []
        other, user = self.rng.choice(candidates)
        return [(user, other.function)]

    def _line_members(self, short: str, reps: dict[str, User]) -> list[tuple[User, Function]]:
        """The people of other lines (market access, medical, patient services) on this
        account's team, as people.toml's teams lists them."""
        return [
            (reps[spec.handle], spec.function) for spec in self.content.reps if short in spec.teams
        ]

    def _owner_of(
        self,
        short: str,
        plans: dict[str, tuple[Rep, _PlanContext, _PlanContext | None]],
        reps: dict[str, User],
    ) -> tuple[User, Function]:
        spec = next(spec for spec, _current, _previous in plans.values() if spec.account == short)
        return reps[spec.handle], spec.function

    @staticmethod
    def _as_member(
        member: User,
        current: _PlanContext,
        previous: _PlanContext | None,
        *,
        owner: tuple[User, Function],
    ) -> tuple[_PlanContext, _PlanContext | None]:
        """The plan's contexts as a team member who does not own it sees them: their
        teammates are the owner and the others on the team."""

        def seen(ctx: _PlanContext) -> _PlanContext:
            others = [(user, fn) for user, fn in ctx.teammates if user.id != member.id]
            return replace(ctx, teammates=[owner, *others])

        return seen(current), seen(previous) if previous is not None else None

    # ------------------------------------------------------------------- plans

    def _plan(
        self,
        spec: AccountSpec,
        account: Account,
        owner: User,
        rep_spec: Rep,
        teammates: list[tuple[User, Function]],
        *,
        previous: bool,
    ) -> _PlanContext:
        rng = self.rng
        if previous:
            period, start, end = self.previous_period, self.previous_start, self.previous_end
            status = PlanStatus.ARCHIVED
            created = _at(start - _days(rng.randint(5, 20)), 15)
            updated = _at(end + _days(rng.randint(1, 10)), 16)
        else:
            period, start, end = self.period, self.period_start, self.period_end
            status = rep_spec.plan_status
            joined = self.today - _days(rep_spec.joined_days_ago)
            first_day = max(start - _days(10), joined + _days(3))
            created = _at(first_day + _days(rng.randint(0, 12)), 15)
            updated = _at(self.today - _days(rng.randint(1, 25)), 18)
        created, updated = self._clamp(created), self._clamp(max(created, updated))

        priorities = spec.priorities[:2] if status == PlanStatus.DRAFT else spec.priorities
        strategic = f"{spec.situation}\n\nPriorities for {period}:\n" + "\n".join(
            f"{i}. {text}" for i, text in enumerate(priorities, start=1)
        )
        profile = self._profile(spec, status)
        plan = AccountPlan(
            account_id=account.id,
            period=period,
            owner_id=owner.id,
            status=status,
            strategic_priorities=strategic,
            profile_business=profile["business"],
            profile_clinical=profile["clinical"],
            profile_operational=profile["operational"],
            profile_reimbursement=profile["reimbursement"],
            created_at=created,
            updated_at=updated,
            last_activity_at=updated,
        )
        self._add(plan, kind="account_plans")

        functions = self.content.functions
        owner_duty = rng.choice(functions[rep_spec.function].responsibilities)
        team = [
            PlanTeamMember(plan=plan, user_id=owner.id, responsibility=f"Plan owner. {owner_duty}")
        ]
        team += [
            PlanTeamMember(
                plan=plan,
                user_id=user.id,
                responsibility=rng.choice(functions[fn].responsibilities),
            )
            for user, fn in teammates
        ]
        self._add(*team, kind="plan_team_members")

        goals = self._goals(plan, spec, start, end, previous=previous)
        self._actuals(
            f"{spec.short}-{period}", goals, owner, rep_spec, teammates, start, end,
            previous=previous,
        )  # fmt: skip
        self._actions(
            plan, spec, owner, rep_spec.function, teammates, start, end, previous=previous
        )
        refs = self._stakeholders(plan, spec)
        return _PlanContext(plan, account, spec, refs, teammates)

    def _profile(self, spec: AccountSpec, status: PlanStatus) -> dict[str, str]:
        rng = self.rng
        if status == PlanStatus.DRAFT:
            empty = rng.choice((2, 3))
        elif status == PlanStatus.ARCHIVED:
            empty = rng.choices((0, 1), weights=(70, 30))[0]
        else:
            empty = rng.choices((0, 1, 2), weights=(40, 40, 20))[0]
        blank = set(rng.sample(PROFILE_AREAS, empty))
        texts = self.content.kind_of(spec.type).profile
        profile: dict[str, str] = {}
        for area in PROFILE_AREAS:
            options = texts[area]
            if area in blank or not options:
                profile[area] = ""
                continue
            # A single text is taken as it is, without a draw.
            text = options[0] if len(options) == 1 else rng.choice(options)
            profile[area] = text.format(short=spec.short)
        return profile

    def _goals(
        self, plan: AccountPlan, spec: AccountSpec, start: dt.date, end: dt.date, *, previous: bool
    ) -> list[tuple[PlanGoal, GoalSpec]]:
        rng = self.rng
        pool = self.content.kind_of(spec.type).goals
        goals = []
        specs = []
        for position, goal in enumerate(rng.sample(pool, rng.randint(2, 4))):
            if previous:
                target = start + _days(rng.randint(60, (end - start).days))
                status = rng.choices(
                    (GoalStatus.DONE, GoalStatus.OFF_TRACK, GoalStatus.AT_RISK),
                    weights=(60, 30, 10),
                )[0]
            else:
                target = self.today + _days(rng.randint(-30, 130))
                if target < self.today:
                    status = rng.choices(
                        (GoalStatus.DONE, GoalStatus.OFF_TRACK, GoalStatus.AT_RISK),
                        weights=(50, 30, 20),
                    )[0]
                else:
                    status = rng.choices(
                        (
                            GoalStatus.ON_TRACK,
                            GoalStatus.AT_RISK,
                            GoalStatus.OFF_TRACK,
                            GoalStatus.DONE,
                        ),
                        weights=(50, 28, 12, 10),
                    )[0]
            goals.append(
                PlanGoal(
                    plan=plan,
                    position=position,
                    title=goal.title,
                    measure=goal.measure,
                    target_date=target,
                    status=status,
                    value=goal.value,
                    kind=GoalKind.STAGES if goal.stages else GoalKind.NUMERIC,
                    metric=goal.metric,
                    unit=goal.unit,
                    baseline=goal.baseline,
                    target=goal.target,
                    stages=list(goal.stages),
                )
            )
            specs.append(goal)
        self._add(*goals, kind="plan_goals")
        return list(zip(goals, specs, strict=True))

    def _actuals(
        self,
        key: str,
        goals: list[tuple[PlanGoal, GoalSpec]],
        owner: User,
        rep_spec: Rep,
        teammates: list[tuple[User, Function]],
        start: dt.date,
        end: dt.date,
        *,
        previous: bool,
    ) -> None:
        """Where each goal stood at the end of each quarter: four quarters up to today for the
        current plans (baseline a year before this quarter), the plan's own quarters for the
        previous ones. Teams coached within three weeks move most of their goals along the
        line to the target; the others move some and let the rest stall. A few goals have no
        actual yet. Drawn from generators of their own, so the rest of the demo is unchanged.
        """
        if previous:
            baseline_date, last = start, end
        else:
            quarter_start = dt.date(self.today.year, 3 * ((self.today.month - 1) // 3) + 1, 1)
            baseline_date = dt.date(quarter_start.year - 1, quarter_start.month, 1)
            last = self.today
        quarter_ends = _quarter_ends(baseline_date, last)
        coached = rep_spec.last_coached_days_ago
        well_coached = coached is not None and coached[1] <= 21
        people = [owner, *(user for user, _fn in teammates)]
        actuals: list[GoalActual] = []
        for goal, spec in goals:
            # Seeded by names, not ids: the same demo on every database.
            seed = f"coachapp-demo-{self.n}-actuals-{key}-{goal.position}"
            rng = random.Random(seed)  # made-up demo data  # nosec B311
            goal.baseline_date = baseline_date
            if goal.target_date is None or goal.target_date <= baseline_date:
                goal.target_date = last + _days(90)
            if goal.position and rng.random() < 0.12:
                continue  # nothing recorded yet: "no data" (never a plan's first goal)
            moves = rng.random() < (0.75 if well_coached else 0.35)
            span = (goal.target_date - baseline_date).days
            progress = 0.0
            for quarter_end in quarter_ends:
                expected = min(1.0, (quarter_end - baseline_date).days / span)
                if moves:
                    # Ahead of the line at each quarter's end, so still on it weeks later.
                    ahead = expected * rng.uniform(1.0, 1.3) + 0.05
                    progress = max(progress, min(1.0, ahead))
                else:
                    progress = min(0.3, progress + rng.uniform(0.0, 0.1))
                value = self._actual_value(spec, progress)
                if value is None:
                    continue
                recorder = owner if rng.random() < 0.6 else rng.choice(people)
                imported = not spec.stages and rng.random() < 0.5
                at = self._clamp(
                    _at(quarter_end + _days(rng.randint(2, 12)), 9 + rng.randint(0, 8))
                )
                actuals.append(
                    GoalActual(
                        client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                        goal=goal,
                        measured_on=quarter_end,
                        value=value,
                        source=ActualSource.IMPORTED if imported else ActualSource.TYPED,
                        recorded_by_id=recorder.id,
                        created_at=at,
                        updated_at=at,
                    )
                )
        self._add(*actuals, kind="goal_actuals")

    @staticmethod
    def _actual_value(spec: GoalSpec, progress: float) -> float | None:
        """The figure `progress` of the way from the baseline to the target; for a milestone
        the stage reached (None before the first)."""
        if spec.stages:
            # The first stage is reached as soon as anything moves.
            return float(max(1, round(progress * len(spec.stages)))) if progress > 0 else None
        if spec.baseline is None or spec.target is None:
            return None
        return float(round(spec.baseline + progress * (spec.target - spec.baseline)))

    def _actions(
        self,
        plan: AccountPlan,
        spec: AccountSpec,
        owner: User,
        owner_function: Function,
        teammates: list[tuple[User, Function]],
        start: dt.date,
        end: dt.date,
        *,
        previous: bool,
    ) -> None:
        rng = self.rng
        kind_actions = self.content.kind_of(spec.type).actions
        members = list(teammates)
        rng.shuffle(members)
        members.append((owner, owner_function))  # teammates first: actions span functions
        used: set[str] = set()
        items = []
        for i in range(rng.randint(2, 5)):
            user, function = members[i % len(members)]
            pool = kind_actions or self.content.functions[function].actions
            options = [title for title in pool if title not in used] or list(pool)
            title = rng.choice(options)
            used.add(title)
            if previous:
                due = start + _days(rng.randint(20, (end - start).days))
                status = rng.choices((ActionStatus.DONE, ActionStatus.CANCELLED), (85, 15))[0]
            else:
                due = self.today + _days(rng.randint(-35, 45))
                if due < self.today:
                    status = rng.choices(
                        (ActionStatus.DONE, ActionStatus.OPEN, ActionStatus.CANCELLED),
                        weights=(55, 38, 7),
                    )[0]
                else:
                    status = rng.choices((ActionStatus.OPEN, ActionStatus.DONE), (88, 12))[0]
            completed = None
            if status == ActionStatus.DONE:
                completed = self._clamp(_at(due - _days(rng.randint(0, 6)), 17, 30))
                updated = completed
            elif status == ActionStatus.OPEN and due < self.today:
                # An overdue action nobody has touched for weeks: a stale plan.
                updated = self._clamp(_at(self.today - _days(rng.randint(20, 60)), 14))
            else:
                updated = self._clamp(_at(min(due, self.today) - _days(rng.randint(1, 20)), 14))
            items.append(
                PlanActionItem(
                    plan=plan,
                    title=title,
                    owner_id=user.id,
                    due_date=due,
                    status=status,
                    completed_at=completed,
                    updated_at=updated,
                )
            )
        self._add(*items, kind="plan_action_items")

    def _stakeholders(self, plan: AccountPlan, spec: AccountSpec) -> list[str]:
        rng = self.rng
        first, last = self.content.first_names, self.content.last_names
        pool = self.content.kind_of(spec.type).stakeholders
        chosen = rng.sample(pool, rng.randint(2, 4))
        names: set[str] = set()
        rows = []
        for person in chosen:
            name = f"{rng.choice(first)} {rng.choice(last)}"
            while name in names:
                name = f"{rng.choice(first)} {rng.choice(last)}"
            names.add(name)
            relationship = rng.choices(
                (
                    Relationship.NONE,
                    Relationship.WEAK,
                    Relationship.NEUTRAL,
                    Relationship.GOOD,
                    Relationship.STRONG,
                ),
                weights=(6, 20, 30, 30, 14),
            )[0]
            role = person.role
            if role == DecisionRole.INFLUENCER and relationship == Relationship.STRONG:
                role = DecisionRole.CHAMPION
            rows.append(
                PlanStakeholder(
                    plan=plan,
                    name=f"Dr. {name}" if person.doctor else name,
                    title=person.title,
                    decision_role=role,
                    relationship_strength=relationship,
                )
            )
        self._add(*rows, kind="plan_stakeholders")
        return [person.ref for person in chosen]

    # ---------------------------------------------------------------- coaching

    def _session_days(self, spec: Rep) -> list[dt.date]:
        if spec.last_coached_days_ago is None:
            return []
        rng = self.rng
        earliest = self.today - _days(self.content.history_days)
        day = self.today - _days(rng.randint(*spec.last_coached_days_ago))
        days = []
        while day >= earliest:
            days.append(day)
            day -= _days(rng.randint(7, 21))
        return sorted(days)

    def _sessions(
        self,
        spec: Rep,
        rep: User,
        manager: User,
        contexts: Sequence[tuple[_PlanContext, _PlanContext | None]],
    ) -> None:
        """The rep's coaching history, each note about one of their accounts (contexts: the
        current and previous plan of each)."""
        rng = self.rng
        # Each rep has a level and a profile across competencies; focus areas start lower
        # and improve over the six months.
        level = rng.uniform(2.0, 3.1)
        offsets = {key: rng.uniform(-0.6, 0.6) for key in self.competencies}
        held = self._session_days(spec)
        days = [(day, False) for day in held]
        if spec.draft_days_ago is not None:
            days.append((self.today - _days(spec.draft_days_ago), True))
        for day, is_draft in days:
            current, previous = contexts[0] if len(contexts) == 1 else rng.choice(contexts)
            ctx = previous if previous is not None and day < self.period_start else current
            awaiting_ack = spec.unacknowledged and not is_draft and day == held[-1]
            self._session(spec, rep, manager, ctx, day, is_draft, awaiting_ack, level, offsets)

    def _session(
        self,
        spec: Rep,
        rep: User,
        manager: User,
        ctx: _PlanContext,
        day: dt.date,
        is_draft: bool,
        awaiting_ack: bool,
        level: float,
        offsets: dict[str, float],
    ) -> None:
        rng = self.rng
        content = self.content
        if ctx.teammates:
            teammate, teammate_fn = rng.choice(ctx.teammates)
        else:
            teammate, teammate_fn = manager, Function.SALES
        text = {
            "account": ctx.spec.short,
            "stakeholder": rng.choice(ctx.stakeholder_refs),
            "teammate": teammate.name,
            "teammate_role": content.functions[teammate_fn].noun,
            "rep_first": rep.first_name,
            "weekday": day.strftime("%A"),
        }
        types = content.session_types
        session_type = rng.choices(list(types), weights=[t.weight for t in types.values()])[0]
        age = (self.today - day).days

        if is_draft:
            status = NoteStatus.DRAFT
        elif age <= 2 or awaiting_ack:
            status = NoteStatus.SHARED
        elif age <= 10:
            status = rng.choices((NoteStatus.SHARED, NoteStatus.ACKNOWLEDGED), (35, 65))[0]
        else:
            status = NoteStatus.ACKNOWLEDGED

        created = self._clamp(_at(day, rng.randint(15, 20), rng.randint(0, 59)))
        shared = acknowledged = None
        ack_comment = None
        if status != NoteStatus.DRAFT:
            shared = self._clamp(created + dt.timedelta(minutes=rng.randint(5, 240)))
        if status == NoteStatus.ACKNOWLEDGED and shared is not None:
            acknowledged = self._clamp(shared + dt.timedelta(hours=rng.uniform(2, 60)))
            if rng.random() < 0.75:
                ack_comment = rng.choice(content.ack_comments).format(**text)
        updated = acknowledged or shared or created
        seen = None
        if shared is not None and not (status == NoteStatus.SHARED and age <= content.unread_days):
            seen = self._clamp(shared + dt.timedelta(minutes=15))  # before rating or replying

        ratings = self._ratings(spec, session_type, day, level, offsets, text)
        scored = [(score, key) for key, score, _ in ratings if score is not None]
        strengths, development = self._summary(spec, scored, text)

        client_uuid = uuid.UUID(int=rng.getrandbits(128), version=4)
        self_assessment, self_rated_at = self._self_rating(client_uuid, ratings, shared, status)
        strengths = self._now_and_then_vague(client_uuid, strengths)
        session = Note(
            client_uuid=client_uuid,
            manager_id=manager.id,
            rep_id=rep.id,
            account_id=ctx.account.id,
            plan_id=ctx.plan.id,
            guide_version_id=self.guide_version_id,
            type=session_type,
            occurred_on=day,
            status=status,
            strengths=strengths,
            development_focus=development,
            private_notes=(
                rng.choice(content.private_notes).format(**text) if rng.random() < 0.35 else ""
            ),
            shared_at=shared,
            acknowledged_at=acknowledged,
            rep_seen_at=seen,
            ack_comment=ack_comment,
            self_assessment=self_assessment,
            self_rated_at=self_rated_at,
            # Acknowledged without rating themself: the self-rating was declined then.
            self_rating_skipped_at=acknowledged if self_rated_at is None else None,
            created_at=created,
            updated_at=updated,
        )
        self._add(session, kind="coaching_sessions")
        self._add_to_session(
            session,
            [
                NoteRating(
                    competency_id=self.competencies[key],
                    score=score,
                    evidence=evidence,
                )
                for key, score, evidence in ratings
            ],
            kind="session_ratings",
        )
        self._follow_ups(session, rep, manager, day, created, is_draft, text)

    def _now_and_then_vague(self, client_uuid: uuid.UUID, strengths: str) -> str:
        """About one note in five also says something that reads as general praise, as
        written notes do (coachapp.coaching.specificity flags it). A stream of its own."""
        rng = random.Random(f"vague-{client_uuid}")  # made-up demo data  # nosec B311
        if rng.random() >= 0.2:
            return strengths
        return f"{strengths}\n{rng.choice(self.content.vague_praise)}".strip()

    def _self_rating(
        self,
        client_uuid: uuid.UUID,
        ratings: Sequence[tuple[str, int | None, str]],
        shared: dt.datetime | None,
        status: NoteStatus,
    ) -> tuple[dict[str, object] | None, dt.datetime | None]:
        """Most reps rated themselves, blind, on their acknowledged notes: mostly as their
        manager did or a point higher, now and then two apart. A random stream of its own per
        note, so the rest of the demo stays as it was."""
        if status != NoteStatus.ACKNOWLEDGED or shared is None:
            return None, None
        rng = random.Random(f"self-rating-{client_uuid}")  # made-up demo data  # nosec B311
        if rng.random() < 0.35:
            return None, None
        own = []
        for key, score, _ in ratings:
            if score is None:
                continue
            offset = rng.choices((-2, -1, 0, 1, 2), weights=(4, 14, 44, 30, 8))[0]
            own.append(
                {"competency_id": self.competencies[key], "score": max(1, min(4, score + offset))}
            )
        at = shared + dt.timedelta(minutes=rng.randint(20, 110))  # before acknowledging
        return {"ratings": own, "at": at.isoformat()}, at

    def _ratings(
        self,
        spec: Rep,
        session_type: NoteType,
        day: dt.date,
        level: float,
        offsets: dict[str, float],
        text: dict[str, str],
    ) -> list[tuple[str, int | None, str]]:
        rng = self.rng
        content = self.content
        observes = content.session_types[session_type].observes
        available = [key for key in observes if key in self.competencies]
        focus = [key for key in spec.focus if key in self.competencies]
        wanted = rng.randint(3, 6)
        keys = [key for key in focus if rng.random() < 0.8][:wanted]
        rest = [key for key in available if key not in keys]
        keys += rng.sample(rest, min(wanted - len(keys), len(rest)))
        if len(keys) < 3:
            others = [key for key in self.competencies if key not in keys]
            keys += rng.sample(others, min(3 - len(keys), len(others)))

        progress = 1 - (self.today - day).days / content.history_days
        ratings: list[tuple[str, int | None, str]] = []
        for key in keys:
            if rng.random() < 0.07:
                not_observed = rng.choice(content.not_observed).format(**text)
                ratings.append((key, None, not_observed))
                continue
            mean = level + offsets[key]
            if key in focus:
                mean += -0.7 + 0.9 * progress
            score = max(1, min(4, round(mean + rng.gauss(0, 0.5))))
            texts = content.competency_texts(spec.function).get(key)
            if texts is None:
                options: tuple[str, ...] = ()
            else:
                options = texts.evidence_low if score <= 2 else texts.evidence_high
            evidence = rng.choice(options).format(**text) if options else ""
            if evidence:
                # Where it was seen opens it: the same observation differs by account,
                # person and day, as real notes do.
                opener = rng.choice(content.evidence_openers).format(**text)
                evidence = f"{opener} {evidence}"
            ratings.append((key, score, evidence))
        return ratings

    def _summary(
        self, spec: Rep, scored: Sequence[tuple[int, str]], text: dict[str, str]
    ) -> tuple[str, str]:
        rng = self.rng
        texts = self.content.competency_texts(spec.function)
        ranked = sorted(scored, key=lambda pair: (-pair[0], pair[1]))
        strengths = []
        if ranked and ranked[0][0] >= 3 and ranked[0][1] in texts:
            strengths.append(texts[ranked[0][1]].strength.format(**text))
            if len(ranked) > 1 and ranked[1][0] >= 3 and ranked[1][1] in texts:
                strengths.append(texts[ranked[1][1]].strength.format(**text))
        if not strengths or (len(strengths) < 2 and rng.random() < 0.5):
            strengths.append(rng.choice(self.content.general_strengths).format(**text))

        weakest = min(scored, default=None)
        key = weakest[1] if weakest else (spec.focus[0] if spec.focus else "questioning")
        development = texts[key].development.format(**text) if key in texts else ""
        if key in spec.focus and development:
            development = f"Continuing focus. {development}"
        return " ".join(strengths), development

    def _follow_ups(
        self,
        session: Note,
        rep: User,
        manager: User,
        day: dt.date,
        created: dt.datetime,
        is_draft: bool,
        text: dict[str, str],
    ) -> None:
        rng = self.rng
        rep_items = self.content.rep_follow_ups
        manager_items = self.content.manager_follow_ups
        chosen = [(rep, rng.choice(rep_items))]
        if rng.random() < 0.45:
            if rng.random() < 0.6:
                chosen.append((manager, rng.choice(manager_items)))
            else:
                second = rng.choice([title for title in rep_items if title != chosen[0][1]])
                chosen.append((rep, second))
        rows = []
        for owner, title in chosen:
            due = day + _days(rng.randint(5, 21))
            status = FollowUpStatus.OPEN
            completed = None
            if not is_draft:
                if due < self.today - _days(45):
                    status = rng.choices(
                        (FollowUpStatus.DONE, FollowUpStatus.CANCELLED, FollowUpStatus.OPEN),
                        weights=(92, 5, 3),
                    )[0]
                elif due < self.today:
                    status = rng.choices(
                        (FollowUpStatus.DONE, FollowUpStatus.OPEN, FollowUpStatus.CANCELLED),
                        weights=(62, 33, 5),
                    )[0]
                elif (self.today - day).days >= 3 and rng.random() < 0.2:
                    status = FollowUpStatus.DONE
            if status == FollowUpStatus.DONE:
                latest = min((due - day).days + 3, (self.today - day).days)
                done_day = day + _days(rng.randint(1, max(1, latest)))
                completed = self._clamp(_at(done_day, rng.randint(13, 22), rng.randint(0, 59)))
                updated = completed
            elif status == FollowUpStatus.CANCELLED:
                updated = self._clamp(_at(min(due, self.today), 16))
            else:
                updated = created
            rows.append(
                FollowUp(
                    owner_id=owner.id,
                    created_by_id=manager.id,
                    title=title.format(**text),
                    due_date=due,
                    status=status,
                    completed_at=completed,
                    created_at=created,
                    updated_at=updated,
                )
            )
        self._add_to_session(session, rows, kind="follow_ups")

    def _focus(self, spec: Rep, rep: User, manager: User, current: _PlanContext) -> None:
        if not spec.focus:
            return
        rng = self.rng
        texts = self.content.competency_texts(spec.function)
        teammate, teammate_fn = (
            current.teammates[0] if current.teammates else (manager, Function.SALES)
        )
        text = {
            "account": current.spec.short,
            "stakeholder": current.stakeholder_refs[0],
            "teammate": teammate.name,
            "teammate_role": self.content.functions[teammate_fn].noun,
            "rep_first": rep.first_name,
            "weekday": "",
        }
        joined = self.today - _days(spec.joined_days_ago)
        start = max(self.period_start, joined + _days(2))
        rows = [
            DevelopmentFocus(
                rep_id=rep.id,
                competency_key=key,
                period=self.period,
                checkin_days=rng.choice((14, 21)),
                goal=texts[key].development.format(**text),
                created_by_id=manager.id,
                active=True,
                created_at=self._clamp(_at(start + _days(rng.randint(0, 10)), 16)),
            )
            for key in spec.focus
            if key in texts
        ]
        self._add(*rows, kind="development_focuses")

    def _written_note(
        self,
        position: int,
        note: WrittenNote,
        rep: User,
        manager: User,
        current: _PlanContext,
        previous: _PlanContext | None,
    ) -> None:
        """A note as notes.toml has it. It draws nothing from the random generator, so
        adding one leaves the generated history as it was."""
        day = self.today - _days(note.days_ago)
        ctx = previous if previous is not None and day < self.period_start else current
        created = self._clamp(_at(day, 17))
        shared = seen = acknowledged = None
        if note.status != NoteStatus.DRAFT:
            shared = self._clamp(created + dt.timedelta(minutes=30))
            unread = note.status == NoteStatus.SHARED and note.days_ago <= self.content.unread_days
            seen = None if unread else self._clamp(shared + dt.timedelta(minutes=15))
            if note.status == NoteStatus.ACKNOWLEDGED:
                acknowledged = self._clamp(shared + dt.timedelta(days=1))
        session = Note(
            client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"coachapp-demo-{self.n}-note-{position}"),
            manager_id=manager.id,
            rep_id=rep.id,
            account_id=ctx.account.id,
            plan_id=ctx.plan.id,
            guide_version_id=self.guide_version_id,
            type=note.type,
            occurred_on=day,
            status=note.status,
            strengths=note.strengths,
            development_focus=note.development_focus,
            private_notes=note.private_notes,
            shared_at=shared,
            acknowledged_at=acknowledged,
            rep_seen_at=seen,
            ack_comment=note.ack_comment if acknowledged else None,
            self_rating_skipped_at=acknowledged,
            created_at=created,
            updated_at=acknowledged or shared or created,
        )
        self._add(session, kind="coaching_sessions")
        ratings = [
            NoteRating(
                competency_id=self.competencies[rating.competency],
                score=rating.score,
                evidence=rating.evidence,
            )
            for rating in note.ratings
        ]
        self._add_to_session(session, ratings, kind="session_ratings")
        follow_ups = [
            FollowUp(
                owner_id=(rep if item.owner == "rep" else manager).id,
                created_by_id=manager.id,
                title=item.title,
                due_date=day + _days(item.due_in_days),
                status=FollowUpStatus.OPEN,
                created_at=created,
                updated_at=created,
            )
            for item in note.follow_ups
        ]
        self._add_to_session(session, follow_ups, kind="follow_ups")
