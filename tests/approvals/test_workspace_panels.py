"""Issue 11: the clerks' home panels — my cases, my district's unassigned cases, overdue cases."""
import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse

from approvals import services, workspace
from policyops.roles import Role
from tests.approvals.factories import (
    DelegatedPowerFactory,
    entrustment_in_force,
    register_case,
)
from tests.conftest import make_user
from tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db
D = dt.date
RECEIVED = D(2024, 9, 27)


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def accepted(power, clerk, *, handler=None, head=None):
    case = register_case(power, clerk=clerk, received_on=RECEIVED)
    services.case_accept(case=case, acting_user=clerk, as_of=RECEIVED)
    if handler is not None:
        services.case_assign(cases=[case], handler=handler, acting_user=head)
    case.refresh_from_db()
    return case


def test_my_cases_are_those_i_handle_sorted_by_legal_due_date(power, entrustment, clerk, head):
    later = accepted(power, clerk, handler=clerk.person, head=head)
    earlier = register_case(power, clerk=clerk, received_on=D(2024, 9, 20))
    services.case_accept(case=earlier, acting_user=clerk, as_of=D(2024, 9, 20))
    services.case_assign(cases=[earlier], handler=clerk.person, acting_user=head)
    accepted(power, clerk)  # nobody handles it: not mine
    context = workspace.build_my_cases(request_for(clerk), D(2024, 9, 30))
    assert [row["case"].pk for row in context["rows"]] == [earlier.pk, later.pk] and context["total"] == 2


def test_district_panel_lists_open_unassigned_cases_of_my_district_only(power, entrustment, clerk, head):
    free = accepted(power, clerk)
    accepted(power, clerk, handler=clerk.person, head=head)
    withdrawn = register_case(power, clerk=clerk)
    services.case_withdraw(case=withdrawn, acting_user=clerk, as_of=RECEIVED)
    context = workspace.build_district_cases(request_for(clerk), D(2024, 9, 30))
    assert [row["case"] for row in context["rows"]] == [free] and context["may_claim"]
    outsider = make_user(Role.CLERK, district=DistrictFactory(name="莱西市"))
    assert workspace.build_district_cases(request_for(outsider), D(2024, 9, 30)) is None


def test_rows_are_coloured_by_the_clock(power, entrustment, clerk, head):
    case = accepted(power, clerk, handler=clerk.person, head=head)

    def alert(day):
        return workspace.build_my_cases(request_for(clerk), day)["rows"][0]["alert"]

    assert alert(RECEIVED) == ""
    assert alert(case.due_on - dt.timedelta(days=1)) == "yellow"
    assert alert(case.due_on + dt.timedelta(days=1)) == "red"


def test_rows_offer_the_next_steps_ready_ones_as_links(client, power, entrustment, clerk, head):
    case = accepted(power, clerk, handler=clerk.person, head=head)
    row = workspace.build_my_cases(request_for(clerk), RECEIVED)["rows"][0]
    assert "start_review" in {a.name for a in row["actions"] if a.ready}
    client.force_login(clerk)
    html = client.get(reverse("policyops:home")).content.decode()
    assert reverse("approvals:case_action", args=[case.pk, "start_review"]) in html
    assert 'id="panel-approvals-mine"' in html


def test_supervisor_panel_counts_overdue_cases_and_links_the_filtered_list(power, entrustment, clerk, supervisor):
    case = accepted(power, clerk)
    assert workspace.build_overdue(request_for(supervisor), RECEIVED) is None
    context = workspace.build_overdue(request_for(supervisor), case.due_on + dt.timedelta(days=3))
    assert context["total"] == 1 and context["rows"][0]["alert"] == "red"
    assert context["list_url"] == reverse("approvals:case_list") + "?due=overdue"


