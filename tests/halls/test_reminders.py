import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from policyops.models import Notification
from programs.halls import reminders, services
from programs.halls.models import Director, DutyShift, MonthlyBriefing
from tests.halls.conftest import make_director

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(day, h, m=0):
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=TZ)


@pytest.fixture
def published(hall, rota_manager):
    director = make_director(hall, "张局长")
    services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
    services.rota_publish(hall=hall, year=2024, month=10, acting_user=rota_manager)
    return DutyShift.objects.get(director=director)


def kinds():
    return sorted(Notification.objects.filter(channel="inbox").values_list("kind", flat=True))


def test_the_director_is_reminded_the_working_day_before(published):
    day_before = published.date - dt.timedelta(days=1)
    while day_before.weekday() >= 5 and day_before != dt.date(2024, 10, 12):
        day_before -= dt.timedelta(days=1)
    from policyops.calendar import add_working_days

    assert add_working_days(day_before, 1) == published.date
    reminders.sweep_shifts(today=day_before, now=at(day_before, 9))
    assert kinds() == ["shift.tomorrow"]
    assert reminders.sweep_shifts(today=day_before, now=at(day_before, 10)) == 0


def test_no_sign_in_after_30_minutes_alerts_director_and_supervisor(published, rota_manager):
    day = published.date
    assert reminders.sweep_shifts(today=day, now=at(day, 9, 29)) == 0
    reminders.sweep_shifts(today=day, now=at(day, 9, 31))
    recipients = set(Notification.objects.filter(kind="shift.no_sign_in", channel="inbox")
                     .values_list("recipient__username", flat=True))
    assert recipients == {published.director.person.user.username, rota_manager.username}


def on_record_since_september():
    """The directors were entered before October 2024 (the briefing counts no one entered after the month)."""
    Director.history.model.objects.update(history_date=dt.datetime(2024, 9, 1, tzinfo=TZ))


def test_directors_without_a_shift_are_reminded_from_the_20th(hall, rota_manager):
    make_director(hall, "李局长")
    on_record_since_september()
    assert reminders.sweep_monthly_quota(today=dt.date(2024, 10, 19), now=at(dt.date(2024, 10, 19), 9)) == 0
    assert reminders.sweep_monthly_quota(today=dt.date(2024, 10, 20), now=at(dt.date(2024, 10, 20), 9)) == 2
    assert reminders.sweep_monthly_quota(today=dt.date(2024, 10, 21), now=at(dt.date(2024, 10, 21), 9)) == 0
    assert set(Notification.objects.values_list("due_date", flat=True)) == {dt.date(2024, 10, 1)}  # the month's


def test_a_director_with_a_shift_still_to_come_is_not_reminded(published, hall, rota_manager):
    other = make_director(hall, "李局长")
    on_record_since_september()
    DutyShift.objects.filter(pk=published.pk).update(date=dt.date(2024, 10, 28))
    reminders.sweep_monthly_quota(today=dt.date(2024, 10, 20), now=at(dt.date(2024, 10, 20), 9))
    assert set(Notification.objects.values_list("object_id", flat=True)) == {str(other.pk)}


def test_a_director_who_served_a_day_this_month_is_not_reminded(published, hall, rota_manager):
    on_record_since_september()
    DutyShift.objects.filter(pk=published.pk).update(date=dt.date(2024, 10, 8), state=DutyShift.State.SIGNED_OUT)
    assert reminders.sweep_monthly_quota(today=dt.date(2024, 10, 20), now=at(dt.date(2024, 10, 20), 9)) == 0


def test_a_director_whose_only_shift_was_missed_is_reminded(published, rota_manager):
    # 002:1968 每人每月不少于1天 counts served days: a missed shift is none.
    on_record_since_september()
    DutyShift.objects.filter(pk=published.pk).update(date=dt.date(2024, 10, 8), state=DutyShift.State.MISSED)
    reminders.sweep_monthly_quota(today=dt.date(2024, 10, 20), now=at(dt.date(2024, 10, 20), 9))
    assert set(Notification.objects.values_list("object_id", flat=True)) == {str(published.director.pk)}


def test_the_previous_months_briefing_is_generated_once_and_sent(published, rota_manager):
    reminders.sweep_briefing(today=dt.date(2024, 11, 1), now=at(dt.date(2024, 11, 1), 7))
    reminders.sweep_briefing(today=dt.date(2024, 11, 2), now=at(dt.date(2024, 11, 2), 7))
    briefing = MonthlyBriefing.objects.get()
    assert (briefing.year, briefing.month, briefing.figures["due"]) == (2024, 10, 1)
    assert kinds() == ["halls.briefing"]
    assert Notification.objects.get(channel="inbox").due_date == dt.date(2024, 11, 1)


def test_the_briefing_keeps_its_rates_and_none_where_there_is_nothing_to_rate(published):
    briefing = reminders.briefing_generate(year=2024, month=10, now=at(dt.date(2024, 11, 1), 7))
    assert briefing.figures["attendance_rate"] is not None and briefing.figures["satisfaction_rate"] is None
    float(briefing.figures["attendance_rate"])  # a number, kept as text


def test_the_briefing_of_a_rated_month_keeps_its_satisfaction_rate(published):
    from tests.halls.factories import EvaluationFactory

    EvaluationFactory(shift=published, level=5)
    briefing = reminders.briefing_generate(year=2024, month=10, now=at(dt.date(2024, 11, 1), 7))
    assert float(briefing.figures["satisfaction_rate"]) == 1  # every rating satisfied


def test_a_briefing_another_worker_just_generated_is_the_one_returned(published, monkeypatch):
    from django.db.models.query import QuerySet

    theirs = MonthlyBriefing.objects.create(year=2024, month=10, generated_at=at(dt.date(2024, 11, 1), 6), figures={})
    monkeypatch.setattr(QuerySet, "first", lambda self: None)  # it was not there when this worker looked
    assert reminders.briefing_generate(year=2024, month=10, now=at(dt.date(2024, 11, 1), 7)) == theirs


def test_shift_sweep_query_count_is_constant(hall, rota_manager, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.halls.conftest import make_director

    def month(n):
        for i in range(n):
            make_director(hall, f"局长{n}-{i}")
        DutyShift.objects.all().delete()
        services.rota_generate(hall=hall, year=2024, month=10, acting_user=rota_manager)
        services.rota_publish(hall=hall, year=2024, month=10, acting_user=rota_manager)

    day = dt.date(2024, 10, 8)
    month(2)
    reminders.sweep_shifts(today=day, now=at(day, 9, 31))
    with CaptureQueriesContext(connection) as small:
        reminders.sweep_shifts(today=day, now=at(day, 9, 31))
    month(20)
    reminders.sweep_shifts(today=day, now=at(day, 9, 31))
    with django_assert_num_queries(len(small.captured_queries)):
        reminders.sweep_shifts(today=day, now=at(day, 9, 31))
