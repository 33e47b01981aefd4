"""Road projects and their milestones (002:477)."""
import os
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from policyops.fsm import StateField, StateMachineModel
from policyops.history import HistoricalRecords
from policyops.models import District
from policyops.scoping import DistrictScopedQuerySet
from programs.roads import guards as g
from programs.roads import rules
from programs.roads.parsing import text_as_read
from programs.roads.rules import BaseLayer, Surface, WorkType


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


class RoadProjectQuerySet(DistrictScopedQuerySet):
    pass


# What a project counts toward and what it is paid (Annex 2 targets, the subsidy), and the
# natural key project lists are matched by: fixed once survey and design has started.
PROGRAMME_FACTS = ("district", "name", "plan_year", "work_type", "quantity", "estimate_wan", "poverty_km", "excess",
                   "bus_bays", "bus_shelters", "bus_signs")
# The design the technical rules approved (002:376, 002:455-459): fixed once it is approved.
DESIGN_FACTS = ("pavement_width_m", "surface", "surface_thickness_cm", "base_layer", "passing_bays")


class RoadProject(StateMachineModel):
    class State(models.TextChoices):
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
    # The name as a project list reads it (parsing.text_as_read), kept by save() and the list's
    # import: 路（演示） and 路(演示) are one name to a list, so one project of a district and year
    # (the unique constraint below). Text: NFKC may lengthen a name.
    name_as_read = models.TextField(_("project name as read"), editable=False, default="")
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
    # 002:499: a passenger-stop (客运站点) project's bus facilities, each subsidised per piece.
    bus_bays = models.PositiveIntegerField(_("bus bays (港湾车站)"), default=0)
    bus_shelters = models.PositiveIntegerField(_("bus shelters (候车亭)"), default=0)
    bus_signs = models.PositiveIntegerField(_("bus-stop signs (站牌)"), default=0)
    excess = models.BooleanField(_("beyond the annual target"), default=False,
                                 help_text=_("Work beyond the year's target (reward rules)."))
    responsible_unit = models.CharField(_("responsible unit"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    manager = models.ForeignKey("policyops.Person", verbose_name=_("responsible person"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="road_projects")
    state = StateField(_("status"), max_length=20, choices=State.choices, default=State.PLANNED, protected=True)
    completed_km = models.DecimalField(_("km completed"), max_digits=10, decimal_places=2, default=Decimal(0))
    history = HistoricalRecords(excluded_fields=["name_as_read"])  # derived from the name, which is kept

    district_lookup = "district"
    objects = RoadProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("road project")
        verbose_name_plural = _("road projects")
        ordering = ["district__position", "plan_year", "id"]
        indexes = [
            models.Index(fields=["district", "work_type", "state"]),
            # The projects not closed, with their state: the steps-due count (selectors.first_steps_due)
            # joins each open step to its project from this index alone, not from the wide table
            # (the homes' count 6.6 -> 1.6 ms with 10,000 projects, issue 12).
            models.Index(fields=["id", "state"], name="roadproject_open_state", condition=~models.Q(state="closed")),
        ]
        permissions = [("manage_roadproject", _("Can manage the road projects of their district"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="roadproject_quantity_positive"),
            # The natural key of project lists (imports update by it).
            models.UniqueConstraint(fields=["district", "name", "plan_year"], name="roadproject_unique_name_year"),
            # ... and by the name as a list reads it, whoever writes the row (validate_name_as_read says why).
            models.UniqueConstraint(fields=["district", "name_as_read", "plan_year"],
                                    name="roadproject_unique_name_as_read"),
            # A writer that skips save() (a bulk write) must read the name too: a blank one would
            # hide the project from the lists' look-up. A name never reads as blank (it is required).
            models.CheckConstraint(condition=~models.Q(name_as_read=""), name="roadproject_name_as_read_kept"),
            models.CheckConstraint(condition=models.Q(estimate_wan__gte=0), name="roadproject_estimate_nonneg"),
        ]

    def __str__(self):
        return self.name

    def read_name(self) -> None:
        """Keep ``name_as_read``: asked by clean() (before the constraints are checked), save()
        and the list import, which writes its rows without save()."""
        self.name_as_read = text_as_read(self.name or "")

    def save(self, *args, **kwargs):
        self.read_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_as_read"}
        super().save(*args, **kwargs)

    def clean(self):
        self.read_name()
        if self.district_id is not None and not rules.in_programme(self.district):
            raise ValidationError({"district": rules.NOT_IN_PROGRAMME % {"district": self.district}})
        if self.quantity is not None and self.poverty_km is not None and self.work_type not in WorkType.COUNTED \
                and self.poverty_km > self.quantity:
            raise ValidationError({"poverty_km": _("The poverty-village km exceed the project's length.")})
        if self.work_type != WorkType.BUS_STOP and (self.bus_bays or self.bus_shelters or self.bus_signs):
            raise ValidationError({"bus_bays": _("Only passenger-stop projects have bus facilities.")})
        if self.work_type in WorkType.COUNTED and self.quantity is not None \
                and self.quantity != self.quantity.to_integral_value():
            raise ValidationError({"quantity": _("Bridges and stops are counted in whole numbers.")})

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude)
        self.validate_name_as_read(exclude)

    def validate_name_as_read(self, exclude=None) -> None:
        """Refuse a name that reads as another project's of the district and year (路（演示）
        and 路(演示)): a list's row would name both. The same name exactly is the name's own
        constraint's to refuse; the database refuses both whoever writes the row."""
        if exclude and {"name", "district", "plan_year"} & set(exclude):
            return
        if not self.name or self.district_id is None or self.plan_year is None:
            return
        same = (RoadProject.objects.filter(district_id=self.district_id, plan_year=self.plan_year,
                                           name_as_read=text_as_read(self.name))
                .exclude(pk=self.pk).exclude(name=self.name).order_by("pk").values_list("name", flat=True).first())
        if same is not None:
            raise ValidationError({"name": _("“%(other)s” of this district and year reads as the same name; a "
                                             "project list could not tell the two apart.") % {"other": same}})

    @property
    def target_field(self) -> str:
        return rules.TARGET_FIELD[self.work_type]

    def technical_problems(self) -> list[str]:
        return rules.technical_problems(work_type=self.work_type, width_m=self.pavement_width_m,
                                        surface=self.surface, thickness_cm=self.surface_thickness_cm,
                                        base_layer=self.base_layer, passing_bays=self.passing_bays)

    @property
    def current_milestone(self):
        return next((m for m in self.milestones.all() if m.step == self.state), None)

    def frozen_facts(self) -> tuple[str, ...]:
        """The facts that no longer change by hand in the project's state.

        The one rule for every way of editing a project: the admin shows these read-only,
        an import that would change one is refused. Nothing is fixed while the project is
        planned; the programme facts once survey and design has started; the design too
        once it is approved. The town, the responsible unit, the contact and the
        responsible person stay editable.
        """
        if self.state == self.State.PLANNED:
            return ()
        if self.state == self.State.SURVEY_DESIGN:
            return PROGRAMME_FACTS
        return PROGRAMME_FACTS + DESIGN_FACTS

    # Transitions: pure state changes; conditions and permissions live in programs.roads.guards.

    @transition(field=state, source=State.PLANNED, target=State.SURVEY_DESIGN, permission=g.may_manage)
    def start_design(self):
        pass

    @transition(field=state, source=State.SURVEY_DESIGN, target=State.TENDERING, permission=g.may_manage,
                conditions=[g.design_passes_technical_checks, g.step_has_evidence])
    def approve_design(self):
        pass

    @transition(field=state, source=State.TENDERING, target=State.CONSTRUCTION, permission=g.may_manage,
                conditions=[g.step_has_evidence])
    def award_contract(self):
        pass

    @transition(field=state, source=State.CONSTRUCTION, target=State.ACCEPTANCE, permission=g.may_manage,
                conditions=[g.construction_complete, g.step_has_evidence])
    def complete_construction(self):
        pass

    @transition(field=state, source=State.ACCEPTANCE, target=State.CLOSED, permission=g.may_manage,
                conditions=[g.step_has_evidence])
    def accept(self):
        pass


def evidence_upload_to(milestone, filename):
    return f"roads/evidence/{milestone.project_id}/{milestone.step}/{filename}"


# An evidence file is a scanned acceptance or completion document: a PDF or a photo, at most
# EVIDENCE_MAX_BYTES (a scanned multi-page A4 PDF fits; a video or an archive does not belong).
EVIDENCE_EXTENSIONS = ["pdf", "jpg", "jpeg", "png"]
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


def validate_evidence_size(file):
    if file.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("The evidence file is larger than %(mb)s MB."),
                              params={"mb": EVIDENCE_MAX_BYTES // (1024 * 1024)}, code="too_large")


class ProjectMilestone(models.Model):
    project = models.ForeignKey(RoadProject, verbose_name=_("road project"), on_delete=models.CASCADE,
                                related_name="milestones")
    step = models.CharField(_("step"), max_length=20, choices=Step.CHOICES)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    evidence_number = models.CharField(_("evidence document number"), max_length=100, blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to=evidence_upload_to, blank=True, validators=[
        FileExtensionValidator(EVIDENCE_EXTENSIONS), validate_evidence_size])
    history = HistoricalRecords()

    # A milestone is its project's: seen by whoever sees the project (policyops.scoping).
    district_lookup = "project__district"
    objects = DistrictScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project_id", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "step"], name="milestone_unique_step")]
        # The steps not done by their planned end, earliest first (the home panel's first rows,
        # selectors.first_steps_due): read in order and stopped, not all sorted (issue 12). The
        # project and the step ride along, so that counting the projects with a step due reads
        # this index alone.
        indexes = [models.Index(fields=["planned_end", "id", "project", "step"], name="milestone_open_by_planned_end",
                                condition=models.Q(actual_end__isnull=True, planned_end__isnull=False))]

    def __str__(self):
        return f"{self.project} {self.get_step_display()}"

    @property
    def evidence_name(self) -> str:
        """The evidence file's own name, without the storage folders (what a download is called)."""
        return os.path.basename(self.evidence_file.name)

    def is_overdue(self, as_of) -> bool:
        return bool(self.planned_end and self.actual_end is None and self.planned_end < as_of)
