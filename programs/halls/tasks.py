from celery import shared_task
from django.db import transaction
from django.utils import timezone

from policyops.metrics import timed_sweep
from policyops.tasks import after_sweep
from programs.halls import reminders, services


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def sweep_shifts():
    with transaction.atomic():
        return after_sweep(reminders.sweep_shifts(today=timezone.localdate(), now=timezone.now()))


@shared_task(acks_late=True, ignore_result=True)
def close_shift_windows():
    return services.shifts_close_windows(now=timezone.now())


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def sweep_monthly_quota():
    with transaction.atomic():
        return after_sweep(reminders.sweep_monthly_quota(today=timezone.localdate(), now=timezone.now()))


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def sweep_briefing():
    with transaction.atomic():
        return after_sweep(reminders.sweep_briefing(today=timezone.localdate(), now=timezone.now()))
