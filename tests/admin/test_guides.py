"""Enablement edits a coaching guide in a draft and publishes it as a new immutable version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching import service
from coachapp.models import CoachingSession, Competency, GuideStatus, GuideVersion
from tests.builders import Org
from tests.conftest import HttpsClient


def test_draft_edit_publish_keeps_old_versions(
    app: Any, db: Session, org: Org, client: HttpsClient, login_as: Any
) -> None:
    old = org.sessions["shared"].guide_version
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
    assert db.get(CoachingSession, org.sessions["shared"].id).guide_version_id == old.id  # type: ignore[union-attr]
    with app.app_context():
        assert service.guide_for(db, org.people["rep2"]).id == draft.id  # an MSL


def test_admin_guide_pages_render(client: HttpsClient, login_as: Any, org: Org) -> None:
    client = login_as("admin")
    listing = client.get("/admin/guides")
    assert listing.status_code == 200 and "Test guide" in listing.get_data(as_text=True)
    guide_id = org.sessions["shared"].guide_version.guide_id
    page = client.get(f"/admin/guides/{guide_id}").get_data(as_text=True)
    assert "Edit in a new draft" in page
