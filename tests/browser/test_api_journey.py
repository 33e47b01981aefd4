"""A developer of the district works the API in the browser: registers a case from the Raw data
tab, refuses it from the step's HTML form, opens the case's menu of steps — under the CSP."""
import json

import pytest

from approvals.models import ApprovalCase
from tests.approvals.factories import pingdu_hall
from tests.browser.test_clerk_journey import clerk_with_power


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_a_clerk_registers_and_refuses_a_case_in_the_browsable_api(visitor, phone):
    clerk, power = clerk_with_power()
    person = visitor("clerk", phone=phone)
    person.log_in_as(clerk)
    page = person.page

    person.go("/api/approvals/cases/")
    page.locator("a[href='#post-generic-content-form']").click()
    content = page.locator("#post-generic-content-form textarea[name=_content]")
    body = json.loads(content.input_value())  # the registration's shape, its defaults filled in
    assert body["inside_pingdu"] is True and body["materials"] == []
    body.update(power=power.number, applicant_name="浏览器测试企业", applicant_type="organisation",
                applicant_phone="13912345678", received_hall=pingdu_hall().pk,
                materials=[{"name": "申请书", "provided": True}])
    content.fill(json.dumps(body, ensure_ascii=False))
    with page.expect_navigation():
        page.locator("#post-generic-content-form .form-actions button").click()
    assert "201 Created" in page.locator(".response-info").inner_text()
    case = ApprovalCase.objects.get(applicant_name="浏览器测试企业")

    person.go(f"/api/approvals/cases/{case.number}/refuse/", expect_status=405)  # a step answers POST only
    page.locator("a[href='#post-object-form']").click()
    form = page.locator("#post-object-form form")
    form.locator("[name=reason]").fill("申请事项依法不属于本行政机关职权范围")
    form.locator("[name=refer_to]").fill("青岛市自然资源和规划局")
    person.shot("refuse-form")
    with page.expect_navigation():
        form.locator(".form-actions button").click()
    assert "200 OK" in page.locator(".response-info").inner_text()
    case.refresh_from_db()
    assert case.state == ApprovalCase.State.REFUSED and case.refer_to == "青岛市自然资源和规划局"

    person.go(f"/api/approvals/cases/{case.number}/")
    page.locator("#extra-actions-menu").click()  # the case's steps, a menu drawn under the CSP
    menu = page.locator(".api-other-endpoints .dropdown-menu")
    # Each step by its label, as the case page's buttons name it (policyops.api.view_name).
    assert menu.is_visible() and menu.get_by_role("link", name="不予受理", exact=True).count() == 1
    assert person.sideways_overflow() <= 0
    person.shot("case-menu")
    person.assert_healthy()
