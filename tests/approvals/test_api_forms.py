"""The browsable API's forms are drawn from the body each POST reads (DRF's "HTML form" tab):
the case list's registration, each step's own input (policyops.api.workflow_endpoints)."""
import re

import pytest

from tests.approvals.factories import register_case

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
