"""The admin's 导出 of a list past the row limit: written by a Celery worker (eager here), in
chunks, into the file an export in the request would have been, for its user only."""
import io
import os
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from approvals.models import ApprovalCase
from policyops import background_exports
from policyops.roles import Role
from tests.admin_pages import model_admin
from tests.approvals.factories import pingdu, pingdu_authority, register_case
from tests.approvals.test_admin import export_fields
from tests.conftest import make_user
from tests.factories import DistrictFactory
from tests.pages import messages_of

EXPORT_URL = reverse("admin:approvals_approvalcase_export")


@pytest.fixture
def small_limits(monkeypatch, settings, tmp_path):
    """A list of more than one row goes to the background, one row a chunk; this test's own folder."""
    monkeypatch.setattr("policyops.exporting.EXPORT_MAX_ROWS", 1)
    monkeypatch.setattr(background_exports, "CHUNK_ROWS", 1)
    settings.EXPORT_JOB_DIR = tmp_path


def xlsx_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def export_in_the_request(client, url=EXPORT_URL) -> bytes:
    response = client.post(url, {"format": "0", "resource": "0", **export_fields()})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats"), messages_of(response)
    return response.content


def export_in_the_background(client, url=EXPORT_URL):
    """POST the export form; the job page it redirects to."""
    response = client.post(url, {"format": "0", "resource": "0", **export_fields()})
    assert response.status_code == 302, messages_of(response)
    return response["Location"]


def downloaded(client, job_url: str):
    response = client.get(job_url + "file/")
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def test_the_export_page_says_a_long_list_is_exported_in_the_background(client, power, entrustment, clerk,
                                                                        small_limits):
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    client.force_login(clerk)
    assert any("将在后台导出" in m for m in messages_of(client.get(EXPORT_URL)))


def test_a_long_list_is_written_in_the_background_as_the_request_would_write_it(client, power, entrustment, clerk,
                                                                                 small_limits, monkeypatch):
    for _ in range(3):
        register_case(power, clerk=clerk)
    client.force_login(clerk)
    job_url = export_in_the_background(client)
    page = client.get(job_url)
    assert page.status_code == 200 and "3 行" in page.content.decode()
    response, content = downloaded(client, job_url)
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    monkeypatch.setattr("policyops.exporting.EXPORT_MAX_ROWS", 10)
    assert xlsx_rows(content) == xlsx_rows(export_in_the_request(client))  # three chunks, one file, same order


def test_the_background_export_keeps_the_lists_search_and_the_users_district(client, power, entrustment, clerk,
                                                                             small_limits):
    wanted = [register_case(power, clerk=clerk) for _ in range(2)]
    ApprovalCase.objects.filter(pk__in=[case.pk for case in wanted]).update(applicant_name="后台导出测试公司")
    register_case(power, clerk=clerk)  # not found by the search
    client.force_login(clerk)
    job_url = export_in_the_background(client, EXPORT_URL + "?q=后台导出")
    _response, content = downloaded(client, job_url)
    assert sorted(row[0] for row in xlsx_rows(content)[1:]) == sorted(case.number for case in wanted)


def test_a_clerk_of_another_district_gets_none_of_the_lists_cases(client, power, entrustment, clerk, small_limits):
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    stranger = make_user(Role.CLERK, district=DistrictFactory())
    client.force_login(stranger)
    assert messages_of(client.get(EXPORT_URL)) == []  # their list is short: exported in the request
    assert xlsx_rows(export_in_the_request(client))[1:] == []


def test_an_export_its_progress_and_its_file_are_its_users_only(client, power, entrustment, clerk, small_limits):
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    client.force_login(clerk)
    job_url = export_in_the_background(client)
    colleague = make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())
    client.force_login(colleague)
    assert [client.get(job_url + tail).status_code for tail in ("", "progress/", "file/")] == [404, 404, 404]


def test_the_progress_is_json_and_finished_at_a_hundred_percent(client, power, entrustment, clerk, small_limits):
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    client.force_login(clerk)
    job_url = export_in_the_background(client)
    assert client.get(job_url + "progress/").json() == {"state": "done", "done": 2, "total": 2, "percent": 100,
                                                      "stalled": False}


def test_the_export_page_lists_the_users_background_exports(client, power, entrustment, clerk, small_limits):
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    client.force_login(clerk)
    job_url = export_in_the_background(client)
    page = client.get(EXPORT_URL).content.decode()
    assert f'href="{job_url}"' in page and "已完成" in page


