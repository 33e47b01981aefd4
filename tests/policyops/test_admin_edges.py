"""Edges of the admin framework every app's admin shares: district scoping (policyops.admin_scoping),
the workflow's pages and bulk actions (policyops.admin_workflow), what every admin shares
(policyops.admin_base) and the planned change lists (policyops.admin_list), each pinned where the
apps' own admin tests do not reach (found by mutation testing)."""
import datetime as dt
import logging
from types import SimpleNamespace

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.templatetags.admin_list import admin_list_filter, results
from django.contrib.admin.utils import display_for_field
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models
from django.forms.models import inlineformset_factory
from django.urls import reverse

from approvals.admin.powers import PowerMaterialFormSet
from approvals.models import ApprovalSeal, DelegatedPower, PowerMaterial
from policyops import admin_base, admin_list, admin_scoping, audit, workflow
from policyops.admin import IndicatorFormSet
from policyops.admin_base import ListCheckboxMixin
from policyops.admin_scoping import DistrictScopedAdminMixin, VisibleRelatedFieldListFilter
from policyops.admin_workflow import workflow_bulk_action
from policyops.models import (
    Department,
    District,
    Indicator,
    IndicatorReading,
    Person,
    PolicyDocument,
    PolicyTask,
)
from policyops.roles import Role
from policyops.timeline import timeline_html
from tests.admin_pages import admin_request, model_admin, request_messages
from tests.approvals.factories import DelegatedPowerFactory
from tests.conftest import make_user
from tests.factories import (
    DepartmentFactory,
    DistrictFactory,
    IndicatorFactory,
    PolicyDocumentFactory,
    PolicyTaskFactory,
)

pytestmark = pytest.mark.django_db
S = PolicyTask.State
ON = dt.date(2030, 1, 2)


@pytest.fixture
def laixi(seeded):
    return District.objects.get(name="莱西市")


@pytest.fixture
def pingdu_unit(pingdu):
    return DepartmentFactory(name="平度市边界测试局", district=pingdu)


@pytest.fixture
def laixi_unit(laixi):
    return DepartmentFactory(name="莱西市边界测试局", district=laixi)


@pytest.fixture
def pingdu_clerk(pingdu, pingdu_unit):
    return make_user(Role.CLERK, district=pingdu, department=pingdu_unit)


# --- district scoping ------------------------------------------------------------------------------


def test_a_plain_managers_rows_are_scoped_to_the_users_district(pingdu_clerk, pingdu_unit, laixi_unit):
    # The base manager's queryset has no visible_to: the condition is built here.
    scoped = admin_scoping.scope_queryset(Department._base_manager.all(), pingdu_clerk)
    assert pingdu_unit in scoped
    assert laixi_unit not in scoped


def test_a_user_of_no_district_sees_no_row_of_a_plain_manager(pingdu_unit):
    nobody = make_user(Role.CLERK)
    assert not admin_scoping.scope_queryset(Department._base_manager.all(), nobody).exists()


def test_rows_of_a_model_without_districts_are_not_scoped(pingdu_clerk, laixi):
    rows = District.objects.all()
    assert admin_scoping.scope_queryset(rows, pingdu_clerk) is rows


def test_a_supervisor_sees_every_districts_rows(supervisor, pingdu_unit, laixi_unit):
    rows = Department._base_manager.all()
    assert admin_scoping.scope_queryset(rows, supervisor) is rows


class _SearchFromTheManager(admin.ModelAdmin):
    """An admin whose search starts again from the model's manager (all districts)."""

    def get_search_results(self, request, queryset, search_term):
        return self.model._default_manager.filter(name__contains=search_term), False


class _ScopedSearchFromTheManager(DistrictScopedAdminMixin, _SearchFromTheManager):
    pass


def test_a_search_that_starts_from_the_manager_is_scoped_again(pingdu_clerk, pingdu_unit, laixi_unit):
    scoped_admin = _ScopedSearchFromTheManager(Department, admin.site)
    request = admin_request(pingdu_clerk)
    found, _duplicates = scoped_admin.get_search_results(request, scoped_admin.get_queryset(request), "边界测试局")
    assert set(found) == {pingdu_unit}


def test_an_unsearched_list_is_not_scoped_a_second_time(pingdu_clerk):
    department_admin = model_admin(Department)
    request = admin_request(pingdu_clerk)
    rows = department_admin.get_queryset(request)
    found, _duplicates = department_admin.get_search_results(request, rows, "")
    assert found is rows


