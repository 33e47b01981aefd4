"""Issue 11: registering an application on the front page (checklist, scope, preselection)."""
import datetime as dt

import pytest
from django.urls import reverse

from approvals.models import ApprovalCase, PowerMaterial
from tests.approvals.factories import DelegatedPowerFactory, pingdu_hall
from tests.conftest import freeze_localdate

pytestmark = pytest.mark.django_db
D = dt.date
URL = reverse("approvals:case_register")


@pytest.fixture(autouse=True)
def today(monkeypatch):
    freeze_localdate(monkeypatch, D(2024, 9, 27))


@pytest.fixture
def checklist(power):
    return [PowerMaterial.objects.create(power=power, name=name, order=i) for i, name in
            enumerate(["申请书", "身份证明", "场地证明"])]


def page(power):
    return f"{URL}?power={power.pk}"


def posted(clerk, power, **changes):
    data = {"power": power.pk, "applicant_name": "青岛测试有限公司", "applicant_type": "organisation",
            "applicant_phone": "0532-88881234", "inside_pingdu": "on", "received_hall": pingdu_hall().pk,
            "first_contact": clerk.person.pk, "received_on": "2024-09-27"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_first_step_asks_for_the_power(client, clerk):
    client.force_login(clerk)
    response = client.get(URL)
    assert response.status_code == 200 and response.context["form"] is None
    assert 'name="power"' in response.content.decode()
    assert client.get(URL + "?power=999999").context["chooser"].errors


def test_the_page_needs_the_right_to_process(client, head):
    client.force_login(head)
    assert client.get(URL).status_code == 403


def test_the_form_preselects_the_only_hall_and_the_clerk(client, power, clerk):
    client.force_login(clerk)
    form = client.get(page(power)).context["form"]
    assert form.fields["received_hall"].initial == pingdu_hall().pk
    assert form.fields["first_contact"].initial == clerk.person.pk
    assert form["received_on"].field.widget.input_type == "date"


def test_checklist_ticked_items_are_provided_the_rest_missing(client, power, entrustment, clerk, checklist):
    client.force_login(clerk)
    response = client.post(page(power), posted(clerk, power, checklist=[str(checklist[0].pk), str(checklist[2].pk)],
                                               materials_provided="补充说明", materials_missing="委托书"))
    case = ApprovalCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("approvals:case_detail", args=[case.pk])
    assert list(case.materials.values_list("name", "provided")) == [
        ("申请书", True), ("身份证明", False), ("场地证明", True), ("补充说明", True), ("委托书", False)]


def test_without_a_checklist_a_material_line_is_required(client, power, entrustment, clerk):
    client.force_login(clerk)
    response = client.post(page(power), posted(clerk, power))
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    assert not ApprovalCase.objects.exists()


def test_a_checklist_item_of_another_power_is_refused(client, power, entrustment, clerk, checklist):
    other = PowerMaterial.objects.create(power=DelegatedPowerFactory(), name="别的材料")
    client.force_login(clerk)
    response = client.post(page(power), posted(clerk, power, checklist=[str(other.pk)]))
    assert response.status_code == 400 and "checklist" in response.context["form"].errors
    assert not ApprovalCase.objects.exists()


def test_a_material_listed_twice_is_refused(client, power, entrustment, clerk, checklist):
    client.force_login(clerk)
    response = client.post(page(power), posted(clerk, power, materials_provided="申请书"))
    assert response.status_code == 400 and "materials_provided" in response.context["form"].errors
    assert not ApprovalCase.objects.exists()


def test_a_service_refusal_shows_on_its_field(client, power, entrustment, clerk):
    client.force_login(clerk)
    response = client.post(page(power), posted(clerk, power, applicant_phone="12-34", materials_provided="申请书"))
    assert response.status_code == 400 and "applicant_phone" in response.context["form"].errors
    assert not ApprovalCase.objects.exists()


def test_a_future_receipt_date_is_refused(client, power, entrustment, clerk):
    client.force_login(clerk)
    response = client.post(page(power), posted(clerk, power, received_on="2024-10-01", materials_provided="申请书"))
    assert "received_on" in response.context["form"].errors and not ApprovalCase.objects.exists()


@pytest.fixture
def school_power(entrustment):
    return DelegatedPowerFactory(remark="限于民办普通高中、中职学校")


def test_only_the_facts_of_the_powers_scope_rule_are_asked(client, power, school_power, clerk):
    client.force_login(clerk)
    assert "school_type" not in client.get(page(power)).context["form"].fields
    fields = client.get(page(school_power)).context["form"].fields
    assert "school_type" in fields and "hospital_grade" not in fields


def test_a_missing_scope_fact_is_the_fields_error(client, school_power, clerk):
    client.force_login(clerk)
    response = client.post(page(school_power), posted(clerk, school_power, materials_provided="申请书"))
    assert response.status_code == 400 and "school_type" in response.context["form"].errors
    assert not ApprovalCase.objects.exists()


def test_outside_the_scope_is_registered_only_when_confirmed(client, school_power, clerk):
    client.force_login(clerk)
    data = posted(clerk, school_power, school_type="other", materials_provided="申请书")
    response = client.post(page(school_power), data)
    form = response.context["form"]
    assert response.status_code == 400 and form.scope_problems and form.non_field_errors()
    assert 'type="checkbox" name="confirm_out_of_scope"' in response.content.decode()
    assert not ApprovalCase.objects.exists()
    client.post(page(school_power), {**data, "confirm_out_of_scope": "on"})
    assert ApprovalCase.objects.get().school_type == "other"


def test_supervisors_edit_a_powers_checklist_in_the_admin(client, power, supervisor):
    client.force_login(supervisor)
    url = reverse("admin:approvals_delegatedpower_change", args=[power.pk])
    html = client.get(url).content.decode()
    assert 'name="checklist-0-name"' in html
    data = {"number": power.number, "agency": power.agency_id, "name": power.name, "item": power.item,
            "sub_item": power.sub_item, "remark": "", "legal_limit_days": 20, "promised_limit_days": "",
            "checklist-TOTAL_FORMS": 1, "checklist-INITIAL_FORMS": 0, "checklist-MIN_NUM_FORMS": 0,
            "checklist-MAX_NUM_FORMS": 1000, "checklist-0-order": 1, "checklist-0-name": "申请书",
            "checklist-0-power": power.pk}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(power.checklist.values_list("name", flat=True)) == ["申请书"]
