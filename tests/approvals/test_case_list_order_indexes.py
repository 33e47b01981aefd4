"""The case lists' orders are read from an index, not sorted (issue 12): a million cases sorted to
show one page took 0.4–1.6 s (every closed case has no due date, so "due soonest first, newest
first among equals" sorted all of them by id)."""
import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from approvals import selectors
from tests import plans
from tests.approvals.factories import register_case

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner is asked")]


def plan_of(queryset) -> str:
    return plans.plan_of(queryset, off=plans.WHOLE_TABLE_OR_SORT)


@pytest.fixture
def cases(power, entrustment, clerk):
    return [register_case(power, clerk=clerk) for _n in range(3)]


def test_the_supervisors_list_of_one_state_reads_its_order_from_an_index(cases, supervisor):
    plan = plan_of(selectors.case_list(user=supervisor, state="closed")[:50])
    assert "case_state_by_due" in plan and "Sort" not in plan, plan


def test_the_clerks_list_of_one_state_reads_its_order_from_an_index(cases, clerk):
    plan = plan_of(selectors.case_list(user=clerk, state="closed")[:50])
    assert "case_district_state_by_due" in plan and "Sort" not in plan, plan


@pytest.mark.parametrize("who, index", [("supervisor", "case_open_by_due"), ("clerk", "case_district_open_by_due")])
def test_the_home_pages_overdue_cases_are_read_in_order_from_an_index(request, cases, who, index):
    user = request.getfixturevalue(who)
    plan = plan_of(selectors.overdue_cases(user, dt.date(2026, 12, 4))[:10])
    assert index in plan and "Sort" not in plan, plan


def test_the_admin_list_latest_due_first_reads_its_index_backwards(client, cases, supervisor):
    # Django's admin adds "-pk" to any order: due_on DESC, id DESC is the index (due_on, id) read
    # backwards. (Ascending, only the cases due the same day are sorted by id: a plan a tiny table
    # does not show.)
    client.force_login(supervisor)
    response = client.get(reverse("admin:approvals_approvalcase_changelist"), {"o": "-7"})
    plan = plan_of(response.context["cl"].result_list)
    assert "case_by_due" in plan and "Backward" in plan and "Sort" not in plan, plan


def test_the_admin_list_is_not_sorted_by_a_column_no_index_orders(client, cases, supervisor):
    client.force_login(supervisor)
    applicant_column = "3"  # list_display's applicant_name
    response = client.get(reverse("admin:approvals_approvalcase_changelist"), {"o": applicant_column})
    assert response.status_code == 200
    assert "applicant_name" not in str(response.context["cl"].result_list.query).split("ORDER BY")[1]


def test_the_admin_list_sorts_by_one_column_at_a_time(client, cases, supervisor):
    # Django keeps the column sorted before as the second key when another is clicked (?o=-7.-6):
    # "latest due, then newest received" matches no index over a million cases.
    client.force_login(supervisor)
    response = client.get(reverse("admin:approvals_approvalcase_changelist"), {"o": "-7.-6"})
    order_by = str(response.context["cl"].result_list.query).split("ORDER BY")[1]
    assert "due_on" in order_by and "received_on" not in order_by
    assert response.context["cl"].get_ordering_field_columns() == {7: "desc"}
