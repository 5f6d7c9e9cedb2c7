"""The regions `seed-demo --scale N` adds under director@example.com, drawn from regions.toml:
each region's people, accounts, ride-alongs and reviews as content the builder reads like
the data files' own (region 1 is the data files' organisation)."""

from __future__ import annotations

import functools
import random
from dataclasses import replace

from coachapp.coaching.default_guide import COMPETENCY_KEYS
from coachapp.demo.content import (
    REGION_PRIORITIES,
    AccountReviewSpec,
    AccountSpec,
    CoachingStyle,
    DemoContent,
    Leader,
    Region,
    Rep,
    ReviewAgreement,
    RideAlongSpec,
    check_content,
)
from coachapp.models import Function, PlanStatus, Role

# Each region: a regional director over SALES_TEAMS first-line sales managers, each with
# SALES_REPS sales reps and KEY_ACCOUNT_MANAGERS key account managers who own an account's
# plan each, and a market access manager with MARKET_ACCESS + REIMBURSEMENT people on the
# teams of the region's accounts.
SALES_TEAMS = 4
SALES_REPS = 7
KEY_ACCOUNT_MANAGERS = 4
MARKET_ACCESS = 4
REIMBURSEMENT = 3
TEAM_SIZE = SALES_REPS + KEY_ACCOUNT_MANAGERS
ACCOUNTS = SALES_TEAMS * TEAM_SIZE
ACCESS_PEOPLE = MARKET_ACCESS + REIMBURSEMENT
REPS = ACCOUNTS + ACCESS_PEOPLE
MANAGERS = SALES_TEAMS + 1
PEOPLE = 1 + MANAGERS + REPS

# Shares of a region's reps (the rest as their team's coaching style has them).
NEW_JOINERS = 0.06  # joined in the last two months, not coached yet, their plan a draft
PREVIOUS_PLAN = 0.4  # the account also has their archived plan of the previous half-year
DRAFT_PLAN = 0.05
DRAFT_NOTE = 0.12  # an unfinished debrief from the last days
UNACKNOWLEDGED = 0.15  # the latest shared note still waits for their acknowledgement
REVIEWED = 0.25  # accounts whose team had a review in the last months
RIDE_ALONG = 0.75  # sales managers with a ride-along planned


class RegionsExhausted(ValueError):
    """More regions asked for than regions.toml has names, people or places for."""


def max_scale(content: DemoContent) -> int:
    """The largest `--scale`: region 1 and as many as regions.toml can draw."""
    regions = content.regions
    return 1 + min(
        len(regions.regions),
        len(_people_names(regions.first_names, regions.last_names)) // PEOPLE,
        len(_places(regions.place_first, regions.place_second, _taken_places(content))) // ACCOUNTS,
    )


def region_content(content: DemoContent, n: int) -> DemoContent:
    """Region `n` (from 2) as content: its people, accounts, ride-alongs and reviews; the
    texts notes and plans are written from are the data files'. The same on every call."""
    if not 2 <= n <= max_scale(content):
        raise RegionsExhausted(f"regions go from 2 to {max_scale(content)}, not {n}")
    regions = content.regions
    region = regions.regions[n - 2]
    rng = random.Random(f"coachapp-demo-region-{n}")  # made-up demo data  # nosec B311
    names = iter(
        _people_names(regions.first_names, regions.last_names)[(n - 2) * PEOPLE : (n - 1) * PEOPLE]
    )
    places = _places(regions.place_first, regions.place_second, _taken_places(content))
    accounts = tuple(
        _account(content, region, place, rng)
        for place in places[(n - 2) * ACCOUNTS : (n - 1) * ACCOUNTS]
    )

    def leader(handle: str, role: Role, function: Function, manager: str | None) -> Leader:
        joined = rng.randint(500, 1800)
        return Leader(
            handle, next(names), role, function, region.timezone, manager, region.name, joined
        )

    leaders = [leader("director", Role.DIRECTOR, Function.SALES, None)]
    reps: list[Rep] = []
    for team in range(1, SALES_TEAMS + 1):
        manager = f"manager{team}"
        leaders.append(leader(manager, Role.MANAGER, Function.SALES, "director"))
        style = _style(content, rng)
        functions = [Function.SALES] * SALES_REPS + [Function.KEY_ACCOUNT] * KEY_ACCOUNT_MANAGERS
        rng.shuffle(functions)
        for i, function in enumerate(functions):
            number = (team - 1) * TEAM_SIZE + i + 1
            account = accounts[number - 1].short
            rep = _rep(content, region, f"rep{number}", next(names), function, manager, style, rng)
            reps.append(replace(rep, account=account))
    leaders.append(leader("access-manager", Role.MANAGER, Function.MARKET_ACCESS, "director"))
    style = _style(content, rng)
    functions = [Function.MARKET_ACCESS] * MARKET_ACCESS + [Function.REIMBURSEMENT] * REIMBURSEMENT
    rng.shuffle(functions)
    for i, function in enumerate(functions):
        handle, manager = f"access{i + 1}", "access-manager"
        rep = _rep(content, region, handle, next(names), function, manager, style, rng)
        # Each on the teams of every ACCESS_PEOPLE-th account of the region.
        reps.append(replace(rep, teams=tuple(spec.short for spec in accounts[i::ACCESS_PEOPLE])))
    drawn = replace(
        content,
        leaders=tuple(leaders),
        reps=tuple(reps),
        accounts=accounts,
        team_cadence={},
        ride_alongs=_ride_alongs(content, reps, rng),
        notes=(),
        reviews=_reviews(content, reps, accounts, rng),
    )
    check_content(drawn)
    return drawn


