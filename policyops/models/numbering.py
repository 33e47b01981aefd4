from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberSequence(models.Model):
    key = models.CharField(_("sequence"), max_length=30)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [models.UniqueConstraint(fields=["key", "year"], name="numbersequence_unique_key_year")]

    def __str__(self):
        return f"{self.key} {self.year}: {self.last}"
