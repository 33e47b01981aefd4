"""Reads of the road programme: progress against Annex 2 and the phase checks, as of any date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum

from policyops.models import District
from programs.roads import rules
from programs.roads.models import ProgrammePhase, ProjectMilestone, RoadProject, RoadTarget, Step

ZERO = Decimal(0)
KM_FIELDS = ("upgrade_km", "village_access_km", "major_medium_km", "preventive_km")


@dataclass
class Progress:
    target: Decimal = ZERO
    planned: Decimal = ZERO
    under_way: Decimal = ZERO
    completed: Decimal = ZERO
    accepted: Decimal = ZERO

    @property
    def completed_share(self) -> Decimal | None:
        return (self.completed / self.target) if self.target else None


@dataclass
class DistrictProgress:
    district: District
    by_target: dict = field(default_factory=dict)  # target field -> Progress

    @property
    def km(self) -> Progress:
        """The four projects' km together (upgrade, village access, pavement improvement)."""
        total = Progress()
        for name in KM_FIELDS:
            p = self.by_target[name]
            total.target += p.target
            total.planned += p.planned
            total.under_way += p.under_way
            total.completed += p.completed
            total.accepted += p.accepted
        return total


def _milestone_done(step, as_of):
    return Exists(ProjectMilestone.objects.filter(project=OuterRef("pk"), step=step, actual_end__lte=as_of))


def project_list(*, user, district=None, work_type=None, state=None):
    qs = RoadProject.objects.visible_to(user).select_related("district", "manager").prefetch_related("milestones")
    if district:
        qs = qs.filter(district=district)
    if work_type:
        qs = qs.filter(work_type=work_type)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("district__position", "plan_year", "id")


def district_progress(*, as_of: dt.date, user) -> list[DistrictProgress]:
    """Targets, planned, under way, completed and accepted quantities per district and target."""
    districts = list(District.objects.filter(road_target__isnull=False).filter(
        pk__in=RoadTarget.objects.visible_to(user).values("district")).select_related("road_target"))
    started = Exists(ProjectMilestone.objects.filter(project=OuterRef("pk"), step=Step.SURVEY_DESIGN,
                                                     actual_start__lte=as_of))
    rows = (RoadProject.objects.filter(district__in=districts)
            .annotate(started=started, done=_milestone_done(Step.CONSTRUCTION, as_of),
                      accepted_=_milestone_done(Step.ACCEPTANCE, as_of))
            .values("district_id", "work_type")
            .annotate(planned=Sum("quantity"),
                      under_way=Sum("quantity", filter=Q(started=True, done=False)),
                      completed=Sum("quantity", filter=Q(done=True)),
                      accepted=Sum("quantity", filter=Q(accepted_=True))))
    result = {d.pk: DistrictProgress(d, {f: Progress(target=Decimal(getattr(d.road_target, f)))
                                         for f in rules.TARGET_FIELDS}) for d in districts}
    for row in rows:
        progress = result[row["district_id"]].by_target[rules.TARGET_FIELD[row["work_type"]]]
        for key in ("planned", "under_way", "completed", "accepted"):
            setattr(progress, key, getattr(progress, key) + (row[key] or ZERO))
    return [result[d.pk] for d in districts]


class CheckStatus:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    MISSED = "missed"
    MET = "met"


@dataclass(frozen=True)
class PhaseCheck:
    phase: ProgrammePhase
    required_share: Decimal
    actual_share: Decimal | None
    status: str


def phase_check(progress: Progress, phase: ProgrammePhase, as_of: dt.date, *, measure="completed") -> PhaseCheck:
    """On track / at risk before the phase ends, met / missed after (002:477-481).

    Before the end, "on track" means at least the pro-rata share of the phase's required
    share has been reached (a straight line from the phase start).
    """
    required = phase.completion_share or Decimal(1)
    done = getattr(progress, measure)
    share = (done / progress.target) if progress.target else Decimal(1)
    if as_of > phase.ends_on:
        status = CheckStatus.MET if share >= required else CheckStatus.MISSED
    else:
        length = (phase.ends_on - phase.starts_on).days or 1
        elapsed = max(0, (as_of - phase.starts_on).days)
        expected = required * Decimal(min(elapsed, length)) / Decimal(length)
        status = CheckStatus.ON_TRACK if share >= expected else CheckStatus.AT_RISK
    return PhaseCheck(phase, required, share, status)


def programme_phases() -> list[ProgrammePhase]:
    return list(ProgrammePhase.objects.order_by("number"))


def programme_checks(progress: DistrictProgress, as_of: dt.date, phases: list[ProgrammePhase]) -> list[PhaseCheck]:
    """The phase-1 check (20 % by 2018-12-31), completion (100 % by 2020-10-31), acceptance (2020-11)."""
    checks = []
    for phase in phases:
        measure = "accepted" if phase.completion_share is None else "completed"
        checks.append(phase_check(progress.km, phase, as_of, measure=measure))
    return checks
