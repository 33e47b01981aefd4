"""The admin case list at city scale (issue 12): filters that read short tables, no second count."""
import pytest
from django.urls import reverse

from approvals.models import ApprovalCase
from policyops.models import District
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:approvals_approvalcase_changelist"


def shown_filters(response) -> dict:
    cl = response.context["cl"]
    return {str(spec.title): [str(c["display"]) for c in spec.choices(cl)] for spec in cl.filter_specs
            if spec.has_output()}


def test_a_clerk_with_one_district_in_view_gets_no_district_filter(client, power, entrustment, clerk):
    register_case(power, clerk=clerk)
    client.force_login(clerk)
    response = client.get(reverse(CHANGELIST))
    district_title = str(ApprovalCase._meta.get_field("district").verbose_name)
    assert district_title not in shown_filters(response)  # one choice: nothing to filter


def test_a_supervisors_district_filter_offers_every_district(client, power, entrustment, clerk, supervisor):
    register_case(power, clerk=clerk)
    client.force_login(supervisor)
    response = client.get(reverse(CHANGELIST))
    district_title = str(ApprovalCase._meta.get_field("district").verbose_name)
    assert len(shown_filters(response)[district_title]) - 1 == District.objects.count()  # after "全部"


def test_a_filtered_list_does_not_count_the_whole_table_again(client, power, entrustment, clerk, supervisor):
    register_case(power, clerk=clerk)
    client.force_login(supervisor)
    response = client.get(reverse(CHANGELIST), {"state__exact": "submitted"})
    assert response.context["cl"].show_full_result_count is False
    assert response.context["cl"].result_count == 1


def test_the_lists_newest_first_order_has_its_indexes():
    names = {index.name for index in ApprovalCase._meta.indexes}
    assert {"case_newest_first", "case_district_newest_first"} <= names
    assert ApprovalCase._meta.ordering == ["-received_on", "-id"]


def test_the_work_queues_partial_indexes_cover_exactly_the_open_states():
    indexes = {index.name: index for index in ApprovalCase._meta.indexes}
    for name in ("case_unassigned_queue", "case_handler_district_queue", "case_open_by_due",
                 "case_district_open_by_due"):
        condition = dict(indexes[name].condition.children)
        assert set(condition["state__in"]) == {state.value for state in ApprovalCase.OPEN_STATES}


def test_a_list_longer_than_the_cap_says_more_than_the_cap(client, power, entrustment, clerk, supervisor,
                                                          monkeypatch):
    from policyops.pagination import CappedPaginator

    for _n in range(3):
        register_case(power, clerk=clerk)
    monkeypatch.setattr(CappedPaginator, "cap", 2)
    client.force_login(supervisor)
    response = client.get(reverse(CHANGELIST))
    assert response.context["cl"].result_count == 3  # counted to one past the cap, no further
    assert "超过 2 " in response.content.decode()


def test_a_filtered_list_longer_than_the_cap_does_not_give_its_count_as_the_number_of_results(
        client, power, entrustment, clerk, supervisor, monkeypatch):
    from policyops.pagination import CappedPaginator

    for _n in range(3):
        register_case(power, clerk=clerk)
    monkeypatch.setattr(CappedPaginator, "cap", 2)
    client.force_login(supervisor)
    html = client.get(reverse(CHANGELIST), {"state__exact": "submitted"}).content.decode()
    assert "超过 2 条结果" in html and "3 条结果" not in html  # 3 is one past the cap, not the count
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    html = client.get(reverse(CHANGELIST), {"state__exact": "submitted"}).content.decode()
    assert "3 条结果" in html and "超过" not in html.split('id="changelist-search"')[1].split("</form>")[0]
