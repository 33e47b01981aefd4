"""Use cases of the rural-road programme. One function per use case.

A step of a project or a decision on an adjustment runs through policyops.workflow
(``run_transition``: legal from the state, permitted, its conditions met; one save, one
history row, one audit row) on the date the user acts on (``as_of``), in a durable
transaction of its own: nothing legitimately nests them. ``project_create`` and
``adjustment_request`` are the exceptions (see their docstrings).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from policyops import audit
from policyops.errors import STALE_OBJECT, ConditionFailed, InvalidInput, NotAllowed, StaleObject
from policyops.history import recorded_by
from policyops.scoping import may_touch_district
from policyops.workflow import run_transition
from programs.roads import guards, rules
from programs.roads.models import AnnualPlan, PlanAdjustment, PlanAdjustmentLine, ProjectMilestone, RoadProject, Step

# Transition → the step it finishes (its milestone gets the actual end date).
FINISHES = {"approve_design": Step.SURVEY_DESIGN, "award_contract": Step.TENDERING,
            "complete_construction": Step.CONSTRUCTION, "accept": Step.ACCEPTANCE}
STARTS = {"start_design": Step.SURVEY_DESIGN, "approve_design": Step.TENDERING,
          "award_contract": Step.CONSTRUCTION, "complete_construction": Step.ACCEPTANCE}
STEPS = ("start_design", *FINISHES)


def project_create(*, acting_user, planned_ends: dict | None = None, **fields) -> RoadProject:
    """Create a project with its four milestone rows (planned end dates optional).

    Not durable: an import creates its new projects inside its own all-or-nothing
    transaction, and the admin's add form inside the admin's.
    """
    district = fields.get("district")
    if not acting_user.has_perm("roads.manage_roadproject") or not may_touch_district(
            acting_user, getattr(district, "pk", None)):
        raise NotAllowed(_("You may not add projects for this district."))
    with transaction.atomic(), recorded_by(acting_user):
        project = RoadProject(**fields)
        project.full_clean()
        project.save()
        ProjectMilestone.objects.bulk_create([
            ProjectMilestone(project=project, step=step, planned_end=(planned_ends or {}).get(step))
            for step in Step.ORDER])
        audit.record(obj=project, action="create", actor=acting_user, to_state=project.state)
    return project


def project_advance(*, project: RoadProject, action: str, acting_user, as_of: dt.date, evidence_number: str = "",
                    evidence_file=None, evidence_date: dt.date | None = None) -> RoadProject:
    """Record the evidence of the current step and move to the next one, recorded on ``as_of``.

    The finished step ends, and the next one starts, on ``evidence_date`` (the date on the
    evidence document; by default ``as_of``), checked by rules.evidence_date_problem.
    The evidence number is written in the same transaction as the step, before it (the
    step's condition reads it): a refused step (illegal from the state, not permitted, a
    condition unmet) rolls it back. An evidence file is stored only once the step is taken.
    """
    if action not in STEPS:
        raise InvalidInput(_("Unknown action."), field="action")
    evidence_number = (evidence_number or "").strip()
    with transaction.atomic(durable=True), recorded_by(acting_user):
        milestones = {m.step: m for m in project.milestones.all()}
        finished = milestones.get(FINISHES.get(action))
        on = evidence_date or as_of
        previous = previous_step_date(milestones, finished.step) if finished is not None else None
        problem = rules.evidence_date_problem(on, as_of=as_of, previous_date=previous)
        if problem:
            raise InvalidInput(problem, field="evidence_date")
        if finished is not None and evidence_number:
            finished.evidence_number = evidence_number
            finished.save(update_fields=["evidence_number"])
        try:
            run_transition(project, action, acting_user=acting_user, as_of=as_of, reason=evidence_number)
        except ConditionFailed:
            if action == "approve_design" and project.technical_problems():
                # Every technical problem by name, rather than the condition's summary.
                raise InvalidInput("；".join(project.technical_problems()), field="design") from None
            raise
        if finished is not None:
            finished.actual_end = on
            if evidence_file:
                finished.evidence_file = evidence_file
            finished.save(update_fields=["actual_end", "evidence_file"] if evidence_file else ["actual_end"])
        started = milestones.get(STARTS.get(action))
        if started is not None and started.actual_start is None:
            started.actual_start = on
            started.save(update_fields=["actual_start"])
    return project


def previous_step_date(milestones: dict, step: str) -> dt.date | None:
    """The date of the step before ``step``'s end: its own start, else the previous milestone's end."""
    milestone = milestones.get(step)
    if milestone is not None and milestone.actual_start is not None:
        return milestone.actual_start
    earlier = [milestones[s].actual_end for s in Step.ORDER[:Step.ORDER.index(step)]
               if s in milestones and milestones[s].actual_end is not None]
    return max(earlier, default=None)


def project_report_progress(*, project: RoadProject, acting_user, completed_km) -> RoadProject:
    """Km completed, reported during construction (saved with its history row and an audit row)."""
    if not guards.may_manage(project, acting_user):
        raise NotAllowed(_("You may not report progress for this project."))
    if project.state != RoadProject.State.CONSTRUCTION:
        raise InvalidInput(_("Progress is reported during construction."), field="completed_km")
    completed_km = Decimal(str(completed_km))
    if completed_km < 0 or completed_km > project.quantity:
        raise InvalidInput(_("Km completed must be between 0 and the project's %(length)s km."),
                           field="completed_km", length=project.quantity)
    with transaction.atomic(durable=True), recorded_by(acting_user):
        before = project.completed_km
        project.completed_km = completed_km
        try:
            # save(), not queryset.update(): simple-history records the change. The state is
            # compared on save (ConcurrentTransitionMixin): a project that left construction
            # meanwhile is refused.
            project.save(update_fields=["completed_km"])
        except ConcurrentTransition as exc:
            project.completed_km = before
            raise StaleObject(STALE_OBJECT) from exc
        audit.record(obj=project, action="report_progress", actor=acting_user, reason=f"{before} → {completed_km}")
    return project


# --- plan adjustments ------------------------------------------------------------------


def adjustment_request(*, district, target_field: str, reason: str, lines: dict[int, Decimal], acting_user):
    """Request a change of a district's annual plans for one target.

    Not durable: the admin's add form runs it inside the admin's transaction.
    """
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the adjustment."), field="reason")
    if not lines:
        raise InvalidInput(_("Give at least one year's new plan."), field="lines")
    if not acting_user.has_perm("roads.add_planadjustment") or not may_touch_district(acting_user, district.pk):
        raise NotAllowed(_("You may not adjust this district's plan."))
    with transaction.atomic(), recorded_by(acting_user):
        adjustment = PlanAdjustment.objects.create(district=district, target_field=target_field,
                                                   reason=reason.strip(), requested_by=acting_user)
        PlanAdjustmentLine.objects.bulk_create([PlanAdjustmentLine(adjustment=adjustment, year=y, new_quantity=q)
                                                for y, q in sorted(lines.items())])
        audit.record(obj=adjustment, action="request", actor=acting_user, to_state=adjustment.state,
                     reason=reason)
    return adjustment


def adjustment_approve(*, adjustment: PlanAdjustment, acting_user, as_of: dt.date, note: str = ""):
    """Apply the new annual plans; refused, with the numbers, unless the plans add up to the Annex 2 target."""
    try:
        with transaction.atomic(durable=True):
            adjustment.decision_note = note
            run_transition(adjustment, "approve", acting_user=acting_user, as_of=as_of, reason=note)
            for line in adjustment.lines.all():
                AnnualPlan.objects.update_or_create(
                    district=adjustment.district, target_field=adjustment.target_field, year=line.year,
                    defaults={"quantity": line.new_quantity})
    except ConditionFailed:
        # Said with the numbers (read after the rollback), rather than the condition's summary.
        _before, after = adjustment.totals()
        target = adjustment.annex_target()
        if after != target:
            raise InvalidInput(_("The adjusted annual plans of %(district)s add up to %(after)s, not the Annex 2 "
                                 "target %(target)s; the total task must stay unchanged (002:521)."),
                               field="lines", district=adjustment.district, after=after, target=target) from None
        raise
    return adjustment


def adjustment_reject(*, adjustment: PlanAdjustment, acting_user, as_of: dt.date, note: str):
    if not (note or "").strip():
        raise InvalidInput(_("Give the reason for rejecting the adjustment."), field="note")
    with transaction.atomic(durable=True):
        adjustment.decision_note = note.strip()
        run_transition(adjustment, "reject", acting_user=acting_user, as_of=as_of, reason=note)
    return adjustment


def annual_plans_total(district, target_field) -> Decimal:
    return AnnualPlan.objects.filter(district=district, target_field=target_field).aggregate(
        total=Sum("quantity"))["total"] or Decimal(0)
