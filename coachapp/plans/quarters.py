"""Calendar quarters, as the impact figures count them: `2026-Q3` is 1 July to 30 September."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# Earlier years hold no plan, and a quarter before year 1 has no dates.
FIRST_YEAR = 1900
PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")
# The impact view looks back over this many quarters, the chosen one last.
QUARTERS_SHOWN = 4


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1-4

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """`2026-Q3`; ValueError otherwise."""
        found = PATTERN.match(text)
        if found is None or int(found[1]) < FIRST_YEAR:
            raise ValueError(f"not a quarter: {text!r}")
        return cls(int(found[1]), int(found[2]))

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def short(self) -> str:
        """As a chart's axis says it: `Q3 26`."""
        return f"Q{self.number} {self.year % 100:02d}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)

    @property
    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    @property
    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def as_of(self, today: dt.date) -> dt.date:
        """The day this quarter's figures stand at: its last day, or today while it runs."""
        return min(self.end, today)

    def days_until(self, today: dt.date) -> int:
        """Days from the quarter's first day to `as_of(today)`, both counted."""
        return (self.as_of(today) - self.start).days + 1

    def __str__(self) -> str:
        return self.label


def quarters_ending(last: Quarter, count: int = QUARTERS_SHOWN) -> list[Quarter]:
    """`count` quarters, oldest first, the last being `last`."""
    found = [last]
    while len(found) < count:
        found.append(found[-1].previous)
    return found[::-1]
