"""Project lists: the edges of the check, the preview, the confirm and the bulk save
(programs.roads.project_lists) that mutation testing found no test pinned (README, *Mutation
testing*): a file refused as a whole, the order of the problems, rows that are not duplicates,
a whole-row error's column, a key naming two projects, no query per updated row, the write the
database refuses, the progress of updates, the lock, rights and tokens, the limits' boundaries."""
import datetime as dt
import logging

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from policyops.importing import NO_COLUMN, ImportProblem
from policyops.roles import Role, group_for
from programs.roads import import_store, project_lists
from programs.roads.models import RoadProject
from programs.roads.project_lists import (
    NEW,
    CheckedRow,
    ProjectImport,
    check_file,
    claim_for_background,
    confirm_import,
    has_expired,
    preview_import,
    runs_in_background,
    save_claimed,
    saved_projects,
)
from programs.roads.resources import PROJECT_COLUMNS, RoadProjectResource
from programs.roads.sample_files import sample_csv, sample_row, sample_rows
from programs.roads.views_import import SESSION_KEY
from tests.conftest import make_user
from tests.roads.factories import RoadProjectFactory
from tests.roads.test_import_export import csv_bytes, row

pytestmark = pytest.mark.django_db
IMPORT_URL = "roads:project-import"
NOW = dt.datetime(2019, 3, 1, 9, tzinfo=dt.UTC)
CONTACT = list(PROJECT_COLUMNS).index("contact")
EXPIRED = "该预览已过期或已被新上传的文件替换，请重新上传文件。"


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.ROADS_IMPORT_DIR = tmp_path / "imports"
    return settings.ROADS_IMPORT_DIR




def imported(user, content, *, now=NOW):
    preview = preview_import(content, filename="list.csv", user=user, now=now)
    assert preview.ok, preview.problems[:3]
    report = confirm_import(preview.token, user=user, now=now)
    assert report.saved, report.problems[:3]
    return report


def with_contact(rows, contact="新的联系人"):
    for cells in rows:
        cells[CONTACT] = contact
    return rows


def located(problems):
    return [(p.line, p.column) for p in problems]


# --- the file as a whole -----------------------------------------------------------------------------------


def test_a_file_without_a_header_row_is_refused_as_a_whole(manager):
    report = check_file(b"\n\n", filename="list.csv", user=manager)
    assert report.problems == [ImportProblem(None, NO_COLUMN, "文件没有表头行。")]
    assert report.rows == []


def test_a_header_without_rows_is_refused_as_a_whole(manager):
    report = check_file(csv_bytes([]), filename="list.csv", user=manager)
    assert report.problems == [ImportProblem(None, NO_COLUMN, "文件中没有可导入的数据行。")]
    assert report.rows == []


def test_a_row_with_cells_beyond_the_last_column_stops_the_check(manager):
    content = csv_bytes([row(), [*row(name="另一条路"), "多余"]])
    report = preview_import(content, filename="list.csv", user=manager, now=NOW)
    assert report.problems == [ImportProblem(3, NO_COLUMN, "该行在最后一列右侧还有单元格。")]
    assert report.rows == [] and report.token is None


# --- the rows' problems --------------------------------------------------------------------------------------


def test_problems_are_listed_by_line_before_column(manager):
    # Line 2's column (计划年度) sorts after line 3's (区(市)).
    rows = [row(name="甲路", plan_year="2021"), row(name="乙路", district="莱西市")]
    report = check_file(csv_bytes(rows), filename="list.csv", user=manager)
    assert located(report.problems) == [(2, PROJECT_COLUMNS["plan_year"]), (3, PROJECT_COLUMNS["district"])]


def test_rows_whose_key_cells_are_wrong_are_no_duplicates_of_each_other(manager):
    rows = [row(name="甲路", plan_year="明年"), row(name="乙路", plan_year="后年")]
    report = check_file(csv_bytes(rows), filename="list.csv", user=manager)
    assert located(report.problems) == [(2, PROJECT_COLUMNS["plan_year"]), (3, PROJECT_COLUMNS["plan_year"])]
    assert [p.reason for p in report.problems] == ["“明年”不是数字，请填写数字，如 2019。",
                                                   "“后年”不是数字，请填写数字，如 2019。"]


def test_a_blank_name_is_told_once_in_its_column(manager):
    report = check_file(csv_bytes([row(name="")]), filename="list.csv", user=manager)
    assert report.problems == [ImportProblem(2, PROJECT_COLUMNS["name"], "此字段不能为空。")]


@pytest.mark.parametrize(("attribute", "column"), [
    ("name", PROJECT_COLUMNS["name"]), ("name_as_read", NO_COLUMN), (NON_FIELD_ERRORS, NO_COLUMN), ("", NO_COLUMN)])
def test_an_error_is_filed_in_its_attributes_column_or_in_none(manager, attribute, column):
    checker = project_lists._RowChecker(RoadProjectResource(user=manager), [], manager)
    assert checker.column_for(attribute) == column