def test_a_list_too_long_for_an_excel_sheet_is_refused_before_anything_is_queued(client, power, entrustment, clerk,
                                                                                 small_limits, monkeypatch):
    monkeypatch.setattr(background_exports, "XLSX_MAX_ROWS", 1)
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    client.force_login(clerk)
    response = client.post(EXPORT_URL, {"format": "0", "resource": "0", **export_fields()}, follow=True)
    assert any("导出为 CSV" in m for m in messages_of(response))
    assert background_exports.recent_for(clerk, model_admin(ApprovalCase), timezone.now()) == []


def test_nothing_is_queued_when_the_background_service_is_out_of_reach(client, power, entrustment, clerk,
                                                                       small_limits, monkeypatch):
    monkeypatch.setattr("policyops.exporting.broker_reachable", lambda: False)
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    client.force_login(clerk)
    response = client.post(EXPORT_URL, {"format": "0", "resource": "0", **export_fields()}, follow=True)
    assert any("后台服务暂时无法连接" in m for m in messages_of(response))
    assert background_exports.recent_for(clerk, model_admin(ApprovalCase), timezone.now()) == []


def test_a_failed_export_leaves_no_file_and_says_so(client, power, entrustment, clerk, small_limits, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a cell the writer refuses")

    monkeypatch.setattr(background_exports, "write_workbook", broken)
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    client.force_login(clerk)
    with pytest.raises(ValueError):  # eager Celery hands the task's error back
        client.post(EXPORT_URL, {"format": "0", "resource": "0", **export_fields()})
    [job] = background_exports.recent_for(clerk, model_admin(ApprovalCase), timezone.now())
    assert job["state"] == "failed"
    job_url = reverse("admin:approvals_approvalcase_export_job", args=[job["token"]])
    assert "无法写出" in client.get(job_url).content.decode()
    assert client.get(job_url + "file/").status_code == 404


def test_the_export_page_builds_the_list_once(client, power, entrustment, clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    register_case(power, clerk=clerk)
    client.force_login(clerk)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(EXPORT_URL).status_code == 200
    # The list's power filter reads its choices when the list is built: once, not for each asker.
    assert sum('FROM "approvals_delegatedpower"' in q["sql"] and "ORDER BY" in q["sql"]
               for q in captured.captured_queries) == 1


def test_an_export_waiting_for_its_worker_shows_a_bar_moved_by_a_script_file(client, power, entrustment, clerk,
                                                                             small_limits, monkeypatch):
    monkeypatch.setattr("policyops.exporting.enqueue", lambda *args, **kwargs: None)  # queued, not yet run
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    client.force_login(clerk)
    job_url = export_in_the_background(client)
    page = client.get(job_url).content.decode()
    assert f'data-progress-url="{job_url}progress/"' in page and "<progress" in page
    assert "<span data-done>0</span> / <span data-total>2</span>" in page
    assert 'src="/static/policyops/job_progress.js"' in page and "<script>" not in page
    assert client.get(job_url + "progress/").json()["state"] == "queued"
    assert client.get(job_url + "file/").status_code == 404  # nothing to download yet


def test_an_export_not_moving_says_so_on_its_page_and_in_the_list(client, power, entrustment, clerk, small_limits,
                                                                   monkeypatch, tmp_path):
    monkeypatch.setattr("policyops.exporting.enqueue", lambda *args, **kwargs: None)  # its worker never came
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    client.force_login(clerk)
    job_url = export_in_the_background(client)
    [progress] = tmp_path.glob("*/progress.json")
    an_hour_ago = time.time() - 3600
    os.utime(progress, (an_hour_ago, an_hour_ago))
    page = client.get(job_url).content.decode()
    assert "此导出已有 15 分钟没有进展" in page and 'data-stalled="true"' in page and "<progress" in page
    assert client.get(job_url + "progress/").json()["stalled"] is True
    assert "0%, 没有进展" in client.get(EXPORT_URL).content.decode()


def test_an_export_moving_says_nothing_of_stalling(client, power, entrustment, clerk, small_limits, monkeypatch):
    monkeypatch.setattr("policyops.exporting.enqueue", lambda *args, **kwargs: None)
    register_case(power, clerk=clerk), register_case(power, clerk=clerk)
    client.force_login(clerk)
    page = client.get(export_in_the_background(client)).content.decode()
    assert "没有进展" not in page and 'data-stalled="false"' in page
