"""The admin's and the lists' searches over million-row tables: trigram indexes on PostgreSQL
that serve the very expression Django writes for ``icontains`` (policyops.search_indexes)."""

import pytest
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from approvals.models import ApprovalCase
from policyops import audit
from policyops.models import AuditEntry, District
from policyops.search_indexes import index_name
from tests import plans
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")


def plan_of(queryset) -> str:
    # With plain and index scans off, only an index that serves the condition itself (a bitmap
    # scan) is left to the planner.
    return plans.plan_of(queryset, off=("enable_seqscan", "enable_indexscan"))


@postgresql_only
@pytest.mark.parametrize("model, columns", [(ApprovalCase, ("number", "applicant_name")),
                                            (AuditEntry, ("object_repr", "reason"))])
def test_the_search_of_each_column_is_served_by_its_trigram_index(model, columns):
    for column in columns:
        plan = plan_of(model.objects.filter(**{f"{column}__icontains": "PD-2026-0001"}).order_by())
        assert index_name(model._meta.db_table, column) in plan, plan


@postgresql_only
def test_the_case_lists_search_uses_both_indexes_at_once():
    plan = plan_of(ApprovalCase.objects.filter(Q(number__icontains="张三丰") | Q(applicant_name__icontains="张三丰"))
                   .order_by())
    assert "BitmapOr" in plan and index_name("approvals_approvalcase", "applicant_name") in plan, plan


