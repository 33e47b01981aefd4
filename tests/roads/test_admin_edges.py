"""Edges of the road programme's admin (programs/roads/admin/): what the mutation run found unpinned."""
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from programs.roads import services
from programs.roads.models import AnnualPlan, PlanAdjustment, ProjectMilestone, RoadProject, Step
from tests.admin_pages import model_admin
from tests.conftest import make_user
from tests.roads.factories import RoadProjectFactory, dated

pytestmark = pytest.mark.django_db
D = Decimal
CHANGELIST = "admin:roads_roadproject_changelist"


def change_url(project):
    return reverse("admin:roads_roadproject_change", args=[project.pk])


def designing(manager, **fields):
    """A project of 平度市 under survey and design since 2018-06-01, its step due 2018-07-01."""
    project = RoadProjectFactory(acting_user=manager, planned_ends={Step.SURVEY_DESIGN: dt.date(2018, 7, 1)},
                                 **fields)
    services.project_advance(project=project, action="start_design", acting_user=manager, as_of=dt.date(2018, 6, 1))
    project.refresh_from_db()
    return project


# --- The milestones inline ------------------------------------------------------------------------


def test_milestones_are_never_added_by_hand_not_even_by_a_superuser(client, manager):
    project = RoadProjectFactory(acting_user=manager)
    client.force_login(make_user(is_superuser=True))
    (inline,) = client.get(change_url(project)).context["inline_admin_formsets"]
    assert inline.has_add_permission is False


def test_a_milestone_is_flagged_overdue_past_its_planned_end_until_done(manager):
    from programs.roads.admin.projects import ProjectMilestoneInline

    project = designing(manager)
    inline = ProjectMilestoneInline(RoadProject, admin.site)
    survey = ProjectMilestone.objects.get(project=project, step=Step.SURVEY_DESIGN)
    assert inline.overdue(survey) is True
    dated(project, survey_design=(dt.date(2018, 6, 1), dt.date(2018, 6, 20)))
    survey.refresh_from_db()
    assert inline.overdue(survey) is False
    assert inline.overdue(ProjectMilestone()) is None


# --- The list -------------------------------------------------------------------------------------


def test_the_overdue_filter_lists_the_projects_whose_current_step_is_late_and_unfinished(client, manager):
    late = designing(manager)
    finished = dated(designing(manager), survey_design=(dt.date(2018, 6, 1), dt.date(2018, 6, 20)))
    client.force_login(manager)
    response = client.get(reverse(CHANGELIST), {"overdue": "yes"})
    assert [p.pk for p in response.context["cl"].result_list] == [late.pk]
    everything = client.get(reverse(CHANGELIST)).context["cl"].result_list
    assert {late.pk, finished.pk} <= {p.pk for p in everything}


def test_the_overdue_filter_offers_its_one_choice(client, manager):
    from programs.roads.admin.projects import ProjectOverdueFilter

    client.force_login(manager)
    (overdue,) = [spec for spec in client.get(reverse(CHANGELIST)).context["cl"].filter_specs
                  if isinstance(spec, ProjectOverdueFilter)]
    assert [(value, str(label)) for value, label in overdue.lookup_choices] == [("yes", "是")]


def test_the_list_shows_the_length_with_its_unit_and_the_subsidy_quote(client, manager):
    RoadProjectFactory(acting_user=manager)  # 10 km of upgrade, ≥ 6 m wide: 90 万元/km
    client.force_login(manager)
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert '<td class="field-quantity_display">10 公里</td>' in html
    assert '<td class="field-subsidy_quote">900</td>' in html


# --- The change and add pages ---------------------------------------------------------------------


def fieldset_names(response):
    return {name for fieldset in response.context["adminform"] for line in fieldset for name in line.fields}


def test_a_new_project_is_asked_for_its_facts_only(client, manager):
    client.force_login(manager)
    names = fieldset_names(client.get(reverse("admin:roads_roadproject_add")))
    assert "name" in names and "quantity" in names
    assert not names & {"state", "completed_km", "audit_trail", "subsidy_quote_detail", "technical_check"}


def test_a_projects_page_shows_its_progress_quote_and_trail(client, manager):
    project = RoadProjectFactory(acting_user=manager)
    client.force_login(manager)
    response = client.get(change_url(project))
    assert {"state", "audit_trail", "subsidy_quote_detail"} <= fieldset_names(response)
    shown = {field.field["name"]: field.contents() for fieldset in response.context["adminform"]
             for line in fieldset for field in line if field.is_readonly}
    assert shown["subsidy_quote_detail"] == "900"


