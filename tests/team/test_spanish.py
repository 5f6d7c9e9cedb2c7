"""A manager who chose Spanish reads Today, their team and a rep's page in Spanish; a rep
reads their own page in Spanish (numbers and dates as Spanish writes them)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.models import DevelopmentFocus
from tests.builders import Org, make_guide_translation
from tests.conftest import HttpsClient, signed_in
from tests.page_checks import main_of


@pytest.fixture
def spanish_manager(reading_spanish: Any) -> HttpsClient:
    client: HttpsClient = reading_spanish("manager")
    return client


@pytest.fixture
def spanish_rep(reading_spanish: Any) -> HttpsClient:
    client: HttpsClient = reading_spanish("rep")
    return client


def test_today_in_spanish(spanish_manager: HttpsClient) -> None:
    page = spanish_manager.get("/today").get_data(as_text=True)
    assert "<title>Hoy · Coachapp</title>" in page
    main = main_of(page)
    assert "Coaching pendiente" in main and "Seguimientos vencidos" in main
    assert "Acompañamientos de hoy y mañana" in main
    assert "Tu equipo (2)" in main and "Todos los seguimientos" in main
    for english in ("Coaching due", "Follow-ups overdue", "Ride-alongs today", "Your team"):
        assert english not in main


def test_the_team_page_in_spanish(spanish_manager: HttpsClient) -> None:
    page = spanish_manager.get("/team").get_data(as_text=True)
    assert "<title>Equipo · Coachapp</title>" in page
    main = main_of(page)
    assert "2 personas, primero quienes más necesitan coaching." in main
    assert "Últimos 30 días" in main and "Resumen para imprimir" in main
    assert "Riley Rep" in main  # names stay as typed
    for english in ("people, most in need", "Last coached", "open follow-up", "Printable"):
        assert english not in main


def test_a_reps_page_in_spanish_for_their_manager(spanish_manager: HttpsClient, org: Org) -> None:
    page = spanish_manager.get(f"/people/{org.people['rep'].id}").get_data(as_text=True)
    main = main_of(page)
    assert "Registrar coaching" in main and "Cuentas y planes" in main
    assert "Coaching reciente" in main and "Seguimientos abiertos" in main
    assert "reporta a Morgan Manager" in main and "Ventas" in main
    for english in ("Log coaching", "Accounts and plans", "Recent coaching", "reports to", "Due "):
        assert english not in main


def test_a_reps_own_page_in_spanish(spanish_rep: HttpsClient) -> None:
    page = spanish_rep.get("/my").get_data(as_text=True)
    main = main_of(page)
    assert "Hola, Riley" in page and "Necesita tu acción" in main
    assert "Califícate" in main
    for english in ("Hello,", "Needs your action", "Rate yourself", "No open follow-ups"):
        assert english not in main


def focus_on_sharing_the_plan(db: Session, org: Org) -> None:
    """The rep's development focus is "Shares the plan" (key shares_plan) of the org's guide."""
    db.add(
        DevelopmentFocus(
            rep_id=org.people["rep"].id, competency_key="shares_plan", period="2026-H1",
            created_by_id=org.people["manager"].id,
        )
    )  # fmt: skip
    db.commit()


def test_a_focus_is_named_in_the_translated_guide(
    spanish_manager: HttpsClient, org: Org, db: Session
) -> None:
    focus_on_sharing_the_plan(db, org)
    make_guide_translation(
        db, org.notes["shared"].guide_version, {"shares_plan": "Comparte el plan"}
    )
    team = main_of(spanish_manager.get("/team").get_data(as_text=True))
    assert "Foco: Comparte el plan" in team and "Shares the plan" not in team
    person = main_of(spanish_manager.get(f"/people/{org.people['rep'].id}").get_data(as_text=True))
    assert '<span class="list-title">Comparte el plan</span>' in person
    assert "¿Terminar el foco en Comparte el plan?" in person
    # The choice of a new focus names the behaviours as the guide's text does; one left
    # untranslated keeps its own name.
    assert '<option value="shares_plan">Comparte el plan</option>' in person
    assert '<option value="listens">Listens</option>' in person
    assert "Shares the plan" not in person


def test_a_focus_keeps_its_name_where_the_guide_has_no_spanish_text(
    spanish_manager: HttpsClient, org: Org, db: Session
) -> None:
    focus_on_sharing_the_plan(db, org)
    team = main_of(spanish_manager.get("/team").get_data(as_text=True))
    assert "Foco: Shares the plan" in team
    person = main_of(spanish_manager.get(f"/people/{org.people['rep'].id}").get_data(as_text=True))
    assert '<span class="list-title">Shares the plan</span>' in person


def test_an_english_reader_reads_the_focus_as_the_guide_names_it(
    app: Flask, org: Org, db: Session
) -> None:
    focus_on_sharing_the_plan(db, org)
    make_guide_translation(
        db, org.notes["shared"].guide_version, {"shares_plan": "Comparte el plan"}
    )
    team = main_of(signed_in(app, org, "manager").get("/team").get_data(as_text=True))
    assert "Focus: Shares the plan" in team and "Comparte" not in team
    rep = main_of(signed_in(app, org, "rep").get("/my").get_data(as_text=True))
    assert '<span class="list-title">Shares the plan</span>' in rep and "Comparte" not in rep
