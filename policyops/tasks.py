"""Celery tasks of the core: delivery and the policy-task sweep. Tasks call services."""
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from policyops import notifications, reminders


@shared_task(acks_late=True, ignore_result=True)
def deliver_notifications():
    """Send what is pending; a crash mid-batch leaves the rest pending for the next run."""
    return notifications.deliver_due(now=timezone.now())


def after_sweep(created: int) -> int:
    """Queue a delivery once the sweep's rows are committed (never before they exist).

    Queued even when the sweep found nothing new: messages an earlier, crashed run left
    pending go out now (the once-a-minute delivery from beat would also catch them).
    """
    transaction.on_commit(deliver_notifications.delay)
    return created


@shared_task(acks_late=True, ignore_result=True)
def sweep_policy_tasks():
    with transaction.atomic():
        return after_sweep(reminders.sweep_policy_tasks(today=timezone.localdate(), now=timezone.now()))
