"""Road projects: milestone order and guards (002:477), technical rules (002:376, 455-459),
and the dynamic-adjustment rule (002:521)."""
import datetime as dt
from decimal import Decimal

import pytest

from policyops.errors import ConditionFailed, IllegalTransition, InvalidInput, NotAllowed
from policyops.roles import Role
from policyops.workflow import condition_message
from programs.roads import guards, rules, services
from programs.roads.models import AnnualPlan, PlanAdjustment, ProjectMilestone, RoadProject, Step
from programs.roads.rules import BaseLayer, Surface, WorkType
from tests.conftest import make_user
from tests.roads.factories import PlanAdjustmentFactory, RoadProjectFactory, annual_plans, district, manager_of

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2018, 6, 1)

# The transitions in order, each with the state it leads to.
CHAIN = [("start_design", RoadProject.State.SURVEY_DESIGN), ("approve_design", RoadProject.State.TENDERING),
         ("award_contract", RoadProject.State.CONSTRUCTION), ("complete_construction", RoadProject.State.ACCEPTANCE),
         ("accept", RoadProject.State.CLOSED)]


def new_project(user, district_name="平度市", **fields) -> RoadProject:
    """A planned 10 km upgrade with a good design (RoadProjectFactory), created by ``user``."""
    return RoadProjectFactory(acting_user=user, district=district(district_name), **fields)


def advance(project, user, action, as_of=DAY, evidence="青交〔2018〕1号"):
    return services.project_advance(project=project, action=action, acting_user=user, as_of=as_of,
                                    evidence_number=evidence)


def advance_to(project, user, state, as_of=DAY):
    """Run the chain with evidence (reporting the km before completing construction)."""
    for action, reached in CHAIN:
        if project.state == state:
            break
        if action == "complete_construction":
            services.project_report_progress(project=project, acting_user=user, completed_km=project.quantity)
        advance(project, user, action, as_of=as_of)
    assert project.state == state
    return project


# --- creation ----------------------------------------------------------------------------------


def test_create_adds_the_four_milestones_in_order(seeded):
    user = manager_of()
    project = new_project(user, planned_ends={Step.SURVEY_DESIGN: dt.date(2018, 7, 31)})
    milestones = list(project.milestones.order_by("id"))
    assert [m.step for m in milestones] == Step.ORDER
    assert milestones[0].planned_end == dt.date(2018, 7, 31) and milestones[1].planned_end is None
    assert project.state == RoadProject.State.PLANNED


def test_a_manager_cannot_add_projects_for_another_district(seeded):
    with pytest.raises(NotAllowed):
        new_project(manager_of("莱西市"), district_name="平度市")


def test_create_validates_the_project(seeded):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        new_project(manager_of(), poverty_km=D("11"))
    assert "poverty_km" in exc.value.message_dict


# --- milestone order ---------------------------------------------------------------------------


def test_the_full_chain_records_each_step(seeded):
    user = manager_of()
    project = new_project(user)
    dates = iter([dt.date(2018, 5, 1), dt.date(2018, 6, 1), dt.date(2018, 7, 1), dt.date(2018, 9, 30),
                  dt.date(2018, 11, 15)])
    for action, reached in CHAIN:
        if action == "complete_construction":
            services.project_report_progress(project=project, acting_user=user, completed_km=D("10"))
        advance(project, user, action, as_of=next(dates), evidence=f"文号-{action}")
        assert project.state == reached
    project.refresh_from_db()
    assert project.state == RoadProject.State.CLOSED
    milestones = {m.step: m for m in project.milestones.all()}
    assert milestones[Step.SURVEY_DESIGN].actual_start == dt.date(2018, 5, 1)
    assert milestones[Step.SURVEY_DESIGN].actual_end == dt.date(2018, 6, 1)
    assert milestones[Step.SURVEY_DESIGN].evidence_number == "文号-approve_design"
    assert milestones[Step.TENDERING].actual_start == dt.date(2018, 6, 1)
    assert milestones[Step.CONSTRUCTION].actual_start == dt.date(2018, 7, 1)
    assert milestones[Step.CONSTRUCTION].actual_end == dt.date(2018, 9, 30)
    assert milestones[Step.ACCEPTANCE].actual_end == dt.date(2018, 11, 15)


