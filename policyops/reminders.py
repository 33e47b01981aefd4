"""Reminder sweep of the policy task ledger: due in N working days, due today, overdue.

A sweep is state-based: it asks which tasks need a message on ``today`` and queues
them under the Notification unique key, so a missed run is caught up by the next one
and a repeated run sends nothing new.
"""
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from policyops.calendar import working_days_between
from policyops.models import PolicyTask
from policyops.notifications import NotificationBatch
from policyops.recipients import department_members


def sweep_policy_tasks(*, today, now) -> int:
    ahead = set(settings.POLICYOPS_REMINDERS["policy_task_days_ahead"])
    tasks = list(PolicyTask.objects.open().filter(deadline__isnull=False).select_related("document", "lead_unit"))
    members = department_members(t.lead_unit_id for t in tasks)
    batch = NotificationBatch(now=now)
    for task in tasks:
        if task.deadline < today:
            kind, subject = "policy_task.overdue", _("Overdue: %(task)s (deadline %(deadline)s)")
        else:
            left = working_days_between(today, task.deadline)
            if left not in ahead:
                continue
            kind = f"policy_task.due_in_{left}"
            subject = (_("Due today: %(task)s") if left == 0
                       else _("Due in %(days)s working days: %(task)s (deadline %(deadline)s)"))
        subject = subject % {"task": task, "deadline": task.deadline, "days": working_days_between(today, task.deadline)}
        batch.add(recipients=members.get(task.lead_unit_id, []), kind=kind, obj=task, due_date=task.deadline,
                          subject=subject, body=task.text[:500], url=reverse("policyops:tasks"))
    return batch.save()
