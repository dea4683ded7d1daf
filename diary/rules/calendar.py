"""Calendar arithmetic for month views: a day's cell, month starts, the month after."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DayCell:
    day: date
    status: str
    undelivered: bool = False


def next_month(month: date) -> date:
    """The first day of the month after the given one."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_starts(first: date, last: date) -> list[date]:
    """The first day of each month from the month of `first` to the month of `last`."""
    out, current = [], first.replace(day=1)
    while current <= last:
        out.append(current)
        current = next_month(current)
    return out
