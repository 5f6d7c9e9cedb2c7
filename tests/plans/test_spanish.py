"""Plans in the reader's language: the list, a plan and the regional QBR in Spanish, with
statuses, completeness and figures as Spanish says and writes them."""

from __future__ import annotations

from typing import Any

from tests.builders import Org
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
