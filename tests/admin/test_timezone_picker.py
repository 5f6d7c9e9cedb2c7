"""Choosing a time zone on a phone: a list grouped by region with the organisation's own and the
usual zones first, labelled for people and saved by IANA name, and a search box that works
before any script (the browser's suggestions; the server reads what was typed)."""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy.orm import Session

from coachapp.models import User
from coachapp.timezones import USUAL_ZONES, searched_zone, zone_picker
from tests.builders import Org
from tests.conftest import HttpsClient

WINTER = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC)


class TimezoneSelect(HTMLParser):
    """The groups of <select id="timezone"> as (title, [(value, label, selected)])."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[tuple[str, list[tuple[str, str, bool]]]] = []
        self._inside = False
        self._option: tuple[str, bool] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "select" and found.get("id") == "timezone":
            self._inside = True
        elif self._inside and tag == "optgroup":
            self.groups.append((found.get("label") or "", []))
        elif self._inside and tag == "option":
            self._option = (found.get("value") or "", "selected" in found)

    def handle_data(self, data: str) -> None:
        if self._option is not None and data.strip():
            value, selected = self._option
            self.groups[-1][1].append((value, data.strip(), selected))
            self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._inside = False


def picker_of(page: str) -> TimezoneSelect:
    parser = TimezoneSelect()
    parser.feed(page)
    return parser


def picker_field(page: str) -> str:
    """The markup of the picker's field, where its error belongs."""
    start = page.index("data-timezone-picker")
    return page[start : page.index("</select>", start) + 200]


def user_form(person: User) -> dict[str, str]:
    return {
        "name": person.name,
        "role": person.role.value,
        "function": person.function.value,
        "manager_id": str(person.manager_id or ""),
        "timezone": person.timezone,
        "region": person.region or "",
    }


def test_the_picker_lists_common_zones_first_then_every_region(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    org.people["rep2"].timezone = "Asia/Tokyo"  # someone of the organisation far away
    db.commit()
    login_as("admin")
    rep = org.people["rep"]
    page = client.get(f"/admin/users/{rep.id}").get_data(as_text=True)
    groups = picker_of(page).groups

    titles = [title for title, _ in groups]
    assert titles[0] == "Common"
    assert titles[1:] == [
        "Africa",
        "Americas",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian Ocean",
        "Pacific",
    ]
    common = {value: label for value, label, _ in groups[0][1]}
    assert set(USUAL_ZONES) <= set(common)
    assert "Asia/Tokyo" in common  # the organisation's own
    assert len(common) < 25  # a short list to start from, not 590 names
    # People read places with their offset; the form sends the IANA name.
    assert re.fullmatch(r"London, Britain \(UK\) \(UTC\+0[01]:00\)", common["Europe/London"])
    assert re.fullmatch(r"Chicago, United States \(UTC-0[56]:00\)", common["America/Chicago"])
    europe = {value: label for value, label, _ in groups[titles.index("Europe")][1]}
    assert europe["Europe/Berlin"].startswith("Berlin, Germany (UTC+")
    # Each region by place; no raw link names twice over ("Asia/Calcutta" and "Asia/Kolkata").
    asia = [value for value, _, _ in groups[titles.index("Asia")][1]]
    assert "Asia/Kolkata" in asia and "Asia/Calcutta" not in asia
    # The person's zone is the one chosen, once.
    chosen = [value for _, zones in groups for value, _, selected in zones if selected]
    assert chosen == [rep.timezone]
    # The search box before any script: the browser's suggestions, every zone once.
    suggestions = re.findall(r'<option value="([^"]+)" label="[^"]+"></option>', page)
    assert "Europe/London" in suggestions and len(suggestions) == len(set(suggestions)) > 300
    assert 'list="timezone-list"' in page and 'name="timezone_search"' in page


def test_labels_follow_daylight_saving_time() -> None:
    winter = {z.name: z.label for g in zone_picker([], now=WINTER).groups for z in g.zones}
    summer = {z.name: z.label for g in zone_picker([], now=SUMMER).groups for z in g.zones}
    assert winter["Europe/London"] == "London, Britain (UK) (UTC+00:00)"
    assert summer["Europe/London"] == "London, Britain (UK) (UTC+01:00)"
    assert winter["America/Denver"] == "Denver, United States (UTC-07:00)"
    assert winter["Asia/Kolkata"] == "Kolkata, India (UTC+05:30)"
    assert winter["America/Indiana/Vincennes"] == "Vincennes, Indiana, United States (UTC-05:00)"
    assert winter["UTC"] == "UTC (UTC+00:00)"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("london", "Europe/London"),
        ("Europe / London", "Europe/London"),
        ("america/new_york", "America/New_York"),
        ("New York", "America/New_York"),
        ("Vincennes, Indiana", "America/Indiana/Vincennes"),
        ("Kolkata, India", "Asia/Kolkata"),
    ],
)
def test_a_zone_is_found_by_what_people_type(typed: str, zone: str) -> None:
    assert searched_zone(typed) == zone


