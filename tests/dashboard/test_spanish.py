"""A director who chose Spanish reads the dashboard, a team's page and the impact page in
Spanish, with numbers as Spanish writes them."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from coachapp.dashboard import summaries
from coachapp.models import DevelopmentFocus
from tests.builders import Lines, Org, make_guide_translation
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


def spanish_guide(db: Session, org: Org) -> None:
    """The org's guide has a Spanish text naming one of its two behaviours, and the rep
    works on it as their focus."""
    db.add(
        DevelopmentFocus(
            rep_id=org.people["rep"].id, competency_key="shares_plan", period="2026-H1",
            created_by_id=org.people["manager"].id,
        )
    )  # fmt: skip
    make_guide_translation(
        db, org.notes["shared"].guide_version, {"shares_plan": "Comparte el plan"}
    )


def heat_heads(main: str) -> list[str]:
    return re.findall(r'<th scope="col" class="heat-head"><span>([^<]*)</span>', main)


def test_the_heatmap_and_the_focus_name_behaviours_in_the_translated_guide(
    reading_spanish: Any, org: Org, db: Session
) -> None:
    spanish_guide(db, org)
    client = reading_spanish("director")
    main = main_of(client.get("/org").get_data(as_text=True))
    assert heat_heads(main) == ["Comparte el plan", "Listens"]  # one left untranslated
    assert "Foco: Comparte el plan (1)" in main and "Shares the plan" not in main
    team = main_of(client.get(f"/org/teams/{org.people['manager'].id}").get_data(as_text=True))
    assert "Foco: Comparte el plan" in team and "Shares the plan" not in team
    summary = client.get(f"/org/teams/{org.people['manager'].id}/summary").get_data(as_text=True)
    assert "Foco de desarrollo: Comparte el plan (1)" in summary


def test_figures_kept_by_the_worker_are_named_when_read(
    reading_spanish: Any, org: Org, db: Session
) -> None:
    spanish_guide(db, org)
    summaries.refresh(db)
    client = reading_spanish("director")
    main = main_of(client.get("/org").get_data(as_text=True))
    assert "Cifras a las" in main  # read from the kept figures
    assert heat_heads(main) == ["Comparte el plan", "Listens"]
    assert "Foco: Comparte el plan (1)" in main and "Shares the plan" not in main


def test_without_a_spanish_text_the_behaviours_keep_their_names(
    reading_spanish: Any, org: Org, db: Session
) -> None:
    db.add(
        DevelopmentFocus(
            rep_id=org.people["rep"].id, competency_key="shares_plan", period="2026-H1",
            created_by_id=org.people["manager"].id,
        )
    )  # fmt: skip
    db.commit()
    main = main_of(reading_spanish("director").get("/org").get_data(as_text=True))
    assert heat_heads(main) == ["Shares the plan", "Listens"]
    assert "Foco: Shares the plan (1)" in main


def test_an_english_reader_reads_the_guides_own_names(login_as: Any, org: Org, db: Session) -> None:
    spanish_guide(db, org)
    main = main_of(login_as("director").get("/org").get_data(as_text=True))
    assert heat_heads(main) == ["Shares the plan", "Listens"]
    assert "Focus: Shares the plan (1)" in main and "Comparte" not in main