@pytest.fixture
def web(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_trail_is_searched_by_object_reason_and_user_name(web):
    district = District.objects.create(name="检索测试区", position=91)
    searcher = UserFactory(username="auditor_zhang")
    audit.record(obj=district, action="admin_change", reason="位置 由 90 改为 91")
    audit.record(obj=district, action="admin_delete", actor=searcher)
    audit.record(obj=district, action="calendar_change", reason="其他")

    def found(term):
        response = web.get(reverse("admin:policyops_auditentry_changelist"), {"q": term})
        return sorted(entry.action for entry in response.context["cl"].result_list)

    assert found("检索测试") == ["admin_change", "admin_delete", "calendar_change"]
    assert found("改为 91") == ["admin_change"]
    assert found("AUDITOR_zh") == ["admin_delete"]
    assert found("无此内容") == []
    # One or two characters (no trigram): on PostgreSQL by the indexes of short pieces, the same rows.
    assert found("检索") == ["admin_change", "admin_delete", "calendar_change"]
    assert found("改为") == ["admin_change"]
    assert found("其") == ["calendar_change"]
    assert found("无此") == []


def test_a_whole_case_number_in_the_trail_finds_every_row_holding_it(web):
    for text in ("PD-2026-000123", "PD-2025-000123", "PD-2026-0001234", "PD-2026-000124"):
        audit.record_event(action="calendar_change", object_repr=text)
    audit.record_event(action="admin_change", object_repr="日历", reason="见 pd-2026-000123 的补正")

    def found(term):
        response = web.get(reverse("admin:policyops_auditentry_changelist"), {"q": term})
        return sorted((entry.object_repr, entry.reason) for entry in response.context["cl"].result_list)

    # What icontains finds: the number, a longer text holding it, a reason naming it in any case.
    holding = [("PD-2026-000123", ""), ("PD-2026-0001234", ""), ("日历", "见 pd-2026-000123 的补正")]
    assert found("PD-2026-000123") == found("pd-2026-000123") == holding
    assert found("PD-2027-000123") == []


def test_a_whole_case_number_is_narrowed_by_its_serial_and_nothing_else_is():
    from policyops.search_indexes import narrowing_part

    assert narrowing_part("PD-2026-000123") == "000123"  # approvals registers rules.case_number_serial
    assert narrowing_part("000123") is None and narrowing_part("张三") is None


@postgresql_only
def test_a_whole_case_number_in_the_trail_is_found_through_its_serials_trigrams():
    from policyops.search_indexes import contains_through

    plan = plan_of(AuditEntry.objects.filter(contains_through("object_repr", "PD-2026-000123", "000123")
                                             | contains_through("reason", "PD-2026-000123", "000123")).order_by())
    asked_of_indexes = [line for line in plan.splitlines() if "Index Cond" in line]
    assert len(asked_of_indexes) == 2 and all("~~ '%000123%'" in line for line in asked_of_indexes), plan
    assert index_name("policyops_auditentry", "object_repr") in plan, plan


@postgresql_only
def test_the_trails_admin_asks_a_whole_case_number_through_its_serial(web):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        web.get(reverse("admin:policyops_auditentry_changelist"), {"q": "PD-2026-000123"})
    listed = [query["sql"] for query in captured if 'FROM "policyops_auditentry"' in query["sql"]]
    assert listed and all("LIKE UPPER('%000123%')" in sql and "LIKE UPPER('%PD-2026" not in sql
                          for sql in listed), listed


def test_matches_past_the_newest_rows_lie_further_back(trail_of_years):
    from policyops.search_indexes import matches_lie_further_back

    def further_back(term, page=2):
        return matches_lie_further_back(AuditEntry.objects.all(), Q(object_repr__icontains=term),
                                        newest_first="at", page=page)

    assert further_back("旧年号") is True
    assert further_back("新近案") is False
    assert further_back("新近案", page=6) is True  # five newest rows hold five, not a page of six


def test_a_table_smaller_than_the_rows_read_first_is_walked(trail_of_years, monkeypatch):
    from policyops import search_indexes

    monkeypatch.setattr(search_indexes, "NEWEST_ROWS_READ_FIRST", AuditEntry.objects.count() + 1)
    assert search_indexes.matches_lie_further_back(AuditEntry.objects.all(), Q(object_repr__icontains="旧年号"),
                                                   newest_first="at", page=2) is False


def listed(web, term):
    """The trail's page for ``term``: its rows' objects, and the SQL that read them."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = web.get(reverse("admin:policyops_auditentry_changelist"), {"q": term})
    page = [sql["sql"] for sql in captured if sql["sql"].startswith('SELECT "policyops_auditentry"."id"')]
    return [entry.object_repr for entry in response.context["cl"].result_list], page


@postgresql_only
def test_the_trail_sorts_apart_the_matches_that_lie_further_back(web, trail_of_years):
    rows, page = listed(web, "旧年号")
    assert rows == ["旧年号 PD-2019-2", "旧年号 PD-2019-1"]  # newest first, as walked
    assert len(page) == 1 and 'ORDER BY COALESCE("policyops_auditentry"."at"' in page[0], page


@postgresql_only
def test_the_trail_walks_to_matches_among_its_newest_rows(web, trail_of_years):
    rows, page = listed(web, "新近案")
    assert rows == ["新近案 11", "新近案 10"]
    assert len(page) == 1 and 'ORDER BY "policyops_auditentry"."at" DESC' in page[0], page


@postgresql_only
def test_a_short_term_in_the_trail_is_found_by_the_indexes_of_short_pieces():
    from policyops.search_indexes import short_gram_index_name, short_term_contains

    plan = plans.plan_of(AuditEntry.objects.filter(short_term_contains("object_repr", "检索")
                                                   | short_term_contains("reason", "检索")).order_by(),
                         off=("enable_seqscan", "enable_indexscan"))
    assert short_gram_index_name("policyops_auditentry", "object_repr") in plan, plan
    assert short_gram_index_name("policyops_auditentry", "reason") in plan, plan


def gin_indexes_and_options() -> dict[str, list[str]]:
    """Every GIN index of this database's tables, with its storage options."""
    with connection.cursor() as cursor:
        cursor.execute("""SELECT c.relname, coalesce(c.reloptions, '{}') FROM pg_class c
                          JOIN pg_am a ON a.oid = c.relam
                          WHERE a.amname = 'gin' AND c.relnamespace = 'public'::regnamespace""")
        return dict(cursor.fetchall())


@postgresql_only
def test_every_search_index_is_written_at_once_without_a_pending_list():
    indexes = gin_indexes_and_options()
    assert len(indexes) >= 7  # the cases' three and the audit trail's four
    assert {name for name, options in indexes.items() if "fastupdate=off" not in options} == set()


@postgresql_only
@pytest.mark.parametrize("app, migration", [("approvals", "0012_case_search_indexes_written_at_once"),
                                            ("policyops", "0014_audit_search_indexes_written_at_once")])
def test_the_migration_writes_the_indexes_made_before_at_once(app, migration):
    """The migration names the indexes as the earlier ones made them: each one it should reach,
    reset to a pending list, is written at once again."""
    import importlib

    from django.apps import apps

    module = importlib.import_module(f"{app}.migrations.{migration}")
    with connection.schema_editor() as editor:
        module.backward(apps, editor)
    reset = {name for name, options in gin_indexes_and_options().items() if "fastupdate=off" not in options}
    assert len(reset) >= 3
    with connection.schema_editor() as editor:
        module.forward(apps, editor)
    assert not reset & {name for name, options in gin_indexes_and_options().items()
                        if "fastupdate=off" not in options}


def pieces_of(text: str) -> set[str]:
    """The one- and two-character pieces of ``text``, as the index of short pieces should hold them."""
    return {text[i:i + n] for n in (1, 2) for i in range(len(text) - n + 1)}


def short_grams(text: str) -> list[str]:
    from policyops.search_indexes import SHORT_GRAMS_FUNCTION

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {SHORT_GRAMS_FUNCTION}(%s)", [text])
        return cursor.fetchone()[0]


@postgresql_only
@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40))
def test_the_short_pieces_of_a_text_are_each_character_and_each_pair(text):
    grams = short_grams(text)
    assert set(grams) == pieces_of(text) and len(grams) == len(set(grams))


@postgresql_only
def test_the_short_pieces_of_a_long_reason_are_worked_out_in_one_reading():
    # Read by position, 40,000 characters took minutes (a step's case stayed locked meanwhile);
    # read once, 100,000 take well under a second, and this statement may take ten.
    text = "审批意见不予受理的理由：材料不全。" * 6_000
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '10s'")
        assert set(short_grams(text)) == pieces_of(text)