def test_a_project_not_yet_saved_has_no_quote():
    assert model_admin(RoadProject).subsidy_quote_detail(RoadProject()) == "—"


def test_a_steps_page_heads_with_the_project(client, manager):
    project = RoadProjectFactory(acting_user=manager)
    client.force_login(manager)
    response = client.get(reverse("admin:roads_roadproject_workflow_action", args=[project.pk, "start_design"]))
    head = dict(response.context["head"])
    assert head["区（市）"] == project.district and head["状态"] == project.get_state_display()
    assert head["里程（公里）或数量"] == "10 公里"


# --- Import and export ----------------------------------------------------------------------------


def test_importing_needs_both_the_manage_and_the_add_permission(rf):
    from django.contrib.auth.models import Permission

    def user_with(*codenames):
        user = make_user()
        user.user_permissions.add(*Permission.objects.filter(content_type__app_label="roads", codename__in=codenames))
        return type(user).objects.get(pk=user.pk)  # permissions read afresh

    request = rf.get("/")
    for codenames, allowed in [(("manage_roadproject",), False), (("add_roadproject",), False),
                               (("manage_roadproject", "add_roadproject"), True)]:
        request.user = user_with(*codenames)
        assert model_admin(RoadProject).has_import_permission(request) is allowed, codenames


def test_whoever_sees_the_projects_may_export_them(rf, manager):
    request = rf.get("/")
    request.user = manager
    assert model_admin(RoadProject).has_export_permission(request) is True
    request.user = make_user()
    assert model_admin(RoadProject).has_export_permission(request) is False


# --- The technical rules --------------------------------------------------------------------------


def saved_looking(**fields):
    """A project as the admin reads it on its page (a key; the rules read no table)."""
    return RoadProjectFactory.build(pk=1, **fields)


def test_a_new_roads_design_that_meets_the_rules_says_so():
    assert model_admin(RoadProject).technical_check(saved_looking()) == "设计符合技术要求。"


def test_a_repairs_design_has_no_rules_to_meet():
    assert model_admin(RoadProject).technical_check(saved_looking(major_repair=True)) == "—"


def test_a_design_against_the_rules_lists_each_problem():
    project = saved_looking(pavement_width_m=D("4.5"), passing_bays=0)
    problems = project.technical_problems()
    assert problems
    listed = "".join(f"<li>{p}</li>" for p in problems)
    assert model_admin(RoadProject).technical_check(project) == f"<ul>{listed}</ul>"


def test_a_project_not_yet_saved_has_no_technical_check():
    assert model_admin(RoadProject).technical_check(RoadProject()) == "—"


def test_a_projects_page_shows_its_audit_trail(client, manager):
    project = RoadProjectFactory(acting_user=manager)
    client.force_login(manager)
    response = client.get(change_url(project))
    shown = {field.field["name"]: field.contents() for fieldset in response.context["adminform"]
             for line in fieldset for field in line if field.is_readonly}
    assert 'class="audit-trail' in shown["audit_trail"] and "<td" in shown["audit_trail"]


# --- Annual plans ---------------------------------------------------------------------------------


@pytest.fixture
def plans(pingdu):
    from tests.roads.factories import annual_plans

    return annual_plans({2018: "14.0", 2019: "31.4", 2020: "24.3"}, district=pingdu)  # 69.7 km, the target


def test_a_manager_writes_a_new_annual_plan(client, manager):
    client.force_login(manager)
    form = client.get(reverse("admin:roads_annualplan_add")).context["adminform"].form
    assert {"district", "target_field", "year", "quantity"} <= set(form.fields)


def test_who_approves_adjustments_corrects_a_saved_plan(client, supervisor, plans):
    client.force_login(supervisor)
    form = client.get(reverse("admin:roads_annualplan_change", args=[plans[0].pk])).context["adminform"].form
    assert "quantity" in form.fields


def test_who_may_change_plans_but_not_approve_adjustments_reads_a_saved_plan(rf, plans):
    from django.contrib.auth.models import Permission

    user = make_user()
    user.user_permissions.add(Permission.objects.get(content_type__app_label="roads", codename="change_annualplan"))
    request = rf.get("/")
    request.user = type(user).objects.get(pk=user.pk)
    readonly = model_admin(AnnualPlan).get_readonly_fields(request, plans[0])
    assert set(readonly) == {"district", "target_field", "year", "quantity"}


