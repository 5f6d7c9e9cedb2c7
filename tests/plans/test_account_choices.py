"""Starting a plan in an organisation of thousands of accounts: the form offers the first
accounts by name and finds the others as one types (name, region or CRM id), with or without
JavaScript, in the same statements however many accounts there are."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.listing import CHOICES_SHOWN
from tests.builders import Org, make_account
from tests.conftest import HttpsClient

HX = {"HX-Request": "true"}
OPTION = re.compile(r'<option value="(\d+)"[^>]*>([^<]*)</option>')


def offered(html: str) -> list[str]:
    start = html.index('id="account_id"')
    return [name for _, name in OPTION.findall(html[start : html.index("</select>", start)])]


def grow(db: Session, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        make_account(db, name=f"Aardvark Health {n:03d}", region="Plains")
    db.commit()


def test_the_form_offers_the_first_accounts_and_says_how_many_there_are(
    login_as: Any, org: Org, db: Session
) -> None:
    grow(db, 40)
    page = login_as("rep").get("/plans/new").get_data(as_text=True)
    names = offered(page)
    assert len(names) == CHOICES_SHOWN
    assert names == sorted(names)
    assert re.search(r"The first 30 of \d+ accounts, by name: type a name", page)


def test_typing_finds_accounts_by_name_region_or_crm_id(
    login_as: Any, org: Org, db: Session
) -> None:
    grow(db, 40)
    make_account(db, name="Zephyr Regional Medical", region="Gulf", external_id="CRM-77")
    db.commit()
    client = login_as("rep")
    for typed in ("zephyr", "gulf", "crm-77"):
        found = client.get(f"/plans/new/accounts?account={typed}", headers=HX)
        assert offered(found.get_data(as_text=True)) == ["Zephyr Regional Medical"], typed
    none = client.get("/plans/new/accounts?account=nowhere", headers=HX).get_data(as_text=True)
    assert offered(none) == [] and "None found for “nowhere”" in none


def test_without_javascript_the_search_reopens_the_form_with_what_it_found(
    login_as: Any, org: Org, db: Session
) -> None:
    grow(db, 40)
    make_account(db, name="Zephyr Regional Medical")
    db.commit()
    page = login_as("rep").get("/plans/new?account=Zephyr").get_data(as_text=True)
    assert offered(page) == ["Zephyr Regional Medical"]
    assert 'value="Zephyr"' in page


def test_an_account_chosen_past_the_first_ones_stays_chosen_when_the_form_comes_back(
    login_as: Any, org: Org, db: Session
) -> None:
    grow(db, 40)
    zephyr = make_account(db, name="Zephyr Regional Medical")
    db.commit()
    client = login_as("rep")
    refused = client.post_form("/plans/new", {"account_id": str(zephyr.id), "period": ""})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert f'<option value="{zephyr.id}" selected>Zephyr Regional Medical</option>' in html
    assert len(offered(html)) == CHOICES_SHOWN + 1


def test_the_form_reads_the_same_statements_however_many_accounts(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("rep")
    engine = app.extensions["coachapp.db"].engine
    grow(db, CHOICES_SHOWN + 1)
    with counting_statements(engine) as before:
        small = client.get("/plans/new").get_data(as_text=True)
    grow(db, 200, start=100)
    with counting_statements(engine) as after:
        large = client.get("/plans/new").get_data(as_text=True)
    assert len(after) == len(before)
    assert len(offered(large)) == len(offered(small)) == CHOICES_SHOWN
