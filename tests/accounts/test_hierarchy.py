"""A plan and the account-team page show the accounts the account belongs to (site →
hospital → IDN) in one query, whatever the depth."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.accounts.hierarchy import parent_chain
from coachapp.models import AccountType
from tests.builders import Org, make_account
from tests.conftest import HttpsClient

pytestmark = pytest.mark.first_backend


def test_the_plan_and_the_team_page_show_what_the_account_is_part_of(
    app: Flask, db: Session, org: Org, client: HttpsClient, login_as: object
) -> None:
    plan = org.plans["rep"]
    network = make_account(db, name="Summit Health", type=AccountType.IDN)
    hospital = make_account(db, name="Summit General", type=AccountType.HOSPITAL)
    hospital.parent_id = network.id
    plan.account.parent_id = hospital.id
    db.commit()
    db.expire_all()
    plan.account.parent_id  # noqa: B018 - loaded before counting

    engine = app.extensions["coachapp.db"].engine
    with counting_statements(engine) as statements, app.app_context():
        chain = parent_chain(db, plan.account)
    assert [a.name for a in chain] == ["Summit Health", "Summit General"]
    queries = [s for s in statements if "SAVEPOINT" not in s]
    assert len(queries) == 1 and queries[0].startswith("WITH RECURSIVE")
    assert parent_chain(db, network) == []

    login_as("rep")  # type: ignore[operator]
    for path in (f"/plans/{plan.id}", f"/accounts/{plan.account_id}/team"):
        page = html.unescape(client.get(path).get_data(as_text=True))
        assert "Part of: Summit Health → Summit General" in page, path


def test_a_loop_made_outside_the_import_does_not_run_forever(db: Session) -> None:
    first = make_account(db)
    second = make_account(db, parent_id=first.id)
    first.parent_id = second.id
    db.flush()
    assert [a.id for a in parent_chain(db, first)] == [second.id]
