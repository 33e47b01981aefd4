"""A clerk of 平度市 works a case from the home page to the licence, then registers one on a phone."""
import re

import pytest
from django.utils import timezone

from approvals.models import ApprovalCase, CaseNotice
from policyops.roles import Role
from tests.approvals.factories import (
    DelegatedPowerFactory,
    entrustment_in_force,
    pingdu,
    register_case,
)
from tests.conftest import make_user
from tests.factories import DistrictFactory, PersonFactory

MISSING = "营业执照副本"


def clerk_with_power():
    """A 平度市 clerk and a power whose entrustment is in force (signed, filed, sealed)."""
    power = DelegatedPowerFactory()
    entrustment_in_force([power], supervisor=make_user(Role.SUPERVISOR))
    return make_user(Role.CLERK, district=pingdu()), power


def message(person) -> str:
    return person.page.locator("ul.messages").inner_text()


def state_on_page(person) -> str:
    return person.page.locator("h1.case-title .state").inner_text().strip()


def take_step(person, label: str):
    """From the case page: open the step's own page by its button (the page's submit button bears the same label)."""
    with person.page.expect_navigation():
        person.page.locator(".case-actions a.button", has_text=re.compile(f"^{label}$")).click()
    assert label in person.page.locator("h1").inner_text()


def notice_numbers(person) -> dict[str, str]:
    """Each notice listed on the case page: kind → number."""
    rows = person.page.locator("tr", has=person.page.locator("a", has_text="打印"))
    return {r.locator("td").nth(0).inner_text().strip(): r.locator("td").nth(1).inner_text().strip()
            for r in rows.all()}


