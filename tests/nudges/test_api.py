"""Push subscriptions and the inbox over JSON: the browser's toJSON() in, the caller's own
devices and notifications out, private endpoints refused, errors in the one JSON shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp.auth.service import issue_api_token
from coachapp.models import Notification, PushSubscription
from coachapp.nudges.delivery import PushSettings, send_due
from coachapp.nudges.endpoints import EndpointRefused, check_endpoint
from coachapp.nudges.vapid import generate_vapid_keys
from tests.api.helpers import assert_error_shape
from tests.builders import Org, make_notification
from tests.conftest import HttpsClient
from tests.push_service import PushService

SUBSCRIPTIONS = "/api/v1/push-subscriptions"
NOTIFICATIONS = "/api/v1/notifications"
NOTIFICATION_KEYS = {"id", "kind", "title", "body", "url", "created_at", "read_at"}
PUBLIC_PUSH = "https://93.184.216.34/push/"  # a public address: no DNS needed

Call = Callable[..., TestResponse]


def browser_subscription(name: str = "phone", endpoint: str | None = None) -> dict[str, Any]:
    """What PushSubscription.toJSON() gives, with keys valid on P-256."""
    _private, public = generate_vapid_keys()
    return {
        "endpoint": endpoint or PUBLIC_PUSH + name,
        "expirationTime": None,
        "keys": {"p256dh": public, "auth": "tBHItJI5svbpez7KI4CCXg"},
    }


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    tokens: dict[str, str] = {}

    def request(who: str, method: str, url: str, json: Any = None, **kw: Any) -> TestResponse:
        if who not in tokens:
            with app.app_context():
                tokens[who], _ = issue_api_token(db, org.people[who])
        headers = {"Authorization": f"Bearer {tokens[who]}", **kw.pop("headers", {})}
        return client.open(url, method=method, headers=headers, json=json, **kw)

    return request


def devices_of(db: Session, user_id: int) -> list[PushSubscription]:
    db.expire_all()
    return list(db.scalars(select(PushSubscription).where(PushSubscription.user_id == user_id)))


def test_subscribe_keeps_the_device_once_and_refreshes_it(
    call: Call, db: Session, org: Org
) -> None:
    body = browser_subscription()
    first = call(
        "rep",
        "POST",
        SUBSCRIPTIONS,
        body,
        headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/130.0"},
    )
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.json["endpoint"] == body["endpoint"]
    again = call("rep", "POST", SUBSCRIPTIONS, {**body, "keys": browser_subscription()["keys"]})
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    stored = devices_of(db, org.people["rep"].id)
    assert len(stored) == 1 and stored[0].p256dh != body["keys"]["p256dh"]
    listed = call("rep", "GET", SUBSCRIPTIONS)
    assert [d["id"] for d in listed.json] == [first.json["id"]]
    assert call("rep2", "GET", SUBSCRIPTIONS).json == []


def test_several_devices_per_user(call: Call, db: Session, org: Org) -> None:
    phone, laptop = browser_subscription("phone"), browser_subscription("laptop")
    assert call("rep", "POST", SUBSCRIPTIONS, phone).status_code == 201
    assert call("rep", "POST", SUBSCRIPTIONS, laptop).status_code == 201
    assert {d.endpoint for d in devices_of(db, org.people["rep"].id)} == {
        phone["endpoint"],
        laptop["endpoint"],
    }


def kept(db: Session, endpoint: str) -> tuple[Any, ...]:
    db.expire_all()
    row = db.scalars(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).one()
    return (row.id, row.user_id, row.p256dh, row.auth, row.user_agent, row.created_at)


@pytest.mark.parametrize("who", ["rep2", "manager", "admin"])
def test_posting_someone_elses_endpoint_does_not_take_their_device(
    call: Call, db: Session, org: Org, who: str
) -> None:
    """rep2 (or rep's own manager, or an admin) learnt the endpoint of rep's phone and posts
    it with keys of their own: the pushes would go to them, readable with their keys."""
    phone = browser_subscription("phone")
    assert call("rep", "POST", SUBSCRIPTIONS, phone).status_code == 201
    before = kept(db, phone["endpoint"])
    stolen = {**phone, "keys": browser_subscription()["keys"]}

    response = call(who, "POST", SUBSCRIPTIONS, stolen, headers={"User-Agent": "Attacker/1.0"})

    error = assert_error_shape(response, 409)
    assert error["code"] == "conflict"
    assert "another account" in error["message"]
    assert "endpoint" in error["fields"]
    assert "id" not in response.get_data(as_text=True)  # nothing about rep's device
    assert kept(db, phone["endpoint"]) == before  # still rep's, with rep's keys
    assert devices_of(db, org.people[who].id) == []
    assert call(who, "GET", SUBSCRIPTIONS).json == []
    # Nor can they remove it by naming it.
    assert_error_shape(call(who, "DELETE", SUBSCRIPTIONS, {"endpoint": phone["endpoint"]}), 404)
    assert kept(db, phone["endpoint"]) == before


def test_the_keeper_rotates_keys_and_a_removed_endpoint_is_free_again(
    call: Call, db: Session, org: Org
) -> None:
    laptop = browser_subscription("laptop")
    assert call("rep", "POST", SUBSCRIPTIONS, laptop).status_code == 201
    # rep2 signs in on rep's laptop: its notifications stay rep's until rep turns them off.
    assert_error_shape(call("rep2", "POST", SUBSCRIPTIONS, laptop), 409)
    rotated = {**laptop, "keys": browser_subscription()["keys"]}
    assert call("rep", "POST", SUBSCRIPTIONS, rotated).status_code == 200
    assert [d.p256dh for d in devices_of(db, org.people["rep"].id)] == [rotated["keys"]["p256dh"]]
    # Turning them off and on again gives the browser a new endpoint: rep2's own.
    fresh_endpoint = browser_subscription("laptop-again")
    assert call("rep2", "POST", SUBSCRIPTIONS, fresh_endpoint).status_code == 201
    # Once rep removes the old one, it is no one's, and may be registered again.
    assert call("rep", "DELETE", SUBSCRIPTIONS, {"endpoint": laptop["endpoint"]}).status_code == 204
    assert call("rep2", "POST", SUBSCRIPTIONS, laptop).status_code == 201
    assert {d.endpoint for d in devices_of(db, org.people["rep2"].id)} == {
        laptop["endpoint"],
        fresh_endpoint["endpoint"],
    }


def test_the_keepers_pushes_still_arrive_after_someone_posts_their_endpoint(
    app: Flask, call: Call, db: Session, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: rep2's refused registration leaves rep's phone getting rep's pushes,
    encrypted to the keys rep's phone holds (the push service decrypts them with those)."""
    monkeypatch.setitem(app.config, "PUSH_ALLOW_PRIVATE_ENDPOINTS", True)
    rep = org.people["rep"]
    with PushService() as service:
        phone = service.subscription("rep-phone")
        assert call("rep", "POST", SUBSCRIPTIONS, phone).status_code == 201
        stolen = {**phone, "keys": browser_subscription()["keys"]}
        assert_error_shape(call("rep2", "POST", SUBSCRIPTIONS, stolen), 409)
        notification = make_notification(db, rep)
        db.commit()

        private, _public = generate_vapid_keys()
        settings = PushSettings(private, "mailto:test@example.com", allow_private=True, timeout=5)
        send_due(db, settings)

        arrived = [r for r in service.to("rep-phone") if r.notification_id == notification.id]
        assert [r.status for r in arrived] == [201]
        assert service.problems == []  # decrypted with the keys of rep's phone


def test_unsubscribe_only_ones_own_device(call: Call, db: Session, org: Org) -> None:
    body = browser_subscription()
    call("rep", "POST", SUBSCRIPTIONS, body)
    assert_error_shape(call("rep2", "DELETE", SUBSCRIPTIONS, body), 404)
    assert len(devices_of(db, org.people["rep"].id)) == 1
    assert call("rep", "DELETE", SUBSCRIPTIONS, {"endpoint": body["endpoint"]}).status_code == 204
    assert devices_of(db, org.people["rep"].id) == []
    assert_error_shape(call("rep", "DELETE", SUBSCRIPTIONS, body), 404)


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://93.184.216.34/push/x",  # not https
        "https://127.0.0.1/push/x",
        "https://10.1.2.3/push/x",
        "https://192.168.0.10/push/x",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://[::1]/push/x",
        "https://localhost/push/x",
        "https://push.localhost/x",
        "https://user:secret@93.184.216.34/push/x",
        "file:///etc/passwd",
        "not a url",
    ],
)
def test_private_or_odd_endpoints_are_refused(
    call: Call, db: Session, org: Org, endpoint: str
) -> None:
    response = call("rep", "POST", SUBSCRIPTIONS, browser_subscription(endpoint=endpoint))
    body = assert_error_shape(response, 422)
    assert "endpoint" in body["fields"]
    assert devices_of(db, org.people["rep"].id) == []


