"""Rural-road three-year programme (青政办发〔2018〕19号, 002:348-540)."""
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from policyops.fsm import StateMachineModel
from policyops.models import District
from policyops.scoping import DistrictScopedQuerySet
from programs.roads import rules
from programs.roads.rules import BaseLayer, Surface, WorkType


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
                                      choices=[("PL", _("平度市、莱西市")), ("other", _("other districts"))])
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
        return f"{self.work_type} {'≥6m' if self.wide else '<6m'} {self.district_group}: {self.rate_wan_per_km}"


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


class Step:
    """The milestone steps a project moves through (002:477)."""

    SURVEY_DESIGN = "survey_design"
    TENDERING = "tendering"
    CONSTRUCTION = "construction"
    ACCEPTANCE = "acceptance"
    CHOICES = [
        (SURVEY_DESIGN, _("survey and design (勘察设计)")),
        (TENDERING, _("tendering (招标投标)")),
        (CONSTRUCTION, _("construction (建设实施)")),
        (ACCEPTANCE, _("acceptance (工程验收)")),
    ]
    ORDER = [SURVEY_DESIGN, TENDERING, CONSTRUCTION, ACCEPTANCE]


def _may_manage(project, user) -> bool:
    from policyops.scoping import may_touch_district

    return user.has_perm("roads.manage_roadproject") and may_touch_district(user, project.district_id)


def _design_passes_technical_checks(project) -> bool:
    return not project.technical_problems()


def _step_has_evidence(project) -> bool:
    milestone = project.current_milestone
    return bool(milestone and milestone.evidence_number.strip())


def _construction_complete(project) -> bool:
    return project.work_type in WorkType.COUNTED or project.completed_km >= project.quantity


class RoadProjectQuerySet(DistrictScopedQuerySet):
    pass


