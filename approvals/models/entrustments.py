"""Entrustment agreements (委托协议) and their special approval seals (002:35, 002:37)."""
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from approvals.models.powers import DelegatedPower
from policyops.fsm import StateField, StateMachineModel
from policyops.history import HistoricalRecords
from policyops.models import Department
from policyops.workflow import acting_as_of, condition


@condition(_("fill in the entrusted content, management requirements, workflow, "
             "implementation period and legal liability"))
def _has_the_five_contents(entrustment) -> bool:
    return all(str(getattr(entrustment, f)).strip() for f in Entrustment.REQUIRED_CONTENTS) and bool(
        entrustment.period_start and entrustment.period_end)


@condition(_("give the signing date"))
def _is_signed(entrustment) -> bool:
    return bool(entrustment.signed_on)


@condition(_("give both filing dates (approval-reform office and legal-affairs office)"))
def _is_filed_with_both_offices(entrustment) -> bool:
    return bool(entrustment.filed_with_reform_office_on and entrustment.filed_with_legal_office_on)


@condition(_("issue the special approval seal first"))
def _has_an_issued_seal(entrustment) -> bool:
    return entrustment.seals.filter(recovered_on__isnull=True).exists()


@condition(_("give the lawful reason for the revocation and its details"))
def _has_revocation_reason(entrustment) -> bool:
    return bool(entrustment.revocation_reason and entrustment.revocation_note.strip())


# 002:35 不得擅自收回或者变相收回: a suspension takes the powers away at once, so it is recorded
# with its reason, as a revocation is.
@condition(_("give the reason for the suspension"))
def _has_suspension_reason(entrustment) -> bool:
    return bool(entrustment.suspension_reason.strip())


# An agreement expires when its implementation period (实施期限, 002:35) has ended, not before.
@condition(_("the implementation period has not ended yet"))
def _period_has_ended(entrustment) -> bool:
    return entrustment.period_end is not None and acting_as_of() > entrustment.period_end


def _may_manage_entrustments(entrustment, user) -> bool:
    return user.has_perm("approvals.manage_entrustment")


# A 委托协议 (002:35) is in force on a day when brought into force and the day is within its
# implementation period (实施期限).
def in_force_on(day: dt.date, *, through: str = "") -> models.Q:
    """The condition that an entrustment (reached through ``through``, a lookup prefix) is in force on ``day``."""
    return models.Q(**{f"{through}state": Entrustment.State.IN_FORCE, f"{through}period_start__lte": day,
                       f"{through}period_end__gte": day})


class EntrustmentQuerySet(models.QuerySet):
    def in_force_on(self, day: dt.date):
        return self.filter(in_force_on(day))


