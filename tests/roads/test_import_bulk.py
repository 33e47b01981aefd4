"""Issue 12: project lists imported in bulk — a constant number of queries whatever the rows,
history for every project, nothing half-saved, the preview's token (its user, its expiry,
the file not read again), 50,000 rows, the progress of a background import, scoping."""
import datetime as dt
import hashlib
import os
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from policyops import importing
from policyops.audit import entries_for
from policyops.models import AuditEntry
from policyops.roles import Role, group_for
from programs.roads import import_store, project_lists, services
from programs.roads.models import ProjectMilestone, RoadProject, Step
from programs.roads.project_lists import confirm_import, preview_import
from programs.roads.resources import PROJECT_COLUMNS, RoadProjectResource
from programs.roads.sample_files import sample_csv, sample_row, sample_rows, sample_xlsx
from programs.roads.views_import import SESSION_KEY
from tests.conftest import make_user
from tests.roads.factories import RoadProjectFactory
from tests.roads.test_import_export import csv_bytes, row

pytestmark = pytest.mark.django_db
IMPORT_URL = "roads:project-import"
NOW = dt.datetime(2019, 3, 1, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.ROADS_IMPORT_DIR = tmp_path / "imports"
    return settings.ROADS_IMPORT_DIR




def imported(user, content, *, filename="list.csv", now=NOW):
    preview = preview_import(content, filename=filename, user=user, now=now)
    assert preview.ok, preview.problems[:3]
    report = confirm_import(preview.token, user=user, now=now)
    assert report.saved, report.problems[:3]
    return report


# --- queries do not grow with the rows ---------------------------------------------------------------


def queries_of(user, rows, *, start):
    content = sample_csv(rows, start=start)
    with CaptureQueriesContext(connection) as previewing:
        preview = preview_import(content, filename="list.csv", user=user, now=NOW)
    with CaptureQueriesContext(connection) as confirming:
        assert confirm_import(preview.token, user=user, now=NOW).saved
    return len(previewing.captured_queries), len(confirming.captured_queries)


def test_the_query_count_does_not_grow_with_the_rows(manager, monkeypatch):
    # SQLite takes 32,766 parameters a statement since 3.32; Django assumes 999 and would split
    # a 200-row INSERT in several. With the real limit, what is left is the import's own count.
    monkeypatch.setattr(connection.features, "max_query_params", 32766)
    queries_of(manager, 5, start=0)  # permissions and content types cached, as on a second import
    small, large = queries_of(manager, 20, start=100), queries_of(manager, 200, start=1000)
    assert small == large
    assert small[0] == 2  # the preview: the districts, the saved projects; one query each


def test_a_row_costs_no_query_even_in_sqlites_small_batches(manager):
    queries_of(manager, 5, start=5000)
    small, large = queries_of(manager, 20, start=0), queries_of(manager, 300, start=1000)
    assert small[0] == large[0]  # the preview: districts, projects, permissions; never per row
    assert large[1] - small[1] < 30  # the confirm: a few INSERT batches more, not 280 × 27 queries


# --- what a saved list leaves ------------------------------------------------------------------------------


def test_every_new_project_gets_its_history_row_milestones_and_audit_row(manager):
    imported(manager, sample_csv(300))
    projects = RoadProject.objects.all()
    assert projects.count() == 300
    history = RoadProject.history.all()
    assert history.count() == 300
    assert {(h.history_type, h.history_user_id, h.history_date) for h in history} == {("+", manager.pk, NOW)}
    assert set(history.values_list("id", flat=True)) == set(projects.values_list("id", flat=True))
    assert ProjectMilestone.objects.count() == 1200
    assert set(ProjectMilestone.objects.filter(project=projects[0]).values_list("step", flat=True)) == set(Step.ORDER)
    entries = AuditEntry.objects.filter(action="create")
    assert entries.count() == 300
    assert {(e.actor_id, e.to_state, e.at) for e in entries} == {(manager.pk, RoadProject.State.PLANNED, NOW)}


def test_a_changed_project_gets_an_update_history_row_and_an_audit_row(manager):
    imported(manager, sample_csv(10))
    changed = sample_rows(10)
    changed[3][list(PROJECT_COLUMNS).index("contact")] = "新的联系人"
    report = imported(manager, csv_bytes(changed), now=NOW + dt.timedelta(days=1))
    assert (report.totals["update"], report.totals["skip"]) == (1, 9)
    project = RoadProject.objects.get(contact="新的联系人")
    assert [h.history_type for h in project.history.order_by("history_date")] == ["+", "~"]
    assert project.history.latest().history_user == manager
    assert [e.action for e in entries_for(project).order_by("at")] == ["create", "import_update"]


def test_the_values_saved_are_those_the_cells_say(manager):
    imported(manager, sample_xlsx(7), filename="list.xlsx")
    upgrade = RoadProject.objects.get(name=sample_row(0)["name"])
    assert (upgrade.quantity, upgrade.estimate_wan, upgrade.plan_year) == (12.5, 100, 2018)
    stop = RoadProject.objects.get(name=sample_row(6)["name"])
    assert (stop.quantity, stop.bus_bays, stop.bus_shelters, stop.bus_signs) == (3, 1, 1, 2)
    assert stop.pavement_width_m is None


# --- all or nothing ----------------------------------------------------------------------------------------


def test_a_bad_last_row_writes_nothing(manager):
    rows = sample_rows(300)
    rows[-1][list(PROJECT_COLUMNS).index("quantity")] = "约5公里"
    report = preview_import(csv_bytes(rows), filename="list.csv", user=manager, now=NOW)
    assert [(p.line, p.column) for p in report.problems] == [(301, PROJECT_COLUMNS["quantity"])]
    assert report.token is None
    report = project_lists.import_project_table(csv_bytes(rows), filename="list.csv", user=manager, dry_run=False)
    assert not report.saved
    assert not RoadProject.objects.exists() and not ProjectMilestone.objects.exists()
    assert not RoadProject.history.exists() and not AuditEntry.objects.filter(action="create").exists()


def test_a_failure_in_a_later_batch_undoes_the_earlier_ones(manager, monkeypatch):
    monkeypatch.setattr(project_lists, "WRITE_BATCH", 50)
    preview = preview_import(sample_csv(120), filename="list.csv", user=manager, now=NOW)
    create = project_lists._Creator.create
    calls = []

    def failing_second_batch(self, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return create(self, rows)

    monkeypatch.setattr(project_lists._Creator, "create", failing_second_batch)
    with pytest.raises(RuntimeError):
        confirm_import(preview.token, user=manager, now=NOW)
    assert calls == [50, 50]
    assert not RoadProject.objects.exists() and not RoadProject.history.exists()
    assert not ProjectMilestone.objects.exists()


# --- the preview's token ------------------------------------------------------------------------------------


def test_the_token_is_the_uploaders_only(manager, pingdu):
    preview = preview_import(sample_csv(3), filename="list.csv", user=manager, now=NOW)
    colleague = make_user(Role.PROGRAMME_MANAGER, district=pingdu)
    refused = confirm_import(preview.token, user=colleague, now=NOW)
    assert not refused.saved and refused.problems[0].line is None
    assert not RoadProject.objects.exists()
    assert confirm_import(preview.token, user=manager, now=NOW).saved  # still the uploader's


def test_the_token_expires(manager):
    preview = preview_import(sample_csv(3), filename="list.csv", user=manager, now=NOW)
    late = NOW + project_lists.PREVIEW_LIFETIME
    assert not confirm_import(preview.token, user=manager, now=late).saved
    assert not RoadProject.objects.exists()


def test_a_token_saves_once(manager):
    preview = preview_import(sample_csv(3), filename="list.csv", user=manager, now=NOW)
    assert confirm_import(preview.token, user=manager, now=NOW).saved
    assert not confirm_import(preview.token, user=manager, now=NOW).saved
    assert RoadProject.objects.count() == 3


def test_the_token_keeps_the_files_sha256_not_the_file(manager, import_dir):
    content = sample_csv(3)
    preview = preview_import(content, filename="list.csv", user=manager, now=NOW)
    meta = import_store.meta(preview.token)
    assert meta["sha256"] == hashlib.sha256(content).hexdigest() and meta["user_id"] == manager.pk
    assert sorted(p.name for p in (import_dir / preview.token).iterdir()) == ["meta.json", "rows.pickle"]


@pytest.mark.parametrize("token", ["../../etc", "a/b", "", "x" * 200])
def test_a_token_never_names_a_path_outside_the_store(manager, token):
    assert not confirm_import(token, user=manager, now=NOW).saved


def test_the_confirm_does_not_read_the_file_again(manager, monkeypatch):
    preview = preview_import(sample_xlsx(20), filename="list.xlsx", user=manager, now=NOW)

    def no_reading(*args, **kwargs):
        raise AssertionError("the confirm read the file again")

    monkeypatch.setattr(importing.reading, "read_table", no_reading)
    monkeypatch.setattr(project_lists, "read_project_table", no_reading)
    monkeypatch.setattr(project_lists, "check_table", no_reading)
    assert confirm_import(preview.token, user=manager, now=NOW).saved
    assert RoadProject.objects.count() == 20


def test_a_project_changed_after_the_preview_stops_the_confirm(manager):
    imported(manager, sample_csv(3))
    changed = sample_rows(3)
    changed[1][list(PROJECT_COLUMNS).index("contact")] = "新的联系人"
    preview = preview_import(csv_bytes(changed), filename="list.csv", user=manager, now=NOW)
    project = RoadProject.objects.get(name=sample_row(1)["name"])
    services.project_advance(project=project, action="start_design", acting_user=manager, as_of=dt.date(2019, 3, 2))
    report = confirm_import(preview.token, user=manager, now=NOW)
    assert not report.saved and [p.line for p in report.problems] == [3]
    project.refresh_from_db()
    assert project.contact != "新的联系人"


def test_a_project_added_after_the_preview_stops_the_confirm(manager):
    preview = preview_import(sample_csv(3), filename="list.csv", user=manager, now=NOW)
    values = sample_row(2)
    RoadProjectFactory(acting_user=manager, name=values["name"], plan_year=values["plan_year"])
    report = confirm_import(preview.token, user=manager, now=NOW)
    assert not report.saved and [p.line for p in report.problems] == [4]
    assert RoadProject.objects.count() == 1


def test_a_right_lost_after_the_preview_stops_the_confirm(manager):
    preview = preview_import(sample_csv(3), filename="list.csv", user=manager, now=NOW)
    manager.groups.remove(group_for(Role.PROGRAMME_MANAGER))
    manager = type(manager).objects.get(pk=manager.pk)  # a new request: permissions read again
    report = confirm_import(preview.token, user=manager, now=NOW)
    assert not report.saved and {p.column for p in report.problems} == {PROJECT_COLUMNS["district"]}
    assert not RoadProject.objects.exists()


# --- the rules of a row still hold ---------------------------------------------------------------------------


def test_another_districts_rows_are_refused(manager):
    rows = sample_rows(5) + sample_rows(2, start=5, district="莱西市")
    report = preview_import(csv_bytes(rows), filename="list.csv", user=manager, now=NOW)
    assert [(p.line, p.column) for p in report.problems] == [(7, "区(市)"), (8, "区(市)")]
    assert all("莱西市" in p.reason for p in report.problems)
    assert report.token is None


def test_the_same_project_written_two_ways_is_a_duplicate(manager):
    report = preview_import(csv_bytes([row(), row(plan_year="2019年")]), filename="list.csv", user=manager, now=NOW)
    [problem] = report.problems
    assert (problem.line, problem.column) == (3, PROJECT_COLUMNS["name"]) and "2" in problem.reason


def test_the_per_row_path_of_import_export_is_refused(manager):
    with pytest.raises(ImproperlyConfigured):
        importing.import_table(RoadProjectResource(user=manager), csv_bytes([row()]), filename="x.csv",
                               dry_run=False, user=manager)
    assert not RoadProject.objects.exists()


# --- 50,000 rows ------------------------------------------------------------------------------------------


def test_a_list_of_50000_rows_is_read():
    content = ("\n".join(["x", *["a"] * 50_000]) + "\n").encode()
    assert len(project_lists.read_project_table(content, filename="list.csv").rows) == 50_000


def test_a_list_of_50001_rows_is_refused_in_chinese(manager):
    content = ("\n".join(["x", *["a"] * 50_001]) + "\n").encode()
    with translation.override("zh-hans"):
        report = preview_import(content, filename="list.csv", user=manager, now=NOW)
    [problem] = report.problems
    assert problem.line is None and problem.reason == "文件超过50000行，请拆分后上传。"


# --- a large list is saved in the background, with its progress ---------------------------------------------


@pytest.fixture
def small_background(monkeypatch):
    """Lists of more than 10 rows saved by the Celery task (eager in tests), 10 rows a batch."""
    monkeypatch.setattr(project_lists, "BACKGROUND_ROWS", 10)
    monkeypatch.setattr(project_lists, "WRITE_BATCH", 10)


def upload_and_confirm(client, content):
    client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("清单.csv", content)})
    token = client.session[SESSION_KEY]["token"]
    return token, client.post(reverse(IMPORT_URL), {"token": token})


