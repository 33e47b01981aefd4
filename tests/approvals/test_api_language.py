"""The browsable API speaks the user's language: its forms' labels and help texts, its pages'
titles and descriptions (policyops.api.LabelledFieldsMixin, view_name, view_description), and
so does the OpenAPI schema behind /api/docs/ (policyops.api.AutoSchema)."""
import re
from html import unescape

import pytest
from django import forms
from django.utils.text import capfirst
from rest_framework import serializers

from approvals.actions import CASE_ACTIONS
from approvals.models import ApprovalCase
from policyops.api import ModelSerializer, Serializer
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
CASES = "/api/approvals/cases/"


def page(client, path) -> str:
    return client.get(path, HTTP_ACCEPT="text/html").content.decode()


def post_form(html) -> str:
    form = re.search(r'<form action="[^"]*" method="POST" enctype="multipart/form-data".*?</form>', html, re.S)
    assert form is not None, "the page draws no HTML form for POST"
    return form.group(0)


def labels(form_html) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", text)).strip()
            for text in re.findall(r'<label[^>]*class="[^"]*control-label[^"]*"[^>]*>(.*?)</label>', form_html, re.S)]


def help_texts(form_html) -> list[str]:
    return [unescape(text).strip() for text in re.findall(r'<span class="help-block">(.*?)</span>', form_html, re.S)]


def title(html) -> str:
    return unescape(re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)).strip()


def test_every_label_of_the_registration_form_is_chinese(client, clerk):
    client.force_login(clerk)
    found = labels(post_form(page(client, CASES)))
    assert "联系电话" in found  # the registration page's label (CaseRegisterForm), not "Applicant phone"
    assert [label for label in found if not CJK.search(label)] == []


def test_the_registration_forms_help_texts_are_chinese(client, clerk):
    client.force_login(clerk)
    found = help_texts(post_form(page(client, CASES)))
    assert "委托事项的序号（1–49）。" in found
    assert [text for text in found if not CJK.search(text)] == []


@pytest.mark.parametrize("step", [a.name for a in CASE_ACTIONS if a.serializer is not None])
def test_every_steps_form_is_labelled_in_chinese(client, clerk, power, entrustment, step):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    html = page(client, f"{CASES}{case.number}/{step}/")
    found = labels(post_form(html))
    assert found and [label for label in found if not CJK.search(label)] == []


def test_a_steps_page_is_titled_by_its_label_without_the_lists_description(client, clerk, power, entrustment):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    html = page(client, f"{CASES}{case.number}/refuse/")
    assert title(html) == "不予受理"
    assert "最紧急的在前" not in html


def test_the_menu_of_a_cases_other_endpoints_names_each_step_by_its_label(client, clerk, power, entrustment):
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    menu = re.search(r'<ul class="dropdown-menu" aria-labelledby="extra-actions-menu">(.*?)</ul>',
                     page(client, f"{CASES}{case.number}/"), re.S).group(1)
    names = [unescape(n).strip() for n in re.findall(r"<a [^>]*>(.*?)</a>", menu)]
    assert {"不予受理", "指定或变更承办人", "受理"} <= set(names)
    assert [name for name in names if not CJK.search(name)] == []


def test_the_case_lists_page_is_titled_and_described_in_chinese_not_by_its_docstring(client, clerk):
    client.force_login(clerk)
    html = page(client, CASES)
    assert title(html) == "审批办件：列表"
    assert "最紧急的在前" in html
    assert "Approval cases of the user's district" not in html


@pytest.mark.parametrize("path", ["/api/approvals/powers/", "/api/roads/subsidy-quote/", "/api/roads/projects/",
                                  "/api/roads/progress/", "/api/policy-tasks/"])
def test_every_api_page_is_titled_in_chinese(client, supervisor, path):
    client.force_login(supervisor)
    assert CJK.search(title(page(client, path)))


def test_the_subsidy_quote_form_is_labelled_in_chinese(client, clerk):
    client.force_login(clerk)
    found = labels(post_form(page(client, "/api/roads/subsidy-quote/")))
    assert "建设类型" in found
    assert [label for label in found if not CJK.search(label)] == []


