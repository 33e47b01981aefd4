"""Admin of the rural-road programme, one module per feature: the programme's data
(targets, phases, subsidy tables), road projects, annual plans and their adjustments.

States are never saved from a form: a project's and an adjustment's state are read-only
here and change only through policyops.workflow → programs.roads.services (which check,
audit and record the milestone dates). Lists compute what they show per page in one go
(one subsidy table, one query of annual plans), so their query count does not grow with
rows.
"""
from programs.roads.admin.plans import AnnualPlanAdmin, PlanAdjustmentAdmin
from programs.roads.admin.programme import (
    ProgrammePhaseAdmin,
    RoadTargetAdmin,
    SubsidyParameterAdmin,
    SubsidyRateAdmin,
)
from programs.roads.admin.projects import RoadProjectAdmin

__all__ = ["AnnualPlanAdmin", "PlanAdjustmentAdmin", "ProgrammePhaseAdmin", "RoadProjectAdmin", "RoadTargetAdmin",
           "SubsidyParameterAdmin", "SubsidyRateAdmin"]
