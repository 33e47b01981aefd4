"""The 49 city powers entrusted to Pingdu (decree 第264号, annex)."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from policyops.models import Department


class DelegatedPower(models.Model):
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    agency = models.ForeignKey(Department, verbose_name=_("implementing agency"), on_delete=models.PROTECT,
                               related_name="delegated_powers")
    name = models.CharField(_("full name"), max_length=300)
    item = models.CharField(_("item"), max_length=300)
    sub_item = models.CharField(_("sub-item"), max_length=200, blank=True)
    remark = models.CharField(_("remark"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegated power")
        verbose_name_plural = _("delegated powers")
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}. {self.name}"
