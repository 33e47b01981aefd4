"""The one import pipeline (policyops.importing.import_table) and the admin's 导入 on it."""
import io
import time
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from policyops import importing
from policyops.importing import ImportProblem, import_table
from policyops.models import AuditEntry, District
from policyops.resources import CalendarOverrideResource, DistrictResource
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "name,position,source\n"


def names():
    return set(District.objects.values_list("name", flat=True))


def xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading and the header -------------------------------------------------------------------------


def test_a_missing_column_is_a_line_column_reason_problem(seeded):
    report = import_table(DistrictResource(), "name,source\n测试区,x\n".encode(), filename="d.csv", dry_run=False)
    assert report.problems == [ImportProblem(1, "position", "缺少该列。")]
    assert not report.saved and "测试区" not in names()


def test_unknown_and_repeated_columns_are_reported(seeded):
    report = import_table(DistrictResource(), b"name,position,source,colour,name\nx,1,y,red,x\n", filename="d.csv",
                          dry_run=True)
    assert {(p.line, p.column) for p in report.problems} == {(1, "colour"), (1, "name")}


def test_gbk_csv_is_accepted(seeded):
    content = (HEADER + "测试区,99,测试来源\n").encode("gbk")
    report = import_table(DistrictResource(), content, filename="d.csv", dry_run=False)
    assert report.ok and report.saved, report.problems
    assert District.objects.get(name="测试区").source == "测试来源"


def test_utf8_with_a_bom_is_accepted(seeded):
    report = import_table(DistrictResource(), ("\ufeff" + HEADER + "测试区,99,x\n").encode(), filename="d.csv",
                          dry_run=False)
    assert report.saved and "测试区" in names()


def test_more_rows_than_the_limit_are_refused(seeded):
    content = (HEADER + "".join(f"区{i},{i},x\n" for i in range(4))).encode()
    report = import_table(DistrictResource(), content, filename="d.csv", dry_run=False, max_rows=3)
    [problem] = report.problems
    assert problem.line is None and "3" in problem.reason
    assert "区0" not in names()


def test_the_default_limit_is_5000_rows(seeded):
    content = (HEADER + "".join(f"区{i},{i},x\n" for i in range(importing.MAX_ROWS + 1))).encode()
    report = import_table(DistrictResource(), content, filename="d.csv", dry_run=True)
    assert len(report.problems) == 1 and "5000" in report.problems[0].reason


def test_a_file_over_the_size_limit_is_refused(seeded):
    report = import_table(DistrictResource(), (HEADER + "x,1," + "y" * 2000 + "\n").encode(), filename="d.csv",
                          dry_run=True, max_bytes=1024)
    assert len(report.problems) == 1 and report.problems[0].line is None


