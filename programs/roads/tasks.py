from celery import shared_task
from django.db import transaction
from django.utils import timezone

from policyops.tasks import after_sweep
from programs.roads import reminders


@shared_task(acks_late=True, ignore_result=True)
def sweep_milestones():
    with transaction.atomic():
        return after_sweep(reminders.sweep_milestones(today=timezone.localdate(), now=timezone.now()))


@shared_task(acks_late=True, ignore_result=True)
def sweep_phase_risk():
    with transaction.atomic():
        return after_sweep(reminders.sweep_phase_risk(today=timezone.localdate(), now=timezone.now()))