def test_an_unsearched_list_another_admin_scoped_is_scoped_here(pingdu_clerk, pingdu_unit, laixi_unit):
    department_admin = model_admin(Department)
    request = admin_request(pingdu_clerk)
    request.policyops_rows_scoped_by = object()  # rows not scoped by this admin's get_queryset
    found, _duplicates = department_admin.get_search_results(request, Department.objects.all(), "")
    assert pingdu_unit in found and laixi_unit not in found


class _UnscopedQueryset(DistrictScopedAdminMixin, admin.ModelAdmin):
    """A subclass whose get_queryset forgot super(): every district's rows."""

    def get_queryset(self, request):
        return self.model._default_manager.all()


def test_another_districts_row_is_not_found_even_when_get_queryset_skips_scoping(pingdu_clerk, laixi_unit):
    request = admin_request(pingdu_clerk)
    assert _UnscopedQueryset(Department, admin.site).get_object(request, str(laixi_unit.pk)) is None


def test_a_row_of_the_users_district_is_found(pingdu_clerk, pingdu_unit):
    request = admin_request(pingdu_clerk)
    assert _UnscopedQueryset(Department, admin.site).get_object(request, str(pingdu_unit.pk)) == pingdu_unit


def test_a_district_users_filter_on_a_scoped_relation_offers_only_rows_in_view(pingdu_clerk):
    filters = model_admin(PolicyTask).get_list_filter(admin_request(pingdu_clerk))
    # state: no relation; document: a model without districts; lead_unit: departments, by district.
    assert filters == ["state", "document", ("lead_unit", VisibleRelatedFieldListFilter)]


def test_a_supervisors_filters_are_the_admins_own(supervisor):
    assert model_admin(PolicyTask).get_list_filter(admin_request(supervisor)) == ["state", "document", "lead_unit"]


@pytest.mark.parametrize(("path", "scoped"), [
    ("lead_unit", True),  # Department: district-scoped
    ("lead_unit__district", False),  # District itself is not
    ("document", False),
    ("state", False),  # no relation
    ("no_such_field", False),
])
def test_which_filter_paths_point_at_a_district_scoped_model(path, scoped):
    assert model_admin(PolicyTask)._points_at_scoped_model(path) is scoped


def test_a_district_users_foreign_key_choices_are_their_district_and_its_rows(
        pingdu_clerk, pingdu, pingdu_unit, laixi_unit):
    form = model_admin(Person).get_form(admin_request(pingdu_clerk))()
    assert list(form.fields["district"].queryset) == [pingdu]
    departments = set(form.fields["department"].queryset)
    assert pingdu_unit in departments and laixi_unit not in departments


def test_a_given_queryset_of_a_scoped_relation_is_scoped_too(pingdu_clerk, pingdu_unit, laixi_unit):
    field = Person._meta.get_field("department")
    form_field = model_admin(Person).formfield_for_foreignkey(
        field, admin_request(pingdu_clerk), queryset=Department.objects.filter(name__contains="边界测试局"))
    assert set(form_field.queryset) == {pingdu_unit}


def test_a_supervisors_foreign_key_choices_are_every_district(supervisor, pingdu, laixi, laixi_unit):
    form = model_admin(Person).get_form(admin_request(supervisor))()
    assert {pingdu, laixi} <= set(form.fields["district"].queryset)
    assert laixi_unit in set(form.fields["department"].queryset)


def test_saving_a_row_of_another_district_is_refused(pingdu_clerk, laixi_unit):
    laixi_unit.source = "改动"
    with pytest.raises(PermissionDenied, match="您只能修改本区（市）的记录。"):
        model_admin(Department).save_model(admin_request(pingdu_clerk, "post"), laixi_unit, None, True)
    laixi_unit.refresh_from_db()
    assert laixi_unit.source != "改动"


def test_saving_a_row_of_the_users_district_is_saved(pingdu_clerk, pingdu_unit):
    pingdu_unit.source = "改动"
    model_admin(Department).save_model(admin_request(pingdu_clerk, "post"), pingdu_unit, None, True)
    pingdu_unit.refresh_from_db()
    assert pingdu_unit.source == "改动"


