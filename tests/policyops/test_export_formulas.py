"""Exports open as text: no live formula, no character XML forbids (policyops.cells), in the
admin's 导出 (CSV and XLSX), the road project lists and policyops.xlsx downloads."""
import csv
import io

import pytest
from django.contrib import admin
from django.test import RequestFactory
from import_export.formats import base_formats
from openpyxl import load_workbook

from policyops import cells, importing
from policyops.models import District
from policyops.resources import DistrictResource
from policyops.xlsx import share, workbook_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = {
    "测试甲区": '=HYPERLINK("http://x","点我")',
    "测试乙区": "+1+cmd|' /C calc'!A0",
    "测试丙区": "-2+3",
    "测试丁区": "@SUM(1)",
    "测试戊区": "\t=1",
    "测试己区": "\r=1",
}


@pytest.fixture
def hostile(seeded):
    for position, (name, source) in enumerate(HOSTILE.items(), start=90):
        District.objects.create(name=name, position=position, source=source)
    District.objects.create(name="测试庚区", position=97, source="控制\x01字符\x0b在此")
    return District.objects.filter(name__startswith="测试").order_by("position")


def every_column_ticked(resource_class) -> dict:
    """The admin export form's boxes for ``resource_class``, every column ticked (as its page opens)."""
    from import_export.forms import SelectableFieldsExportForm

    return {SelectableFieldsExportForm.create_boolean_field_name(resource_class, f): "on"
            for f in resource_class().get_export_order()}


def admin_export(file_format, queryset):
    """What the admin's 导出 writes for ``queryset`` (its own method, as its view calls it)."""
    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    return admin.site._registry[queryset.model].get_export_data(file_format, request, queryset)


def test_the_admin_csv_export_neutralises_every_formula_prefix(hostile):
    text = admin_export(base_formats.CSV(), hostile)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(text))}
    for name, source in HOSTILE.items():
        assert rows[name]["source"] == "'" + source
    assert rows["测试庚区"]["source"] == "控制字符在此"


def test_the_admin_xlsx_export_survives_control_characters_and_writes_no_formula(hostile):
    content = admin_export(base_formats.XLSX(), hostile)
    sheet = load_workbook(io.BytesIO(content)).active
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("name")].value: r for r in sheet.iter_rows(min_row=2)}
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    assert rows["测试甲区"][header.index("source")].value == "'" + HOSTILE["测试甲区"]
    assert rows["测试庚区"][header.index("source")].value == "控制字符在此"


def test_a_negative_number_stays_a_number_in_both_exports(seeded):
    from decimal import Decimal

    from policyops.models import Indicator, IndicatorReading

    reading = IndicatorReading.objects.create(indicator=Indicator.objects.order_by("pk").first(),
                                              period_end="2031-12-31", value=Decimal("-2.5"), source="-")
    queryset = IndicatorReading.objects.filter(pk=reading.pk)
    [row] = csv.DictReader(io.StringIO(admin_export(base_formats.CSV(), queryset)))
    assert (row["value"], row["source"]) == ("-2.5000", "'-")
    sheet = load_workbook(io.BytesIO(admin_export(base_formats.XLSX(), queryset))).active
    header = [c.value for c in sheet[1]]
    values = [c.value for c in sheet[2]]
    assert values[header.index("value")] == -2.5 and values[header.index("source")] == "'-"


def test_an_exported_csv_imports_back_unchanged(hostile):
    text = admin_export(base_formats.CSV(), hostile)
    District.objects.filter(name__startswith="测试").update(source="")
    report = importing.import_table(DistrictResource(), text.encode(), filename="d.csv", dry_run=False)
    assert report.saved, report.problems
    for name, source in HOSTILE.items():
        assert District.objects.get(name=name).source == source


def test_downloads_neutralise_text_and_keep_numbers():
    content = workbook_bytes([("表\x01", ["名称", "数值"], [
        ["=1+1", -5], ["+86 532 1234", share(0.5)], ["坏\x0b字符", 3], ["-", None]])])
    sheet = load_workbook(io.BytesIO(content)).active
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert values == [["'=1+1", -5], ["'+86 532 1234", 0.5], ["坏字符", 3], ["'-", None]]
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


@pytest.mark.parametrize(("value", "safe"), [
    ("-5", "-5"), ("+3.5", "+3.5"), ("-1e3", "-1e3"), ("-", "'-"), ("-5+A1", "'-5+A1"), ("@", "'@"),
    ("普通", "普通"), ("a=b", "a=b"), ("\x00=1", "'=1"), (-5, -5), (None, None),
])
def test_safe_cell(value, safe):
    assert cells.safe_cell(value) == safe


def test_the_road_project_xlsx_export_survives_a_control_character(seeded):
    from programs.roads.models import RoadProject
    from programs.roads.project_lists import export_projects, import_project_table
    from tests.roads.test_import_export import csv_bytes, good_rows

    supervisor = UserFactory(is_staff=True, is_superuser=True)
    report = import_project_table(csv_bytes(good_rows()), filename="x.csv", user=supervisor, dry_run=False)
    assert report.saved, report.problems
    RoadProject.objects.filter(name="丙镇中修").update(contact="张三\x01\x0b", responsible_unit="-")
    sheet = load_workbook(io.BytesIO(export_projects(RoadProject.objects.all(), "xlsx"))).active
    texts = [c.value for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
    assert "张三" in texts and "'-" in texts
    assert not any("\x01" in t or "\x0b" in t for t in texts)
