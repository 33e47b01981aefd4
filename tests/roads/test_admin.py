"""The road programme's admin: scoped project lists, transitions through the services, adjustments."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from policyops.models import District
from programs.roads import services
from programs.roads.models import (
    AnnualPlan,
    PlanAdjustment,
    ProjectMilestone,
    RoadProject,
    Step,
    SubsidyParameter,
    SubsidyRate,
)
from tests.pages import messages_of
from tests.roads.factories import PlanAdjustmentFactory, RoadProjectFactory, annual_plans

pytestmark = pytest.mark.django_db
D = Decimal
CHANGELIST = "admin:roads_roadproject_changelist"



@pytest.fixture
def laixi(seeded):
    return District.objects.get(name="莱西市")



def new_project(user, district, n=0, **fields):
    values = {"town": "演示甲镇", "name": f"演示路{n}", "pavement_width_m": D("6"), "surface_thickness_cm": D("6"),
              "estimate_wan": D("2000"), "plan_year": 2019, "responsible_unit": "交通运输局", **fields}
    return RoadProjectFactory(acting_user=user, district=district, **values)


# --- project list -------------------------------------------------------------------------------


def test_changelist_query_count_is_constant(client, supervisor, pingdu, laixi, assert_constant_queries):
    districts = [pingdu, laixi]
    counter = iter(range(1000))
    work_types = ["路网提档升级", "中修", "危桥改造", "客运站点", "预防养护"]

    def grow(n):
        for _i in range(n):
            i = next(counter)
            project = new_project(supervisor, districts[i % 2], i, work_type=work_types[i % len(work_types)])
            if i % 3 == 0:
                services.project_advance(project=project, action="start_design", acting_user=supervisor,
                                         as_of=dt.date(2018, 6, 1))

    client.force_login(supervisor)
    response = assert_constant_queries(client, reverse(CHANGELIST), grow)
    assert response.context["cl"].result_count == 28


def test_changelist_shows_quote_overdue_flag_and_only_own_district(client, manager, supervisor, pingdu, laixi):
    mine = new_project(manager, pingdu, 1, planned_ends={Step.SURVEY_DESIGN: dt.date(2018, 7, 1)})
    services.project_advance(project=mine, action="start_design", acting_user=manager, as_of=dt.date(2018, 6, 1))
    theirs = new_project(supervisor, laixi, 2)
    client.force_login(manager)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert [p.pk for p in response.context["cl"].result_list] == [mine.pk]
    html = response.content.decode()
    assert theirs.name not in html
    row = response.context["cl"].result_list[0]
    assert row.subsidy_quote_wan == D("900.00")  # 平度市, ≥ 6 m, 90 万元/km × 10 km
    assert "icon-yes" in html  # the survey step was due 2018-07-01 and is not finished


def test_changelist_filters_and_search(client, supervisor, pingdu, laixi):
    new_project(supervisor, pingdu, 1, town="演示甲镇")
    new_project(supervisor, laixi, 2, work_type="中修", town="演示乙镇", plan_year=2020)
    client.force_login(supervisor)
    url = reverse(CHANGELIST)

    def names(query):
        response = client.get(url + query)
        assert response.status_code == 200
        return {p.name for p in response.context["cl"].result_list}

    assert names(f"?district__id__exact={laixi.pk}") == {"演示路2"}
    assert names("?work_type__exact=中修") == {"演示路2"}
    assert names("?plan_year=2020") == {"演示路2"}
    assert names("?state__exact=planned") == {"演示路1", "演示路2"}
    assert names("?q=乙镇") == {"演示路2"}


def test_another_districts_project_cannot_be_opened(client, manager, supervisor, laixi):
    theirs = new_project(supervisor, laixi, 2)
    client.force_login(manager)
    assert client.get(reverse("admin:roads_roadproject_change", args=[theirs.pk])).status_code in (302, 404)
    response = client.post(action_url(theirs, "start_design"), {"_confirm": "1"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == RoadProject.State.PLANNED


# --- the change page: steps through the workflow and the services, never the state field -----------


def action_url(project, name):
    return reverse("admin:roads_roadproject_workflow_action", args=[project.pk, name])


def test_step_buttons_run_the_service_with_the_evidence(client, manager, pingdu):
    project = new_project(manager, pingdu, 1)
    client.force_login(manager)
    change = reverse("admin:roads_roadproject_change", args=[project.pk])
    buttons = client.get(change).context["workflow_buttons"]
    assert [(b["name"], b["ready"], b["url"]) for b in buttons] == [
        ("start_design", True, action_url(project, "start_design"))]

    client.post(action_url(project, "start_design"), {"_confirm": "1"})
    project.refresh_from_db()
    assert project.state == RoadProject.State.SURVEY_DESIGN

    response = client.post(action_url(project, "approve_design"), {"_confirm": "1", "evidence_number": ""})
    assert response.status_code == 200 and response.context["form"].errors["evidence_number"]
    project.refresh_from_db()
    assert project.state == RoadProject.State.SURVEY_DESIGN  # no evidence: refused

    client.post(action_url(project, "approve_design"), {"_confirm": "1", "evidence_number": "平交设批〔2018〕12号"})
    project.refresh_from_db()
    assert project.state == RoadProject.State.TENDERING
    survey = ProjectMilestone.objects.get(project=project, step=Step.SURVEY_DESIGN)
    assert survey.evidence_number == "平交设批〔2018〕12号" and survey.actual_end is not None


def test_the_change_form_never_saves_the_state(client, manager, pingdu):
    project = new_project(manager, pingdu, 1)
    client.force_login(manager)
    change = reverse("admin:roads_roadproject_change", args=[project.pk])
    form = client.get(change).context["adminform"].form
    assert "state" not in form.fields
    data = {name: "" if form.initial.get(name) is None else form.initial[name] for name in form.fields}
    data.update({"district": pingdu.pk, "town": "演示乙镇", "state": "closed", "excess": "",
                 "manager": "",
                 "milestones-TOTAL_FORMS": "4", "milestones-INITIAL_FORMS": "4", "milestones-MIN_NUM_FORMS": "0",
                 "milestones-MAX_NUM_FORMS": "1000"})
    for i, milestone in enumerate(project.milestones.order_by("id")):
        data.update({f"milestones-{i}-id": milestone.pk, f"milestones-{i}-project": project.pk,
                     f"milestones-{i}-planned_end": ""})
    response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    project.refresh_from_db()
    assert project.town == "演示乙镇"
    assert project.state == RoadProject.State.PLANNED


def test_adding_a_project_in_the_admin_creates_its_milestones(client, manager, pingdu):
    client.force_login(manager)
    data = {"district": pingdu.pk, "town": "演示甲镇", "name": "新路", "work_type": "中修", "quantity": "3",
            "plan_year": "2019", "pavement_width_m": "5", "surface": "", "surface_thickness_cm": "",
            "base_layer": "", "passing_bays": "0", "poverty_km": "0", "estimate_wan": "90",
            "responsible_unit": "平度市交通运输局", "contact": "", "manager": "",
            "bus_bays": "0", "bus_shelters": "0", "bus_signs": "0"}
    response = client.post(reverse("admin:roads_roadproject_add"), data)
    assert response.status_code == 302
    project = RoadProject.objects.get(name="新路")
    assert project.milestones.count() == 4


def test_progress_is_reported_through_the_service(client, manager, pingdu):
    project = new_project(manager, pingdu, 1)
    for action, evidence in (("start_design", ""), ("approve_design", "设1"), ("award_contract", "标1")):
        services.project_advance(project=project, action=action, acting_user=manager, as_of=dt.date(2018, 9, 1),
                                 evidence_number=evidence)
    client.force_login(manager)
    url = action_url(project, "report_progress")
    response = client.post(url, {"_confirm": "1", "completed_km": "约5"})
    assert "约5" in str(response.context["form"].errors["completed_km"])
    project.refresh_from_db()
    assert project.completed_km == 0
    client.post(url, {"_confirm": "1", "completed_km": "6.5公里"})
    project.refresh_from_db()
    assert project.completed_km == D("6.5")


# --- programme data: editable by supervisors only ---------------------------------------------------


def test_subsidy_tables_are_read_only_for_managers(client, manager, supervisor):
    rate = SubsidyRate.objects.first()
    parameter = SubsidyParameter.objects.get(key="poverty_multiplier")
    client.force_login(manager)
    assert client.get(reverse("admin:roads_subsidyrate_changelist")).status_code == 200
    response = client.post(reverse("admin:roads_subsidyparameter_change", args=[parameter.pk]),
                           {"key": parameter.key, "value": "9", "text": "", "source": ""})
    assert response.status_code == 403
    parameter.refresh_from_db()
    assert parameter.value == D("1.2")
    client.force_login(supervisor)
    response = client.post(reverse("admin:roads_subsidyrate_change", args=[rate.pk]), {
        "work_type": rate.work_type, "wide": "on" if rate.wide else "", "district_group": rate.district_group,
        "rate_wan_per_km": "91", "source": rate.source})
    assert response.status_code == 302
    rate.refresh_from_db()
    assert rate.rate_wan_per_km == 91


def test_every_subsidy_parameter_says_what_it_means(seeded, client, supervisor):
    from programs.roads.subsidy import PARAMETER_MEANINGS

    assert set(SubsidyParameter.objects.values_list("key", flat=True)) == set(PARAMETER_MEANINGS)
    client.force_login(supervisor)
    html = client.get(reverse("admin:roads_subsidyparameter_changelist")).content.decode()
    assert "危桥改造补助上限（占概算投资比例）" in html and "市财政安排资金（万元）" in html


# --- plan adjustments ----------------------------------------------------------------------------------


@pytest.fixture
def plans(pingdu):
    annual_plans({2018: "14.0", 2019: "31.4", 2020: "24.3"}, district=pingdu)


def adjustment(manager, pingdu, lines):
    return PlanAdjustmentFactory(district=pingdu, reason="演示：项目前移", lines=lines, acting_user=manager)


def run_action(client, action, adjustment_, note=""):
    return client.post(reverse("admin:roads_planadjustment_changelist"),
                       {"action": action, "_selected_action": [adjustment_.pk], "note": note}, follow=True)


def test_approve_is_refused_with_the_numbers_when_the_total_changes(client, manager, supervisor, pingdu, plans):
    changed = adjustment(manager, pingdu, {2019: D("36.4"), 2020: D("24.3")})
    client.force_login(supervisor)
    response = run_action(client, "approve_adjustments", changed)
    text = " ".join(messages_of(response))
    assert "69.7" in text and "74.7" in text and "002:521" in text
    changed.refresh_from_db()
    assert changed.state == PlanAdjustment.State.REQUESTED
    assert AnnualPlan.objects.get(district=pingdu, target_field="upgrade_km", year=2019).quantity == D("31.4")


def test_approve_applies_the_plans_when_the_total_is_kept(client, manager, supervisor, pingdu, plans):
    kept = adjustment(manager, pingdu, {2019: D("36.4"), 2020: D("19.3")})
    client.force_login(supervisor)
    run_action(client, "approve_adjustments", kept, note="同意")
    kept.refresh_from_db()
    assert kept.state == PlanAdjustment.State.APPROVED and kept.decision_note == "同意"
    quantities = dict(AnnualPlan.objects.filter(district=pingdu, target_field="upgrade_km")
                      .values_list("year", "quantity"))
    assert quantities == {2018: D("14.0"), 2019: D("36.4"), 2020: D("19.3")}


def test_reject_needs_a_note(client, manager, supervisor, pingdu, plans):
    request_ = adjustment(manager, pingdu, {2019: D("36.4"), 2020: D("19.3")})
    client.force_login(supervisor)
    run_action(client, "reject_adjustments", request_)
    request_.refresh_from_db()
    assert request_.state == PlanAdjustment.State.REQUESTED
    run_action(client, "reject_adjustments", request_, note="理由不充分")
    request_.refresh_from_db()
    assert request_.state == PlanAdjustment.State.REJECTED


def test_managers_have_no_decision_actions(client, manager, pingdu, plans):
    request_ = adjustment(manager, pingdu, {2019: D("36.4"), 2020: D("19.3")})
    client.force_login(manager)
    response = client.get(reverse("admin:roads_planadjustment_changelist"))
    assert "approve_adjustments" not in response.content.decode()
    run_action(client, "approve_adjustments", request_)
    request_.refresh_from_db()
    assert request_.state == PlanAdjustment.State.REQUESTED


def test_adjustment_changelist_query_count_is_constant(client, manager, supervisor, pingdu, plans,
                                                       assert_constant_queries):
    def grow(n):
        for i in range(n):
            adjustment(manager, pingdu, {2019: D("31.4") + i, 2020: D("24.3") - i})

    client.force_login(supervisor)
    response = assert_constant_queries(client, reverse("admin:roads_planadjustment_changelist"), grow)
    first = response.context["cl"].result_list[0]
    assert first.totals_ == (D("69.7"), D("69.7"), D("69.7"))  # before, after, the Annex 2 target (002:521)


def test_annual_plan_changelist_query_count_is_constant(client, supervisor, seeded, assert_constant_queries):
    districts = list(District.objects.filter(road_target__isnull=False))
    fields = ["upgrade_km", "village_access_km", "major_medium_km", "preventive_km", "dangerous_bridges",
              "bus_stops"]
    cells = iter([(d, f, y) for d in districts for f in fields for y in (2018, 2019, 2020)])

    def grow(n):
        for _i in range(n):
            district, field, year = next(cells)
            AnnualPlan.objects.create(district=district, target_field=field, year=year, quantity=D(1))

    client.force_login(supervisor)
    assert_constant_queries(client, reverse("admin:roads_annualplan_changelist"), grow)


def test_a_manager_cannot_rewrite_a_saved_annual_plan(client, manager, pingdu, plans):
    plan = AnnualPlan.objects.get(district=pingdu, target_field="upgrade_km", year=2019)
    client.force_login(manager)
    response = client.post(reverse("admin:roads_annualplan_change", args=[plan.pk]),
                           {"district": pingdu.pk, "target_field": "upgrade_km", "year": 2019, "quantity": "99"})
    plan.refresh_from_db()
    assert plan.quantity == D("31.4")
    assert response.status_code == 403  # managers hold no change permission on saved plans


def test_admin_import_is_all_or_nothing_and_scoped(client, manager, laixi):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.roads.test_import_export import csv_bytes, row

    client.force_login(manager)
    url = reverse("admin:roads_roadproject_import")
    assert client.get(url).status_code == 200
    content = csv_bytes([row(), row(district="莱西市", name="莱西的路")])
    response = client.post(url, {"format": "1", "import_file": SimpleUploadedFile("x.csv", content),
                                 "resource": "0"})
    assert response.status_code == 200
    [error] = response.context["form"].errors["import_file"]  # "line, column: reason", on the upload form
    assert "3" in error and "莱西市" in error
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert RoadProject.objects.count() == 0


def test_demo_builder_is_idempotent(seeded, supervisor):
    import random

    from policyops.demo import ensure_users
    from programs.roads.demo import build_roads_demo
    from programs.roads.models import RoadTarget
    from programs.roads.rules import TARGET_FIELDS

    users = ensure_users(lambda *_a: None)
    build_roads_demo(random.Random(1), users, lambda *_a: None)
    count = RoadProject.objects.count()
    assert 50 <= count <= 70
    assert set(RoadProject.objects.values_list("state", flat=True)) >= {"planned", "construction", "closed"}
    assert all("演示" in p.name and "演示" in p.town for p in RoadProject.objects.all())
    for target in RoadTarget.objects.select_related("district"):
        for field in TARGET_FIELDS:
            total = services.annual_plans_total(target.district, field)
            assert total == D(getattr(target, field)), (target.district, field)
    assert PlanAdjustment.objects.filter(state=PlanAdjustment.State.REQUESTED).count() == 1
    dates = ProjectMilestone.objects.exclude(actual_start=None).values_list("actual_start", flat=True)
    assert min(dates) >= dt.date(2018, 1, 1) and max(dates) <= dt.date(2020, 12, 31)

    build_roads_demo(random.Random(99), users, lambda *_a: None)
    assert RoadProject.objects.count() == count
    assert PlanAdjustment.objects.count() == 1


def test_a_manager_requests_an_adjustment_in_the_admin(client, manager, pingdu, plans):
    client.force_login(manager)
    data = {"district": pingdu.pk, "target_field": "upgrade_km", "reason": "演示：前移",
            "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-year": "2019", "lines-0-new_quantity": "36.4",
            "lines-1-year": "2020", "lines-1-new_quantity": "19.3"}
    response = client.post(reverse("admin:roads_planadjustment_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    adjustment_ = PlanAdjustment.objects.get()
    assert adjustment_.requested_by == manager and adjustment_.state == PlanAdjustment.State.REQUESTED
    assert dict(adjustment_.lines.values_list("year", "new_quantity")) == {2019: D("36.4"), 2020: D("19.3")}
    from policyops.audit import entries_for

    assert [e.action for e in entries_for(adjustment_)] == ["request"]
    # Without lines the form refuses; nothing is created.
    data.update({"lines-TOTAL_FORMS": "0"})
    response = client.post(reverse("admin:roads_planadjustment_add"), data)
    assert response.status_code == 200 and PlanAdjustment.objects.count() == 1


def test_only_those_who_change_targets_may_import_them(client, manager, supervisor):
    client.force_login(manager)
    assert client.get(reverse("admin:roads_roadtarget_import")).status_code == 403
    assert client.get(reverse("admin:roads_roadproject_import")).status_code == 200
    client.force_login(supervisor)
    assert client.get(reverse("admin:roads_roadtarget_import")).status_code == 200