def test_a_district_users_filter_on_a_scoped_relation_lists_its_rows_in_view_and_no_blank(
        client, pingdu_clerk, pingdu_unit, laixi_unit):
    client.force_login(pingdu_clerk)
    response = client.get(reverse("admin:policyops_policytask_changelist"))
    unit_filter = next(spec for spec in response.context["cl"].filter_specs
                       if isinstance(spec, VisibleRelatedFieldListFilter))
    offered = dict(unit_filter.lookup_choices)
    assert offered[pingdu_unit.pk] == pingdu_unit.name
    assert laixi_unit.pk not in offered
    assert "" not in offered  # no "---------" choice


# --- the workflow's pages and bulk actions -----------------------------------------------------------


@pytest.fixture
def task(pingdu_unit):
    return PolicyTaskFactory(lead_unit=pingdu_unit, deadline=dt.date(2030, 12, 31))


def submitted_task(unit, clerk):
    task = PolicyTaskFactory(lead_unit=unit)
    workflow.perform(task, "start", acting_user=clerk, as_of=ON)
    workflow.perform(task, "submit", acting_user=clerk, as_of=ON, progress_report="已完成")
    return task


def action_url(task, name):
    return reverse("admin:policyops_policytask_workflow_action", args=[task.pk, name])


def test_posting_a_step_without_confirming_shows_its_page_and_leaves_the_state(client, task, pingdu_clerk):
    client.force_login(pingdu_clerk)
    response = client.post(action_url(task, "start"), {})
    assert response.status_code == 200
    assert response.context["hidden"] == [("_confirm", "1")]
    task.refresh_from_db()
    assert task.state == S.ASSIGNED


def test_a_step_the_model_does_not_have_is_not_found(client, task, pingdu_clerk):
    client.force_login(pingdu_clerk)
    assert client.get(action_url(task, "no_such_step")).status_code == 404


def test_a_step_of_a_task_out_of_view_is_not_found(client, laixi_unit, pingdu_clerk):
    client.force_login(pingdu_clerk)
    assert client.get(action_url(PolicyTaskFactory(lead_unit=laixi_unit), "start")).status_code == 404


def test_a_bulk_action_made_for_a_step_runs_it_on_each_row_and_counts_them(pingdu_unit, pingdu_clerk, supervisor):
    tasks = [submitted_task(pingdu_unit, pingdu_clerk) for _ in range(2)]
    action = workflow_bulk_action("accept", "验收所选任务")
    request = admin_request(supervisor, "post")
    action(model_admin(PolicyTask), request, PolicyTask.objects.filter(pk__in=[t.pk for t in tasks]))
    assert {PolicyTask.objects.get(pk=t.pk).state for t in tasks} == {S.ACCEPTED}
    assert request_messages(request) == [("success", "已更新2项。")]


def test_a_bulk_action_that_updates_nothing_says_only_why(pingdu_unit, supervisor, task):
    action = workflow_bulk_action("accept", "验收所选任务")
    request = admin_request(supervisor, "post")
    action(model_admin(PolicyTask), request, PolicyTask.objects.filter(pk=task.pk))
    shown = request_messages(request)
    assert len(shown) == 1 and shown[0][0] == "error" and str(task) in shown[0][1]


def test_a_bulk_action_is_named_after_its_step_and_offered_by_the_permissions_given():
    offered = workflow_bulk_action("accept", "验收所选任务", permissions=("review",))
    assert (offered.__name__, offered.short_description, offered.allowed_permissions) == (
        "workflow_accept", "验收所选任务", ("review",))
    assert not hasattr(workflow_bulk_action("accept", "验收所选任务"), "allowed_permissions")


# --- what every admin shares (policyops.admin_base) --------------------------------------------------


def test_a_change_message_given_as_text_is_the_reason_as_written():
    assert admin_base.change_message_text("已按文件更正") == "已按文件更正"


def test_no_change_message_is_an_empty_reason():
    assert admin_base.change_message_text(None) == ""


def test_a_field_label_no_catalogue_knows_is_kept_as_written():
    # Not capitalised: the label is looked up lowered only when it was capitalised.
    assert admin_base._field_label("plain label") == "plain label"


def test_the_lists_checkbox_names_its_row_escaped(seeded):
    district = DistrictFactory(name="<甲区>")
    assert model_admin(District).action_checkbox(district) == (
        f'<input type="checkbox" name="_selected_action" value="{district.pk}" class="action-select" '
        f'aria-label="选择此对象执行操作 - &lt;甲区&gt;">')


