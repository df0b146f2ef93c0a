"""Dates as documents give them: a decade, a year, a month, a day, or a range of those.

A ``FuzzyDate`` keeps its precision so that questions can ask at the precision the document
uses, and so that two dates can be compared honestly: 1998 and 1998-11 do not tie at year
precision only if the question shows months.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


class Precision(IntEnum):
    """Coarse to fine, so ``min`` of two precisions is the coarser one."""

    DECADE = 1
    YEAR = 2
    MONTH = 3
    DAY = 4


# The members as module constants: reading one off its class costs a lookup through the enum's
# metaclass (three times a global's), and date code does it at every step.
_DECADE, _YEAR, _MONTH, _DAY = (Precision.DECADE, Precision.YEAR, Precision.MONTH, Precision.DAY)


_POINT = re.compile(
    r"^(?:(?P<decade>\d{3}0)s|(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?)$"
)


class DateError(ValueError):
    """A date string that is malformed or names a day that does not exist."""


@dataclass(frozen=True, order=False)
class DatePoint:
    year: int
    month: int | None
    day: int | None
    precision: Precision

    @classmethod
    def parse(cls, text: str) -> DatePoint:
        m = _POINT.match(text.strip())
        if not m:
            raise DateError(
                f"'{text}' is not a date; expected YYYY, YYYY-MM, YYYY-MM-DD, a decade "
                "like 1970s, or a range START/END of those"
            )
        if m["decade"]:
            if int(m["decade"]) < 10:
                raise DateError(
                    f"'{text}': the first decade is the 10s (0010s); year 0 does not exist"
                )
            return cls(int(m["decade"]), None, None, Precision.DECADE)
        year = int(m["year"])
        if year < 1:
            raise DateError(f"'{text}': year must be 1 or later")
        if m["month"] is None:
            return cls(year, None, None, Precision.YEAR)
        month = int(m["month"])
        if not 1 <= month <= 12:
            raise DateError(f"'{text}': month {month} does not exist (expected 01 to 12)")
        if m["day"] is None:
            return cls(year, month, None, Precision.MONTH)
        day = int(m["day"])
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise DateError(
                f"'{text}': day {day} does not exist in {MONTH_NAMES[month - 1]} {year} "
                f"(it has {last} days)"
            )
        return cls(year, month, day, Precision.DAY)

    @property
    def start(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def end(self) -> date:
        if self.precision is _DECADE:
            return date(self.year + 9, 12, 31)
        if self.precision is _YEAR:
            return date(self.year, 12, 31)
        if self.precision is _MONTH:
            assert self.month is not None
            return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return self.start

    def truncate(self, precision: Precision) -> DatePoint:
        """The same point shown at a coarser precision (never finer than it is)."""
        p = min(precision, self.precision)
        if p is _DECADE:
            return DatePoint(self.year - self.year % 10, None, None, p)
        if p is _YEAR:
            return DatePoint(self.year, None, None, p)
        if p is _MONTH:
            return DatePoint(self.year, self.month, None, p)
        return self

    def iso(self) -> str:
        if self.precision is _DECADE:
            return f"{self.year:04d}s"
        if self.precision is _YEAR:
            return f"{self.year:04d}"
        if self.precision is _MONTH:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def display(self) -> str:
        if self.precision is _DECADE:
            return f"the {self.year}s"
        if self.precision is _YEAR:
            return str(self.year)
        assert self.month is not None
        if self.precision is _MONTH:
            return f"{MONTH_NAMES[self.month - 1]} {self.year}"
        return f"{MONTH_NAMES[self.month - 1]} {self.day}, {self.year}"


@dataclass(frozen=True)
class FuzzyDate:
    """A point (``1998-11``) or a range (``2001-06-28/2001-07-28``) at a precision."""

    first: DatePoint
    last: DatePoint | None = None

    @classmethod
    def parse(cls, value: str | int | date) -> FuzzyDate:
        if isinstance(value, date):
            value = value.isoformat()
        text = str(value).strip()
        if "/" in text:
            a, _, b = text.partition("/")
            first, last = DatePoint.parse(a), DatePoint.parse(b)
            if first.precision != last.precision:
                raise DateError(f"'{text}': both ends of a range need the same precision")
            if last.start < first.start:
                raise DateError(f"'{text}': the range ends before it starts")
            return cls(first, last)
        return cls(DatePoint.parse(text))

    @property
    def precision(self) -> Precision:
        return self.first.precision

    @property
    def is_range(self) -> bool:
        return self.last is not None

    @property
    def start(self) -> date:
        return self.first.start

    @property
    def end(self) -> date:
        return (self.last or self.first).end

    def sort_key(self) -> tuple[date, date]:
        return (self.start, self.end)

    def truncate(self, precision: Precision) -> FuzzyDate:
        return FuzzyDate(
            self.first.truncate(precision), self.last.truncate(precision) if self.last else None
        )

    def same_at(self, other: FuzzyDate, precision: Precision) -> bool:
        """Whether the two dates look the same when both are shown at ``precision``."""
        return self.truncate(precision).iso() == other.truncate(precision).iso()

    def iso(self) -> str:
        return self.first.iso() if self.last is None else f"{self.first.iso()}/{self.last.iso()}"

    def display(self) -> str:
        # Kept on the date, which is immutable: a bank's facts share their dates, and the
        # generator shows each date in several sentences.
        try:
            return self.__dict__["_display"]  # type: ignore[no-any-return]
        except KeyError:
            shown = self.__dict__["_display"] = self._display()
            return shown

    def _display(self) -> str:
        if self.last is None:
            return self.first.display()
        a, b = self.first, self.last
        if a.precision is _DAY and a.year == b.year:
            assert a.month is not None and b.month is not None
            return (
                f"between {MONTH_NAMES[a.month - 1]} {a.day} and "
                f"{MONTH_NAMES[b.month - 1]} {b.day}, {a.year}"
            )
        if a.precision is _YEAR:
            return f"{a.year}–{b.year}"
        return f"{a.display()} to {b.display()}"

    def __str__(self) -> str:
        return self.iso()
