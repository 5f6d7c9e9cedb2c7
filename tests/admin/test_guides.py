"""Enablement edits a coaching guide in a draft and publishes it as a new immutable version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching import service
from coachapp.models import Competency, GuideStatus, GuideVersion, Note
from tests.builders import Org
from tests.conftest import HttpsClient


def test_draft_edit_publish_keeps_old_versions(
    app: Any, db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    old = org.notes["shared"].guide_version
    guide_id = old.guide_id
    old_names = [c.name for s in old.sections for c in s.competencies]
    client = login_as("admin")
    assert client.post_form(f"/admin/guides/{guide_id}/draft").status_code == 302
    draft = db.scalars(
        select(GuideVersion).where(
            GuideVersion.guide_id == guide_id, GuideVersion.status == GuideStatus.DRAFT
        )
    ).one()
    assert draft.number == 2
    competency = draft.sections[0].competencies[0]
    saved = client.post_form(
        f"/admin/guides/competencies/{competency.id}",
        {
            "name": "Shares the account plan with the team",
            "indicators": "Sends it\nReviews it",
            "questions": "Who has seen the plan?",
        },
    )
    assert saved.status_code == 302
    client.post_form(
        f"/admin/guides/sections/{draft.sections[0].id}/competencies",
        {"name": "Prepares the MSL"},
    )
    fill_in(client, db, "Prepares the MSL")
    client.post_form(f"/admin/guides/{guide_id}/targets", {"function": ["msl", "sales"]})
    published = client.post_form(f"/admin/guides/{guide_id}/publish")
    assert published.status_code == 302
    db.expire_all()
    draft = db.get(GuideVersion, draft.id)  # type: ignore[assignment]
    assert draft is not None and draft.status == GuideStatus.PUBLISHED
    names = [c.name for s in draft.sections for c in s.competencies]
    assert "Shares the account plan with the team" in names and "Prepares the MSL" in names
    old_again = db.get(GuideVersion, old.id)
    assert old_again is not None
    assert [c.name for s in old_again.sections for c in s.competencies] == old_names
    # Published versions are immutable; the session keeps the version it used.
    refused = client.post_form(
        f"/admin/guides/competencies/{old.sections[0].competencies[0].id}",
        {"name": "Changed", "indicators": "", "questions": ""},
    )
    assert refused.status_code == 302
    db.expire_all()
    assert db.get(Competency, old.sections[0].competencies[0].id).name == old_names[0]  # type: ignore[union-attr]
    assert db.get(Note, org.notes["shared"].id).guide_version_id == old.id  # type: ignore[union-attr]
    with app.app_context():
        assert service.guide_for(db, org.people["rep2"]).id == draft.id  # an MSL


def test_admin_guide_pages_render(client: HttpsClient, login_as: Any, org: Org) -> None:
    client = login_as("admin")
    listing = client.get("/admin/guides")
    assert listing.status_code == 200 and "Test guide" in listing.get_data(as_text=True)
    guide_id = org.notes["shared"].guide_version.guide_id
    page = client.get(f"/admin/guides/{guide_id}").get_data(as_text=True)
    assert "Edit in a new draft" in page


def fill_in(client: HttpsClient, db: Session, name: str) -> None:
    """Gives a new behaviour of the draft what publishing asks of it."""
    competency = db.scalars(
        select(Competency).where(Competency.name == name).order_by(Competency.id.desc())
    ).first()
    assert competency is not None
    saved = client.post_form(
        f"/admin/guides/competencies/{competency.id}",
        {"name": name, "indicators": "Briefs them before the call", "questions": "Who briefs?"},
    )
    assert saved.status_code == 302


def _draft(db: Session, guide_id: int) -> GuideVersion:
    db.expire_all()
    return db.scalars(
        select(GuideVersion).where(
            GuideVersion.guide_id == guide_id, GuideVersion.status == GuideStatus.DRAFT
        )
    ).one()


def _titles(version: GuideVersion) -> list[str]:
    return [section.title for section in version.sections]


def test_admin_adds_renames_reorders_and_removes_sections_in_the_draft(
    db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    old = org.notes["shared"].guide_version
    guide_id = old.guide_id
    client = login_as("admin")
    # No draft yet: nothing to add a section to.
    refused = client.post_form(f"/admin/guides/{guide_id}/sections", {"title": "Coordination"})
    assert refused.status_code == 302
    assert "Start a draft" in client.get(f"/admin/guides/{guide_id}").get_data(as_text=True)

    client.post_form(f"/admin/guides/{guide_id}/draft")
    added = client.post_form(f"/admin/guides/{guide_id}/sections", {"title": " Coordination "})
    assert added.status_code == 302
    draft = _draft(db, guide_id)
    assert _titles(draft) == ["Collaboration", "Coordination"]
    new_section = draft.sections[1]
    assert added.headers["Location"].endswith(f"#section-{new_section.id}")
    page = client.get(f"/admin/guides/{guide_id}").get_data(as_text=True)
    assert "Move up: Coordination" in page and "Move down: Collaboration" in page
    assert "Add section" in page and "Remove section" in page

    for bad in ("", "   ", "x" * 161, "collaboration"):
        refused = client.post_form(f"/admin/guides/{guide_id}/sections", {"title": bad})
        assert refused.status_code == 422
    assert _titles(_draft(db, guide_id)) == ["Collaboration", "Coordination"]
    assert "already has a section of that name" in refused.get_data(as_text=True)

    client.post_form(f"/admin/guides/sections/{new_section.id}", {"title": "Coordinating the team"})
    client.post_form(f"/admin/guides/sections/{new_section.id}/move", {"direction": "up"})
    draft = _draft(db, guide_id)
    assert _titles(draft) == ["Coordinating the team", "Collaboration"]
    assert [s.position for s in draft.sections] == [0, 1]
    # At the top it stays put; an unknown direction changes nothing.
    client.post_form(f"/admin/guides/sections/{new_section.id}/move", {"direction": "up"})
    client.post_form(f"/admin/guides/sections/{new_section.id}/move", {"direction": "sideways"})
    assert _titles(_draft(db, guide_id)) == ["Coordinating the team", "Collaboration"]

    # An empty section blocks publishing; a section with behaviours cannot be removed.
    refused = client.post_form(f"/admin/guides/{guide_id}/publish")
    assert refused.status_code == 422
    assert _draft(db, guide_id).status == GuideStatus.DRAFT
    assert "or remove the section before publishing" in refused.get_data(as_text=True)
    full = _draft(db, guide_id).sections[1]
    client.post_form(f"/admin/guides/sections/{full.id}/delete")
    assert len(_draft(db, guide_id).sections) == 2
    assert "still has behaviours" in client.get(f"/admin/guides/{guide_id}").get_data(as_text=True)

    client.post_form(f"/admin/guides/{guide_id}/sections", {"title": "Leftover"})
    leftover = _draft(db, guide_id).sections[2]
    removed = client.post_form(f"/admin/guides/sections/{leftover.id}/delete")
    assert removed.status_code == 302
    assert _titles(_draft(db, guide_id)) == ["Coordinating the team", "Collaboration"]

    client.post_form(
        f"/admin/guides/sections/{new_section.id}/competencies", {"name": "Aligns the MSL"}
    )
    fill_in(client, db, "Aligns the MSL")
    client.post_form(f"/admin/guides/{guide_id}/publish")
    db.expire_all()
    published = db.get(GuideVersion, draft.id)
    assert published is not None and published.status == GuideStatus.PUBLISHED
    assert _titles(published) == ["Coordinating the team", "Collaboration"]
    assert [c.name for c in published.sections[0].competencies] == ["Aligns the MSL"]
    old_again = db.get(GuideVersion, old.id)
    assert old_again is not None and _titles(old_again) == ["Collaboration"]


def test_published_sections_never_change(
    db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    old = org.notes["shared"].guide_version
    section = old.sections[0]
    client = login_as("admin")
    client.post_form(f"/admin/guides/{old.guide_id}/sections", {"title": "Sneaked in"})
    client.post_form(f"/admin/guides/sections/{section.id}", {"title": "Renamed"})
    client.post_form(f"/admin/guides/sections/{section.id}/move", {"direction": "down"})
    client.post_form(f"/admin/guides/sections/{section.id}/delete")
    page = client.get(f"/admin/guides/{old.guide_id}").get_data(as_text=True)
    assert "Published guide versions cannot change" in page
    db.expire_all()
    again = db.get(GuideVersion, old.id)
    assert again is not None and _titles(again) == ["Collaboration"]
    assert [c.key for c in again.sections[0].competencies] == ["shares_plan", "listens"]
