"""What policyops adds to the front menu and to the home pages (policyops.workspaces)."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from policyops.workspaces import MenuEntry, Panel, register_menu, register_panel

# How many failed messages the panel names; the rest are counted.
FAILED_SHOWN = 10


def failed_notifications(request, today):
    """Reminders the sender gave up on: the recipient never got them on that channel."""
    from policyops.models import Notification

    failed = Notification.objects.filter(status=Notification.Status.FAILED)
    total = failed.count()
    if not total:
        return None
    rows = list(failed.select_related("recipient").order_by("-created_at", "-id")[:FAILED_SHOWN])
    return {"rows": rows, "total": total, "more": total - len(rows)}


def missing_official_calendars(request, today):
    """This year and the next without the State Council's notice: their deadlines are provisional."""
    from policyops.admin import calendar_warning_years

    years = calendar_warning_years(today)
    if not years:
        return None
    return {"years": years, "import_url": reverse("admin:policyops_calendaroverride_import_official_year")}


def register() -> None:
    register_menu(
        MenuEntry("indicators", _("Indicators"), "policyops:indicators", perm="policyops.view_indicator", order=60),
        MenuEntry("tasks", _("Policy tasks"), "policyops:tasks", perm="policyops.view_policytask", order=70),
        MenuEntry("admin", _("Administration"), "admin:index", staff_only=True, order=900),
    )
    register_panel(
        # view_all_districts: supervisors, who answer for every district's reminders.
        Panel("failed-notifications", _("Reminders that could not be sent"),
              "policyops/panels/failed_notifications.html", failed_notifications,
              perm="policyops.view_all_districts", order=500),
        # Who may import the notice is who is told it is missing.
        Panel("official-calendar", _("Official holiday calendar missing"), "policyops/panels/official_calendar.html",
              missing_official_calendars, perm="policyops.add_calendaroverride", order=510),
    )
