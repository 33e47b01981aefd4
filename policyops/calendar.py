"""The Chinese working-day calendar that every legal clock is counted in.

Art. 82 of the Administrative Licensing Law counts limits in working days excluding
statutory holidays; in China that needs the official calendar *with* adjusted working
days (调休). Sources, strongest first:

1. ``CalendarOverride`` rows (admin-editable; the imported official notice);
2. the chinesecalendar package, for the years it knows;
3. Monday to Friday, for years it does not know (a supervisor is warned in the admin).

Convention (DOMAIN.md §1): the day of the triggering event is not counted; the deadline
is the Nth working day after it.
"""
from __future__ import annotations

import datetime as dt
import threading
import time

import chinese_calendar
from django.dispatch import Signal

# Sent after the calendar changed, with ``dates`` (the changed dates). Apps that store
# deadlines computed from the calendar recompute their open ones in a receiver.
calendar_changed = Signal()

# Overrides are cached per process for a short time: every deadline computation would
# otherwise cost a query. Changes made in this process clear the cache at once.
_CACHE_SECONDS = 60.0
_lock = threading.Lock()
_cache: dict = {"loaded_at": None, "overrides": {}, "official_years": frozenset()}


def clear_cache() -> None:
    with _lock:
        _cache["loaded_at"] = None


def _load():
    from policyops.models import CalendarOverride, OfficialCalendarYear

    with _lock:
        loaded_at = _cache["loaded_at"]
        if loaded_at is not None and time.monotonic() - loaded_at < _CACHE_SECONDS:
            return _cache["overrides"], _cache["official_years"]
    overrides = dict(CalendarOverride.objects.values_list("date", "is_working_day"))
    official_years = frozenset(OfficialCalendarYear.objects.values_list("year", flat=True))
    with _lock:
        _cache.update(loaded_at=time.monotonic(), overrides=overrides, official_years=official_years)
    return overrides, official_years


def package_knows_year(year: int) -> bool:
    """Whether chinesecalendar carries the official calendar of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 30))
    except NotImplementedError:
        return False
    return True


def has_official_calendar(year: int) -> bool:
    """Whether ``year``'s working days come from an official source, not the weekday fallback."""
    return package_knows_year(year) or year in _load()[1]


def is_working_day(day: dt.date) -> bool:
    overrides, _official = _load()
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the package's data: Monday to Friday plus the overrides above.
        return day.weekday() < 5


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The Nth working day after ``start`` (``start`` itself is not counted)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def years_missing_official_calendar(years) -> list[int]:
    """Of ``years``, those that fall back to weekdays because no official calendar is known."""
    return sorted(y for y in set(years) if not has_official_calendar(y))