class RoadProject(StateMachineModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        SURVEY_DESIGN = Step.SURVEY_DESIGN, _("survey and design (勘察设计)")
        TENDERING = Step.TENDERING, _("tendering (招标投标)")
        CONSTRUCTION = Step.CONSTRUCTION, _("construction (建设实施)")
        ACCEPTANCE = Step.ACCEPTANCE, _("acceptance (工程验收)")
        CLOSED = "closed", _("closed")

    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT,
                                 related_name="road_projects")
    town = models.CharField(_("town/street"), max_length=50)
    name = models.CharField(_("project name"), max_length=200)
    work_type = models.CharField(_("work type"), max_length=10, choices=WorkType.CHOICES)
    quantity = models.DecimalField(_("length (km) or count"), max_digits=10, decimal_places=2,
                                   help_text=_("km; for dangerous bridges and passenger stops, the number."))
    pavement_width_m = models.DecimalField(_("pavement width (m)"), max_digits=4, decimal_places=1, null=True,
                                           blank=True)
    surface = models.CharField(_("surface"), max_length=10, choices=Surface.CHOICES, blank=True)
    surface_thickness_cm = models.DecimalField(_("surface thickness (cm)"), max_digits=4, decimal_places=1,
                                               null=True, blank=True)
    base_layer = models.CharField(_("base layer"), max_length=10, choices=BaseLayer.CHOICES, blank=True)
    passing_bays = models.PositiveIntegerField(_("passing bays"), default=0)
    poverty_km = models.DecimalField(_("km serving poor / weak villages"), max_digits=8, decimal_places=2,
                                     default=Decimal(0), help_text=_("省定贫困村、市定经济薄弱村"))
    estimate_wan = models.DecimalField(_("approved estimate (万元)"), max_digits=12, decimal_places=2,
                                       help_text=_("概算投资, excluding land and relocation costs."))
    # The programme runs 2018-2020 (002:477-481).
    plan_year = models.PositiveSmallIntegerField(_("plan year"), validators=[MinValueValidator(2018),
                                                                            MaxValueValidator(2020)])
    excess = models.BooleanField(_("beyond the annual target"), default=False,
                                 help_text=_("Work beyond the year's target (reward rules)."))
    responsible_unit = models.CharField(_("responsible unit"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    manager = models.ForeignKey("policyops.Person", verbose_name=_("responsible person"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="road_projects")
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED, protected=True)
    completed_km = models.DecimalField(_("km completed"), max_digits=10, decimal_places=2, default=Decimal(0))
    history = HistoricalRecords()

    district_lookup = "district"
    objects = RoadProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("road project")
        verbose_name_plural = _("road projects")
        ordering = ["district__position", "plan_year", "id"]
        indexes = [models.Index(fields=["district", "work_type", "status"])]
        permissions = [("manage_roadproject", _("Can manage the road projects of their district"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="roadproject_quantity_positive"),
            # The natural key of project lists (imports update by it).
            models.UniqueConstraint(fields=["district", "name", "plan_year"], name="roadproject_unique_name_year"),
            models.CheckConstraint(condition=models.Q(estimate_wan__gte=0), name="roadproject_estimate_nonneg"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.quantity is not None and self.poverty_km is not None and self.work_type not in WorkType.COUNTED \
                and self.poverty_km > self.quantity:
            raise ValidationError({"poverty_km": _("The poverty-village km exceed the project's length.")})
        if self.work_type in WorkType.COUNTED and self.quantity is not None \
                and self.quantity != self.quantity.to_integral_value():
            raise ValidationError({"quantity": _("Bridges and stops are counted in whole numbers.")})

    @property
    def target_field(self) -> str:
        return rules.TARGET_FIELD[self.work_type]

    def technical_problems(self) -> list[str]:
        return rules.technical_problems(work_type=self.work_type, width_m=self.pavement_width_m,
                                        surface=self.surface, thickness_cm=self.surface_thickness_cm,
                                        base_layer=self.base_layer, passing_bays=self.passing_bays)

    @property
    def current_milestone(self):
        return next((m for m in self.milestones.all() if m.step == self.status), None)

    @transition(field=status, source=Status.PLANNED, target=Status.SURVEY_DESIGN, permission=_may_manage)
    def start_design(self):
        pass

    @transition(field=status, source=Status.SURVEY_DESIGN, target=Status.TENDERING, permission=_may_manage,
                conditions=[_design_passes_technical_checks, _step_has_evidence])
    def approve_design(self):
        pass

    @transition(field=status, source=Status.TENDERING, target=Status.CONSTRUCTION, permission=_may_manage,
                conditions=[_step_has_evidence])
    def award_contract(self):
        pass

    @transition(field=status, source=Status.CONSTRUCTION, target=Status.ACCEPTANCE, permission=_may_manage,
                conditions=[_construction_complete, _step_has_evidence])
    def complete_construction(self):
        pass

    @transition(field=status, source=Status.ACCEPTANCE, target=Status.CLOSED, permission=_may_manage,
                conditions=[_step_has_evidence])
    def accept(self):
        pass


def evidence_upload_to(milestone, filename):
    return f"roads/evidence/{milestone.project_id}/{milestone.step}/{filename}"


class ProjectMilestone(models.Model):
    project = models.ForeignKey(RoadProject, verbose_name=_("road project"), on_delete=models.CASCADE,
                                related_name="milestones")
    step = models.CharField(_("step"), max_length=20, choices=Step.CHOICES)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    evidence_number = models.CharField(_("evidence document number"), max_length=100, blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to=evidence_upload_to, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project_id", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "step"], name="milestone_unique_step")]

    def __str__(self):
        return f"{self.project} {self.get_step_display()}"

    def is_overdue(self, as_of) -> bool:
        return bool(self.planned_end and self.actual_end is None and self.planned_end < as_of)


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


def _adjustment_keeps_total(adjustment) -> bool:
    from programs.roads.services import adjustment_totals

    before, after = adjustment_totals(adjustment)
    return before == after


def _may_approve_adjustment(adjustment, user) -> bool:
    return user.has_perm("roads.approve_planadjustment")


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
    state = FSMField(_("state"), max_length=20, choices=State.choices, default=State.REQUESTED, protected=True)
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

    @transition(field=state, source=State.REQUESTED, target=State.APPROVED, permission=_may_approve_adjustment,
                conditions=[_adjustment_keeps_total])
    def approve(self):
        pass

    @transition(field=state, source=State.REQUESTED, target=State.REJECTED, permission=_may_approve_adjustment)
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