class Entrustment(StateMachineModel):
    """委托协议 between a city agency and Pingdu's approval authority (002:35)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SIGNED = "signed", _("signed")
        FILED = "filed", _("filed")
        IN_FORCE = "in_force", _("in force")
        SUSPENDED = "suspended", _("suspended")
        REVOKED = "revoked", _("revoked")
        EXPIRED = "expired", _("expired")

    class RevocationReason(models.TextChoices):
        # 002:37 超范围使用的，市直有关部门可以取消相应审批权限的委托，收回行政审批专用章
        SEAL_BEYOND_SCOPE = "seal_beyond_scope", _("The seal was used beyond the entrusted scope")
        OTHER_LAWFUL = "other_lawful", _("Another lawful reason")

    REQUIRED_CONTENTS = ("entrusted_content", "management_requirements", "workflow", "legal_liability")

    agency = models.ForeignKey(Department, verbose_name=_("entrusting agency"), on_delete=models.PROTECT,
                               related_name="entrustments_given")
    authority = models.ForeignKey(Department, verbose_name=_("entrusted authority"), on_delete=models.PROTECT,
                                  related_name="entrustments_received")
    powers = models.ManyToManyField(DelegatedPower, verbose_name=_("powers"), related_name="entrustments")
    entrusted_content = models.TextField(_("entrusted content"), blank=True)
    management_requirements = models.TextField(_("management requirements"), blank=True)
    workflow = models.TextField(_("workflow"), blank=True)
    period_start = models.DateField(_("implementation period from"), null=True, blank=True)
    period_end = models.DateField(_("implementation period to"), null=True, blank=True)
    legal_liability = models.TextField(_("legal liability"), blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    filed_with_reform_office_on = models.DateField(_("filed with the approval-reform office on"), null=True,
                                                   blank=True)
    filed_with_legal_office_on = models.DateField(_("filed with the legal-affairs office on"), null=True, blank=True)
    state = StateField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=30, choices=RevocationReason.choices,
                                         blank=True)
    revocation_note = models.TextField(_("revocation details"), blank=True)
    suspension_reason = models.TextField(_("suspension reason"), blank=True)
    history = HistoricalRecords()

    objects = EntrustmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("entrustment agreement")
        verbose_name_plural = _("entrustment agreements")
        ordering = ["agency__name", "id"]
        permissions = [("manage_entrustment", _("Can sign, file, suspend and revoke entrustments"))]

    def __str__(self):
        return _("Entrustment: %(agency)s → %(authority)s") % {"agency": self.agency, "authority": self.authority}

    @transition(field=state, source=State.DRAFT, target=State.SIGNED, permission=_may_manage_entrustments,
                conditions=[_has_the_five_contents, _is_signed])
    def sign(self):
        pass

    @transition(field=state, source=State.SIGNED, target=State.FILED, permission=_may_manage_entrustments,
                conditions=[_is_filed_with_both_offices])
    def file(self):
        pass

    @transition(field=state, source=State.FILED, target=State.IN_FORCE, permission=_may_manage_entrustments,
                conditions=[_has_an_issued_seal])
    def bring_into_force(self):
        pass

    @transition(field=state, source=State.IN_FORCE, target=State.SUSPENDED, permission=_may_manage_entrustments,
                conditions=[_has_suspension_reason])
    def suspend(self):
        pass

    @transition(field=state, source=State.SUSPENDED, target=State.IN_FORCE, permission=_may_manage_entrustments,
                conditions=[_has_an_issued_seal])
    def reinstate(self):
        pass

    @transition(field=state, source=[State.IN_FORCE, State.SUSPENDED, State.FILED, State.SIGNED],
                target=State.REVOKED, permission=_may_manage_entrustments, conditions=[_has_revocation_reason])
    def revoke(self):
        pass

    @transition(field=state, source=[State.IN_FORCE, State.SUSPENDED], target=State.EXPIRED,
                permission=_may_manage_entrustments, conditions=[_period_has_ended])
    def expire(self):
        pass


def validate_seal_image(upload):
    if upload.size > 2 * 1024 * 1024:
        raise ValidationError(_("The impression image is too large (at most 2 MB)."))
    head = upload.read(8)
    upload.seek(0)
    if not (head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff")):
        raise ValidationError(_("The impression image must be a PNG or JPEG file."))


class ApprovalSeal(models.Model):
    """行政审批专用章 granted to Pingdu's authority for one entrustment (002:35, 002:37)."""

    entrustment = models.ForeignKey(Entrustment, verbose_name=_("entrustment agreement"), on_delete=models.PROTECT,
                                    related_name="seals")
    name = models.CharField(_("seal text"), max_length=100)
    impression = models.FileField(_("impression image"), upload_to="seals/", blank=True,
                                  validators=[validate_seal_image])
    issued_on = models.DateField(_("issued on"))
    recovered_on = models.DateField(_("recovered on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval seal")
        verbose_name_plural = _("approval seals")
        ordering = ["-issued_on"]

    def __str__(self):
        return self.name

    def is_issued_on(self, day: dt.date) -> bool:
        return self.issued_on <= day and (self.recovered_on is None or day < self.recovered_on)


# A decision on a power in a district is stamped only under an entrustment of that power to the
# district's authority, in force that day, with its seal issued (decree 第264号, 002:31-37).
def seals_by_power_and_district(day: dt.date, district_ids, power_ids=None) -> dict[tuple[int, int], ApprovalSeal]:
    """The seal that may stamp a decision on each power on ``day`` in each of ``district_ids``,
    keyed by (power id, district id): the newest issued seal; a pair without one is absent. One query.

    ``power_ids``: only these powers (a step asks about its own: building every seal of the
    district to answer for one took ~0.4 ms of a step; issue 12)."""
    # Joined, not a subquery: PostgreSQL planned the subquery's form in 0.7 ms, three times this one.
    seals = (ApprovalSeal.objects
             .filter(in_force_on(day, through="entrustment__"), entrustment__authority__district_id__in=district_ids)
             .annotate(power_key=models.F("entrustment__powers"),
                       district_key=models.F("entrustment__authority__district_id"))
             .order_by("-issued_on", "-id"))
    if power_ids is not None:
        seals = seals.filter(power_key__in=power_ids)  # the annotation's join, not a second one
    found = {}
    for seal in seals:
        if seal.is_issued_on(day):
            found.setdefault((seal.power_key, seal.district_key), seal)
    return found
