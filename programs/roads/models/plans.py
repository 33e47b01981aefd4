"""Annual plans and their dynamic adjustments (动态调整, 002:521)."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from policyops.fsm import StateField, StateMachineModel
from policyops.history import HistoricalRecords
from policyops.models import District
from policyops.scoping import DistrictScopedQuerySet
from programs.roads import guards as g
from programs.roads import rules


class AnnualPlan(models.Model):
    """A district's target for one Annex 2 column split into a plan year."""

    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT,
                                 related_name="road_annual_plans")
    target_field = models.CharField(_("target"), max_length=20, choices=list(rules.TARGET_LABELS.items()))
    year = models.PositiveSmallIntegerField(_("year"))
    quantity = models.DecimalField(_("planned quantity"), max_digits=10, decimal_places=1)
    history = HistoricalRecords()

    district_lookup = "district"
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["district__position", "target_field", "year"]
        constraints = [
            models.UniqueConstraint(fields=["district", "target_field", "year"], name="annualplan_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="annualplan_quantity_nonneg"),
        ]

    def __str__(self):
        return f"{self.district} {self.get_target_field_display()} {self.year}: {self.quantity}"


class PlanAdjustment(StateMachineModel):
    """动态调整 (002:521): a change to a district's annual plans; the total must not change."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("requested")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT,
                                 related_name="road_plan_adjustments")
    target_field = models.CharField(_("target"), max_length=20, choices=list(rules.TARGET_LABELS.items()))
    reason = models.TextField(_("reason"))
    state = StateField(_("state"), max_length=20, choices=State.choices, default=State.REQUESTED, protected=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    decision_note = models.TextField(_("decision note"), blank=True)
    history = HistoricalRecords()

    district_lookup = "district"
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan adjustment")
        verbose_name_plural = _("plan adjustments")
        ordering = ["-id"]
        permissions = [("approve_planadjustment", _("Can approve plan adjustments"))]

    def __str__(self):
        return f"{self.district} {self.get_target_field_display()} #{self.pk}"

    def annex_target(self) -> Decimal:
        """The invariant of 002:521 (在总任务保持不变的前提下): the district's Annex 2 target for the column."""
        from programs.roads.models.programme import RoadTarget

        target = RoadTarget.objects.filter(district_id=self.district_id).values_list(self.target_field,
                                                                                      flat=True).first()
        return Decimal(target) if target is not None else Decimal(0)

    def totals(self):
        """The district's planned total for the target before and after this adjustment (shown beside it)."""
        plans = dict(AnnualPlan.objects.filter(district_id=self.district_id, target_field=self.target_field)
                     .values_list("year", "quantity"))
        before = sum(plans.values(), Decimal(0))
        after_plans = {**plans, **{line.year: line.new_quantity for line in self.lines.all()}}
        return before, sum(after_plans.values(), Decimal(0))

    @transition(field=state, source=State.REQUESTED, target=State.APPROVED, permission=g.may_decide_adjustment,
                conditions=[g.adjustment_keeps_annex_total])
    def approve(self):
        pass

    @transition(field=state, source=State.REQUESTED, target=State.REJECTED, permission=g.may_decide_adjustment)
    def reject(self):
        pass


class PlanAdjustmentLine(models.Model):
    adjustment = models.ForeignKey(PlanAdjustment, verbose_name=_("plan adjustment"), on_delete=models.CASCADE,
                                   related_name="lines")
    year = models.PositiveSmallIntegerField(_("year"))
    new_quantity = models.DecimalField(_("new planned quantity"), max_digits=10, decimal_places=1)

    class Meta:
        verbose_name = _("adjustment line")
        verbose_name_plural = _("adjustment lines")
        constraints = [models.UniqueConstraint(fields=["adjustment", "year"], name="adjustmentline_unique_year"),
                       models.CheckConstraint(condition=models.Q(new_quantity__gte=0),
                                              name="adjustmentline_nonneg")]

    def __str__(self):
        return f"{self.year}: {self.new_quantity}"
