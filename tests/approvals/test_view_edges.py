"""Edges of the approvals pages (approvals/views/): what the mutation run found unpinned."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse

from approvals import services
from policyops.roles import Role
from tests.approvals.factories import register_case
from tests.conftest import make_user
from tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db
D = dt.date


def detail(case):
    return reverse("approvals:case_detail", args=[case.pk])


def shown(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


# --- claim, release, follow-up, assign (views/handling.py) ------------------------------------


def test_an_empty_follow_up_date_clears_it_and_says_so(client, case, clerk, today):
    today(D(2024, 9, 30))
    services.case_set_follow_up(case=case, acting_user=clerk, follow_up_on=D(2024, 10, 9), as_of=D(2024, 9, 30))
    client.force_login(clerk)
    response = client.post(reverse("approvals:case_follow_up", args=[case.pk]), {"follow_up_on": ""}, follow=True)
    assert response.redirect_chain == [(detail(case), 302)]
    assert shown(response) == [("success", f"已清除{case}的跟进日期。")]
    case.refresh_from_db()
    assert case.follow_up_on is None


def test_assigning_a_handler_of_another_district_goes_back_to_the_case_with_the_error(client, case, clerk, head):
    outsider = make_user(Role.CLERK, district=DistrictFactory(name="莱西市"))
    client.force_login(head)
    response = client.post(reverse("approvals:case_assign", args=[case.pk]), {"handler": outsider.person.pk},
                           follow=True)
    assert response.redirect_chain == [(detail(case), 302)]
    assert shown(response) == [("error", "请选择本区（市）有权办理案件的承办人。")]
    case.refresh_from_db()
    assert case.handler is None


def test_a_small_forms_next_on_this_site_is_where_it_goes_back_to(client, case, clerk):
    client.force_login(clerk)
    back = reverse("approvals:case_list") + "?state=accepted"
    response = client.post(reverse("approvals:case_claim", args=[case.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back


def test_a_small_forms_next_to_another_site_goes_back_to_the_case_instead(client, case, clerk):
    client.force_login(clerk)
    response = client.post(reverse("approvals:case_claim", args=[case.pk]), {"next": "https://evil.example/cases/"})
    assert response.status_code == 302 and response["Location"] == detail(case)


# --- the case list and the step pages (views/cases.py) ----------------------------------------


def test_the_case_list_filtered_by_a_state_shows_only_that_states_cases(client, power, entrustment, clerk):
    submitted = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    accepted = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=accepted, acting_user=clerk, as_of=D(2024, 9, 27))
    client.force_login(clerk)
    response = client.get(reverse("approvals:case_list") + "?state=accepted")
    assert response.context["state"] == "accepted"
    cases = [row["case"] for row in response.context["rows"]]
    assert accepted in cases and submitted not in cases


def test_the_case_list_shows_fifty_cases_a_page(client, case, clerk):
    client.force_login(clerk)
    assert client.get(reverse("approvals:case_list")).context["page"].paginator.per_page == 50


def test_a_step_page_shows_the_case_above_its_form_with_its_due_date(client, case, clerk, today):
    today(D(2024, 9, 30))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    case.refresh_from_db()
    client.force_login(clerk)
    response = client.get(reverse("approvals:case_action", args=[case.pk, "withdraw"]))
    assert response.status_code == 200
    assert [value for _label, value in response.context["head"]] == [
        case.number, case.power, "青岛测试有限公司", "已受理", D(2024, 10, 30)]
    assert "<dd>2024年10月30日</dd>" in response.content.decode()


# --- printable notices and the public status page (views/public.py) ---------------------------


@pytest.fixture
def accepted_case(case, clerk):
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    case.refresh_from_db()
    return case


def print_page(client, notice):
    return client.get(reverse("approvals:notice_print", args=[notice.pk]))


def test_a_sealed_notice_is_headed_by_the_seals_authority(client, accepted_case, entrustment, clerk):
    client.force_login(clerk)
    response = print_page(client, accepted_case.notices.get())
    assert response.context["authority"] == entrustment.authority
    assert f'<p class="authority">{entrustment.authority.name}</p>' in response.content.decode()


def test_a_notice_without_a_seal_is_headed_by_the_districts_approval_authority(client, case, clerk):
    services.case_request_correction(case=case, acting_user=clerk, as_of=D(2024, 9, 27), missing=["申请书"])
    notice = case.notices.get()
    assert notice.seal is None
    client.force_login(clerk)
    assert '<p class="authority">平度市行政审批机关</p>' in print_page(client, notice).content.decode()


def test_a_notices_closing_date_is_printed_under_the_signature_not_as_a_paragraph(client, accepted_case, clerk):
    client.force_login(clerk)
    response = print_page(client, accepted_case.notices.get())
    paragraphs = response.context["paragraphs"]
    assert "2024年9月27日" not in paragraphs
    assert paragraphs[-1].startswith("本机关将在")  # the body's last paragraph is kept


@pytest.fixture
def no_lookups_yet():
    cache.clear()
    yield
    cache.clear()


def lookup(client, number, digits, address="10.9.0.1"):
    return client.post(reverse("approvals:public_status"), {"number": number, "phone_last4": digits},
                       REMOTE_ADDR=address)


def test_the_status_page_answers_ten_lookups_of_a_client_and_refuses_the_eleventh(client, case, no_lookups_yet):
    for _ in range(10):
        assert lookup(client, case.number, "1234").status_code == 200
    assert lookup(client, case.number, "1234").status_code == 429


def test_five_wrong_answers_lock_a_case_number(client, case, no_lookups_yet):
    for i in range(5):
        lookup(client, case.number, f"{i:04d}", address=f"10.8.0.{i}")
    response = lookup(client, case.number, "1234", address="10.8.1.1")
    assert response.status_code == 429 and response.context["result"] is None


def test_a_locked_number_tells_when_its_lock_ends(client, case, no_lookups_yet, monkeypatch):
    first_failure = dt.datetime(2024, 10, 14, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: first_failure)
    for i in range(5):
        lookup(client, case.number, f"{i:04d}", address=f"10.8.0.{i}")
    monkeypatch.setattr("django.utils.timezone.now", lambda: first_failure + dt.timedelta(hours=2))
    response = lookup(client, case.number, "1234", address="10.8.1.1")
    assert response.context["error"] == ("该案件编号的查询错误次数过多，已暂停查询，请于10月15日 10:00后再试。"
                                         "如有急事，请联系受理窗口。")


def test_the_status_page_gives_a_registered_case_its_public_wording(client, case, no_lookups_yet):
    result = lookup(client, case.number, "1234").context["result"]
    assert result["state"] == "已收件，待受理"  # not the clerks' label "已提交"
