"""Deactivating someone ends their sign-ins, API tokens and push devices and hands their
drafts and open follow-ups to their manager (coachapp.admin.deactivation): by an admin, by an
organisation import that leaves them out, and by the directory through SCIM
(tests/scim/test_deactivation.py); nothing they wrote is lost."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.admin.org_import import apply_org_import, plan_org_import
from coachapp.admin.service import set_active
from coachapp.auth.service import issue_api_token
from coachapp.models import AuditEvent, BrowserSession, Note, PushSubscription, User
from tests.builders import Org, make_follow_up
from tests.conftest import signed_in

pytestmark = pytest.mark.first_backend


def equipped(app: Flask, db: Session, org: Org, who: str) -> tuple[Any, str]:
    """The person signed in in a browser, with an API token and a phone subscribed to pushes."""
    person = org.people[who]
    browser = signed_in(app, org, who)
    with app.app_context():
        token, _ = issue_api_token(db, person)
    db.add(
        PushSubscription(
            user_id=person.id,
            endpoint=f"https://push.example.net/{who}",
            p256dh="BN9dafEBSXL9t87kswoSPf8lcYVCJJnpJTPa34CCRMTdH-Qm34N4_r0LSPexmNKQE2RXDAPe71jmOpXYQEfWT28",
            auth="tBHItJI5svbpez7KI4CCXg",
        )
    )
    db.commit()
    assert browser.is_signed_in()
    assert api_status(app, token) == 200
    return browser, token


def api_status(app: Flask, token: str) -> int:
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return int(response.status_code)


def assert_cut_off(app: Flask, db: Session, browser: Any, token: str, person: User) -> None:
    db.expire_all()
    assert not person.active
    assert not browser.is_signed_in()
    assert api_status(app, token) == 401
    assert (
        db.scalars(select(PushSubscription).where(PushSubscription.user_id == person.id)).all()
        == []
    )
    assert (
        db.scalars(
            select(BrowserSession).where(
                BrowserSession.user_id == person.id, BrowserSession.ended_at.is_(None)
            )
        ).all()
        == []
    )


def snapshot(db: Session, note_ids: list[int]) -> list[tuple[Any, ...]]:
    return [
        (n.id, n.manager_id, n.status, n.strengths, n.private_notes, len(n.ratings))
        for n in db.scalars(select(Note).where(Note.id.in_(note_ids)).order_by(Note.id))
    ]


def test_an_admin_deactivating_someone_hands_over_the_same_way(
    app: Flask, db: Session, org: Org
) -> None:
    manager, director = org.people["manager"], org.people["director"]
    browser, token = equipped(app, db, org, "manager")
    own = make_follow_up(db, manager, manager)
    db.commit()
    with app.test_request_context():
        set_active(db, org.people["admin"], manager.id, False)
    assert_cut_off(app, db, browser, token, manager)
    assert org.notes["draft"].manager_id == director.id
    assert own.owner_id == director.id
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.deactivate", AuditEvent.object_id == manager.id
        )
    ).one()
    assert event.actor_id == org.people["admin"].id
    assert event.details["drafts_handed_over"] == 1


def test_an_organisation_import_that_leaves_someone_out_hands_over_the_same_way(
    app: Flask, db: Session, org: Org
) -> None:
    manager, director, other = org.people["manager"], org.people["director"], org.people["manager2"]
    browser, token = equipped(app, db, org, "manager")
    own = make_follow_up(db, manager, manager)
    db.commit()
    people = db.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
    rows = ["email,name,role,function,manager email,time zone"]
    for person in people:
        if person.id == manager.id:
            continue
        boss = other if person.manager_id == manager.id else person.manager
        rows.append(
            f"{person.email},{person.name},{person.role.value},{person.function.value},"
            f"{boss.email if boss else ''},{person.timezone}"
        )
    content = ("\n".join(rows) + "\n").encode()
    admin = org.people["admin"]
    with app.test_request_context():
        plan = plan_org_import(db, admin, content, deactivate_missing=True)
        assert plan.ok, plan.problems
        apply_org_import(db, admin, content, deactivate_missing=True, previewed=plan.fingerprint)
    assert_cut_off(app, db, browser, token, manager)
    assert org.notes["draft"].manager_id == director.id
    assert own.owner_id == director.id
