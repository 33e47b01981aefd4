"""Reminder sweep of the policy task ledger: due in N working days, due today, overdue.

A sweep is state-based: it asks which tasks need a message on ``today`` and queues
them under the Notification unique key, so a missed run is caught up by the next one
and a repeated run sends nothing new.
"""
import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from policyops.calendar import add_working_days, working_days_between
from policyops.models import PolicyTask
from policyops.notifications import NotificationBatch
from policyops.recipients import department_members


def lead_threshold(days_left: int, thresholds) -> int | None:
    """The reminder threshold ``days_left`` has reached: the smallest one at or above it.

    A reminder is due once per threshold, from the day it is reached on: with thresholds
    (3, 1, 0), 2 working days left is threshold 3, so a sweep that missed the day with 3
    left still sends it once (the Notification key holds the threshold). None: too early.
    """
    reached = [t for t in thresholds if t >= days_left]
    return min(reached) if reached else None


def lead_horizon(today, thresholds):
    """The last due date that has reached one of ``thresholds`` on ``today`` (None: no thresholds).

    ``lead_threshold`` is not None exactly for the dates up to this one (days left only grow
    with the date), so a sweep selects ``due <= lead_horizon(...)`` in SQL and still lets
    ``lead_threshold`` decide per row: the day before the (max + 1)th working day after today.
    """
    if not thresholds:
        return None
    return add_working_days(today, max(thresholds) + 1) - dt.timedelta(days=1)


def sweep_policy_tasks(*, today, now) -> int:
    ahead = set(settings.POLICYOPS_REMINDERS["policy_task_days_ahead"])
    # Only the tasks a message can be due for: overdue, or within the longest lead time.
    horizon = lead_horizon(today, ahead)
    due = Q(deadline__lt=today) if horizon is None else Q(deadline__lte=horizon)
    tasks = list(PolicyTask.objects.open().filter(due).select_related("document", "lead_unit"))
    members = department_members(t.lead_unit_id for t in tasks)
    batch = NotificationBatch(now=now)
    for task in tasks:
        if task.deadline < today:
            kind, subject = "policy_task.overdue", _("Overdue: %(task)s (deadline %(deadline)s)")
        else:
            left = working_days_between(today, task.deadline)
            threshold = lead_threshold(left, ahead)
            if threshold is None:
                continue
            kind = f"policy_task.due_in_{threshold}"
            subject = (_("Due today: %(task)s") if left == 0
                       else _("Due in %(days)s working days: %(task)s (deadline %(deadline)s)"))
        days = working_days_between(today, task.deadline)
        subject = subject % {"task": task, "deadline": task.deadline, "days": days}
        batch.add(recipients=members.get(task.lead_unit_id, []), kind=kind, obj=task, due_date=task.deadline,
                          subject=subject, body=task.text[:500], url=reverse("policyops:tasks"))
    return batch.save()
