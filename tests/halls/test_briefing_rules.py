"""The briefing's rules in SQL agree with their Python form, and its quota list names only directors
who were there that month."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from programs.halls import rules
from programs.halls.models import Director, DutyShift
from programs.halls.selectors import PUNCTUAL_WITHIN, monthly_briefing, on_duty, punctual_q
from tests.halls.conftest import make_director
from tests.halls.factories import DutyShiftFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = DutyShift.State
DAY = dt.date(2024, 10, 14)
OPENS = dt.datetime(2024, 10, 14, 9, tzinfo=TZ)


def verdicts(expression_q, shifts):
    """{shift id: does ``expression_q`` hold for it}, as the database says."""
    matching = set(DutyShift.objects.filter(expression_q).values_list("id", flat=True))
    return {shift.pk: shift.pk in matching for shift in shifts}


# --- A served day: rules.served_q is DutyShift.served ----------------------------------------------


def test_served_q_agrees_with_the_served_property_in_every_state(hall):
    shifts = []
    for k, state in enumerate(S.values):
        for left_early in (False, True):
            director = make_director(hall, f"局长{k}{left_early:d}", with_user=False)
            shifts.append(DutyShiftFactory(director=director, date=DAY, state=state, left_early=left_early))
    assert verdicts(rules.served_q(), shifts) == {shift.pk: shift.served for shift in shifts}
    assert sum(shift.served for shift in shifts) == 1  # signed out, not early: the one served day


# --- On time: signed in at most PUNCTUAL_WITHIN after the window opened --------------------------------


@pytest.mark.parametrize("signed_in, on_time", [
    (OPENS - dt.timedelta(minutes=10), True),
    (OPENS, True),
    (OPENS + PUNCTUAL_WITHIN - dt.timedelta(microseconds=1), True),
    (OPENS + PUNCTUAL_WITHIN, True),
    (OPENS + PUNCTUAL_WITHIN + dt.timedelta(microseconds=1), False),
    (OPENS + PUNCTUAL_WITHIN + dt.timedelta(seconds=1), False),
    (OPENS + dt.timedelta(hours=2), False),
    (None, False),
])
def test_punctual_q_is_the_fifteen_minute_reading(hall, signed_in, on_time):
    shift = DutyShiftFactory(director=make_director(hall, "张局长", with_user=False), date=DAY,
                             state=S.SIGNED_OUT, signed_in_at=signed_in)
    assert verdicts(punctual_q(), [shift]) == {shift.pk: on_time}


# --- On duty: selectors.on_duty is DutyShift.on_duty ------------------------------------------------


def test_on_duty_in_sql_is_the_substitute_once_filed_else_the_director(hall):
    zhang = make_director(hall, "张局长", "市教育局", with_user=False)
    li = make_director(hall, "李局长", "市教育局", with_user=False)
    nobody = make_director(hall, "王局长", with_user=False)
    nobody.person.department = None
    nobody.person.save()
    own = DutyShiftFactory(director=zhang, date=DAY)
    covered = DutyShiftFactory(director=li, date=DAY + dt.timedelta(days=1), substitute=zhang)
    # A substitute with no department: the shift's department is theirs ("none"), not the rostered one's.
    covered_by_nobody = DutyShiftFactory(director=zhang, date=DAY + dt.timedelta(days=2), substitute=nobody)
    rows = {row["id"]: (row["who"], row["department"]) for row in DutyShift.objects.values(
        "id", who=on_duty("id"), department=on_duty("person__department__name"))}
    for shift in (own, covered, covered_by_nobody):
        person = shift.on_duty.person
        assert rows[shift.pk] == (shift.on_duty.pk, person.department.name if person.department_id else None)


# --- Under the quota: only directors who were there that month ---------------------------------------


def entered(director, moment):
    """The director's row was created at ``moment`` (its history's creation row)."""
    Director.history.model.objects.filter(id=director.pk, history_type="+").update(history_date=moment)


def under_quota(hall):
    return monthly_briefing(halls=[hall], year=2024, month=10, as_of=dt.date(2024, 11, 10)).under_quota


def test_a_director_entered_after_the_month_is_not_under_its_quota(hall):
    entered(make_director(hall, "张局长", with_user=False), dt.datetime(2024, 11, 5, 9, tzinfo=TZ))
    assert under_quota(hall) == []


def test_a_director_entered_on_the_last_evening_of_the_month_is_under_its_quota(hall):
    # The month ends at local midnight: 23:59 on 31 October is still October (15:59 UTC).
    entered(make_director(hall, "张局长", with_user=False), dt.datetime(2024, 10, 31, 23, 59, tzinfo=TZ))
    entered(make_director(hall, "李局长", with_user=False), dt.datetime(2024, 11, 1, 0, 0, tzinfo=TZ))
    assert under_quota(hall) == ["张局长"]


def test_a_director_rostered_in_the_month_is_under_its_quota_whenever_entered(hall):
    # Back-filled records (or the demo): the row is newer than the month, the missed shift proves they were there.
    director = make_director(hall, "张局长", with_user=False)
    DutyShiftFactory(director=director, date=DAY, state=S.MISSED)
    entered(director, dt.datetime(2024, 11, 5, 9, tzinfo=TZ))
    assert under_quota(hall) == ["张局长"]


def test_a_director_with_no_history_counts_as_always_there(hall):
    director = make_director(hall, "张局长", with_user=False)
    Director.history.model.objects.filter(id=director.pk).delete()
    assert under_quota(hall) == ["张局长"]


# --- Two directors of one name are two rows ---------------------------------------------------------


def test_two_directors_of_one_name_are_two_rows_each_with_its_department(hall):
    teacher = make_director(hall, "王伟", "市教育局", with_user=False)
    DutyShiftFactory(director=teacher, date=DAY, state=S.SIGNED_OUT, signed_in_at=OPENS)
    entered(make_director(hall, "王伟", "市民政局", with_user=False), OPENS)
    briefing = monthly_briefing(halls=[hall], year=2024, month=10, as_of=dt.date(2024, 11, 10))
    assert {name: attendance.done for name, attendance in briefing.by_director.items()} == {"王伟（市教育局）": 1}
    assert briefing.under_quota == ["王伟（市民政局）"]


def test_two_directors_of_one_name_and_department_are_told_apart_by_their_numbers(hall):
    first = make_director(hall, "王伟", "市教育局", with_user=False)
    second = make_director(hall, "王伟", "市教育局", with_user=False)
    other = make_director(hall, "张局长", "市教育局", with_user=False)
    for director in (first, second, other):
        entered(director, OPENS)
    assert set(under_quota(hall)) == {f"王伟（市教育局，#{first.pk}）", f"王伟（市教育局，#{second.pk}）", "张局长"}
