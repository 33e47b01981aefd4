"""Issue 11: the approvals workspace's pages — list search, case page, step pages, claim/release/follow-up."""
import datetime as dt

import pytest
from django.urls import reverse

from approvals import guards, services
from approvals.models import ApprovalCase
from policyops.roles import Role
from tests.approvals.factories import pingdu, pingdu_authority, register_case
from tests.conftest import make_user
from tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db
D = dt.date


def detail(case):
    return reverse("approvals:case_detail", args=[case.pk])


def step(case, name):
    return reverse("approvals:case_action", args=[case.pk, name])


# --- /approvals/ and the list -------------------------------------------------------------


def test_approvals_root_leads_to_the_case_list(client, clerk):
    client.force_login(clerk)
    response = client.get("/approvals/")
    assert response.status_code == 302 and response["Location"] == reverse("approvals:case_list")


def test_search_finds_a_case_by_number_and_by_applicant(client, power, entrustment, clerk):
    first = register_case(power, clerk=clerk)
    second = services.case_register(
        power=power, applicant_name="胶东测试诊所", applicant_type="organisation", applicant_phone="13900001111",
        received_hall=first.received_hall, first_contact=clerk.person, received_on=D(2024, 9, 27),
        materials=[("申请书", True)], acting_user=clerk)
    client.force_login(clerk)
    by_name = client.get(reverse("approvals:case_list") + "?q=胶东").context["rows"]
    assert [row["case"] for row in by_name] == [second]
    by_number = client.get(reverse("approvals:case_list") + "?q=" + first.number[-6:]).context["rows"]
    assert [row["case"] for row in by_number] == [first]


def test_search_with_full_width_digits_and_no_match(client, case, clerk):
    client.force_login(clerk)
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in case.number[-6:])
    assert [r["case"] for r in client.get(reverse("approvals:case_list") + "?q=" + wide).context["rows"]] == [case]
    response = client.get(reverse("approvals:case_list") + "?q=没有这个申请人")
    assert response.status_code == 200 and not response.context["rows"]


def test_search_keeps_its_query_count_constant(client, power, entrustment, clerk, assert_constant_queries):
    def grow(n):
        for _ in range(n):
            register_case(power, clerk=clerk)

    client.force_login(clerk)
    response = assert_constant_queries(client, reverse("approvals:case_list") + "?q=青岛&state=submitted", grow)
    assert len(response.context["rows"]) == 28


# --- the case page ---------------------------------------------------------------------------


def test_case_page_shows_facts_clock_materials_notices_timeline_and_steps(client, case, clerk, today):
    today(D(2024, 9, 30))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    client.force_login(clerk)
    response = client.get(detail(case))
    html = response.content.decode()
    assert response.status_code == 200
    assert case.applicant_name in html and "0532-88881234" in html
    assert reverse("approvals:notice_print", args=[case.notices.get().pk]) in html
    assert "申请书" in html
    keys = [row["key"] for row in response.context["detail"]["rows"]]
    assert keys == ["correction_due_on", "accepted_on", "legal_due_on"]
    assert [row.code for row in response.context["timeline"]] == ["register", "accept"]
    assert str(ApprovalCase.State.ACCEPTED.label) in html
    # start_review needs a handler: shown disabled, with the reason.
    assert step(case, "start_review") not in html
    blocked = {a.name: a.reason for a in response.context["actions"] if not a.ready}
    assert "start_review" in blocked and blocked["start_review"] in html
    assert step(case, "withdraw") in html


def test_case_page_of_another_district_is_404(client, case):
    outsider = make_user(Role.CLERK, district=DistrictFactory(name="莱西市"))
    client.force_login(outsider)
    assert client.get(detail(case)).status_code == 404
    assert client.get(step(case, "accept")).status_code == 404


def test_step_page_runs_the_step_through_its_service(client, case, clerk, today):
    today(D(2024, 9, 27))
    client.force_login(clerk)
    assert client.get(step(case, "accept")).status_code == 200
    response = client.post(step(case, "accept"))
    assert response.status_code == 302 and response["Location"] == detail(case)
    case.refresh_from_db()
    assert case.state == ApprovalCase.State.ACCEPTED


def test_step_page_with_bad_input_shows_the_error_and_saves_nothing(client, case, clerk, today):
    today(D(2024, 9, 27))
    client.force_login(clerk)
    response = client.post(step(case, "refuse"), {"reason": " ", "refer_to": ""})
    assert response.status_code == 400 and response.context["form"].errors
    case.refresh_from_db()
    assert case.state == ApprovalCase.State.SUBMITTED and not case.notices.exists()


def test_a_blocked_step_sends_back_with_its_reason(client, case, clerk, today):
    today(D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    client.force_login(clerk)
    response = client.get(step(case, "start_review"), follow=True)
    assert response.redirect_chain[-1][0] == detail(case)
    assert any(str(guards.has_handler.message) in str(m) for m in response.context["messages"])
    assert client.get(step(case, "no_such_step")).status_code == 404


# --- claim, release, follow-up, assign --------------------------------------------------------


def test_claim_and_release_from_the_case_page(client, case, clerk):
    client.force_login(clerk)
    assert reverse("approvals:case_claim", args=[case.pk]) in client.get(detail(case)).content.decode()
    client.post(reverse("approvals:case_claim", args=[case.pk]))
    case.refresh_from_db()
    assert case.handler == clerk.person
    client.post(reverse("approvals:case_release", args=[case.pk]))
    case.refresh_from_db()
    assert case.handler is None


def test_claiming_a_claimed_case_is_refused_with_a_message(client, case, clerk):
    colleague = make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())
    services.case_claim(case=case, acting_user=colleague)
    client.force_login(clerk)
    response = client.post(reverse("approvals:case_claim", args=[case.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any(colleague.person.name in m for m in messages)
    case.refresh_from_db()
    assert case.handler == colleague.person


def test_claim_is_post_only(client, case, clerk):
    client.force_login(clerk)
    assert client.get(reverse("approvals:case_claim", args=[case.pk])).status_code == 405


def test_follow_up_date_from_the_case_page(client, case, clerk, today):
    today(D(2024, 9, 30))
    client.force_login(clerk)
    assert 'type="date"' in client.get(detail(case)).content.decode()
    client.post(reverse("approvals:case_follow_up", args=[case.pk]), {"follow_up_on": "2024-10-09"})
    case.refresh_from_db()
    assert case.follow_up_on == D(2024, 10, 9)


@pytest.mark.parametrize("value", ["2024-13-45", "2024-09-01"])
def test_bad_follow_up_date_is_refused_and_nothing_saved(client, case, clerk, today, value):
    today(D(2024, 9, 30))
    client.force_login(clerk)
    response = client.post(reverse("approvals:case_follow_up", args=[case.pk]), {"follow_up_on": value}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    case.refresh_from_db()
    assert case.follow_up_on is None


def test_the_head_reassigns_from_the_case_page(client, case, clerk, head):
    client.force_login(head)
    assert reverse("approvals:case_assign", args=[case.pk]) in client.get(detail(case)).content.decode()
    client.post(reverse("approvals:case_assign", args=[case.pk]), {"handler": clerk.person.pk})
    case.refresh_from_db()
    assert case.handler == clerk.person


def test_a_clerk_gets_no_assign_form(client, case, clerk):
    client.force_login(clerk)
    assert client.get(detail(case)).context["assign_form"] is None
