"""Every step of a road project and every decision on a plan adjustment, declared once.

The admin's next-step buttons and action pages, the bulk actions and the API's
``allowed_actions`` all iterate these lists through policyops.workflow. To add a step:
write the ``@transition`` (with its conditions, in programs.roads.guards) on the model,
its service, its form, and one line here.
"""
from functools import partial

from django.utils.translation import gettext_lazy as _

from policyops.workflow import Action
from programs.roads import forms as f
from programs.roads import guards as g
from programs.roads import services
from programs.roads.models import PlanAdjustment, RoadProject


def _step(name, label, form=None):
    # The evidence form supplies the step's evidence (guards.step_has_evidence).
    return Action(name, label, partial(services.project_advance, action=name), target="project", form=form,
                  supplies=(g.step_has_evidence,) if form is f.StepEvidenceForm else ())


PROJECT_ACTIONS = [
    _step("start_design", _("Start survey and design")),
    _step("approve_design", _("Approve the design"), f.StepEvidenceForm),
    _step("award_contract", _("Award the contract"), f.StepEvidenceForm),
    _step("complete_construction", _("Complete construction"), f.StepEvidenceForm),
    _step("accept", _("Accept the works"), f.StepEvidenceForm),
    # Not a transition: the km completed, reported during construction.
    Action("report_progress", _("Report progress"), services.project_report_progress, target="project",
           form=f.ProgressForm, transition=None, permission=g.may_report_progress, takes_as_of=False),
]

ADJUSTMENT_ACTIONS = [
    Action("approve", _("Approve the adjustment"), services.adjustment_approve, target="adjustment",
           form=f.AdjustmentDecisionForm),
    Action("reject", _("Reject the adjustment"), services.adjustment_reject, target="adjustment",
           form=f.RejectAdjustmentForm),
]


def register_all():
    from policyops import workflow

    workflow.register(RoadProject, PROJECT_ACTIONS)
    workflow.register(PlanAdjustment, ADJUSTMENT_ACTIONS)
