"""Use cases of the rural-road programme. One function per use case."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from policyops import audit
from policyops.errors import InvalidInput, NotAllowed
from policyops.scoping import may_touch_district
from policyops.transitions import check_available, run_transition
from programs.roads.models import AnnualPlan, PlanAdjustment, PlanAdjustmentLine, ProjectMilestone, RoadProject, Step

GUARD_MESSAGES = {
    "_design_passes_technical_checks": _("the design fails the technical rules"),
    "_step_has_evidence": _("attach the evidence of this step (document number)"),
    "_construction_complete": _("report the km completed first: construction is not finished"),
    "_adjustment_keeps_total": _("the adjustment changes the district's total"),
}

# Transition → the step it finishes (its milestone gets the actual end date).
FINISHES = {"approve_design": Step.SURVEY_DESIGN, "award_contract": Step.TENDERING,
            "complete_construction": Step.CONSTRUCTION, "accept": Step.ACCEPTANCE}
STARTS = {"start_design": Step.SURVEY_DESIGN, "approve_design": Step.TENDERING,
          "award_contract": Step.CONSTRUCTION, "complete_construction": Step.ACCEPTANCE}


def project_create(*, acting_user, planned_ends: dict | None = None, **fields) -> RoadProject:
    """Create a project with its four milestone rows (planned end dates optional)."""
    district = fields.get("district")
    if not acting_user.has_perm("roads.manage_roadproject") or not may_touch_district(
            acting_user, getattr(district, "pk", None)):
        raise NotAllowed(_("You may not add projects for this district."))
    with transaction.atomic():
        project = RoadProject(**fields)
        project.full_clean()
        project.save()
        ProjectMilestone.objects.bulk_create([
            ProjectMilestone(project=project, step=step, planned_end=(planned_ends or {}).get(step))
            for step in Step.ORDER])
        audit.record(obj=project, action="create", actor=acting_user, to_state=project.status)
    return project


def project_advance(*, project: RoadProject, action: str, acting_user, as_of: dt.date, evidence_number: str = "",
                    evidence_file=None) -> RoadProject:
    """Record the evidence of the current step and move to the next one."""
    if action not in ("start_design", *FINISHES):
        raise InvalidInput(_("Unknown action."), field="action")
    check_available(project, action, acting_user=acting_user)
    with transaction.atomic():
        milestones = {m.step: m for m in project.milestones.all()}
        finished = milestones.get(FINISHES.get(action))
        if finished is not None and (evidence_number or evidence_file):
            finished.evidence_number = (evidence_number or finished.evidence_number).strip()
            if evidence_file:
                finished.evidence_file = evidence_file
            finished.save()
        if action == "approve_design" and project.technical_problems():
            raise InvalidInput("；".join(project.technical_problems()), field="design")
        run_transition(project, action, acting_user=acting_user, reason=evidence_number,
                       condition_messages=GUARD_MESSAGES)
        if finished is not None:
            finished.actual_end = as_of
            finished.save(update_fields=["actual_end"])
        started = milestones.get(STARTS.get(action))
        if started is not None and started.actual_start is None:
            started.actual_start = as_of
            started.save(update_fields=["actual_start"])
    return project


def project_report_progress(*, project: RoadProject, acting_user, completed_km) -> RoadProject:
    """Km completed, reported during construction."""
    if not acting_user.has_perm("roads.manage_roadproject") or not may_touch_district(acting_user,
                                                                                      project.district_id):
        raise NotAllowed(_("You may not report progress for this project."))
    if project.status != RoadProject.Status.CONSTRUCTION:
        raise InvalidInput(_("Progress is reported during construction."), field="completed_km")
    completed_km = Decimal(str(completed_km))
    if completed_km < 0 or completed_km > project.quantity:
        raise InvalidInput(_("Km completed must be between 0 and the project's %(length)s km."),
                           field="completed_km", length=project.quantity)
    with transaction.atomic():
        before = project.completed_km
        RoadProject.objects.filter(pk=project.pk).update(completed_km=completed_km)
        project.completed_km = completed_km
        audit.record(obj=project, action="report_progress", actor=acting_user, reason=f"{before} → {completed_km}")
    return project


# --- plan adjustments ------------------------------------------------------------------


def adjustment_totals(adjustment: PlanAdjustment) -> tuple[Decimal, Decimal]:
    """The district's planned total for the target before and after the adjustment."""
    plans = dict(AnnualPlan.objects.filter(district=adjustment.district, target_field=adjustment.target_field)
                 .values_list("year", "quantity"))
    before = sum(plans.values(), Decimal(0))
    after_plans = {**plans, **{line.year: line.new_quantity for line in adjustment.lines.all()}}
    return before, sum(after_plans.values(), Decimal(0))


def adjustment_request(*, district, target_field: str, reason: str, lines: dict[int, Decimal], acting_user):
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the adjustment."), field="reason")
    if not lines:
        raise InvalidInput(_("Give at least one year's new plan."), field="lines")
    if not acting_user.has_perm("roads.add_planadjustment") or not may_touch_district(acting_user, district.pk):
        raise NotAllowed(_("You may not adjust this district's plan."))
    with transaction.atomic():
        adjustment = PlanAdjustment.objects.create(district=district, target_field=target_field,
                                                   reason=reason.strip(), requested_by=acting_user)
        PlanAdjustmentLine.objects.bulk_create([PlanAdjustmentLine(adjustment=adjustment, year=y, new_quantity=q)
                                                for y, q in sorted(lines.items())])
        audit.record(obj=adjustment, action="request", actor=acting_user, to_state=adjustment.state,
                     reason=reason)
    return adjustment


def adjustment_approve(*, adjustment: PlanAdjustment, acting_user, note: str = ""):
    """Apply the new annual plans; refused, with the numbers, when the total would change."""
    before, after = adjustment_totals(adjustment)
    if before != after:
        raise InvalidInput(_("The adjustment changes %(district)s's total from %(before)s to %(after)s; "
                             "the total task must stay unchanged (002:521)."),
                           field="lines", district=adjustment.district, before=before, after=after)
    with transaction.atomic():
        adjustment.decision_note = note
        run_transition(adjustment, "approve", acting_user=acting_user, reason=note,
                       condition_messages=GUARD_MESSAGES)
        for line in adjustment.lines.all():
            AnnualPlan.objects.update_or_create(
                district=adjustment.district, target_field=adjustment.target_field, year=line.year,
                defaults={"quantity": line.new_quantity})
    return adjustment


def adjustment_reject(*, adjustment: PlanAdjustment, acting_user, note: str):
    if not (note or "").strip():
        raise InvalidInput(_("Give the reason for rejecting the adjustment."), field="note")
    with transaction.atomic():
        adjustment.decision_note = note.strip()
        run_transition(adjustment, "reject", acting_user=acting_user, reason=note,
                       condition_messages=GUARD_MESSAGES)
    return adjustment


def annual_plans_total(district, target_field) -> Decimal:
    return AnnualPlan.objects.filter(district=district, target_field=target_field).aggregate(
        total=Sum("quantity"))["total"] or Decimal(0)
