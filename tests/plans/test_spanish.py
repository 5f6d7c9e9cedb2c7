"""Plans in the reader's language: the list, a plan and the regional QBR in Spanish, with
statuses, completeness and figures as Spanish says and writes them."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from coachapp.plans.completeness import GAP_WORDS
from coachapp.plans.profiling import DEFAULT_QUESTIONS
from tests.builders import Org
from tests.conftest import HttpsClient, signed_in
from tests.page_checks import main_of


def test_the_plans_list_in_spanish(reading_spanish: Any) -> None:
    page = reading_spanish("rep").get("/plans").get_data(as_text=True)
    assert "<title>Planes · Coachapp</title>" in page
    main = main_of(page)
    assert "Cuenta o responsable" in main and "Todas las regiones" in main
    assert "Borrador y activo" in main and "Nuevo plan" in main
    assert "2 planes" in main and "Actualizado el" in main
    for english in ("All regions", "New plan", "Updated ", "plans</p>", "Draft and active"):
        assert english not in main


def test_a_plan_in_spanish(reading_spanish: Any, org: Org) -> None:
    client = reading_spanish("rep")
    main = main_of(client.get(f"/plans/{org.plans['rep'].id}").get_data(as_text=True))
    assert "Completitud del plan" in main and "Perfil del cliente" in main
    assert "Acciones" in main and "Actores clave del cliente" in main
    assert "Equipo de cuenta" in main and "Comentarios" in main
    assert "Añadir un objetivo" in main and "Historial" in main
    for english in ("Plan completeness", "Customer profile", "Add a goal", "Post comment"):
        assert english not in main


def test_the_regional_qbr_in_spanish(reading_spanish: Any) -> None:
    page = reading_spanish("manager").get("/plans/qbr").get_data(as_text=True)
    main = main_of(page)
    assert "Revisión trimestral de negocio" in page
    assert "De un vistazo" in main and "Objetivos en riesgo" in main
    assert "Barreras más recurrentes" in main and "Los planes" in main
    assert "Equipo de Morgan Manager" in main or "Todos los planes que ves" in main
    for english in ("At a glance", "Goals at risk", "Top recurring barriers", "The plans"):
        assert english not in main


def _csv_rows(client: HttpsClient, path: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(client.get(path).get_data(as_text=True))))


def test_the_plans_csv_in_spanish(reading_spanish: Any, app: Flask, org: Org) -> None:
    rows = _csv_rows(reading_spanish("director"), "/plans.csv")
    assert rows and {"completitud", "faltante", "estado", "tipo_de_cuenta"} <= set(rows[0])
    assert {row["estado"] for row in rows} <= {"Borrador", "Activo", "Archivado"}
    assert {row["funcion_del_responsable"] for row in rows} <= {
        "Ventas", "Cuenta clave", "Enlace científico médico (MSL)", "Enfermería educadora",
    }  # fmt: skip
    missing = " ".join(row["faltante"] for row in rows)
    assert "Área de perfilado vacía: Conocimiento del negocio" in missing
    for english in (*GAP_WORDS.values(), "Empty profiling area", "action(s)", "goal(s)"):
        assert english not in missing
    # An English reader's file keeps the codes the API gives, and its words.
    english = _csv_rows(signed_in(app, org, "rep"), "/plans.csv")
    assert {"completeness", "missing"} <= set(english[0])
    assert english[0]["status"] == "active" and english[0]["owner_function"] == "sales"
    assert "Empty profiling area: Business insight" in english[0]["missing"]


def test_the_default_profiling_questions_in_spanish_and_an_admins_as_written(
    reading_spanish: Any, app: Flask, org: Org, db: Session
) -> None:
    plan_page = f"/plans/{org.plans['rep'].id}"
    spanish_rep = reading_spanish("rep")
    main = main_of(spanish_rep.get(plan_page).get_data(as_text=True))
    assert "¿Quién aprueba por encima del umbral presupuestario del formulario?" in main
    assert "¿Qué centros participan en 340B y cómo cambia eso sus números?" in main
    assert not [q for questions in DEFAULT_QUESTIONS.values() for q in questions if q in main]
    # A Spanish admin sees the defaults in Spanish and saves one area with a question of theirs.
    org.people["admin"].language = "es"
    db.commit()
    admin = signed_in(app, org, "admin")
    shown = admin.get("/admin/profiling").get_data(as_text=True)
    assert "¿Quién aprueba por encima del umbral presupuestario del formulario?" in shown
    own = "Which payers require step therapy?"
    saved = admin.post_form(
        "/admin/profiling",
        {
            "area": "reimbursement",
            "title": "Conocimiento de reembolso",
            "questions": f"{own}\n¿Cuál es su combinación de pagadores y cuáles restringen "
            "nuestra terapia?",
        },
    )
    assert saved.status_code == 302
    main = main_of(spanish_rep.get(plan_page).get_data(as_text=True))
    assert own in main and "¿Cuál es su combinación de pagadores" in main
    assert "¿Qué centros participan en 340B" not in main  # the admin's list replaced it
    # The default kept by the Spanish admin goes on reading in English for an English reader.
    org.people["rep"].language = "en"
    db.commit()
    english = main_of(signed_in(app, org, "rep").get(plan_page).get_data(as_text=True))
    assert own in english and "Reimbursement insight" in english
    assert "What is their payer mix, and which payers restrict our therapy?" in english
    assert "Who signs off above the formulary budget threshold?" in english
    assert "¿Quién aprueba" not in english and "Conocimiento de reembolso" not in english
