"""The export and retention pages in the reader's language; the export itself (JSON) keeps
its English keys for the programs that read it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask
from flask_babel import force_locale
from marshmallow import Schema, fields
from marshmallow.fields import Field
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from coachapp.coach_notes.schemas import CoachNoteOutSchema
from coachapp.coaching.schemas import (
    AcknowledgementOutSchema,
    FollowUpOutSchema,
    SessionOutSchema,
    VaguePraiseOutSchema,
)
from coachapp.db import Base
from coachapp.languages import gettext
from coachapp.models import (
    JourneyProgress,
    LoginAttempt,
    PlanGoal,
    PlanStakeholder,
    PushSubscription,
    ReviewRating,
    RideAlongCall,
    RideAlongStop,
)
from coachapp.observations.shapes import ObservationOutSchema
from coachapp.privacy import printed
from coachapp.privacy.export import (
    EXPORTED,
    SECRET_COLUMNS,
    export_coaching_history,
    export_person,
)
from coachapp.privacy.sections import SECTION_TITLES
from tests.builders import Org, make_observation
from tests.conftest import HttpsClient


def test_your_data_speaks_the_persons_language(reading_spanish: Any) -> None:
    spanish_rep: HttpsClient = reading_spanish("rep")
    text = spanish_rep.get("/me/export").get_data(as_text=True)
    assert "<title>Tus datos · Coachapp</title>" in text
    assert "Descargar como JSON" in text and "Abrir una página para imprimir" in text
    assert "Download as JSON" not in text and "Everything Coachapp holds" not in text
    printed = spanish_rep.get("/me/export/print").get_data(as_text=True)
    assert "Lo que Coachapp guarda sobre" in printed and ">Perfil</h2>" in printed
    assert ">Profile</h2>" not in printed
    assert "profile" in spanish_rep.get("/me/export.json").get_json()


def test_retention_speaks_the_admins_language(reading_spanish: Any) -> None:
    text = reading_spanish("admin").get("/admin/retention").get_data(as_text=True)
    assert "<title>Conservación · Coachapp</title>" in text
    assert "Guardar la conservación" in text and "Lo que elimina la próxima ejecución" in text
    assert "Save retention" not in text and "How long Coachapp keeps" not in text


# The printable export -----------------------------------------------------------------------

# The models whose rows the export writes column by column (row_json): the tables it lists, and
# the rows it nests in them (a plan's goals, a review's ratings, a ride-along day's stops, ...).
NESTED_MODELS = (
    PlanGoal,
    PlanStakeholder,
    ReviewRating,
    RideAlongStop,
    RideAlongCall,
    JourneyProgress,
    LoginAttempt,
)
# Columns the export leaves out (coachapp/privacy/export.py): a device's keys and address, the
# delivery bookkeeping of notifications and emails.
LEFT_OUT = {"endpoint", "p256dh", "auth", "dedupe_key", "last_error", "lease_until", "message_id"}
SCHEMAS = (
    SessionOutSchema,
    VaguePraiseOutSchema,
    AcknowledgementOutSchema,
    FollowUpOutSchema,
    CoachNoteOutSchema,
    ObservationOutSchema,
)


def _keys_of(value: Any, part: str = "", key: str = "") -> Iterator[tuple[str, str]]:
    """Each (part, key) of a document, but inside the fields shown as stored."""
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            yield key, inner_key
            if not printed.as_stored(key, inner_key):
                yield from _keys_of(inner, key, inner_key)
    elif isinstance(value, list):
        for item in value:
            yield from _keys_of(item, part, key)


def _schema_fields(schema: Schema) -> Iterator[tuple[str, Field]]:
    for name, field in schema.fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        yield name, inner
        if isinstance(inner, fields.Nested):
            yield from _schema_fields(inner.schema)


def _columns() -> Iterator[tuple[str, Any]]:
    """Each column the export can write, with its enumeration (None for any other column)."""
    models = [
        mapper.class_
        for mapper in Base.registry.mappers
        if mapper.local_table.name in EXPORTED or mapper.class_ in NESTED_MODELS
    ]
    for model in models:
        for column in inspect(model).column_attrs:
            if column.key not in SECRET_COLUMNS:
                yield column.key, getattr(column.columns[0].type, "enum_class", None)
    for schema in SCHEMAS:
        for name, field in _schema_fields(schema()):
            yield name, field.enum if isinstance(field, fields.Enum) else None


def test_every_key_of_the_export_has_a_label_and_every_enumerated_value_a_name(
    db: Session, org: Org, app: Flask, login_as: Any
) -> None:
    rep, author = org.people["rep"], org.people["msl_manager"]
    competency = org.notes["shared"].ratings[0].competency
    make_observation(
        db, author, rep, org.plans["rep"].account, competency, note_id=org.notes["shared"].id
    )
    device = PushSubscription(
        user_id=rep.id, endpoint="https://push.example.net/x", p256dh="k", auth="a"
    )
    db.add(device)
    db.commit()
    login_as("rep")  # a sign-in, its session and audit entries
    with app.app_context():
        documents = [export_person(db, person) for person in org.people.values()]
        documents.append(export_coaching_history(db, org.people["manager"], rep))
    walked = {key for document in documents for _part, key in _keys_of(document)}
    columns = dict(_columns())
    labelled = set(printed.FIELD_LABELS) | set(SECTION_TITLES)
    unlabelled = (walked | set(columns)) - labelled - LEFT_OUT
    assert not unlabelled, (
        f"{sorted(unlabelled)}: give each a label in FIELD_LABELS (coachapp/privacy/printed.py)"
    )
    for key, enumeration in columns.items():
        if enumeration is None:
            continue
        named = set(printed.VALUE_LABELS.get(key, {})).union(
            *(labels for (_part, k), labels in printed.VALUE_LABELS_IN.items() if k == key)
        )
        unnamed = {value.value for value in enumeration} - named
        assert not unnamed, f"{key}: {sorted(unnamed)} need a name in VALUE_LABELS"


def _spanish(message: str) -> str:
    with force_locale("es"):
        return gettext(message)


def _texts(page: str, tag: str, css: str = "") -> list[str]:
    opening = f'<{tag} class="{css}">' if css else f"<{tag}>"
    return [html.unescape(piece.split(f"</{tag}>")[0]) for piece in page.split(opening)[1:]]


def test_the_printable_export_reads_in_spanish(reading_spanish: Any, org: Org, app: Flask) -> None:
    page = reading_spanish("manager").get("/me/export/print").get_data(as_text=True)
    with app.app_context():
        spanish_labels = {
            _spanish(label) for label in (*printed.FIELD_LABELS.values(), *SECTION_TITLES.values())
        }
        english_values = {
            label
            for labels in (*printed.VALUE_LABELS.values(), *printed.VALUE_LABELS_IN.values())
            for label in labels.values()
            if _spanish(label) != label
        }
    fields_named = _texts(page, "dt")
    assert fields_named and set(fields_named) <= spanish_labels
    assert "Fecha de creación" in fields_named and "Estado" in fields_named
    values = set(_texts(page, "span", "export-text"))
    codes = {code for labels in printed.VALUE_LABELS.values() for code in labels}
    assert not values & english_values and not values & codes
    assert {"Compartida", "Borrador", "Gerente de primera línea"} <= values
    assert not values & {"True", "False"} and ("Sí" in values or "No" in values)
    # Dates as Spanish writes them, never in ISO 8601.
    assert not any(re.fullmatch(r"\d{4}-\d\d-\d\d.*", value) for value in values)
    assert any(re.search(r"\d \w+ 20\d\d", value) for value in values)
    assert "Exportado el " in page and " UTC." in page


def test_the_printable_export_stays_in_english_for_an_english_reader(login_as: Any) -> None:
    page = login_as("manager").get("/me/export/print").get_data(as_text=True)
    assert "<dt>Created at</dt>" in page and "<dt>Status</dt>" in page
    assert ">Shared</span>" in page and ">Profile</h2>" in page
    assert "<dt>Fecha de creación</dt>" not in page
