"""Issue 12: counting working days reads per-year ordinal tables instead of walking day by day.

Every result must equal the day-by-day walk over ``is_working_day`` (the reference below), and
the tables must follow the calendar: overrides, the cache's reloads, a transaction's own change.
"""
import datetime as dt

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from policyops import calendar, services
from policyops.calendar import add_working_days, is_working_day, working_days_between
from policyops.models import CalendarOverride

D = dt.date
ONE_DAY = dt.timedelta(days=1)
pytestmark = pytest.mark.django_db
starts = st.dates(min_value=D(2004, 1, 1), max_value=D(2035, 12, 31))


@pytest.fixture(autouse=True)
def fresh_calendar():
    # The process cache lives 60 s: neither take another test's calendar nor leave ours behind.
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def naive_between(start, end):
    """The day-by-day walk that the tables replace."""
    if end < start:
        return -naive_between(end, start)
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += is_working_day(day)
    return count


def naive_add(start, n):
    day = start
    while n:
        day += ONE_DAY
        n -= is_working_day(day)
    return day


@settings(max_examples=80, deadline=None)
@given(start=starts, span=st.integers(min_value=-3000, max_value=3000))
def test_between_agrees_with_the_day_by_day_walk(start, span):
    end = start + dt.timedelta(days=span)
    assert working_days_between(start, end) == naive_between(start, end)


@settings(max_examples=80, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=2000))
def test_add_agrees_with_the_day_by_day_walk(start, n):
    assert add_working_days(start, n) == naive_add(start, n)


@settings(max_examples=150, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=2000))
def test_between_inverts_add_over_long_spans(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


def test_a_start_on_a_holiday_counts_from_the_next_working_day():
    # Saturday 2024-10-05 in the National Day week: the first working day after it is Tuesday 10-08.
    assert add_working_days(D(2024, 10, 5), 1) == D(2024, 10, 8)
    assert working_days_between(D(2024, 10, 5), D(2024, 10, 7)) == 0


def test_dates_a_century_apart_use_the_fallback_outside_the_package():
    start, end = D(1990, 3, 1), D(2090, 11, 30)
    assert working_days_between(start, end) == naive_between(start, end)
    assert working_days_between(end, start) == -naive_between(start, end)


def test_adding_across_many_years_skips_whole_years():
    n = 100 * 245
    assert add_working_days(D(1990, 3, 1), n) == naive_add(D(1990, 3, 1), n)


def test_a_weekday_made_a_holiday_shifts_the_deadline_by_one():
    assert add_working_days(D(2024, 6, 3), 5) == D(2024, 6, 11)  # the tables of the old calendar
    CalendarOverride.objects.create(date=D(2024, 6, 5), is_working_day=False, name="更正")
    calendar.clear_cache()
    assert add_working_days(D(2024, 6, 3), 5) == D(2024, 6, 12)
    assert working_days_between(D(2024, 6, 3), D(2024, 6, 11)) == 4


def test_a_saturday_made_a_working_day_in_a_fallback_year_counts():
    # 2027 is beyond chinesecalendar: Saturday 2027-03-06 is a working day only by its override.
    assert add_working_days(D(2027, 3, 5), 1) == D(2027, 3, 8)
    CalendarOverride.objects.create(date=D(2027, 3, 6), is_working_day=True, name="调休")
    calendar.clear_cache()
    assert add_working_days(D(2027, 3, 5), 1) == D(2027, 3, 6)
    assert working_days_between(D(2027, 3, 5), D(2027, 3, 8)) == 2


def test_counting_uses_the_cached_calendar_like_is_working_day():
    # Until the cache is cleared or expires, counting and is_working_day see the same calendar.
    assert add_working_days(D(2024, 6, 3), 1) == D(2024, 6, 4)
    CalendarOverride.objects.create(date=D(2024, 6, 4), is_working_day=False, name="更正")
    assert is_working_day(D(2024, 6, 4))
    assert add_working_days(D(2024, 6, 3), 1) == D(2024, 6, 4)


def test_an_expired_cache_brings_new_tables(monkeypatch):
    assert add_working_days(D(2024, 6, 3), 1) == D(2024, 6, 4)
    CalendarOverride.objects.create(date=D(2024, 6, 4), is_working_day=False, name="更正")
    monkeypatch.setattr(calendar, "_CACHE_SECONDS", -1.0)  # every read reloads, as after 60 s
    assert add_working_days(D(2024, 6, 3), 1) == D(2024, 6, 5)


def test_a_transaction_changing_the_calendar_counts_with_its_own_change():
    assert working_days_between(D(2024, 10, 1), D(2024, 10, 31)) == 19  # cached, with its tables (10-12 is 调休)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.calendar_override_save(override=CalendarOverride(date=D(2024, 10, 8), is_working_day=False))
        assert add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 9)
        assert working_days_between(D(2024, 10, 1), D(2024, 10, 31)) == 18
        raise RuntimeError("rolled back")
    # The rolled-back snapshot's tables are never used again.
    assert add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 8)
    assert working_days_between(D(2024, 10, 1), D(2024, 10, 31)) == 19


def test_only_a_few_snapshots_keep_tables():
    for _ in range(calendar._ORDINALS_KEPT + 3):
        calendar.clear_cache()
        working_days_between(D(2024, 1, 1), D(2025, 1, 1))
    assert len(calendar._ordinals) == calendar._ORDINALS_KEPT


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2032, 12, 31)))
def test_is_working_day_agrees_with_the_package_or_its_fallback(day):
    from policyops import calendar

    assert calendar.is_working_day(day) == calendar._is_working_day_without_overrides(day)
