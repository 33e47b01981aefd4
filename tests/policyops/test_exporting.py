"""Exports within their row limit (policyops.exporting): refused past it with the limit named,
counted no further than one row past it; every admin with 导出 keeps the limit; the admin's
XLSX written row by row with a frozen header and native cells; choice labels as the model
gives them, in each language."""
import datetime as dt
import io

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from import_export import admin as ie_admin
from import_export.formats import base_formats
from openpyxl import load_workbook

from approvals.models import ApprovalCase
from approvals.resources import ApprovalCaseResource
from policyops import exporting
from policyops.exporting import ExportLimitMixin, ExportRefused, refuse_too_many_rows
from policyops.importing.tables import SafeExportMixin
from policyops.models import District
from policyops.xlsx import Share, workbook_bytes
from tests.conftest import freeze_localdate
from tests.policyops.test_export_formulas import admin_export, every_column_ticked


@pytest.fixture
def limit(monkeypatch):
    """Set the export's row limit for the test."""
    def set_limit(rows: int) -> None:
        monkeypatch.setattr(exporting, "EXPORT_MAX_ROWS", rows)

    return set_limit


@pytest.mark.django_db
def test_as_many_rows_as_the_limit_may_be_exported(seeded, limit):
    limit(District.objects.count())
    refuse_too_many_rows(District.objects.all())  # refuses nothing


@pytest.mark.django_db
def test_one_row_past_the_limit_is_refused_naming_the_limit(seeded, limit):
    limit(District.objects.count() - 1)
    with pytest.raises(ExportRefused) as refused:
        refuse_too_many_rows(District.objects.all())
    assert f"一次最多导出 {District.objects.count() - 1} 条" in str(refused.value)


@pytest.mark.django_db
def test_the_rows_are_counted_no_further_than_one_past_the_limit(seeded, limit):
    limit(2)
    with CaptureQueriesContext(connection) as captured, pytest.raises(ExportRefused):
        refuse_too_many_rows(District.objects.order_by("name"))
    [count] = captured.captured_queries
    assert "LIMIT 3" in count["sql"] and "ORDER BY" not in count["sql"]


def test_every_admin_with_an_export_keeps_the_row_limit():
    exporting_admins = [model_admin for model_admin in admin.site._registry.values()
                        if isinstance(model_admin, ie_admin.ExportMixin)]
    assert exporting_admins  # the seeded tables, the cases, the road projects
    assert [a for a in exporting_admins if not isinstance(a, ExportLimitMixin)] == []


def test_every_admin_exports_through_a_resource_that_disarms_its_text():
    # dataset_xlsx and the background export write the Resource's text as it comes (text_is_safe).
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    resources = {resource for model_admin in admin.site._registry.values()
                 if isinstance(model_admin, ie_admin.ExportMixin)
                 for resource in model_admin.get_export_resource_classes(request)}
    assert ApprovalCaseResource in resources
    assert sorted(r.__name__ for r in resources if not issubclass(r, SafeExportMixin)) == []


def test_each_cell_is_written_as_its_type():
    from decimal import Decimal

    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    with translation.override("zh-hans"):
        content = workbook_bytes([("表", ["a"], [
            [True, Decimal("-2.5"), 7, 1.5, "", None, gettext_lazy("Export"), mark_safe("=1"), "=2",
             dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4, 5), Share(0.25)]])])
    cells = list(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2))[0]
    assert [c.value for c in cells] == [True, -2.5, 7, 1.5, None, None, "导出", "'=1", "'=2",
                                        dt.datetime(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4, 5), 0.25]
    assert [c.data_type for c in cells[:4]] == ["b", "n", "n", "n"]
    assert (cells[9].number_format, cells[11].number_format) == ("yyyy-mm-dd", "0.0%")


def test_text_already_safe_is_written_as_it_comes():
    content = workbook_bytes([("表", ["a"], [["'=1", "普通"]])], text_is_safe=True)
    cells = list(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True))[0]
    assert cells == ("'=1", "普通")


