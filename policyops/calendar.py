"""The Chinese working-day calendar that every legal clock is counted in.

Art. 82 of the Administrative Licensing Law counts limits in working days excluding
statutory holidays; in China that needs the official calendar *with* adjusted working
days (调休). Sources, strongest first:

1. ``CalendarOverride`` rows (admin-editable; the imported official notice);
2. the chinesecalendar package, for the years it knows;
3. for years it does not know: Monday to Friday without the statutory holidays of
   ``statutory_holidays`` (computed from the 放假办法); such a year still lacks its
   调休 days until its notice is imported, so its dates are *provisional* (a supervisor
   is warned in the admin, and deadlines in it are marked provisional).

Convention (DOMAIN.md §1): the day of the triggering event is not counted; the deadline
is the Nth working day after it.

Counting (``working_days_between``, ``add_working_days``) does not walk day by day: it
reads per-year tables of working-day ordinals built from the same sources (issue 12: cases
overdue by years made list pages spend seconds in that walk). The tables belong to the
overrides snapshot they were built from, so they change whenever the calendar does.
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import logging
import threading
import time
import uuid
from array import array

import chinese_calendar
from django.dispatch import Signal
from lunar_python import Lunar

# Sent after the calendar changed, with ``dates`` (the changed dates). Apps that store
# deadlines computed from the calendar recompute their open ones in a receiver.
calendar_changed = Signal()
logger = logging.getLogger(__name__)

# Overrides are cached per process: every deadline computation would otherwise cost a query.
# A committed change stores a new version stamp in the shared Django cache (Redis, or files
# on one machine); every process compares its copy's stamp with it once per request or task
# (and at least every _VERSION_CHECK_SECONDS in long ones), so all see a change at once.
# Past _CACHE_SECONDS a copy is read again anyway: a net should the shared cache lose a stamp.
_CACHE_SECONDS = 60.0
_VERSION_CHECK_SECONDS = 1.0
_VERSION_KEY = "policyops:calendar-version"
_lock = threading.Lock()
_cache: dict = {"loaded_at": None, "version": None, "overrides": {}, "official_years": frozenset()}
# Set in a thread whose open transaction changes the calendar (see ``changing``).
_local = threading.local()


def clear_cache() -> None:
    """Forget the cached calendar (and this thread's pending change, see ``changing``)."""
    _local.changing = False
    _local.snapshot = None
    _local.snapshot_block = None
    _local.checked_at = None
    with _lock:
        _cache["loaded_at"] = None


def new_unit_of_work(**_kwargs) -> None:
    """A request or a Celery task starts: its first lookup compares the version stamp again."""
    _local.checked_at = None


_UNKNOWN = object()  # the shared cache did not answer


def _shared_version():
    """The stamp of the last committed change (None if none is stored), or ``_UNKNOWN``."""
    from django.core.cache import cache

    try:
        return cache.get(_VERSION_KEY)
    except Exception:  # the shared cache is down: the copy holds up to _CACHE_SECONDS
        logger.warning("Could not read the calendar's version stamp", exc_info=True)
        return _UNKNOWN


def _committed() -> None:
    """After a calendar change commits: a new stamp for every process, and this one reads at once."""
    from django.core.cache import cache

    clear_cache()
    try:
        cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # committed already: other processes see it within _CACHE_SECONDS
        logger.warning("Could not store the calendar's version stamp", exc_info=True)


def _connect_units_of_work() -> None:
    from celery.signals import task_prerun
    from django.core.signals import request_started

    # weak=False: kept however the module is referenced; a module-level function lives as long
    # (the pragmas: weak=True is equivalent here, and this runs once, at import).
    started, prerun = f"{__name__}.request_started", f"{__name__}.task_prerun"
    request_started.connect(new_unit_of_work, dispatch_uid=started, weak=False)  # pragma: no mutate
    task_prerun.connect(new_unit_of_work, dispatch_uid=prerun, weak=False)  # pragma: no mutate


_connect_units_of_work()


def changing() -> None:
    """The calendar is being changed inside this thread's open transaction.

    Until that transaction ends, this thread reads the overrides from the database (its
    own uncommitted rows) into a cache of its own, never the process's: were the
    transaction rolled back, no rolled-back date would stay in the shared cache. Called by
    the services' calendar hook after every write (which also drops the thread's copy).
    """
    clear_cache()
    _local.changing = True  # after clear_cache, which resets it


def overrides_changed(dates, *, actor=None) -> list[str]:
    """The one hook after any write of calendar overrides: call it inside that transaction.

    Clears the calendar cache (until the transaction ends, this thread reads the overrides
    around the cache, so a rollback leaves nothing stale behind) and sends
    ``calendar_changed`` with the changed dates, so every app that stores deadlines computed
    from the calendar recomputes its open ones, in the same transaction. Returns what the
    receivers say moved (e.g. "审批案件 PD-2027-000001"), for the person who changed it.
    """
    from django.db import transaction

    from policyops import audit
    from policyops.models import CalendarOverride

    dates = frozenset(d for d in dates if d)
    if not dates:
        return []
    # Every calendar change leaves an audit row (which dates), in the same transaction.
    audit.record_event(action="calendar_change", model=CalendarOverride, actor=actor,
                       reason=", ".join(d.isoformat() for d in sorted(dates)))
    changing()
    responses = calendar_changed.send(sender="policyops.CalendarOverride", dates=dates)
    # Other threads and processes may have cached the old calendar meanwhile.
    transaction.on_commit(_committed)
    return [str(item) for _receiver, moved in responses for item in (moved or ())]


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
    now = time.monotonic()
    with _lock:
        loaded_at, version = _cache["loaded_at"], _cache["version"]
        cached = _cache["overrides"], _cache["official_years"]
    # The pragmas: at exactly either interval, reading again or not are both right.
    fresh = loaded_at is not None and now - loaded_at < _CACHE_SECONDS  # pragma: no mutate
    checked_at = getattr(_local, "checked_at", None)
    if fresh and checked_at is not None and now - checked_at < _VERSION_CHECK_SECONDS:  # pragma: no mutate
        return cached
    shared = _shared_version()  # before the query: a change committed in between reloads next time
    _local.checked_at = now
    if fresh and (shared is _UNKNOWN or shared == version):
        return cached
    overrides, official_years = _query()
    with _lock:
        _cache.update(loaded_at=now, version=None if shared is _UNKNOWN else shared,
                      overrides=overrides, official_years=official_years)
    return overrides, official_years


@functools.cache  # the installed package does not change in a process; asked for each row of a list
def package_knows_year(year: int) -> bool:
    """Whether chinesecalendar carries the official calendar of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 30))  # pragma: no mutate (any day of the year asks the same)
    except NotImplementedError:
        return False
    return True


def has_official_calendar(year: int) -> bool:
    """Whether ``year``'s working days come from an official source, not the weekday fallback."""
    return package_knows_year(year) or year in _load()[1]


def _lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    """The day of the solar term 清明 in ``year`` (Beijing time)."""
    # The pragma: any day of the lunar year gives the same table of solar terms.
    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]  # pragma: no mutate
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory holidays (全体公民放假的节日) of ``year``, date → festival.

    Source: 全国年节及纪念日放假办法, Art. 2, as revised by 国务院令第798号 (2024-11-10,
    in force 2025-01-01): 元旦 1 day (1-01); 春节 4 days (除夕 and 正月初一–初三); 清明节
    1 day (the day of the solar term); 劳动节 2 days (5-01, 5-02); 端午节 1 day (五月初五);
    中秋节 1 day (八月十五); 国庆节 3 days (10-01–10-03). Lunar dates and the solar term
    come from lunar-python. The 调休 days that move weekends around them are set each year
    by the State Council's notice and cannot be computed (see ``is_provisional``).
    The 2024 rule is applied to every year: it is only used for years chinesecalendar (which
    has the earlier years' official calendars) does not know.
    """
    spring = _lunar_to_solar(year, 1, 1)  # 正月初一: 1-21…2-20, so 除夕 is in ``year`` too
    rule = [
        ("元旦", [dt.date(year, 1, 1)]),
        ("春节", [spring + dt.timedelta(days=i) for i in (-1, 0, 1, 2)]),  # 除夕 = the day before
        ("清明节", [_qingming(year)]),
        ("劳动节", [dt.date(year, 5, 1), dt.date(year, 5, 2)]),
        ("端午节", [_lunar_to_solar(year, 5, 5)]),
        ("中秋节", [_lunar_to_solar(year, 8, 15)]),
        ("国庆节", [dt.date(year, 10, d) for d in (1, 2, 3)]),
    ]
    days: dict[dt.date, str] = {}
    for name, dates in rule:
        for day in dates:
            # 中秋 can fall within 国庆 (2028-10-03): one day, both names, no extra day.
            days[day] = f"{days[day]}、{name}" if day in days else name
    return dict(sorted(days.items()))


@functools.lru_cache(maxsize=64)
def _statutory_holiday_dates(year: int) -> frozenset[dt.date]:
    return frozenset(statutory_holidays(year))


def is_working_day(day: dt.date) -> bool:
    overrides, _official = _load()
    if day in overrides:
        return overrides[day]
    # The year's table, not the package: chinesecalendar validates each date against every holiday
    # it knows (~70 µs a call), and the clock asks day by day (issue 12).
    return bool(_year_without_overrides(day.year)[day.timetuple().tm_yday - 1])


def _is_working_day_without_overrides(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the package's data: Monday to Friday without the statutory holidays,
        # plus the overrides above (the imported notice's 调休 days).
        return day.weekday() < 5 and day not in _statutory_holiday_dates(day.year)


@functools.lru_cache(maxsize=256)
def _year_without_overrides(year: int) -> bytes:
    """``year``'s days as 1 (working) or 0, before overrides: the package and the fallback never
    change in a process, so only the overrides are applied per snapshot (a package lookup costs
    ~30 µs, which made rebuilding a year after each reload of the overrides cost ~10 ms)."""
    jan1 = dt.date(year, 1, 1)
    days = (jan1.replace(year=year + 1) - jan1).days
    return bytes(_is_working_day_without_overrides(jan1 + dt.timedelta(days=i)) for i in range(days))


def is_provisional(day: dt.date) -> bool:
    """Whether ``day``'s year lacks an official calendar (its 调休 days are not known yet).

    True for a year neither chinesecalendar knows nor imported as an official year: its
    working days are computed from the statutory holidays alone, so a deadline in it may
    move once the State Council's notice is imported.
    """
    return not has_official_calendar(day.year)


class _Ordinals:
    """Working-day ordinals under one overrides snapshot: ord(d) = working days from an epoch to d.

    Only differences of ordinals are used, so the epoch is simply January 1 of the first year
    asked for. Years are built on demand and kept contiguous, so every built year knows the
    ordinal of the day before its January 1 (``before``) and ord(d) is two lookups.
    """

    def __init__(self, overrides: dict):
        self.overrides = overrides  # held, so ``is`` can't match a new dict at a reused address
        self.years: dict[int, tuple[int, int, array]] = {}  # year -> (before, Jan 1 ordinal, cumulative)
        self.by_year: dict[int, list] | None = None  # the overrides by year, made at the first build
        self.lock = threading.Lock()

    def _build(self, year: int) -> tuple[int, array]:
        first = dt.date(year, 1, 1).toordinal()
        days = bytearray(_year_without_overrides(year))
        if self.by_year is None:
            self.by_year = {}
            for day, working in self.overrides.items():
                self.by_year.setdefault(day.year, []).append((day, working))
        for day, working in self.by_year.get(year, ()):  # overrides first, as in is_working_day
            days[day.toordinal() - first] = working
        return first, array("H", itertools.accumulate(days))  # [i]: working days from Jan 1 to Jan 1 + i

    def year(self, year: int) -> tuple[int, int, array]:
        entry = self.years.get(year)
        if entry is not None:
            return entry
        with self.lock:
            if not self.years:
                first, cumulative = self._build(year)
                self.years[year] = (0, first, cumulative)  # pragma: no mutate (any epoch: only differences are read)
                return self.years[year]
            # Extend the contiguous range towards ``year``; a built entry never changes. The pragmas:
            # building one year more than asked for changes no answer.
            while (low := min(self.years)) > year:  # pragma: no mutate
                first, cumulative = self._build(low - 1)
                self.years[low - 1] = (self.years[low][0] - cumulative[-1], first, cumulative)
            while (high := max(self.years)) < year:  # pragma: no mutate
                before, _first, cumulative = self.years[high]
                self.years[high + 1] = (before + cumulative[-1], *self._build(high + 1))
            return self.years[year]

    def ordinal(self, day: dt.date) -> int:
        before, first, cumulative = self.year(day.year)
        return before + cumulative[day.toordinal() - first]


# The ordinal tables of the last few overrides snapshots (the process cache, threads' own
# snapshots while they change the calendar), most recently used last: a bounded LRU.
_ORDINALS_KEPT = 4
_ordinals_lock = threading.Lock()
_ordinals: list[_Ordinals] = []


def _ordinals_now() -> _Ordinals:
    """The tables of the overrides ``_load`` returns now: a reload gets new ones, never stale ones."""
    overrides = _load()[0]
    with _ordinals_lock:
        for index, tables in enumerate(_ordinals):
            if tables.overrides is overrides:
                if index != len(_ordinals) - 1:
                    _ordinals.append(_ordinals.pop(index))
                return tables
        tables = _Ordinals(overrides)
        _ordinals.append(tables)
        del _ordinals[:-_ORDINALS_KEPT]
        return tables


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The Nth working day after ``start`` (``start`` itself is not counted)."""
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return start
    tables = _ordinals_now()
    # The first day whose ordinal reaches ord(start) + n: skip whole years by their totals,
    # then bisect the year's cumulative counts (the first index reaching it is a working day).
    target = tables.ordinal(start) + n
    year = start.year
    while True:
        before, first, cumulative = tables.year(year)
        if target <= before + cumulative[-1]:
            return dt.date.fromordinal(first + bisect.bisect_left(cumulative, target - before))
        year += 1


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
    tables = _ordinals_now()
    return tables.ordinal(end) - tables.ordinal(start)


def years_missing_official_calendar(years) -> list[int]:
    """Of ``years``, those that fall back to weekdays because no official calendar is known."""
    return sorted(y for y in set(years) if not has_official_calendar(y))
