"""Project lists in: the all-or-nothing import page and its file checks (export: test_export.py)."""
import csv
import io
import os
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook

from policyops.audit import entries_for
from policyops.models import District
from policyops.roles import Role
from programs.roads import project_lists
from programs.roads.models import ProjectMilestone, RoadProject, Step
from programs.roads.project_lists import import_project_table
from programs.roads.resources import PROJECT_COLUMNS, PROJECT_EXPORT_ONLY_COLUMNS
from programs.roads.views_import import SESSION_KEY
from tests.conftest import make_user

D = Decimal
HEADERS = list(PROJECT_COLUMNS.values())
QUANTITY = PROJECT_COLUMNS["quantity"]
IMPORT_URL = "roads:project-import"


# --- files ------------------------------------------------------------------------------------


def row(**overrides):
    values = {
        "district": "平度市", "town": "演示甲镇", "name": "甲镇东西路提档升级", "work_type": "路网提档升级",
        "quantity": "10公里", "pavement_width_m": "6.5", "surface": "沥青混凝土", "surface_thickness_cm": "6",
        "base_layer": "碎石类刚性基层", "passing_bays": "0", "poverty_km": "0", "estimate_wan": "2000万元",
        "plan_year": "2019", "excess": "否", "responsible_unit": "平度市交通运输局", "contact": "张三",
        "bus_bays": "0", "bus_shelters": "0", "bus_signs": "0",
    }
    values.update(overrides)
    return [values[attribute] for attribute in PROJECT_COLUMNS]


def good_rows():
    return [
        row(),
        row(name="乙镇危桥改造", work_type="危桥改造", quantity="2座", pavement_width_m="", surface="",
            surface_thickness_cm="", base_layer="", estimate_wan="300", plan_year="2018"),
        row(name="丙镇中修", work_type="中修", quantity="５．５", pavement_width_m="5", estimate_wan="400",
            poverty_km="2", plan_year="2020", excess="是"),
    ]


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    """Previewed lists wait in a folder of this test (programs.roads.import_store)."""
    settings.ROADS_IMPORT_DIR = tmp_path / "imports"




def upload(client, name, content):
    return client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile(name, content)})


def confirm(client):
    token = client.session[SESSION_KEY]["token"]
    return client.post(reverse(IMPORT_URL), {"token": token})


def page_text(response):
    return response.content.decode()


def test_import_page_needs_login_and_the_permission(client, seeded):
    response = client.get(reverse(IMPORT_URL))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(make_user(Role.CLERK, district=District.objects.get(name="平度市")))
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.get(reverse("roads:project-export-xlsx")).status_code == 403


def test_good_csv_previews_then_imports_with_milestones(client, manager):
    client.force_login(manager)
    assert client.get(reverse(IMPORT_URL)).status_code == 200
    response = upload(client, "项目清单.csv", csv_bytes(good_rows()))
    assert response.status_code == 200
    report = response.context["report"]
    assert report.ok and report.totals["new"] == 3
    assert [r.line for r in report.rows] == [2, 3, 4]
    assert RoadProject.objects.count() == 0  # a preview saves nothing

    response = confirm(client)
    assert response.status_code == 302
    assert RoadProject.objects.count() == 3
    bridge = RoadProject.objects.get(name="乙镇危桥改造")
    assert bridge.quantity == 2 and bridge.plan_year == 2018 and bridge.pavement_width_m is None
    medium = RoadProject.objects.get(name="丙镇中修")
    assert medium.quantity == D("5.5") and medium.excess is True and medium.poverty_km == 2
    upgrade = RoadProject.objects.get(name="甲镇东西路提档升级")
    assert upgrade.estimate_wan == 2000 and upgrade.state == RoadProject.State.PLANNED
    for project in RoadProject.objects.all():
        assert sorted(project.milestones.values_list("step", flat=True)) == sorted(Step.ORDER)
        assert [e.action for e in entries_for(project)] == ["create"]
    assert SESSION_KEY not in client.session


def test_good_xlsx_imports(client, manager):
    rows = good_rows()
    rows[0][list(PROJECT_COLUMNS).index("quantity")] = 69.7  # numeric cells as Excel stores them
    rows[0][list(PROJECT_COLUMNS).index("plan_year")] = 2019
    client.force_login(manager)
    response = upload(client, "projects.XLSX", xlsx_bytes(rows))
    assert response.context["report"].ok, response.context["report"].problems
    confirm(client)
    assert RoadProject.objects.get(name="甲镇东西路提档升级").quantity == D("69.7")
    assert ProjectMilestone.objects.count() == 12