def test_a_large_list_is_saved_in_the_background_and_its_progress_reported(client, manager, small_background,
                                                                          monkeypatch):
    steps = []
    write = import_store.write_progress

    def recording(token, progress):
        steps.append((progress["state"], progress["done"]))
        write(token, progress)

    monkeypatch.setattr(import_store, "write_progress", recording)
    client.force_login(manager)
    token, response = upload_and_confirm(client, sample_csv(30))
    assert response.status_code == 302 and response["Location"] == reverse("roads:project-import-status", args=[token])
    assert steps == [("queued", 0), ("running", 0), ("running", 10), ("running", 20), ("running", 30), ("done", 30)]
    progress = client.get(reverse("roads:project-import-progress", args=[token])).json()
    assert progress == {"state": "done", "done": 30, "total": 30, "percent": 100, "stalled": False}
    assert RoadProject.objects.count() == 30 and RoadProject.history.count() == 30


def test_the_progress_page_shows_a_bar_with_no_inline_script(client, manager, small_background):
    client.force_login(manager)
    token, _response = upload_and_confirm(client, sample_csv(30))
    import_store.write_progress(token, {**import_store.progress(token), "state": "running", "done": 12})
    page = client.get(reverse("roads:project-import-status", args=[token])).content.decode()
    assert '<progress id="import-progress-bar" max="30" value="12">' in page
    assert 'src="/static/policyops/job_progress.js"' in page and "<script>" not in page
    assert reverse("roads:project-import-progress", args=[token]) in page


