"""Statutory holidays of the years chinesecalendar does not know (issue 10 item 17).

Source: 全国年节及纪念日放假办法 Art. 2 as revised by 国务院令第798号 (2024): 元旦 1 day,
春节 4 (除夕, 正月初一–初三), 清明 1, 劳动节 2 (5-01, 5-02), 端午 1, 中秋 1, 国庆 3
(10-01–10-03). See policyops.calendar.statutory_holidays.
"""
import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyops import calendar
from policyops.calendar import (
    add_working_days,
    is_provisional,
    is_working_day,
    statutory_holidays,
    working_days_between,
)
from policyops.models import OfficialCalendarYear

D = dt.date
pytestmark = pytest.mark.django_db


def test_2027_statutory_holidays():
    # Lunar dates of 2027: 正月初一 2027-02-06, 端午 06-09, 中秋 09-15; 清明 (solar term) 04-05.
    assert statutory_holidays(2027) == {
        D(2027, 1, 1): "元旦",
        D(2027, 2, 5): "春节", D(2027, 2, 6): "春节", D(2027, 2, 7): "春节", D(2027, 2, 8): "春节",
        D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节", D(2027, 5, 2): "劳动节",
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        D(2027, 10, 1): "国庆节", D(2027, 10, 2): "国庆节", D(2027, 10, 3): "国庆节",
    }


@pytest.mark.parametrize("year", range(2025, 2027))
def test_the_rule_agrees_with_the_official_calendar_of_the_revised_years(year):
    # 2025 and 2026 are the years chinesecalendar knows under the 2024 revision: 13 days each.
    days = statutory_holidays(year)
    assert len(days) == 13
    for day in days:
        assert chinese_calendar.is_holiday(day), day


@pytest.mark.parametrize("year", range(2008, 2025))
def test_lunar_and_solar_term_dates_agree_with_the_official_calendar(year):
    # 清明, 端午, 中秋 are holidays since the 2007 revision: the computed dates are official ones.
    for day, name in statutory_holidays(year).items():
        if name in ("清明节", "端午节", "中秋节", "元旦"):
            assert chinese_calendar.is_holiday(day), (day, name)


def test_every_20_day_clock_from_december_2026_skips_new_year_2027():
    # The clock started 2026-12-04 ends on 2027-01-04, not on 元旦 (2027-01-01, a Friday).
    assert add_working_days(D(2026, 12, 4), 20) == D(2027, 1, 4)


def test_provisional_means_no_official_calendar_for_the_year():
    calendar.clear_cache()
    assert not is_provisional(D(2026, 12, 31))
    assert is_provisional(D(2027, 1, 1))
    assert calendar.years_missing_official_calendar([2026, 2027, 2028]) == [2027, 2028]
    OfficialCalendarYear.objects.create(year=2027)
    calendar.clear_cache()
    assert not is_provisional(D(2027, 1, 1))
    assert calendar.years_missing_official_calendar([2026, 2027, 2028]) == [2028]


@settings(max_examples=30, deadline=None)
@given(year=st.integers(min_value=2027, max_value=2035))
def test_no_statutory_holiday_is_a_working_day_beyond_the_package(year):
    calendar.clear_cache()
    for day in statutory_holidays(year):
        assert not is_working_day(day), day


@settings(max_examples=30, deadline=None)
@given(year=st.integers(min_value=2027, max_value=2035))
def test_each_year_has_the_thirteen_days_of_the_rule(year):
    days = statutory_holidays(year)
    assert all(d.year == year for d in days)
    names = "、".join(days.values()).split("、")
    assert len(names) == 13  # a day may carry two festivals (中秋 on 2028-10-03)
    for festival, count in [("元旦", 1), ("春节", 4), ("清明节", 1), ("劳动节", 2), ("端午节", 1),
                            ("中秋节", 1), ("国庆节", 3)]:
        assert names.count(festival) == count


def test_mid_autumn_within_national_day_is_one_day():
    assert statutory_holidays(2028)[D(2028, 10, 3)] == "中秋节、国庆节"


across_the_boundary = st.dates(min_value=D(2026, 9, 1), max_value=D(2035, 12, 31))


@settings(max_examples=60, deadline=None)
@given(start=across_the_boundary, n=st.integers(min_value=0, max_value=60))
def test_add_and_between_stay_inverse_across_the_boundary(start, n):
    calendar.clear_cache()
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert working_days_between(end, start) == -n
    if n:
        assert is_working_day(end)
        assert end not in statutory_holidays(end.year)
