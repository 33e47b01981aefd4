"""The parts of the admin's change list that policyops.admin_list writes in Python are Django's:
its templates where ours stand in, each list filter as admin/filter.html writes it.

The case list's rows, results table and filters are compared on a page in
tests/approvals/test_list_rendering.py.
"""
import re
from pathlib import Path

import django.contrib.admin
import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import admin_list_filter
from django.template import Engine
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from policyops import admin_list

TEMPLATES = Path(django.contrib.admin.__file__).parent / "templates" / "admin"
OURS = Path(admin_list.__file__).parent / "templates" / "admin" / "precomputed_change_list.html"


def filters_block(text: str) -> str:
    return re.search(r"{% block filters %}.*?{% endblock %}", text, re.S).group(0)


def test_our_filters_block_is_djangos_with_the_faster_tag():
    djangos = filters_block((TEMPLATES / "change_list.html").read_text())
    ours = filters_block(OURS.read_text())
    assert ours.count("{% list_filter cl spec %}") == 1
    assert ours.replace("{% list_filter cl spec %}", "{% admin_list_filter cl spec %}") == djangos


def test_this_project_renders_djangos_own_filter_template():
    # Were admin/filter.html overridden, filter_html would hand every filter back to Django.
    assert admin_list._filter_template_is_djangos(Engine.get_default())


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_admin_lists_filters_are_djangos(seeded, admin_client, language):
    compared = 0
    for model in admin.site._registry:
        response = admin_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        cl = response.context["cl"]
        with translation.override(language):
            for spec in cl.filter_specs:
                assert admin_list.filter_html(cl, spec) == admin_list_filter(cl, spec), (model, spec)
                compared += 1
    assert compared > 20


DJANGOS_ROWS_LOOP = '''{% for result in results %}
{% if result.form and result.form.non_field_errors %}
    <tr><td colspan="{{ result|length }}">{{ result.form.non_field_errors }}</td></tr>
{% endif %}
<tr>{% for item in result %}{{ item }}{% endfor %}</tr>
{% endfor %}'''


def djangos_headers_loop() -> str:
    djangos = (TEMPLATES / "change_list_results.html").read_text()
    return re.search(r"{% for header in result_headers %}.*?</th>{% endfor %}", djangos, re.S).group(0)


def test_our_results_template_is_djangos_with_the_headers_and_rows_written_at_once():
    djangos = (TEMPLATES / "change_list_results.html").read_text()
    ours = (OURS.parent / "precomputed_change_list_results.html").read_text()
    headers_loop = djangos_headers_loop()
    assert DJANGOS_ROWS_LOOP in djangos
    assert ours == (djangos
                    .replace(DJANGOS_ROWS_LOOP,
                             "{% if rows_html %}{{ rows_html }}{% else %}" + DJANGOS_ROWS_LOOP + "{% endif %}")
                    .replace(headers_loop, "{% if headers_html %}{{ headers_html }}{% else %}" + headers_loop
                             + "{% endif %}"))


def djangos_headers(headers, num_sorted_fields, language):
    from django.template import engines

    template = engines["django"].from_string("{% load i18n %}" + djangos_headers_loop())
    with translation.override(language):
        return template.render({"result_headers": headers, "num_sorted_fields": num_sorted_fields})


