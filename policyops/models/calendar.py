"""Tables behind the working-day calendar (policyops.calendar)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from policyops.history import HistoricalRecords


class CalendarOverride(models.Model):
    """One date whose working status differs from what the calendar would otherwise say.

    Covers dates the chinesecalendar package does not know (years after its data) and
    corrections; rows imported from the State Council's notice carry ``official=True``.
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: an adjusted working day (调休上班). Unticked: a holiday."),
    )
    name = models.CharField(_("holiday name"), max_length=50, blank=True)
    official = models.BooleanField(_("from the official notice"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self):
        kind = _("working day") if self.is_working_day else _("holiday")
        return f"{self.date:%Y-%m-%d} {kind} {self.name}".strip()


class OfficialCalendarYear(models.Model):
    """Marks a year whose official holiday notice has been entered (imported)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(_("notice"), max_length=200, blank=True,
                              help_text=_("The State Council notice the dates come from."))
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)
