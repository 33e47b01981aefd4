"""The road programme on the workflow kernel: one list of steps for the admin, the API and
the bulk actions; conditions that say why; services in durable transactions of their own."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from policyops import workflow
from policyops.roles import Role
from policyops.workflow import condition_message
from programs.roads import guards, services
from programs.roads.actions import ADJUSTMENT_ACTIONS, PROJECT_ACTIONS
from programs.roads.models import PlanAdjustment, RoadProject
from tests.conftest import freeze_localdate, make_user
from tests.roads.factories import PlanAdjustmentFactory, RoadProjectFactory, annual_plans, manager_of

pytestmark = pytest.mark.django_db
D = Decimal
S = RoadProject.State
DAY = dt.date(2018, 6, 1)
CHAIN = ["start_design", "approve_design", "award_contract"]


def to_construction(project, user):
    for number, action in enumerate(CHAIN):
        services.project_advance(project=project, action=action, acting_user=user, as_of=DAY,
                                 evidence_number=f"青交〔2018〕{number}号")
    assert project.state == S.CONSTRUCTION
    return project


def admin_buttons(client, project):
    response = client.get(reverse("admin:roads_roadproject_change", args=[project.pk]))
    assert response.status_code == 200
    return [(b["name"], b["ready"], b["reason"]) for b in response.context["workflow_buttons"]]


def api_row(user, project):
    api = APIClient()
    api.force_authenticate(user)
    response = api.get("/api/roads/projects/")
    assert response.status_code == 200
    return next(r for r in response.json()["results"] if r["id"] == project.pk)


@pytest.fixture
def today(monkeypatch):
    return freeze_localdate(monkeypatch, DAY)


def test_every_step_is_declared_once_and_registered(seeded):
    assert [a.name for a in PROJECT_ACTIONS] == ["start_design", "approve_design", "award_contract",
                                                 "complete_construction", "accept", "report_progress"]
    assert list(workflow.workflow_for(RoadProject).actions) == [a.name for a in PROJECT_ACTIONS]
    assert list(workflow.workflow_for(PlanAdjustment).actions) == [a.name for a in ADJUSTMENT_ACTIONS]


@pytest.mark.parametrize("stage", ["planned", "survey_design", "construction"])
def test_admin_and_api_offer_the_steps_the_workflow_offers(client, seeded, today, stage):
    manager = manager_of()
    project = RoadProjectFactory(acting_user=manager)
    if stage == "survey_design":
        services.project_advance(project=project, action="start_design", acting_user=manager, as_of=DAY)
    elif stage == "construction":
        to_construction(project, manager)
    project = RoadProject.objects.prefetch_related("milestones").get(pk=project.pk)
    offered = workflow.available_actions(project, manager, as_of=today)
    client.force_login(manager)
    assert admin_buttons(client, project) == [(a.name, a.ready, a.reason) for a in offered]
    assert api_row(manager, project)["allowed_actions"] == workflow.ready_action_names(project, manager, as_of=today)
    expected = {"planned": ["start_design"], "survey_design": ["approve_design"],
                "construction": ["report_progress"]}[stage]
    assert [a.name for a in offered if a.ready] == expected


def test_a_blocked_step_says_why_in_the_admin(client, seeded, today):
    manager = manager_of()
    project = to_construction(RoadProjectFactory(acting_user=manager), manager)
    client.force_login(manager)
    buttons = {name: (ready, reason) for name, ready, reason in admin_buttons(client, project)}
    # The evidence is typed on the step's page; the km completed are not, so that blocks.
    assert buttons["complete_construction"] == (False, condition_message(guards.construction_complete))
    assert buttons["report_progress"] == (True, "")


def test_no_step_is_offered_to_another_district_or_a_reader(seeded, today):
    project = RoadProjectFactory(acting_user=manager_of())
    assert workflow.available_actions(project, manager_of("莱西市"), as_of=today) == []
    director = make_user(Role.DIRECTOR, district=project.district)  # sees the district's projects, manages none
    assert api_row(director, project)["allowed_actions"] == []


def test_design_approval_is_blocked_by_the_technical_rules(seeded, today):
    manager = manager_of()
    project = RoadProjectFactory(acting_user=manager, surface_thickness_cm=D("3"))
    services.project_advance(project=project, action="start_design", acting_user=manager, as_of=DAY)
    [approve] = [a for a in workflow.available_actions(project, manager, as_of=today) if a.name == "approve_design"]
    assert not approve.ready and approve.reasons == (condition_message(guards.design_passes_technical_checks),)


def test_bulk_start_of_survey_and_design(client, seeded, today):
    manager = manager_of()
    projects = [RoadProjectFactory(acting_user=manager) for _i in range(2)]
    client.force_login(manager)
    response = client.post(reverse("admin:roads_roadproject_changelist"), {
        "action": "workflow_start_design", "_selected_action": [p.pk for p in projects]}, follow=True)
    assert response.status_code == 200
    assert set(RoadProject.objects.values_list("state", flat=True)) == {S.SURVEY_DESIGN}
    assert all(p.milestones.get(step="survey_design").actual_start == DAY for p in projects)


# --- plan adjustments --------------------------------------------------------------------------


def test_adjustment_decisions_are_the_workflows(client, seeded, supervisor, today):
    annual_plans({2018: "20.0", 2019: "30.0", 2020: "19.7"})
    changed = PlanAdjustmentFactory(lines={2018: D("25")})
    client.force_login(supervisor)
    response = client.get(reverse("admin:roads_planadjustment_change", args=[changed.pk]))
    buttons = [(b["name"], b["ready"], b["reason"]) for b in response.context["workflow_buttons"]]
    offered = workflow.available_actions(changed, supervisor, as_of=today)
    assert buttons == [(a.name, a.ready, a.reason) for a in offered]
    assert buttons == [("approve", False, condition_message(guards.adjustment_keeps_annex_total)), ("reject", True, "")]
    assert workflow.available_actions(changed, manager_of(), as_of=today) == []

    reject = reverse("admin:roads_planadjustment_workflow_action", args=[changed.pk, "reject"])
    response = client.post(reject, {"_confirm": "1", "note": ""})
    assert response.context["form"].errors["note"]  # a rejection gives its reason
    client.post(reject, {"_confirm": "1", "note": "总量改变"})
    changed.refresh_from_db()
    assert changed.state == PlanAdjustment.State.REJECTED and changed.decision_note == "总量改变"


# --- transactions --------------------------------------------------------------------------------


def test_steps_and_decisions_run_in_durable_transactions_of_their_own(seeded, supervisor):
    manager = manager_of()
    project = RoadProjectFactory(acting_user=manager)
    annual_plans({2018: "20.0", 2019: "30.0"})
    adjustment = PlanAdjustmentFactory(lines={2018: D("10"), 2019: D("40")})
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.project_advance(project=project, action="start_design", acting_user=manager, as_of=DAY)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.adjustment_approve(adjustment=adjustment, acting_user=supervisor, as_of=DAY)
    project.refresh_from_db()
    adjustment.refresh_from_db()
    assert project.state == S.PLANNED and adjustment.state == PlanAdjustment.State.REQUESTED


def test_a_steps_page_asks_for_its_input(client, seeded, today):
    manager = manager_of()
    project = RoadProjectFactory(acting_user=manager)
    services.project_advance(project=project, action="start_design", acting_user=manager, as_of=DAY)
    client.force_login(manager)
    response = client.get(reverse("admin:roads_roadproject_workflow_action", args=[project.pk, "approve_design"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="evidence_number"' in html and project.name in html
    assert response.context["form"].fields["evidence_number"].required
    unknown = reverse("admin:roads_roadproject_workflow_action", args=[project.pk, "skip_everything"])
    assert client.get(unknown).status_code == 404
