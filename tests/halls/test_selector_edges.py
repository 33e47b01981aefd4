"""Edges of the hall duty reads (programs/halls/selectors.py) that the pages' tests pass over:
the first day of a briefing's month, a work record with several cases in the annual assessment,
the rectification rate, and the very first and last instant of a shift's window on the home panel."""
import datetime as dt
from decimal import Decimal

import pytest

from programs.halls.models import DutyShift
from programs.halls.selectors import (
    Assessment,
    department_assessment,
    monthly_briefing,
    next_shifts,
    on_duty_now,
    records_to_write,
)
from tests.halls.conftest import make_director
from tests.halls.factories import DAY, DutyShiftFactory, WorkRecordFactory, at
from tests.halls.test_doors import register_case

pytestmark = pytest.mark.django_db
S = DutyShift.State


def test_a_shift_on_the_first_of_the_month_counts_in_that_months_briefing(hall):
    first = dt.date(2024, 10, 1)
    DutyShiftFactory(director=make_director(hall, "张局长", with_user=False), date=first, state=S.SIGNED_OUT,
                     signed_in_at=at(9, day=first), signed_out_at=at(17, day=first))
    briefing = monthly_briefing(halls=[hall], year=2024, month=10, as_of=dt.date(2024, 10, 20))
    assert (briefing.total.due, briefing.total.done) == (1, 1)
    assert briefing.under_quota == []


def test_the_assessment_counts_a_record_with_two_cases_as_one_record(hall):
    shift = DutyShiftFactory(director=make_director(hall, "张局长", "市教育局", with_user=False), date=DAY,
                             state=S.SIGNED_OUT, signed_in_at=at(9), signed_out_at=at(17))
    record = WorkRecordFactory(shift=shift)
    record.cases.add(register_case(hall, name="甲"), register_case(hall, name="乙"))
    entry = department_assessment(halls=[hall], year=2024, as_of=dt.date(2024, 12, 31))["市教育局"]
    assert (entry.records, entry.cases) == (1, 2)
    assert entry.records_per_served_day == Decimal("1.00")


def test_the_rectification_rate_is_the_share_of_problems_rectified():
    assert Assessment(problems_found=3, problems_rectified=1).rectification_rate == Decimal("0.333")
    assert Assessment().rectification_rate is None  # no problem found: no rate


def test_a_director_may_sign_in_at_the_very_moment_the_window_opens(hall):
    director = make_director(hall, "张局长")
    shift = DutyShiftFactory(director=director, date=DAY, state=S.PUBLISHED)
    assert on_duty_now([shift], user=director.person.user, now=at(9)) == (shift, "sign_in")


def test_a_director_may_sign_out_at_the_very_moment_the_window_closes(hall):
    director = make_director(hall, "张局长")
    shift = DutyShiftFactory(director=director, date=DAY, state=S.SIGNED_IN, signed_in_at=at(9))
    assert on_duty_now([shift], user=director.person.user, now=at(17)) == (shift, "sign_out")


def test_the_home_panel_lists_a_directors_next_five_shifts_soonest_first(hall):
    director = make_director(hall, "张局长")
    days = [DAY + dt.timedelta(days=k) for k in range(6)]
    for day in reversed(days):
        DutyShiftFactory(director=director, date=day, state=S.PUBLISHED)
    shifts = next_shifts(user=director.person.user, today=DAY)
    assert [shift.date for shift in shifts] == days[:5]


def test_records_to_write_lists_ten_shifts_at_most_latest_first(hall):
    director = make_director(hall, "张局长")
    days = [DAY - dt.timedelta(days=k) for k in range(11)]
    for day in days:
        DutyShiftFactory(director=director, date=day, state=S.SIGNED_OUT, signed_in_at=at(9, day=day),
                         signed_out_at=at(17, day=day))
    shifts = records_to_write(user=director.person.user, today=DAY)
    assert [shift.date for shift in shifts] == days[:10]


def test_records_to_write_reaches_back_sixty_two_days_and_no_further(hall):
    director = make_director(hall, "张局长")
    last, too_old = DAY - dt.timedelta(days=62), DAY - dt.timedelta(days=63)
    for day in (last, too_old):
        DutyShiftFactory(director=director, date=day, state=S.SIGNED_IN, signed_in_at=at(9, day=day))
    shifts = records_to_write(user=director.person.user, today=DAY)
    assert [shift.date for shift in shifts] == [last]


@pytest.fixture
def case_on_two_records(hall):
    """A case both directors of 市教育局 on duty on DAY list (the second took over as first contact)."""
    case = register_case(hall, name="甲")
    for name in ("张局长", "李局长"):
        shift = DutyShiftFactory(director=make_director(hall, name, "市教育局", with_user=False), date=DAY,
                                 state=S.SIGNED_OUT, signed_in_at=at(9), signed_out_at=at(17))
        WorkRecordFactory(shift=shift).cases.add(case)
    return case


def test_the_assessment_counts_a_case_on_two_records_of_a_department_once(hall, case_on_two_records):
    entry = department_assessment(halls=[hall], year=2024, as_of=dt.date(2024, 12, 31))["市教育局"]
    assert (entry.records, entry.cases) == (2, 1)


def test_the_briefing_counts_a_case_on_two_records_once(hall, case_on_two_records):
    briefing = monthly_briefing(halls=[hall], year=DAY.year, month=DAY.month, as_of=DAY + dt.timedelta(days=1))
    assert briefing.cases_accepted == 1
