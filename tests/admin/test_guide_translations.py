"""Enablement gives a published guide version its Spanish text: a reader of Spanish reads the
version's sections and behaviours in Spanish where it was given (on the note form, on the
note, rating themselves), else the original; an English reader reads the original; a note
keeps its version, and a new version starts without a translation."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching import guides as guide_service
from coachapp.models import GuideTranslation, GuideVersion, NoteStatus
from coachapp.ride_alongs import service as ride_service
from tests.builders import Org, make_note
from tests.conftest import HttpsClient, signed_in
from tests.ride_alongs.helpers import plan_day


def text_of(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def guide_version(org: Org) -> GuideVersion:
    return org.notes["shared"].guide_version


def spanish_form(version: GuideVersion, **changes: str) -> dict[str, str]:
    """The whole version in Spanish, as typed in the translation form."""
    section = version.sections[0]
    shares, listens = section.competencies
    form = {
        "name": "Guía de prueba",
        f"section-{section.id}": "Colaboración",
        f"name-{shares.id}": "Comparte el plan",
        f"indicators-{shares.id}": "Comparte",
        f"questions-{shares.id}": "¿Cómo?",
        f"name-{listens.id}": "Escucha",
        f"indicators-{listens.id}": "",  # left empty: read as the original
        f"questions-{listens.id}": "",
    }
    form.update(changes)
    return form


def translate(client: HttpsClient, version: GuideVersion, **changes: str) -> Any:
    return client.post_form(
        f"/admin/guides/versions/{version.id}/translation/es", spanish_form(version, **changes)
    )


def test_enablement_gives_a_published_version_its_spanish_text(
    login_as: Any, org: Org, db: Session
) -> None:
    client = login_as("admin")
    version = guide_version(org)
    page = text_of(client.get(f"/admin/guides/{version.guide_id}"))
    assert f'href="/admin/guides/versions/{version.id}/translation/es"' in page
    form = text_of(client.get(f"/admin/guides/versions/{version.id}/translation/es"))
    assert "Shares the plan" in form  # the original, beside its field
    saved = translate(client, version)
    assert saved.status_code == 302
    assert "Saved the Spanish text of version 1." in text_of(client.get(saved.headers["Location"]))
    stored = db.scalars(select(GuideTranslation).where(GuideTranslation.version_id == version.id))
    texts = stored.one().texts
    assert texts["name"] == "Guía de prueba"
    assert texts["sections"] == {"0": "Colaboración"}
    assert texts["competencies"]["shares_plan"] == {
        "name": "Comparte el plan", "indicators": ["Comparte"], "questions": ["¿Cómo?"]
    }  # fmt: skip
    assert texts["competencies"]["listens"] == {"name": "Escucha"}
    # Shown again as stored.
    again = text_of(client.get(f"/admin/guides/versions/{version.id}/translation/es"))
    assert 'value="Comparte el plan"' in again


def test_a_bad_translation_is_refused_at_its_fields_and_nothing_is_lost(
    login_as: Any, org: Org, db: Session
) -> None:
    client = login_as("admin")
    version = guide_version(org)
    shares = version.sections[0].competencies[0]
    refused = translate(
        client,
        version,
        name="G" * 161,
        **{f"indicators-{shares.id}": "Comparte\nUna línea de más"},
    )
    assert refused.status_code == 422
    page = text_of(refused)
    assert 'id="name-error">At most 160 characters.' in page
    assert f'id="indicators-{shares.id}-error">One line for each of the 1 lines' in page
    assert 'aria-invalid="true"' in page
    # What was typed is all there, the valid fields too; nothing is stored.
    assert "G" * 161 in page and "Una línea de más" in page and 'value="Comparte el plan"' in page
    assert db.scalars(select(GuideTranslation)).first() is None


def test_a_draft_or_an_unknown_language_has_no_translation(
    login_as: Any, org: Org, db: Session
) -> None:
    client = login_as("admin")
    version = guide_version(org)
    assert client.get(f"/admin/guides/versions/{version.id}/translation/fr").status_code == 404
    assert client.get(f"/admin/guides/versions/{version.id}/translation/en").status_code == 404
    draft = guide_service.start_draft(db, org.people["admin"], version.guide)
    assert client.get(f"/admin/guides/versions/{draft.id}/translation/es").status_code == 404


def test_a_spanish_reader_reads_the_translation_on_the_note_form(
    app: Any, login_as: Any, org: Org, db: Session
) -> None:
    version = guide_version(org)
    assert translate(login_as("admin"), version).status_code == 302
    manager, rep = org.people["manager"], org.people["rep"]
    draft = make_note(db, manager, rep, NoteStatus.DRAFT, guide_version=version)
    manager.language = "es"
    db.commit()
    page = text_of(signed_in(app, org, "manager").get(f"/notes/{draft.id}/edit"))
    assert "<legend>Comparte el plan</legend>" in page and "<legend>Escucha</legend>" in page
    assert "Shares the plan" not in page
    # The note itself, once shared, names them in Spanish too, under their section.
    shown = text_of(signed_in(app, org, "manager").get(f"/notes/{org.notes['shared'].id}"))
    assert "Comparte el plan" in shown and "Colaboración" in shown
    assert "Shares the plan" not in shown


def test_an_english_reader_reads_the_original(
    app: Any, login_as: Any, org: Org, db: Session
) -> None:
    version = guide_version(org)
    assert translate(login_as("admin"), version).status_code == 302
    draft = make_note(
        db, org.people["manager"], org.people["rep"], NoteStatus.DRAFT, guide_version=version
    )
    page = text_of(signed_in(app, org, "manager").get(f"/notes/{draft.id}/edit"))
    assert "<legend>Shares the plan</legend>" in page and "Comparte el plan" not in page
    shown = text_of(signed_in(app, org, "manager").get(f"/notes/{org.notes['shared'].id}"))
    assert "Collaboration" in shown and "Colaboración" not in shown


def test_a_new_version_without_a_translation_reads_the_original(
    app: Any, login_as: Any, org: Org, db: Session
) -> None:
    version = guide_version(org)
    assert translate(login_as("admin"), version).status_code == 302
    admin = org.people["admin"]
    guide_service.start_draft(db, admin, version.guide)
    second = guide_service.publish(db, admin, version.guide)
    assert second.number == 2 and second.id != version.id
    manager, rep = org.people["manager"], org.people["rep"]
    manager.language = "es"
    on_second = make_note(db, manager, rep, NoteStatus.DRAFT, guide_version=second)
    db.commit()
    client = signed_in(app, org, "manager")
    page = text_of(client.get(f"/notes/{on_second.id}/edit"))
    assert "Shares the plan" in page and "Comparte el plan" not in page
    # The note written on version 1 keeps that version, and its Spanish text.
    kept = text_of(client.get(f"/notes/{org.notes['shared'].id}"))
    assert "Comparte el plan" in kept
    assert db.scalars(select(GuideTranslation.version_id)).all() == [version.id]


def test_a_spanish_manager_logs_a_call_on_the_behaviours_in_spanish(
    app: Any, login_as: Any, org: Org, db: Session
) -> None:
    day = plan_day(db, org)
    with app.app_context():
        version = ride_service.guide_of(db, day.ride)
    first = version.sections[0].competencies[0]
    saved = login_as("admin").post_form(
        f"/admin/guides/versions/{version.id}/translation/es", {f"name-{first.id}": "En español"}
    )
    assert saved.status_code == 302
    org.people["manager"].language = "es"
    db.commit()
    page = text_of(signed_in(app, org, "manager").get(f"/ride-alongs/{day.ride.id}"))
    assert f'<label for="seen-{first.id}">En español</label>' in page
    assert first.name not in page
