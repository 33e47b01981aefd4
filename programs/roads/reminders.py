"""Reminder sweeps of the road programme."""
import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from policyops.notifications import NotificationBatch
from policyops.recipients import role_members_by_district
from policyops.roles import Role
from policyops.scoping import SYSTEM
from programs.roads.selectors import districts_at_risk, steps_due


def sweep_milestones(*, today: dt.date, now: dt.datetime) -> int:
    """Steps due within N calendar days or overdue → the project's responsible person and managers.

    One message per project, however many of its steps are late (a planned project may
    have several): the subject names the overdue steps, or else those due soon; the body
    lists every step with its planned end.
    """
    horizon = today + dt.timedelta(days=settings.POLICYOPS_REMINDERS["milestone_calendar_days_ahead"])
    managers = role_members_by_district(Role.PROGRAMME_MANAGER)
    batch = NotificationBatch(now=now)
    for item in steps_due(today=today, horizon=horizon, related=("project__manager__user",)):
        project = item.project
        recipients = [*managers.get(project.district_id, [])]
        if project.manager and project.manager.user_id:
            recipients.append(project.manager.user)
        named = item.overdue or item.due
        due = named[0].planned_end  # the earliest: steps_due orders by planned end
        steps = "、".join(str(m.get_step_display()) for m in named)
        batch.add(
            recipients=recipients, kind="milestone.overdue" if item.overdue else "milestone.due", obj=project,
            due_date=due,
            subject=(_("Overdue since %(due)s: %(step)s of %(project)s") if item.overdue
                     else _("Due on %(due)s: %(step)s of %(project)s"))
            % {"due": due, "step": steps, "project": project},
            body="\n".join(f"{m.get_step_display()}：{m.planned_end:%Y-%m-%d}" for m in item.overdue + item.due),
            url=reverse("roads:project-detail", args=[project.pk]))
    return batch.save()


def sweep_phase_risk(*, today: dt.date, now: dt.datetime) -> int:
    """Monthly: districts whose phase check is at risk → that district's programme managers."""
    managers = role_members_by_district(Role.PROGRAMME_MANAGER)
    first_of_month = today.replace(day=1)
    batch = NotificationBatch(now=now)
    # The sweep reads every district's progress as the system, not as a user.
    for district, check in districts_at_risk(as_of=today, user=SYSTEM):
        batch.add(recipients=managers.get(district.pk, []), kind="roads.phase_at_risk",
                  obj=district, due_date=first_of_month,
                  subject=_("%(district)s is at risk in phase %(phase)s of the road programme")
                  % {"district": district, "phase": check.phase.number},
                  url=reverse("roads:dashboard"))
    return batch.save()