@pytest.mark.parametrize("year", ["1", "9998"])
def test_a_date_hierarchy_year_at_the_ends_of_the_range_is_read(admin_client, seeded, year):
    url = reverse("admin:policyops_calendaroverride_changelist")
    assert admin_client.get(url, {"date__year": year}).status_code == 200


def test_an_autocomplete_to_a_field_other_than_the_key_keeps_its_posted_value(seeded):
    by_name = models.ForeignKey(District, to_field="name", on_delete=models.CASCADE)
    widget = forms.ModelChoiceField(District.objects.all(), to_field_name="name", required=False,
                                    widget=admin_base.ReadableAutocompleteSelect(by_name, admin.site)).widget
    groups = widget.optgroups("district", ["平度市"])
    assert [option["label"] for _group, options, _index in groups for option in options if option["selected"]] == [
        "平度市"]


def test_a_foreign_key_not_named_for_autocomplete_keeps_its_select(admin_user):
    field = model_admin(IndicatorReading).formfield_for_foreignkey(
        IndicatorReading._meta.get_field("entered_by"), admin_request(admin_user))
    assert not isinstance(field.widget, AutocompleteSelect)


def test_a_widget_given_for_an_autocomplete_field_is_kept(admin_user):
    field = model_admin(IndicatorReading).formfield_for_foreignkey(
        IndicatorReading._meta.get_field("indicator"), admin_request(admin_user), widget=forms.RadioSelect())
    assert type(field.widget) is forms.RadioSelect


def test_a_save_refused_twice_is_logged_with_its_traceback(client, supervisor, monkeypatch, caplog):
    from tests.policyops.test_admin_concurrent_save import with_new_material

    def refused(formset, commit=True):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(PowerMaterialFormSet, "save", refused)
    client.force_login(supervisor)
    url, data = with_new_material(client, DelegatedPowerFactory(), "身份证")
    with caplog.at_level(logging.WARNING, logger="policyops.admin_base"):
        assert client.post(url, data).status_code == 200
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "policyops.admin_base"]
    assert len(warnings) == 1 and warnings[0].exc_info and warnings[0].exc_info[0] is IntegrityError


def test_the_admins_log_of_an_addition_is_djangos_entry(admin_user, seeded):
    district = DistrictFactory(name="日志区")
    entry = model_admin(District).log_addition(admin_request(admin_user, "post"), district, [{"added": {}}])
    assert isinstance(entry, LogEntry) and str(entry.object_id) == str(district.pk)


def test_the_admins_log_of_a_change_is_djangos_entry(admin_user, seeded):
    district = DistrictFactory(name="日志区")
    entry = model_admin(District).log_change(admin_request(admin_user, "post"), district, "已修改")
    assert isinstance(entry, LogEntry) and str(entry.object_id) == str(district.pk)


def test_the_admins_log_of_deletions_is_djangos_entries(admin_user, seeded):
    district = DistrictFactory(name="日志区")
    entries = model_admin(District).log_deletions(admin_request(admin_user, "post"),
                                                  District.objects.filter(pk=district.pk))
    assert [str(entry.object_id) for entry in entries] == [str(district.pk)]


def test_a_third_party_admin_made_audited_keeps_its_own_and_the_given_attributes():
    class ThirdParty(admin.ModelAdmin):
        list_per_page = 7

    made = admin_base.audited(ThirdParty, search_fields=("name",))
    assert issubclass(made, admin_base.AuditedAdminMixin) and issubclass(made, ThirdParty)
    assert (made.__name__, made.list_per_page, made.search_fields) == ("ThirdParty", 7, ("name",))


def test_a_tracked_models_admin_has_the_historical_record_page():
    names = {pattern.name for pattern in model_admin(District).get_urls()}
    assert {"policyops_district_history", "policyops_district_simple_history"} <= names


def test_an_untracked_models_history_admin_has_djangos_history_page_only():
    untracked = [(model, model_admin) for model, model_admin in admin.site._registry.items()
                 if isinstance(model_admin, admin_base.HistoryAdmin) and not admin_base.tracks_history(model)]
    assert untracked
    for model, untracked_admin in untracked:
        names = {pattern.name for pattern in untracked_admin.get_urls()}
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        assert f"{label}_history" in names and f"{label}_simple_history" not in names


def test_a_historical_record_page_offers_no_revert(admin_client, seeded):
    district = DistrictFactory(name="还原区")
    record = district.history.get()
    page = admin_client.get(reverse("admin:policyops_district_simple_history", args=[district.pk, record.history_id]))
    assert page.status_code == 200 and page.context["revert_disabled"] is True
    assert 'name="_save"' not in page.content.decode()