def test_a_zip_bomb_is_refused_before_it_is_parsed(seeded):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(importing.MAX_UNPACKED_BYTES // len(chunk) + 1):
                member.write(chunk)
    bomb = buffer.getvalue()
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    report = import_table(DistrictResource(), bomb, filename="bomb.xlsx", dry_run=True)
    assert time.monotonic() - started < 1.0
    [problem] = report.problems
    assert problem.line is None and "解压后过大" in problem.reason


def test_a_file_that_is_no_workbook_is_refused(seeded):
    report = import_table(DistrictResource(), b"not a zip", filename="d.xlsx", dry_run=True)
    assert len(report.problems) == 1


def test_an_xlsx_file_is_read_like_a_csv(seeded):
    report = import_table(DistrictResource(), xlsx([["name", "position", "source"], ["测试区", 99, "x"]]),
                          filename="d.xlsx", dry_run=False)
    assert report.saved, report.problems
    assert District.objects.get(name="测试区").position == 99


# --- all or nothing, reported by line and column ---------------------------------------------------


def test_nothing_is_saved_when_one_row_is_bad(seeded):
    content = (HEADER + "甲区,97,x\n乙区,约98,x\n丙区,99,x\n").encode()
    report = import_table(DistrictResource(), content, filename="d.csv", dry_run=False)
    [problem] = report.problems
    assert (problem.line, problem.column) == (3, "position") and "约98" in problem.reason
    assert not report.saved
    assert not {"甲区", "乙区", "丙区"} & names()


def test_lines_are_the_files_own_despite_blank_lines(seeded):
    content = (HEADER + "\n甲区,97,x\n\n乙区,x98,x\n").encode()
    [problem] = import_table(DistrictResource(), content, filename="d.csv", dry_run=True).problems
    assert problem.line == 5


def test_a_dry_run_saves_nothing_and_runs_no_hook(seeded):
    calls = []

    class Hooked(DistrictResource):
        def after_saved(self, report):
            calls.append(report)

    report = import_table(Hooked(), (HEADER + "测试区,99,x\n").encode(), filename="d.csv", dry_run=True)
    assert report.ok and not report.saved and report.totals["new"] == 1
    assert "测试区" not in names() and calls == []
    report = import_table(Hooked(), (HEADER + "测试区,99,x\n").encode(), filename="d.csv", dry_run=False)
    assert report.saved and calls == [report]


def test_a_failing_hook_rolls_the_import_back(seeded):
    class Broken(DistrictResource):
        def after_saved(self, report):
            raise RuntimeError("hook failed")

    with pytest.raises(RuntimeError):
        import_table(Broken(), (HEADER + "测试区,99,x\n").encode(), filename="d.csv", dry_run=False)
    assert "测试区" not in names()


def test_a_boolean_that_is_not_one_is_refused(db):
    content = b"date,is_working_day,name,official,note\n2027-01-01,maybe,x,0,\n"
    report = import_table(CalendarOverrideResource(), content, filename="c.csv", dry_run=True)
    assert [(p.line, p.column) for p in report.problems] == [(2, "is_working_day")]


def test_a_resource_can_be_made_from_the_table(seeded):
    seen = []

    def make(table):
        seen.append(table.lines)
        return DistrictResource()

    import_table(make, (HEADER + "\n测试区,99,x\n").encode(), filename="d.csv", dry_run=True)
    assert seen == [[3]]


# --- the admin's 导入 goes through the pipeline --------------------------------------------------------


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def admin_user(db):
    # Districts are edited by administrators only (supervisors may not change them).
    return UserFactory(is_staff=True, is_superuser=True)


def test_the_admin_import_reports_a_missing_column_on_the_form_not_a_500(client, admin_user, seeded):
    client.force_login(admin_user)
    response = client.post(reverse("admin:policyops_district_import"),
                           {"format": "0", "resource": "0", "import_file": upload("d.csv", b"name,source\nx,y\n")})
    assert response.status_code == 200
    errors = response.context["form"].errors["import_file"]
    assert any("position" in e for e in errors)
    assert "confirm_form" not in response.context


def test_the_admin_import_preview_marks_a_change_without_an_inline_style(client, admin_user, seeded):
    # diff-match-patch colours each change in a style attribute, which the CSP refuses.
    district = District.objects.order_by("position").first()
    client.force_login(admin_user)
    content = (HEADER + f"{district.name},{district.position},改过的出处\n").encode()
    preview = client.post(reverse("admin:policyops_district_import"),
                          {"format": "0", "resource": "0", "import_file": upload("d.csv", content)})
    html = preview.content.decode()
    assert "<ins>改过的出处</ins>" in html and "<del>" in html
    assert " style=" not in html


def test_the_admin_import_previews_then_saves_a_gbk_file(client, admin_user, seeded):
    client.force_login(admin_user)
    content = (HEADER + "测试区,99,测试\n").encode("gbk")
    preview = client.post(reverse("admin:policyops_district_import"),
                          {"format": "0", "resource": "0", "import_file": upload("d.csv", content)})
    assert preview.status_code == 200 and preview.context["confirm_form"] is not None
    assert "测试区" not in names()
    confirmed = client.post(reverse("admin:policyops_district_process_import"), preview.context["confirm_form"].initial)
    assert confirmed.status_code == 302
    assert "测试区" in names()


def test_the_admin_import_refuses_a_bad_row_and_saves_nothing(client, admin_user, seeded):
    client.force_login(admin_user)
    content = (HEADER + "甲区,97,x\n乙区,约98,x\n").encode()
    response = client.post(reverse("admin:policyops_district_import"),
                           {"format": "0", "resource": "0", "import_file": upload("d.csv", content)})
    errors = response.context["form"].errors["import_file"]
    assert len(errors) == 1 and "3" in errors[0] and "position" in errors[0]
    assert not {"甲区", "乙区"} & names()


def test_the_confirm_step_imports_again_and_refuses_what_changed_since_the_preview(client, admin_user, seeded):
    from policyops.models import Department

    client.force_login(admin_user)
    District.objects.create(name="测试区", position=99)
    content = "name,district,kind,source\n测试区测试局,测试区,agency,x\n".encode()
    preview = client.post(reverse("admin:policyops_department_import"),
                          {"format": "0", "resource": "0", "import_file": upload("d.csv", content)})
    assert preview.context["form"].errors == {}, preview.context["form"].errors
    District.objects.filter(name="测试区").delete()  # meanwhile
    response = client.post(reverse("admin:policyops_department_process_import"),
                           preview.context["confirm_form"].initial, follow=True)
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert any("district" in e and "测试区" in e for e in errors), errors
    assert not Department.objects.filter(name="测试区测试局").exists()


def test_the_admin_import_audits_each_row_it_saved_and_the_preview_none(client, admin_user, seeded):
    from policyops.audit import entries_for

    client.force_login(admin_user)
    District.objects.create(name="旧区", position=96, source="旧")
    content = (HEADER + "新区甲,97,x\n旧区,96,改\n").encode()
    preview = client.post(reverse("admin:policyops_district_import"),
                          {"format": "0", "resource": "0", "import_file": upload("districts.csv", content)})
    assert not AuditEntry.objects.filter(action__startswith="import_").exists()
    confirmed = client.post(reverse("admin:policyops_district_process_import"), preview.context["confirm_form"].initial)
    assert confirmed.status_code == 302
    added, changed = District.objects.get(name="新区甲"), District.objects.get(name="旧区")
    assert [(e.action, e.actor, e.reason) for e in entries_for(added)] == [("import_add", admin_user, "districts.csv")]
    assert [(e.action, e.actor) for e in entries_for(changed)] == [("import_update", admin_user)]


def test_a_refused_admin_import_leaves_no_audit_row(client, admin_user, seeded):
    client.force_login(admin_user)
    content = "name,district,kind,source\n某局,无此区,agency,x\n".encode()
    response = client.post(reverse("admin:policyops_department_import"),
                           {"format": "0", "resource": "0", "import_file": upload("d.csv", content)})
    assert response.context["form"].errors
    assert not AuditEntry.objects.filter(action__startswith="import_").exists()


# --- the admins of other apps import through the pipeline too -----------------------------------------


def admin_import(client, model: str, name: str, content: bytes):
    """Upload as a browser would; then, if the preview offers it, confirm with its hidden inputs."""
    from tests.policyops.test_calendar_writes import hidden_inputs

    preview = client.post(reverse(f"admin:{model}_import"),
                          {"format": "0", "resource": "0", "import_file": upload(name, content)})
    assert preview.status_code == 200
    if preview.context.get("confirm_form") is None:
        return preview
    process_url = reverse(f"admin:{model}_process_import")
    return client.post(process_url, hidden_inputs(preview.content.decode(), process_url))


def test_the_road_target_admin_imports_through_the_pipeline(client, admin_user, seeded):
    from programs.roads.models import RoadTarget

    client.force_login(admin_user)
    header = "district,upgrade_km,village_access_km,pavement_total_km,major_medium_km,preventive_km,dangerous_bridges,"
    content = f"{header}bus_stops\n崂山区,1.5,0,44,44,0,0,0\n".encode("gbk")
    response = admin_import(client, "roads_roadtarget", "targets.csv", content)
    assert response.status_code == 302
    assert RoadTarget.objects.get(district__name="崂山区").upgrade_km == Decimal("1.5")

    wrong = f"{header}buses\n崂山区,2,0,44,44,0,0,0\n".encode()
    refused = admin_import(client, "roads_roadtarget", "targets.csv", wrong)
    errors = refused.context["form"].errors["import_file"]
    assert any("bus_stops" in e for e in errors) and any("buses" in e for e in errors), errors
    assert RoadTarget.objects.get(district__name="崂山区").upgrade_km == Decimal("1.5")


def test_the_delegated_power_admin_imports_through_the_pipeline(client, admin_user, seeded):
    from approvals.models import DelegatedPower

    client.force_login(admin_user)
    power = DelegatedPower.objects.get(number=1)
    content = (f"number,agency,name,item,sub_item,remark\n1,{power.agency.name},{power.name},{power.item},,"
               "测试备注\n").encode()
    response = admin_import(client, "approvals_delegatedpower", "powers.csv", content)
    assert response.status_code == 302
    power.refresh_from_db()
    assert power.remark == "测试备注"

    bad = f"number,agency,name,item,sub_item,remark\n约2,{power.agency.name},x,x,,\n".encode()
    refused = admin_import(client, "approvals_delegatedpower", "powers.csv", bad)
    [error] = refused.context["form"].errors["import_file"]
    assert "2" in error and "number" in error and "约2" in error
    assert refused.context.get("confirm_form") is None
    damaged = admin_import(client, "approvals_delegatedpower", "powers.xlsx", b"PK\x03\x04" + b"\0" * 64)
    assert damaged.context["form"].errors["import_file"]


# --- the fast XLSX reader reads what openpyxl reads --------------------------------------------------------


def openpyxl_rows(content: bytes) -> list:
    """What openpyxl's read-only, data-only mode reads: the reference of policyops.importing.xlsx."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        rows = [(n, list(r)) for n, r in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()
    return [(n, r[:max(i + 1 for i, v in enumerate(r) if v is not None)]) for n, r in rows
            if any(v is not None for v in r)]


def fast_rows(content: bytes) -> list:
    from policyops.importing import xlsx

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        rows = list(xlsx.read_rows(archive))
    return [(n, r[:max(i + 1 for i, v in enumerate(r) if v is not None)]) for n, r in rows
            if any(v is not None for v in r)]


def every_kind_of_cell(epoch=None) -> bytes:
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    workbook = Workbook()
    if epoch is not None:
        workbook.epoch = epoch
    sheet = workbook.active
    sheet.append(["文本", 1, 2.5, True, False, None, "=1+1", dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, 13, 30)])
    sheet.append([dt.time(8, 15), dt.timedelta(hours=30), 1e20, -3, "  空格  ", "x005F_y", 0.1 + 0.2, "#N/A"])
    sheet["C5"] = "稀疏"
    sheet["AA7"] = 7
    sheet.cell(row=9, column=2, value=CellRichText(["普通 ", TextBlock(InlineFont(b=True), "加粗")]))
    sheet["B10"] = 45000
    sheet["B10"].number_format = "yyyy-mm-dd"
    sheet["C10"] = 45000.5
    sheet["C10"].number_format = "[h]:mm:ss"
    sheet["D10"] = 12
    sheet["D10"].number_format = "0.00%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("epoch", [None, "1904"])
def test_the_xlsx_reader_reads_every_kind_of_cell_as_openpyxl(epoch):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    content = every_kind_of_cell(CALENDAR_MAC_1904 if epoch else None)
    assert fast_rows(content) == openpyxl_rows(content)


def test_the_xlsx_reader_reads_a_project_list_as_openpyxl():
    from programs.roads.sample_files import sample_xlsx

    content = sample_xlsx(60)
    assert fast_rows(content) == openpyxl_rows(content)


def rezipped(content: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, replace.get(item.filename, source.read(item.filename)))
    return out.getvalue()


def test_an_xlsx_part_with_a_dtd_is_refused(seeded):
    content = xlsx([["name", "position", "source"], ["测试区", 99, "x"]])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    laughs = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>' + sheet
    report = import_table(DistrictResource(), rezipped(content, {"xl/worksheets/sheet1.xml": laughs}),
                          filename="d.xlsx", dry_run=True)
    [problem] = report.problems
    assert problem.line is None and "测试区" not in names()


def test_a_cell_far_to_the_right_is_a_row_too_wide_not_a_huge_list(seeded):
    content = xlsx([["name", "position", "source"], ["测试区", 99, "x"]])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    far = sheet.replace("</row></sheetData>", '<c r="ZZZZZ2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    assert far != sheet
    report = import_table(DistrictResource(), rezipped(content, {"xl/worksheets/sheet1.xml": far.encode()}),
                          filename="d.xlsx", dry_run=True)
    [problem] = report.problems
    assert problem.line is None and str(importing.MAX_COLUMNS) in problem.reason


# --- checking many rows without a query per row ------------------------------------------------------------


def test_a_check_constraint_is_checked_in_python(django_assert_num_queries):
    from policyops.importing.checks import ModelRules
    from programs.roads.models import RoadProject

    rules = ModelRules(RoadProject, checked_unique=[("district", "name", "plan_year")])
    with django_assert_num_queries(0):
        errors = rules.errors(RoadProject(quantity=Decimal(0), estimate_wan=Decimal(1), name_as_read="甲"))
        unknown = rules.errors(RoadProject(quantity=None, estimate_wan=Decimal(1), name_as_read="甲"))  # NULL passes
        skipped = rules.errors(RoadProject(quantity=Decimal(0), estimate_wan=Decimal(1), name_as_read="甲"),
                               exclude={"quantity"})
    positive = next(c for c in RoadProject._meta.constraints if c.name == "roadproject_quantity_positive")
    assert [e.messages for e in errors["__all__"]] == [[positive.get_violation_error_message()]]
    assert unknown == {} and skipped == {}


def test_a_constraint_python_cannot_read_is_asked_of_the_database(seeded):
    from django.db import models

    from policyops.importing.checks import ModelRules
    from policyops.models import District as Model

    rules = ModelRules(Model)
    odd = models.CheckConstraint(condition=models.Q(name__startswith="测"), name="odd")
    rules.others.append((Model, odd))
    assert rules.errors(Model(name="别的", position=1))
    assert not rules.errors(Model(name="测试", position=1))


def test_a_preloaded_natural_key_widget_reads_no_row_per_cell(seeded, django_assert_num_queries):
    widget = importing.NaturalKeyWidget(District, field="name").preloaded()
    with django_assert_num_queries(0):
        assert widget.clean("平度市").name == "平度市"
        with pytest.raises(ValueError, match="火星区"):
            widget.clean("火星区")


# --- plain rows inserted without the ORM's cost per value --------------------------------------------------


def test_insert_rows_writes_what_bulk_create_would(seeded):
    import datetime as dt

    from django.contrib.contenttypes.models import ContentType

    from policyops.importing.writing import insert_rows
    from policyops.models import AuditEntry

    at = dt.datetime(2019, 3, 1, 9, 30, tzinfo=dt.UTC)
    district = District.objects.first()
    kind = ContentType.objects.get_for_model(District)
    assert insert_rows(AuditEntry, [{"at": at, "action": "测试", "content_type_id": kind.pk,
                                     "object_id": str(district.pk), "object_repr": str(district)}]) == 1
    entry = AuditEntry.objects.get(action="测试")
    assert (entry.at, entry.actor, entry.object_repr, entry.reason, entry.from_state) == (at, None, str(district), "",
                                                                                           "")


def test_the_xlsx_reader_reads_a_sheet_written_with_a_namespace_prefix():
    import re

    content = every_kind_of_cell()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    prefixed = re.sub(r"<(/?)(?!\?)([A-Za-z]+)", r"<\1x:\2", sheet).replace(' xmlns="', ' xmlns:x="', 1)
    assert "<x:c " in prefixed
    assert fast_rows(rezipped(content, {"xl/worksheets/sheet1.xml": prefixed.encode()})) == fast_rows(content)


def _road_projects(district, prefix: str, count: int = 3):
    from programs.roads.models import RoadProject

    return [RoadProject(district=district, town="南村镇", name=f"{prefix}{n}", name_as_read=f"{prefix}{n}",
                        work_type="路网提档升级", quantity=Decimal("10.5"),
                        pavement_width_m=Decimal("6.5") if n else None, estimate_wan=Decimal("5000"), plan_year=2018)
            for n in range(count)]


def test_create_with_history_writes_what_bulk_create_with_history_writes(seeded):
    """On PostgreSQL through COPY with ids drawn first (issue 12); the same rows as simple-history's helper."""
    import datetime as dt

    from simple_history.utils import bulk_create_with_history

    from policyops.importing.writing import create_with_history
    from programs.roads.models import RoadProject

    district, user, at = District.objects.get(name="平度市"), UserFactory(), dt.datetime(2019, 3, 1, 9, tzinfo=dt.UTC)
    theirs = bulk_create_with_history(_road_projects(district, "甲"), RoadProject, default_user=user,
                                      default_date=at)
    ours = create_with_history(_road_projects(district, "乙"), RoadProject, default_user=user, default_date=at)

    def saved(projects, skip=("id", "name", "name_as_read")):
        rows = RoadProject.objects.filter(pk__in=[p.pk for p in projects]).order_by("name").values()
        return [{k: v for k, v in row.items() if k not in skip} for row in rows]

    def history(projects):
        rows = RoadProject.history.filter(id__in=[p.pk for p in projects]).order_by("name").values()
        return [{k: v for k, v in row.items() if k not in ("id", "name", "history_id")} for row in rows]

    assert all(p.pk and not p._state.adding for p in ours)
    assert saved(ours) == saved(theirs) and len(saved(ours)) == 3
    assert history(ours) == history(theirs) and history(ours)[0]["history_user_id"] == user.pk
    assert [p.name for p in RoadProject.objects.filter(pk__in=[p.pk for p in ours]).order_by("pk")] == \
        [p.name for p in ours]  # each object holds its own row's key
