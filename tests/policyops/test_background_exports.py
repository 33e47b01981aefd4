"""Every admin with 导出 writes the same file in the background as in the request (policyops.background_exports):
the same header, cells and order, a few rows a chunk; and the token folders' housekeeping."""
import csv
import datetime as dt
import io
import os

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from import_export import admin as ie_admin
from import_export.formats import base_formats
from openpyxl import load_workbook

from policyops import background_exports, job_files
from policyops.roles import Role
from tests.approvals.factories import (
    DelegatedPowerFactory,
    entrustment_in_force,
    pingdu,
    pingdu_authority,
    register_case,
)
from tests.conftest import make_user
from tests.policyops.test_admin_round_trips import every_table_has_rows  # noqa: F401 (a fixture)
from tests.policyops.test_export_formulas import every_column_ticked

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)


def exporting_admins() -> dict:
    return {model_admin.model._meta.label_lower: model_admin for model_admin in admin.site._registry.values()
            if isinstance(model_admin, ie_admin.ExportMixin)}


def cases():
    """(admin label, format) for every format a background export writes that the admin offers."""
    return [(label, kind) for label, model_admin in sorted(exporting_admins().items())
            for kind in (base_formats.XLSX, base_formats.CSV) if kind in model_admin.get_export_formats()]


def read(content: bytes, kind) -> list[list]:
    if kind is base_formats.CSV:
        return list(csv.reader(io.StringIO(content.decode("utf-8"))))
    return [list(row) for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


@pytest.fixture
def every_list_has_rows(every_table_has_rows):  # noqa: F811
    """The round trips' tables, and cases (which have no 导入)."""
    power = DelegatedPowerFactory()
    entrustment_in_force([power], supervisor=make_user(Role.SUPERVISOR))
    clerk = make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())
    for _ in range(3):
        register_case(power, clerk=clerk)


@pytest.fixture
def job_dir(settings, tmp_path, monkeypatch):
    settings.EXPORT_JOB_DIR = tmp_path
    monkeypatch.setattr(background_exports, "CHUNK_ROWS", 2)
    return tmp_path


@pytest.mark.parametrize(("label", "kind"), cases(), ids=lambda v: getattr(v, "__name__", v))
def test_an_admin_writes_the_same_file_in_the_background_as_in_the_request(every_list_has_rows, job_dir, label,
                                                                           kind):
    model_admin = exporting_admins()[label]
    user = get_user_model().objects.create_superuser("exporter", password="x-Long-enough-1")
    resource = model_admin.get_export_resource_classes(RequestFactory().get("/"))[0]
    opts = model_admin.model._meta
    request = RequestFactory().post(reverse(f"admin:{opts.app_label}_{opts.model_name}_export"), {
        "format": str(model_admin.get_export_formats().index(kind)), "resource": "0",
        **every_column_ticked(resource)})
    request.user = user
    in_the_request = model_admin.get_export_data(kind(), request, model_admin.get_export_queryset(request))
    token = background_exports.start(model_admin, request, file_format=kind(), title=str(opts.verbose_name_plural),
                                     filename="x", total=0, now=timezone.now())
    background_exports.run(token)
    assert background_exports.progress(token, NOW)["state"] == "done"
    written = background_exports.file_path(token, background_exports.meta_for(token, user)).read_bytes()
    expected = in_the_request.encode() if isinstance(in_the_request, str) else in_the_request
    assert read(written, kind) == read(expected, kind) and len(read(written, kind)) > 1


def test_the_folders_past_their_expiry_are_removed_and_the_others_kept(tmp_path):
    for token, expires in (("a" * 24, NOW - dt.timedelta(seconds=1)), ("b" * 24, NOW + dt.timedelta(days=1))):
        (tmp_path / token).mkdir()
        job_files.write_json(tmp_path / token / "progress.json", {"expires_at": expires.isoformat()})
    job_files.purge(tmp_path, NOW, names=("meta.json", "progress.json"))
    assert [folder.name for folder in job_files.folders(tmp_path)] == ["b" * 24]


