"""Names pasted with invisible characters are saved and searched as they look, at every door:
the front form, the admin, the list's search and the API (policyops.plain_text)."""
import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from approvals.models import ApprovalCase
from tests.admin_pages import posted_as_shown
from tests.approvals.factories import pingdu_hall, register_case
from tests.conftest import freeze_localdate

pytestmark = pytest.mark.django_db
D = dt.date
PASTED = "青岛\u200b测试\u202e有限\ufeff公司"
PLAIN = "青岛测试有限公司"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    freeze_localdate(monkeypatch, D(2024, 9, 27))


def test_the_front_registration_saves_the_name_as_it_looks(client, power, entrustment, clerk):
    client.force_login(clerk)
    response = client.post(f"{reverse('approvals:case_register')}?power={power.pk}", {
        "power": power.pk, "applicant_name": PASTED, "applicant_type": "organisation",
        "applicant_phone": "0532-88881234", "inside_pingdu": "on", "received_hall": pingdu_hall().pk,
        "first_contact": clerk.person.pk, "received_on": "2024-09-27", "materials_provided": "申请书\u200b"})
    assert response.status_code == 302
    case = ApprovalCase.objects.get()
    assert case.applicant_name == PLAIN and list(case.materials.values_list("name", flat=True)) == ["申请书"]


def test_a_search_pasted_with_a_zero_width_space_finds_the_case(client, power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    client.force_login(clerk)
    response = client.get(reverse("approvals:case_list"), {"q": case.number[:4] + "\u200b" + case.number[4:]})
    assert [row["case"].pk for row in response.context["rows"]] == [case.pk]


def test_the_admin_saves_a_powers_remark_as_it_looks(client, power, supervisor):
    client.force_login(supervisor)
    url = reverse("admin:approvals_delegatedpower_change", args=[power.pk])
    response = client.post(url, posted_as_shown(client.get(url)) | {"remark": "见\u200b附件\u202e"})
    assert response.status_code == 302
    power.refresh_from_db()
    assert power.remark == "见附件"


def test_the_api_saves_the_name_as_it_looks(power, entrustment, clerk):
    api = APIClient()
    api.force_authenticate(clerk)
    response = api.post("/api/approvals/cases/", {
        "power": power.number, "applicant_name": PASTED, "applicant_type": "organisation",
        "applicant_phone": "0532-88881234", "received_hall": pingdu_hall().pk,
        "materials": [{"name": "\ufeff申请书", "provided": True}]}, format="json")
    assert response.status_code == 201, response.json()
    case = ApprovalCase.objects.get()
    assert case.applicant_name == PLAIN and list(case.materials.values_list("name", flat=True)) == ["申请书"]


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_the_browsable_apis_form_saves_the_reason_as_it_looks(client, power, entrustment, clerk, encoding):
    # The HTML form tab posts multipart; a script may post urlencoded: both past the JSON parser.
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    client.force_login(clerk)
    body = {"reason": "不属于\u200b本机关\u202e职权", "refer_to": "\ufeff青岛市行政审批服务局"}
    path = f"/api/approvals/cases/{case.number}/refuse/"
    if encoding == "multipart":
        response = client.post(path, body)
    else:
        response = client.post(path, urlencode(body), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert (case.refusal_reason, case.refer_to) == ("不属于本机关职权", "青岛市行政审批服务局")