def test_a_historical_record_that_is_no_number_is_not_found(admin_client, seeded):
    district = DistrictFactory(name="编号区")
    assert admin_client.get(reverse("admin:policyops_district_simple_history",
                                    args=[district.pk, "abc"])).status_code == 404


def test_a_code_no_longer_among_a_fields_choices_reads_as_the_code():
    from simple_history.models import ModelChange

    helper = admin_base.ChoiceLabelContextHelper(Department, None)
    assert str(helper.prepare_delta_change_value(ModelChange("kind", None, None), "retired_kind")) == "retired_kind"


def _districts(count):
    return District.objects.bulk_create(District(name=f"限额区{i}", position=1000 + i) for i in range(count))


def test_an_action_on_five_hundred_and_one_rows_is_refused(admin_user, seeded):
    ran = []
    limited = admin_base.within_action_limit(lambda modeladmin, request, queryset: ran.append(queryset.count()))
    request = admin_request(admin_user, "post")
    limited(model_admin(District), request, District.objects.filter(pk__in=[d.pk for d in _districts(501)]))
    assert ran == []
    [(level, text)] = request_messages(request)
    assert level == "error" and "500" in text


def test_an_action_on_five_hundred_rows_runs(admin_user, seeded):
    ran = []
    limited = admin_base.within_action_limit(lambda modeladmin, request, queryset: ran.append(queryset.count()))
    limited(model_admin(District), admin_request(admin_user, "post"),
            District.objects.filter(pk__in=[d.pk for d in _districts(500)]))
    assert ran == [500]


def test_an_objects_audit_trail_is_its_timeline_table(admin_user, seeded):
    district = DistrictFactory(name="审计区")
    audit.record(obj=district, action="admin_change", actor=admin_user, reason="更正名称")
    html = admin_base.audit_trail_html(district)
    assert html == timeline_html(district, "audit-trail") and "更正名称" in html


def _material_forms(**form_fields):
    form = type("MaterialForm", (forms.ModelForm,), {**form_fields, "Meta": type(
        "Meta", (), {"model": PowerMaterial, "fields": ("order", "name")})})
    return inlineformset_factory(DelegatedPower, PowerMaterial, form=form, formset=admin_base.LabelledInlineFormSet,
                                 fields=("order", "name"))(instance=DelegatedPower())


def test_the_duplicate_rows_error_names_a_column_by_its_forms_label():
    formset = _material_forms(name=forms.CharField(label="材料名称（自定）"))
    assert "材料名称（自定）" in formset.get_unique_error_message(["power", "name"])


def test_the_duplicate_rows_error_names_an_unlabelled_column_by_its_field():
    formset = _material_forms(name=forms.CharField())  # a form field without a label
    message = formset.get_unique_error_message(["power", "name"])
    assert str(PowerMaterial._meta.get_field("name").verbose_name) in message and "None" not in message


def _checklist_with_blank_rows(power, rows, blank):
    """The power's checklist posted with ``rows`` (pk, name) and ``blank`` untouched empty rows."""
    data = {"checklist-TOTAL_FORMS": str(len(rows) + blank), "checklist-INITIAL_FORMS": str(len(rows)),
            "checklist-MIN_NUM_FORMS": "0", "checklist-MAX_NUM_FORMS": "1000"}
    for i, (pk, name, order) in enumerate(rows):
        data |= {f"checklist-{i}-id": str(pk), f"checklist-{i}-power": str(power.pk), f"checklist-{i}-name": name,
                 f"checklist-{i}-order": order}
    for j in range(len(rows), len(rows) + blank):
        data |= {f"checklist-{j}-power": str(power.pk), f"checklist-{j}-order": "0"}  # as the page shows them
    formset_class = inlineformset_factory(DelegatedPower, PowerMaterial, formset=PowerMaterialFormSet,
                                          fields=("order", "name"), extra=blank, can_delete=True)
    return formset_class(data, instance=power, prefix="checklist")


def _form_errors(formset):
    return [[str(e) for e in form.non_field_errors()] for form in formset.forms]


def test_untouched_empty_rows_are_not_each_others_duplicates():
    power = DelegatedPowerFactory()
    material = PowerMaterial.objects.create(power=power, name="申请书")
    formset = _checklist_with_blank_rows(power, [(material.pk, "申请书", "0")], blank=2)
    assert formset.is_valid(), _form_errors(formset)


