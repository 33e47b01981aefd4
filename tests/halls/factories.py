"""Factories for the hall-duty models (programs/halls/models.py).

The rota itself is made by the services (``services.rota_generate`` / ``rota_publish``),
as in the app; ``DutyShiftFactory`` is for filling a month with shifts in given states
directly (query-count and report tests).
"""
import datetime as dt
from zoneinfo import ZoneInfo

import factory

from policyops.models import Department, District, Person, ServiceHall
from policyops.roles import Role
from programs.halls.models import (
    Director,
    DutyShift,
    Evaluation,
    HallSettings,
    Problem,
    Unavailability,
    WorkRecord,
)

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2024, 10, 14)  # a Monday: the day most hall-duty tests are set on


# What a Chinese input method in full-width mode types for digits (１２３４５６).
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def at(h, m=0, s=0, day=DAY):
    """``day`` at h:m:s in the hall's time (Beijing)."""
    return dt.datetime(day.year, day.month, day.day, h, m, s, tzinfo=TZ)


def sign(director, hall, action, when):
    """``director`` signs in or out (``action``) at ``hall`` at ``when``, with the code its kiosk shows then."""
    from programs.halls import codes, services

    code = codes.current_code(hall.duty_settings.code_secret, when)[0]
    return services.shift_sign(user=director.person.user, hall=hall, code=code, action=action, now=when)


def pingdu():
    return District.objects.get_or_create(name="平度市", defaults={"position": 4})[0]


class HallSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HallSettings

    hall = factory.SubFactory("tests.halls.factories.HallFactory", duty_settings=None)
    opens_at = dt.time(9, 0)
    closes_at = dt.time(17, 0)
    daily_capacity = 2


class HallFactory(factory.django.DjangoModelFactory):
    """A service hall with its duty settings (09:00-17:00, two directors a day)."""

    class Meta:
        model = ServiceHall
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试审批服务大厅{n}")
    kind = ServiceHall.Kind.DISTRICT_HALL
    district = factory.LazyFunction(pingdu)
    duty_settings = factory.RelatedFactory(HallSettingsFactory, factory_related_name="hall")


def _person(name, department_name, with_user, phone):
    department = Department.objects.get_or_create(name=department_name)[0]
    if not with_user:
        return Person.objects.create(name=name, department=department, phone=phone)
    from tests.conftest import make_user

    user = make_user(Role.DIRECTOR, department=department, username=f"dir-{name}")
    person = Person.objects.get(user=user)
    person.name, person.phone = name, phone
    person.save()
    return person


class DirectorFactory(factory.django.DjangoModelFactory):
    """A director of ``hall``: a person of ``department_name`` (by default with a login,
    user name ``dir-<name>``, in the director group)."""

    class Meta:
        model = Director

    class Params:
        name = factory.Sequence(lambda n: f"测试局长{n}")
        department_name = "市教育局"
        with_user = True
        phone = ""

    hall = factory.SubFactory(HallFactory)
    person = factory.LazyAttribute(lambda o: _person(o.name, o.department_name, o.with_user, o.phone))


class UnavailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unavailability

    director = factory.SubFactory(DirectorFactory)
    date = dt.date(2024, 10, 14)


class DutyShiftFactory(factory.django.DjangoModelFactory):
    """A shift on ``date`` (window 09:00-17:00 Beijing time), published by default."""

    class Meta:
        model = DutyShift

    director = factory.SubFactory(DirectorFactory)
    hall = factory.SelfAttribute("director.hall")
    date = dt.date(2024, 10, 14)
    starts_at = factory.LazyAttribute(lambda o: dt.datetime.combine(o.date, dt.time(9), tzinfo=TZ))
    ends_at = factory.LazyAttribute(lambda o: dt.datetime.combine(o.date, dt.time(17), tzinfo=TZ))
    state = DutyShift.State.PUBLISHED


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    shift = factory.SubFactory(DutyShiftFactory)
    level = 5
    device = factory.Sequence(lambda n: f"device-{n}")
    created_at = factory.LazyAttribute(lambda o: o.shift.starts_at + dt.timedelta(hours=1))


class WorkRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkRecord

    shift = factory.SubFactory(DutyShiftFactory)


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    record = factory.SubFactory(WorkRecordFactory)
    description = "材料清单不一致"