def test_the_plan_list_shows_the_total_against_the_target(client, supervisor, plans):
    client.force_login(supervisor)
    html = client.get(reverse("admin:roads_annualplan_changelist")).content.decode()
    assert '<td class="field-plans_total">69.7 / 69.7</td>' in html


def plan_with(total, target):
    plan = AnnualPlan()
    plan.plans_total_, plan.target_ = total, target
    return plan


def test_plans_that_miss_the_target_are_flagged():
    assert model_admin(AnnualPlan).plans_total(plan_with(D("60.0"), D("69.7"))) == (
        '<span class="badge overdue" title="各年度计划之和与目标任务不一致。">60 / 69.7</span>')


def test_plans_of_a_district_without_a_target_are_not_flagged():
    assert model_admin(AnnualPlan).plans_total(plan_with(D("60.0"), None)) == "60 / —"


# --- Plan adjustments -----------------------------------------------------------------------------


def adjustment_of(manager, pingdu):
    from tests.roads.factories import PlanAdjustmentFactory

    return PlanAdjustmentFactory(district=pingdu, reason="演示：项目前移", lines={2019: D("36.4"), 2020: D("19.3")},
                                 acting_user=manager)


def decided_adjustment(manager, pingdu, state):
    """An adjustment decided (approved or rejected) without its step: only its state matters here."""
    decided = adjustment_of(manager, pingdu)
    PlanAdjustment.objects.filter(pk=decided.pk).update(state=state)
    decided.refresh_from_db()
    return decided


def lines_inline():
    from programs.roads.admin.plans import PlanAdjustmentLineInline
    return PlanAdjustmentLineInline(PlanAdjustment, admin.site)


def test_a_requested_adjustments_lines_are_edited_by_who_may_change_adjustments(rf, manager, supervisor, pingdu,
                                                                                plans):
    requested = adjustment_of(manager, pingdu)
    request = rf.get("/")
    request.user = supervisor
    assert lines_inline().has_change_permission(request, requested) is True
    assert lines_inline().has_delete_permission(request, requested) is True
    request.user = manager
    assert lines_inline().has_change_permission(request, requested) is False
    assert lines_inline().has_delete_permission(request, requested) is False


def test_who_sees_adjustments_reads_their_lines(rf, manager, pingdu, plans):
    requested = adjustment_of(manager, pingdu)
    request = rf.get("/")
    request.user = manager  # may view adjustments, not change them
    assert lines_inline().has_view_permission(request, requested) is True


def test_a_decided_adjustments_lines_are_fixed(rf, manager, supervisor, pingdu, plans):
    decided = decided_adjustment(manager, pingdu, PlanAdjustment.State.APPROVED)
    request = rf.get("/")
    request.user = supervisor
    assert lines_inline().has_change_permission(request, decided) is False


def test_an_adjustment_of_a_district_without_a_target_is_measured_against_zero(client, supervisor, seeded):
    from policyops.roles import Role
    from tests.factories import DistrictFactory
    from tests.roads.factories import PlanAdjustmentFactory

    elsewhere = DistrictFactory(name="无目标区")
    adjustment = PlanAdjustmentFactory(district=elsewhere, lines={2019: D("2.5")},
                                       acting_user=make_user(Role.PROGRAMME_MANAGER, district=elsewhere))
    client.force_login(supervisor)
    rows = client.get(reverse("admin:roads_planadjustment_changelist")).context["cl"].result_list
    (row,) = [r for r in rows if r.pk == adjustment.pk]
    assert row.totals_ == (D(0), D("2.5"), D(0))


