"""Calendar months: the first day of a month named in a URL, the months before and after it."""
from __future__ import annotations

import datetime as dt

# Months outside these years are refused: no page of PolicyOps has figures there.
MIN_YEAR, MAX_YEAR = 2000, 2100


def first_of_month(year: int, month: int) -> dt.date:
    """The first day of ``year``-``month``; ValueError for a month that does not exist or is out of range."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"no month {year}-{month}")
    return dt.date(year, month, 1)  # a month outside 1–12: ValueError from dt.date


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)  # December: January of the next year


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before ``day``'s."""
    return dt.date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)  # January: December before
