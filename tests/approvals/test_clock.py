import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approvals.clock import Suspension, due_date, working_days_paused, working_days_used
from policyops.calendar import add_working_days

pytestmark = pytest.mark.django_db
D = dt.date
dates = st.dates(min_value=D(2010, 1, 1), max_value=D(2026, 6, 30))


def test_without_suspensions_the_due_date_is_the_calendars():
    assert due_date(D(2024, 9, 27), 20) == D(2024, 10, 30)


def test_an_open_suspension_holds_the_due_date():
    assert due_date(D(2024, 9, 27), 20, [Suspension(D(2024, 10, 10), None)]) is None


def test_a_suspension_before_the_budget_runs_out_moves_the_due_date_by_its_working_days():
    pause = Suspension(D(2024, 10, 10), D(2024, 10, 17))
    assert working_days_paused(D(2024, 12, 31), [pause]) == 6
    assert due_date(D(2024, 9, 27), 20, [pause]) == add_working_days(D(2024, 10, 30), 6)


def test_each_of_two_pauses_moves_the_due_date():
    # A day counts as paused when any one pause covers it (found by mutation testing: `all` passed).
    first = Suspension(D(2024, 10, 10), D(2024, 10, 17))  # 6 working days, Saturday 12 October among them
    second = Suspension(D(2024, 10, 21), D(2024, 10, 23))  # 2
    assert working_days_paused(D(2024, 12, 31), [first, second]) == 8
    assert due_date(D(2024, 9, 27), 20, [first, second]) == add_working_days(D(2024, 10, 30), 8)
    assert working_days_used(D(2024, 9, 27), D(2024, 10, 31), [first, second]) == 21 - 8


@settings(max_examples=50, deadline=None)
@given(start=dates, budget=st.integers(min_value=1, max_value=30), offset=st.integers(min_value=0, max_value=20),
       length=st.integers(min_value=0, max_value=15))
def test_used_days_reach_the_budget_exactly_on_the_due_date(start, budget, offset, length):
    pause_start = start + dt.timedelta(days=offset)
    suspensions = [Suspension(pause_start, pause_start + dt.timedelta(days=length))]
    due = due_date(start, budget, suspensions)
    assert working_days_used(start, due, suspensions) == budget
    assert working_days_used(start, due - dt.timedelta(days=1), suspensions) == budget - 1


@settings(max_examples=50, deadline=None)
@given(start=dates, budget=st.integers(min_value=1, max_value=30), offset=st.integers(min_value=0, max_value=20),
       length=st.integers(min_value=0, max_value=15))
def test_a_pause_never_brings_the_due_date_forward(start, budget, offset, length):
    pause_start = start + dt.timedelta(days=offset)
    paused = due_date(start, budget, [Suspension(pause_start, pause_start + dt.timedelta(days=length))])
    assert paused >= due_date(start, budget)


def test_a_negative_budget_is_refused():
    with pytest.raises(ValueError):
        due_date(D(2024, 1, 2), -1)


def _walk_due(start, budget):
    """The rule read literally: count the working days after ``start`` one by one."""
    from policyops.calendar import is_working_day

    day, left = start, budget
    while left:
        day += dt.timedelta(days=1)
        left -= is_working_day(day)
    return day


@settings(max_examples=100, deadline=None)
@given(start=dates, budget=st.integers(min_value=0, max_value=40))
def test_without_suspensions_the_due_date_agrees_with_a_day_by_day_walk(start, budget):
    assert due_date(start, budget) == _walk_due(start, budget)


@settings(max_examples=100, deadline=None)
@given(start=dates, span=st.integers(min_value=-10, max_value=80))
def test_without_suspensions_the_used_days_agree_with_a_day_by_day_count(start, span):
    from policyops.calendar import is_working_day

    as_of = start + dt.timedelta(days=span)
    walked = sum(is_working_day(start + dt.timedelta(days=i)) for i in range(1, span + 1))
    assert working_days_used(start, as_of) == walked