@pytest.mark.django_db
def test_the_admins_xlsx_has_a_bold_frozen_header_and_native_cells(seeded):
    districts = District.objects.order_by("position")
    sheet = load_workbook(io.BytesIO(admin_export(base_formats.XLSX(), districts))).active
    assert sheet.title == str(District._meta.verbose_name_plural)
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    header = [c.value for c in sheet[1]]
    positions = [row[header.index("position")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert positions == list(districts.values_list("position", flat=True))  # numbers, not text


@pytest.mark.django_db
def test_the_admins_export_refuses_past_the_limit(seeded, limit):
    limit(1)
    with pytest.raises(ExportRefused):
        admin_export(base_formats.CSV(), District.objects.all())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_choice_label_is_the_models_own_in_each_language(language):
    resource = ApprovalCaseResource()
    case = ApprovalCase(state=ApprovalCase.State.UNDER_REVIEW, applicant_type=ApprovalCase.ApplicantType.PERSON)
    with translation.override(language):
        assert resource.choice_label(case, "state") == str(case.get_state_display())
        assert resource.choice_label(case, "applicant_type") == str(case.get_applicant_type_display())


def test_a_choice_label_follows_the_language_within_one_export():
    resource = ApprovalCaseResource()
    case = ApprovalCase(state=ApprovalCase.State.UNDER_REVIEW)
    with translation.override("zh-hans"):
        chinese = resource.choice_label(case, "state")
    with translation.override("en"):
        english = resource.choice_label(case, "state")
    assert chinese != english and english == "under review"


def test_a_value_outside_the_choices_is_shown_as_it_is():
    case = ApprovalCase(state="no-such-state")
    assert ApprovalCaseResource().choice_label(case, "state") == "no-such-state" == case.get_state_display()


@pytest.mark.django_db
def test_the_export_page_names_each_column_as_its_file_does_and_runs_no_inline_code(client, seeded):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/approvals/approvalcase/export/").content.decode()
    assert ">案件编号</label>" in html and "Number (" not in html
    assert ">全选</label>" in html
    assert " onchange=" not in html and ' style="' not in html.split("<form", 1)[1]


@pytest.mark.django_db
def test_the_exported_file_is_named_in_chinese(client, seeded, monkeypatch):
    import datetime as dt
    from urllib.parse import quote

    from tests.factories import UserFactory

    freeze_localdate(monkeypatch, dt.date(2026, 12, 5))
    from policyops.resources import DistrictResource

    fields = every_column_ticked(DistrictResource)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post("/admin/policyops/district/export/", {"format": "0", "resource": "0", **fields})
    assert response["Content-Type"].startswith("text/csv")  # the first format offered
    name = f"{District._meta.verbose_name_plural}-20261205.csv"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"


# --- the workbook itself (policyops.xlsx) ------------------------------------------------------


def test_text_that_looks_like_a_link_a_number_or_a_formula_stays_the_text_it_is():
    texts = ["http://www.pingdu.gov.cn", "00123", "=SUM(A1:A2)"]
    sheet = load_workbook(io.BytesIO(workbook_bytes([("t", ["text"], [[t] for t in texts])]))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["http://www.pingdu.gov.cn", "00123", "'=SUM(A1:A2)"]  # disarmed
    assert all(c.data_type == "s" and c.hyperlink is None for c in cells)


def test_dates_times_and_shares_keep_their_kind():
    row = [dt.date(2026, 12, 5), dt.datetime(2026, 12, 5, 9, 30), Share(0.125), None, 3]
    sheet = load_workbook(io.BytesIO(workbook_bytes([("t", list("abcde"), [row])]))).active
    day, moment, share_cell, empty, number = sheet[2]
    assert (day.value, day.number_format) == (dt.datetime(2026, 12, 5), "yyyy-mm-dd")
    assert moment.value == dt.datetime(2026, 12, 5, 9, 30) and share_cell.number_format == "0.0%"
    assert share_cell.value == 0.125 and empty.value is None and number.value == 3


@pytest.mark.parametrize(("title", "name"), [("'办理/情况'", "办理 情况"), ("[]", "Sheet"),
                                             ("很" * 40, "很" * 31)])
def test_a_sheet_title_excel_would_refuse_is_mended(title, name):
    assert load_workbook(io.BytesIO(workbook_bytes([(title, ["a"], [])]))).active.title == name