def test_one_bad_row_saves_nothing_and_names_row_and_column(client, manager, pingdu):
    rows = good_rows()
    rows[1] = row(name="乙镇路", quantity="约160")
    report = import_project_table(csv_bytes(rows), filename="bad.csv", user=manager, dry_run=False)
    assert not report.saved
    assert RoadProject.objects.count() == 0 and ProjectMilestone.objects.count() == 0
    [problem] = report.problems
    assert (problem.line, problem.column) == (3, QUANTITY)
    assert "约160" in problem.reason and "估计值" in problem.reason

    client.force_login(manager)
    response = upload(client, "bad.csv", csv_bytes(rows))
    html = page_text(response)
    assert response.context["confirm_form"] is None
    assert SESSION_KEY not in client.session
    assert QUANTITY in html and "约160" in html
    assert RoadProject.objects.count() == 0


def test_errors_of_several_rows_and_columns_are_all_reported(manager):
    rows = [row(), row(name="", work_type="小修", excess="也许"), row(estimate_wan="10-20"),
            row(plan_year="2021", name="另一条路"), row()]
    report = import_project_table(csv_bytes(rows), filename="x.csv", user=manager, dry_run=True)
    found = {(p.line, p.column) for p in report.problems}
    assert (3, PROJECT_COLUMNS["name"]) in found
    assert (3, PROJECT_COLUMNS["work_type"]) in found
    assert (3, PROJECT_COLUMNS["excess"]) in found
    assert (4, PROJECT_COLUMNS["estimate_wan"]) in found
    assert (5, PROJECT_COLUMNS["plan_year"]) in found
    assert (6, PROJECT_COLUMNS["name"]) in found  # the same key as line 2
    assert RoadProject.objects.count() == 0


def test_blank_lines_keep_the_file_line_numbers(manager):
    content = csv_bytes([row(), [""] * len(HEADERS), row(name="另一条路", quantity="若干")])
    report = import_project_table(content, filename="x.csv", user=manager, dry_run=True)
    assert [(p.line, p.column) for p in report.problems] == [(4, QUANTITY)]


def test_another_districts_row_is_refused_for_a_manager(client, manager):
    rows = [row(), row(district="莱西市", name="莱西的路")]
    client.force_login(manager)
    response = upload(client, "x.csv", csv_bytes(rows))
    [problem] = response.context["report"].problems
    assert (problem.line, problem.column) == (3, PROJECT_COLUMNS["district"])
    assert "莱西市" in problem.reason
    assert response.context["confirm_form"] is None
    assert RoadProject.objects.count() == 0


def test_a_supervisor_imports_every_district(client, supervisor, seeded):
    rows = [row(), row(district="莱西市", name="莱西的路")]
    report = import_project_table(csv_bytes(rows), filename="x.csv", user=supervisor, dry_run=False)
    assert report.saved and RoadProject.objects.count() == 2


@pytest.mark.parametrize("name, content", [
    ("random.xlsx", os.urandom(4096)),
    ("zip-not-excel.xlsx", b"PK\x03\x04" + os.urandom(2048)),
    ("random.csv", os.urandom(4096)),
    ("empty.csv", b""),
    ("empty.xlsx", b""),
    ("nul.csv", b"a,b\x00,c\n"),
])
def test_hostile_files_give_an_error_not_a_500(client, manager, name, content):
    client.force_login(manager)
    with translation.override("zh-hans"):
        response = upload(client, name, content)
    assert response.status_code == 200
    errors = response.context["form"].errors.get("file") or [
        p.reason for p in getattr(response.context.get("report"), "problems", [])]
    assert errors
    assert RoadProject.objects.count() == 0
    assert SESSION_KEY not in client.session


def test_the_hostile_xlsx_message_is_the_translated_one(client, manager):
    client.force_login(manager)
    response = upload(client, "random.xlsx", os.urandom(4096))
    with translation.override("zh-hans"):
        expected = gettext("The file is not an Excel workbook (.xlsx).")
    assert response.context["form"].errors["file"] == [expected]
    assert expected in page_text(response)


def test_wrong_header_lists_missing_and_unknown_columns(client, manager):
    headers = ["district", "name", "length"]
    client.force_login(manager)
    response = upload(client, "wrong.csv", csv_bytes([["平度市", "路", "1"]], headers=headers))
    problems = response.context["report"].problems
    assert problems and all(p.line == 1 for p in problems)
    columns = " ".join(p.column for p in problems)
    assert "区(市)" in columns and "length" in columns
    assert response.context["confirm_form"] is None


