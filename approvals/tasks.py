from celery import shared_task
from django.db import transaction
from django.utils import timezone

from approvals import reminders, services
from policyops.metrics import timed_sweep
from policyops.tasks import after_sweep


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def sweep_case_deadlines():
    today = timezone.localdate()
    with transaction.atomic():
        # First the clocks of cases deemed accepted since yesterday (Art. 32), then the reminders.
        services.cases_start_deemed_clocks(as_of=today)
        return after_sweep(reminders.sweep_cases(today=today, now=timezone.now()))


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def sweep_entrustments():
    with transaction.atomic():
        return after_sweep(reminders.sweep_entrustments(today=timezone.localdate(), now=timezone.now()))
