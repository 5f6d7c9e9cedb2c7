"""A director who chose Spanish reads the dashboard, a team's page and the impact page in
Spanish, with numbers as Spanish writes them."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from tests.builders import Lines, Org
from tests.page_checks import main_of
from tests.plans.test_impact import measured_team


def test_the_directors_dashboard_in_spanish(reading_spanish: Any, org: Org) -> None:
    page = reading_spanish("director").get("/org").get_data(as_text=True)
    assert "<title>Equipos · Coachapp</title>" in page
    main = main_of(page)
    assert "Equipos de un vistazo" in main and "Calidad del coaching" in main
    assert "Con coaching dentro del objetivo" in main and "Últimos 30 días" in main
    assert "Calificaciones por competencia, por equipo" in main
    assert "Morgan Manager" in main  # names stay as typed
    for english in ("Teams at a glance", "Coaching quality", "Coached within target", "overdue"):
        assert english not in main


def test_a_teams_page_in_spanish(reading_spanish: Any, org: Org) -> None:
    client = reading_spanish("director")
    main = main_of(client.get(f"/org/teams/{org.people['manager'].id}").get_data(as_text=True))
    assert "Equipo de Morgan Manager" in main and "Representantes" in main
    assert "Seguimientos hechos" in main and "Resumen para imprimir" in main
    for english in ("Follow-ups done", "Printable summary", "Reps</h2>", "Last coached"):
        assert english not in main


def test_the_impact_page_in_spanish(app: Flask, db: Session, lines: Lines) -> None:
    team = measured_team(app, db, lines)
    team.person("director").language = "es"
    db.commit()
    page = team.page("director").get("/org/impact").get_data(as_text=True)
    assert "<title>Impacto · Coachapp</title>" in page
    main = main_of(page)
    assert "Logro de objetivos junto al coaching, por equipo" in main
    assert "Logro de objetivos" in main and "Cifras en tabla" in main
    assert "Calificación de las 3C" in main
    for english in ("Goal attainment", "Figures as a table", "Conversations", "on track"):
        assert english not in main


def test_the_exports_headers_are_in_the_readers_language(reading_spanish: Any, org: Org) -> None:
    client = reading_spanish("director")
    cadence = client.get("/org/cadence.csv").get_data(as_text=True)
    assert cadence.startswith("correo_del_gerente,nombre_del_gerente,id_del_representante,")
    notes = client.get("/org/sessions.csv").get_data(as_text=True)
    assert notes.startswith("id_de_la_nota,fecha,tipo,estado,")
    plans = client.get("/plans.csv").get_data(as_text=True)
    assert plans.startswith("cuenta,tipo_de_cuenta,región,periodo,estado,responsable,")
