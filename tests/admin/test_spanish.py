"""The admin's pages in Spanish for an admin who chose it: the people list, the coaching guides
and their editor, and the organisation import with its preview; the people's names, the guide's
own text and the file's values stay as they were typed."""

from __future__ import annotations

import html
from typing import Any

import pytest
from sqlalchemy.orm import Session

from coachapp.admin import invitations
from tests.builders import Org
from tests.conftest import HttpsClient


@pytest.fixture
def spanish_admin(reading_spanish: Any) -> HttpsClient:
    """The test client signed in as the admin, who chose Spanish."""
    client: HttpsClient = reading_spanish("admin")
    return client


def text_of(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_people_list_speaks_the_admins_language(spanish_admin: HttpsClient, org: Org) -> None:
    text = text_of(spanish_admin.get("/admin/users"))
    assert "<title>Personas · Coachapp</title>" in text
    assert 'placeholder="Buscar nombre o correo"' in text
    assert "Agregar persona" in text and "Importar desde CSV" in text
    assert "Metas de frecuencia" in text
    assert "Representante / miembro del equipo de cuenta" in text  # a role, as labelled
    assert f"reporta a {org.people['manager'].name}" in text
    assert org.people["rep"].name in text  # names stay as typed
    for english in ("Search name or email", "Add person", "reports to", "All roles"):
        assert english not in text


def test_a_person_saved_says_so_in_the_admins_language(
    spanish_admin: HttpsClient, org: Org
) -> None:
    rep = org.people["rep"]
    form = spanish_admin.get(f"/admin/users/{rep.id}")
    text = text_of(form)
    assert "Reporta a" in text and "Guardar cambios" in text and "Restablecer contraseña" in text
    assert "Save changes" not in text and "Reports to" not in text
    saved = spanish_admin.post_form(
        f"/admin/users/{rep.id}",
        {
            "name": rep.name,
            "role": rep.role.value,
            "function": rep.function.value,
            "manager_id": str(rep.manager_id),
            "timezone": rep.timezone,
            "region": rep.region or "",
        },
        follow_redirects=True,
    )
    assert f"Se guardó a {rep.name}." in text_of(saved)


def test_the_coaching_guides_speak_the_admins_language(
    spanish_admin: HttpsClient, org: Org
) -> None:
    text = text_of(spanish_admin.get("/admin/guides"))
    assert "<title>Guías de coaching · Coachapp</title>" in text
    assert "publicada" in text and "Para todas las funciones" in text
    guide = org.notes["shared"].guide_version.guide
    started = spanish_admin.post_form(f"/admin/guides/{guide.id}/draft", follow_redirects=True)
    text = text_of(started)
    assert "Borrador iniciado desde la versión publicada" in text
    assert "en borrador" in text  # the draft version's heading
    assert "Agregar comportamiento" in text and "Indicadores observables (uno por línea)" in text
    assert "Pensada para (si no eliges ninguna: todas las funciones)" in text
    for english in ("Add behaviour", "Observable indicators", "Edit in a new draft", "Publish"):
        assert english not in text


def test_the_organisation_import_speaks_the_admins_language(
    spanish_admin: HttpsClient, org: Org
) -> None:
    text = text_of(spanish_admin.get("/admin/import"))
    assert "<title>Importar la organización · Coachapp</title>" in text
    assert "Sube un archivo CSV" in text and "Valores y un ejemplo" in text
    # The example file is the file's own: its columns stay as the import reads them.
    assert "email,name,role,function,manager email,time zone" in text
    preview = spanish_admin.post_form(
        "/admin/import/preview",
        {
            "csv_text": "email,name,role,function,manager email,time zone\n"
            f"nueva@example.com,Nueva Persona,rep,sales,{org.people['manager'].email},"
            "America/Mexico_City\n"
        },
    )
    text = text_of(preview)
    assert "Vista previa: nada cambia hasta que la apliques" in text
    assert "Personas nuevas" in text and "Aplicar 1 cambio" in text
    assert f"reporta a {org.people['manager'].email}" in text
    for english in ("Preview", "New people", "Apply 1 change", "nothing is changed"):
        assert english not in text


def test_a_refusal_says_so_in_the_admins_language(spanish_admin: HttpsClient) -> None:
    refused = spanish_admin.post_form(
        "/admin/users/new",
        {
            "email": "nuevo.admin@example.com",
            "name": "Nuevo Admin",
            "role": "admin",
            "function": "other",
            "manager_id": "",
            "timezone": "America/Mexico_City",
            "password": "una-contraseña-larga",
        },
    )
    assert refused.status_code == 422
    text = text_of(refused)
    assert "Déjalo vacío: un admin nuevo recibe su contraseña de un solo uso" in text
    assert "Leave this empty" not in text


def test_an_imports_problems_name_their_people_in_the_admins_language(
    spanish_admin: HttpsClient, org: Org, db: Session
) -> None:
    manager = org.people["manager"]
    manager.active = False
    db.commit()
    preview = spanish_admin.post_form(
        "/admin/import/preview",
        {
            "csv_text": "email,name,role,function,manager email,time zone\n"
            f"nueva@example.com,Nueva Persona,rep,sales,{manager.email},America/Mexico_City\n"
            "otra@example.com,Otra Persona,chief,sales,,Mars/Olympus\n"
            "nueva@example.com,Nueva Otra Vez,rep,sales,,America/Mexico_City\n"
        },
    )
    text = text_of(preview)
    for spanish in (
        f"El gerente {manager.email} está desactivado.",
        "Rol desconocido “chief”; usa uno de estos: rep, manager, director, admin.",
        "Zona horaria desconocida “Mars/Olympus”; usa un nombre como America/New_York.",
        "nueva@example.com también está en la línea 2 (los correos se comparan sin distinguir",
        "Un representante reporta a un gerente: el correo del gerente está vacío.",
    ):
        assert spanish in text, spanish
    for english in ("is deactivated", "Unknown role", "is also on line", "reports to a manager"):
        assert english not in text, english


def test_a_refused_invitation_names_the_person_in_the_admins_language(
    spanish_admin: HttpsClient, org: Org, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invitations, "check_invitations_possible", lambda: None)
    rep = org.people["rep"]
    rep.active = False
    db.commit()
    refused = spanish_admin.post_form(f"/admin/users/{rep.id}/invitation", follow_redirects=True)
    assert f"{rep.name} está desactivado: reactívalo primero." in text_of(refused)
