"""The bad-file zoo: every import face against every kind of bad (or merely unusual) file.

Faces: the admin's 导入 of every Resource (upload, then confirm), the road project list page,
the admin's 导入年度官方日历 and ``load_seeds`` (CSV only). Each outcome is either refused with a Chinese message or
imported whole; never a 500, and nothing half-written (rows counted before and after).
"""
from __future__ import annotations

import csv
import functools
import io
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from openpyxl import Workbook

from policyops import importing, seeding
from policyops.admin_import import PipelineImportMixin
from policyops.models import District
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
HUNDRED_MB = 100 * 1024 * 1024
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


# --- the files -------------------------------------------------------------------------------------------


def csv_of(header, rows, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_of(header, rows, *, merge=None, formula_at=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(list(values))
    if formula_at:
        sheet[formula_at] = '="x"&"y"'
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def declared_bomb(header, rows) -> bytes:
    """A real workbook whose worksheet's central-directory entry declares 300 MB unpacked: the
    guard must refuse it by that declaration, before anything is inflated."""
    content = bytearray(xlsx_of(header, rows))
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        names = [info.filename for info in archive.infolist()]
    index = names.index("xl/worksheets/sheet1.xml")
    offset = -1
    for _ in range(index + 1):
        offset = content.index(b"PK\x01\x02", offset + 1)
    content[offset + 24:offset + 28] = (300 * 1024 * 1024).to_bytes(4, "little")  # uncompressed size
    return bytes(content)


@functools.cache
def filler_bomb(header: tuple, rows: tuple) -> bytes:
    """An honest bomb: the sheet really holds 20 MB of blank rows, deflated some 1,000 times."""
    content = xlsx_of(header, rows)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row/>" * (20 * 1024 * 1024 // 6) + b"</sheetData>")
            target.writestr(item.filename, data)
    return out.getvalue()


def chinese_dates(rows):
    def cell(value):
        found = ISO_DATE.match(str(value))
        return f"{int(found[1])}年{int(found[2])}月{int(found[3])}日" if found else value

    return [[cell(v) for v in r] for r in rows]


@dataclass(frozen=True)
class Case:
    name: str
    expect: str  # "ok", "refused" or "either" (a clear refusal and a whole import are both right)
    xlsx: bool = False

    def make(self, header, rows, tmp_path: Path):
        """(file name, content: bytes or a Path to a sparse file)."""
        n = self.name
        if n == "gbk":
            return "t.csv", csv_of(header, rows, "gbk")
        if n == "utf8_bom":
            return "t.csv", csv_of(header, rows, "utf-8-sig")
        if n == "merged_cells":
            return "t.xlsx", xlsx_of(header, rows, merge=f"A2:A{len(rows) + 1}")
        if n == "missing_column":
            return "t.csv", csv_of(header[1:], [r[1:] for r in rows])
        if n == "extra_column":
            return "t.csv", csv_of([*header, "颜色"], [[*r, "红"] for r in rows])
        if n == "blank_rows":
            body = csv_of(header, rows).decode().split("\n")
            return "t.csv", ("\n\n".join(body[:1] + [",,,\n" + line for line in body[1:] if line]) + "\n\n").encode()
        if n == "numbers_as_text":
            return "t.xlsx", xlsx_of(header, [[str(v) for v in r] for r in rows])
        if n == "chinese_dates":
            return "t.csv", csv_of(header, chinese_dates(rows))
        if n == "duplicate_rows":
            return "t.csv", csv_of(header, [*rows, rows[0]])
        if n == "formulas":
            return "t.xlsx", xlsx_of(header, rows, formula_at=f"B{len(rows) + 1}")
        if n == "nul_bytes":
            return "t.csv", csv_of(header, rows).replace(b"\n", b"\x00\n", 2)
        if n == "truncated_xlsx":
            content = xlsx_of(header, rows)
            return "t.xlsx", content[: len(content) // 2]
        if n == "zip_bomb":
            return "t.xlsx", declared_bomb(header, rows)
        if n == "filler_bomb":
            return "t.xlsx", filler_bomb(tuple(header), tuple(tuple(r) for r in rows))
        if n == "hundred_mb":
            path = tmp_path / "big.csv"
            with path.open("wb") as handle:
                handle.write(csv_of(header, rows))
                handle.truncate(HUNDRED_MB)  # sparse: no 100 MB written to disk
            return "big.csv", path
        raise AssertionError(n)


CASES = [
    Case("gbk", "ok"), Case("utf8_bom", "ok"), Case("merged_cells", "either", xlsx=True),
    Case("missing_column", "refused"), Case("extra_column", "refused"), Case("blank_rows", "ok"),
    Case("numbers_as_text", "ok", xlsx=True), Case("chinese_dates", "either"), Case("duplicate_rows", "refused"),
    Case("formulas", "refused", xlsx=True), Case("nul_bytes", "refused"), Case("truncated_xlsx", "refused", xlsx=True),
    Case("zip_bomb", "refused", xlsx=True), Case("filler_bomb", "refused", xlsx=True), Case("hundred_mb", "refused"),
]


# --- the faces ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    errors: list[str]
    saved: bool


def pipeline_admins():
    """Every admin with a pipeline 导入, by its URL prefix (app_model)."""
    return {f"{m._meta.app_label}_{m._meta.model_name}": a for m, a in admin.site._registry.items()
            if isinstance(a, PipelineImportMixin)}


ADMIN_FACES = sorted(pipeline_admins())


def existing_rows(model_admin, count=2):
    """Header and rows of records already there, as the admin exports them (a valid file)."""
    resource = model_admin.get_export_resource_classes(None)[0]()
    dataset = resource.export(model_admin.model.objects.order_by("pk")[:count])
    columns = importing.tables.expected_columns(resource)
    indexes = [dataset.headers.index(c) for c in columns]
    return columns, [[("" if r[i] is None else r[i]) for i in indexes] for r in dataset]


def road_rows():
    from tests.roads.test_import_export import HEADERS, good_rows

    return HEADERS, good_rows()[:2]


def hand_written_rows(label: str):
    from policyops.models import Indicator

    if label == "policyops_calendaroverride":
        return ["date", "is_working_day", "name", "official", "note"], [
            ["2031-10-08", "0", "测试", "0", "x"], ["2031-10-09", "1", "测试", "0", "x"]]
    if label == "policyops_indicatorreading":
        name = Indicator.objects.order_by("pk").first().name
        return ["indicator", "period_end", "value", "source"], [[name, "2031-06-30", "1", "x"],
                                                                [name, "2031-12-31", "2", "x"]]
    if label == "roads_roadproject":
        return road_rows()
    return None


def errors_of(response) -> list[str]:
    form = response.context.get("form") if response.context else None
    errors = list(form.errors.get("import_file", [])) if form is not None else []
    return errors + [str(m) for m in response.context.get("messages", [])] if response.context else errors


def admin_submit(client, user, label, filename, payload) -> Outcome:
    from tests.policyops.test_calendar_writes import hidden_inputs

    model_admin = pipeline_admins()[label]
    if isinstance(payload, Path):
        # A 100 MB upload without 100 MB in memory: the view gets the (sparse) file as Django
        # would hand it over after streaming it to a temporary file.
        request = RequestFactory().post(reverse(f"admin:{label}_import"))
        request.user = user
        request._post = QueryDict("format=0&resource=0")
        handle = payload.open("rb")
        request._files = MultiValueDict({"import_file": [UploadedFile(handle, filename, "text/csv",
                                                                      payload.stat().st_size)]})
        try:
            response = model_admin.import_action(request)
            response.render()
        finally:
            handle.close()
        assert response.status_code == 200
        return Outcome(list(response.context_data["form"].errors.get("import_file", [])), False)
    preview = client.post(reverse(f"admin:{label}_import"), {
        "format": "0", "resource": "0", "import_file": SimpleUploadedFile(filename, payload)})
    assert preview.status_code == 200, preview.status_code
    if preview.context.get("confirm_form") is None:
        return Outcome(errors_of(preview), False)
    process_url = reverse(f"admin:{label}_process_import")
    confirmed = client.post(process_url, hidden_inputs(preview.content.decode(), process_url), follow=True)
    assert confirmed.status_code == 200
    errors = [str(m) for m in confirmed.context["messages"] if m.level_tag == "error"]
    return Outcome(errors, not errors)


def road_page_submit(client, filename, payload) -> Outcome:
    from programs.roads.views_import import SESSION_KEY

    url = reverse("roads:project-import")
    if isinstance(payload, Path):
        # What the browser announces: the page refuses by the request's length, unread.
        response = client.post(url, {"file": SimpleUploadedFile(filename, b"x")},
                               CONTENT_LENGTH=str(payload.stat().st_size))
        assert response.status_code == 200
        refused_by_length = [str(response.context["error"])]
        from programs.roads import project_lists

        # And the pipeline itself reads no more than its limit from the file.
        with payload.open("rb") as handle:
            report = project_lists.preview_import(handle, filename=filename, user=response.wsgi_request.user)
        return Outcome(refused_by_length + [str(p) for p in report.problems], False)
    response = client.post(url, {"file": SimpleUploadedFile(filename, payload)})
    assert response.status_code == 200
    report = response.context.get("report")
    if report is None or not report.ok:
        form_errors = list(response.context["form"].errors.get("file", []))
        errors = [str(p) for p in report.problems] if report is not None else form_errors
        return Outcome(errors, False)
    confirmed = client.post(url, {"token": client.session[SESSION_KEY]["token"]}, follow=True)
    errors = [str(m) for m in confirmed.context["messages"] if m.level_tag == "error"]
    return Outcome(errors, not errors)


CALENDAR_HEADER = ["date", "type", "name"]
CALENDAR_ROWS = [["2031-10-01", "休", "国庆节"], ["2031-10-11", "班", "国庆节调休"]]


def official_calendar_submit(client, user, filename, payload) -> Outcome:
    from policyops import services

    if isinstance(payload, Path):  # the form refuses it by its size; the service reads no more than its limit
        with payload.open("rb") as handle:
            report = services.calendar_import_official_file(year=2031, file=handle, filename=filename,
                                                            acting_user=user)
        return Outcome([str(p) for p in report.problems], report.saved)
    response = client.post(reverse("admin:policyops_calendaroverride_import_official_year"),
                           {"year": "2031", "notice": "", "file": SimpleUploadedFile(filename, payload)}, follow=True)
    assert response.status_code == 200
    errors = list(response.context["form"].errors.get("file", [])) if "form" in response.context else []
    return Outcome(errors, not errors and response.redirect_chain != [])


SEED_HEADER = ["name", "position", "source"]
SEED_ROWS = [["测试甲区", "91", "测试"], ["测试乙区", "92", "测试"]]


def seed_submit(tmp_path, monkeypatch, filename, payload) -> Outcome:
    from policyops import resources

    folder = tmp_path / "seeds"
    folder.mkdir(exist_ok=True)
    target = folder / "districts.csv"
    if isinstance(payload, Path):
        payload.replace(target)
    else:
        target.write_bytes(payload)
    monkeypatch.setattr(seeding, "_registry", {})
    seeding.register("districts.csv", resources.DistrictResource, 10)
    try:
        seeding.load_seeds(folder)
    except seeding.SeedsInvalid as exc:
        return Outcome([str(p) for p in exc.problems], False)
    return Outcome([], True)


# --- the walk ----------------------------------------------------------------------------------------------


def check(outcome: Outcome, case: Case, before: int, after: int, *, new_rows: int | None):
    if case.expect == "ok":
        assert outcome.saved and not outcome.errors, outcome.errors
    elif case.expect == "refused":
        assert not outcome.saved and outcome.errors
    if outcome.errors:
        assert after == before, "a refused file wrote rows"
        assert not any("Traceback" in e for e in outcome.errors)
        assert all(CHINESE.search(e) for e in outcome.errors), outcome.errors
    elif new_rows is not None:
        assert after == before + new_rows, "not imported whole"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("label", ADMIN_FACES)
def test_every_admin_import_survives_the_zoo(client, seeded, tmp_path, label, case):
    model_admin = pipeline_admins()[label]
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    header, rows = hand_written_rows(label) or existing_rows(model_admin)
    if not rows:
        pytest.skip("no record to export as a valid file")
    model = model_admin.model
    before = model.objects.count()
    started = time.monotonic()
    outcome = admin_submit(client, user, label, *case.make(header, rows, tmp_path))
    if case.name in ("zip_bomb", "filler_bomb", "hundred_mb"):
        assert time.monotonic() - started < 5, "refused only after reading it"
    new_rows = len(rows) if hand_written_rows(label) and label != "roads_roadproject" else None
    check(outcome, case, before, model.objects.count(), new_rows=new_rows)
    if case.name in ("missing_column", "extra_column"):
        assert any(header[-1] in e and header[1] in e for e in outcome.errors), outcome.errors


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_road_project_page_survives_the_zoo(client, seeded, tmp_path, case):
    from programs.roads.models import RoadProject

    client.force_login(make_user(Role.PROGRAMME_MANAGER, district=District.objects.get(name="平度市")))
    header, rows = road_rows()
    before = RoadProject.objects.count()
    outcome = road_page_submit(client, *case.make(header, rows, tmp_path))
    check(outcome, case, before, RoadProject.objects.count(), new_rows=len(rows))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_official_calendar_import_survives_the_zoo(client, seeded, tmp_path, case):
    from policyops.models import CalendarOverride

    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    before = CalendarOverride.objects.count()
    outcome = official_calendar_submit(client, user, *case.make(CALENDAR_HEADER, CALENDAR_ROWS, tmp_path))
    check(outcome, case, before, CalendarOverride.objects.count(), new_rows=len(CALENDAR_ROWS))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_load_seeds_survives_the_zoo(seeded, tmp_path, monkeypatch, case):
    before = District.objects.count()
    filename, payload = case.make(SEED_HEADER, SEED_ROWS, tmp_path)
    outcome = seed_submit(tmp_path, monkeypatch, filename, payload)
    seed_case = Case(case.name, "refused") if case.xlsx else case  # seeds are CSV files
    check(outcome, seed_case, before, District.objects.count(), new_rows=len(SEED_ROWS))


# --- load_seeds: no natural key twice, a size limit ------------------------------------------------------------


def test_a_seed_file_with_a_key_twice_is_refused_naming_file_lines_and_key(seeded, tmp_path, monkeypatch):
    content = csv_of(SEED_HEADER, [SEED_ROWS[0], SEED_ROWS[1], ["测试甲区", "93", "另一个"]])
    outcome = seed_submit(tmp_path, monkeypatch, "districts.csv", content)
    [error] = outcome.errors
    assert "districts.csv" in error and "4" in error and "2" in error and "测试甲区" in error
    assert not District.objects.filter(name__startswith="测试").exists()


def test_a_seed_file_over_the_size_limit_is_refused_unread(seeded, tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.write(csv_of(SEED_HEADER, SEED_ROWS))
        handle.truncate(seeding.SEED_MAX_BYTES + 1)
    outcome = seed_submit(tmp_path, monkeypatch, "districts.csv", path)
    [error] = outcome.errors
    assert "districts.csv" in error and "1 MB" in error


def test_an_admin_import_with_a_key_twice_is_refused(client, seeded):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    content = csv_of(SEED_HEADER, [SEED_ROWS[0], ["测试甲区", "93", "另一个"]])
    outcome = admin_submit(client, None, "policyops_district", "d.csv", content)
    [error] = outcome.errors
    assert "3" in error and "2" in error and "name=测试甲区" in error
    assert not District.objects.filter(name="测试甲区").exists()


# --- formulas on the way in ---------------------------------------------------------------------------------------


def test_an_exported_apostrophe_is_taken_off_on_import(seeded):
    from policyops.resources import DistrictResource

    content = csv_of(SEED_HEADER, [["测试甲区", "91", "'-"], ["测试乙区", "92", "'+86 532 1234"]])
    report = importing.import_table(DistrictResource(), content, filename="d.csv", dry_run=False)
    assert report.saved, report.problems
    assert District.objects.get(name="测试甲区").source == "-"
    assert District.objects.get(name="测试乙区").source == "+86 532 1234"


def test_a_text_cell_that_merely_starts_like_a_formula_is_kept_as_text(seeded):
    from policyops.resources import DistrictResource

    content = csv_of(SEED_HEADER, [["测试甲区", "91", "+86 532"], ["测试乙区", "92", "@某人"],
                                   ["测试丙区", "93", "=1"]])
    report = importing.import_table(DistrictResource(), content, filename="d.csv", dry_run=False)
    assert report.saved, report.problems
    sources = [District.objects.get(name=n).source for n in ("测试甲区", "测试乙区", "测试丙区")]
    assert sources == ["+86 532", "@某人", "=1"]


def test_an_xlsx_formula_cell_is_refused_naming_the_cell(seeded):
    from policyops.resources import DistrictResource

    content = xlsx_of(SEED_HEADER, [["测试甲区", 91, "x"], ["测试乙区", 92, "y"]], formula_at="C3")
    report = importing.import_table(DistrictResource(), content, filename="d.xlsx", dry_run=False)
    [problem] = report.problems
    assert problem.line is None and "C3" in problem.reason
    assert not District.objects.filter(name__startswith="测试").exists()
