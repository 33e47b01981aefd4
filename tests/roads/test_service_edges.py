"""Edges of the road programme's use cases (programs/roads/services.py) that the mutation
runner found untested: what each use case returns, and the date a step's evidence may not
precede when the finished step has no recorded start (002:477), the km a report may give,
and that each runs in a durable transaction of its own."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from policyops.errors import InvalidInput
from programs.roads import services
from programs.roads.models import PlanAdjustment, RoadProject, Step
from tests.roads.factories import PlanAdjustmentFactory, RoadProjectFactory, annual_plans, dated

pytestmark = pytest.mark.django_db
D = Decimal
S = RoadProject.State
TODAY = dt.date(2018, 9, 1)


def advance(project, user, action, evidence_date=None):
    return services.project_advance(project=project, action=action, acting_user=user, as_of=TODAY,
                                    evidence_number="青交〔2018〕1号", evidence_date=evidence_date)


@pytest.fixture
def in_construction(manager):
    """A project under construction whose construction milestone has no recorded start, so the
    step before its end is the latest end before it: survey and design ended 2018-07-01,
    tendering 2018-07-15 (services.previous_step_date)."""
    project = RoadProjectFactory(acting_user=manager)
    for action in ("start_design", "approve_design", "award_contract"):
        advance(project, manager, action)
    dated(project, survey_design=(dt.date(2018, 6, 1), dt.date(2018, 7, 1)),
          tendering=(dt.date(2018, 7, 1), dt.date(2018, 7, 15)), construction=(None, None))
    services.project_report_progress(project=project, acting_user=manager, completed_km=project.quantity)
    return project


def test_advance_returns_the_advanced_project(manager):
    project = RoadProjectFactory(acting_user=manager)
    assert advance(project, manager, "start_design") is project
    assert project.state == S.SURVEY_DESIGN


def test_report_progress_returns_the_project_with_its_km(manager, in_construction):
    returned = services.project_report_progress(project=in_construction, acting_user=manager, completed_km="4.5")
    assert returned is in_construction and returned.completed_km == D("4.5")


def test_a_step_without_a_start_is_dated_no_earlier_than_the_latest_step_before_it(manager, in_construction):
    with pytest.raises(InvalidInput) as exc:
        advance(in_construction, manager, "complete_construction", evidence_date=dt.date(2018, 7, 10))
    assert exc.value.field == "evidence_date"
    assert str(exc.value) == "证明材料日期为2018-07-10，早于上一环节（2018-07-15）。"
    in_construction.refresh_from_db()
    assert in_construction.state == S.CONSTRUCTION
    assert in_construction.milestones.get(step=Step.CONSTRUCTION).actual_end is None


def test_a_step_without_a_start_may_be_dated_on_the_latest_step_before_it(manager, in_construction):
    advance(in_construction, manager, "complete_construction", evidence_date=dt.date(2018, 7, 15))
    assert in_construction.state == S.ACCEPTANCE
    assert in_construction.milestones.get(step=Step.CONSTRUCTION).actual_end == dt.date(2018, 7, 15)


# --- progress ------------------------------------------------------------------------------------


def test_no_km_completed_yet_may_be_reported(manager, in_construction):
    services.project_report_progress(project=in_construction, acting_user=manager, completed_km="0")
    in_construction.refresh_from_db()
    assert in_construction.completed_km == D("0")


def test_progress_is_reported_in_a_durable_transaction_of_its_own(manager, in_construction):
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.project_report_progress(project=in_construction, acting_user=manager, completed_km="4.5")
    in_construction.refresh_from_db()
    assert in_construction.completed_km == in_construction.quantity


# --- plan adjustments ----------------------------------------------------------------------------


@pytest.fixture
def reshuffle(seeded):
    """A requested reshuffle of 平度市's upgrade km that keeps the Annex 2 total (69.7 km)."""
    annual_plans({2018: "20.0", 2019: "30.0", 2020: "19.7"})
    return PlanAdjustmentFactory(lines={2018: D("10"), 2019: D("40")})


def test_approve_returns_the_approved_adjustment(reshuffle, supervisor):
    returned = services.adjustment_approve(adjustment=reshuffle, acting_user=supervisor, as_of=TODAY, note="同意")
    assert returned is reshuffle and returned.state == PlanAdjustment.State.APPROVED


def test_reject_returns_the_rejected_adjustment_with_its_note(reshuffle, supervisor):
    returned = services.adjustment_reject(adjustment=reshuffle, acting_user=supervisor, as_of=TODAY,
                                          note=" 理由不充分 ")
    assert returned is reshuffle and returned.state == PlanAdjustment.State.REJECTED
    reshuffle.refresh_from_db()
    assert reshuffle.state == PlanAdjustment.State.REJECTED and reshuffle.decision_note == "理由不充分"


def test_a_rejection_runs_in_a_durable_transaction_of_its_own(reshuffle, supervisor):
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.adjustment_reject(adjustment=reshuffle, acting_user=supervisor, as_of=TODAY, note="理由不充分")
    reshuffle.refresh_from_db()
    assert reshuffle.state == PlanAdjustment.State.REQUESTED and reshuffle.decision_note == ""