def test_in_english_the_same_form_reads_in_english(client, clerk, settings):
    client.force_login(clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # what the language menu sets
    html = page(client, CASES)
    assert "Contact phone" in labels(post_form(html))
    assert title(html) == "Approval cases: list"


class ContactForm(forms.Form):
    phone = forms.CharField(label="form's label", help_text="form's help")
    note = forms.CharField(label="form's note label", help_text="form's note help")


class ContactSerializer(Serializer):
    labels_from = ContactForm

    phone = serializers.CharField()
    note = serializers.CharField(label="own label", help_text="own help")
    other = serializers.CharField()


def test_a_declared_field_takes_its_forms_label_capitalised_as_drf_does_and_its_help_text():
    field = ContactSerializer().fields["phone"]
    assert (field.label, field.help_text) == ("Form's label", "form's help")


def test_a_declared_label_and_help_text_win_over_the_forms():
    field = ContactSerializer().fields["note"]
    assert (field.label, field.help_text) == ("own label", "own help")


def test_a_field_the_form_does_not_ask_keeps_drfs_label():
    assert ContactSerializer().fields["other"].label == "Other"


class CaseNumberSerializer(ModelSerializer):
    applicant_phone = serializers.CharField()
    applicant_name = serializers.SerializerMethodField()
    power_number = serializers.IntegerField(source="power.number")

    class Meta:
        model = ApprovalCase
        fields = ["applicant_phone", "applicant_name", "power_number"]

    def get_applicant_name(self, case):
        return case.applicant_name


def test_a_declared_field_of_a_model_serializer_takes_the_model_fields_label():
    expected = capfirst(ApprovalCase._meta.get_field("applicant_phone").verbose_name)
    assert CaseNumberSerializer().fields["applicant_phone"].label == expected


def test_a_method_field_named_as_a_model_field_takes_that_fields_label():
    expected = capfirst(ApprovalCase._meta.get_field("applicant_name").verbose_name)
    assert CaseNumberSerializer().fields["applicant_name"].label == expected


def test_a_field_read_through_a_relation_keeps_drfs_label():
    assert CaseNumberSerializer().fields["power_number"].label == "Power number"


def test_options_describes_the_registrations_body_for_post(client, clerk):
    client.force_login(clerk)
    post = client.options(CASES, HTTP_ACCEPT="application/json").json()["actions"]["POST"]
    assert {"power", "applicant_name", "applicant_phone", "received_hall", "materials"} <= set(post)
    assert "state_display" not in post  # the list's read-only answer is not the body
    assert post["applicant_phone"]["label"] == "联系电话" and post["applicant_phone"]["read_only"] is False


# --- the OpenAPI schema (/api/schema/, read by /api/docs/) -------------------------------------------


def schema(client, user, language=None):
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def said(node, path=""):
    """(where, text) of every summary and description in the schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("summary", "description") and isinstance(value, str):
                yield f"{path}/{key}", value
            else:
                yield from said(value, f"{path}/{key}")
    elif isinstance(node, list):
        for item in node:
            yield from said(item, path)


def test_every_summary_and_description_of_the_schema_is_chinese(client, supervisor):
    english = [(where, text) for where, text in said(schema(client, supervisor)) if text and not CJK.search(text)]
    assert english == []


def test_the_schema_says_what_each_enumerated_value_means(client, supervisor):
    components = schema(client, supervisor)["components"]["schemas"]
    assert "* `overdue` - 已逾期" in components["DueStateEnum"]["description"]
    assert "* `private_school` - 限于民办普通高中、中职学校" in components["ScopeRuleEnum"]["description"]


def test_the_schema_names_each_operation_as_its_page_is_titled(client, supervisor):
    paths = schema(client, supervisor)["paths"]
    assert paths["/api/approvals/cases/"]["get"]["summary"] == "审批办件：列表"
    assert paths["/api/approvals/cases/{number}/refuse/"]["post"]["summary"] == "不予受理"
    assert "最紧急的在前" in paths["/api/approvals/cases/"]["get"]["description"]


def test_the_assignment_has_one_name_in_its_page_and_in_the_schema(client, supervisor, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    client.force_login(supervisor)
    summary = schema(client, supervisor)["paths"]["/api/approvals/cases/{number}/assign/"]["post"]["summary"]
    assert summary == title(page(client, f"{CASES}{case.number}/assign/")) == "指定或变更承办人"


def test_a_step_and_a_registration_are_not_described_by_the_lists_line(client, supervisor):
    paths = schema(client, supervisor)["paths"]
    assert paths["/api/approvals/cases/{number}/refuse/"]["post"].get("description", "") == ""
    assert paths["/api/approvals/cases/"]["post"].get("description", "") == ""


def test_no_docstring_reaches_the_schema(client, supervisor):
    components = schema(client, supervisor)["components"]["schemas"]
    # CaseMaterial's serializer has no docstring: its base class's (policyops.api.ModelSerializer) showed.
    assert "description" not in components["CaseMaterial"]
    assert "description" not in components["Case"]  # "A case as the list shows it. Needs ``today`` …"


def test_in_english_the_schema_reads_in_english(client, supervisor):
    paths = schema(client, supervisor, "en")["paths"]
    assert paths["/api/approvals/cases/{number}/refuse/"]["post"]["summary"] == "Do not accept"
    assert paths["/api/approvals/cases/{number}/refuse/"]["post"]["responses"]["409"]["description"].startswith(
        "Not possible in the case's current state")
