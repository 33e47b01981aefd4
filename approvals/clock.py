"""The legal clock of a case: a working-day budget plus a ledger of suspensions.

Nothing here stores a date: due dates are always recomputed from the start day, the
budget and the suspensions, so pauses, extensions and calendar corrections all move
them the same way (issue: "not as one stored date").

A suspension (start, end) stops the clock for the working days after ``start`` up to
and including ``end`` (the same convention as the calendar: the event day itself is
not counted). An open suspension (end None) stops it indefinitely.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from policyops.calendar import add_working_days, is_working_day, working_days_between

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Suspension:
    start: dt.date
    end: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return self.start < day and (self.end is None or day <= self.end)


def _suspended(day, suspensions) -> bool:
    return any(s.covers(day) for s in suspensions)


def due_date(start: dt.date, budget: int, suspensions: Iterable[Suspension] = ()) -> dt.date | None:
    """The day the budget of working days runs out; None while an open suspension holds it."""
    suspensions = list(suspensions)
    if budget < 0:
        raise ValueError("budget must not be negative")
    if not suspensions:  # the calendar's ordinal tables: no walk day by day
        return add_working_days(start, budget)
    day, left = start, budget
    while left:
        day += ONE_DAY
        if is_working_day(day) and not _suspended(day, suspensions):
            left -= 1
        # <= would give up a day sooner, on the open pause's own day, with the same None.
        elif any(s.end is None and s.start < day for s in suspensions):  # pragma: no mutate
            return None
    return day


def working_days_used(start: dt.date, as_of: dt.date, suspensions: Iterable[Suspension] = ()) -> int:
    """Working days counted against the budget after ``start`` up to and including ``as_of``."""
    suspensions = list(suspensions)
    if not suspensions:
        return max(working_days_between(start, as_of), 0)
    used, day = 0, start
    while day < as_of:
        day += ONE_DAY
        used += is_working_day(day) and not _suspended(day, suspensions)
    return used


def working_days_paused(as_of: dt.date, suspensions: Iterable[Suspension]) -> int:
    """Working days the suspensions have taken out of the count, up to ``as_of``."""
    total = 0
    for s in suspensions:
        day, end = s.start, min(s.end or as_of, as_of)
        while day < end:
            day += ONE_DAY
            total += is_working_day(day)
    return total