def test_private_endpoints_are_allowed_only_when_configured() -> None:
    assert check_endpoint("http://127.0.0.1:8999/push/1", allow_private=True)
    with pytest.raises(EndpointRefused):
        check_endpoint("http://127.0.0.1:8999/push/1", allow_private=False)
    with pytest.raises(EndpointRefused):
        # A name is resolved and every address it gives must be public.
        check_endpoint("https://localhost.:8443/push/1", allow_private=False)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"keys": {"p256dh": "not-a-key", "auth": "tBHItJI5svbpez7KI4CCXg"}}, "keys"),
        ({"keys": {"p256dh": "BAAA", "auth": "tBHItJI5svbpez7KI4CCXg"}}, "keys"),
        ({"keys": {"auth": "tBHItJI5svbpez7KI4CCXg"}}, "keys"),
        ({"keys": None}, "keys"),
        ({"endpoint": ""}, "endpoint"),
        ({"endpoint": "https://93.184.216.34/" + "x" * 1000}, "endpoint"),
        ({"endpoint": 5}, "endpoint"),
    ],
)
def test_malformed_subscriptions_answer_422(
    call: Call, db: Session, org: Org, change: dict[str, Any], field: str
) -> None:
    body = {**browser_subscription(), **change}
    if "keys" in change and change["keys"] and "p256dh" in change["keys"]:
        body["keys"] = change["keys"]
    response = call("rep", "POST", SUBSCRIPTIONS, body)
    assert field in assert_error_shape(response, 422)["fields"]


