"""A clerk exports a case list too long for one request: the admin's 导出 form queues it, its page
shows the file written in the background (Celery is eager here), and the file downloads."""
import io

import pytest
from django.conf import settings
from openpyxl import load_workbook

from policyops import background_exports
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
