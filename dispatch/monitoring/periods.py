"""Days, ISO weeks and months: the buckets a date range is cut into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from enum import StrEnum


class Period(StrEnum):
    """How figures are grouped in time."""

    DAY = "day"
    WEEK = "week"  # ISO week, Monday to Sunday
    MONTH = "month"


@dataclass(frozen=True)
class Bucket:
    """One period: ``start`` inclusive, ``end`` exclusive, clipped to the asked range."""

    label: str
    start: date
    end: date

    def holds(self, day: date) -> bool:
        """Whether ``day`` lies in this bucket."""
        return self.start <= day < self.end


def _next_start(period: Period, day: date) -> date:
    if period == Period.DAY:
        return day + timedelta(days=1)
    if period == Period.WEEK:
        return day + timedelta(days=7 - day.weekday())
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _label(period: Period, day: date) -> str:
    if period == Period.DAY:
        return day.isoformat()
    if period == Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def buckets(period: Period, start: date, end: date) -> list[Bucket]:
    """The buckets covering ``[start, end)`` exactly (the first and last may be partial)."""
    out = []
    day = start
    while day < end:
        nxt = min(_next_start(period, day), end)
        out.append(Bucket(_label(period, day), day, nxt))
        day = nxt
    return out


def month_range(year: int, month: int) -> tuple[date, date]:
    """First day of the month and first day of the next."""
    first = date(year, month, 1)
    return first, _next_start(Period.MONTH, first)
