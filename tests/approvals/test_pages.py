"""Pages of the approvals app: printable notices, the public status page, the case list."""
import datetime as dt
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse

from approvals import services, views
from approvals.models import ApprovalCase, ApprovalSeal
from policyops.roles import Role
from tests.approvals.factories import register_case
from tests.conftest import make_user
from tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db
D = dt.date
STATUS_URL = "approvals:public_status"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def other_clerk(db):
    return make_user(Role.CLERK, district=DistrictFactory(name="莱西市"))


@pytest.fixture
def accepted_case(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    case.refresh_from_db()
    return case


# --- Printable notices ----------------------------------------------------------------------


def test_notice_print_page_for_the_cases_district(client, accepted_case, clerk):
    notice = accepted_case.notices.get()
    seal = notice.seal
    seal.impression.save("seal.png", ContentFile(PNG), save=True)
    client.force_login(clerk)
    response = client.get(reverse("approvals:notice_print", args=[notice.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert notice.number in html and "受理通知书" in html and accepted_case.number in html
    assert "平度市行政审批机关" in html and seal.name in html and "2024年9月27日" in html
    # The A4 layout is in the page's own stylesheet (a file: the CSP allows no inline style).
    assert 'href="/static/approvals/notice_print.css"' in html
    css = Path(finders.find("approvals/notice_print.css")).read_text()
    assert "@page" in css and "size:A4" in css
    impression = reverse("approvals:seal_impression", args=[seal.pk])
    assert impression in html
    image = client.get(impression)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == PNG


def test_notice_print_page_leads_back_to_the_front_case_page(client, accepted_case, clerk):
    # Whoever may print the notice may see the case's own page; the admin is not every clerk's page.
    client.force_login(clerk)
    html = client.get(reverse("approvals:notice_print", args=[accepted_case.notices.get().pk])).content.decode()
    assert f'href="{reverse("approvals:case_detail", args=[accepted_case.pk])}"' in html
    assert reverse("admin:approvals_approvalcase_change", args=[accepted_case.pk]) not in html


def test_notice_print_page_is_404_for_another_district(client, accepted_case, other_clerk):
    notice = accepted_case.notices.get()
    client.force_login(other_clerk)
    assert client.get(reverse("approvals:notice_print", args=[notice.pk])).status_code == 404


def test_notice_print_page_needs_a_login(client, accepted_case):
    response = client.get(reverse("approvals:notice_print", args=[accepted_case.notices.get().pk]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_seal_impression_is_not_public(client, entrustment):
    seal = entrustment.seals.get()
    seal.impression.save("seal.png", ContentFile(PNG), save=True)
    response = client.get(reverse("approvals:seal_impression", args=[seal.pk]))
    assert response.status_code == 302


def test_case_page_links_the_print_page(client, accepted_case, clerk):
    client.force_login(clerk)
    html = client.get(reverse("admin:approvals_approvalcase_change", args=[accepted_case.pk])).content.decode()
    assert reverse("approvals:notice_print", args=[accepted_case.notices.get().pk]) in html


# --- Public status page ----------------------------------------------------------------------


def lookup(client, number, digits, **extra):
    return client.post(reverse(STATUS_URL), {"number": number, "phone_last4": digits}, **extra)


def test_status_page_opens_without_login(client):
    response = client.get(reverse(STATUS_URL))
    assert response.status_code == 200 and "案件编号" in response.content.decode()


def test_status_lookup_shows_state_and_due_date_only(client, accepted_case):
    response = lookup(client, accepted_case.number, "1234")
    html = response.content.decode()
    assert response.status_code == 200
    state = views.PUBLIC_STATE_LABELS[accepted_case.state]
    assert state == "已受理"
    assert accepted_case.number in html and accepted_case.power.name in html and state in html
    assert "2024年10月30日" in html  # the governing due date: the legal due date while accepted
    assert response.context["result"] == {"number": accepted_case.number, "power": accepted_case.power.name,
                                          "state": state, "due_on": D(2024, 10, 30)}
    assert accepted_case.applicant_name not in html and "88881234" not in html
    assert views.STATUS_NOT_FOUND not in html


def test_every_state_has_a_public_label():
    assert set(views.PUBLIC_STATE_LABELS) == set(ApprovalCase.State.values)


def test_the_status_page_says_its_chinese_is_chinese_to_an_english_reader(client):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("approvals:public_status")).content.decode()
    assert '<html lang="en">' in html and '<div lang="zh-hans">\n<h1>办件进度查询</h1>' in html


def test_status_lookup_accepts_lower_case_and_full_width_input(client, accepted_case):
    response = lookup(client, f"  {accepted_case.number.lower()} ", "１２３４")
    assert response.context["result"]["number"] == accepted_case.number


def test_status_lookup_without_due_date_shows_a_dash(client, power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_refuse(case=case, acting_user=clerk, as_of=D(2024, 9, 27), reason="不属于本机关职权范围",
                         refer_to="市测试委")
    html = lookup(client, case.number, "1234").content.decode()
    assert case.number in html and "—" in html


def test_wrong_digits_and_wrong_number_give_the_same_message(client, accepted_case):
    wrong_digits = lookup(client, accepted_case.number, "9999")
    wrong_number = lookup(client, "PD-2024-999999", "1234")
    for response in (wrong_digits, wrong_number):
        html = response.content.decode()
        assert response.status_code == 200
        assert views.STATUS_NOT_FOUND in html and response.context["result"] is None
        assert accepted_case.power.name not in html
    assert wrong_digits.context["error"] == wrong_number.context["error"]


def test_eleventh_lookup_in_the_window_is_refused(client, accepted_case):
    for i in range(views.STATUS_LOOKUP_LIMIT):
        # Successful and failed lookups both count (the failures on other numbers: five on one lock it).
        number = accepted_case.number if i % 2 else f"PD-2024-99999{i}"
        assert lookup(client, number, "1234").status_code == 200
    response = lookup(client, accepted_case.number, "1234")
    assert response.status_code == 429
    assert views.STATUS_TOO_MANY in response.content.decode() and response.context["result"] is None
    # Another client is not affected.
    assert lookup(client, accepted_case.number, "1234", REMOTE_ADDR="10.0.0.9").status_code == 200


# --- Case list page --------------------------------------------------------------------------


def test_case_list_needs_a_login(client):
    response = client.get(reverse("approvals:case_list"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_case_list_renders_empty(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("approvals:case_list"))
    assert response.status_code == 200 and not response.context["rows"]


def test_case_list_shows_own_district_with_badges(client, accepted_case, clerk, other_clerk, today):
    today(D(2024, 10, 28))
    client.force_login(clerk)
    html = client.get(reverse("approvals:case_list")).content.decode()
    assert accepted_case.number in html and "due-badge due-soon" in html
    assert accepted_case.number in client.get(reverse("approvals:case_list") + "?due=soon").content.decode()
    assert accepted_case.number not in client.get(reverse("approvals:case_list") + "?due=overdue").content.decode()
    assert client.get(reverse("approvals:case_list") + "?state=<b>&due=x").status_code == 200
    client.force_login(other_clerk)
    assert accepted_case.number not in client.get(reverse("approvals:case_list")).content.decode()


def test_case_list_links_each_case_to_its_page(client, accepted_case, clerk):
    client.force_login(clerk)
    html = client.get(reverse("approvals:case_list")).content.decode()
    detail = reverse("approvals:case_detail", args=[accepted_case.pk])
    assert f'<a href="{detail}">{accepted_case.number}</a>' in html


def test_case_list_query_count_is_constant(client, power, entrustment, clerk, head, assert_constant_queries):
    def grow(n):
        for i in range(n):
            case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
            if i % 2:
                services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
                services.case_assign(cases=[case], handler=clerk.person, acting_user=head)
                services.case_start_review(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
                services.case_pause(case=case, acting_user=clerk, as_of=D(2024, 10, 8), ground="hearing",
                                    expected_days=3)

    client.force_login(clerk)
    response = assert_constant_queries(client, reverse("approvals:case_list"), grow)
    assert len(response.context["rows"]) == 28
    assert any(row["clock"]["days_paused"] for row in response.context["rows"])


def test_case_list_pages_by_fifty(client, power, entrustment, clerk):
    for _ in range(views.PAGE_SIZE + 1):
        register_case(power, clerk=clerk)
    client.force_login(clerk)
    first = client.get(reverse("approvals:case_list"))
    assert len(first.context["rows"]) == views.PAGE_SIZE
    assert len(client.get(reverse("approvals:case_list") + "?page=2").context["rows"]) == 1


# --- Demo data -------------------------------------------------------------------------------


def test_demo_builder_creates_cases_through_the_services_once(seeded):
    import random

    from approvals.demo import build_approvals_demo
    from policyops.demo import ensure_users
    from policyops.models import AuditEntry

    users = ensure_users(lambda *args: None)
    log = []
    build_approvals_demo(random.Random(2018), users, log.append, today=D(2024, 11, 20))
    cases = ApprovalCase.objects.all()
    assert 35 <= cases.count() <= 50
    states = set(cases.values_list("state", flat=True))
    assert {"submitted", "correction_requested", "refused", "under_review", "paused", "approved", "closed",
            "forwarded"} <= states
    assert all("演示" in name for name in cases.values_list("applicant_name", flat=True))
    assert ApprovalSeal.objects.filter(recovered_on__isnull=True).count() == 4  # one per agency
    assert AuditEntry.objects.filter(action="register").count() == cases.count()
    count = cases.count()
    build_approvals_demo(random.Random(2018), users, log.append, today=D(2024, 11, 20))
    assert ApprovalCase.objects.count() == count


def test_the_case_page_reads_materials_and_suspensions_once(client, accepted_case, clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(clerk)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("approvals:case_detail", args=[accepted_case.pk])).content.decode()
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert sum('FROM "approvals_casematerial"' in sql for sql in reads) == 1
    assert sum('FROM "approvals_casesuspension"' in sql for sql in reads) == 1
    assert accepted_case.materials.first().name in html
