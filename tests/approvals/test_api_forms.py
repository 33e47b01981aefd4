"""The browsable API's forms are drawn from the body each POST reads (DRF's "HTML form" tab):
the case list's registration, each step's own input (policyops.api.workflow_endpoints)."""
import json
import re
from html import unescape

import pytest
from django.utils import timezone

from tests.approvals.factories import pingdu_hall, register_case

pytestmark = pytest.mark.django_db


def post_form_inputs(client, path) -> set[str]:
    """The names of the fields of the page's HTML form for POST (DRF's "HTML form" tab)."""
    html = client.get(path, HTTP_ACCEPT="text/html").content.decode()
    form = re.search(r'<form action="[^"]*" method="POST" enctype="multipart/form-data".*?</form>', html, re.S)
    assert form is not None, "the page draws no HTML form for POST"
    return set(re.findall(r'name="([a-z_]+)"', form.group(0))) - {"csrfmiddlewaretoken"}


def test_the_case_list_draws_the_registration_form(client, clerk):
    client.force_login(clerk)
    assert {"power", "applicant_name", "applicant_phone", "received_hall"} <= post_form_inputs(
        client, "/api/approvals/cases/")


def test_a_step_draws_the_form_of_its_own_body(client, clerk, power, entrustment):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    assert post_form_inputs(client, f"/api/approvals/cases/{case.number}/refuse/") == {"reason", "refer_to"}


def test_a_step_without_a_body_draws_a_form_of_its_button_only(client, clerk, power, entrustment):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    assert post_form_inputs(client, f"/api/approvals/cases/{case.number}/accept/") == set()


def test_assigning_draws_the_form_of_the_handler(client, head, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(head)
    assert post_form_inputs(client, f"/api/approvals/cases/{case.number}/assign/") == {"handler"}


def raw_data_template(client, path) -> dict:
    """The body DRF's "Raw data" tab starts from, as JSON."""
    html = client.get(path, HTTP_ACCEPT="text/html").content.decode()
    form = re.search(r'id="post-generic-content-form".*?<textarea[^>]*>(.*?)</textarea>', html, re.S)
    return json.loads(unescape(form.group(1)))


def test_the_registration_template_holds_the_defaults_and_registers_once_filled(client, clerk, power, entrustment):
    client.force_login(clerk)
    template = raw_data_template(client, "/api/approvals/cases/")
    assert template["inside_pingdu"] is True and template["cross_regional"] is False
    assert template["received_on"] is None and template["school_type"] == "" and template["hospital_grade"] == ""
    filled = {**template, "power": power.number, "applicant_name": "青岛测试有限公司", "applicant_type": "organisation",
              "applicant_phone": "0532-88881234", "received_hall": pingdu_hall().pk,
              "materials": [{"name": "申请书", "provided": True}]}
    response = client.post("/api/approvals/cases/", filled, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["received_on"] == str(timezone.localdate())


@pytest.mark.parametrize("page", ["list", "case"])
def test_the_pages_carry_no_inline_style_for_the_csp_to_block(client, clerk, power, entrustment, page):
    # The list's form holds the materials (a list field); the case's page its menu of steps.
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    path = "/api/approvals/cases/" + (f"{case.number}/" if page == "case" else "")
    html = client.get(path, HTTP_ACCEPT="text/html").content.decode()
    assert "Materials" in html or "materials" in html
    assert " style=" not in html and "<style" not in html
    if page == "case":
        assert 'class="dropdown api-other-endpoints"' in html


def test_after_a_registration_the_form_is_the_registrations_again_not_the_answers(client, clerk, power,
                                                                                entrustment):
    client.force_login(clerk)
    body = {**raw_data_template(client, "/api/approvals/cases/"), "power": power.number,
            "applicant_name": "青岛测试有限公司", "applicant_type": "organisation", "applicant_phone": "0532-88881234",
            "received_hall": pingdu_hall().pk, "materials": [{"name": "申请书", "provided": True}]}
    page = client.post("/api/approvals/cases/", body, content_type="application/json", HTTP_ACCEPT="text/html")
    assert page.status_code == 201
    html = page.content.decode()
    form = re.search(r'<form action="[^"]*" method="POST" enctype="multipart/form-data".*?</form>', html, re.S)
    assert {"power", "applicant_name", "received_hall"} <= set(re.findall(r'name="([a-z_]+)"', form.group(0)))
    raw = re.search(r'id="post-generic-content-form".*?<textarea[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "inside_pingdu" in unescape(raw) and "state_display" not in unescape(raw)