def _account(content: DemoContent, region: Region, place: str, rng: random.Random) -> AccountSpec:
    types = content.regions.account_types
    account_type = rng.choices(list(types), weights=[t.weight for t in types.values()])[0]
    texts = types[account_type]
    return AccountSpec(
        name=f"{place} {rng.choice(texts.suffixes)}",
        short=place,
        type=account_type,
        region=region.name,
        situation=rng.choice(texts.situations),
        priorities=tuple(rng.sample(texts.priorities, REGION_PRIORITIES)),
    )


def _style(content: DemoContent, rng: random.Random) -> CoachingStyle:
    styles = content.regions.coaching_styles
    return rng.choices(styles, weights=[style.weight for style in styles])[0]


def _rep(
    content: DemoContent,
    region: Region,
    handle: str,
    name: str,
    function: Function,
    manager: str,
    style: CoachingStyle,
    rng: random.Random,
) -> Rep:
    """A rep of `function` in a team coached in `style`; their account or the accounts whose
    teams they are on are the caller's to set."""
    focusable = [key for key in COMPETENCY_KEYS if key in content.competency_texts(function)]
    focus = tuple(rng.sample(focusable, rng.choice((0, 1, 1, 2))))
    rep = Rep(
        handle=handle,
        name=name,
        function=function,
        timezone=region.timezone,
        manager=manager,
        account=None,
        teams=(),
        joined_days_ago=rng.randint(250, 1800),
        last_coached_days_ago=rng.choices(
            [days for _share, days in style.spread],
            weights=[share for share, _days in style.spread],
        )[0],
        previous_plan=rng.random() < PREVIOUS_PLAN,
        plan_status=PlanStatus.DRAFT if rng.random() < DRAFT_PLAN else PlanStatus.ACTIVE,
        draft_days_ago=rng.randint(1, 3) if rng.random() < DRAFT_NOTE else None,
        unacknowledged=rng.random() < UNACKNOWLEDGED,
        focus=focus,
    )
    if rng.random() < NEW_JOINERS:
        rep = replace(
            rep,
            joined_days_ago=rng.randint(10, 60),
            last_coached_days_ago=None,
            previous_plan=False,
            plan_status=PlanStatus.DRAFT,
            draft_days_ago=None,
            unacknowledged=False,
        )
    return rep


def _ride_alongs(
    content: DemoContent, reps: list[Rep], rng: random.Random
) -> tuple[RideAlongSpec, ...]:
    rides = []
    for team in range(1, SALES_TEAMS + 1):
        manager = f"manager{team}"
        if rng.random() >= RIDE_ALONG:
            continue
        rep = rng.choice([rep for rep in reps if rep.manager == manager])
        rides.append(
            RideAlongSpec(
                key=f"ride-{team}",
                manager=manager,
                rep=rep.handle,
                day=rng.randint(1, 10),
                planned_days_ago=rng.randint(1, 10),
                note=rng.choice(content.regions.ride_along_notes),
            )
        )
    return tuple(rides)


def _reviews(
    content: DemoContent,
    reps: list[Rep],
    accounts: tuple[AccountSpec, ...],
    rng: random.Random,
) -> tuple[AccountReviewSpec, ...]:
    """A review of the teams of about a quarter of the accounts, by the owner's manager."""
    texts = content.regions
    reviews = []
    for position, account in enumerate(accounts):
        if rng.random() >= REVIEWED:
            continue
        owner = next(rep for rep in reps if rep.account == account.short)
        access = next(rep for rep in reps if account.short in rep.teams)
        owners = {"owner": owner.handle, "access": access.handle, "author": owner.manager}
        agreements = []
        for text in rng.sample(texts.review_agreements, 2):
            due = rng.randint(5, 30)
            done = rng.randint(1, due + 5) if rng.random() < 0.5 else None
            agreements.append(ReviewAgreement(text.title, owners[text.owner], due, done))
        acknowledged = rng.choices((("everyone",), (owner.handle,), ()), weights=(5, 3, 2))[0]
        reviews.append(
            AccountReviewSpec(
                key=f"review-{position + 1}",
                account=account.short,
                author=owner.manager,
                days_ago=rng.randint(3, 80),
                participants=(),
                progress=rng.choice(texts.review_progress),
                scores=tuple(rng.choices((1, 2, 3, 4), weights=(1, 4, 4, 2), k=3)),
                evidence=tuple(rng.choice(options) for options in texts.review_evidence),
                agreements=tuple(agreements),
                acknowledged=acknowledged,
                comment=rng.choice(texts.review_comments) if acknowledged else None,
            )
        )
    return tuple(reviews)


def _taken_places(content: DemoContent) -> frozenset[str]:
    """The data files' accounts' short names, which no region's account takes."""
    return frozenset(spec.short for spec in content.accounts)


@functools.cache
def _people_names(first: tuple[str, ...], last: tuple[str, ...]) -> tuple[str, ...]:
    """Every first and last name once, shuffled: region n takes the nth slice of PEOPLE."""
    names = [f"{a} {b}" for a in first for b in last]
    random.Random("coachapp-demo-names").shuffle(names)  # made-up demo data  # nosec B311
    return tuple(names)


@functools.cache
def _places(
    first: tuple[str, ...], second: tuple[str, ...], taken: frozenset[str]
) -> tuple[str, ...]:
    """Every place name once ("Cedar Ridge"; not "Harbor Harbor" or "Bayview Bay", nor one
    of the data files' accounts), shuffled: region n takes the nth slice of ACCOUNTS."""
    places = [
        f"{a} {b}"
        for a in first
        for b in second
        if b.lower() not in a.lower() and f"{a} {b}" not in taken
    ]
    random.Random("coachapp-demo-places").shuffle(places)  # made-up demo data  # nosec B311
    return tuple(places)