def test_a_new_adjustment_asks_for_its_district_column_and_reason_only(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:roads_planadjustment_add"))
    assert fieldset_names(response) == {"district", "target_field", "reason"}


def test_a_requested_adjustment_may_be_changed_by_who_may_change_adjustments(rf, manager, supervisor, pingdu, plans):
    requested = adjustment_of(manager, pingdu)
    request = rf.get("/")
    request.user = supervisor
    assert model_admin(PlanAdjustment).has_change_permission(request, requested) is True
    assert model_admin(PlanAdjustment).has_change_permission(request) is True
    request.user = manager
    assert model_admin(PlanAdjustment).has_change_permission(request, requested) is False


def test_a_decided_adjustment_is_changed_by_nobody(rf, manager, supervisor, pingdu, plans):
    decided = decided_adjustment(manager, pingdu, PlanAdjustment.State.REJECTED)
    request = rf.get("/")
    request.user = supervisor
    assert model_admin(PlanAdjustment).has_change_permission(request, decided) is False


def test_the_adjustment_list_shows_a_kept_total_unflagged(client, manager, supervisor, pingdu, plans):
    adjustment_of(manager, pingdu)  # 14.0 + 36.4 + 19.3: the target kept
    client.force_login(supervisor)
    html = client.get(reverse("admin:roads_planadjustment_changelist")).content.decode()
    assert '<td class="field-totals">69.7 → 69.7 / 69.7</td>' in html


def test_not_even_a_superuser_deletes_an_adjustment(client, manager, pingdu, plans):
    requested = adjustment_of(manager, pingdu)
    client.force_login(make_user(is_superuser=True))
    assert client.get(reverse("admin:roads_planadjustment_delete", args=[requested.pk])).status_code == 403


def test_an_adjustment_not_measured_on_its_page_shows_a_dash():
    assert model_admin(PlanAdjustment).totals(PlanAdjustment()) == "—"


def test_an_adjustment_that_changes_the_total_is_flagged():
    changed = PlanAdjustment()
    changed.totals_ = (D("69.7"), D("74.7"), D("69.7"))
    assert model_admin(PlanAdjustment).totals(changed) == (
        '<span class="badge overdue" title="年度计划合计必须等于附件2目标（002:521）。">69.7 → 74.7 / 69.7</span>')


def test_an_adjustments_page_shows_its_totals_and_trail(client, manager, supervisor, pingdu, plans):
    requested = adjustment_of(manager, pingdu)
    client.force_login(supervisor)
    response = client.get(reverse("admin:roads_planadjustment_change", args=[requested.pk]))
    shown = {field.field["name"]: field.contents() for fieldset in response.context["adminform"]
             for line in fieldset for field in line if field.is_readonly}
    assert shown["totals_detail"] == "69.7 → 69.7 / 69.7"
    assert 'class="audit-trail' in shown["audit_trail"] and "<td" in shown["audit_trail"]


def test_an_adjustment_not_yet_saved_has_no_totals():
    assert model_admin(PlanAdjustment).totals_detail(PlanAdjustment()) == "—"


def test_a_decisions_page_heads_with_the_adjustment(client, manager, supervisor, pingdu, plans):
    requested = adjustment_of(manager, pingdu)
    client.force_login(supervisor)
    response = client.get(reverse("admin:roads_planadjustment_workflow_action", args=[requested.pk, "approve"]))
    head = dict(response.context["head"])
    assert head["区（市）"] == pingdu and head["原因"] == "演示：项目前移"


def decide(client, action, adjustment, note=""):
    return client.post(reverse("admin:roads_planadjustment_changelist"),
                       {"action": action, "_selected_action": [adjustment.pk], "note": note}, follow=True)


def test_an_approval_reports_how_many_were_approved(client, manager, supervisor, pingdu, plans):
    kept = adjustment_of(manager, pingdu)
    client.force_login(supervisor)
    shown = [str(m) for m in decide(client, "approve_adjustments", kept, note="同意").context["messages"]]
    assert shown == ["已批准1项计划调整，年度计划已更新。"]


def test_a_refused_approval_reports_no_success(client, manager, supervisor, pingdu, plans):
    from tests.roads.factories import PlanAdjustmentFactory

    changed = PlanAdjustmentFactory(district=pingdu, lines={2019: D("36.4"), 2020: D("24.3")}, acting_user=manager)
    client.force_login(supervisor)
    shown = [str(m) for m in decide(client, "approve_adjustments", changed).context["messages"]]
    assert len(shown) == 1 and shown[0].startswith(f"{changed}: ")


def test_a_new_adjustments_blank_line_is_left_out(client, manager, pingdu, plans):
    client.force_login(manager)
    response = client.post(reverse("admin:roads_planadjustment_add"), {
        "district": pingdu.pk, "target_field": "upgrade_km", "reason": "演示：前移",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-year": "2019", "lines-0-new_quantity": "36.4", "lines-1-year": "", "lines-1-new_quantity": ""})
    assert response.status_code == 302
    assert dict(PlanAdjustment.objects.get().lines.values_list("year", "new_quantity")) == {2019: D("36.4")}


def test_the_admin_exports_the_projects(client, manager):
    import io

    from openpyxl import load_workbook

    from programs.roads.resources import RoadProjectResource
    from tests.policyops.test_export_formulas import every_column_ticked

    project = RoadProjectFactory(acting_user=manager)
    client.force_login(manager)
    response = client.post(reverse("admin:roads_roadproject_export"),
                           {"format": "0", "resource": "0", **every_column_ticked(RoadProjectResource)})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = {c for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True) for c in row}
    assert project.name in cells
