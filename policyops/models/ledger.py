"""Policy documents and their ledgers: indicators, readings and task items."""
from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from policyops.fsm import StateField, StateMachineModel
from policyops.history import HistoricalRecords
from policyops.scoping import DistrictScopedQuerySet
from policyops.workflow import condition

from .organisations import Department, District


class PolicyDocument(models.Model):
    number = models.CharField(_("document number"), max_length=50, blank=True,
                              help_text=_("文号, e.g. 青政办发〔2018〕19号; empty when the document has none."))
    title = models.CharField(_("title"), max_length=200, unique=True)
    issuer = models.CharField(_("issuing body"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    effective_on = models.DateField(_("in force from"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        ordering = ["issued_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~models.Q(number=""),
                                    name="policydocument_unique_number"),
        ]

    def __str__(self):
        return f"{self.title}（{self.number}）" if self.number else self.title

    @property
    def key(self) -> str:
        """How seeds and imports name the document: its number, or its title if it has none."""
        return self.number or self.title

    def is_named(self, text: str) -> bool:
        """Whether a file naming a document as ``text`` names this one: by its number or its title
        (policyops.resources.PolicyDocumentKeyWidget reads the same)."""
        return text in (self.number, self.title) if text else False


class Comparator(models.TextChoices):
    """How a target is stated. Kept beside the value so "3 以上" never becomes a bare 3."""

    AT_LEAST = ">=", _("at least (≥)")
    MORE_THAN = ">", _("more than (>)")
    AT_MOST = "<=", _("at most (≤)")
    LESS_THAN = "<", _("less than (<)")
    EQUAL = "=", _("equal to (=)")
    ABOUT = "~", _("about (约)")
    REDUCE_BY = "降低", _("reduce by (降低)")
    # 002:1638 "降低20%左右": a reduction of about the target (see policyops.indicators).
    REDUCE_BY_ABOUT = "约降低", _("reduce by about (降低…左右)")
    INCREASE_BY = "提高", _("increase by (提高)")


class IndicatorQuerySet(models.QuerySet):
    def with_latest_reading(self):
        """Annotate ``latest_value`` and ``latest_period_end`` in the same query."""
        latest = IndicatorReading.objects.filter(indicator=OuterRef("pk")).order_by("-period_end")
        return self.annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_period_end=Subquery(latest.values("period_end")[:1]),
        )


class Indicator(models.Model):
    class Attribute(models.TextChoices):
        EXPECTED = "预期性", _("expected (预期性)")
        BINDING = "约束性", _("binding (约束性)")

    document = models.ForeignKey(PolicyDocument, verbose_name=_("policy document"), on_delete=models.PROTECT,
                                 related_name="indicators")
    # A district's own target (e.g. the energy annex's per-district caps, 002:1796–1808);
    # empty for a city-wide target.
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="indicators")
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=30)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=14, decimal_places=4, null=True,
                                         blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"))
    comparator = models.CharField(_("comparator"), max_length=4, choices=Comparator.choices)
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=4)
    attribute = models.CharField(_("attribute"), max_length=4, choices=Attribute.choices, blank=True)
    history = HistoricalRecords()

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["document__issued_on", "document_id", "id"]
        # One target per name, year and district: a plan may set the same indicator for two
        # years (002:368 公交化 90 % by 2020, 95 % by 2022) or for each district (002:1796–1808).
        constraints = [
            models.UniqueConstraint(fields=["document", "name", "target_year"],
                                    condition=models.Q(district__isnull=True), name="indicator_unique_name"),
            models.UniqueConstraint(fields=["document", "name", "district", "target_year"],
                                    condition=models.Q(district__isnull=False),
                                    name="indicator_unique_name_per_district"),
        ]

    def __str__(self):
        return f"{self.name}（{self.district}）" if self.district_id else self.name

    @property
    def target_display(self) -> str:
        return f"{self.get_comparator_display()} {self.target_value.normalize():f} {self.unit}"


