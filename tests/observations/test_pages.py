"""Observations on the pages: a sales manager records one about a market access colleague on a
shared account; the colleague's own manager finds it (Inbox, their list, the person page),
attaches it to a draft, shares the note, and the colleague reads it there. The medical line
never reads that note."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.models import Account, GuideVersion, Notification, Observation
from coachapp.observations.service import TEXT_LIMIT
from tests.builders import Lines
from tests.conftest import HttpsClient
from tests.observations.conftest import A_3C, NOT_A_3C, SEEN, competency, draft_note, page_client

pytestmark = pytest.mark.usefixtures("guide")

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CLIENT_UUID = re.compile(r'name="client_uuid" value="([^"]+)"')


def form_of(client: HttpsClient, path: str) -> tuple[str, dict[str, str]]:
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    fields = {"csrf_token": CSRF.search(text).group(1)}  # type: ignore[union-attr]
    found = CLIENT_UUID.search(text)
    if found:
        fields["client_uuid"] = found.group(1)
    return text, fields


def new_path(account: Account, subject_id: int | None = None) -> str:
    path = f"/accounts/{account.id}/observations/new"
    return f"{path}?subject_id={subject_id}" if subject_id else path


def test_the_form_offers_the_team_and_only_the_3cs_across_the_wall(
    app: Flask, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    people = lines.people
    client = page_client(app, people["sales_manager"])
    chooser = client.get(new_path(account)).get_data(as_text=True)
    for member in ("rep", "msl", "access_rep", "nurse"):
        assert people[member].name in chooser
    assert people["msl2"].name not in chooser

    across, _ = form_of(client, new_path(account, people["msl"].id))
    assert "observe collaboration, coordination and communication only" in across
    assert across.count('name="competency_id"') == 3
    assert competency(guide, NOT_A_3C).name not in across

    same_side, _ = form_of(client, new_path(account, people["access_rep"].id))
    assert "communication only" not in same_side
    assert competency(guide, NOT_A_3C).name in same_side
    assert f"Send to {people['access_manager'].first_name}" in same_side

    assert client.get(new_path(account, people["msl2"].id)).status_code == 404
    assert page_client(app, people["rep"]).get(new_path(account)).status_code == 404


def test_record_route_attach_share_and_the_colleague_reads_it(
    app: Flask, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    people = lines.people
    author = page_client(app, people["sales_manager"])
    path = new_path(account, people["access_rep"].id)
    _, fields = form_of(author, path)
    chosen = competency(guide, A_3C)
    sent = {**fields, "subject_id": str(people["access_rep"].id), "competency_id": str(chosen.id)}

    # Refused: each message at its field, everything typed kept, nothing cut.
    too_long = "Walked the pharmacy team through the prior-authorisation steps. " * 20
    assert len(too_long) > TEXT_LIMIT
    refused = author.post(f"/accounts/{account.id}/observations", data={**sent, "text": too_long})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert f"Use at most {TEXT_LIMIT:,} characters." in page and too_long.strip() in page
    assert 'id="text-error"' in page and fields["client_uuid"] in page
    no_choice = author.post(
        f"/accounts/{account.id}/observations",
        data={**fields, "subject_id": str(people["access_rep"].id), "text": SEEN},
    )
    assert no_choice.status_code == 422 and 'id="competency_id-error"' in no_choice.get_data(
        as_text=True
    )

    # Sent twice (a double tap, a replay): one observation.
    first = author.post(f"/accounts/{account.id}/observations", data={**sent, "text": SEEN})
    again = author.post(f"/accounts/{account.id}/observations", data={**sent, "text": SEEN})
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert db.scalar(select(func.count(Observation.id))) == 1
    observation = db.scalars(select(Observation)).one()
    assert observation.routed_to_id == people["access_manager"].id

    # The line manager: Inbox, the list (new), the person page, the observation itself.
    manager = page_client(app, people["access_manager"])
    inbox = manager.get("/inbox").get_data(as_text=True)
    assert f"observed {people['access_rep'].first_name} at {account.name}" in inbox
    listed = manager.get("/observations").get_data(as_text=True)
    assert SEEN in listed and "New" in listed
    person = manager.get(f"/people/{people['access_rep'].id}").get_data(as_text=True)
    assert f"/observations?subject_id={people['access_rep'].id}" in person and "1 new" in person
    shown = manager.get(f"/observations/{observation.id}").get_data(as_text=True)
    assert SEEN in shown and people["sales_manager"].name in shown
    db.expire_all()
    assert db.get(Observation, observation.id).read_at is not None  # type: ignore[union-attr]
    unread = db.scalar(
        select(func.count(Notification.id)).where(
            Notification.kind == "observation_received", Notification.read_at.is_(None)
        )
    )
    assert unread == 0

    # On the draft: attach (htmx swaps the section), then share.
    note = draft_note(db, people["access_manager"], people["access_rep"], guide)
    edit, edit_fields = form_of(manager, f"/notes/{note.id}/edit")
    assert "Observations from the account team" in edit and SEEN in edit
    csrf = edit_fields["csrf_token"]
    attached = manager.post(
        f"/notes/{note.id}/observations/{observation.id}/attach",
        data={"csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert attached.status_code == 200
    assert "Detach" in attached.get_data(as_text=True)
    assert manager.post(f"/notes/{note.id}/share", data={"csrf_token": csrf}).status_code == 302

    rep = page_client(app, people["access_rep"])
    on_note = rep.get(f"/notes/{note.id}").get_data(as_text=True)
    assert "Observations from the account team" in on_note
    for shown_to_rep in (
        SEEN,
        people["sales_manager"].name,
        "Sales",
        account.name,
        chosen.name,
    ):
        assert shown_to_rep in on_note, shown_to_rep
    assert SEEN in rep.get("/observations").get_data(as_text=True)

    # Nobody outside the note's line reads it, the observation's author included.
    for who in ("sales_manager", "msl_manager", "medical_director", "msl"):
        assert page_client(app, people[who]).get(f"/notes/{note.id}").status_code == 404, who
    assert "Observations from the account team" not in page_client(app, people["director"]).get(
        f"/notes/{note.id}"
    ).get_data(as_text=True)


def test_detach_on_the_page_and_no_attaching_to_a_shared_note(
    app: Flask, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    from coachapp.coaching import service as coaching
    from tests.builders import make_observation

    people = lines.people
    observation = make_observation(
        db, people["msl_manager"], people["rep"], account, competency(guide, A_3C)
    )
    note = draft_note(db, people["sales_manager"], people["rep"], guide)
    db.commit()
    manager = page_client(app, people["sales_manager"])
    _, fields = form_of(manager, f"/notes/{note.id}/edit")
    token = {"csrf_token": fields["csrf_token"]}
    attach = f"/notes/{note.id}/observations/{observation.id}/attach"
    detach = f"/notes/{note.id}/observations/{observation.id}/detach"
    assert manager.post(attach, data=token).headers["Location"].endswith("#observations")
    assert manager.post(detach, data=token).status_code == 302
    db.expire_all()
    assert db.get(Observation, observation.id).note_id is None  # type: ignore[union-attr]
    with app.app_context():
        coaching.share_note(db, people["sales_manager"], note.id)
    refused = manager.post(attach, data=token, headers={"HX-Request": "true"})
    assert refused.status_code == 409
    assert "this note is shared already" in refused.get_data(as_text=True)


ON_THE_TEAM = ("rep", "msl", "access_rep", "nurse")
RECORD_LINK = re.compile(r"/accounts/(\d+)/observations/new\?subject_id=(\d+)")


@pytest.mark.parametrize(
    "viewer",
    [
        "sales_manager",
        "director",
        "msl_manager",
        "medical_director",
        "access_manager",
        "rep",
        "msl",
    ],
)
def test_the_account_team_offers_to_observe_each_member_the_viewer_may(
    app: Flask, lines: Lines, account: Account, viewer: str
) -> None:
    people = lines.people
    page = page_client(app, people[viewer]).get(f"/accounts/{account.id}/team")
    assert page.status_code == 200
    linked = {
        int(subject)
        for account_id, subject in RECORD_LINK.findall(page.get_data(as_text=True))
        if int(account_id) == account.id
    }
    observes = people[viewer].role.value in {"manager", "director"}
    expected = {people[m].id for m in ON_THE_TEAM if m != viewer} if observes else set()
    assert linked == expected
