"""Calendar months: the first day of a month named in a URL, the months before and after it."""
from __future__ import annotations

import datetime as dt

# Months outside these years are refused: no page of PolicyOps has figures there.
MIN_YEAR, MAX_YEAR = 2000, 2100


def first_of_month(year: int, month: int) -> dt.date:
    """The first day of ``year``-``month``; ValueError for a month that does not exist or is out of range."""
    if not (1 <= month <= 12 and MIN_YEAR <= year <= MAX_YEAR):
        raise ValueError(f"no month {year}-{month}")
    return dt.date(year, month, 1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before ``day``'s."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
