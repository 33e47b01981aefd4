"""Rural-road three-year programme (青政办发〔2018〕19号, 002:348-540), one module per feature."""
from programs.roads.models.plans import AnnualPlan, PlanAdjustment, PlanAdjustmentLine
from programs.roads.models.programme import ProgrammePhase, RoadTarget, SubsidyParameter, SubsidyRate, km_field
from programs.roads.models.projects import (
    DESIGN_FACTS,
    PROGRAMME_FACTS,
    ProjectMilestone,
    RoadProject,
    RoadProjectQuerySet,
    Step,
    evidence_upload_to,
)

__all__ = [
    "DESIGN_FACTS", "PROGRAMME_FACTS", "AnnualPlan", "PlanAdjustment", "PlanAdjustmentLine", "ProgrammePhase",
    "ProjectMilestone", "RoadProject", "RoadProjectQuerySet", "RoadTarget", "Step", "SubsidyParameter", "SubsidyRate",
    "evidence_upload_to", "km_field",
]