def test_a_token_never_names_a_path_outside_the_folder(tmp_path):
    assert job_files.folder(tmp_path, "../../etc/passwd") is None
    assert job_files.folder(tmp_path, "a" * 19) is None  # too short to be one
    assert job_files.folder(tmp_path, "a" * 24) == tmp_path / ("a" * 24)


def test_the_daily_task_is_scheduled_and_removes_the_exports_past_their_days(job_dir):
    from django_celery_beat.models import PeriodicTask

    from policyops import tasks

    assert PeriodicTask.objects.get(name="后台导出文件清理").task == "policyops.tasks.purge_background_exports"
    for token, expires in (("a" * 24, timezone.now() - dt.timedelta(minutes=1)),
                           ("b" * 24, timezone.now() + dt.timedelta(days=1))):
        (job_dir / token).mkdir()
        job_files.write_json(job_dir / token / "meta.json", {"expires_at": expires.isoformat()})
    assert tasks.purge_background_exports() == 1
    assert [folder.name for folder in job_files.folders(job_dir)] == ["b" * 24]


def _queued(model_admin, user) -> str:
    opts = model_admin.model._meta
    request = RequestFactory().post(reverse(f"admin:{opts.app_label}_{opts.model_name}_export"), {
        "format": str(model_admin.get_export_formats().index(base_formats.XLSX)), "resource": "0",
        **every_column_ticked(model_admin.get_export_resource_classes(RequestFactory().get("/"))[0])})
    request.user = user
    return background_exports.start(model_admin, request, file_format=base_formats.XLSX(), title="区（市）",
                                    filename="x.xlsx", total=0, now=timezone.now())


def test_an_export_whose_user_was_deactivated_meanwhile_is_not_written(seeded, job_dir):
    user = get_user_model().objects.create_superuser("leaver", password="x-Long-enough-1")
    token = _queued(exporting_admins()["policyops.district"], user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    background_exports.run(token)
    assert background_exports.progress(token, NOW)["state"] == "failed"
    assert "无权导出" in background_exports.progress(token, NOW)["message"]
    assert not list(job_dir.glob("*/export.*"))


def test_an_export_run_again_once_written_is_left_as_it_is(seeded, job_dir):
    user = get_user_model().objects.create_superuser("exporter", password="x-Long-enough-1")
    token = _queued(exporting_admins()["policyops.district"], user)
    background_exports.run(token)
    [written] = job_dir.glob(f"{token}/export.xlsx")
    before = written.stat().st_mtime_ns
    background_exports.run(token)  # a redelivered task: acks_late
    assert written.stat().st_mtime_ns == before and background_exports.progress(token, NOW)["state"] == "done"


# --- a job whose progress has not moved: its worker is most likely lost --------------------------------------


def _progress_written(tmp_path, state: str, minutes_ago: float):
    path = tmp_path / "progress.json"
    job_files.write_json(path, {"state": state, "done": 5, "total": 10})
    written_at = (NOW - dt.timedelta(minutes=minutes_ago)).timestamp()
    os.utime(path, (written_at, written_at))
    return path


@pytest.mark.parametrize("state", job_files.LIVE_STATES)
def test_a_job_not_moving_for_its_limit_has_stalled(tmp_path, state):
    limit = job_files.STALLED_AFTER.total_seconds() / 60
    assert job_files.progress(_progress_written(tmp_path, state, limit + 1), NOW)["stalled"] is True
    assert job_files.progress(_progress_written(tmp_path, state, limit - 1), NOW)["stalled"] is False


@pytest.mark.parametrize("state", ["done", "failed", "refused"])
def test_a_finished_job_never_stalls(tmp_path, state):
    assert job_files.progress(_progress_written(tmp_path, state, 60 * 24), NOW)["stalled"] is False


def test_a_jobs_progress_counts_its_percent_and_none_is_none(tmp_path):
    assert job_files.progress(_progress_written(tmp_path, "running", 0), NOW)["percent"] == 50
    assert job_files.progress(tmp_path / "missing.json", NOW) is None
