"""Every admin action takes at most ACTION_MAX_ROWS rows (policyops.admin_base): each action of
every admin carries the limit, and the limit leaves room in the form that posts the ids back.
The refusal itself is walked through the case list's 指派承办人 (tests/approvals/test_admin.py)."""
import pytest
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from policyops import admin_base
from policyops.models import District
from tests.admin_pages import posted_as_shown
from tests.factories import PersonFactory, PolicyDocumentFactory, UserFactory


@pytest.mark.django_db
def test_every_action_of_every_admin_keeps_the_row_limit():
    request = RequestFactory().post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    actions = {(type(model_admin).__name__, name): func
               for model_admin in admin.site._registry.values()
               for name, (func, _name, _description) in model_admin.get_actions(request).items()}
    assert ("ApprovalCaseAdmin", "assign_handler") in actions and ("DistrictAdmin", "delete_selected") in actions
    assert [key for key, func in actions.items() if not getattr(func, "within_action_limit", False)] == []


def test_the_limit_leaves_room_in_the_form_that_posts_the_ids_back():
    # The confirmation page posts each chosen id and the form's own fields (action, apply, its inputs).
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert admin_base.ACTION_MAX_ROWS + 100 <= limit


@pytest.mark.django_db
@pytest.mark.parametrize("url, action", [("admin:policyops_district_changelist", "delete_selected"),
                                         ("admin:approvals_approvalcase_changelist", "assign_handler"),
                                         ("admin:halls_dutyshift_changelist", "publish_months")])
@pytest.mark.parametrize("chosen", [["abc"], ["1", "9" * 30], ["1\x00"]])
def test_an_action_on_keys_that_name_no_row_says_so(client, seeded, url, action, chosen):
    # Django filtered the rows by the posted text as it came: a 500 in every action of every admin.
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    count = District.objects.count()
    response = client.post(reverse(url), {"action": action, "index": "0", "_selected_action": chosen}, follow=True)
    assert response.status_code == 200 and District.objects.count() == count
    assert "无法识别所选的行，请重新选择。" in [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
@pytest.mark.parametrize("posted", ["abc", "9" * 30, "a\x00b"])
def test_a_refused_form_with_an_autocomplete_value_that_names_no_row_is_shown_again(client, seeded, posted):
    # Django filtered the related rows by the posted text as it came while showing the form again: a 500.
    person = PersonFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:policyops_person_change", args=[person.pk])
    response = client.post(url, {**posted_as_shown(client.get(url)), "department": posted})
    assert response.status_code == 200 and response.context["adminform"].form.errors["department"]


@pytest.mark.django_db
def test_an_inline_builds_no_more_rows_than_a_page_can_post(client, seeded):
    # TOTAL_FORMS=10**9 built and showed 2,000 indicator rows (16 s; gunicorn stops a request at 60 s).
    document = PolicyDocumentFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:policyops_policydocument_change", args=[document.pk])
    response = client.post(url, {**posted_as_shown(client.get(url)), "indicators-TOTAL_FORMS": str(10**9)})
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "indicators")
    # 500 as written, not the constant: a changed limit must fail here (1,000 fields a page may post).
    assert len(formset.forms) == 500 and formset.non_form_errors()
