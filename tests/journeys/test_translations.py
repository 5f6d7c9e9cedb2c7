"""Enablement gives a published journey version its Spanish text; a rep who reads Spanish
reads their journey (its name, its steps' titles and texts) in Spanish where it was given,
else the original; an English reader reads the original."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import JourneyProgress, JourneyTranslation, JourneyVersion
from coachapp.nudges import rules
from tests.builders import Org
from tests.conftest import HttpsClient, signed_in
from tests.journeys.test_journeys import T0, started


def text_of(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def spanish_form(version: JourneyVersion, **changes: str) -> dict[str, str]:
    tip, exercise, read = version.steps
    form = {
        "name": "Mapear el IDN",
        f"title-{tip.id}": "Empieza por el plan",
        f"body-{tip.id}": "Lee tu plan primero.",
        f"title-{exercise.id}": "Mapea el comité de farmacia y terapéutica",
        f"body-{exercise.id}": "",  # left empty: read as the original
        f"title-{read.id}": "",
        f"body-{read.id}": "",
    }
    form.update(changes)
    return form


def translate(client: HttpsClient, version: JourneyVersion, **changes: str) -> Any:
    return client.post_form(
        f"/admin/journeys/versions/{version.id}/translation/es",
        spanish_form(version, **changes),
    )


# The pages read the reader's language once per request: the journey is set up in an
# application context of its own, not one the requests would share.


def test_enablement_gives_a_published_journey_its_spanish_text(
    app: Any, login_as: Any, org: Org, db: Session
) -> None:
    with app.app_context():
        enrolment = started(db, org)
    version = enrolment.version
    client = login_as("admin")
    page = text_of(client.get(f"/admin/journeys/{version.journey_id}"))
    assert f'href="/admin/journeys/versions/{version.id}/translation/es"' in page
    assert "Start from the plan" in text_of(
        client.get(f"/admin/journeys/versions/{version.id}/translation/es")
    )
    assert translate(client, version).status_code == 302
    texts = db.scalars(select(JourneyTranslation.texts)).one()
    assert texts["name"] == "Mapear el IDN"
    assert texts["steps"]["0"] == {"title": "Empieza por el plan", "body": "Lee tu plan primero."}
    assert texts["steps"]["1"] == {"title": "Mapea el comité de farmacia y terapéutica"}
    assert "2" not in texts["steps"]


def test_a_bad_journey_translation_is_refused_at_its_fields_and_nothing_is_lost(
    app: Any, login_as: Any, org: Org, db: Session
) -> None:
    with app.app_context():
        version = started(db, org).version
    tip = version.steps[0]
    refused = translate(
        login_as("admin"), version, **{f"title-{tip.id}": "T" * 161, f"body-{tip.id}": "B" * 2001}
    )
    assert refused.status_code == 422
    page = text_of(refused)
    assert f'id="title-{tip.id}-error">At most 160 characters.' in page
    assert f'id="body-{tip.id}-error">At most 2000 characters.' in page
    assert "T" * 161 in page and "B" * 2001 in page and 'value="Mapear el IDN"' in page
    assert db.scalars(select(JourneyTranslation)).first() is None


def test_a_spanish_rep_reads_their_journey_in_spanish_and_an_english_one_the_original(
    app: Any, login_as: Any, org: Org, db: Session
) -> None:
    with app.app_context():
        enrolment = started(db, org)
        rules.evaluate(db, T0)  # the tip reaches the rep
    assert translate(login_as("admin"), enrolment.version).status_code == 302
    item = db.scalars(
        select(JourneyProgress).where(JourneyProgress.enrolment_id == enrolment.id)
    ).one()
    rep = org.people["rep"]
    rep.language = "es"
    db.commit()
    client = signed_in(app, org, "rep")
    journey = text_of(client.get("/journeys"))
    assert "Mapear el IDN" in journey and "Empieza por el plan" in journey
    assert "Map the IDN" not in journey and "Start from the plan" not in journey
    step = text_of(client.get(f"/journeys/steps/{item.id}"))
    assert "Empieza por el plan" in step and "Lee tu plan primero." in step
    assert "Read your plan first." not in step
    rep.language = "en"
    db.commit()
    english = text_of(signed_in(app, org, "rep").get("/journeys"))
    assert "Map the IDN" in english and "Start from the plan" in english
    assert "Mapear el IDN" not in english
