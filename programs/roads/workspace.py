"""What the road programme adds to the front menu and to the home pages (policyops.workspaces).

The home panels of programme managers (and anyone who may see road projects): projects
with a step overdue or due soon, each with the kernel's ready steps as buttons; districts
whose next phase check is at risk (selectors.districts_at_risk, the dashboard's rule);
the project list upload waiting in the manager's session for its confirmation.
"""
import datetime as dt

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from policyops import workflow
from policyops.formatting import percent
from policyops.workspaces import MenuEntry, Panel, register_menu, register_panel

PANEL_ROWS = 10  # the rest are one click away (the project list, the dashboard)


def build_steps_due(request, today: dt.date):
    from programs.roads import selectors

    horizon = today + dt.timedelta(days=settings.POLICYOPS_REMINDERS["milestone_calendar_days_ahead"])
    shown, projects = selectors.first_steps_due(today=today, horizon=horizon, user=request.user, rows=PANEL_ROWS)
    if not shown:
        return None
    # The kernel reads each project's milestones (its evidence condition): fetched together,
    # onto the projects first_steps_due already read with their district.
    prefetch_related_objects([item.project for item in shown], "milestones")
    rows = []
    for item in shown:
        project = item.project
        rows.append({
            "project": project, "overdue": item.overdue, "due": item.due,
            "url": reverse("roads:project-detail", args=[project.pk]),
            "actions": [{"label": a.label, "url": reverse("roads:project-action", args=[project.pk, a.name])}
                        for a in workflow.available_actions(project, request.user, as_of=today) if a.ready],
        })
    return {"rows": rows, "more": projects - len(shown), "list_url": reverse("roads:project-list")}


def build_phase_risk(request, today: dt.date):
    from programs.roads import rules, selectors

    at_risk = selectors.districts_at_risk(as_of=today, user=request.user)
    if not at_risk:
        return None
    rows = [{"district": district, "check": check, "actual": percent(check.actual_share, empty="—"),
             "required": percent(check.columns[0].required if check.columns else None, empty="—"),
             "failing": [str(rules.TARGET_LABELS[c.field]) for c in check.failing],
             "url": reverse("roads:project-list") + "?" + urlencode({"district": district.name})}
            for district, check in at_risk]
    return {"rows": rows, "dashboard_url": reverse("roads:dashboard")}


def build_pending_import(request, today: dt.date):
    from programs.roads.views_import import pending_import

    pending = pending_import(request.session)
    if pending is None:
        return None
    return {**pending, "url": reverse("roads:project-import") + "?pending=1"}


def register() -> None:
    register_menu(
        MenuEntry("roads", _("Rural roads"), "roads:dashboard", perm="roads.view_roadproject", order=30),
    )
    register_panel(
        Panel("roads-pending-import", _("Project list waiting for confirmation"), "roads/panels/pending_import.html",
              build_pending_import, perm="roads.manage_roadproject", order=30),
        Panel("roads-steps-due", _("Road projects with steps overdue or due soon"), "roads/panels/steps_due.html",
              build_steps_due, perm="roads.view_roadproject", order=31),
        Panel("roads-phase-risk", _("Districts at risk in the road programme's phase check"),
              "roads/panels/phase_risk.html", build_phase_risk, perm="roads.view_roadproject", order=32),
    )