SORTED_HEADERS = [
    {"text": mark_safe('<input type="checkbox" id="action-toggle">'),
     "class_attrib": mark_safe(' class="action-checkbox-column"'), "sortable": False},
    {"text": "number <&>", "sortable": True, "sorted": True, "ascending": True, "sort_priority": 1,
     "url_primary": "?o=-1&q=a", "url_remove": "?o=2", "url_toggle": "?o=-1.2", "class_attrib": mark_safe(
         ' class="sortable column-number sorted ascending"')},
    {"text": gettext_lazy("due date"), "sortable": True, "sorted": True, "ascending": False, "sort_priority": 2,
     "url_primary": "?o=2.-1", "url_remove": "?o=1", "url_toggle": "?o=1.2", "class_attrib": mark_safe(
         ' class="sortable column-due sorted descending"')},
    {"text": "state", "sortable": True, "sorted": False, "ascending": False, "sort_priority": 0,
     "url_primary": "?o=3.1.-2", "url_remove": "?o=1.-2", "url_toggle": "?o=3.1.-2", "class_attrib": mark_safe(
         ' class="sortable column-state"')},
    {"text": "applicant", "sortable": False, "class_attrib": mark_safe(' class="column-applicant"')},
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("num_sorted_fields", [0, 1, 2])
def test_the_headers_written_at_once_are_djangos(language, num_sorted_fields):
    with translation.override(language):
        ours = admin_list.headers_html(SORTED_HEADERS, num_sorted_fields)
    assert ours == djangos_headers(SORTED_HEADERS, num_sorted_fields, language)
    assert "&lt;&amp;&gt;" in ours and "?o=-1&amp;q=a" in ours


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_admin_lists_headers_are_djangos(seeded, admin_client, language):
    from django.contrib.admin.templatetags.admin_list import result_headers

    compared = 0
    for model in admin.site._registry:
        for order in ({}, {"o": "1"}, {"o": "-1"}):
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            response = admin_client.get(url, order)
            assert response.status_code == 200, (url, order)
            cl = response.context["cl"]
            with translation.override(language):
                headers = list(result_headers(cl))
                sorted_fields = sum(1 for h in headers if h["sortable"] and h["sorted"])
                ours = admin_list.headers_html(headers, sorted_fields)
            assert ours == djangos_headers(headers, sorted_fields, language), (url, order)
            compared += 1
    assert compared > 100


# --- the action menu ---------------------------------------------------------------------------

MENU = [("", "---------"), ("assign_handler", "指派承办人"), ("export", "导出")]


def rendered(form_class, choices, language):
    form = form_class(auto_id=None)  # as changelist_view builds it
    form.fields["action"].choices = choices
    with translation.override(language):
        return str(form["action"]), str(form["select_across"])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_action_menu_is_djangos(language):
    from django.contrib.admin.helpers import ActionForm as DjangosActionForm

    assert rendered(admin_list.ActionForm, MENU, language) == rendered(DjangosActionForm, MENU, language)


def test_the_action_menu_is_rendered_through_the_form_templates_once(monkeypatch):
    from django import forms

    admin_list._remembered_html.clear()
    calls = []
    original = forms.Select.render
    monkeypatch.setattr(forms.Select, "render", lambda self, *args, **kwargs: calls.append(1) or original(self, *args,
                                                                                                            **kwargs))
    first = rendered(admin_list.ActionForm, MENU, "zh-hans")
    assert rendered(admin_list.ActionForm, MENU, "zh-hans") == first
    assert len(calls) == 1


def test_another_menu_is_not_answered_with_a_remembered_one():
    admin_list._remembered_html.clear()
    rendered(admin_list.ActionForm, MENU, "zh-hans")
    other = rendered(admin_list.ActionForm, [("", "---------"), ("close", "办结")], "zh-hans")[0]
    assert "办结" in other and "指派承办人" not in other


def test_the_case_list_offers_its_actions_through_the_remembered_menu():
    from approvals.models import ApprovalCase

    assert admin.site._registry[ApprovalCase].action_form is admin_list.ActionForm


# --- the page's media, written once per process --------------------------------------------------


def case_admin_media():
    from approvals.models import ApprovalCase

    case_admin = admin.site._registry[ApprovalCase]
    return case_admin.media + case_admin.action_form().media


@pytest.mark.parametrize("part", ["js", "css"])
def test_the_remembered_media_writes_what_djangos_writes(part):
    admin_list._remembered_html.clear()
    media = case_admin_media()
    remembered = admin_list.RememberedMedia(media)
    assert str(remembered[part]) == str(media[part]) != ""
    assert str(remembered[part]) == str(media[part])  # the second time, from the memo


def test_the_remembered_media_writes_the_whole_of_djangos():
    admin_list._remembered_html.clear()
    media = case_admin_media()
    assert str(admin_list.RememberedMedia(media)) == str(media) == str(admin_list.RememberedMedia(media))


def test_the_same_files_are_merged_and_written_once(monkeypatch):
    from django import forms

    admin_list._remembered_html.clear()
    calls = []
    original = forms.Media.render_js
    monkeypatch.setattr(forms.Media, "render_js", lambda self: calls.append(1) or original(self))
    for _load in range(3):
        str(admin_list.RememberedMedia(case_admin_media())["js"])
    assert len(calls) == 1


def test_other_files_are_not_answered_with_remembered_ones():
    from django import forms

    admin_list._remembered_html.clear()
    str(admin_list.RememberedMedia(forms.Media(js=["a.js"]))["js"])
    other = str(admin_list.RememberedMedia(forms.Media(js=["b.js"]))["js"])
    assert "b.js" in other and "a.js" not in other


def test_the_whole_is_not_answered_with_its_scripts_alone():
    from django import forms

    admin_list._remembered_html.clear()
    media = forms.Media(js=["a.js"], css={"all": ["a.css"]})
    str(admin_list.RememberedMedia(media)["js"])
    assert "a.css" in str(admin_list.RememberedMedia(media))


def test_a_part_media_does_not_have_is_not_found():
    from django import forms

    with pytest.raises(KeyError):
        admin_list.RememberedMedia(forms.Media(js=["a.js"]))["images"]


@pytest.mark.django_db
def test_an_admin_list_page_carries_the_remembered_media(admin_client):

    response = admin_client.get(reverse("admin:approvals_approvalcase_changelist"))
    assert isinstance(response.context["media"], admin_list.RememberedMedia)
    assert str(case_admin_media()["js"]) in response.content.decode()
