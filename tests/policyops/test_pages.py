import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    IndicatorReadingFactory,
    PersonFactory,
    PolicyTaskFactory,
)

pytestmark = pytest.mark.django_db


def grow_indicators(n):
    for _ in range(n):
        indicator = IndicatorFactory()
        IndicatorReadingFactory(indicator=indicator, value=Decimal("120"))
        IndicatorReadingFactory(indicator=indicator, value=Decimal("150"))


def grow_tasks(n):
    units = [DepartmentFactory(), DepartmentFactory()]
    for _ in range(n):
        task = PolicyTaskFactory(lead_unit=units[0], deadline=dt.date(2020, 12, 31))
        task.cooperating_units.set(units)


def test_indicator_page_shows_progress_toward_target(client, supervisor):
    # Issued before every seeded document, so it is on the first page whatever the seeds hold.
    indicator = IndicatorFactory(name="高新技术企业数量", baseline_value=Decimal(2039), target_value=Decimal(5000),
                                 document__issued_on=dt.date(2018, 1, 1))
    IndicatorReadingFactory(indicator=indicator, period_end=dt.date(2019, 12, 31), value=Decimal("3519.5"))
    client.force_login(supervisor)
    response = client.get(reverse("policyops:indicators"))
    html = response.content.decode()
    assert "高新技术企业数量" in html and "3519.5" in html and "50%" in html


def test_indicator_page_query_count_is_constant(client, supervisor, assert_constant_queries):
    client.force_login(supervisor)
    assert_constant_queries(client, reverse("policyops:indicators"), grow_indicators)


def test_task_page_query_count_is_constant(client, supervisor, assert_constant_queries):
    client.force_login(supervisor)
    assert_constant_queries(client, reverse("policyops:tasks"), grow_tasks)


def test_task_page_marks_overdue_tasks(client, supervisor):
    # The earliest deadline comes first: on the first page whatever the seeds hold.
    PolicyTaskFactory(text="逾期的任务", deadline=dt.date(2018, 1, 1))
    client.force_login(supervisor)
    html = client.get(reverse("policyops:tasks")).content.decode()
    assert "逾期的任务" in html and 'class="badge overdue"' in html


def test_task_page_ignores_an_unknown_status_filter(client, supervisor):
    PolicyTaskFactory(text="任何任务", deadline=dt.date(2018, 1, 1))  # first page, see above
    client.force_login(supervisor)
    assert "任何任务" in client.get(reverse("policyops:tasks") + "?status=<script>").content.decode()


def test_pages_need_a_login(client):
    response = client.get(reverse("policyops:indicators"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_pages_without_indicators_or_tasks_say_so(client, supervisor):
    from django.utils import translation

    from policyops.models import Indicator, PolicyTask

    Indicator.objects.all().delete()  # the seeded ones, inside this test's transaction
    PolicyTask.objects.all().delete()
    client.force_login(supervisor)
    assert client.get(reverse("policyops:home")).status_code == 200
    with translation.override("zh-hans"):
        no_indicators = translation.gettext("No indicators yet. Load the seeds: python manage.py load_seeds")
        no_tasks = translation.gettext("No tasks to show.")
    for name, message in (("policyops:indicators", no_indicators), ("policyops:tasks", no_tasks)):
        response = client.get(reverse(name))
        assert response.status_code == 200 and not response.context["page"].object_list
        assert message in response.content.decode()


def test_a_page_number_past_the_end_shows_the_last_page(client, supervisor):
    from policyops.views import PAGE_SIZE

    grow_tasks(PAGE_SIZE + 1)  # two pages at least, whatever else is in the database
    client.force_login(supervisor)
    response = client.get(reverse("policyops:tasks") + "?page=999")
    page = response.context["page"]
    assert response.status_code == 200 and page.paginator.num_pages > 1
    assert page.number == page.paginator.num_pages and page.object_list


def test_default_language_is_simplified_chinese(client, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("policyops:indicators")).content.decode()
    assert 'lang="zh-hans"' in html and "指标" in html


def test_browser_language_does_not_override_the_default(client, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("policyops:indicators"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert 'lang="zh-hans"' in html


def test_english_is_available_from_the_language_menu(client, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/indicators/"})
    assert response.status_code == 302
    html = client.get(reverse("policyops:indicators")).content.decode()
    assert 'lang="en"' in html and "Indicators" in html


def test_the_language_menu_is_named_and_has_a_button_for_a_browser_without_javascript(client, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("policyops:indicators")).content.decode()
    assert '<select name="language" aria-label="语言" data-autosubmit>' in html
    assert '<noscript><button type="submit">切换</button></noscript>' in html


ADMIN_LISTS = [
    ("admin:policyops_indicator_changelist", grow_indicators),
    ("admin:policyops_policytask_changelist", grow_tasks),
    ("admin:policyops_person_changelist", lambda n: [PersonFactory(department=DepartmentFactory()) for _ in range(n)]),
    ("admin:policyops_department_changelist", lambda n: [DepartmentFactory() for _ in range(n)]),
    ("admin:policyops_indicatorreading_changelist", grow_indicators),
]


@pytest.mark.parametrize("url_name, grow", ADMIN_LISTS, ids=[u for u, _g in ADMIN_LISTS])
def test_admin_lists_query_count_is_constant(client, url_name, grow, assert_constant_queries):
    client.force_login(make_user(Role.SUPERVISOR, is_superuser=True))
    assert_constant_queries(client, reverse(url_name), grow)


def test_every_admin_page_opens_for_a_superuser(client, seeded):
    from django.contrib import admin

    client.force_login(make_user(is_superuser=True))
    assert client.get(reverse("admin:index")).status_code == 200
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        if model_admin.has_add_permission(type("R", (), {"user": make_user(is_superuser=True)})()):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert client.get(add).status_code == 200, add
        obj = model._default_manager.first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change


def test_a_documents_indicator_table_scrolls_inside_its_box(client, seeded):
    # Eight columns are wider than the form at 1366 px: the page widened by 458 px in Chromium.
    from django.contrib.staticfiles import finders

    from policyops.models import PolicyDocument

    client.force_login(make_user(is_superuser=True))
    document = PolicyDocument.objects.filter(indicators__isnull=False).first()
    html = client.get(reverse("admin:policyops_policydocument_change", args=[document.pk])).content.decode()
    assert "policyops/admin_site.css" in html  # on every admin page (admin/base_site.html)
    with open(finders.find("policyops/admin_site.css"), encoding="utf-8") as css:
        assert ".inline-group .tabular{overflow-x:auto}" in css.read()


def test_a_documents_change_page_reads_its_districts_targets_in_fixed_statements(client, django_assert_num_queries):
    # Each inline row is labelled with str(indicator), which names a district's own target's district.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from policyops.models import District

    document = IndicatorFactory(district=District.objects.create(name="测试区甲", position=90)).document
    url = reverse("admin:policyops_policydocument_change", args=[document.pk])
    client.force_login(make_user(is_superuser=True))
    client.get(url)  # the session and the permissions, read once
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(4):
        IndicatorFactory(document=document, district=District.objects.create(name=f"测试区{n}", position=91 + n))
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200
