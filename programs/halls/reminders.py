"""Reminder sweeps of hall duty (lead times in settings.POLICYOPS_REMINDERS)."""
import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from policyops.calendar import add_working_days
from policyops.models import ServiceHall
from policyops.months import previous_month
from policyops.notifications import NotificationBatch, notify
from policyops.recipients import role_members
from policyops.roles import Role
from programs.halls.models import Director, DutyShift, MonthlyBriefing
from programs.halls.selectors import monthly_briefing

UPCOMING = (DutyShift.State.PUBLISHED, DutyShift.State.SUBSTITUTED)


def _shifts(**filters):
    return DutyShift.objects.counted().filter(**filters).select_related(
        "hall", "director__person__user", "substitute__person__user")


def sweep_shifts(*, today: dt.date, now: dt.datetime) -> int:
    lead = settings.POLICYOPS_REMINDERS
    supervisors = role_members(Role.SUPERVISOR)
    batch = NotificationBatch(now=now)
    # The working day before a shift, with the A/B filing link.
    for shift in _shifts(date=add_working_days(today, 1), state__in=UPCOMING):
        user = shift.on_duty.person.user
        batch.add(recipients=[user], kind="shift.tomorrow", obj=shift, due_date=shift.date,
                          subject=_("Hall duty on %(date)s at %(hall)s; if you cannot come, file your A/B substitute "
                                    "before it starts") % {"date": shift.date, "hall": shift.hall},
                          url=reverse("halls:my_shifts"))
    # Start + 30 minutes and nobody signed in.
    late = dt.timedelta(minutes=lead["shift_no_sign_in_minutes"])
    for shift in _shifts(starts_at__lte=now - late, ends_at__gt=now, state__in=UPCOMING):
        batch.add(recipients=[shift.on_duty.person.user, *supervisors], kind="shift.no_sign_in", obj=shift,
                          due_date=shift.date,
                          subject=_("%(director)s has not signed in at %(hall)s (shift started %(start)s)")
                          % {"director": shift.on_duty, "hall": shift.hall, "start": shift.starts_at},
                          url=reverse("halls:my_shifts"))
    return batch.save()


def sweep_monthly_quota(*, today: dt.date, now: dt.datetime) -> int:
    """From the 20th: directors short of the month's served day with none still to come (002:1968
    每人每月不少于1天): the briefing's own list, so that a director whose only shift was missed is
    reminded as well as one who has none."""
    if today.day < settings.POLICYOPS_REMINDERS["shift_quota_check_day_of_month"]:
        return 0
    first = today.replace(day=1)
    short = monthly_briefing(halls=ServiceHall.objects.filter(is_training=False), year=today.year,
                             month=today.month, as_of=today).under_quota_ids
    supervisors = role_members(Role.SUPERVISOR)
    batch = NotificationBatch(now=now)
    for director in Director.objects.filter(pk__in=short).select_related("person__user"):
        batch.add(recipients=[director.person.user, *supervisors], kind="director.no_shift", obj=director,
                  due_date=first, subject=_("%(director)s has no served day of hall duty in %(month)s and none "
                                            "to come") % {"director": director, "month": f"{today:%Y-%m}"},
                  url=reverse("halls:my_shifts"))
    return batch.save()


def briefing_generate(*, year: int, month: int, now: dt.datetime) -> MonthlyBriefing:
    """Freeze the month's city-wide figures; generating twice keeps the first."""
    existing = MonthlyBriefing.objects.filter(year=year, month=month).first()
    if existing:
        return existing
    b = monthly_briefing(halls=ServiceHall.objects.filter(is_training=False), year=year, month=month,
                         as_of=timezone.localtime(now).date())
    figures = {"due": b.total.due, "done": b.total.done, "missed": b.total.missed, "left_early": b.total.left_early,
               "no_sign_out": b.total.no_sign_out,
               "substituted": b.total.substituted, "punctual": b.total.punctual,
               "attendance_rate": str(b.total.attendance_rate) if b.total.attendance_rate is not None else None,
               "under_quota": b.under_quota, "cases_accepted": b.cases_accepted,
               "evaluations": {str(k): v for k, v in b.evaluations.items()},
               "satisfaction_rate": str(b.satisfaction_rate) if b.satisfaction_rate is not None else None,
               "problems_raised": b.problems_raised, "problems_rectified": b.problems_rectified}
    try:
        with transaction.atomic():
            return MonthlyBriefing.objects.create(year=year, month=month, generated_at=now, figures=figures)
    except IntegrityError:
        return MonthlyBriefing.objects.get(year=year, month=month)


def sweep_briefing(*, today: dt.date, now: dt.datetime) -> int:
    """On (or after) the 1st: the previous month's briefing, sent to the supervisors."""
    last_month = previous_month(today)
    briefing = briefing_generate(year=last_month.year, month=last_month.month, now=now)
    return notify(recipients=role_members(Role.SUPERVISOR), kind="halls.briefing", obj=briefing,
                  due_date=today.replace(day=1),
                  subject=_("Hall duty briefing for %(month)s is ready") % {"month": f"{last_month:%Y-%m}"},
                  url=reverse("halls:briefing", args=[last_month.year, last_month.month]), now=now)
