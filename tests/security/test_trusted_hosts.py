"""Requests for a host the app does not serve are refused (TRUSTED_HOSTS), so a forged Host
header cannot put its own links into a calendar file."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp import create_app
from coachapp.hosts import trusted_hosts
from coachapp.models import PlannedRideAlong
from tests.builders import Org
from tests.conftest import HttpsClient, settings_for


def planned_ride(db: Session, org: Org) -> PlannedRideAlong:
    ride = PlannedRideAlong(
        manager_id=org.people["manager"].id,
        rep_id=org.people["rep"].id,
        day=dt.date.today() + dt.timedelta(days=2),
    )
    db.add(ride)
    db.commit()
    return ride


def test_a_forged_host_gets_no_calendar_file(db: Session, org: Org, login_as: object) -> None:
    ride = planned_ride(db, org)
    client: HttpsClient = login_as("manager")  # type: ignore[operator]

    forged = client.get(f"/ride-alongs/{ride.id}.ics", headers={"Host": "evil.example"})

    assert forged.status_code == 400
    assert forged.content_type.startswith("text/plain")
    assert b"evil.example" not in forged.get_data()
    # The same request for the app's own host: its link leads to the app.
    own = client.get(f"/ride-alongs/{ride.id}.ics")
    assert own.status_code == 200
    body = own.get_data().decode()
    assert f"https://localhost/people/{org.people['rep'].id}" in body.replace("\r\n ", "")
    assert "evil.example" not in body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/login"),
        ("GET", "/healthz"),
        ("GET", "/api/v1/me"),
        ("POST", "/login"),
        ("POST", "/api/v1/tokens"),
        ("GET", "/static/css/app.css"),
        ("GET", "/no-such-page"),
    ],
)
@pytest.mark.parametrize("host", ["evil.example", "evil.example:443", "localhost.evil.example"])
def test_every_path_refuses_an_untrusted_host(
    client: HttpsClient, method: str, path: str, host: str
) -> None:
    response = client.open(path, method=method, headers={"Host": host})
    assert response.status_code == 400
    assert "TRUSTED_HOSTS" in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:51234"])
def test_the_machines_own_names_are_served_by_default(client: HttpsClient, host: str) -> None:
    # The test client uses localhost; `make run` and the browser tests 127.0.0.1:<port>.
    assert client.get("/login", headers={"Host": host}).status_code == 200


def test_the_setting_names_the_hosts(database_url: str) -> None:
    app: Flask = create_app(
        settings_for(database_url, TRUSTED_HOSTS="coaching.example.com, .coach.example")
    )
    assert app.config["TRUSTED_HOSTS"] == ["coaching.example.com", ".coach.example"]
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "coaching.example.com"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "eu.coach.example"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 400


def test_the_environment_sets_it(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_HOSTS", "192.168.1.20,localhost")
    app = create_app(settings_for(database_url))
    assert app.config["TRUSTED_HOSTS"] == ["192.168.1.20", "localhost"]
    response = app.test_client().get("/healthz", headers={"Host": "192.168.1.20:5000"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("setting", "server_name", "hosts"),
    [
        (None, None, ["localhost", "127.0.0.1"]),
        ("", None, ["localhost", "127.0.0.1"]),
        (None, "coaching.example.com:8443", ["coaching.example.com"]),
        (["A.Example", " b.example "], None, ["a.example", "b.example"]),
        ("a.example,,b.example", "ignored.example", ["a.example", "b.example"]),
    ],
)
def test_how_the_setting_is_read(
    setting: object, server_name: str | None, hosts: list[str]
) -> None:
    assert trusted_hosts(setting, server_name) == hosts  # type: ignore[arg-type]
