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
# Set in a thread whose open transaction changes the calendar (see ``changing``).
_local = threading.local()


def clear_cache() -> None:
    """Forget the cached calendar (and this thread's pending change, see ``changing``)."""
    _local.changing = False
    _local.snapshot = None
    _local.snapshot_block = None
    with _lock:
        _cache["loaded_at"] = None


def changing() -> None:
    """The calendar is being changed inside this thread's open transaction.

    Until that transaction ends, this thread reads the overrides from the database (its
    own uncommitted rows) into a cache of its own, never the process's: were the
    transaction rolled back, no rolled-back date would stay in the shared cache. Called by
    the services' calendar hook after every write (which also drops the thread's copy).
    """
    clear_cache()
    _local.changing = True  # after clear_cache, which resets it


def overrides_changed(dates) -> None:
    """The one hook after any write of calendar overrides: call it inside that transaction.

    Clears the calendar cache (until the transaction ends, this thread reads the overrides
    around the cache, so a rollback leaves nothing stale behind) and sends
    ``calendar_changed`` with the changed dates, so every app that stores deadlines computed
    from the calendar recomputes its open ones, in the same transaction.
    """
    from django.db import transaction

    dates = frozenset(d for d in dates if d)
    if not dates:
        return
    changing()
    calendar_changed.send(sender="policyops.CalendarOverride", dates=dates)
    # Other threads of this process may have cached the old calendar meanwhile.
    transaction.on_commit(clear_cache)


def _atomic_blocks() -> list:
    from django.db import connection

    return connection.atomic_blocks if connection.in_atomic_block else []


def _query():
    from policyops.models import CalendarOverride, OfficialCalendarYear

    overrides = dict(CalendarOverride.objects.values_list("date", "is_working_day"))
    official_years = frozenset(OfficialCalendarYear.objects.values_list("year", flat=True))
    return overrides, official_years


def _load():
    if getattr(_local, "changing", False):
        blocks = _atomic_blocks()
        if blocks:
            # The thread's own copy holds while the atomic block it was read in is open; once
            # that block has ended (released, or rolled back with the change) it is read again.
            if _local.snapshot is None or not any(b is _local.snapshot_block for b in blocks):
                _local.snapshot, _local.snapshot_block = _query(), blocks[-1]
            return _local.snapshot
        clear_cache()  # the change was committed or rolled back: cache again
    with _lock:
        loaded_at = _cache["loaded_at"]
        if loaded_at is not None and time.monotonic() - loaded_at < _CACHE_SECONDS:
            return _cache["overrides"], _cache["official_years"]
    overrides, official_years = _query()
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