def test_a_clerk_claims_a_case_and_works_it_to_the_licence_and_its_printed_decision(visitor):
    clerk, power = clerk_with_power()
    today = timezone.localdate()
    case = register_case(power, clerk=clerk, received_on=today, materials=(("申请书", True), (MISSING, False)))
    assert case.handler_id is None
    person = visitor("clerk")
    person.log_in_as(clerk)

    # Home page: the case waits in 科室待办; the clerk claims it there.
    person.go("/")
    team = person.page.locator("#panel-approvals-district")
    assert "科室待办" in team.locator("h2").inner_text()
    row = team.locator("li.case-row", has_text=case.number)
    with person.page.expect_navigation():
        row.locator("button", has_text="认领").click()
    assert person.page.url == person.url("/")
    assert f"您已认领{case.number}" in message(person)
    assert person.page.locator("#panel-approvals-district", has_text=case.number).count() == 0
    mine = person.page.locator("#panel-approvals-mine")
    assert case.number in mine.inner_text()
    assert ApprovalCase.objects.get(pk=case.pk).handler.user == clerk

    # The case page, from 我的待办.
    with person.page.expect_navigation():
        mine.locator("a", has_text=case.number).click()
    assert person.page.url == person.url(f"/approvals/cases/{case.pk}/")
    assert state_on_page(person) == "已提交"
    assert clerk.person.name in person.page.locator("dl.facts").first.inner_text()

    # Correction: the missing material is ticked; the notice lists it.
    take_step(person, "通知补正")
    person.page.locator("input[name=missing]").evaluate_all("boxes => boxes.forEach(b => b.checked = false)")
    person.page.check(f"input[name=missing][value='{MISSING}']")
    person.submit("通知补正")
    assert "已“通知补正”，当前状态为“待补正”" in message(person)
    assert state_on_page(person) == "待补正"
    assert "补正材料通知书" in notice_numbers(person)
    assert MISSING in CaseNotice.objects.get(case=case, kind=CaseNotice.Kind.CORRECTION).body

    # The applicant brings it: recorded as provided.
    take_step(person, "登记补正材料")
    assert person.page.is_checked(f"input[name=provided][value='{MISSING}']")
    person.submit("登记补正材料")
    assert "当前状态为“已补正”" in message(person)
    materials = person.page.locator("section.case-box", has=person.page.locator("h2", has_text="材料"))
    assert "缺" not in materials.locator("tbody").inner_text()

    take_step(person, "受理")
    person.submit("受理")
    assert "当前状态为“已受理”" in message(person)
    assert "受理通知书" in notice_numbers(person)

    take_step(person, "开始审查")
    person.submit("开始审查")
    assert state_on_page(person) == "审查中"

    # Art. 45: an expert review stops the clock, then it runs again.
    take_step(person, "中止计时")
    person.page.select_option("select[name=ground]", "expert_review")
    person.page.fill("input[name=expected_days]", "5")
    person.page.fill("input[name=note]", "组织专家现场评审")
    person.submit("中止计时")
    assert "当前状态为“中止计时”" in message(person)
    pauses = person.page.locator("table", has_text="组织专家现场评审")
    assert "专家评审" in pauses.inner_text()
    assert "特别程序告知书" in notice_numbers(person)

    take_step(person, "恢复计时")
    person.submit("恢复计时")
    assert state_on_page(person) == "审查中"
    assert today.isoformat() in pauses.locator("tbody td").nth(1).inner_text()  # resumed on

    take_step(person, "准予许可")
    person.page.fill("textarea[name=reason]", "申请材料齐全，符合法定条件。")
    person.submit("准予许可")
    assert state_on_page(person) == "准予许可"
    decision_number = notice_numbers(person)["准予行政许可决定书"]

    licence = f"平许字〔{today.year}〕第0001号"
    take_step(person, "颁发许可证件")
    person.page.fill("input[name=licence_number]", licence)
    person.submit("颁发许可证件")
    assert "当前状态为“已办结”" in message(person)
    assert state_on_page(person) == "已办结"
    assert licence in person.page.locator("dl.facts").nth(1).inner_text()
    assert "您目前不能对该案件进行任何操作" in person.page.locator(".case-actions").inner_text()
    person.assert_healthy()

    # The printed decision notice opens in its own tab.
    decision_row = person.page.locator("tr", has_text=decision_number)
    with person.context.expect_page() as opened:
        decision_row.locator("a", has_text="打印").click()
    notice = opened.value
    notice.on("response", person._watch)
    notice.wait_for_load_state()
    assert notice.locator("h1").inner_text().replace(" ", "") == "准予行政许可决定书"
    assert decision_number in notice.locator(".number").inner_text()
    assert "平度市行政审批机关" in notice.locator(".authority").inner_text()
    assert "行政审批专用章" in notice.locator(".sign").inner_text()
    back = notice.locator(".tools a", has_text="返回办件")  # to the case page, not the admin's
    assert back.get_attribute("href") == f"/approvals/cases/{case.pk}/"
    person.page = notice
    person.shot("last")
    person.assert_healthy()

    case.refresh_from_db()
    assert (case.state, case.licence_number) == (ApprovalCase.State.CLOSED, licence)
    assert case.suspensions.get().end == today
    assert not case.materials.filter(provided=False).exists()
    assert set(case.notices.values_list("kind", flat=True)) == {
        CaseNotice.Kind.CORRECTION, CaseNotice.Kind.ACCEPTANCE, CaseNotice.Kind.SUSPENSION, CaseNotice.Kind.APPROVAL}


def test_a_clerk_registers_an_application_on_a_phone_and_lands_on_its_page(visitor):
    clerk, power = clerk_with_power()
    power.checklist.create(name="申请书", order=1)
    power.checklist.create(name=MISSING, order=2)
    person = visitor("clerk", phone=True)
    person.log_in_as(clerk)

    person.go("/approvals/cases/new/")
    assert person.sideways_overflow() <= 0
    person.page.select_option("select[name=power]", str(power.pk))
    person.submit()  # the chooser's one button
    assert person.sideways_overflow() <= 0
    person.page.fill("input[name=applicant_name]", "平度市云山食品有限公司")
    person.page.select_option("select[name=applicant_type]", ApprovalCase.ApplicantType.ORGANISATION)
    person.page.fill("input[name=applicant_phone]", "0532-87365678")
    person.page.check("input[name=checklist] >> nth=0")
    person.submit("登记")

    case = ApprovalCase.objects.get(applicant_name="平度市云山食品有限公司")
    assert person.page.url == person.url(f"/approvals/cases/{case.pk}/")
    assert f"案件{case.number}已登记" in message(person)
    assert state_on_page(person) == "已提交"
    assert person.sideways_overflow() <= 0
    person.shot("last")
    person.assert_healthy()
    assert case.received_on == timezone.localdate()
    assert case.district == pingdu() and case.first_contact == clerk.person
    assert list(case.materials.order_by("id").values_list("name", "provided")) == [("申请书", True), (MISSING, False)]


