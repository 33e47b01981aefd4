"""Reminder sweeps of the road programme."""
import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from policyops.notifications import NotificationBatch
from policyops.recipients import role_members_by_district
from policyops.roles import Role
from policyops.scoping import SYSTEM
from programs.roads.models import ProjectMilestone, RoadProject, Step
from programs.roads.selectors import CheckStatus, district_progress, programme_checks, programme_phases

State = RoadProject.State


def sweep_milestones(*, today: dt.date, now: dt.datetime) -> int:
    """Steps due within N calendar days or overdue → the project's responsible person and managers."""
    horizon = today + dt.timedelta(days=settings.POLICYOPS_REMINDERS["milestone_calendar_days_ahead"])
    managers = role_members_by_district(Role.PROGRAMME_MANAGER)
    batch = NotificationBatch(now=now)
    milestones = (ProjectMilestone.objects.filter(actual_end__isnull=True, planned_end__isnull=False,
                                                  planned_end__lte=horizon)
                  .exclude(project__state=State.CLOSED).select_related("project__manager__user"))
    for m in milestones:
        project = m.project
        if project.state != m.step and m.step != Step.SURVEY_DESIGN:
            # Only the current step (or a not-yet-started design) is actionable now.
            if project.state != State.PLANNED:
                continue
        recipients = [*managers.get(project.district_id, [])]
        if project.manager and project.manager.user_id:
            recipients.append(project.manager.user)
        overdue = m.planned_end < today
        batch.add(
            recipients=recipients, kind="milestone.overdue" if overdue else "milestone.due", obj=m,
            due_date=m.planned_end,
            subject=(_("Overdue since %(due)s: %(step)s of %(project)s") if overdue
                     else _("Due on %(due)s: %(step)s of %(project)s"))
            % {"due": m.planned_end, "step": m.get_step_display(), "project": project},
            url=reverse("roads:project-detail", args=[project.pk]))
    return batch.save()


def sweep_phase_risk(*, today: dt.date, now: dt.datetime) -> int:
    """Monthly: districts whose phase check is at risk → that district's programme managers."""
    managers = role_members_by_district(Role.PROGRAMME_MANAGER)
    phases = programme_phases()
    first_of_month = today.replace(day=1)
    batch = NotificationBatch(now=now)
    # The sweep reads every district's progress as the system, not as a user.
    for progress in district_progress(as_of=today, user=SYSTEM):
        at_risk = [c for c in programme_checks(progress, today, phases) if c.status == CheckStatus.AT_RISK]
        if not at_risk:
            continue
        batch.add(recipients=managers.get(progress.district.pk, []), kind="roads.phase_at_risk",
                  obj=progress.district, due_date=first_of_month,
                  subject=_("%(district)s is at risk in phase %(phase)s of the road programme")
                  % {"district": progress.district, "phase": at_risk[0].phase.number},
                  url=reverse("roads:dashboard"))
    return batch.save()