class IndicatorReading(models.Model):
    """A measured value of an indicator as of a date.

    For 降低/提高 targets the value is the achieved change in percent against the baseline
    year (e.g. 12.5 = reduced by 12.5 %), which is how the plans report them.
    """

    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE,
                                  related_name="readings")
    period_end = models.DateField(_("as of"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    source = models.CharField(_("source"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator reading")
        verbose_name_plural = _("indicator readings")
        ordering = ["indicator_id", "-period_end"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period_end"], name="reading_unique_period")]

    def __str__(self):
        return f"{self.indicator} {self.period_end:%Y-%m-%d}: {self.value.normalize():f}"


class PolicyTaskQuerySet(DistrictScopedQuerySet):
    def open(self):
        return self.exclude(state=PolicyTask.State.ACCEPTED)

    def overdue(self, as_of):
        """Open tasks whose deadline has passed on ``as_of`` (overdue is derived, never stored)."""
        return self.open().filter(deadline__lt=as_of)


def _may_work_on(task, user) -> bool:
    if user.is_superuser or user.has_perm("policyops.review_policytask"):
        return True
    person = getattr(user, "person", None)
    return bool(user.has_perm("policyops.work_policytask") and person and person.department_id
                and person.department_id == task.lead_unit_id)


def _may_review(task, user) -> bool:
    return user.is_superuser or user.has_perm("policyops.review_policytask")


# Conditions (each with the message that says what is missing).


@condition(_("write a progress report first"))
def has_progress_report(task) -> bool:
    return bool(task.progress_report.strip())


@condition(_("give the reason for returning the task"))
def has_return_reason(task) -> bool:
    return bool(task.return_reason.strip())


class PolicyTask(StateMachineModel):
    """A task item of a policy document's work ledger (工作台账), with its 责任单位.

    Its ``state`` moves only through the steps of ``policyops.actions`` (services), never
    by assignment: assigned → in progress → submitted → accepted, or returned → in progress.
    """

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("assigned")
        IN_PROGRESS = "in_progress", _("in progress")
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        RETURNED = "returned", _("returned")

    document = models.ForeignKey(PolicyDocument, verbose_name=_("policy document"), on_delete=models.PROTECT,
                                 related_name="tasks")
    number = models.CharField(_("item number"), max_length=20)
    text = models.TextField(_("task"))
    lead_unit = models.ForeignKey(Department, verbose_name=_("lead unit"), on_delete=models.PROTECT,
                                  related_name="led_tasks")
    cooperating_units = models.ManyToManyField(Department, verbose_name=_("cooperating units"), blank=True,
                                               related_name="cooperating_tasks")
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    # 002:1616 "建立工作台账，压实工作职责，明确完成时限": every ledger task has a completion
    # date; an item that names none is due at the end of its plan's period (2020-12-31 for
    # the 2018—2020 plans, 002:1628, 002:555–557), entered in seeds/policy_tasks.csv.
    deadline_from_plan_period = models.BooleanField(
        _("deadline derived from the plan period"), default=False,
        help_text=_("The item names no completion date; the deadline is the end of the plan's period."))
    state = StateField(_("state"), max_length=20, choices=State.choices, default=State.ASSIGNED, protected=True)
    progress_report = models.TextField(_("progress report"), blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    source = models.CharField(_("source line"), max_length=100, blank=True)
    history = HistoricalRecords()

    district_lookup = "lead_unit__district"
    objects = PolicyTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy task")
        verbose_name_plural = _("policy tasks")
        ordering = ["document_id", "id"]
        # Item numbers repeat across a document's sections ("1", "（一）"); the source line is the key.
        constraints = [models.UniqueConstraint(fields=["source"], condition=~models.Q(source=""),
                                               name="policytask_unique_source")]
        constraints = constraints + [
            models.CheckConstraint(condition=models.Q(deadline_from_plan_period=False)
                                   | models.Q(deadline__isnull=False), name="policytask_derived_deadline_is_set"),
        ]
        permissions = [
            ("work_policytask", _("Can work on the tasks of their own unit")),
            ("review_policytask", _("Can accept or return submitted tasks")),
        ]

    def __str__(self):
        return f"{self.document.key} {self.number}"

    def is_overdue(self, as_of) -> bool:
        return bool(self.deadline and self.deadline < as_of and self.state != self.State.ACCEPTED)

    @transition(field=state, source=State.ASSIGNED, target=State.IN_PROGRESS, permission=_may_work_on)
    def start(self):
        pass

    @transition(field=state, source=State.RETURNED, target=State.IN_PROGRESS, permission=_may_work_on)
    def resume(self):
        pass

    @transition(field=state, source=State.IN_PROGRESS, target=State.SUBMITTED, permission=_may_work_on,
                conditions=[has_progress_report])
    def submit(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.ACCEPTED, permission=_may_review)
    def accept(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.RETURNED, permission=_may_review,
                conditions=[has_return_reason])
    def return_for_rework(self):
        pass