def test_full_width_headers_and_gbk_csv_are_read(manager):
    headers = [h.replace("(", "（").replace(")", "）") for h in HEADERS]
    content = csv_bytes([row()], headers=headers, encoding="gb18030")
    report = import_project_table(content, filename="gbk.csv", user=manager, dry_run=False)
    assert report.saved and RoadProject.objects.count() == 1


@pytest.mark.parametrize("name", ["projects.xls", "projects.txt", "projects"])
def test_other_file_types_are_refused(client, manager, name):
    client.force_login(manager)
    response = upload(client, name, csv_bytes([row()]))
    assert response.context["form"].errors["file"]
    assert RoadProject.objects.count() == 0


def test_oversize_files_are_refused(client, manager):
    client.force_login(manager)
    slightly = upload(client, "big.csv", b"x" * (project_lists.PROJECT_UPLOAD_MAX_BYTES + 1))
    assert slightly.status_code == 200 and slightly.context["form"].errors["file"]
    far = upload(client, "big.csv", b"x" * (project_lists.PROJECT_UPLOAD_MAX_BYTES + 200 * 1024))
    assert far.status_code == 200 and far.context["error"]
    report = import_project_table(b"x" * (project_lists.PROJECT_UPLOAD_MAX_BYTES + 1), filename="big.csv",
                                  user=manager, dry_run=True)
    [problem] = report.problems
    assert problem.line is None and "5 MB" in problem.reason


def test_confirm_needs_the_previews_token(client, manager):
    client.force_login(manager)
    upload(client, "x.csv", csv_bytes([row()]))
    response = client.post(reverse(IMPORT_URL), {"token": "forged"})
    assert response.status_code == 302
    assert RoadProject.objects.count() == 0
    confirm(client)
    assert RoadProject.objects.count() == 1
    # The stored file is gone: confirming twice imports nothing more.
    response = client.post(reverse(IMPORT_URL), {"token": "anything"})
    assert response.status_code == 302 and RoadProject.objects.count() == 1


def test_a_row_with_the_same_key_updates_the_project(manager):
    import_project_table(csv_bytes([row()]), filename="x.csv", user=manager, dry_run=False)
    project = RoadProject.objects.get()
    report = import_project_table(csv_bytes([row(quantity="12.5 km")]), filename="x.csv", user=manager,
                                  dry_run=False)
    assert report.totals["update"] == 1 and report.totals["new"] == 0
    project.refresh_from_db()
    assert project.quantity == D("12.5")
    assert project.milestones.count() == 4
    assert sorted(e.action for e in entries_for(project)) == ["create", "import_update"]
    # A preview of a change writes no audit row.
    import_project_table(csv_bytes([row(quantity="13")]), filename="x.csv", user=manager, dry_run=True)
    assert sorted(e.action for e in entries_for(project)) == ["create", "import_update"]


def test_the_state_column_is_never_imported(manager):
    import_project_table(csv_bytes([row()]), filename="x.csv", user=manager, dry_run=False)
    headers = [*HEADERS, PROJECT_EXPORT_ONLY_COLUMNS["state"]]
    content = csv_bytes([[*row(), "closed"]], headers=headers)
    report = import_project_table(content, filename="x.csv", user=manager, dry_run=False)
    assert report.ok and report.totals["skip"] == 1
    assert RoadProject.objects.get().state == RoadProject.State.PLANNED


# --- the admin's 导入 of road projects runs the same pipeline --------------------------------------------


def test_the_admin_import_reads_full_width_headers_and_refuses_another_district(client, manager):
    from tests.policyops.test_import_pipeline import admin_import

    client.force_login(manager)
    content = csv_bytes([row(), row(district="莱西市", name="莱西的路")])
    refused = admin_import(client, "roads_roadproject", "x.csv", content)
    [error] = refused.context["form"].errors["import_file"]
    assert "3" in error and PROJECT_COLUMNS["district"] in error and "莱西市" in error
    assert RoadProject.objects.count() == 0

    headers = [h.replace("(", "（").replace(")", "）") for h in HEADERS]
    response = admin_import(client, "roads_roadproject", "x.csv", csv_bytes(good_rows(), headers=headers))
    assert response.status_code == 302
    assert RoadProject.objects.count() == 3 and ProjectMilestone.objects.count() == 12