def test_rows_are_not_compared_while_a_row_has_an_error_of_its_own():
    power = DelegatedPowerFactory()
    first, second = (PowerMaterial.objects.create(power=power, name=name) for name in ("申请书", "营业执照"))
    # The two trade names (a refusal of their own), and the second's order is no number.
    formset = _checklist_with_blank_rows(power, [(first.pk, "营业执照", "0"), (second.pk, "申请书", "x")], blank=0)
    assert not formset.is_valid()
    assert _form_errors(formset) == [[], []] and formset.forms[1].errors["order"]


def test_a_row_taking_an_untouched_rows_values_is_the_only_row_in_error():
    # The indicators' constraints are partial: Django's own check leaves this to the formset.
    document = PolicyDocumentFactory()
    taken, untouched = (IndicatorFactory(document=document, name=name, target_year=2020)
                        for name in ("甲指标", "乙指标"))
    formset_class = inlineformset_factory(PolicyDocument, Indicator, formset=IndicatorFormSet,
                                          fields=("name", "target_year"), extra=0)
    data = {"ind-TOTAL_FORMS": "2", "ind-INITIAL_FORMS": "2", "ind-MIN_NUM_FORMS": "0", "ind-MAX_NUM_FORMS": "1000"}
    for i, indicator in enumerate((taken, untouched)):
        data |= {f"ind-{i}-id": str(indicator.pk), f"ind-{i}-document": str(document.pk),
                 f"ind-{i}-name": "乙指标", f"ind-{i}-target_year": "2020"}
    formset = formset_class(data, instance=document, prefix="ind")
    assert not formset.is_valid()
    assert _form_errors(formset) == [["另一行已有相同的值。"], []]


# --- the planned change lists (policyops.admin_list) ---------------------------------------------------


class _DjangosOwnColumns(admin.ModelAdmin):
    """A plain Django admin (its own checkbox), with a model method's and an admin method's date column."""

    list_display = ("name", "natural_key", "founded")

    @admin.display(description="成立日")
    def founded(self, obj):
        return dt.date(2024, 10, 14)


def test_planned_rows_of_djangos_checkbox_a_model_method_and_a_date_are_djangos(admin_user, seeded):
    cl = _DjangosOwnColumns(District, admin.site).get_changelist_instance(admin_request(admin_user))
    cl.formset = None  # as changelist_view sets it for a list without list_editable
    ours = admin_list.precomputed_rows(cl)
    assert ours is not None and cl.result_list
    assert [list(row) for row in ours] == [list(row) for row in results(cl)]


class _CountingCheckbox(ListCheckboxMixin):
    def __init__(self):
        self.writers_made = 0

    def action_checkbox_writer(self):
        self.writers_made += 1
        return ListCheckboxMixin.action_checkbox_writer()


def test_the_shared_checkbox_is_written_with_one_writer_per_page(seeded):
    list_admin = _CountingCheckbox()
    write = admin_list._checkbox_method(list_admin)
    boxes = [write(district) for district in District.objects.all()[:3]]
    assert len(boxes) == 3 and list_admin.writers_made == 1


def _choice_field(choices):
    field = models.CharField(max_length=10, choices=choices)
    field.set_attributes_from_name("kind")
    return field


def test_a_column_whose_choices_cannot_be_keys_reads_each_value_as_django_does():
    field = _choice_field([(["a"], "甲")])  # a list as a choice's value
    opts = SimpleNamespace(get_field=lambda name: field)
    column = admin_list._column(SimpleNamespace(model=SimpleNamespace(_meta=opts)), "kind", "-", False)
    row = SimpleNamespace(kind=["b"])
    assert column.cell(row) == (display_for_field(["b"], field, "-"), False)


def test_a_value_that_cannot_be_a_key_in_a_choice_column_is_shown_as_django_does():
    field = _choice_field([("a", "甲")])
    cell = admin_list._choice_cell(field, "kind", "-", False)
    assert cell(SimpleNamespace(kind=["a", "b"])) == (display_for_field(["a", "b"], field, "-"), False)


class _SealImpressions(admin.ModelAdmin):
    list_display = ("impression", "name")
    list_display_links = ("impression",)
    actions = None


