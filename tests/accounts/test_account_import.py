"""Accounts and territories loaded from a CRM export: a preview lists every change and every
error by line; applying is all or nothing; importing the same file again changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.accounts.crm_import import (
    MAX_PAGE_BYTES,
    AccountImportRefused,
    ChangeKind,
    StaleAccountImport,
    account_type_of,
    apply_account_import,
    plan_account_import,
)
from coachapp.models import Account, AccountType, AuditEvent, Territory
from tests.builders import make_account

HEADER = "external_id,name,type,parent_external_id,territory,street,city,region,postal_code,country"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


NETWORK = csv_bytes(
    # The site comes before its hospital, the hospital before its IDN: parents defined later.
    "S-1,Summit Clinic North,clinic,H-1,T-NE-01,1 Main St,Albany,NY,12207,US",
    "H-1,Summit General Hospital,hospital,IDN-1,T-NE-01,2 Main St,Albany,NY,12207,US",
    "IDN-1,Summit Health,IDN,,T-NE,,Albany,NY,,US",
    "P-1,Empire Health Plan,payer,,,,,,,US",
)


def snapshot(db: Session) -> list[tuple[Any, ...]]:
    db.expire_all()
    return [
        (a.id, a.external_id, a.name, a.type, a.parent_id, a.territory_id, a.street, a.city,
         a.address_region, a.postal_code, a.country)
        for a in db.scalars(select(Account).order_by(Account.id))
    ]  # fmt: skip


def audit_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent)) or 0


def by_external_id(db: Session) -> dict[str, Account]:
    db.expire_all()
    return {a.external_id: a for a in db.scalars(select(Account)) if a.external_id}


def test_import_builds_the_hierarchy_and_a_second_import_changes_nothing(db: Session) -> None:
    """On both databases: the apply and its idempotence depend on them."""
    before_audits = audit_count(db)
    plan = apply_account_import(db, None, NETWORK, previewed=None)
    assert plan.counts == {"create": 4, "update": 0, "unchanged": 0, "territories": 2}
    accounts = by_external_id(db)
    site, hospital, idn = accounts["S-1"], accounts["H-1"], accounts["IDN-1"]
    assert site.parent_id == hospital.id and hospital.parent_id == idn.id
    assert idn.parent_id is None and accounts["P-1"].parent_id is None
    assert (site.type, hospital.type, idn.type) == (
        AccountType.CLINIC, AccountType.HOSPITAL, AccountType.IDN,
    )  # fmt: skip
    assert site.territory is not None and site.territory.code == "T-NE-01"
    assert accounts["P-1"].territory_id is None
    assert (site.street, site.city, site.address_region, site.postal_code, site.country) == (
        "1 Main St", "Albany", "NY", "12207", "US",
    )  # fmt: skip
    assert audit_count(db) == before_audits + 1
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.action == "accounts.import"
    assert event.details["counts"]["create"] == 4

    kept = snapshot(db)
    again = apply_account_import(db, None, NETWORK, previewed=None)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 4, "territories": 0}
    assert snapshot(db) == kept
    assert audit_count(db) == before_audits + 1  # no audit event for nothing
    assert db.scalar(select(func.count()).select_from(Territory)) == 2


def test_a_changed_file_updates_by_external_id_and_never_duplicates(db: Session) -> None:
    apply_account_import(db, None, NETWORK, previewed=None)
    count = len(snapshot(db))
    changed = csv_bytes(
        "S-1,Summit Clinic North,clinic,IDN-1,T-NE-02,1 Main St,Albany,NY,12207,US",
        "H-1,Summit General Hospital,hospital,IDN-1,T-NE-01,2 Main St,Albany,NY,12207,US",
        "IDN-1,Summit Health System,IDN,,T-NE,,Albany,NY,,US",
    )
    plan = plan_account_import(db, changed)
    assert plan.ok
    fields = {c.external_id: {f.name: (f.before, f.after) for f in c.fields} for c in plan.changes}
    assert fields == {
        "S-1": {"parent_external_id": ("H-1", "IDN-1"), "territory": ("T-NE-01", "T-NE-02")},
        "IDN-1": {"name": ("Summit Health", "Summit Health System")},
    }
    assert plan.unchanged == 1 and plan.new_territories == ["T-NE-02"]
    apply_account_import(db, None, changed, previewed=plan.fingerprint)
    accounts = by_external_id(db)
    assert len(snapshot(db)) == count
    assert accounts["S-1"].parent_id == accounts["IDN-1"].id
    assert accounts["IDN-1"].name == "Summit Health System"
    # A file without the optional columns leaves them as they are.
    apply_account_import(
        db, None, csv_bytes("S-1,Summit Clinic North,Clinic", header="external_id,name,type"),
        previewed=None,
    )  # fmt: skip
    site = by_external_id(db)["S-1"]
    assert site.parent_id == accounts["IDN-1"].id and site.city == "Albany"


@pytest.mark.first_backend
def test_an_account_made_by_hand_is_linked_by_its_name(db: Session) -> None:
    handmade = make_account(db, name="Summit Health", external_id=None)
    plan = apply_account_import(db, None, NETWORK, previewed=None)
    assert plan.counts["create"] == 3 and plan.counts["update"] == 1
    db.expire_all()
    assert db.get(Account, handmade.id).external_id == "IDN-1"  # type: ignore[union-attr]


# Every kind of error, by line, and nothing applied -----------------------------------------

ERROR_CASES = {
    "unknown type": ("A-1,Alpha,castle,,,,,,,", 2, "Unknown type “castle”"),
    "empty external id": (",Alpha,idn,,,,,,,", 2, "The external id is empty."),
    "empty name": ("A-1,,idn,,,,,,,", 2, "The name is empty."),
    "too long name": ("A-1," + "N" * 201 + ",idn,,,,,,,", 2, "longer than 200 characters (201)"),
    "too long postal code": ("A-1,Alpha,idn,,,,,," + "9" * 21 + ",", 2, "postal code is longer"),
    "too long territory": ("A-1,Alpha,idn,," + "T" * 65 + ",,,,,", 2, "territory is longer"),
    "unknown parent": ("A-1,Alpha,hospital,NOPE,,,,,,", 2, "The parent NOPE is neither"),
    "own parent": ("A-1,Alpha,hospital,A-1,,,,,,", 2, "its own parent"),
    "wrong width": ("A-1,Alpha,idn", 2, "Expected 10 values"),
    "control character": ("A-1,Al\u202epha,idn,,,,,,,", 2, "The name: Use one line"),
}


@pytest.mark.first_backend
@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_each_error_is_reported_on_its_line(db: Session, case: str) -> None:
    row, line, message = ERROR_CASES[case]
    content = csv_bytes("Z-1,Zulu,payer,,,,,,,", row) if line == 3 else csv_bytes(row)
    plan = plan_account_import(db, content)
    assert not plan.ok and not plan.changes
    assert [(p.line, message in p.message) for p in plan.problems] == [(line, True)], plan.problems


@pytest.mark.first_backend
def test_duplicates_and_loops_are_refused_with_every_line(db: Session) -> None:
    content = csv_bytes(
        "A-1,Alpha,idn,C-1,,,,,,",
        "B-1,Beta,hospital,A-1,,,,,,",
        "C-1,Gamma,clinic,B-1,,,,,,",
        "A-1,Alpha again,idn,,,,,,,",
        "D-1,alpha,payer,,,,,,,",
    )
    plan = plan_account_import(db, content)
    lines = {line: " ".join(messages) for line, messages in plan.problems_by_line}
    assert "also on line 2" in lines[5]
    assert "“alpha” is also on line 2" in lines[6]
    for line in (2, 3, 4):
        assert "Hierarchy loop" in lines[line]


@pytest.mark.first_backend
def test_a_loop_through_an_account_already_here_is_refused(db: Session) -> None:
    apply_account_import(db, None, NETWORK, previewed=None)
    plan = plan_account_import(db, csv_bytes("IDN-1,Summit Health,IDN,S-1,T-NE,,Albany,NY,,US"))
    assert [p.line for p in plan.problems] == [2]
    assert "IDN-1 → S-1 → H-1 → IDN-1" in plan.problems[0].message


@pytest.mark.first_backend
def test_a_name_taken_by_another_account_is_refused(db: Session) -> None:
    make_account(db, name="Beta Health", external_id="OTHER-1")
    plan = plan_account_import(db, csv_bytes("A-1,beta health,idn,,,,,,,"))
    assert "already the name of another account (external id OTHER-1)" in plan.problems[0].message


def test_a_file_with_errors_applies_nothing(db: Session) -> None:
    kept, audits = snapshot(db), audit_count(db)
    content = csv_bytes("A-1,Alpha,idn,,,,,,,", "B-1,Beta,castle,A-1,,,,,,")
    with pytest.raises(AccountImportRefused) as refused:
        apply_account_import(db, None, content, previewed=None)
    assert [p.line for p in refused.value.plan.problems] == [3]
    assert snapshot(db) == kept and audit_count(db) == audits
    assert db.scalar(select(func.count()).select_from(Territory)) == 0


@pytest.mark.first_backend
def test_a_stale_preview_applies_nothing(db: Session) -> None:
    preview = plan_account_import(db, NETWORK)
    make_account(db, name="Summit Health", external_id="IDN-1")
    db.commit()
    kept = snapshot(db)
    with pytest.raises(StaleAccountImport) as stale:
        apply_account_import(db, None, NETWORK, previewed=preview.fingerprint)
    assert [c.kind for c in stale.value.plan.changes].count(ChangeKind.UPDATE) == 1
    assert snapshot(db) == kept


@pytest.mark.first_backend
def test_header_names_and_type_words_are_forgiving(db: Session) -> None:
    content = csv_bytes(
        "H-9,Harbor Hospital,Hospital,Harbor Way,Boston,MA,02110",
        header="External ID;Account Name;Account Type;Street;City;State;ZIP".replace(";", ","),
    )
    plan = plan_account_import(db, content)
    assert plan.ok, plan.problems
    assert account_type_of("Integrated delivery network") == AccountType.IDN
    assert account_type_of("medical group") == AccountType.MEDICAL_GROUP
    assert account_type_of("health_system") == AccountType.HEALTH_SYSTEM
    assert account_type_of("site") == AccountType.CLINIC
    assert account_type_of("castle") is None
    unknown = plan_account_import(db, csv_bytes("A,B,idn", header="external_id,name,type,colour"))
    assert "Column “colour” is not recognised" in unknown.problems[0].message


# The command line ---------------------------------------------------------------------------


@pytest.mark.first_backend
def test_the_command_previews_then_applies_and_exits_1_on_errors(
    runner: Any, db: Session, tmp_path: Any
) -> None:
    good = tmp_path / "accounts.csv"
    good.write_bytes(NETWORK)
    kept = snapshot(db)
    preview = runner.invoke(args=["import-accounts", str(good)])
    assert preview.exit_code == 0, preview.output
    assert "Preview (nothing changed; add --apply): 4 new, 0 updated" in preview.output
    assert snapshot(db) == kept

    applied = runner.invoke(args=["import-accounts", str(good), "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "Applied: 4 new, 0 updated, 0 unchanged, 2 new territories." in applied.output
    assert set(by_external_id(db)) == {"S-1", "H-1", "IDN-1", "P-1"}
    again = runner.invoke(args=["import-accounts", str(good), "--apply", "--verbose"])
    assert again.exit_code == 0 and "Nothing to change." in again.output

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("A-1,Alpha,idn,,,,,,,", "B-1,Beta,castle,NOPE,,,,,,"))
    kept = snapshot(db)
    for args in (["import-accounts", str(bad)], ["import-accounts", str(bad), "--apply"]):
        refused = runner.invoke(args=args)
        assert refused.exit_code == 1
        assert "line 3: Unknown type “castle”" in refused.output
        assert "line 3: The parent NOPE is neither" in refused.output
        assert "2 errors; nothing was changed." in refused.output
    assert snapshot(db) == kept


@pytest.mark.first_backend
def test_a_file_too_big_for_the_page_is_refused_as_a_whole(db: Session) -> None:
    plan = plan_account_import(db, b"x" * (MAX_PAGE_BYTES + 1))
    assert [(p.line, "at most 500,000" in p.message) for p in plan.problems] == [(None, True)]
    assert plan_account_import(db, b"\xff\xfe").problems[0].message.startswith("The file is not")


@pytest.mark.first_backend
def test_the_sales_region_is_set_only_by_a_file_that_has_it(db: Session) -> None:
    kept = make_account(db, name="Kept Region Health", external_id="K-1", region="Midwest")
    db.commit()
    header = "external_id,name,type"
    apply_account_import(
        db, None, csv_bytes("K-1,Kept Region Health,idn", header=header), previewed=None
    )
    db.refresh(kept)
    assert kept.region == "Midwest"
    with_region = csv_bytes(
        "K-1,Kept Region Health,idn,Northeast", header="external_id,name,type,sales_region"
    )
    plan = apply_account_import(db, None, with_region, previewed=None)
    assert [(f.name, f.before, f.after) for f in plan.changes[0].fields] == [
        ("sales_region", "Midwest", "Northeast")
    ]
    db.refresh(kept)
    assert kept.region == "Northeast"