@pytest.mark.parametrize("state, action", [
    (RoadProject.State.PLANNED, "approve_design"),
    (RoadProject.State.PLANNED, "award_contract"),
    (RoadProject.State.PLANNED, "accept"),
    (RoadProject.State.SURVEY_DESIGN, "award_contract"),
    (RoadProject.State.SURVEY_DESIGN, "complete_construction"),
    (RoadProject.State.TENDERING, "complete_construction"),
    (RoadProject.State.TENDERING, "accept"),
    (RoadProject.State.CONSTRUCTION, "accept"),
    (RoadProject.State.CLOSED, "start_design"),
])
def test_no_step_can_be_skipped(seeded, state, action):
    user = manager_of()
    project = advance_to(new_project(user), user, state)
    with pytest.raises(IllegalTransition):
        advance(project, user, action)
    project.refresh_from_db()
    assert project.state == state


def test_unknown_action_is_invalid_input(seeded):
    user = manager_of()
    with pytest.raises(InvalidInput) as exc:
        advance(new_project(user), user, "skip_everything")
    assert exc.value.field == "action"


@pytest.mark.parametrize("state, action", [
    (RoadProject.State.SURVEY_DESIGN, "approve_design"),
    (RoadProject.State.TENDERING, "award_contract"),
    (RoadProject.State.ACCEPTANCE, "accept"),
])
def test_each_step_needs_its_evidence(seeded, state, action):
    user = manager_of()
    project = advance_to(new_project(user), user, state)
    with pytest.raises(ConditionFailed) as exc:
        advance(project, user, action, evidence="")
    assert condition_message(guards.step_has_evidence) in str(exc.value)
    project.refresh_from_db()
    assert project.state == state
    advance(project, user, action, evidence="青交〔2018〕9号")
    assert project.state != state


def test_construction_evidence_is_required_too(seeded):
    user = manager_of()
    project = advance_to(new_project(user), user, RoadProject.State.CONSTRUCTION)
    services.project_report_progress(project=project, acting_user=user, completed_km=D("10"))
    with pytest.raises(ConditionFailed) as exc:
        advance(project, user, "complete_construction", evidence="   ")
    assert condition_message(guards.step_has_evidence) in str(exc.value)


def test_another_districts_manager_cannot_advance(seeded):
    project = new_project(manager_of())
    with pytest.raises(NotAllowed):
        advance(project, manager_of("莱西市"), "start_design")


# --- design approval: technical rules -----------------------------------------------------------


@pytest.mark.parametrize("changes, message", [
    ({"pavement_width_m": D("5.5"), "passing_bays": 0}, rules.NEEDS_PASSING_BAYS % {"width": D("5.5")}),
    ({"surface_thickness_cm": D("4")}, rules.ASPHALT_TOO_THIN % {"thickness": D("4")}),
    ({"surface": Surface.CEMENT, "surface_thickness_cm": D("18"), "base_layer": BaseLayer.OTHER_BASE},
     rules.CEMENT_TOO_THIN % {"thickness": D("18")}),
    ({"base_layer": BaseLayer.OTHER_BASE}, rules.ASPHALT_NEEDS_RIGID_BASE),
    ({"surface": Surface.CEMENT, "surface_thickness_cm": D("20"), "base_layer": BaseLayer.NONE},
     rules.CEMENT_NEEDS_BASE),
    ({"surface": "", "surface_thickness_cm": None}, rules.DESIGN_FACTS_MISSING),
])
def test_design_approval_is_refused_with_the_technical_message(seeded, changes, message):
    user = manager_of()
    project = advance_to(new_project(user, **changes), user, RoadProject.State.SURVEY_DESIGN)
    with pytest.raises(InvalidInput) as exc:
        advance(project, user, "approve_design")
    assert exc.value.field == "design"
    assert str(message) in str(exc.value)
    project.refresh_from_db()
    assert project.state == RoadProject.State.SURVEY_DESIGN
    # The refused attempt left no evidence behind.
    assert project.milestones.get(step=Step.SURVEY_DESIGN).evidence_number == ""


