"""A CRM export of 5,000 accounts (IDNs, their hospitals and sites, in territories) imported
in one go, then again: timed and printed (a measure, not a gate), and the second import
changes nothing."""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.accounts.crm_import import apply_account_import
from coachapp.models import Account, AuditEvent, Territory

HEADER = "external_id,name,type,parent_external_id,territory,street,city,region,postal_code,country"
IDNS = 100
HOSPITALS_PER_IDN = 9
SITES_PER_HOSPITAL = 4  # 100 IDNs + 900 hospitals + 3,600 sites + 400 payers = 5,000


def crm_export() -> bytes:
    """Children before their parents, as a CRM export sorted by name may list them."""
    rows = []
    for i in range(IDNS):
        territory = f"T-{i % 40:03d}"
        for h in range(HOSPITALS_PER_IDN):
            for s in range(SITES_PER_HOSPITAL):
                rows.append(
                    f"S-{i}-{h}-{s},Site {i}-{h}-{s},clinic,H-{i}-{h},{territory},"
                    f"{s} Clinic Road,City {i},ST,{10000 + i},US"
                )
            rows.append(
                f"H-{i}-{h},Hospital {i}-{h},hospital,IDN-{i},{territory},"
                f"{h} Hospital Ave,City {i},ST,{10000 + i},US"
            )
        rows.append(f"IDN-{i},Network {i},IDN,,{territory},1 Network Plaza,City {i},ST,,US")
    rows += [f"P-{p},Payer {p},payer,,,,,,,US" for p in range(400)]
    assert len(rows) == 5_000
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_5000_accounts_import_in_seconds_and_again_change_nothing(db: Session) -> None:
    content = crm_export()
    accounts_before, audits = count(db, Account), count(db, AuditEvent)
    started = time.perf_counter()
    first = apply_account_import(db, None, content, previewed=None, max_bytes=len(content))
    first_seconds = time.perf_counter() - started
    assert first.counts == {"create": 5_000, "update": 0, "unchanged": 0, "territories": 40}
    assert count(db, Account) == accounts_before + 5_000
    assert count(db, Territory) == 40

    started = time.perf_counter()
    second = apply_account_import(db, None, content, previewed=None, max_bytes=len(content))
    second_seconds = time.perf_counter() - started
    assert second.counts == {"create": 0, "update": 0, "unchanged": 5_000, "territories": 0}
    assert count(db, AuditEvent) == audits + 1

    db.expire_all()
    site = db.scalars(select(Account).where(Account.external_id == "S-7-3-2")).one()
    hospital = db.get(Account, site.parent_id)
    assert hospital is not None and hospital.external_id == "H-7-3"
    network = db.get(Account, hospital.parent_id)
    assert network is not None and network.external_id == "IDN-7" and network.parent_id is None
    assert site.territory is not None and site.territory.code == "T-007"
    backend = db.get_bind().dialect.name
    print(
        f"\n5,000-account import on {backend}: first {first_seconds:.2f} s, "
        f"second (nothing to change) {second_seconds:.2f} s"
    )