def test_an_import_not_moving_says_so_on_its_page(client, manager, small_background):
    client.force_login(manager)
    token, _response = upload_and_confirm(client, sample_csv(30))
    import_store.write_progress(token, {**import_store.progress(token), "state": "running", "done": 12})
    an_hour_ago = time.time() - 3600
    os.utime(import_store.root() / token / "progress.json", (an_hour_ago, an_hour_ago))
    page = client.get(reverse("roads:project-import-status", args=[token])).content.decode()
    assert "此导入已有 15 分钟没有进展" in page and 'data-stalled="true"' in page
    assert client.get(reverse("roads:project-import-progress", args=[token])).json()["stalled"] is True


def test_the_finished_page_says_what_was_saved(client, manager, small_background):
    client.force_login(manager)
    token, _response = upload_and_confirm(client, sample_csv(30))
    page = client.get(reverse("roads:project-import-status", args=[token]))
    assert "<progress" not in page.content.decode()
    assert page.context["progress"]["totals"]["new"] == 30


def test_the_progress_is_the_uploaders_only(client, manager, pingdu, small_background):
    client.force_login(manager)
    token, _response = upload_and_confirm(client, sample_csv(30))
    client.force_login(make_user(Role.PROGRAMME_MANAGER, district=pingdu))
    assert client.get(reverse("roads:project-import-progress", args=[token])).status_code == 404
    assert client.get(reverse("roads:project-import-status", args=[token])).status_code == 404


