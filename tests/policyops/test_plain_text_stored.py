"""Rows stored before every door made text plain: found, and with --apply made plain
(policyops.plain_text.stored_text_cleanup, manage.py plain_text)."""
import io

import pytest
from django.core.management import call_command

from policyops import audit
from policyops.models import AuditEntry, District, Person
from policyops.plain_text import stored_text_cleanup
from tests.factories import DistrictFactory, PersonFactory

pytestmark = pytest.mark.django_db
ZERO_WIDTH = "\u200b"


def stored(model, pk, **values):
    """Write ``values`` as a row stored before the doors cleaned them: past every form and save."""
    model.objects.filter(pk=pk).update(**values)


@pytest.fixture
def dirty():
    district, person = DistrictFactory(name="清洁区"), PersonFactory(name="张三")
    stored(District, district.pk, name=f"清洁{ZERO_WIDTH}区", source="见\u202e附件")
    stored(Person, person.pk, name=f"\ufeff张{ZERO_WIDTH}三")
    return district, person


def by_table(tables):
    return {t.model: t for t in tables}


def test_the_report_names_the_tables_columns_and_rows_and_changes_nothing(dirty):
    district, person = dirty
    tables = by_table(stored_text_cleanup(apply=False))
    assert tables[District].rows == 1 and dict(tables[District].columns) == {"name": 1, "source": 1}
    assert tables[Person].rows == 1 and tables[Person].changed == 0
    assert Person.objects.get(pk=person.pk).name == f"\ufeff张{ZERO_WIDTH}三"


def test_apply_makes_the_rows_plain_and_audits_each_table_once(dirty):
    district, person = dirty
    before = AuditEntry.objects.count()
    stored_text_cleanup(apply=True)
    district.refresh_from_db()
    assert (district.name, district.source) == ("清洁区", "见附件")
    assert Person.objects.get(pk=person.pk).name == "张三"
    entries = AuditEntry.objects.filter(action="plain_text").order_by("id")
    assert AuditEntry.objects.count() == before + 2
    assert sorted(e.reason for e in entries) == ["名称 ×1", "名称 ×1; 来源 ×1"]
    assert stored_text_cleanup(apply=False) == []


def test_a_row_that_would_repeat_a_unique_value_is_left_and_reported(dirty):
    district, _person = dirty
    twin = DistrictFactory(name="孪生区")
    stored(District, twin.pk, name=f"清洁区{ZERO_WIDTH}")  # made plain, it would be 清洁区 too
    table = by_table(stored_text_cleanup(apply=True))[District]
    assert table.changed == 1 and len(table.clashes) == 1
    names = set(District.objects.filter(pk__in=[district.pk, twin.pk]).values_list("name", flat=True))
    assert "清洁区" in names and len(names) == 2


def test_the_audit_trail_and_the_history_records_keep_what_was_written(dirty):
    district, _person = dirty
    record = district.history.get()
    entry = audit.record(obj=district, action="admin_change", reason=f"旧{ZERO_WIDTH}名")
    stored(type(record), record.pk, name=f"旧{ZERO_WIDTH}名")
    stored_text_cleanup(apply=True)
    assert AuditEntry.objects.get(pk=entry.pk).reason == f"旧{ZERO_WIDTH}名"
    assert type(record).objects.get(pk=record.pk).name == f"旧{ZERO_WIDTH}名"


def test_only_this_projects_own_tables_are_cleaned():
    from policyops.plain_text import _own_models

    assert {model._meta.app_label for model in _own_models()} == {"policyops", "approvals", "roads", "halls"}


def test_a_record_of_what_was_issued_keeps_its_text(dirty, monkeypatch):
    from policyops.plain_text import _own_models

    assert AuditEntry not in _own_models() and District in _own_models()
    monkeypatch.setattr(District, "keeps_text_as_written", True, raising=False)
    stored_text_cleanup(apply=True)
    assert District.objects.get(pk=dirty[0].pk).name == f"清洁{ZERO_WIDTH}区"


def test_the_command_reports_then_applies(dirty):
    out = io.StringIO()
    call_command("plain_text", stdout=out)
    assert "policyops.District：1 条记录" in out.getvalue() and "--apply" in out.getvalue()
    out = io.StringIO()
    call_command("plain_text", "--apply", stdout=out)
    assert "已清除：1 条" in out.getvalue()
    out = io.StringIO()
    call_command("plain_text", stdout=out)
    assert "没有记录含有不可见字符。" in out.getvalue()