def test_a_row_naming_two_saved_projects_is_refused(manager, monkeypatch):
    # The name as read is unique with the district and year (roadproject_unique_name_as_read);
    # a database written around it would answer two projects for one row's key.
    imported(manager, csv_bytes([row()]))
    single = saved_projects

    def twice(keys, **kwargs):
        return {key: found * 2 for key, found in single(keys, **kwargs).items()}

    monkeypatch.setattr(project_lists, "saved_projects", twice)
    report = check_file(csv_bytes([row(contact="李四")]), filename="list.csv", user=manager)
    assert report.problems == [ImportProblem(2, PROJECT_COLUMNS["name"],
                                             "本区（市）该计划年度已有多个同名项目，请先在管理后台中更正。")]
    assert report.totals["invalid"] == 1


# --- no query per row --------------------------------------------------------------------------------------


@pytest.mark.parametrize("contact, action", [("新的联系人", "update"), (None, "skip")])
def test_checking_saved_projects_costs_no_query_per_row(manager, django_assert_num_queries, contact, action):
    def checked(count, start):
        imported(manager, sample_csv(count, start=start))
        rows = sample_rows(count, start=start)
        content = csv_bytes(with_contact(rows, contact) if contact else rows)
        return lambda: check_file(content, filename="list.csv", user=manager)

    small, large = checked(3, 0), checked(12, 100)
    with CaptureQueriesContext(connection) as queries:
        assert small().totals[action] == 3
    with django_assert_num_queries(len(queries.captured_queries)):
        assert large().totals[action] == 12


def test_no_key_asks_the_database_nothing(seeded, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert saved_projects([]) == {}
        assert saved_projects([], lock=True) == {}


# --- the save -------------------------------------------------------------------------------------------------


@pytest.fixture
def raced(manager, monkeypatch):
    """A previewed list of three rows; its second row's project is saved by someone else between
    the confirm's check and its write (the database refuses the write)."""
    preview = preview_import(sample_csv(3), filename="list.csv", user=manager, now=NOW)
    values = sample_row(1)
    create = project_lists._Creator.create

    def racing(self, rows):
        RoadProjectFactory(acting_user=manager, name=values["name"], plan_year=values["plan_year"])
        return create(self, rows)

    monkeypatch.setattr(project_lists._Creator, "create", racing)
    return preview.token


def test_a_write_the_database_refuses_saves_nothing_and_says_why(manager, raced):
    report = confirm_import(raced, user=manager, now=NOW)
    assert not report.saved
    assert report.problems == [ImportProblem(None, NO_COLUMN, "保存期间，清单中的项目已被他人添加或修改。")]
    assert not RoadProject.objects.exists()


def test_a_write_the_database_refuses_is_logged_with_its_cause(manager, raced, caplog):
    with caplog.at_level(logging.INFO, logger="programs.roads.project_lists"):
        confirm_import(raced, user=manager, now=NOW)
    [record] = [r for r in caplog.records if r.name == "programs.roads.project_lists"]
    assert record.levelno == logging.INFO and issubclass(record.exc_info[0], IntegrityError)


def test_the_progress_counts_the_updated_rows_too(manager):
    imported(manager, sample_csv(2))
    rows = [*with_contact(sample_rows(1)), *sample_rows(1, start=1), *sample_rows(1, start=2)]
    preview = preview_import(csv_bytes(rows), filename="list.csv", user=manager, now=NOW)
    assert (preview.totals["new"], preview.totals["update"], preview.totals["skip"]) == (1, 1, 1)
    steps = []
    assert confirm_import(preview.token, user=manager, now=NOW, on_progress=lambda *step: steps.append(step)).saved
    assert steps == [(1, 2), (2, 2)]


def test_an_update_keeps_the_saved_name_and_its_reading(manager):
    # Typed in full width; the list reads its name cell half-width (as name_as_read).
    project = RoadProjectFactory(acting_user=manager, name="演示东（北）路", plan_year=2019)
    cells = row(name="演示东(北)路", quantity="12公里")
    report = imported(manager, csv_bytes([cells]))
    assert report.totals["update"] == 1
    project.refresh_from_db()
    assert (project.quantity, project.name, project.name_as_read) == (12, "演示东（北）路", "演示东(北)路")


def test_the_confirm_selects_the_projects_it_compares_for_update(manager, monkeypatch):
    imported(manager, sample_csv(2))
    preview = preview_import(csv_bytes(with_contact(sample_rows(2))), filename="list.csv", user=manager, now=NOW)
    locked = []
    select_for_update = QuerySet.select_for_update

    def recording(queryset, *args, **kwargs):
        locked.append(queryset.model)
        return select_for_update(queryset, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", recording)
    assert confirm_import(preview.token, user=manager, now=NOW).saved
    assert locked == [RoadProject]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no SELECT … FOR UPDATE")
def test_the_confirm_reads_the_projects_for_update_on_postgresql(manager):
    imported(manager, sample_csv(2))
    preview = preview_import(csv_bytes(with_contact(sample_rows(2))), filename="list.csv", user=manager, now=NOW)
    with CaptureQueriesContext(connection) as queries:
        assert confirm_import(preview.token, user=manager, now=NOW).saved
    reads = [q["sql"] for q in queries.captured_queries
             if q["sql"].startswith("SELECT") and f'FROM "{RoadProject._meta.db_table}"' in q["sql"]]
    assert reads and all(sql.endswith("FOR UPDATE") for sql in reads)


def test_unchanged_rows_need_no_right_to_their_district(manager):
    imported(manager, sample_csv(2))
    preview = preview_import(sample_csv(2), filename="list.csv", user=manager, now=NOW)
    assert preview.totals["skip"] == 2
    manager.groups.remove(group_for(Role.PROGRAMME_MANAGER))
    manager = type(manager).objects.get(pk=manager.pk)  # a new request: permissions read again
    report = confirm_import(preview.token, user=manager, now=NOW)
    assert report.saved and report.problems == []


def test_a_confirm_refused_by_a_change_since_the_preview_shows_the_preview_again(client, manager):
    client.force_login(manager)
    client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("清单.csv", sample_csv(3))})
    values = sample_row(2)
    RoadProjectFactory(acting_user=manager, name=values["name"], plan_year=values["plan_year"])
    response = client.post(reverse(IMPORT_URL), {"token": client.session[SESSION_KEY]["token"]})
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "未导入任何数据：预览后项目数据已发生变化。请更正文件后重新上传。"]
    assert located(response.context["report"].problems) == [(4, NO_COLUMN)]
    assert response.context["confirm_form"] is None
    page = response.content.decode()
    assert "预览之后，本行的项目已被修改" in page and page.count('<tr class="import-new">') == 3
    assert RoadProject.objects.count() == 1