@pytest.mark.parametrize("typed", ["Lon", "Atlantis", "", "x" * 200, "../../etc/passwd"])
def test_text_naming_no_single_zone_finds_none(typed: str) -> None:
    assert searched_zone(typed) is None


def test_a_zone_searched_without_script_is_saved(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    rep = org.people["rep"]
    form = {**user_form(rep), "timezone_search": "berlin"}
    response = client.post_form(f"/admin/users/{rep.id}", form)
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, rep.id).timezone == "Europe/Berlin"  # type: ignore[union-attr]


def test_an_unknown_zone_is_refused_at_the_field_keeping_what_was_typed(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    rep = org.people["rep"]
    before = rep.timezone
    form = {**user_form(rep), "name": "Riley Typed", "timezone_search": "Atlantis"}
    response = client.post_form(f"/admin/users/{rep.id}", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = html.unescape(picker_field(page))
    assert "“Atlantis” is not a time zone here" in field
    assert 'id="timezone-error"' in field and 'aria-invalid="true"' in field
    assert 'value="Atlantis"' in field  # the search as typed
    assert 'value="Riley Typed"' in page
    chosen = [v for _, zones in picker_of(page).groups for v, _, selected in zones if selected]
    assert chosen == [before]  # the list still shows the zone chosen before
    db.expire_all()
    assert db.get(User, rep.id).timezone == before  # type: ignore[union-attr]

    # A zone name sent by hand (no list choice) is refused the same way.
    forged = client.post_form(f"/admin/users/{rep.id}", {**user_form(rep), "timezone": "Mars/X"})
    assert forged.status_code == 422
    assert "“Mars/X” is not a time zone here" in html.unescape(
        picker_field(forged.get_data(as_text=True))
    )


def test_a_new_person_gets_the_picker_and_its_message_too(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    login_as("admin")
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert picker_of(page).groups[0][0] == "Common"
    response = client.post_form(
        "/admin/users/new",
        {
            "email": "new.person@example.com",
            "name": "New Person",
            "role": "director",
            "function": "sales",
            "timezone": "UTC",
            "timezone_search": "Nowhere Town",
            "password": "a long enough password",
        },
    )
    assert response.status_code == 422
    field = html.unescape(picker_field(response.get_data(as_text=True)))
    assert "“Nowhere Town” is not a time zone here" in field


def test_me_uses_the_same_picker(login_as: Any, org: Org, db: Session, client: HttpsClient) -> None:
    login_as("rep")
    page = client.get("/me").get_data(as_text=True)
    groups = picker_of(page).groups
    assert groups[0][0] == "Common" and len(groups) == 11
    saved = client.post_form(
        "/me/profile", {"name": "Riley Rep", "timezone": "UTC", "timezone_search": "Denver"}
    )
    assert saved.status_code == 302
    db.expire_all()
    assert db.get(User, org.people["rep"].id).timezone == "America/Denver"  # type: ignore[union-attr]
    refused = client.post_form(
        "/me/profile", {"name": "Riley Rep", "timezone": "UTC", "timezone_search": "Gotham"}
    )
    assert refused.status_code == 422
    field = html.unescape(picker_field(refused.get_data(as_text=True)))
    assert "“Gotham” is not a time zone here" in field and 'value="Gotham"' in field