def test_the_auth_secret_must_be_16_bytes(call: Call) -> None:
    body = browser_subscription()
    body["keys"]["auth"] = "c2hvcnQ"  # "short"
    assert "keys" in assert_error_shape(call("rep", "POST", SUBSCRIPTIONS, body), 422)["fields"]


def test_subscribing_needs_json_and_a_caller(call: Call, client: HttpsClient) -> None:
    assert_error_shape(
        call(
            "rep",
            "POST",
            SUBSCRIPTIONS,
            data="endpoint=x",
            content_type="application/x-www-form-urlencoded",
        ),
        415,
    )
    assert_error_shape(client.post(SUBSCRIPTIONS, json=browser_subscription()), 401)


def test_the_page_subscribes_with_its_cookie_and_csrf_token(
    login_as: Any, db: Session, org: Org
) -> None:
    client = login_as("manager")
    body = browser_subscription()
    refused = client.post(SUBSCRIPTIONS, json=body)
    assert_error_shape(refused, 401)  # no CSRF token: not the page itself
    token = client.csrf_token("/me/notifications")
    accepted = client.post(SUBSCRIPTIONS, json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201
    assert [d.endpoint for d in devices_of(db, org.people["manager"].id)] == [body["endpoint"]]
    key = client.get(SUBSCRIPTIONS + "/key")
    assert key.status_code == 200 and "public_key" in key.json


def test_inbox_lists_the_callers_own_newest_first(call: Call, db: Session, org: Org) -> None:
    rep = org.people["rep"]
    later = make_notification(db, rep, title="A follow-up is due tomorrow", kind="follow_up_due")
    make_notification(db, org.people["rep2"], title="Not rep's")
    scheduled = make_notification(
        db, rep, title="Tomorrow", not_before=dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    )
    db.commit()
    response = call("rep", "GET", NOTIFICATIONS)
    assert response.status_code == 200
    items = response.json["items"]
    assert set(items[0]) == NOTIFICATION_KEYS
    ids = [item["id"] for item in items]
    assert ids[0] == later.id and org.notifications["rep"].id in ids
    assert scheduled.id not in ids
    assert all(item["title"] != "Not rep's" for item in items)
    assert response.json["unread"] == 2


def test_inbox_pages_and_filters_unread(call: Call, db: Session, org: Org) -> None:
    rep = org.people["rep"]
    made = [make_notification(db, rep, title=f"Nudge {n}") for n in range(5)]
    db.commit()
    first = call("rep", "GET", NOTIFICATIONS + "?limit=3").json["items"]
    assert len(first) == 3
    rest = call("rep", "GET", f"{NOTIFICATIONS}?limit=3&before={first[-1]['id']}").json["items"]
    assert {i["id"] for i in first} | {i["id"] for i in rest} >= {m.id for m in made}
    read = call("rep", "POST", f"{NOTIFICATIONS}/{made[0].id}/read")
    assert read.status_code == 200 and read.json["read_at"]
    unread = call("rep", "GET", NOTIFICATIONS + "?unread=true").json
    assert made[0].id not in [i["id"] for i in unread["items"]]
    assert unread["unread"] == 5  # four of these and the org's one
    assert_error_shape(call("rep", "GET", NOTIFICATIONS + "?limit=0"), 422)
    assert_error_shape(call("rep", "GET", NOTIFICATIONS + "?colour=red"), 422)


def test_someone_elses_notification_cannot_be_marked_read(
    call: Call, db: Session, org: Org
) -> None:
    theirs = org.notifications["manager"]
    assert_error_shape(call("rep", "POST", f"{NOTIFICATIONS}/{theirs.id}/read"), 404)
    db.expire_all()
    assert db.get(Notification, theirs.id).read_at is None  # type: ignore[union-attr]
