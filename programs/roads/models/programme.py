"""The programme's data: district targets (Annex 2), phases and the subsidy tables."""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from policyops.history import HistoricalRecords
from policyops.models import District
from policyops.scoping import DistrictScopedQuerySet
from programs.roads.rules import DistrictGroup, WorkType


def km_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=8, decimal_places=1, **kwargs)


class RoadTarget(models.Model):
    """A district's three-year targets (Annex 2, 002:527-539)."""

    district = models.OneToOneField(District, verbose_name=_("district"), on_delete=models.PROTECT,
                                    related_name="road_target")
    upgrade_km = km_field(_("road-network upgrade (km)"))
    village_access_km = km_field(_("natural-village access (km)"))
    pavement_total_km = km_field(_("pavement improvement total (km)"))
    major_medium_km = km_field(_("of which major/medium repair (km)"))
    preventive_km = km_field(_("of which preventive maintenance (km)"))
    dangerous_bridges = models.PositiveIntegerField(_("dangerous bridges"))
    bus_stops = models.PositiveIntegerField(_("passenger stops"))
    # 002:507 对经省级以上部门验收合格的“四好农村路”示范区（市）…给予奖励: a fact the programme office
    # records (not a seed: the sources name no district); the reward is subsidy.demonstration_reward.
    demonstration_accepted_on = models.DateField(
        _("accepted as a 四好农村路 demonstration district on"), null=True, blank=True,
        help_text=_("The day a provincial or higher department accepted the district as a demonstration "
                    "district (002:507); the district then earns the city's demonstration reward."))
    history = HistoricalRecords()

    district_lookup = "district"
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("district road target")
        verbose_name_plural = _("district road targets")
        ordering = ["district__position"]
        constraints = [
            # Annex 2: 路面状况改善 里程合计 = 大中修 + 预防养护.
            models.CheckConstraint(
                condition=models.Q(pavement_total_km=F("major_medium_km") + F("preventive_km")),
                name="roadtarget_pavement_total_is_sum",
                violation_error_message=_("The pavement total must equal major/medium repair plus preventive "
                                          "maintenance."),
            ),
        ]

    def __str__(self):
        return str(self.district)

    def clean(self):
        parts = (self.major_medium_km, self.preventive_km, self.pavement_total_km)
        if None not in parts and self.pavement_total_km != self.major_medium_km + self.preventive_km:
            raise ValidationError({"pavement_total_km": _(
                "%(total)s km is not major/medium repair %(major)s km + preventive maintenance %(prev)s km."
            ) % {"total": self.pavement_total_km, "major": self.major_medium_km, "prev": self.preventive_km}})

    def target_for(self, target_field: str) -> Decimal:
        return Decimal(getattr(self, target_field))


class ProgrammePhase(models.Model):
    """The programme's phases (002:477-481) and the completion share due by each end."""

    number = models.PositiveSmallIntegerField(_("phase"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    completion_share = models.DecimalField(_("share of the targets done by the end"), max_digits=4,
                                           decimal_places=2, null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("programme phase")
        verbose_name_plural = _("programme phases")
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}. {self.name}"


class SubsidyRate(models.Model):
    """万元 per km by work type, width class and district group (002:491)."""

    work_type = models.CharField(_("work type"), max_length=10, choices=WorkType.CHOICES)
    wide = models.BooleanField(_("pavement 6 m or wider"))
    district_group = models.CharField(_("district group"), max_length=10,
                                      choices=DistrictGroup.choices)
    rate_wan_per_km = models.DecimalField(_("rate (万元/km)"), max_digits=6, decimal_places=2)
    source = models.CharField(_("source"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subsidy rate")
        verbose_name_plural = _("subsidy rates")
        ordering = ["work_type", "-wide", "district_group"]
        constraints = [models.UniqueConstraint(fields=["work_type", "wide", "district_group"],
                                               name="subsidyrate_unique_cell")]

    def __str__(self):
        # The group's label: its code "other" showed in the rate's page title and breadcrumb.
        return (f"{self.get_work_type_display()} {'≥6m' if self.wide else '<6m'} {self.get_district_group_display()}: "
                f"{self.rate_wan_per_km}")


class SubsidyParameter(models.Model):
    """A cap, multiplier, unit amount or district list of the subsidy rules."""

    key = models.CharField(_("key"), max_length=40, unique=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4, null=True, blank=True)
    text = models.CharField(_("text"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subsidy parameter")
        verbose_name_plural = _("subsidy parameters")
        ordering = ["key"]

    def __str__(self):
        return f"{self.key} = {self.value if self.value is not None else self.text}"
