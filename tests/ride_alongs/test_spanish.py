"""The ride-along day in Spanish, for a manager and a rep who chose it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from tests.builders import Org
from tests.conftest import signed_in
from tests.ride_alongs.helpers import plan_day


def test_the_ride_along_day_speaks_each_ones_language(app: Flask, db: Session, org: Org) -> None:
    day = plan_day(db, org)
    org.people["manager"].language = "es"
    org.people["rep"].language = "es"
    db.commit()
    path = f"/ride-alongs/{day.ride.id}"

    manager = signed_in(app, org, "manager").get(path).get_data(as_text=True)
    for spanish in (
        "Acompañamiento ·",
        "Con Riley Rep",
        "Sin preparar todavía",
        "Preparación de Riley",
        "Riley todavía no ha preparado el día.",
        "Últimos acuerdos",
        "Visitas",
        "Todavía no hay visitas registradas.",
        "Registrar una visita",
        "Marca cada competencia que viste y luego califícala: 1 En desarrollo",
        "Guardar la visita",
        "Al final del día",
        "Escribir la nota",
    ):
        assert spanish in manager, spanish
    for english in ("Ride-along", "Not prepared yet", "Last agreements", "Log a call", "Save call"):
        assert english not in manager, english
    assert "Send the pharmacy the dosing summary" in manager  # typed, shown as typed

    rep = signed_in(app, org, "rep").get(path).get_data(as_text=True)
    for spanish in (
        "Con Morgan Manager",
        "Tu preparación",
        "¿Con qué quieres ayuda?",
        "Cuentas de hoy",
        "Qué muestra que está hecho",
        "Guardar la preparación",
    ):
        assert spanish in rep, spanish
    for english in ("Your preparation", "What do you want help with?", "Save preparation"):
        assert english not in rep, english


def test_a_cancelled_ride_along_says_so_in_the_managers_language(
    app: Flask, db: Session, org: Org
) -> None:
    day = plan_day(db, org)
    org.people["manager"].language = "es"
    db.commit()
    manager = signed_in(app, org, "manager")
    assert manager.post_form(f"/ride-alongs/{day.ride.id}/cancel").status_code == 302
    refused = manager.post_form(f"/ride-alongs/{day.ride.id}/note", follow_redirects=True)
    page = refused.get_data(as_text=True)
    assert "Este acompañamiento se canceló." in page
    assert "This ride-along was cancelled." not in page
    # The API says it in English, its contract; the page's scripts get the translation too.
    answer = manager.post(
        f"/api/v1/ride-alongs/{day.ride.id}/note",
        headers={"X-CSRFToken": manager.session_csrf_token()},
    )
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["message"] == "This ride-along was cancelled."
    assert error["translation"] == {"language": "es", "message": "Este acompañamiento se canceló."}