def test_every_problem_is_named_at_once(seeded):
    user = manager_of()
    project = advance_to(new_project(user, pavement_width_m=D("5"), surface_thickness_cm=D("3"),
                                     base_layer=BaseLayer.NONE), user, RoadProject.State.SURVEY_DESIGN)
    with pytest.raises(InvalidInput) as exc:
        advance(project, user, "approve_design")
    text = str(exc.value)
    for message in (rules.NEEDS_PASSING_BAYS % {"width": D("5")}, rules.ASPHALT_TOO_THIN % {"thickness": D("3")},
                    rules.ASPHALT_NEEDS_RIGID_BASE):
        assert str(message) in text


@pytest.mark.parametrize("changes", [
    {"pavement_width_m": D("5.5"), "passing_bays": 4},  # narrow with passing bays
    {"surface": Surface.CEMENT, "surface_thickness_cm": D("20"), "base_layer": BaseLayer.OTHER_BASE},
    {"pavement_width_m": D("6"), "surface_thickness_cm": D("5")},  # the limits themselves pass
])
def test_designs_within_the_rules_are_approved(seeded, changes):
    user = manager_of()
    project = advance_to(new_project(user, **changes), user, RoadProject.State.SURVEY_DESIGN)
    advance(project, user, "approve_design")
    assert project.state == RoadProject.State.TENDERING


def test_technical_rules_do_not_apply_to_pavement_repair(seeded):
    user = manager_of()
    project = new_project(user, work_type=WorkType.MAJOR_REPAIR, pavement_width_m=D("4.5"), surface="",
                          surface_thickness_cm=None, base_layer="")
    assert project.technical_problems() == []
    advance_to(project, user, RoadProject.State.TENDERING)


# --- construction complete -------------------------------------------------------------------------


def test_construction_completes_only_when_all_km_are_reported(seeded):
    user = manager_of()
    project = advance_to(new_project(user, quantity=D("10")), user, RoadProject.State.CONSTRUCTION)
    with pytest.raises(ConditionFailed) as exc:
        advance(project, user, "complete_construction")
    assert condition_message(guards.construction_complete) in str(exc.value)
    services.project_report_progress(project=project, acting_user=user, completed_km="9.99")
    with pytest.raises(ConditionFailed):
        advance(project, user, "complete_construction")
    services.project_report_progress(project=project, acting_user=user, completed_km="10")
    advance(project, user, "complete_construction")
    assert project.state == RoadProject.State.ACCEPTANCE
    project.refresh_from_db()
    assert project.completed_km == project.quantity == D("10")


@pytest.mark.parametrize("km", ["-1", "10.01"])
def test_progress_outside_the_length_is_refused(seeded, km):
    user = manager_of()
    project = advance_to(new_project(user), user, RoadProject.State.CONSTRUCTION)
    with pytest.raises(InvalidInput) as exc:
        services.project_report_progress(project=project, acting_user=user, completed_km=km)
    assert exc.value.field == "completed_km"


def test_progress_is_reported_during_construction_only(seeded):
    user = manager_of()
    with pytest.raises(InvalidInput):
        services.project_report_progress(project=new_project(user), acting_user=user, completed_km="1")


def test_bridges_complete_without_km(seeded):
    user = manager_of()
    project = new_project(user, bridge=True)
    advance_to(project, user, RoadProject.State.CONSTRUCTION)
    advance(project, user, "complete_construction")
    assert project.state == RoadProject.State.ACCEPTANCE


# --- dynamic adjustment (002:521) ---------------------------------------------------------------


@pytest.fixture
def pingdu_plans(seeded):
    annual_plans({2018: "20.0", 2019: "30.0", 2020: "19.7"})


def plans():
    return dict(AnnualPlan.objects.filter(district=district(), target_field="upgrade_km")
                .values_list("year", "quantity"))


