"""Reads of the road programme: progress against Annex 2 and the phase checks, as of any date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import F, FilteredRelation, Q, Sum

from policyops.models import District, Indicator
from programs.roads import rules
from programs.roads.models import AnnualPlan, ProgrammePhase, ProjectMilestone, RoadProject, RoadTarget, Step
from programs.roads.subsidy import QUOTED_FIELDS

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


def programme_indicators(*, user):
    """The programme's own quantitative goals (002:368, 404, 463, 539): the Indicators of its document
    (city-wide ones, and the districts' own the user may see), each with its latest reading (one query)."""
    from policyops.scoping import visible_districts

    return list(Indicator.objects.filter(document__number=rules.PROGRAMME_DOCUMENT_NUMBER)
                .filter(Q(district__isnull=True) | Q(district__in=visible_districts(user)))
                .select_related("document", "district").with_latest_reading().order_by("district__position", "id"))


def _step_milestone(step) -> FilteredRelation:
    return FilteredRelation("milestones", condition=Q(milestones__step=step))


def _milestone_reached(alias: str, date_field: str, as_of: dt.date) -> Q:
    """The project's milestone joined as ``alias`` (one step's: at most one, milestone_unique_step)
    has its ``date_field`` (actual start or end) on or before ``as_of``."""
    return Q(**{f"{alias}__{date_field}__lte": as_of})


def quote_inputs_digest() -> str | None:
    """A digest of what the saved projects' quotes read besides the subsidy table: each project's
    quoted columns (subsidy.QUOTED_FIELDS), its district's name and place, and its state, with
    the annual plans (the reward ledger reads the other projects' states, 002:503). Equal
    digests, equal quotes: totals kept under it are never stale, whatever changed the rows
    (services, imports, the admin, SQL). One statement, ~12 ms at 10,000 projects against
    ~130 ms to quote them. None off PostgreSQL: there the totals are quoted each time."""
    if connection.vendor != "postgresql":
        return None
    qn = connection.ops.quote_name
    projects, districts, plans = (qn(m._meta.db_table) for m in (RoadProject, District, AnnualPlan))
    columns = ", ".join(f"p.{qn(RoadProject._meta.get_field(name).column)}" for name in (*QUOTED_FIELDS, "state"))
    # A row's text, (1,x,,5), keeps an empty column in its place, as concat_ws would not. The
    # districts are hashed on their own: joined to each project, they cost a sixth more.
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT md5(concat(
                (SELECT string_agg((p.id, p.district_id, {columns})::text, ',' ORDER BY p.id) FROM {projects} p),
                '#',
                (SELECT string_agg((d.id, d.name, d.position)::text, ',' ORDER BY d.id) FROM {districts} d),
                '#',
                (SELECT string_agg((a.id, a.district_id, a.target_field, a.year, a.quantity)::text, ',' ORDER BY a.id)
                   FROM {plans} a)))""")
        return cursor.fetchone()[0]


def project_list(*, user, district=None, work_type=None, state=None, search: str = ""):
    """The projects ``user`` may see; ``search`` matches the project name, the town or the district."""
    qs = RoadProject.objects.visible_to(user).select_related("district", "manager").prefetch_related("milestones")
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(town__icontains=search) | Q(district__name__icontains=search))
    if district:
        qs = qs.filter(district=district)
    if work_type:
        qs = qs.filter(work_type=work_type)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("district__position", "plan_year", "id")


@dataclass
class StepsDue:
    """A project's steps that are overdue or due soon (one message, one home-panel row)."""

    project: RoadProject
    overdue: list = field(default_factory=list)  # ProjectMilestone, planned end before today
    due: list = field(default_factory=list)  # ProjectMilestone, planned end from today to the horizon


def _due_milestones(*, horizon: dt.date, user=None):
    """Steps not done whose planned end is before ``horizon``, of the projects ``user`` may see
    (None: every project). A step counts when it is the project's current one, or when the
    project is still planned (none of its steps has begun, so each one planned by now is late or near)."""
    State = RoadProject.State
    milestones = (ProjectMilestone.objects.filter(actual_end__isnull=True, planned_end__isnull=False,
                                                  planned_end__lte=horizon)
                  .exclude(project__state=State.CLOSED)
                  .filter(Q(step=F("project__state")) | Q(project__state=State.PLANNED)))
    # Scoped through the project's own district (a semi-join over the visible projects read every
    # project, 2-3 ms at 10,000).
    return milestones if user is None else milestones.visible_to(user)


def _by_project(milestones, today: dt.date) -> list[StepsDue]:
    """``milestones``, in planned-end order, grouped by project, each project where its first step is."""
    grouped: dict[int, StepsDue] = {}
    for m in milestones:
        item = grouped.setdefault(m.project_id, StepsDue(m.project))
        (item.overdue if m.planned_end < today else item.due).append(m)
    return list(grouped.values())


def _in_planned_order(milestones):
    return milestones.order_by("planned_end", "id")


def steps_due(*, today: dt.date, horizon: dt.date, user=None, related=("project__district",)) -> list[StepsDue]:
    """Projects with a step not done whose planned end is before ``horizon``, earliest first
    (``_due_milestones``); ``user``: only the projects they may see (None: every project, for the sweeps)."""
    return _by_project(_in_planned_order(_due_milestones(horizon=horizon, user=user).select_related(*related)), today)


def first_steps_due(*, today: dt.date, horizon: dt.date, user, rows: int) -> tuple[list[StepsDue], int]:
    """The first ``rows`` projects of ``steps_due``, in its order, and how many projects it holds.

    Read from the first steps due, not from every one: 10,000 projects with a step due took the
    home panel 500 ms (issue 12). A project has one milestone per step at most, so the first
    ``rows`` projects' first steps are among the first ``rows`` × steps milestones in order
    (their projects' numbers only; then the shown projects' steps as objects); when fewer are
    due, those are all of them.
    """
    due = _due_milestones(horizon=horizon, user=user)
    read = rows * len(Step.CHOICES)
    # Equivalent unflattened: project_id__in unwraps 1-tuples, and dict.fromkeys counts them alike.
    steps = list(_in_planned_order(due).values_list("project_id", flat=True)[:read])  # pragma: no mutate (above)
    projects = list(dict.fromkeys(steps))
    shown = _by_project(_in_planned_order(due.filter(project_id__in=projects[:rows]).select_related(
        "project__district")), today)
    if len(steps) < read:
        return shown, len(projects)
    # Counted whole, in SQL, from two indexes alone (milestone_open_by_planned_end and
    # roadproject_open_state): 1.6 ms with 2,465 of 10,000 projects due.
    return shown, due.order_by().values("project_id").distinct().count()


def district_progress(*, as_of: dt.date, user) -> list[DistrictProgress]:
    """Targets, planned, under way, completed and accepted quantities per district and target."""
    districts = list(District.objects.filter(road_target__isnull=False).filter(
        pk__in=RoadTarget.objects.visible_to(user).values("district")).select_related("road_target"))
    # Each project's survey, construction and acceptance milestones joined (one row each at most):
    # PostgreSQL reads the milestones once, where an EXISTS per project and flag probed their index
    # four times a project (10,000 projects: 73 ms with JIT compiling the plan; issue 12).
    started = _milestone_reached("survey", "actual_start", as_of)
    done = _milestone_reached("construction", "actual_end", as_of)
    accepted = _milestone_reached("acceptance", "actual_end", as_of)
    rows = (RoadProject.objects.filter(district__in=districts)
            .annotate(survey=_step_milestone(Step.SURVEY_DESIGN), construction=_step_milestone(Step.CONSTRUCTION),
                      acceptance=_step_milestone(Step.ACCEPTANCE))
            .values("district_id", "work_type")
            .annotate(planned=Sum("quantity"),
                      under_way=Sum("quantity", filter=started & ~done),
                      completed=Sum("quantity", filter=done),
                      accepted=Sum("quantity", filter=accepted)))
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
class ColumnCheck:
    """One Annex 2 column of one district against a phase's required share."""

    field: str
    target: Decimal
    done: Decimal  # capped at the column's own target
    share: Decimal  # done / target, at most 1
    required: Decimal  # the share this column needs now (pro-rata before the phase ends)

    @property
    def met(self) -> bool:
        return self.share >= self.required


@dataclass(frozen=True)
class PhaseCheck:
    phase: ProgrammePhase
    required_share: Decimal
    actual_share: Decimal | None  # the weakest column's share (None when the district has no target)
    status: str
    columns: tuple = ()  # ColumnCheck per Annex 2 column with a target

    @property
    def failing(self) -> list[ColumnCheck]:
        return [c for c in self.columns if not c.met]


def _required_now(phase: ProgrammePhase, as_of: dt.date) -> Decimal:
    """The share due by the phase's end; before the end, the pro-rata share since its start."""
    required = phase.completion_share or Decimal(1)
    if as_of >= phase.ends_on:  # on the last day too: a one-day phase needs its whole share that day
        return required
    # No days long only before a one-day phase: no day elapsed, nothing due whatever the divisor.
    length = (phase.ends_on - phase.starts_on).days or 1  # pragma: no mutate (equivalent: above)
    elapsed = max(0, (as_of - phase.starts_on).days)
    return required * Decimal(min(elapsed, length)) / Decimal(length)


def phase_open(phase: ProgrammePhase, as_of: dt.date) -> bool:
    """Whether ``phase``'s check is still on track or at risk on ``as_of``, not met or missed:
    until its end date (002:477-481)."""
    return as_of <= phase.ends_on


def phase_check(progress: DistrictProgress, phase: ProgrammePhase, as_of: dt.date, *,
                measure="completed") -> PhaseCheck:
    """Each Annex 2 column checked on its own, never summed (002:477-481).

    002:479 保质保量完成“四大工程”所有建设任务: every column (the km columns, 危桥, 客运站点)
    of the district, each capped at its own target, so a surplus in one column never hides
    a shortfall in another. The phase is met only when every column is. Before the end,
    "on track" means every column has at least the pro-rata share of the phase.
    """
    required = phase.completion_share or Decimal(1)
    required_now = _required_now(phase, as_of)
    columns = []
    for name in rules.TARGET_FIELDS:
        p = progress.by_target[name]
        if not p.target:
            continue
        done = min(getattr(p, measure), p.target)
        columns.append(ColumnCheck(name, p.target, done, done / p.target, required_now))
    actual = min((c.share for c in columns), default=None)
    all_met = all(c.met for c in columns)
    if not phase_open(phase, as_of):
        status = CheckStatus.MET if all_met else CheckStatus.MISSED
    else:
        status = CheckStatus.ON_TRACK if all_met else CheckStatus.AT_RISK
    return PhaseCheck(phase, required, actual, status, tuple(columns))


def programme_phases() -> list[ProgrammePhase]:
    return list(ProgrammePhase.objects.order_by("number"))


def programme_checks(progress: DistrictProgress, as_of: dt.date, phases: list[ProgrammePhase]) -> list[PhaseCheck]:
    """The phase-1 check (20 % by 2018-12-31), completion (100 % by 2020-10-31), acceptance (2020-11)."""
    checks = []
    for phase in phases:
        measure = "accepted" if phase.completion_share is None else "completed"
        checks.append(phase_check(progress, phase, as_of, measure=measure))
    return checks


def districts_at_risk(*, as_of: dt.date, user) -> list[tuple[District, PhaseCheck]]:
    """Per district ``user`` may see, the first phase whose check is at risk on ``as_of`` (phase_check's rule).

    Once every phase has ended, no check can be at risk, and the progress is not read: over
    10,000 projects it is 15-25 ms of every supervisor's, manager's and director's home (issue 12).
    """
    phases = programme_phases()
    if not any(phase_open(phase, as_of) for phase in phases):
        return []
    result = []
    for progress in district_progress(as_of=as_of, user=user):
        at_risk = [c for c in programme_checks(progress, as_of, phases) if c.status == CheckStatus.AT_RISK]
        if at_risk:
            result.append((progress.district, at_risk[0]))
    return result
