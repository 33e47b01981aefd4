"""What the lists write in a cheaper way than Django's own is written the same (issue 12)."""
import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import results
from django.db.models.base import Model
from django.utils import translation

from approvals.models import ApprovalCase
from policyops import admin_list
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(False)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_state_label_is_djangos(language):
    with translation.override(language):
        for state in ApprovalCase.State:
            case = ApprovalCase(state=state)  # the state field is protected: set at construction
            assert case.get_state_display() == Model._get_FIELD_display(case, ApprovalCase._meta.get_field("state"))


def test_the_admin_selection_checkbox_is_djangos(power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    case_admin = admin.site._registry[ApprovalCase]
    assert case_admin.action_checkbox(case) == admin.ModelAdmin.action_checkbox(case_admin, case)


@pytest.fixture
def case_list_page(power, entrustment, clerk, head, supervisor, client):
    """The supervisor's case list, filtered and sorted, over cases with and without a handler and a due date."""
    from approvals import services

    unassigned = register_case(power, clerk=clerk, received_on=dt.date(2024, 9, 27))
    assigned = register_case(power, clerk=clerk, received_on=dt.date(2024, 9, 30))
    services.case_accept(case=assigned, acting_user=clerk, as_of=dt.date(2024, 9, 30))
    services.case_assign(cases=[assigned], handler=clerk.person, acting_user=head)
    blank = register_case(power, clerk=clerk, received_on=dt.date(2024, 9, 30))
    ApprovalCase.objects.filter(pk=blank.pk).update(applicant_name="  ")  # as an old import left some: shown empty
    client.force_login(supervisor)
    return client.get("/admin/approvals/approvalcase/", {"power__id__exact": power.pk, "o": "-6"}), unassigned


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_admin_case_rows_are_djangos(case_list_page, language):
    response, _case = case_list_page
    cl = response.context["cl"]
    with translation.override(language):
        ours = admin_list.precomputed_rows(cl)
        djangos = [list(row) for row in results(cl)]
    assert ours is not None and len(ours) == 3
    assert [list(row) for row in ours] == djangos


def test_the_admin_case_list_links_each_row_with_its_filters(case_list_page):
    response, case = case_list_page
    html = response.content.decode()
    assert "admin/precomputed_change_list.html" in [t.name for t in response.templates]
    assert f'<a href="/admin/approvals/approvalcase/{case.pk}/change/?_changelist_filters=' in html
    assert "power__id__exact%3D" in html and html.count('class="action-select"') == 3


def test_a_popup_case_list_is_left_to_django(case_list_page, client):
    response = client.get("/admin/approvals/approvalcase/", {"_popup": "1"})
    assert admin_list.precomputed_rows(response.context["cl"]) is None
    assert response.status_code == 200 and 'data-popup-opener="' in response.content.decode()


def test_a_list_prefetch_gives_each_case_its_own_rows(power, entrustment, clerk, django_assert_num_queries):
    """approvals.models.prefetched_list: each case reads its own materials from the list's one
    query, and a case read on its own reads them itself."""
    from approvals.models import prefetched_list

    first = register_case(power, clerk=clerk, materials=[("申请书", True), ("营业执照", False)])
    second = register_case(power, clerk=clerk, materials=[("场地证明", True)])
    cases = list(ApprovalCase.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")
                 .prefetch_related(prefetched_list("materials")))
    with django_assert_num_queries(0):
        assert [[m.name for m in case.material_list] for case in cases] == [["申请书", "营业执照"], ["场地证明"]]
    alone = ApprovalCase.objects.get(pk=second.pk)
    with django_assert_num_queries(1):
        assert [m.name for m in alone.material_list] == ["场地证明"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_admin_case_filters_with_one_chosen_are_djangos(case_list_page, language):
    from django.contrib.admin.templatetags.admin_list import admin_list_filter

    response, _case = case_list_page
    cl = response.context["cl"]
    with translation.override(language):
        for spec in cl.filter_specs:
            assert admin_list.filter_html(cl, spec) == admin_list_filter(cl, spec), spec
    assert 'class="selected"' in admin_list.filter_html(cl, cl.filter_specs[1])  # the power chosen


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_admin_case_results_table_is_djangos(case_list_page, language):
    from django.contrib.admin.templatetags.admin_list import result_list
    from django.template.loader import get_template

    response, _case = case_list_page
    cl = response.context["cl"]
    with translation.override(language):
        ours = get_template("admin/precomputed_change_list_results.html").render(admin_list.result_list(cl))
        djangos = get_template("admin/change_list_results.html").render(result_list(cl))
    assert ours.count("<tr>") == 4 and ours == djangos  # the header row and three cases


def test_the_power_filter_offers_what_djangos_related_filter_offers(case_list_page):
    from django.contrib.admin.filters import RelatedFieldListFilter

    from approvals.admin.cases import PowerFilter

    response, _case = case_list_page
    cl = response.context["cl"]
    field = ApprovalCase._meta.get_field("power")
    model_admin = admin.site._registry[ApprovalCase]
    djangos = RelatedFieldListFilter.field_choices(cl.filter_specs[1], field, response.wsgi_request, model_admin)
    assert PowerFilter.field_choices(cl.filter_specs[1], field, response.wsgi_request, model_admin) == djangos
    assert djangos  # the fixture's power at least
