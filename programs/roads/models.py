"""Rural-road three-year programme (青政办发〔2018〕19号)."""
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from policyops.models import District
from policyops.scoping import DistrictScopedQuerySet


def km_field(verbose_name):
    return models.DecimalField(verbose_name, max_digits=8, decimal_places=1)


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
