"""A clerk exports a case list too long for one request: the admin's 导出 form queues it, its page
shows the file written in the background (Celery is eager here), and the file downloads."""
import io
import os
import time

import pytest
from django.conf import settings
from openpyxl import load_workbook

from policyops import background_exports, job_files
from tests.approvals.factories import register_case
from tests.browser.test_clerk_journey import clerk_with_power


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_a_clerk_exports_a_long_case_list_in_the_background_and_downloads_it(visitor, monkeypatch, tmp_path, phone):
    monkeypatch.setattr("policyops.exporting.EXPORT_MAX_ROWS", 2)
    monkeypatch.setattr(background_exports, "CHUNK_ROWS", 2)
    monkeypatch.setattr(settings, "EXPORT_JOB_DIR", tmp_path)
    clerk, power = clerk_with_power()
    numbers = sorted(register_case(power, clerk=clerk).number for _ in range(3))
    person = visitor("clerk", phone=phone)
    person.log_in_as(clerk)

    person.go("/admin/approvals/approvalcase/export/")
    assert "将在后台导出" in person.page.locator("ul.messagelist").inner_text()
    person.submit(form="#content form")
    assert "/export/" in person.page.url and "文件已写出：共 3 行" in person.page.locator("#content").inner_text()
    assert person.sideways_overflow() <= 0
    person.shot("finished")
    with person.page.expect_download() as download:
        person.page.locator("#content a.button", has_text="下载").click()
    assert download.value.suggested_filename.startswith("审批案件-")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == numbers

    person.page.locator("#content a", has_text="返回导出页面").click()
    person.page.wait_for_load_state()
    assert "已完成" in person.page.locator(".background-exports").inner_text()
    person.shot("export-page")
    person.assert_healthy()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_an_export_whose_worker_stopped_says_so_until_it_moves_again(visitor, monkeypatch, tmp_path, phone):
    monkeypatch.setattr("policyops.exporting.EXPORT_MAX_ROWS", 2)
    monkeypatch.setattr("policyops.exporting.enqueue", lambda *args, **kwargs: None)  # its worker never comes
    monkeypatch.setattr(settings, "EXPORT_JOB_DIR", tmp_path)
    clerk, power = clerk_with_power()
    for _ in range(3):
        register_case(power, clerk=clerk)
    person = visitor("clerk", phone=phone)
    person.log_in_as(clerk)
    person.go("/admin/approvals/approvalcase/export/")
    person.submit(form="#content form")
    [progress] = tmp_path.glob("*/progress.json")
    an_hour_ago = time.time() - 3600
    os.utime(progress, (an_hour_ago, an_hour_ago))

    person.page.reload()
    assert "已有 15 分钟没有进展" in person.page.locator("#content").inner_text()
    person.page.evaluate("window.notReloaded = true")
    person.page.wait_for_timeout(2500)  # two polls: the page agrees with them, so it stays
    assert person.page.evaluate("window.notReloaded === true")
    assert person.sideways_overflow() <= 0
    person.shot("stalled")

    with person.page.expect_event("load", timeout=5000):  # moving again: the script reloads the page
        job_files.write_json(progress, {**job_files.read_json(progress), "state": "running", "done": 1})
    assert "没有进展" not in person.page.locator("#content").inner_text()
    assert person.page.locator("#export-progress-bar").get_attribute("value") == "1"
    person.assert_healthy()
