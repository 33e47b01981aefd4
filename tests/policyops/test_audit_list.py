"""The admin's audit trail list (审计记录): filters that never read the whole trail."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, reverse_lazy
from django.utils import translation

from policyops import audit
from policyops.models import District
from policyops.timeline import ACTION_LABELS, known_actions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LIST = "admin:policyops_auditentry_changelist"


@pytest.fixture
def web(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_every_action_has_a_chinese_label():
    with translation.override("zh-hans"):
        unlabelled = [code for code, label in known_actions() if label == code]
    assert unlabelled == []


def test_the_actions_cover_every_transition_and_every_service_code():
    codes = {code for code, _label in known_actions()}
    assert set(ACTION_LABELS) <= codes
    assert {"accept", "mark_missed", "issue_licence", "publish", "revoke"} <= codes


def test_filtering_by_an_action_shows_only_its_rows(web):
    district = District.objects.create(name="审计测试区", position=90)
    audit.record(obj=district, action="admin_add", reason="甲")
    audit.record(obj=district, action="admin_change", reason="乙")
    response = web.get(reverse(LIST), {"action": "admin_change"})
    rows = list(response.context["cl"].result_list)
    assert rows and {row.action for row in rows} == {"admin_change"}
    assert "在管理后台修改" in response.content.decode() or "Changed in the admin" in response.content.decode()


def test_the_list_reads_no_distinct_values_of_the_trail(web):
    district = District.objects.create(name="审计测试区", position=90)
    for n in range(3):
        audit.record(obj=district, action="admin_change", reason=str(n))
    with CaptureQueriesContext(connection) as queries:
        assert web.get(reverse(LIST)).status_code == 200
    trail = [q["sql"] for q in queries if "policyops_auditentry" in q["sql"]]
    assert trail and not [sql for sql in trail if "DISTINCT" in sql.upper()]


def test_the_date_ranges_filter_the_trail(web):
    district = District.objects.create(name="审计测试区", position=90)
    audit.record(obj=district, action="admin_change", reason="今天")
    page = web.get(reverse(LIST)).content.decode()
    assert "at__gte" in page  # the ranges (today, past 7 days, this month, this year)
    spec = next(s for s in web.get(reverse(LIST)).context["cl"].filter_specs if getattr(s, "field_path", "") == "at")
    today = next(link for link in spec.links if link[1])  # the first range with bounds: today
    response = web.get(reverse(LIST), today[1])
    assert district.name in response.content.decode()


def test_the_lists_query_count_stays_flat_as_the_trail_grows(web, assert_constant_queries):
    district = District.objects.create(name="审计测试区", position=90)

    def grow(n):
        for i in range(n):
            audit.record(obj=district, action="admin_change", actor=UserFactory(), reason=str(i))

    response = assert_constant_queries(web, reverse(LIST), grow)
    assert len(response.context["cl"].result_list) == 28


@pytest.mark.parametrize("url", [reverse_lazy(LIST), reverse_lazy("admin:approvals_approvalcase_changelist")])
def test_the_million_row_lists_count_no_facets_even_when_asked(web, url):
    district = District.objects.create(name="审计测试区", position=90)
    audit.record(obj=district, action="admin_change")
    web.get(url)  # what a page keeps after its first load (the sidebar, the seals of the day)
    with CaptureQueriesContext(connection) as plain:
        web.get(url)
    with CaptureQueriesContext(connection) as asked:
        response = web.get(url, {"_facets": "True"})
    assert response.status_code == 200
    assert len(asked) == len(plain)
    assert "_facets" not in web.get(url).content.decode()  # no "显示计数" link offered


def test_the_object_type_filter_leaves_out_the_history_record_tables(web):
    response = web.get(reverse("admin:policyops_auditentry_changelist"))
    type_filter = next(spec for spec in response.context["cl"].filter_specs
                       if getattr(spec, "field_path", None) == "content_type")
    labels = [label for _key, label in type_filter.lookup_choices]
    assert any("区（市）" in label for label in labels)
    assert not any("historical" in label for label in labels)