@pytest.mark.parametrize("build", [workspace.build_my_cases, workspace.build_district_cases])
def test_panels_run_a_constant_number_of_queries(build, clerk, head, supervisor, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(n):
        # A power (and an entrustment) per case: the seals are not looked up once per power.
        for _ in range(n):
            power = DelegatedPowerFactory()
            entrustment_in_force([power], supervisor=supervisor)
            if build is workspace.build_my_cases:  # under review: approve and deny ask for the seal
                case = accepted(power, clerk, handler=clerk.person, head=head)
                services.case_start_review(case=case, acting_user=clerk, as_of=RECEIVED)
            else:  # submitted: accept asks for the seal
                register_case(power, clerk=clerk, received_on=RECEIVED)

    grow(2)
    request = request_for(clerk)
    with CaptureQueriesContext(connection) as first:
        assert len(build(request, RECEIVED)["rows"]) == 2
    grow(6)
    request = request_for(clerk)
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(build(request, RECEIVED)["rows"]) == 8


def test_a_power_without_a_seal_in_force_blocks_acceptance_in_the_panel(clerk):
    from approvals import guards

    register_case(DelegatedPowerFactory(), clerk=clerk, received_on=RECEIVED)  # no entrustment
    row = workspace.build_district_cases(request_for(clerk), RECEIVED)["rows"][0]
    accept = next(a for a in row["actions"] if a.name == "accept")
    assert not accept.ready and str(guards.entrusted_with_seal.message) in accept.reason


def test_a_second_queue_on_the_page_asks_nothing_more_of_the_seals(power, clerk, supervisor, django_assert_num_queries):
    """remember_seals answers every power entrusted in the district, so the home page's second queue
    (another power of the same entrustment) reads no seal again (issue 12)."""
    from approvals import selectors
    from policyops.workflow import acting_on

    other = DelegatedPowerFactory(agency=power.agency)
    entrustment_in_force([power, other], supervisor=supervisor)
    first, second = register_case(power, clerk=clerk), register_case(other, clerk=clerk)
    with acting_on(RECEIVED):
        selectors.remember_seals([first], RECEIVED)
        with django_assert_num_queries(0):
            selectors.remember_seals([second], RECEIVED)
            assert other.seal_on(RECEIVED, second.district_id) is not None


def test_a_second_queue_with_a_power_entrusted_nowhere_asks_nothing_more(power, clerk, supervisor,
                                                                          django_assert_num_queries):
    """The district was answered whole: a power not entrusted there has no seal, without a query."""
    from approvals import selectors
    from policyops.workflow import acting_on

    entrustment_in_force([power], supervisor=supervisor)
    first = register_case(power, clerk=clerk)
    stray = register_case(DelegatedPowerFactory(), clerk=clerk)
    with acting_on(RECEIVED):
        selectors.remember_seals([first], RECEIVED)
        with django_assert_num_queries(0):
            selectors.remember_seals([stray], RECEIVED)
            assert stray.power.seal_on(RECEIVED, stray.district_id) is None


def test_a_queue_counts_up_to_the_cap_and_says_there_are_more(power, entrustment, clerk, client, monkeypatch):
    """As the lists do (policyops.pagination.COUNT_CAP): the home page never counts a queue of thousands."""
    monkeypatch.setattr(workspace, "COUNT_CAP", 2)
    for _ in range(3):
        register_case(power, clerk=clerk, received_on=RECEIVED)
    context = workspace.build_district_cases(request_for(clerk), RECEIVED)
    assert (context["total"], context["capped"]) == (2, True)
    client.force_login(clerk)
    assert "超过2件在办案件" in client.get(reverse("policyops:home")).content.decode()


def test_a_queue_at_the_cap_is_counted_exactly(power, entrustment, clerk, monkeypatch):
    monkeypatch.setattr(workspace, "COUNT_CAP", 2)
    for _ in range(2):
        register_case(power, clerk=clerk, received_on=RECEIVED)
    context = workspace.build_district_cases(request_for(clerk), RECEIVED)
    assert (context["total"], context["capped"]) == (2, False)


def test_a_queue_says_there_are_more_only_past_its_rows(power, entrustment, clerk, monkeypatch):
    monkeypatch.setattr(workspace, "PANEL_ROWS", 2)
    for _ in range(2):
        register_case(power, clerk=clerk, received_on=RECEIVED)
    assert workspace.build_district_cases(request_for(clerk), RECEIVED)["more"] is False
    register_case(power, clerk=clerk, received_on=RECEIVED)
    context = workspace.build_district_cases(request_for(clerk), RECEIVED)
    assert context["more"] is True and len(context["rows"]) == 2


def test_the_overdue_panel_names_each_cases_handler(power, entrustment, clerk, head, supervisor):
    case = accepted(power, clerk, handler=clerk.person, head=head)
    context = workspace.build_overdue(request_for(supervisor), case.due_on + dt.timedelta(days=3))
    assert f"承办人：{clerk.person.name}" in context["rows_html"]


def test_an_overdue_row_says_by_how_many_working_days(power, entrustment, clerk, head):
    from django.template.loader import render_to_string

    case = accepted(power, clerk, handler=clerk.person, head=head)
    today = D(2025, 1, 6)  # long past the legal due date
    row = workspace.build_my_cases(request_for(clerk), today)["rows"][0]
    assert row["case"] == case and row["days_overdue"] == -row["clock"]["days_left"] > 0
    html = render_to_string("approvals/panels/_case_row.html", {"row": row})
    assert f"超期{row['days_overdue']}个工作日" in html and "剩余-" not in html


def test_a_row_on_time_says_how_many_working_days_are_left(power, entrustment, clerk, head):
    from django.template.loader import render_to_string

    accepted(power, clerk, handler=clerk.person, head=head)
    row = workspace.build_my_cases(request_for(clerk), RECEIVED)["rows"][0]
    assert row["days_overdue"] is None
    html = render_to_string("approvals/panels/_case_row.html", {"row": row})
    assert f"剩余{row['clock']['days_left']}个工作日" in html


def test_an_overdue_row_on_the_weekend_after_its_due_date_says_no_days_are_left(power, entrustment, clerk, head):
    from django.template.loader import render_to_string

    from approvals.models import ApprovalCase

    case = accepted(power, clerk, handler=clerk.person, head=head)
    friday, sunday = D(2024, 11, 15), D(2024, 11, 17)  # an ordinary weekend: no working day in between
    ApprovalCase.objects.filter(pk=case.pk).update(due_on=friday, legal_due_on=friday, promised_due_on=None)
    row = workspace.build_my_cases(request_for(clerk), sunday)["rows"][0]
    assert row["alert"] == "red" and row["clock"]["days_left"] == 0
    assert row["days_overdue"] is None and row["days_left"] is None
    html = render_to_string("approvals/panels/_case_row.html", {"row": row})
    assert "已逾期" in html and "剩余" not in html and "超期" not in html
