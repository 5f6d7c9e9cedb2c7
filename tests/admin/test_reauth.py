"""An admin signed in by "Remember me" confirms their password on the way to a change: the
change then goes ahead as sent, with what they typed or uploaded, and nothing is lost or
changed by a GET on the way."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import BrowserSession, User
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
ROW_EMAILS = re.compile(r'<p class="list-meta">([^<·]+@example\.com)')


def remembered(app: Flask, email: str) -> HttpsClient:
    """A browser whose session ended (the phone closed the app) but that kept "Remember me":
    the next request signs it in again without a password, so not freshly."""
    browser: HttpsClient = app.test_client()  # type: ignore[assignment]
    token = browser.csrf_token("/login")
    signed = browser.post(
        "/login",
        data={"email": email, "password": PASSWORD, "remember": "true", "csrf_token": token},
    )
    assert signed.status_code == 302
    browser.delete_cookie("coachapp_session")
    assert browser.get("/admin/import").status_code == 200  # reading needs no password
    return browser


def confirmation_form(page: str) -> list[tuple[str, str]]:
    """The hidden fields of the password form, as the browser would post them back."""
    return [(name, html.unescape(value)) for name, value in HIDDEN.findall(page)]


def confirm(browser: HttpsClient, path: str, page: str, password: str = PASSWORD) -> Any:
    fields = confirmation_form(page)
    data: dict[str, Any] = {}
    for name, value in [*fields, ("confirm_password", password)]:
        data.setdefault(name, []).append(value)
    return browser.post(path, data=data, headers={"Referer": f"https://localhost{path}"})


def test_an_upload_survives_the_password_confirmation_and_lands_on_its_preview(
    app: Flask, org: Org, db: Session
) -> None:
    manager = org.people["manager"].email
    upload = (
        "email,name,role,function,manager email,time zone\n"
        f"ines.new@example.com,Ines New,rep,sales,{manager},Europe/Berlin\n"
        f"jon.new@example.com,Jon New,rep,key_account,{manager},America/Chicago\n"
    ).encode()
    browser = remembered(app, org.people["admin"].email)
    token = browser.csrf_token("/admin/import")
    asked = browser.post(
        "/admin/import/preview",
        data={"csrf_token": token, "file": (io.BytesIO(upload), "people.csv")},
        content_type="multipart/form-data",
        headers={"Referer": "https://localhost/admin/import"},
    )
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Confirm your password" in page and "people.csv" in page
    assert "Preview" not in page  # nothing was previewed without the password

    # A wrong password asks again, keeping the file.
    wrong = confirm(browser, "/admin/import/preview", page, password="not my password")
    assert wrong.status_code == 401
    again = wrong.get_data(as_text=True)
    assert "That is not your password." in again and "people.csv" in again

    confirmed = confirm(browser, "/admin/import/preview", again)
    preview = confirmed.get_data(as_text=True)
    assert confirmed.status_code == 200, preview[:2000]
    assert "nothing is changed until you apply it" in preview
    assert ROW_EMAILS.findall(preview) == ["ines.new@example.com", "jon.new@example.com"]
    # The session is fresh now: applying needs no second confirmation.
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', preview)
    csv_text = re.search(r'name="csv_text" value="([^"]*)"', preview)
    assert fingerprint and csv_text
    applied = browser.post(
        "/admin/import/apply",
        data={
            "csrf_token": browser.csrf_token("/admin/import"),
            "csv_text": html.unescape(csv_text.group(1)),
            "fingerprint": fingerprint.group(1),
        },
    )
    assert applied.status_code == 302
    db.expire_all()
    added = db.scalars(select(User.email).where(User.email.like("%.new@example.com"))).all()
    assert sorted(added) == ["ines.new@example.com", "jon.new@example.com"]


def test_the_cookie_restored_from_remember_me_stops_working_after_the_confirmation(
    app: Flask, org: Org, db: Session
) -> None:
    admin = org.people["admin"]
    browser = remembered(app, admin.email)
    live_before = db.scalars(
        select(BrowserSession.id).where(
            BrowserSession.user_id == admin.id, BrowserSession.ended_at.is_(None)
        )
    ).all()
    asked = browser.post_form(
        f"/admin/users/{org.people['rep'].id}", {"name": "Riley Renamed", "timezone": "UTC"}
    )
    assert "Confirm your password" in asked.get_data(as_text=True)
    confirm(browser, f"/admin/users/{org.people['rep'].id}", asked.get_data(as_text=True))
    db.expire_all()
    live_after = db.scalars(
        select(BrowserSession.id).where(
            BrowserSession.user_id == admin.id, BrowserSession.ended_at.is_(None)
        )
    ).all()
    assert len(live_after) == len(live_before)
    assert not set(live_before) & set(live_after)


def test_what_was_typed_is_kept_and_the_change_made_once_confirmed(
    app: Flask, org: Org, db: Session
) -> None:
    rep = org.people["rep"]
    browser = remembered(app, org.people["admin"].email)
    form = {
        "name": "Riley Renamed",
        "role": "rep",
        "function": rep.function.value,
        "manager_id": str(rep.manager_id),
        "timezone": "Europe/Berlin",
        "region": "",
    }
    asked = browser.post_form(f"/admin/users/{rep.id}", form)
    page = asked.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, rep.id).name != "Riley Renamed"  # type: ignore[union-attr]
    assert ("name", "Riley Renamed") in confirmation_form(page)

    done = confirm(browser, f"/admin/users/{rep.id}", page)
    assert done.status_code == 302 and done.headers["Location"] == "/admin/users"
    db.expire_all()
    changed = db.get(User, rep.id)
    assert changed is not None and (changed.name, changed.timezone) == (
        "Riley Renamed",
        "Europe/Berlin",
    )


def test_cancel_goes_back_to_the_page_of_the_form_never_to_the_change(app: Flask, org: Org) -> None:
    rep = org.people["rep"]
    browser = remembered(app, org.people["admin"].email)
    asked = browser.post(
        f"/admin/users/{rep.id}/active",
        data={"active": "0", "csrf_token": browser.csrf_token("/admin/users")},
        headers={"Referer": f"https://localhost/admin/users/{rep.id}"},
    )
    page = asked.get_data(as_text=True)
    assert f'href="/admin/users/{rep.id}">Cancel</a>' in page
    wrong = confirm(browser, f"/admin/users/{rep.id}/active", page, password="nope nope nope")
    assert f'href="/admin/users/{rep.id}">Cancel</a>' in wrong.get_data(as_text=True)
    # A page from elsewhere is not a place to go back to.
    elsewhere = browser.post(
        f"/admin/users/{rep.id}/active",
        data={"active": "0", "csrf_token": browser.csrf_token("/admin/users")},
        headers={"Referer": "https://evil.example/admin/users"},
    )
    assert 'href="/">Cancel</a>' in elsewhere.get_data(as_text=True)


def test_a_browser_signed_in_by_remember_me_stays_signed_in(app: Flask, org: Org) -> None:
    browser = remembered(app, org.people["admin"].email)
    for _ in range(3):
        assert browser.get("/admin/users").status_code == 200
