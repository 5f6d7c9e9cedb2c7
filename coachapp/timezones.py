"""Each user's local calendar: the app stores UTC and shows dates in the user's time zone."""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from coachapp.db import utcnow


@cache
def all_timezones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def is_valid_timezone(name: str) -> bool:
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
