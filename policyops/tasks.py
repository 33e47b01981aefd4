"""Celery tasks of the core: delivery, the policy-task sweep, the audit chain, the login logs, the ended
sessions. Tasks call services."""
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from policyops import notifications, reminders
from policyops.enqueue import enqueue
from policyops.metrics import timed_sweep


@shared_task(acks_late=True, ignore_result=True)
def deliver_notifications():
    """Send what is pending. A worker killed mid-batch leaves the rest pending and the message it
    was sending claimed until its lease ends; a later run sends both (notifications.deliver_due)."""
    return notifications.deliver_due(now=timezone.now())


def after_sweep(created: int) -> int:
    """Queue a delivery once the sweep's rows are committed (never before they exist).

    Queued even when the sweep found nothing new: messages an earlier, crashed run left
    pending go out now. If the broker is down, the rows wait pending for the once-a-minute
    delivery from beat: nothing is lost, and the sweep (maybe run from the admin) goes on.
    """
    enqueue(deliver_notifications)
    return created


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def sweep_policy_tasks():
    with transaction.atomic():
        return after_sweep(reminders.sweep_policy_tasks(today=timezone.localdate(), now=timezone.now()))


@shared_task(acks_late=True, ignore_result=True)
def seal_audit_chain():
    """Link the audit rows committed since the last run into the hash chain (policyops.audit)."""
    from policyops.audit import seal_audit

    return seal_audit(wait=False)


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def prune_login_logs():
    """Delete the login logs older than they are kept (policyops.login_logs)."""
    from policyops import login_logs

    return login_logs.prune_login_logs(now=timezone.now())


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def clear_expired_sessions():
    """Delete the sessions that have ended (policyops.sessions.clear_expired)."""
    from policyops import sessions

    return sessions.clear_expired(now=timezone.now())


@shared_task(acks_late=True, ignore_result=True)
@timed_sweep
def purge_background_exports():
    """Remove the background exports' folders kept past their two days (policyops.background_exports)."""
    from policyops import background_exports

    return background_exports.purge(timezone.now())


@shared_task(acks_late=True, ignore_result=True)
def export_admin_list(token: str):
    """Write an admin list's export too long for a web request (policyops.background_exports)."""
    from policyops import background_exports

    background_exports.run(token)
