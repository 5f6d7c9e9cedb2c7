"""Every CSV export goes through one writer, and no cell of it is a formula to a spreadsheet:
names, text and email addresses alike."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from coachapp.csvfiles import csv_text, safe_cell
from coachapp.models import Account, User
from tests.builders import Org
from tests.conftest import HttpsClient

FORMULA_EMAIL = "=cmd|'/c calc'!a@example.com"


def rows_of(client: HttpsClient, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200, path
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_an_email_stored_as_a_formula_is_exported_as_text(
    db: Session, org: Org, login_as: object
) -> None:
    # Stored before addresses were checked (inserted directly, past every form).
    rep, manager = org.people["rep"], org.people["manager"]
    db.execute(update(User).where(User.id == rep.id).values(email=FORMULA_EMAIL))
    db.execute(update(User).where(User.id == manager.id).values(name="+SUM(1,2)"))
    db.commit()
    director: HttpsClient = login_as("director")  # type: ignore[operator]

    cadence = {r["rep_id"]: r for r in rows_of(director, "/org/cadence.csv")}
    notes = [r for r in rows_of(director, "/org/sessions.csv?period=365")]

    assert cadence[str(rep.id)]["rep_email"] == "'" + FORMULA_EMAIL
    assert cadence[str(rep.id)]["manager_name"] == "'+SUM(1,2)"
    about_rep = [r for r in notes if r["rep_name"] == rep.name]
    assert about_rep and all(r["rep_email"] == "'" + FORMULA_EMAIL for r in about_rep)
    every_cell = [cell for r in [*cadence.values(), *notes] for cell in r.values()]
    assert not [c for c in every_cell if c[:1] in {"=", "+", "@"}]


def test_the_plans_export_goes_through_the_same_writer(
    db: Session, org: Org, login_as: object
) -> None:
    account_id = org.plans["rep"].account_id
    db.execute(update(Account).where(Account.id == account_id).values(region="@SUM(A1)"))
    db.commit()
    director: HttpsClient = login_as("director")  # type: ignore[operator]

    regions = {r["region"] for r in rows_of(director, "/plans.csv")}

    assert "'@SUM(A1)" in regions


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
        ("-3", "-3"),  # a number stays a number
        ("-0.25", "-0.25"),
        (-3, -3),
        ("Riley Rep", "Riley Rep"),
        ("", ""),
    ],
)
def test_formula_starts_are_neutralised_and_numbers_kept(value: object, cell: object) -> None:
    assert safe_cell(value) == cell
    written = list(csv.reader(io.StringIO(csv_text(["a"], [[value]]), newline="")))
    assert written == [["a"], [str(cell)]]
