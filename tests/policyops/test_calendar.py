import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyops import calendar
from policyops.calendar import add_working_days, is_working_day, working_days_between
from policyops.models import CalendarOverride, OfficialCalendarYear

D = dt.date
pytestmark = pytest.mark.django_db


def test_national_day_2024_example_from_the_issue():
    assert add_working_days(D(2024, 9, 27), 20) == D(2024, 10, 30)


@pytest.mark.parametrize("day", [D(2024, 9, 29), D(2024, 10, 12)])
def test_adjusted_weekend_working_days_count(day):
    assert day.weekday() >= 5
    assert is_working_day(day)


@pytest.mark.parametrize("day", [D(2024, 10, d) for d in range(1, 8)])
def test_national_day_week_is_not_working(day):
    assert not is_working_day(day)


def test_start_day_is_not_counted():
    # Monday 2024-06-03 -> the first working day after it is Tuesday.
    assert add_working_days(D(2024, 6, 3), 1) == D(2024, 6, 4)
    assert add_working_days(D(2024, 6, 3), 0) == D(2024, 6, 3)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2024, 6, 3), -1)


def test_working_days_between_counts_after_start_up_to_end():
    assert working_days_between(D(2024, 9, 27), D(2024, 10, 30)) == 20
    assert working_days_between(D(2024, 10, 30), D(2024, 9, 27)) == -20
    assert working_days_between(D(2024, 6, 3), D(2024, 6, 3)) == 0


known_years = st.dates(min_value=D(2005, 1, 1), max_value=D(2026, 10, 31))


@settings(max_examples=60, deadline=None)
@given(start=known_years, n=st.integers(min_value=0, max_value=60))
def test_between_inverts_add(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


@settings(max_examples=60, deadline=None)
@given(start=known_years, n=st.integers(min_value=1, max_value=60))
def test_deadline_is_itself_a_working_day(start, n):
    assert is_working_day(add_working_days(start, n))


@settings(max_examples=40, deadline=None)
@given(start=known_years, n=st.integers(min_value=0, max_value=40))
def test_adding_more_days_never_moves_the_deadline_earlier(start, n):
    assert add_working_days(start, n + 1) > add_working_days(start, n)


def test_package_does_not_know_2027():
    assert calendar.package_knows_year(2026)
    assert not calendar.package_knows_year(2027)
    assert calendar.years_missing_official_calendar([2026, 2027]) == [2027]


@pytest.mark.django_db
def test_year_beyond_the_package_falls_back_to_weekdays_without_statutory_holidays():
    # 放假办法 Art. 2 (2024 revision): 元旦 1-01 is a holiday, even on a Friday of a year
    # chinesecalendar does not know (issue 10 item 17).
    assert not is_working_day(D(2027, 1, 1))
    assert not is_working_day(D(2027, 1, 2))  # Saturday
    assert is_working_day(D(2027, 1, 4))  # Monday
    # A 20-working-day clock started mid-December crosses into 2027 and skips 元旦.
    assert add_working_days(D(2026, 12, 15), 20) == D(2027, 1, 13)


@pytest.mark.django_db
def test_override_beats_the_weekday_fallback():
    CalendarOverride.objects.create(date=D(2027, 1, 1), is_working_day=False, name="元旦")
    calendar.clear_cache()
    assert not is_working_day(D(2027, 1, 1))
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)


@pytest.mark.django_db
def test_override_beats_the_package():
    CalendarOverride.objects.create(date=D(2024, 6, 4), is_working_day=False, name="更正")
    calendar.clear_cache()
    assert add_working_days(D(2024, 6, 3), 1) == D(2024, 6, 5)


@pytest.mark.django_db
def test_an_imported_year_counts_as_official():
    OfficialCalendarYear.objects.create(year=2027)
    calendar.clear_cache()
    assert calendar.years_missing_official_calendar([2026, 2027]) == []


@settings(max_examples=40, deadline=None)
@given(start=st.dates(min_value=D(2027, 1, 1), max_value=D(2030, 12, 31)), n=st.integers(min_value=0, max_value=40))
def test_fallback_years_keep_the_inverse_property(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n
