"""The notification settings page: preferences saved or refused with what was typed kept,
the test notification, devices, the inbox link a push opens, and the service worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import Notification, NotificationPreference, PushSubscription
from coachapp.nudges import subjects
from coachapp.nudges.kinds import MUTABLE_KINDS
from tests.builders import Org, make_notification


def prefs_of(db: Session, user_id: int) -> NotificationPreference | None:
    db.expire_all()
    return db.get(NotificationPreference, user_id)


def test_settings_page_shows_the_defaults(login_as: Any) -> None:
    page = login_as("manager").get("/me/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in (
        "Turn on notifications",
        "Send a test notification",
        "Quiet hours",
        "A follow-up is due tomorrow",
    ):
        assert text in html
    assert html.count('name="push"') == len(MUTABLE_KINDS)
    assert html.count("checked") >= len(MUTABLE_KINDS)  # everything on by default
    assert 'value="10"' in html  # the daily cap
    assert "Home Screen" in html  # how to get notifications on an iPhone
    assert "<script>" not in html


def test_saving_preferences(login_as: Any, db: Session, org: Org) -> None:
    client = login_as("rep")
    response = client.post_form(
        "/me/notifications",
        {
            "push": ["note_shared", "follow_up_due"],
            "quiet_start": "21:30",
            "quiet_end": "07:00",
            "daily_cap": "4",
        },
    )
    assert response.status_code == 302
    saved = prefs_of(db, org.people["rep"].id)
    assert saved is not None
    assert set(saved.muted_kinds) == set(MUTABLE_KINDS) - {"note_shared", "follow_up_due"}
    assert saved.quiet_start == dt.time(21, 30) and saved.quiet_end == dt.time(7, 0)
    assert saved.daily_cap == 4
    html = client.get("/me/notifications").get_data(as_text=True)
    assert 'value="21:30"' in html and 'value="4"' in html


def test_quiet_hours_need_both_times_and_the_cap_a_sane_number(
    login_as: Any, db: Session, org: Org
) -> None:
    client = login_as("rep")
    response = client.post_form(
        "/me/notifications", {"push": "note_shared", "quiet_start": "22:00", "daily_cap": "500"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give both times, or neither" in html
    assert "Choose between 1 and 100 a day." in html
    assert 'value="22:00"' in html and 'value="500"' in html  # nothing typed is lost
    assert prefs_of(db, org.people["rep"].id) is None
    odd = client.post_form(
        "/me/notifications", {"quiet_start": "25:99", "quiet_end": "x", "daily_cap": "ten"}
    )
    assert odd.status_code == 422


def test_test_notification_lands_in_the_inbox(login_as: Any, db: Session, org: Org) -> None:
    client = login_as("manager")
    response = client.post_form("/me/notifications/test")
    assert response.status_code == 302
    found = db.scalars(
        select(Notification).where(
            Notification.recipient_id == org.people["manager"].id, Notification.kind == "test"
        )
    ).all()
    assert len(found) == 1
    assert "Test notification" in client.get("/inbox").get_data(as_text=True)
    # A second test is a new notification, not swallowed as a repeat.
    client.post_form("/me/notifications/test")
    assert len(db.scalars(select(Notification).where(Notification.kind == "test")).all()) == 2


def test_devices_are_listed_and_removed(login_as: Any, db: Session, org: Org) -> None:
    rep = org.people["rep"]
    device = PushSubscription(
        user_id=rep.id, endpoint="https://93.184.216.34/push/a", p256dh="x", auth="y",
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/130.0 Mobile Safari/537.36",
    )  # fmt: skip
    db.add(device)
    db.commit()
    device_id = device.id
    client = login_as("rep")
    assert "Chrome on Android" in client.get("/me/notifications").get_data(as_text=True)
    assert client.post_form(f"/me/notifications/devices/{device_id}/remove").status_code == 302
    db.expire_all()
    assert db.scalars(select(PushSubscription).where(PushSubscription.id == device_id)).all() == []


def test_a_pushed_notification_opens_its_page_which_reads_it(
    login_as: Any, db: Session, org: Org
) -> None:
    note = org.notes["shared"]
    item = make_notification(
        db, org.people["rep"], url=f"/notes/{note.id}", subject=subjects.note(note.id)
    )
    db.commit()
    rep = login_as("rep")
    response = rep.get(f"/inbox/{item.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/notes/{note.id}"
    db.expire_all()
    assert db.get(Notification, item.id).read_at is None  # the link itself changes nothing
    assert rep.get(response.headers["Location"]).status_code == 200
    db.expire_all()
    assert db.get(Notification, item.id).read_at is not None  # type: ignore[union-attr]


def test_an_unsafe_url_in_a_notification_goes_to_the_inbox(
    login_as: Any, db: Session, org: Org
) -> None:
    item = make_notification(db, org.people["rep"], url="https://evil.example/phish")
    db.commit()
    response = login_as("rep").get(f"/inbox/{item.id}")
    assert response.headers["Location"] == "/inbox"


def test_service_worker_is_served_for_the_whole_app(client: Any) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-store" in response.headers["Cache-Control"]  # browsers always get the newest
    script = response.get_data(as_text=True)
    for handler in ('"push"', '"notificationclick"'):
        assert handler in script


def test_the_offline_page_leaves_a_flash_message_for_the_next_page(login_as: Any) -> None:
    # The service worker fetches /offline when it installs, which may fall between a form
    # post and the page it redirects to.
    client = login_as("manager")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Ride-along planned.")]
    assert "Ride-along planned." not in client.get("/offline").get_data(as_text=True)
    assert "Ride-along planned." in client.get("/today").get_data(as_text=True)
