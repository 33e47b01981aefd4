"""Every admin page answers odd input with a page: the add pages posted blank, the lists asked
for years no date holds.

A check that assumed a saved parent (policyops.admin_base.UniqueRowsInlineFormSet) made every
添加 of a policy document a 500; the fuzzing that found it posted the blank form."""
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from tests.admin_pages import posted_as_shown

pytestmark = pytest.mark.django_db


def add_urls():
    for model in admin.site._registry:
        try:
            yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        except NoReverseMatch:
            continue


@pytest.fixture
def root(client, seeded):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.cn", "root-pw"))
    return client


def test_every_add_page_posted_blank_is_answered_with_a_page(root):
    answered = {}
    for url in add_urls():
        page = root.get(url)
        if page.status_code != 200 or page.context is None or "adminform" not in page.context:
            continue  # an admin that adds elsewhere, or not at all
        answered[url] = root.post(url, posted_as_shown(page)).status_code
    assert len(answered) > 20 and {url: status for url, status in answered.items() if status not in (200, 302)} == {}


def date_hierarchy_lists():
    return [(model, model_admin.date_hierarchy) for model, model_admin in admin.site._registry.items()
            if model_admin.date_hierarchy]


@pytest.mark.parametrize("year", ["9" * 20, "9999", "0"])
def test_a_date_hierarchy_year_no_date_can_hold_is_the_lists_wrong_parameters(root, year):
    lists = date_hierarchy_lists()
    assert lists  # the calendar's overrides and the directors' unavailable days
    for model, field in lists:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = root.get(url, {f"{field}__year": year})
        assert (response.status_code, response["Location"]) == (302, f"{url}?e=1")


def test_a_date_hierarchy_year_in_range_is_still_read(root):
    url = reverse("admin:policyops_calendaroverride_changelist")
    assert root.get(url, {"date__year": "2026"}).status_code == 200