# --- the preview, its token and the background ------------------------------------------------------------


def test_a_short_lists_preview_hides_no_row(client, manager):
    client.force_login(manager)
    response = client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("清单.csv", sample_csv(3))})
    assert response.context["report"].rows_not_shown == 0
    page = response.content.decode()
    assert page.count('<tr class="import-new">') == 3 and "未显示" not in page


def test_the_preview_lists_1000_rows_and_counts_the_others():
    report = ProjectImport(rows=[CheckedRow(line=line, action=NEW) for line in range(2, 1003)])
    assert len(report.shown_rows) == 1000 and report.shown_rows[-1].line == 1001
    assert report.rows_not_shown == 1


def test_the_background_progress_counts_only_the_rows_to_write(manager):
    imported(manager, sample_csv(2))
    rows = [*with_contact(sample_rows(1)), *sample_rows(1, start=1), *sample_rows(2, start=2)]
    preview = preview_import(csv_bytes(rows), filename="list.csv", user=manager, now=NOW)
    assert (preview.totals["new"], preview.totals["update"], preview.totals["skip"]) == (2, 1, 1)
    assert claim_for_background(preview.token, user=manager, now=NOW) is not None
    assert import_store.progress(preview.token)["total"] == 3


@pytest.mark.parametrize("meta", [{}, {"expires_at": None}, {"expires_at": "明天"}])
def test_a_preview_that_does_not_say_when_it_expires_has_expired(meta):
    assert has_expired({"user_id": 1, **meta}, NOW) is True


def test_another_users_claimed_list_is_not_saved(manager, pingdu):
    preview = preview_import(sample_csv(3), filename="list.csv", user=manager, now=NOW)
    assert claim_for_background(preview.token, user=manager, now=NOW) is not None
    colleague = make_user(Role.PROGRAMME_MANAGER, district=pingdu)
    report = save_claimed(preview.token, user=colleague, now=NOW)
    assert not report.saved and report.problems == [ImportProblem(None, NO_COLUMN, EXPIRED)]
    assert not RoadProject.objects.exists()


def test_a_list_not_claimed_is_not_saved(manager):
    preview = preview_import(sample_csv(3), filename="list.csv", user=manager, now=NOW)
    report = save_claimed(preview.token, user=manager, now=NOW)
    assert not report.saved and report.problems == [ImportProblem(None, NO_COLUMN, EXPIRED)]
    assert not RoadProject.objects.exists()


@pytest.mark.parametrize("rows, background", [(5000, False), (5001, True)])
def test_a_list_of_more_than_5000_rows_is_saved_in_the_background(rows, background):
    assert runs_in_background({"rows": rows}) is background


def test_a_row_of_a_district_outside_the_programme_is_refused_in_its_district_column(seeded):
    # 002:487-489: only the implementation plan's projects; 市南区 has no Annex 2 targets (no rural roads).
    supervisor = make_user(Role.SUPERVISOR)
    report = check_file(sample_csv(1, district="市南区"), filename="list.csv", user=supervisor)
    assert [(p.line, p.column) for p in report.problems] == [(2, PROJECT_COLUMNS["district"])]
    assert "市南区不在" in report.problems[0].reason and "附件2" in report.problems[0].reason
