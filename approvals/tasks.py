from celery import shared_task
from django.db import transaction
from django.utils import timezone

from approvals import reminders
from policyops.tasks import after_sweep


@shared_task(acks_late=True, ignore_result=True)
def sweep_case_deadlines():
    with transaction.atomic():
        return after_sweep(reminders.sweep_cases(today=timezone.localdate(), now=timezone.now()))


@shared_task(acks_late=True, ignore_result=True)
def sweep_entrustments():
    with transaction.atomic():
        return after_sweep(reminders.sweep_entrustments(today=timezone.localdate(), now=timezone.now()))
