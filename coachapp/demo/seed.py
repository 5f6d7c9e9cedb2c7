"""seed-demo: the demo organisation of DESIGN.md's stable contract, added idempotently."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from coachapp.auth.passwords import hash_password
from coachapp.coaching.default_guide import DEFAULT_GUIDE_NAME, ensure_default_guide
from coachapp.db import Base, utcnow
from coachapp.demo.builder import COUNT_KEYS, DOMAIN, RegionBuilder, demo_now, email
from coachapp.demo.bulk import insert_rows
from coachapp.demo.content import DemoContent, load_content
from coachapp.demo.journeys import seed_journeys
from coachapp.demo.regions import RegionsExhausted, max_scale, region_content
from coachapp.demo.translations import seed_translations
from coachapp.models import Account, AttainmentSnapshot, CadenceTarget, CoachingGuide, Role, User
from coachapp.plans.quarters import QUARTERS_SHOWN, Quarter, quarters_ending
from coachapp.plans.snapshots import snapshots_missing

DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented password of every demo user  # nosec B105
ADMIN_EMAIL = f"admin@{DOMAIN}"


def seed_demo(
    db: Session,
    scale: int = 1,
    today: dt.date | None = None,
    content: DemoContent | None = None,
) -> dict[str, int]:
    """Create the demo organisation with ``scale`` regions; idempotent.

    Region 1 is the organisation of the data files, with the documented emails
    (director@example.com, manager@example.com, rep1@example.com, ...). Regions 2 to
    ``scale`` each add a regional director under director@example.com with their teams
    (coachapp.demo.regions), emails prefixed with ``rN.``. A region whose director exists is
    skipped, so seeding again with the same or a larger scale adds only the regions missing.
    Commits once per region, then once for the attainment snapshots of the four quarters
    before today's. ``content`` defaults to the data files shipped in coachapp/demo/data.
    Returns how many rows of each kind were created.
    """
    content = content or load_content()
    if not 1 <= scale <= max_scale(content):
        raise RegionsExhausted(
            f"the demo has 1 to {max_scale(content)} regions (coachapp/demo/data/regions.toml)"
        )
    today = today or utcnow().date()
    now = demo_now(today)
    counts = dict.fromkeys(COUNT_KEYS, 0)

    guide_exists = db.scalar(
        select(CoachingGuide.id).where(CoachingGuide.name == DEFAULT_GUIDE_NAME)
    )
    version = ensure_default_guide(db)
    counts["guides"] += 0 if guide_exists else 1
    # Plain ids: ORM objects expire at every commit below and would be reloaded one by one.
    competencies = {c.key: c.id for section in version.sections for c in section.competencies}
    version_id = version.id

    head = content.head.handle
    heads = set(
        db.scalars(
            select(User.email).where(
                or_(User.email == email(1, head), User.email.like(f"r%.{head}@{DOMAIN}"))
            )
        )
    )
    missing = [n for n in range(1, scale + 1) if email(n, head) not in heads]
    admin_missing = db.scalar(select(User.id).where(User.email == ADMIN_EMAIL)) is None

    # argon2 is deliberately slow and memory-hard (tens of milliseconds and 64 MiB per hash),
    # so hashing once per demo user would dominate --scale runs; every demo user shares the
    # one documented password, and a shared hash reveals nothing beyond that.
    password_hash = hash_password(DEMO_PASSWORD) if missing or admin_missing else ""

    if admin_missing:
        admin = content.admin
        db.add(
            User(
                email=ADMIN_EMAIL,
                name=admin.name,
                password_hash=password_hash,
                role=Role.ADMIN,
                function=admin.function,
                timezone=admin.timezone,
                created_at=now - dt.timedelta(days=admin.joined_days_ago),
            )
        )
        counts["users"] += 1
    default_target = db.scalar(
        select(CadenceTarget.id).where(CadenceTarget.team_manager_id.is_(None))
    )
    if default_target is None:
        db.add(
            CadenceTarget(
                team_manager_id=None,
                any_coaching_days=content.cadence.any_coaching_days,
                ride_along_days=content.cadence.ride_along_days,
            )
        )
        counts["cadence_targets"] += 1
    db.commit()

    for n in missing:
        region = content if n == 1 else region_content(content, n)
        _check_region_is_free(db, region, n)
        # The regions' directors report to director@example.com, there from region 1.
        above = None if n == 1 else db.scalar(select(User.id).where(User.email == email(1, head)))
        builder = RegionBuilder(
            db, region, n, today, now, password_hash, version_id, competencies, above
        )
        builder.build()
        db.commit()
        for key, value in builder.counts.items():
            counts[key] += value

    # The demo's actuals span the last four quarters: those that have closed keep their
    # attainment as the worker would have snapshotted it at each quarter's end.
    closed = quarters_ending(Quarter.of(today).previous, QUARTERS_SHOWN)
    snapshots_table = Base.metadata.tables[AttainmentSnapshot.__tablename__]
    for rows in snapshots_missing(db, closed, now):
        insert_rows(db, snapshots_table, rows)
        counts["attainment_snapshots"] += len(rows)
    db.commit()
    counts["journeys"] = seed_journeys(db, now)
    # The main guide and a journey, as a reader of Spanish reads them.
    seed_translations(db)
    return counts


def _check_region_is_free(db: Session, region: DemoContent, n: int) -> None:
    emails = [email(n, handle) for handle in region.handles()]
    taken = list(db.scalars(select(User.email).where(User.email.in_(emails))))
    names = [spec.name for spec in region.accounts]
    taken += list(db.scalars(select(Account.name).where(Account.name.in_(names))))
    if taken:
        raise RuntimeError(
            f"Demo region {n} is partly present without its {email(n, region.head.handle)} "
            f"({', '.join(sorted(taken))}); remove these or use a fresh database."
        )
