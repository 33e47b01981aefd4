"""policyops.admin_base.UniqueRowsInlineFormSet: an inline's rows that would meet a unique constraint
as Django saves them one at a time are the form's error, not the database's (a 500)."""
import pytest
from django.forms.models import inlineformset_factory
from django.urls import reverse

from approvals.admin.powers import PowerMaterialFormSet
from approvals.models import DelegatedPower, PowerMaterial
from policyops.models import Indicator
from tests.admin_pages import posted_as_shown
from tests.approvals.factories import DelegatedPowerFactory
from tests.factories import DistrictFactory, IndicatorFactory, PolicyDocumentFactory

pytestmark = pytest.mark.django_db
SAME = "另一行已有相同的值。"
TRADED = "此行取用了同一次保存中另一行让出的值：请将两处修改分两次保存。"

MaterialFormSet = inlineformset_factory(DelegatedPower, PowerMaterial, formset=PowerMaterialFormSet,
                                        fields=("order", "name"), extra=1, can_delete=True)


def checklist(power, rows, *, new=()):
    """The bound formset: ``rows`` (pk, name, delete) for the saved materials, ``new`` names added."""
    data = {"checklist-TOTAL_FORMS": str(len(rows) + len(new)), "checklist-INITIAL_FORMS": str(len(rows)),
            "checklist-MIN_NUM_FORMS": "0", "checklist-MAX_NUM_FORMS": "1000"}
    for i, (pk, name, delete) in enumerate(rows):
        data |= {f"checklist-{i}-id": str(pk), f"checklist-{i}-power": str(power.pk), f"checklist-{i}-name": name,
                 f"checklist-{i}-order": "0", **({f"checklist-{i}-DELETE": "on"} if delete else {})}
    for j, name in enumerate(new, start=len(rows)):
        data |= {f"checklist-{j}-power": str(power.pk), f"checklist-{j}-name": name, f"checklist-{j}-order": "0"}
    return MaterialFormSet(data, instance=power, prefix="checklist")


@pytest.fixture
def materials():
    power = DelegatedPowerFactory()
    return power, PowerMaterial.objects.create(power=power, name="申请书"), PowerMaterial.objects.create(
        power=power, name="营业执照")


def errors_of(formset):
    return [str(e) for form in formset.forms for e in form.non_field_errors()]


def test_two_rows_trading_names_are_told_to_save_one_change_at_a_time(materials):
    power, first, second = materials
    formset = checklist(power, [(first.pk, "营业执照", False), (second.pk, "申请书", False)])
    assert not formset.is_valid() and errors_of(formset) == [TRADED]


def test_a_new_row_with_a_saved_rows_name_is_refused(materials):
    # Django's own check answers this one (the two rows' new values are compared with each other).
    power, first, second = materials
    formset = checklist(power, [(first.pk, "申请书", False), (second.pk, "营业执照", False)], new=["申请书"])
    assert not formset.is_valid() and formset.non_form_errors()


def test_the_duplicate_rows_error_names_the_column_as_the_page_heads_it(materials):
    power, first, second = materials
    formset = checklist(power, [(first.pk, "申请书", False), (second.pk, "营业执照", False)], new=["营业执照"])
    assert not formset.is_valid() and formset.non_form_errors() == ["请修改申请材料的重复数据"]


def test_a_name_freed_by_a_row_deleted_or_renamed_before_it_may_be_taken(materials):
    power, first, second = materials
    formset = checklist(power, [(first.pk, "申请书", True), (second.pk, "营业执照", False)], new=["申请书"])
    assert formset.is_valid(), errors_of(formset)
    formset.save()
    readded = PowerMaterial.objects.get(name="申请书")
    renamed = checklist(power, [(second.pk, "身份证", False), (readded.pk, "营业执照", False)])
    assert renamed.is_valid(), errors_of(renamed)
    renamed.save()
    assert sorted(PowerMaterial.objects.filter(power=power).values_list("name", flat=True)) == ["营业执照", "身份证"]


def test_a_duplicate_city_wide_indicator_added_on_the_documents_page_is_the_rows_error(client, supervisor):
    document = PolicyDocumentFactory()
    saved = IndicatorFactory(document=document, name="农村公路优良中等路比例", target_year=2020)
    IndicatorFactory(document=document, name=saved.name, target_year=2020, district=DistrictFactory())
    client.force_login(supervisor)
    url = reverse("admin:policyops_policydocument_change", args=[document.pk])
    data = posted_as_shown(client.get(url))
    i = int(data["indicators-TOTAL_FORMS"])
    columns = ("name", "unit", "baseline_year", "baseline_value", "target_year", "comparator", "target_value",
               "attribute")
    data |= {"indicators-TOTAL_FORMS": str(i + 1),
             **{f"indicators-{i}-{name}": data[f"indicators-0-{name}"] for name in columns}}
    data[f"indicators-{i}-document"] = str(document.pk)
    response = client.post(url, data)
    assert response.status_code == 200 and Indicator.objects.filter(document=document).count() == 2
    assert SAME in response.content.decode()


def test_a_new_document_is_added_with_its_indicators(client, supervisor):
    # The check read the parent's saved rows by filtering on the unsaved document: a 500 on
    # every 添加 of a policy document (and of a delegated power, whose materials it checks).
    client.force_login(supervisor)
    url = reverse("admin:policyops_policydocument_add")
    data = posted_as_shown(client.get(url)) | {"title": "青岛市农村公路演示文件", "number": "青演〔2026〕1号"}
    data |= {"indicators-TOTAL_FORMS": "1", "indicators-0-name": "农村公路优良中等路比例", "indicators-0-unit": "%",
             "indicators-0-target_year": "2020", "indicators-0-comparator": ">=", "indicators-0-target_value": "75",
             "indicators-0-attribute": "预期性"}
    response = client.post(url, data)
    assert response.status_code == 302, [f.errors for f in response.context["inline_admin_formsets"][0].formset]
    assert Indicator.objects.get(document__title="青岛市农村公路演示文件").target_value == 75


def test_a_new_powers_materials_are_checked_among_themselves():
    power = DelegatedPower(name="演示许可")
    formset = MaterialFormSet({"checklist-TOTAL_FORMS": "2", "checklist-INITIAL_FORMS": "0",
                               "checklist-0-name": "申请书", "checklist-0-order": "0",
                               "checklist-1-name": "营业执照", "checklist-1-order": "1"}, instance=power,
                              prefix="checklist")
    assert formset.is_valid(), errors_of(formset)