def test_a_refused_background_import_lists_its_problems(client, manager, small_background):
    client.force_login(manager)
    client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("清单.csv", sample_csv(30))})
    token = client.session[SESSION_KEY]["token"]
    RoadProjectFactory(acting_user=manager, name=sample_row(4)["name"], plan_year=sample_row(4)["plan_year"])
    client.post(reverse(IMPORT_URL), {"token": token})
    page = client.get(reverse("roads:project-import-status", args=[token]))
    assert page.context["progress"]["state"] == "refused"
    assert [p["line"] for p in page.context["problems"]] == [6]
    assert RoadProject.objects.count() == 1


# --- the preview page ------------------------------------------------------------------------------------------


def test_the_preview_page_lists_the_first_rows_and_counts_the_others(client, manager, monkeypatch):

    monkeypatch.setattr(project_lists, "PREVIEW_ROWS", 5)
    client.force_login(manager)
    response = client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("清单.csv", sample_csv(8))})
    assert response.context["report"].totals["new"] == 8
    assert response.content.decode().count('<tr class="import-new">') == 5
    assert response.context["report"].rows_not_shown == 3


def test_a_second_upload_drops_the_first_ones_rows(client, manager, import_dir):

    client.force_login(manager)
    client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("一.csv", sample_csv(3))})
    client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("二.csv", sample_csv(4))})
    assert len(list(import_dir.iterdir())) == 1


def test_expired_previews_are_removed_by_the_next_one(manager, import_dir):
    first = preview_import(sample_csv(3), filename="list.csv", user=manager, now=NOW)
    later = NOW + project_lists.PREVIEW_LIFETIME + dt.timedelta(minutes=1)
    second = preview_import(sample_csv(3), filename="list.csv", user=manager, now=later)
    assert [p.name for p in import_dir.iterdir()] == [second.token] != [first.token]


def test_the_daily_task_is_scheduled_and_removes_the_expired_previews(manager, import_dir):
    from django_celery_beat.models import PeriodicTask

    from programs.roads import tasks

    assert PeriodicTask.objects.get(name="项目清单暂存清理").task == "programs.roads.tasks.purge_waiting_lists"
    waiting = preview_import(sample_csv(3), filename="list.csv", user=manager)
    expired = preview_import(sample_csv(3), filename="list.csv", user=manager,  # a preview purges, but as of its now
                             now=timezone.now() - project_lists.PREVIEW_LIFETIME - dt.timedelta(minutes=1))
    assert tasks.purge_waiting_lists() == 1
    assert [p.name for p in import_dir.iterdir()] == [waiting.token] != [expired.token]


def test_now_defaults_to_the_clock(manager):
    preview = preview_import(sample_csv(2), filename="list.csv", user=manager)
    assert dt.datetime.fromisoformat(import_store.meta(preview.token)["expires_at"]) > timezone.now()