def test_a_clerk_finds_a_colleague_as_the_first_contact_by_typing_part_of_the_name(visitor):
    """The first-contact select draws only the clerk; the search box finds the rest (issue 12)."""
    clerk, power = clerk_with_power()
    power.checklist.create(name="申请书", order=1)
    colleague = PersonFactory(name="王晓明", district=pingdu())
    PersonFactory(name="外区王晓明", district=DistrictFactory())  # another district's: never offered
    person = visitor("clerk", phone=True)
    person.log_in_as(clerk)

    person.go(f"/approvals/cases/new/?power={power.pk}")
    first_contact = person.page.locator("select[name=first_contact]")
    assert first_contact.locator("option").count() == 2  # the blank and the clerk
    person.page.fill("input.select-search", "晓明")
    person.page.locator(".select-search-status", has_text="找到").wait_for()  # the answer has come
    assert person.page.locator(".select-search-status").inner_text() == "找到 1 人。"
    assert first_contact.input_value() == str(colleague.pk)
    assert person.sideways_overflow() <= 0
    person.page.fill("input[name=applicant_name]", "平度市云山食品有限公司")
    person.page.fill("input[name=applicant_phone]", "0532-87365678")
    person.page.check("input[name=checklist] >> nth=0")
    person.submit("登记")

    case = ApprovalCase.objects.get(applicant_name="平度市云山食品有限公司")
    assert person.page.url == person.url(f"/approvals/cases/{case.pk}/")
    assert case.first_contact == colleague
    person.shot("last")
    person.assert_healthy()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_without_javascript_the_first_contacts_search_is_a_button_of_the_form(visitor, phone):
    """Scripts off: the search box and its button post the form, which comes back as filled in
    with the colleagues found offered (policyops.forms.NoScriptSearchFormMixin)."""
    clerk, power = clerk_with_power()
    power.checklist.create(name="申请书", order=1)
    colleague = PersonFactory(name="王晓明", district=pingdu())
    PersonFactory(name="外区王晓明", district=DistrictFactory())  # another district's: never offered
    person = visitor("clerk", phone=phone, javascript=False)
    person.log_in_as(clerk)

    person.go(f"/approvals/cases/new/?power={power.pk}")
    person.page.fill("input[name=applicant_name]", "平度市云山食品有限公司")
    person.page.fill("input[name=applicant_phone]", "0532-87365678")
    person.page.check("input[name=checklist] >> nth=0")
    person.page.fill("input[name=first_contact__q]", "晓明")
    person.submit("搜索")

    assert ApprovalCase.objects.count() == 0  # a search, not a registration
    assert person.page.locator(".select-search-status").inner_text() == "找到 1 人。"
    assert person.page.locator("select[name=first_contact]").input_value() == str(colleague.pk)
    assert person.page.input_value("input[name=applicant_name]") == "平度市云山食品有限公司"  # kept as typed
    assert person.page.locator(".errorlist").count() == 0
    assert person.sideways_overflow() <= 0
    person.shot("searched")
    person.submit("登记")

    case = ApprovalCase.objects.get(applicant_name="平度市云山食品有限公司")
    assert case.first_contact == colleague
    assert list(case.materials.values_list("name", "provided")) == [("申请书", True)]
