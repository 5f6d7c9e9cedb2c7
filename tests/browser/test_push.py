"""Push on a phone, end to end: turn notifications on, the server pushes through a push
service, the real service worker shows the notification, and opening it lands on its page.

Headless Chromium has no push service to subscribe with, so the test stands in for
PushManager.subscribe: it returns a subscription at the test's own push service, with keys
the test holds. Everything after that is real: the page posts the subscription, the worker
encrypts and sends with VAPID, the push service verifies and decrypts, and the decrypted
message is delivered to the service worker through the DevTools protocol.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlalchemy import select

from coachapp.db import get_session
from coachapp.models import Notification, PushSubscription, User
from coachapp.worker import run_once
from tests.browser.conftest import launched_chromium, sign_in, wait_until
from tests.push_service import PushService

pytestmark = pytest.mark.browser

EMAIL = "rep7@example.com"  # no other browser test signs in as rep7

# Stands in for the browser's push service registration; keeps the subscription across
# reloads like a real one.
FAKE_PUSH_MANAGER = """
(() => {
  if (!self.PushManager) { return; }
  const subscription = %s;
  const make = () => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    toJSON: () => subscription,
    unsubscribe: async () => { localStorage.removeItem("fakePush"); return true; },
  });
  PushManager.prototype.subscribe = async function () {
    localStorage.setItem("fakePush", "1");
    return make();
  };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem("fakePush") ? make() : null;
  };
})();
"""

LISTEN_TO_WORKER = """
window.__fromWorker = [];
navigator.serviceWorker.addEventListener(
  "message", (event) => window.__fromWorker.push(event.data)
);
"""


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """The full Chromium: its headless shell, which the other browser tests use, answers
    "denied" for notifications whatever permission the context grants."""
    yield from launched_chromium(playwright, "chromium")


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return int(get_session().scalars(select(User.id).where(User.email == email)).one())


def wait_for_worker_control(page: Page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")


def test_push_reaches_the_service_worker_and_opens_its_page(
    live_app: Flask, live_server: str, signed_in_phone: Callable[..., Page]
) -> None:
    with PushService() as service:
        subscription = service.subscription("rep7-phone")
        page = signed_in_phone(EMAIL)
        context = page.context
        context.grant_permissions(["notifications"], origin=live_server)
        context.add_init_script(FAKE_PUSH_MANAGER % json.dumps(subscription))

        registrations: dict[str, str] = {}
        registered = threading.Event()
        cdp = context.new_cdp_session(page)

        def on_registrations(event: dict[str, Any]) -> None:
            for registration in event["registrations"]:
                if not registration.get("isDeleted"):
                    registrations[registration["scopeURL"]] = registration["registrationId"]
                    registered.set()

        cdp.on("ServiceWorker.workerRegistrationUpdated", on_registrations)
        cdp.send("ServiceWorker.enable")

        # Turn notifications on, as a user would.
        page.goto("/me/notifications")
        wait_for_worker_control(page)
        status = page.get_by_role("status")
        expect(status).to_contain_text("Notifications are off for this device")
        page.get_by_role("button", name="Turn on notifications").click()
        expect(page.get_by_role("status")).to_contain_text("Notifications are on for this device")
        expect(
            page.get_by_role("button", name="Turn off notifications on this device")
        ).to_be_visible()
        expect(page.locator("summary", has_text=re.compile(r"^Remove "))).to_have_count(1)
        with live_app.app_context():
            devices = (
                get_session()
                .scalars(
                    select(PushSubscription).where(
                        PushSubscription.user_id == user_id(live_app, EMAIL)
                    )
                )
                .all()
            )
            assert [d.endpoint for d in devices] == [subscription["endpoint"]]

        # The server pushes a test notification through the push service.
        page.get_by_role("button", name="Send a test notification").click()
        expect(page.get_by_text("Test notification sent")).to_be_visible()
        report = run_once(live_app, {"push"})
        assert report.ok, report.summary()
        assert service.problems == []
        # Other tests on this live server may have left nudges waiting for rep7 (a note
        # shared to them): the round pushes those too. This test follows its own.
        arrived = [
            r
            for r in service.answered("rep7-phone")
            if r.payload and r.payload["title"] == "Test notification from Coachapp"
        ]
        assert len(arrived) == 1
        payload = arrived[0].payload
        assert payload is not None
        assert payload["url"] == "/me/notifications"
        assert set(payload) == {"id", "kind", "title", "url", "tag"}  # nothing confidential

        # The service worker gets the push and shows it.
        page.goto("/inbox")
        wait_until(page, "navigator.serviceWorker.controller !== null")
        page.evaluate(LISTEN_TO_WORKER)
        assert registered.wait(10), "no service worker registration reported"
        registration_id = registrations.get(live_server + "/") or next(iter(registrations.values()))
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live_server, "registrationId": registration_id, "data": json.dumps(payload)},
        )
        wait_until(page, "window.__fromWorker.some((m) => m.type === 'push-shown')")
        shown = page.evaluate(
            """navigator.serviceWorker.ready
              .then((registration) => registration.getNotifications())
              .then((items) => items.map((n) => ({title: n.title, tag: n.tag, data: n.data})))"""
        )
        assert len(shown) == 1
        assert shown[0]["title"] == "Test notification from Coachapp"
        assert shown[0]["tag"] == payload["tag"]
        assert shown[0]["data"]["url"] == live_server + "/me/notifications"

        # Opening it (the click handler's path) lands on its page and marks it read.
        page.evaluate(
            "(message) => navigator.serviceWorker.controller.postMessage(message)",
            {"type": "open-target", "url": payload["url"], "id": payload["id"]},
        )
        page.wait_for_url(live_server + "/me/notifications")
        with live_app.app_context():
            opened = get_session().get(Notification, payload["id"])
            assert opened is not None and opened.read_at is not None

        # Turning it off removes the device on the server.
        page.get_by_role("button", name="Turn off notifications on this device").click()
        expect(page.get_by_role("status")).to_contain_text("Notifications are off for this device")
        # The status line can read "off" before the click's DELETE has reached the server (a
        # loaded fresh-clone run saw the device still there): wait up to 10 s for the server.
        deadline = time.monotonic() + 10
        while (devices := devices_of(live_app, EMAIL)) and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert devices == []
        cdp.detach()


def devices_of(app: Flask, email: str) -> list[PushSubscription]:
    with app.app_context():
        return list(
            get_session()
            .scalars(
                select(PushSubscription).where(PushSubscription.user_id == user_id(app, email))
            )
            .all()
        )


# A browser's push registration as a real push service keeps it: the same subscription
# until it is unsubscribed, a new endpoint at the next subscribe.
FAKE_PUSH_SERVICE_REGISTRATION = """
(() => {
  if (!self.PushManager) { return; }
  const subscriptions = %s;
  const current = () => Number(localStorage.getItem("fakePushIndex") || "-1");
  const make = (subscription) => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    toJSON: () => subscription,
    unsubscribe: async () => { localStorage.setItem("fakePushOff", "1"); return true; },
  });
  PushManager.prototype.subscribe = async function () {
    let index = current();
    if (index < 0 || localStorage.getItem("fakePushOff")) { index += 1; }
    localStorage.setItem("fakePushIndex", String(index));
    localStorage.removeItem("fakePushOff");
    return make(subscriptions[index]);
  };
  PushManager.prototype.getSubscription = async function () {
    const index = current();
    return index < 0 || localStorage.getItem("fakePushOff") ? null : make(subscriptions[index]);
  };
})();
"""


def endpoints_of(app: Flask, email: str) -> list[str]:
    with app.app_context():
        return list(
            get_session().scalars(
                select(PushSubscription.endpoint).where(
                    PushSubscription.user_id == user_id(app, email)
                )
            )
        )


def test_a_shared_browser_keeps_the_first_persons_notifications_until_turned_off(
    live_app: Flask,
    signed_in_phone: Callable[..., Page],
    page_problems: Any,
    live_server: str,
) -> None:
    """rep15 turns notifications on, their session ends; rep16 signs in on the same phone. The
    browser's subscription is rep15's, so the page says so rather than claiming it for
    rep16 (409); rep16 turns them off and on again and gets a subscription of their own."""
    first, second = "rep15@example.com", "rep16@example.com"  # in no other browser test
    page_problems.expect(r"status of 409")  # the page's own refresh, refused
    page_problems.expect(r"status of 404")  # turning off what is not rep16's to remove
    with PushService() as service:
        registrations = [service.subscription("shared-1"), service.subscription("shared-2")]
        page = signed_in_phone(first)
        page.context.grant_permissions(["notifications"], origin=live_server)
        page.context.add_init_script(FAKE_PUSH_SERVICE_REGISTRATION % json.dumps(registrations))
        page.goto("/me/notifications")
        wait_for_worker_control(page)
        page.get_by_role("button", name="Turn on notifications").click()
        expect(page.get_by_role("status")).to_contain_text("Notifications are on for this device")
        assert endpoints_of(live_app, first) == [registrations[0]["endpoint"]]

        # rep15's session ends without a sign-out (which would clear the browser's storage,
        # its service worker and with it the subscription); rep16 signs in on the phone. Away
        # from the settings page first, whose own refresh would otherwise answer after the
        # cookies are gone with rep15's session cookie again.
        page.goto("/me")
        page.wait_for_load_state("networkidle")
        page.context.clear_cookies()
        sign_in(page, second)
        page.goto("/me/notifications")
        expect(page.get_by_role("status")).to_contain_text("another account")
        assert endpoints_of(live_app, first) == [registrations[0]["endpoint"]]
        assert endpoints_of(live_app, second) == []

        page.get_by_role("button", name="Turn off notifications on this device").click()
        expect(page.get_by_role("status")).to_contain_text("Notifications are off for this device")
        page.get_by_role("button", name="Turn on notifications").click()
        expect(page.get_by_role("status")).to_contain_text("Notifications are on for this device")
        assert endpoints_of(live_app, second) == [registrations[1]["endpoint"]]
        # rep15's stays until the push service reports it gone, at rep15's next push.
        assert endpoints_of(live_app, first) == [registrations[0]["endpoint"]]
