"""Issue 11: the training hall — practice sign-in at any hour, counted in no report, sweep or reminder."""
import datetime as dt
import html
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from policyops.errors import InvalidInput, NotAllowed
from policyops.models import Notification, ServiceHall
from policyops.roles import Role
from programs.halls import codes, reminders, services, training
from programs.halls.models import Director, DutyShift, Evaluation, HallSettings
from programs.halls.selectors import department_assessment, monthly_briefing
from tests.conftest import make_user
from tests.halls.conftest import make_director
from tests.halls.factories import DutyShiftFactory, EvaluationFactory, WorkRecordFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
SUNDAY = dt.date(2024, 10, 13)  # no real hall is open
DAY = dt.date(2024, 10, 14)
S = DutyShift.State


def at(h, m=0, day=SUNDAY):
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=TZ)


def sign(user, hall, action, when):
    code = codes.current_code(hall.duty_settings.code_secret, when)[0]
    return services.shift_sign(user=user, hall=hall, code=code, action=action, now=when)


@pytest.fixture
def practice_hall(db):
    return training.hall_set_up(name="培训大厅（测试）", source="测试")


def test_the_training_hall_is_set_up_once_marked_and_open_all_day(practice_hall):
    again = training.hall_set_up(name="培训大厅（测试）", source="测试")
    assert again.pk == practice_hall.pk and ServiceHall.objects.filter(is_training=True).count() == 1
    settings_ = HallSettings.objects.get(hall=practice_hall)
    assert (settings_.opens_at, settings_.closes_at) == (dt.time(0, 0), dt.time(23, 59, 59))


def test_a_director_practises_sign_in_and_out_at_three_in_the_morning_of_a_sunday(hall, practice_hall):
    director = make_director(hall, "张局长")
    user = director.person.user
    signed_in = sign(user, practice_hall, "sign_in", at(3, 0))
    assert signed_in.state == S.SIGNED_IN and signed_in.hall == practice_hall
    signed_out = sign(user, practice_hall, "sign_out", at(3, 5))
    assert signed_out.pk == signed_in.pk and signed_out.state == S.SIGNED_OUT


def test_practice_still_needs_the_code_of_the_screen_and_creates_nothing_without_it(hall, practice_hall):
    director = make_director(hall, "张局长")
    with pytest.raises(InvalidInput):
        services.shift_sign(user=director.person.user, hall=practice_hall, code="000000x", action="sign_in",
                            now=at(3))
    assert not DutyShift.objects.filter(hall=practice_hall).exists()


def test_someone_who_is_no_director_gets_no_practice_shift(practice_hall):
    clerk = make_user(Role.CLERK)
    with pytest.raises(NotAllowed):
        sign(clerk, practice_hall, "sign_in", at(10))
    assert not DutyShift.objects.filter(hall=practice_hall).exists()


def test_a_director_may_practise_on_a_day_they_are_rostered(hall, practice_hall):
    director = make_director(hall, "张局长")
    real = DutyShiftFactory(director=director, date=DAY)
    practice = sign(director.person.user, practice_hall, "sign_in", at(8, day=DAY))
    assert practice.pk != real.pk and DutyShift.objects.filter(director=director, date=DAY).count() == 2


def test_shifts_ensure_adds_only_the_missing_days(hall, practice_hall):
    directors = [make_director(hall, "张局长"), make_director(hall, "李局长")]
    days = [DAY, DAY + dt.timedelta(days=1)]
    assert training.shifts_ensure(hall=practice_hall, directors=directors, days=days) == 4
    assert training.shifts_ensure(hall=practice_hall, directors=directors, days=[*days, DAY + dt.timedelta(2)]) == 2
    assert DutyShift.objects.filter(hall=practice_hall, state=S.PUBLISHED).count() == 6


