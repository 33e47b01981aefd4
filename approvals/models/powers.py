"""The 49 powers of the annex of decree 第264号."""
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals import rules
from policyops.history import HistoricalRecords
from policyops.models import Department
from policyops.workflow import memoized, remembered


class DelegatedPower(models.Model):
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    agency = models.ForeignKey(Department, verbose_name=_("implementing agency"), on_delete=models.PROTECT,
                               related_name="delegated_powers")
    name = models.CharField(_("full name"), max_length=300)
    item = models.CharField(_("item"), max_length=300)
    sub_item = models.CharField(_("sub-item"), max_length=200, blank=True)
    remark = models.CharField(_("remark"), max_length=100, blank=True)
    legal_limit_days = models.PositiveSmallIntegerField(
        _("legal time limit (working days)"), default=rules.LEGAL_DECISION_DAYS)
    promised_limit_days = models.PositiveSmallIntegerField(
        _("promised time limit (working days)"), null=True, blank=True,
        help_text=_("承诺时限; must not exceed the legal time limit."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegated power")
        verbose_name_plural = _("delegated powers")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(promised_limit_days__isnull=True)
                | models.Q(promised_limit_days__lte=models.F("legal_limit_days")),
                name="power_promised_within_legal",
                violation_error_message=_("The promised time limit must not exceed the legal time limit."),
            ),
        ]
        permissions = [("set_promised_limit", _("Can set promised time limits"))]

    def __str__(self):
        return self.display_name(self.number, self.name)

    @staticmethod
    def display_name(number, name) -> str:
        """How a power is named in lists and choices: "12. 建设工程规划许可"."""
        return f"{number}. {name}"

    @property
    def is_preliminary_review(self) -> bool:
        return rules.is_preliminary_review(self.name)

    @property
    def scope_rule(self) -> str:
        return rules.scope_rule_for(self.remark)

    def seal_on(self, day: dt.date, district_id):
        """The seal that may stamp a decision on this power on ``day`` in ``district_id``, or None
        (``entrustments.seals_by_power_and_district``).

        Within a step (policyops.workflow.memoized) each question is asked once: from the
        district's answers when a list asked for them (``seals_in``), else for this power alone.
        """
        from approvals.models.entrustments import seals_by_power_and_district  # it imports this module

        key = (self.pk, district_id)
        if remembered(self.seals_memo_key(day, district_id)):
            return self.seals_in(day, district_id).get(key)
        return memoized(("seal_on", day, key),
                        lambda: seals_by_power_and_district(day, [district_id], [self.pk]).get(key))

    @staticmethod
    def seals_in(day: dt.date, district_id) -> dict:
        """The seals of every power in ``district_id`` on ``day``, remembered for the step."""
        from approvals.models.entrustments import seals_by_power_and_district  # it imports this module

        return memoized(DelegatedPower.seals_memo_key(day, district_id),
                        lambda: seals_by_power_and_district(day, [district_id]))

    @staticmethod
    def seals_memo_key(day: dt.date, district_id) -> tuple:
        """The memo key of ``seals_in`` (selectors.remember_seals fills it for many districts at once)."""
        return ("seals_in", day, district_id)

    @property
    def decision_limit_days(self) -> int | None:
        """The working days the law gives from acceptance, before any extension: the power's own
        limit, or for a 初审 power the 20 days of its preliminary review (Art. 43)."""
        if self.legal_limit_days is None:
            return None
        return rules.legal_budget_days(self.legal_limit_days, preliminary_review=self.is_preliminary_review,
                                       extended=False)

    def clean(self):
        limit = self.decision_limit_days
        if self.promised_limit_days is not None and limit is not None and self.promised_limit_days > limit:
            raise ValidationError({"promised_limit_days": _(
                "The promised time limit (%(promised)s) must not exceed the legal time limit (%(legal)s).")
                % {"promised": self.promised_limit_days, "legal": limit}})


class PowerMaterial(models.Model):
    """One item of a power's materials checklist, ticked at registration.

    The sources list no materials, so the seeds leave the checklists empty; supervisors
    fill them in the admin (an inline of the power).
    """

    power = models.ForeignKey(DelegatedPower, verbose_name=_("delegated power"), on_delete=models.CASCADE,
                              related_name="checklist")
    name = models.CharField(_("material"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist material")
        verbose_name_plural = _("materials checklist")
        ordering = ["power", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["power", "name"], name="powermaterial_unique_name")]

    def __str__(self):
        return self.name
