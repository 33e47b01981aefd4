"""What the hall duty programme adds to the front menu and to the home pages (policyops.workspaces)."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policyops.workspaces import MenuEntry, Panel, register_menu, register_panel
from programs.halls import codes, selectors


def director_panel(request, today):
    """A director's hall duty: next shifts (sign-in when on duty now), first-contact cases, work records to write."""
    from programs.halls.training import training_halls

    user, now = request.user, timezone.now()
    shifts = selectors.next_shifts(user=user, today=today)
    now_shift, now_step = selectors.on_duty_now(shifts, user=user, now=now)
    cases, case_counts = selectors.first_contact_cases(user=user)
    to_write = selectors.records_to_write(user=user, today=today)
    practice = [{"hall": settings_.hall, "kiosk": codes.kiosk_token(settings_)}
                for settings_ in _training_settings(training_halls())]
    return {"shifts": shifts, "now_shift": now_shift, "now_step": now_step, "cases": cases,
            "case_counts": case_counts, "to_write": to_write, "practice": practice, "today": today}


def _training_settings(halls):
    from programs.halls.models import HallSettings

    return HallSettings.objects.filter(hall__in=halls).select_related("hall").order_by("hall__name")


def supervisor_panel(request, today):
    """A/B filings still open to objection and poor ratings awaiting their follow-up (回访); hidden when none."""
    substitutions, substitution_count = selectors.filed_substitutions(user=request.user, now=timezone.now())
    follow_ups, follow_up_count = selectors.open_follow_ups(user=request.user)
    if not (substitution_count or follow_up_count):
        return None
    return {"substitutions": substitutions, "substitution_count": substitution_count, "follow_ups": follow_ups,
            "follow_up_count": follow_up_count}


def register() -> None:
    register_menu(
        MenuEntry("halls", _("Hall duty"), "halls:index", perm="public", order=40),
        # Only directors hold shifts; the page's view checks the same permission.
        MenuEntry("my-shifts", _("My shifts"), "halls:my_shifts", perm="halls.add_workrecord", order=45),
    )
    register_panel(
        Panel("halls-director", _("My hall duty"), "halls/_panel_director.html", director_panel,
              perm="halls.add_workrecord", order=40),
        Panel("halls-supervision", _("Hall duty: filings and follow-ups"), "halls/_panel_supervisor.html",
              supervisor_panel, perm="halls.manage_rota", order=41),
    )
