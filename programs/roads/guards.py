"""Conditions and permissions of the road programme's transitions.

Conditions are pure: they read the project (or the adjustment) and nothing else; each one
carries the message that says what is missing, declared beside it (policyops.workflow).
None of them is structural: every one can become true for the same object (the design
and the km completed are edited, the evidence is attached, the annual plans change).
"""
from django.utils.translation import gettext_lazy as _

from policyops.scoping import may_touch_district
from policyops.workflow import condition
from programs.roads.rules import WorkType

# Permissions (role + district).


def may_manage(project, user) -> bool:
    return user.has_perm("roads.manage_roadproject") and may_touch_district(user, project.district_id)


def may_report_progress(project, user) -> bool:
    """Km completed are reported by the project's managers during construction (km work types only)."""
    return (project.state == type(project).State.CONSTRUCTION and project.work_type not in WorkType.COUNTED
            and may_manage(project, user))


def may_decide_adjustment(adjustment, user) -> bool:
    return user.has_perm("roads.approve_planadjustment")


# Conditions.


@condition(_("the design fails the technical rules"))
def design_passes_technical_checks(project) -> bool:
    return not project.technical_problems()


@condition(_("attach the evidence of this step (document number)"))
def step_has_evidence(project) -> bool:
    milestone = project.current_milestone
    return bool(milestone and milestone.evidence_number.strip())


@condition(_("report the km completed first: construction is not finished"))
def construction_complete(project) -> bool:
    return project.work_type in WorkType.COUNTED or project.completed_km >= project.quantity


@condition(_("the adjusted annual plans do not add up to the district's Annex 2 target"))
def adjustment_keeps_annex_total(adjustment) -> bool:
    # 002:521 在总任务保持不变的前提下: the invariant is the Annex 2 target, not the plans' current sum.
    _before, after = adjustment.totals()
    return after == adjustment.annex_target()
