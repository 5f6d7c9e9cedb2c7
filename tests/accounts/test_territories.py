"""People aligned to territories from a file (preview, errors by line, all or nothing, a second
import changes nothing); a rep starting a plan sees their territories' accounts first."""

from __future__ import annotations

import html
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.accounts.crm_import import apply_account_import
from coachapp.accounts.territory_alignment import (
    AlignmentRefused,
    apply_alignment,
    own_territory_ids,
    plan_alignment,
)
from coachapp.models import Territory
from tests.builders import Org
from tests.conftest import HttpsClient

pytestmark = pytest.mark.first_backend

ACCOUNTS = (
    b"external_id,name,type,territory\n"
    b"A-1,Aardvark Regional,hospital,T-WEST\n"
    b"Z-1,Zephyr Medical Center,hospital,T-EAST\n"
    b"Z-2,Zenith Clinic,clinic,T-EAST\n"
)


def codes(db: Session, ids: set[int]) -> set[str]:
    return set(db.scalars(select(Territory.code).where(Territory.id.in_(ids))))


def test_people_are_aligned_to_exactly_the_territories_of_the_file(db: Session, org: Org) -> None:
    apply_account_import(db, None, ACCOUNTS, previewed=None)
    rep, rep2 = org.people["rep"], org.people["rep2"]
    content = (
        f"email,territory\n{rep.email.upper()},T-EAST\n{rep.email},T-WEST\n{rep2.email},T-EAST\n"
    ).encode()
    plan = apply_alignment(db, None, content, previewed=None)
    assert len(plan.changes) == 2
    assert codes(db, own_territory_ids(db, rep)) == {"T-EAST", "T-WEST"}
    again = apply_alignment(db, None, content, previewed=None)
    assert again.changes == [] and again.unchanged == 2

    narrower = f"email,territory\n{rep.email},T-WEST\n".encode()
    preview = plan_alignment(db, narrower)
    assert [(c.before, c.after) for c in preview.changes] == [(("T-EAST", "T-WEST"), ("T-WEST",))]
    apply_alignment(db, None, narrower, previewed=preview.fingerprint)
    assert codes(db, own_territory_ids(db, rep)) == {"T-WEST"}
    assert codes(db, own_territory_ids(db, rep2)) == {"T-EAST"}  # not in the file: kept


def test_unknown_people_and_territories_are_refused_by_line(db: Session, org: Org) -> None:
    apply_account_import(db, None, ACCOUNTS, previewed=None)
    content = (
        f"email,territory\n{org.people['rep'].email},T-EAST\nghost@example.com,T-EAST\n"
        f"{org.people['rep2'].email},T-NOWHERE\n"
    ).encode()
    with pytest.raises(AlignmentRefused) as refused:
        apply_alignment(db, None, content, previewed=None)
    problems = [(p.line, p.message) for p in refused.value.plan.problems]
    assert problems == [
        (3, "Nobody in Coachapp has the email ghost@example.com."),
        (4, "No territory T-NOWHERE: territories come from the account import."),
    ]
    assert own_territory_ids(db, org.people["rep"]) == set()


def test_a_rep_starting_a_plan_sees_their_territory_first(
    db: Session, org: Org, client: HttpsClient, login_as: Any, runner: Any, tmp_path: Any
) -> None:
    apply_account_import(db, None, ACCOUNTS, previewed=None)
    alignment = tmp_path / "alignment.csv"
    alignment.write_text(f"email,territory\n{org.people['rep'].email},T-EAST\n")
    result = runner.invoke(args=["align-territories", str(alignment), "--apply"])
    assert result.exit_code == 0, result.output
    assert "Applied: 1 people changed, 0 unchanged." in result.output

    login_as("rep")
    page = html.unescape(client.get("/plans/new").get_data(as_text=True))
    mine = page.index('<optgroup label="Your territories">')
    others = page.index('<optgroup label="Other accounts">')
    assert mine < page.index("Zenith Clinic") < page.index("Zephyr Medical Center") < others
    assert page.index("Aardvark Regional") > others
    found = html.unescape(client.get("/plans/new/accounts?account=Z").get_data(as_text=True))
    assert '<optgroup label="Your territories">' in found


def test_the_admin_aligns_people_on_the_page(
    db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    apply_account_import(db, None, ACCOUNTS, previewed=None)
    login_as("admin")
    text = f"email,territory\n{org.people['rep'].email},T-WEST\n"
    preview = client.post_form("/admin/import/territories/preview", {"alignment_text": text})
    shown = html.unescape(preview.get_data(as_text=True))
    assert preview.status_code == 200 and "Align 1 person" in shown
    fingerprint = shown.split('name="fingerprint" value="')[1].split('"')[0]
    applied = client.post_form(
        "/admin/import/territories/apply", {"alignment_text": text, "fingerprint": fingerprint}
    )
    assert applied.status_code == 302
    assert codes(db, own_territory_ids(db, org.people["rep"])) == {"T-WEST"}
