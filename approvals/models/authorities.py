"""Who heads each approval authority (行政许可法 Art. 42: 本行政机关负责人批准 an extension).

The authority itself is a policyops Department of kind 行政审批机关; its head is recorded
here, on the approvals side, so the core app keeps no approvals-only facts.
"""
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from policyops.history import HistoricalRecords
from policyops.models import Department, Person


class AuthorityHead(models.Model):
    """The head (负责人) of one approval authority: the only person who approves an extension."""

    authority = models.OneToOneField(
        Department, verbose_name=_("approval authority"), on_delete=models.CASCADE, related_name="approval_head",
        limit_choices_to={"kind": Department.Kind.APPROVAL_AUTHORITY})
    person = models.ForeignKey(Person, verbose_name=_("head of the authority"), on_delete=models.PROTECT,
                               related_name="headed_authorities")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("head of an approval authority")
        verbose_name_plural = _("heads of approval authorities")
        ordering = ["authority__name"]

    def __str__(self):
        return f"{self.authority}：{self.person.name}"

    def clean(self):
        if self.authority_id and self.authority.kind != Department.Kind.APPROVAL_AUTHORITY:
            raise ValidationError({"authority": _("Only an approval authority has a head here.")})
