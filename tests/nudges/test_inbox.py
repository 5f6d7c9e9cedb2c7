"""The inbox over HTTP: each item says whom and what it is about, opens that one thing, is
read once that thing is opened or acted on, and "Mark all read" clears the lot; the push
for the same item keeps a generic title (it may show on a lock screen)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import Notification, PlannedRideAlong
from coachapp.nudges.kinds import KINDS
from coachapp.nudges.outbox import payload_for
from tests.api.helpers import api_caller
from tests.builders import Org, make_account, make_follow_up, make_notification
from tests.conftest import HttpsClient, signed_in

HX = {"HX-Request": "true"}
DECK = "Send the formulary deck"


def only(db: Session, kind: str, recipient_id: int) -> Notification:
    db.expire_all()
    return db.scalars(
        select(Notification).where(
            Notification.kind == kind,
            Notification.recipient_id == recipient_id,
            Notification.dedupe_key.not_like("test:%"),  # the builders' own
        )
    ).one()


def inbox_titles(client: HttpsClient) -> list[str]:
    """The inbox rows as the rep reads them, with "Unread: " before the unread ones."""
    page = client.get("/inbox").get_data(as_text=True)
    rows = re.findall(r'<span class="list-title">(.*?)</span>\s*(?:<span|</span>)', page, re.S)
    return [re.sub(r"<[^>]+>", "", row).strip() for row in rows]


def worker_once(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output


def test_a_shared_note_is_named_in_the_inbox_and_pushed_with_a_generic_title(
    app: Flask, db: Session, org: Org
) -> None:
    note = org.notes["draft"]
    note.account_id = make_account(db, name="Granite Coast").id
    db.commit()
    manager, rep = signed_in(app, org, "manager"), signed_in(app, org, "rep")

    assert manager.post_form(f"/notes/{note.id}/share").status_code == 302

    assert "Unread: Note from Morgan about Granite Coast" in inbox_titles(rep)
    listed = rep.get("/api/v1/notifications").get_json()["items"]
    assert listed[0]["title"] == "Note from Morgan about Granite Coast"
    assert listed[0]["url"] == f"/notes/{note.id}"
    pushed = payload_for(only(db, "note_shared", org.people["rep"].id)).decode()
    assert json.loads(pushed)["title"] == KINDS["note_shared"].push_title
    for confidential in ("Granite", "Morgan", note.strengths, note.development_focus):
        assert confidential and confidential not in pushed


def test_opening_the_note_reads_its_item_and_acknowledging_settles_every_reminder(
    app: Flask, db: Session, org: Org
) -> None:
    note = org.notes["draft"]
    manager, rep = signed_in(app, org, "manager"), signed_in(app, org, "rep")
    assert manager.post_form(f"/notes/{note.id}/share").status_code == 302
    shared = only(db, "note_shared", org.people["rep"].id)
    assert shared.read_at is None

    # Opened from the Notes tab, not from the inbox: the inbox item is read all the same.
    assert rep.get(f"/notes/{note.id}").status_code == 200
    assert only(db, "note_shared", org.people["rep"].id).read_at is not None

    # Days later the reminders come: to the rep, then to the manager.
    note.shared_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=6)
    db.commit()
    worker_once(app)
    reminders = [only(db, "note_unacknowledged", org.people[who].id) for who in ("rep", "manager")]
    assert reminders[0].title == f"Acknowledge Morgan's note about the ride-along of {day(note)}"
    assert reminders[1].title.startswith("Riley has not acknowledged your note about")
    assert all(reminder.read_at is None for reminder in reminders)

    acknowledged = rep.post_form(f"/notes/{note.id}/acknowledge", {"comment": "Agreed, thanks"})
    assert acknowledged.status_code == 302
    for reminder in reminders:
        db.refresh(reminder)
        assert reminder.read_at is not None, reminder.title  # nothing left to ask
    reply = only(db, "note_acknowledged", org.people["manager"].id)
    assert reply.read_at is None
    assert reply.title == f"Riley replied to your note about the ride-along of {day(note)}"
    assert reply.body == "Agreed, thanks"
    assert "Unread: Riley replied to your note" in " ".join(inbox_titles(manager))


def day(note: Any) -> str:
    return f"{note.occurred_on.day} {note.occurred_on:%b}"


def test_a_follow_up_nudge_opens_that_follow_up_and_done_reads_it_for_everyone(
    app: Flask, db: Session, org: Org
) -> None:
    rep_user, manager_user = org.people["rep"], org.people["manager"]
    late = make_follow_up(
        db, rep_user, manager_user, title=DECK, session_id=org.notes["shared"].id,
        due_date=dt.date.today() - dt.timedelta(days=4),
    )  # fmt: skip
    db.commit()

    worker_once(app)  # no request here: the link comes from the bound URL map

    own = only(db, "follow_up_overdue", rep_user.id)
    managers = only(db, "follow_up_overdue", manager_user.id)
    assert own.title == f"Follow-up overdue: {DECK}"
    assert managers.title == f"Riley's follow-up is 4 days overdue: {DECK}"
    with app.test_request_context():
        exact = url_for("coaching.follow_up", follow_up_id=late.id)
    assert exact == f"/follow-ups/{late.id}"
    assert own.url == managers.url == exact  # that follow-up, not the list
    assert json.loads(payload_for(own))["url"] == exact
    assert DECK not in payload_for(own).decode()

    rep = signed_in(app, org, "rep")
    opened = rep.post_form(f"/inbox/{own.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"] == exact
    page = rep.get(exact).get_data(as_text=True)
    assert DECK in page and "4 days overdue" in page
    assert 'name="action" value="done"' in page
    assert f'href="/notes/{org.notes["shared"].id}"' in page  # the note it came from

    done = rep.post_form(f"/follow-ups/{late.id}", {"action": "done", "next_url": exact})
    assert done.status_code == 302 and done.headers["Location"] == exact
    db.refresh(managers)
    assert managers.read_at is not None  # the manager's reminder is settled too
    assert "Done" in rep.get(exact).get_data(as_text=True)


def test_opening_the_follow_up_page_reads_the_viewers_own_nudge_only(
    app: Flask, db: Session, org: Org
) -> None:
    item = make_follow_up(
        db, org.people["rep"], org.people["manager"], session_id=org.notes["shared"].id,
        due_date=dt.date.today() - dt.timedelta(days=5),
    )  # fmt: skip
    db.commit()
    worker_once(app)
    manager = signed_in(app, org, "manager")
    assert manager.get(f"/follow-ups/{item.id}").status_code == 200
    assert only(db, "follow_up_overdue", org.people["manager"].id).read_at is not None
    assert only(db, "follow_up_overdue", org.people["rep"].id).read_at is None


def test_mark_all_read_with_htmx_clears_the_list_and_the_inbox_badge(
    app: Flask, db: Session, org: Org
) -> None:
    rep_user = org.people["rep"]
    make_notification(db, rep_user, title="Note from Morgan about Granite Coast")
    other = make_notification(db, org.people["manager"], title="Left alone")
    db.commit()
    rep = signed_in(app, org, "rep")
    page = rep.get("/inbox").get_data(as_text=True)
    assert "Mark all read" in page and 'aria-label="Inbox, 2 unread"' in page

    swapped = rep.post("/inbox/read-all", headers={**HX, "X-CSRFToken": rep.csrf_token("/inbox")})

    assert swapped.status_code == 200
    fragment = swapped.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="inbox"')
    assert "Unread:" not in fragment and "Mark all read" not in fragment
    assert "All notifications marked read." in fragment  # said to a screen reader
    assert 'id="bottom-nav" aria-label="Main" hx-swap-oob="true"' in fragment
    assert "Inbox, " not in fragment  # the badge is gone
    assert rep.get("/api/v1/notifications").get_json()["unread"] == 0
    db.refresh(other)
    assert other.read_at is None  # someone else's stays as it was


def test_mark_all_read_without_javascript_and_its_csrf_check(
    app: Flask, db: Session, org: Org
) -> None:
    make_notification(db, org.people["rep"])
    db.commit()
    rep = signed_in(app, org, "rep")
    assert rep.post("/inbox/read-all").status_code == 400  # no CSRF token: refused
    assert rep.get("/api/v1/notifications").get_json()["unread"] == 2

    done = rep.post_form("/inbox/read-all")

    assert done.status_code == 302 and done.headers["Location"] == "/inbox"
    page = rep.get("/inbox").get_data(as_text=True)
    assert "All notifications marked read." in page
    assert "Unread:" not in page and "Mark all read" not in page


def test_mark_all_read_over_the_api(app: Flask, client: HttpsClient, db: Session, org: Org) -> None:
    make_notification(db, org.people["rep"])
    db.commit()
    call = api_caller(app, client, db, org)
    answer = call("rep", "POST", "/api/v1/notifications/read-all")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == {"marked": 2, "unread": 0}
    assert call("rep", "GET", "/api/v1/notifications").get_json()["unread"] == 0
    assert call("manager", "GET", "/api/v1/notifications").get_json()["unread"] == 1


OPENED = {
    # what a nudge is about: (who opens it, its page, its subject)
    "a shared note": ("rep", "/notes/{s[shared].id}", "coaching_session:{s[shared].id}"),
    "a draft": ("manager", "/notes/{s[draft].id}/edit", "coaching_session:{s[draft].id}"),
    "a follow-up": ("rep", "/follow-ups/{f[rep_shared].id}", "follow_up:{f[rep_shared].id}"),
    "a ride-along": ("rep", "/ride-alongs/{ride.id}", "ride_along:{ride.id}"),
    "a coach-the-coach note": (
        "manager",
        "/coach-the-coach/{c[shared].id}",
        "coach_note:{c[shared].id}",
    ),
    "a rep due for coaching": ("manager", "/people/{p[rep2].id}", "user:{p[rep2].id}"),
}


@pytest.mark.parametrize("what", OPENED)
def test_opening_what_a_nudge_is_about_reads_it_however_it_was_reached(
    what: str, app: Flask, db: Session, org: Org
) -> None:
    who, path, subject = OPENED[what]
    ride = PlannedRideAlong(
        manager_id=org.people["manager"].id, rep_id=org.people["rep"].id, day=dt.date.today()
    )
    db.add(ride)
    db.flush()
    names = {
        "s": org.notes, "f": org.follow_ups, "c": org.coach_notes, "p": org.people,
        "ride": ride,
    }  # fmt: skip
    url, about = path.format(**names), subject.format(**names)
    mine = make_notification(db, org.people[who], url=url, subject=about)
    unrelated = make_notification(db, org.people[who], url="/inbox", subject="follow_up:0")
    db.commit()

    assert signed_in(app, org, who).get(url).status_code == 200  # not through the inbox

    db.refresh(mine)
    db.refresh(unrelated)
    assert mine.read_at is not None
    assert unrelated.read_at is None
