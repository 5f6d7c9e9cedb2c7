"""Each user's local calendar: the app stores UTC and shows dates in the user's time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, ZoneInfoNotFoundError, available_timezones

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from coachapp.db import utcnow
from coachapp.models import User


@cache
def all_timezones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def is_valid_timezone(name: str) -> bool:
    if not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name) if is_valid_timezone(name) else ZoneInfo("UTC")


def local_today(timezone_name: str, now: dt.datetime | None = None) -> dt.date:
    return (now or utcnow()).astimezone(zone(timezone_name)).date()


def local_time(value: dt.datetime, timezone_name: str) -> dt.datetime:
    return value.astimezone(zone(timezone_name))


# The time-zone picker -----------------------------------------------------------------------

# The zones a field organisation here usually works in, offered first with those of its people.
USUAL_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Toronto",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Zurich",
    "UTC",
)
REGION_TITLES = {
    "Africa": "Africa",
    "America": "Americas",
    "Antarctica": "Antarctica",
    "Arctic": "Arctic",
    "Asia": "Asia",
    "Atlantic": "Atlantic",
    "Australia": "Australia",
    "Europe": "Europe",
    "Indian": "Indian Ocean",
    "Pacific": "Pacific",
}
UNKNOWN_ZONE = "“{typed}” is not a time zone here: choose one from the list, e.g. Europe/London."


@dataclass(frozen=True)
class ZoneChoice:
    """One zone of the picker: the IANA name is the value, the label is what people read."""

    name: str
    place: str  # "Berlin, Germany"
    offset: dt.timedelta

    @property
    def label(self) -> str:
        return f"{self.place} ({utc_offset(self.offset)})"


@dataclass(frozen=True)
class ZoneGroup:
    title: str
    zones: tuple[ZoneChoice, ...]


@dataclass(frozen=True)
class ZonePicker:
    """What the picker lists: its groups, "Common" first, and every zone once (to search)."""

    groups: tuple[ZoneGroup, ...]

    @property
    def zones(self) -> list[ZoneChoice]:
        unique = {zone.name: zone for group in self.groups for zone in group.zones}
        return sorted(unique.values(), key=lambda z: z.place.casefold())


def utc_offset(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _tab_lines(filename: str) -> list[list[str]]:
    """The rows of one of the time-zone database's tables, wherever the database is."""
    for root in TZPATH:
        path = Path(root) / filename
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            return [line.split("\t") for line in text.splitlines() if line and line[0] != "#"]
    return []


@cache
def _places() -> dict[str, str]:
    """Each zone of a region, named for people: its city and, from the database's table of
    countries, where it is ("Vincennes, Indiana, United States")."""
    countries = {row[0]: row[1] for row in _tab_lines("iso3166.tab") if len(row) > 1}
    country_of = {row[2]: row[0] for row in _tab_lines("zone.tab") if len(row) > 2}
    names = sorted(country_of) or [  # without the table: every Region/City name there is
        name for name in all_timezones() if name.split("/", 1)[0] in REGION_TITLES
    ]
    places = {}
    for name in names:
        if name.split("/", 1)[0] not in REGION_TITLES or not is_valid_timezone(name):
            continue
        parts = [part.replace("_", " ") for part in name.split("/")[1:]]
        country = countries.get(country_of.get(name, ""), "")
        where = [*reversed(parts), country] if country else list(reversed(parts))
        places[name] = ", ".join(dict.fromkeys(p for p in where if p))
    return places


def _choice(name: str, now: dt.datetime) -> ZoneChoice:
    place = _places().get(name) or ("UTC" if name == "UTC" else name.replace("_", " "))
    return ZoneChoice(name, place, now.astimezone(ZoneInfo(name)).utcoffset() or dt.timedelta())


def zone_picker(
    in_use: Iterable[str], current: str = "", now: dt.datetime | None = None
) -> ZonePicker:
    """The picker's groups: "Common" first (the zones the organisation's people use, the usual
    ones, and the one chosen now), west to east; then every zone by region, by place."""
    now = now or utcnow()
    common = {n for n in (*USUAL_ZONES, *in_use, current) if n and is_valid_timezone(n)}
    groups = [
        ZoneGroup(
            "Common",
            tuple(sorted((_choice(n, now) for n in common), key=lambda z: (z.offset, z.place))),
        )
    ]
    return ZonePicker((*groups, *_region_groups(_quarter_hour(now))))


def _quarter_hour(now: dt.datetime) -> dt.datetime:
    """The quarter of an hour `now` is in: offsets change only at such moments (transitions
    fall on whole, half or quarter hours), so the regions' labels hold for all of it."""
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


@lru_cache(maxsize=2)
def _region_groups(at: dt.datetime) -> tuple[ZoneGroup, ...]:
    """Every zone by region, by place, with its offset at `at`: some 430 zones, worked out
    once a quarter of an hour rather than for every page that shows the picker."""
    by_region: dict[str, list[ZoneChoice]] = {}
    for name in _places():
        by_region.setdefault(name.split("/", 1)[0], []).append(_choice(name, at))
    return tuple(
        ZoneGroup(title, tuple(sorted(by_region[region], key=lambda z: z.place.casefold())))
        for region, title in REGION_TITLES.items()
        if by_region.get(region)
    )


def canonical_name(typed: str) -> str | None:
    """The zone a name typed in any case names ("europe/london" is Europe/London)."""
    return _canonical_names().get(typed.strip().lower()) if len(typed) <= 64 else None


@cache
def _canonical_names() -> dict[str, str]:
    return {name.lower(): name for name in all_timezones()}


def searched_zone(typed: str) -> str | None:
    """The zone typed into the picker's search: its name in any case, its label as listed,
    or a place named exactly ("london", "Vincennes, Indiana"); None when none or several."""
    typed = " ".join(typed.split())
    if not typed or len(typed) > 120:
        return None
    found = canonical_name(typed.replace(" / ", "/").replace(" ", "_"))
    if found:
        return found
    wanted = typed.casefold()
    matches = {
        name
        for name, place in _places().items()
        if wanted in {place.casefold(), place.split(",")[0].casefold()}
        or wanted == _choice(name, utcnow()).label.casefold()
        or ", ".join(place.split(", ")[:2]).casefold() == wanted
    }
    return matches.pop() if len(matches) == 1 else None


def with_searched_zone(form: MultiDict[str, str], field: str = "timezone") -> MultiDict[str, str]:
    """A form's fields with the zone its search box names in place of the list's choice.

    Before JavaScript, the search box is an input of its own (a list the browser filters);
    once the script runs it only filters the list and is not sent. Typed text that names no
    zone is kept as the choice, for the field's check to refuse with it.
    """
    values = MultiDict(form)
    typed = (values.pop(f"{field}_search", "") or "").strip()
    if typed:
        values[field] = searched_zone(typed) or typed
    return values


def check_timezone(value: str) -> None:
    """The check of every time-zone field, form or file: a zone this server knows."""
    if not is_valid_timezone(value):
        raise ValidationError(UNKNOWN_ZONE.format(typed=value[:64]))


def zones_in_use(db: Session) -> list[str]:
    """The zones of the organisation's active people, for the picker's "Common" group."""
    return list(db.scalars(select(User.timezone).where(User.active.is_(True)).distinct()))
