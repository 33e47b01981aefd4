"""Project lists out: export round trips, the subsidy quote column, scoping, no live formulas."""
import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from programs.roads import resources
from programs.roads.models import RoadProject
from programs.roads.project_lists import import_project_table
from programs.roads.resources import PROJECT_COLUMNS, PROJECT_EXPORT_ONLY_COLUMNS
from tests.roads.test_import_export import HEADERS, csv_bytes, good_rows, row
from tests.roads.test_projects import new_project

pytestmark = pytest.mark.django_db
D = Decimal



def import_good(user):
    report = import_project_table(csv_bytes(good_rows()), filename="x.csv", user=user, dry_run=False)
    assert report.saved, report.problems


def test_export_xlsx_round_trips_unchanged(client, manager):
    import_good(manager)
    client.force_login(manager)
    response = client.get(reverse("roads:project-export-xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header == [*HEADERS, *PROJECT_EXPORT_ONLY_COLUMNS.values()]
    report = import_project_table(content, filename="export.xlsx", user=manager, dry_run=False)
    assert report.ok, report.problems
    assert report.totals == {"new": 0, "update": 0, "delete": 0, "skip": 3, "invalid": 0, "error": 0}


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_project_named_in_full_width_comes_back_from_its_own_export_as_itself(client, manager, kind):
    # Typed in the admin with full-width brackets; a list's cells are read NFKC (half-width).
    project = new_project(manager, name="平度演示乙镇旅游路（演示）", town="演示乙镇（东）")
    client.force_login(manager)
    response = client.get(reverse(f"roads:project-export-{kind}"))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    report = import_project_table(content, filename=f"export.{kind}", user=manager, dry_run=False)
    assert report.ok, report.problems
    assert report.totals["new"] == 0 and report.totals["skip"] == 1  # found, and nothing changed
    saved = RoadProject.objects.get()
    assert (saved.name, saved.town) == ("平度演示乙镇旅游路（演示）", "演示乙镇（东）") == (project.name, project.town)


def test_export_csv_round_trips_unchanged_and_quotes_the_subsidy(client, manager, monkeypatch):
    import_good(manager)
    loads = []
    original = resources.RoadProjectResource.before_export

    def counting(self, queryset, **kwargs):
        loads.append(1)
        return original(self, queryset, **kwargs)

    monkeypatch.setattr(resources.RoadProjectResource, "before_export", counting)
    client.force_login(manager)
    response = client.get(reverse("roads:project-export-csv"))
    assert response.status_code == 200
    content = response.content
    assert content.startswith("\ufeff".encode())  # Excel reads the Chinese as UTF-8
    records = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    by_name = {r[PROJECT_COLUMNS["name"]]: r for r in records}
    quote = PROJECT_EXPORT_ONLY_COLUMNS["subsidy_quote"]
    assert D(by_name["甲镇东西路提档升级"][quote]) == D("900")  # 平度市 ≥ 6 m: 90 万元/km × 10
    assert D(by_name["乙镇危桥改造"][quote]) == D("135")       # 45 % of 300
    assert by_name["甲镇东西路提档升级"][PROJECT_COLUMNS["excess"]] == "否"
    assert len(loads) == 1
    report = import_project_table(content, filename="export.csv", user=manager, dry_run=False)
    assert report.ok, report.problems
    assert report.totals["skip"] == 3 and report.totals["new"] == report.totals["update"] == 0


def test_the_subsidy_table_is_loaded_once_per_export(manager, django_assert_max_num_queries):
    import_good(manager)
    import_project_table(csv_bytes([row(name=f"路{i}") for i in range(20)]), filename="x.csv",
                         user=manager, dry_run=False)
    from programs.roads.project_lists import export_projects

    with django_assert_max_num_queries(6):
        export_projects(RoadProject.objects.all(), "xlsx")


def test_export_shows_only_the_users_district(client, manager, supervisor):
    import_project_table(csv_bytes([row(), row(district="莱西市", name="莱西的路")]), filename="x.csv",
                         user=supervisor, dry_run=False)
    client.force_login(manager)
    content = client.get(reverse("roads:project-export-csv")).content.decode("utf-8-sig")
    assert "甲镇东西路提档升级" in content and "莱西的路" not in content
    client.force_login(supervisor)
    content = client.get(reverse("roads:project-export-csv")).content.decode("utf-8-sig")
    assert "莱西的路" in content


def test_formulas_are_not_exported_live(manager, supervisor):
    import_good(manager)
    RoadProject.objects.filter(name="丙镇中修").update(contact="=HYPERLINK(\"http://x\")")
    from programs.roads.project_lists import export_projects

    content = export_projects(RoadProject.objects.all(), "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in content
    sheet = load_workbook(io.BytesIO(export_projects(RoadProject.objects.all(), "xlsx"))).active
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


def test_an_export_past_the_row_limit_returns_to_the_import_page_saying_so(client, manager, monkeypatch):
    import_good(manager)  # three projects
    monkeypatch.setattr("policyops.exporting.EXPORT_MAX_ROWS", 2)
    client.force_login(manager)
    response = client.get(reverse("roads:project-export-xlsx"))
    assert response.status_code == 302 and response.url == reverse("roads:project-import")
    page = client.get(response.url)
    assert "一次最多导出 2 条" in page.content.decode()


def test_the_xlsx_export_names_its_sheet_and_freezes_its_header(manager):
    import_good(manager)
    from programs.roads.project_lists import export_projects

    sheet = load_workbook(io.BytesIO(export_projects(RoadProject.objects.all(), "xlsx"))).active
    assert sheet.title == "农村公路项目" and sheet.freeze_panes == "A2"


def test_a_name_that_reads_as_another_projects_of_its_district_and_year_is_refused(manager):
    from django.core.exceptions import ValidationError

    first = new_project(manager, name="平度演示乙镇旅游路（演示）")
    twin = RoadProject(district=first.district, name="平度演示乙镇旅游路(演示)", plan_year=first.plan_year,
                       work_type=first.work_type, quantity=first.quantity)
    with pytest.raises(ValidationError) as refused:
        twin.validate_unique()
    assert "平度演示乙镇旅游路（演示）" in str(refused.value.message_dict["name"])
    twin.plan_year = first.plan_year + 1  # another year: another project
    twin.validate_unique()
