"""The guide editor on a phone: a refused change says what to fix at the field itself (its
behaviour opened, what was typed kept), listed at the top with a link to each field; publishing
refuses a behaviour with nothing to observe or ask, saying so at that behaviour."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import Competency, GuideSection, GuideStatus, GuideVersion
from tests.builders import Org
from tests.conftest import HttpsClient


def field_markup(page: str, field_id: str) -> str:
    """The field whose input has this id: from its label to the end of its block."""
    start = page.index(f'<label for="{field_id}">')
    return html.unescape(page[start : page.index("</div>", start)])


def assert_error_at(page: str, field_id: str, message: str) -> None:
    field = field_markup(page, field_id)
    assert f'id="{field_id}-error">' in field and message in field, field
    assert f'aria-invalid="true" aria-describedby="{field_id}-error"' in field
    # ... and listed at the top, linking to the field.
    summary = html.unescape(page.split('id="guide-problems"', 1)[1].split("</div>", 1)[0])
    assert f'<a href="#{field_id}">' in summary and message in summary


def behaviour_opened(page: str, competency_id: int) -> bool:
    tag = re.search(rf'<details class="piece item" id="competency-{competency_id}"[^>]*>', page)
    assert tag, f"no behaviour {competency_id} on the page"
    return "open" in tag.group(0)


def start_draft(client: HttpsClient, db: Session, org: Org) -> GuideVersion:
    guide_id = org.notes["shared"].guide_version.guide_id
    assert client.post_form(f"/admin/guides/{guide_id}/draft").status_code == 302
    db.expire_all()
    return db.scalars(
        select(GuideVersion).where(
            GuideVersion.guide_id == guide_id, GuideVersion.status == GuideStatus.DRAFT
        )
    ).one()


def test_a_behaviours_errors_are_at_its_fields_with_what_was_typed(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    draft = start_draft(client, db, org)
    competency = draft.sections[0].competencies[1]
    before = (competency.name, list(competency.indicators), list(competency.questions))
    too_many = "\n".join(f"Indicator {n}" for n in range(1, 10))
    response = client.post_form(
        f"/admin/guides/competencies/{competency.id}",
        {"name": "  ", "indicators": too_many, "questions": "What did you hear?"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert_error_at(page, f"name-{competency.id}", "Name the behaviour: 1 to 160 characters.")
    assert_error_at(page, f"indicators-{competency.id}", "At most 8 lines of 300 characters")
    assert f'id="questions-{competency.id}-error"' not in page
    assert behaviour_opened(page, competency.id)
    assert not behaviour_opened(page, draft.sections[0].competencies[0].id)
    # What was typed stays in the form, every line of it.
    assert "Indicator 9" in field_markup(page, f"indicators-{competency.id}")
    assert "What did you hear?" in field_markup(page, f"questions-{competency.id}")
    db.expire_all()
    again = db.get(Competency, competency.id)
    assert again is not None
    assert (again.name, again.indicators, again.questions) == before


def test_section_and_new_behaviour_errors_are_at_their_fields(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    draft = start_draft(client, db, org)
    section = draft.sections[0]
    guide_id = draft.guide_id

    added = client.post_form(f"/admin/guides/{guide_id}/sections", {"title": "collaboration"})
    assert added.status_code == 422
    assert_error_at(
        added.get_data(as_text=True), "new-section-title", "already has a section of that name"
    )
    assert 'value="collaboration"' in field_markup(
        added.get_data(as_text=True), "new-section-title"
    )

    renamed = client.post_form(f"/admin/guides/sections/{section.id}", {"title": "x" * 161})
    assert renamed.status_code == 422
    page = renamed.get_data(as_text=True)
    assert_error_at(page, f"section-title-{section.id}", "Name the section: 1 to 160 characters.")
    assert "x" * 161 in field_markup(page, f"section-title-{section.id}")

    behaviour = client.post_form(f"/admin/guides/sections/{section.id}/competencies", {"name": ""})
    assert behaviour.status_code == 422
    assert_error_at(behaviour.get_data(as_text=True), f"new-{section.id}", "Name the behaviour")
    db.expire_all()
    assert [s.title for s in db.get(GuideVersion, draft.id).sections] == ["Collaboration"]  # type: ignore[union-attr]


def test_publishing_refuses_a_behaviour_with_no_indicators_or_no_questions(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    draft = start_draft(client, db, org)
    section = draft.sections[0]
    client.post_form(
        f"/admin/guides/sections/{section.id}/competencies", {"name": "Briefs the MSL"}
    )
    listens = section.competencies[1]
    client.post_form(
        f"/admin/guides/competencies/{listens.id}",
        {"name": listens.name, "indicators": "Lets the customer finish", "questions": ""},
    )
    client.post_form(f"/admin/guides/{draft.guide_id}/sections", {"title": "Coordination"})
    db.expire_all()
    briefs = db.scalars(select(Competency).where(Competency.name == "Briefs the MSL")).one()
    empty = db.scalars(select(GuideSection).where(GuideSection.title == "Coordination")).one()

    response = client.post_form(f"/admin/guides/{draft.guide_id}/publish")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "4 things to fix:" in page
    assert_error_at(page, f"indicators-{briefs.id}", "Add at least one observable indicator")
    assert_error_at(page, f"questions-{briefs.id}", "Add at least one coaching question")
    assert_error_at(page, f"questions-{listens.id}", "Add at least one coaching question")
    assert f'id="indicators-{listens.id}-error"' not in page
    assert_error_at(page, f"new-{empty.id}", "Add a behaviour to “Coordination” or remove the")
    assert behaviour_opened(page, briefs.id) and behaviour_opened(page, listens.id)
    assert not behaviour_opened(page, section.competencies[0].id)
    # The summary follows the page's order.
    summary = page.split('id="guide-problems"', 1)[1]
    links = re.findall(r'<a href="#([^"]+)">', summary.split("</div>", 1)[0])
    assert links == [
        f"questions-{listens.id}",
        f"indicators-{briefs.id}",
        f"questions-{briefs.id}",
        f"new-{empty.id}",
    ]
    # The behaviour's summary line says what it lacks while folded.
    assert "needs indicators and questions to publish" in page
    db.expire_all()
    assert db.get(GuideVersion, draft.id).status == GuideStatus.DRAFT  # type: ignore[union-attr]

    # Once each behaviour has both and the empty section is gone, it publishes.
    for competency, indicators in ((briefs, "Shares the agenda"), (listens, "Lets them finish")):
        client.post_form(
            f"/admin/guides/competencies/{competency.id}",
            {"name": competency.name, "indicators": indicators, "questions": "What changed?"},
        )
    client.post_form(f"/admin/guides/sections/{empty.id}/delete")
    published = client.post_form(f"/admin/guides/{draft.guide_id}/publish")
    assert published.status_code == 302
    db.expire_all()
    assert db.get(GuideVersion, draft.id).status == GuideStatus.PUBLISHED  # type: ignore[union-attr]