def test_practice_shifts_count_in_no_briefing_or_assessment(hall, practice_hall):
    director = make_director(hall, "张局长")
    DutyShiftFactory(director=director, date=DAY, state=S.MISSED)
    practice = DutyShiftFactory(director=director, hall=practice_hall, date=DAY, state=S.SIGNED_OUT,
                                signed_in_at=at(9, day=DAY), signed_out_at=at(17, day=DAY))
    EvaluationFactory(shift=practice, level=1)
    WorkRecordFactory(shift=practice)
    halls = [hall, practice_hall]
    b = monthly_briefing(halls=halls, year=2024, month=10, as_of=dt.date(2024, 11, 1))
    assert (b.total.due, b.total.done, b.total.missed, b.evaluation_count) == (1, 0, 1, 0)
    table = department_assessment(halls=halls, year=2024, as_of=dt.date(2024, 11, 1))
    assert [(e.attendance.due, e.records, e.evaluations) for e in table.values()] == [(1, 0, 0)]


def test_the_report_pages_offer_no_training_hall(client, practice_hall, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("halls:briefing", args=[2024, 10]))
    assert f"hall:{practice_hall.pk}" not in response.content.decode()
    assert client.get(reverse("halls:briefing", args=[2024, 10]), {"level": f"hall:{practice_hall.pk}"}
                      ).status_code == 404


def test_sweeps_and_reminders_leave_practice_shifts_alone(hall, practice_hall, supervisor, settings):
    director = make_director(hall, "张局长")
    practice = DutyShiftFactory(director=director, hall=practice_hall, date=DAY, starts_at=at(0, day=DAY),
                                ends_at=at(23, 59, day=DAY))
    assert services.shifts_close_windows(now=at(12, day=DAY + dt.timedelta(days=1))) == {"missed": 0, "flagged": 0}
    practice.refresh_from_db()
    assert practice.state == S.PUBLISHED
    assert reminders.sweep_shifts(today=DAY, now=at(10, day=DAY)) == 0
    # A director with only practice shifts this month is still reminded of the monthly quota
    # (entered before the month: the quota counts no one entered after it).
    Director.history.model.objects.update(history_date=at(9, day=dt.date(2024, 9, 1)))
    reminders.sweep_monthly_quota(today=dt.date(2024, 10, 25), now=at(10, day=dt.date(2024, 10, 25)))
    assert Notification.objects.filter(kind="director.no_shift", recipient=director.person.user).exists()


def test_a_practice_rating_is_kept_but_not_counted(hall, practice_hall, client):
    director = make_director(hall, "张局长")
    sign(director.person.user, practice_hall, "sign_in", at(10))
    services.evaluation_submit(hall=practice_hall, level=1, comment="", device="phone-1", now=at(10, 30))
    assert Evaluation.objects.count() == 1 and Evaluation.objects.counted().count() == 0


def test_the_sign_page_says_a_practice_sign_out_counts_nowhere(client, hall, practice_hall, monkeypatch):
    director = make_director(hall, "张局长")
    client.force_login(director.person.user)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(3))
    code = codes.current_code(practice_hall.duty_settings.code_secret, at(3))[0]
    response = client.post(reverse("halls:sign"), {"hall": practice_hall.pk, "code": code, "action": "sign_in"},
                           follow=True)
    with translation.override("zh-hans"):
        told = gettext("This was practice at a training hall: it counts in no report.")
    assert response.status_code == 200 and told in html.unescape(response.content.decode())
    assert DutyShift.objects.get(hall=practice_hall).state == S.SIGNED_IN


def test_the_demo_builds_one_training_hall_with_a_week_of_practice_and_runs_twice(db):
    import random

    from policyops.demo import ensure_users
    from programs.halls.demo import TRAINING_DAYS, TRAINING_HALL_NAME, build_halls_demo

    users = ensure_users(lambda *args: None)
    build_halls_demo(random.Random(2018), users, lambda *args: None, today=dt.date(2024, 11, 20))
    hall = ServiceHall.objects.get(name=TRAINING_HALL_NAME)
    assert hall.is_training
    edu = DutyShift.objects.filter(hall=hall, director__person__user=users["director_edu"])
    assert edu.count() == TRAINING_DAYS and {s.starts_at.astimezone(TZ).time() for s in edu} == {dt.time(0)}
    count = DutyShift.objects.count()
    build_halls_demo(random.Random(2018), users, lambda *args: None, today=dt.date(2024, 11, 20))
    assert DutyShift.objects.count() == count and ServiceHall.objects.filter(is_training=True).count() == 1
