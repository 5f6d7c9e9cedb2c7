"""Observations in Spanish: whom to observe, the form, and the lists, for a manager who
chose it."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.models import Account
from tests.builders import Lines
from tests.observations.conftest import page_client

pytestmark = pytest.mark.usefixtures("guide")


def test_observing_a_colleague_speaks_the_managers_language(
    app: Flask, db: Session, lines: Lines, account: Account
) -> None:
    people = lines.people
    people["sales_manager"].language = "es"
    db.commit()
    client = page_client(app, people["sales_manager"])
    path = f"/accounts/{account.id}/observations/new"

    chooser = client.get(path).get_data(as_text=True)
    assert "<title>Registrar una observación · Coachapp</title>" in chooser
    assert f"¿A quién viste trabajar en {account.name}?" in chooser
    assert f"reporta a {people['access_manager'].name}" in chooser
    assert "Whom did you see" not in chooser and "reports to" not in chooser

    form = client.get(f"{path}?subject_id={people['access_rep'].id}").get_data(as_text=True)
    for spanish in (
        "Lo que viste hacer a",
        "Lo que observaste",
        "Lo que viste",
        "Como máximo ",
        f"Enviar a {people['access_manager'].first_name}",
        "Otra persona del equipo",
    ):
        assert spanish in form, spanish
    for english in ("What you saw", "What you observed", "Send to", "At most"):
        assert english not in form, english

    across = client.get(f"{path}?subject_id={people['msl'].id}").get_data(as_text=True)
    assert "solo se observan la colaboración, la coordinación y la comunicación" in across

    listed = client.get("/observations").get_data(as_text=True)
    assert "<title>Observaciones · Coachapp</title>" in listed
    assert "Registrar una observación" in listed and "Record an observation" not in listed