def test_a_file_in_a_linked_column_is_shown_as_text_inside_the_rows_link_as_django_shows_it(admin_user, seeded):
    cl = _SealImpressions(ApprovalSeal, admin.site).get_changelist_instance(admin_request(admin_user))
    cl.formset = None
    cl.result_list = [ApprovalSeal(pk=1, name="平度市行政审批专用章", impression="seals/甲.png")]
    ours = admin_list.precomputed_rows(cl)
    assert [list(row) for row in ours] == [list(row) for row in results(cl)]
    assert ours[0][0].count("<a ") == 1


class _OwnTemplateFilter(admin.SimpleListFilter):
    title = "自定筛选"
    parameter_name = "own"
    template = "admin/date_hierarchy.html"  # any template but admin/filter.html

    def lookups(self, request, model_admin):
        return [("a", "甲")]

    def queryset(self, request, queryset):
        return queryset


def test_a_filter_with_a_template_of_its_own_is_rendered_by_it(admin_client, seeded):
    response = admin_client.get(reverse("admin:policyops_policytask_changelist"))
    cl = response.context["cl"]
    spec = _OwnTemplateFilter(response.wsgi_request, {}, PolicyTask, cl.model_admin)
    assert admin_list.filter_html(cl, spec) == admin_list_filter(cl, spec)


def test_a_filter_on_djangos_template_is_written_without_rendering_it(admin_client, seeded, monkeypatch):
    response = admin_client.get(reverse("admin:policyops_policytask_changelist"))
    cl = response.context["cl"]
    spec = cl.filter_specs[0]
    djangos = admin_list_filter(cl, spec)

    def rendered(cl, spec):
        raise AssertionError("rendered through admin/filter.html")

    monkeypatch.setattr(admin_list, "admin_list_filter", rendered)
    assert admin_list.filter_html(cl, spec) == djangos


def test_a_widget_value_that_cannot_be_a_key_is_rendered_by_django_each_time():
    choices = [("a", "甲"), ("b", "乙")]
    assert admin_list.RememberedSelect(choices=choices).render("action", ["a"]) == forms.Select(
        choices=choices).render("action", ["a"])


def test_the_remembered_widgets_are_forgotten_when_they_reach_their_limit(monkeypatch):
    remembered = {("earlier", i): "<select>" for i in range(256)}
    monkeypatch.setattr(admin_list, "_remembered_html", remembered)
    admin_list.RememberedSelect(choices=[("a", "甲")]).render("action", "a")
    assert len(remembered) == 1


def test_the_remembered_media_are_forgotten_when_they_reach_their_limit(monkeypatch):
    remembered = {("earlier", i): "<script>" for i in range(256)}
    monkeypatch.setattr(admin_list, "_remembered_html", remembered)
    admin_list.RememberedMedia(forms.Media(js=["policyops/a.js"])).render()
    assert len(remembered) == 1


def test_pages_whose_scripts_are_alike_keep_their_own_style_sheets(monkeypatch):
    monkeypatch.setattr(admin_list, "_remembered_html", {})
    first = admin_list.RememberedMedia(forms.Media(css={"all": ["policyops/first.css"]}, js=["policyops/a.js"]))
    second = admin_list.RememberedMedia(forms.Media(css={"all": ["policyops/second.css"]}, js=["policyops/a.js"]))
    assert "first.css" in str(first["css"])
    assert "second.css" in str(second["css"]) and "first.css" not in str(second["css"])


def _audit_list(client, **params):
    return client.get(reverse("admin:policyops_auditentry_changelist"), params).context["cl"]


def test_a_list_asked_for_two_sort_columns_is_sorted_by_the_first_only(admin_client, seeded):
    display = list(_audit_list(admin_client).list_display)
    at, actor = display.index("at"), display.index("actor")
    cl = _audit_list(admin_client, o=f"-{at}.{actor}")
    assert cl.get_ordering_field_columns() == {at: "desc"}
    assert cl.queryset.query.order_by[0] == "-at"


def test_a_sortable_column_asked_for_is_sorted_by(admin_client, seeded):
    at = list(_audit_list(admin_client).list_display).index("at")
    assert _audit_list(admin_client, o=str(at)).queryset.query.order_by[0] == "at"  # oldest first, not the default


def test_a_column_left_out_of_sortable_by_is_not_sorted_by_from_a_typed_address(admin_client, seeded):
    actor = list(_audit_list(admin_client).list_display).index("actor")
    ordering = _audit_list(admin_client, o=str(actor)).queryset.query.order_by
    assert not any("actor" in str(column) for column in ordering)