def test_an_adjustment_that_changes_the_total_is_refused_with_the_numbers(pingdu_plans, supervisor):
    adjustment = PlanAdjustmentFactory(lines={2018: D("25"), 2019: D("30")})
    with pytest.raises(InvalidInput) as exc:
        services.adjustment_approve(adjustment=adjustment, acting_user=supervisor, as_of=DAY)
    message = str(exc.value)
    assert "69.7" in message and "74.7" in message and "平度市" in message
    assert exc.value.field == "lines"
    adjustment.refresh_from_db()
    assert adjustment.state == PlanAdjustment.State.REQUESTED
    assert plans() == {2018: D("20.0"), 2019: D("30.0"), 2020: D("19.7")}


def test_an_equal_total_reshuffle_is_applied(pingdu_plans, supervisor):
    adjustment = PlanAdjustmentFactory(lines={2018: D("10"), 2019: D("40")})
    services.adjustment_approve(adjustment=adjustment, acting_user=supervisor, as_of=DAY, note="同意")
    adjustment.refresh_from_db()
    assert adjustment.state == PlanAdjustment.State.APPROVED
    assert plans() == {2018: D("10.0"), 2019: D("40.0"), 2020: D("19.7")}
    assert sum(plans().values()) == D("69.7")


def test_a_manager_cannot_approve_an_adjustment(pingdu_plans):
    user = manager_of()
    adjustment = PlanAdjustmentFactory(lines={2018: D("19.7"), 2020: D("20.0")}, acting_user=user)
    with pytest.raises(NotAllowed):
        services.adjustment_approve(adjustment=adjustment, acting_user=user, as_of=DAY)


@pytest.mark.parametrize("reason, lines, field", [("  ", {2018: D("1")}, "reason"), ("调整", {}, "lines")])
def test_an_adjustment_needs_a_reason_and_lines(pingdu_plans, reason, lines, field):
    with pytest.raises(InvalidInput) as exc:
        services.adjustment_request(district=district(), target_field="upgrade_km", reason=reason, lines=lines,
                                    acting_user=manager_of())
    assert exc.value.field == field


def test_a_manager_cannot_adjust_another_districts_plan(pingdu_plans):
    with pytest.raises(NotAllowed):
        services.adjustment_request(district=district(), target_field="upgrade_km", reason="调整",
                                    lines={2018: D("1")}, acting_user=manager_of("莱西市"))


def test_milestone_is_overdue_only_without_an_actual_end():
    milestone = ProjectMilestone(step=Step.TENDERING, planned_end=dt.date(2018, 6, 30))
    assert not milestone.is_overdue(dt.date(2018, 6, 30))
    assert milestone.is_overdue(dt.date(2018, 7, 1))
    milestone.actual_end = dt.date(2018, 7, 5)
    assert not milestone.is_overdue(dt.date(2018, 8, 1))


def test_a_project_of_a_district_outside_the_programme_is_refused(seeded):
    # 002:487-489 and Annex 2 (002:531-537): 市南区 has no targets, so no project of the programme.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        RoadProjectFactory(acting_user=make_user(Role.SUPERVISOR), district=district("市南区"))
    assert "市南区不在" in refused.value.message_dict["district"][0]
    assert not RoadProject.objects.filter(district__name="市南区").exists()


def test_the_admins_project_form_offers_the_programmes_districts_only(admin_client, seeded):
    from django.urls import reverse

    response = admin_client.get(reverse("admin:roads_roadproject_add"))
    offered = {label for _value, label in response.context["adminform"].form.fields["district"].choices if _value}
    assert "平度市" in offered and "青岛西海岸新区" in offered
    assert not offered & {"市南区", "市北区", "李沧区"}


def test_the_programme_rule_in_sql_agrees_with_its_python_form(seeded):
    from policyops.models import District

    in_sql = set(District.objects.filter(rules.in_programme_q()).values_list("name", flat=True))
    assert in_sql == {d.name for d in District.objects.all() if rules.in_programme(d)}
    assert len(in_sql) == 7 and not in_sql & {"市南区", "市北区", "李沧区"}
