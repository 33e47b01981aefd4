"""The training hall (``ServiceHall.is_training``): practice sign-in and sign-out at any hour.

Its shifts run all day, every day, for every active director: the demo creates a week of
them, and the sign-in service creates today's on demand (``shift_for_practice``). They are
no rota (nobody publishes them: they are born published) and count in no report, sweep or
reminder (``HallsQuerySet.counted``).
"""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from policyops.models import ServiceHall
from programs.halls.models import Director, DutyShift, HallSettings

# The whole day: a new user can try it at any hour.
OPENS, CLOSES = dt.time(0, 0), dt.time(23, 59, 59)
DAILY_CAPACITY = 500


def training_halls():
    return ServiceHall.objects.filter(is_training=True)


def _window(day: dt.date):
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, OPENS, tzinfo=tz), dt.datetime.combine(day, CLOSES, tzinfo=tz)


def hall_set_up(*, name: str, source: str) -> ServiceHall:
    """The training hall ``name`` with its all-day settings; running it again changes nothing."""
    with transaction.atomic():
        hall, _created = ServiceHall.objects.get_or_create(
            name=name, defaults={"kind": ServiceHall.Kind.CITY_HALL, "source": source, "is_training": True})
        if not hall.is_training:  # a hall of that name is marked, never silently reused as a real one
            hall.is_training = True
            hall.save(update_fields=["is_training"])
        HallSettings.objects.get_or_create(hall=hall, defaults={"opens_at": OPENS, "closes_at": CLOSES,
                                                                "daily_capacity": DAILY_CAPACITY})
    return hall


def shifts_ensure(*, hall: ServiceHall, directors, days, acting_user=None) -> int:
    """The all-day practice shifts of ``directors`` on ``days`` at the training ``hall``; returns how many were new."""
    assert hall.is_training, "practice shifts only at a training hall"
    directors, days = list(directors), list(days)
    existing = set(DutyShift.objects.filter(hall=hall, director__in=directors, date__in=days)
                   .values_list("director_id", "date"))
    new = []
    for day in days:
        starts_at, ends_at = _window(day)
        new += [DutyShift(hall=hall, director=d, date=day, starts_at=starts_at, ends_at=ends_at,
                          state=DutyShift.State.PUBLISHED) for d in directors if (d.pk, day) not in existing]
    if new:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller's transaction usable
            bulk_create_with_history(new, DutyShift, default_user=acting_user, default_change_reason="training")
    return len(new)


def shift_for_practice(*, user, hall: ServiceHall, day: dt.date) -> None:
    """Today's practice shift of ``user`` (an active director) at a training hall, created if missing."""
    director = Director.objects.filter(person__user=user, active=True).first()
    if hall.is_training and director is not None:
        try:
            shifts_ensure(hall=hall, directors=[director], days=[day], acting_user=user)
        except IntegrityError:
            pass  # a second tap at the same moment created it: it is there

