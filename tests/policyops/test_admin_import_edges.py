"""Edges of the admin's 导入 on the one import pipeline (policyops.admin_import): the upload and
confirm pages where the import tests do not reach (found by mutation testing)."""
import io

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from policyops.admin_import import PipelineImportMixin
from policyops.importing import ImportProblem, ImportReport
from policyops.importing.reading import Table
from policyops.models import District
from policyops.resources import DistrictResource
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import UserFactory
from tests.pages import messages_of, zh

pytestmark = pytest.mark.django_db

IMPORT = "admin:policyops_district_import"
CONFIRM = "admin:policyops_district_process_import"
COLUMNS = zh("The file must have the columns: %(columns)s.", columns="name, position, source")


@pytest.fixture
def admin_user(seeded):
    # Districts are edited by administrators only.
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def logged_in(client, admin_user):
    client.force_login(admin_user)
    return client


def upload(client, content: bytes, name: str = "d.csv"):
    return client.post(reverse(IMPORT), {"format": "0", "resource": "0",
                                         "import_file": SimpleUploadedFile(name, content, content_type="text/csv")})


def file_errors(response) -> list[str]:
    return list(response.context["form"].errors.get("import_file", []))


# --- step 1: the upload page -------------------------------------------------------------------------


def test_the_upload_page_lists_the_columns_a_file_must_have(logged_in):
    response = logged_in.get(reverse(IMPORT))
    assert response.status_code == 200
    [(_name, columns)] = response.context["fields_list"]
    assert columns == ["name", "position", "source"]


def test_an_upload_form_posted_without_a_file_shows_the_forms_error_not_a_500(logged_in):
    response = logged_in.post(reverse(IMPORT), {"format": "0", "resource": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors["import_file"]
    assert response.context.get("confirm_form") is None


def test_a_file_of_exactly_the_size_limit_is_read_whole(logged_in, monkeypatch):
    content = "name,position,source\n测试区,99,末尾".encode()
    monkeypatch.setattr(admin.site._registry[District], "import_max_bytes", len(content))
    preview = upload(logged_in, content)
    assert file_errors(preview) == []
    [row] = preview.context["result"].rows
    assert row.instance.source == "末尾"


def test_a_file_one_byte_over_the_size_limit_is_refused_as_too_large(logged_in, monkeypatch):
    content = "name,position,source\n测试区,99,末尾".encode()
    monkeypatch.setattr(admin.site._registry[District], "import_max_bytes", len(content) - 1)
    preview = upload(logged_in, content)
    assert file_errors(preview) == [zh("The file is too large (at most %(size)s).", size="1 KB")]
    assert preview.context.get("confirm_form") is None


def test_an_upload_is_read_no_further_than_one_byte_past_the_size_limit(monkeypatch):
    # One byte more than the limit tells "too large"; a huge upload is never read into memory whole.
    district_admin = admin.site._registry[District]
    monkeypatch.setattr(district_admin, "import_max_bytes", 10)
    assert district_admin._read_upload(io.BytesIO(b"x" * 100)) == b"x" * 11


def test_a_wrong_header_below_blank_lines_still_lists_the_columns_the_file_must_have(logged_in):
    errors = file_errors(upload(logged_in, b"\n\nname,source\nx,y\n"))
    assert any("position" in e for e in errors)
    assert errors[-1] == COLUMNS


def test_a_file_refused_before_it_is_read_lists_no_columns(logged_in):
    errors = file_errors(upload(logged_in, b"not a workbook", name="d.xlsx"))
    assert errors == [zh("The file is not an Excel workbook (.xlsx).")]


def test_a_header_problem_among_row_problems_still_lists_the_columns():
    table = Table(headers=["name", "source"], rows=[], header_line=2)
    report = ImportReport(table=table, problems=[ImportProblem(2, "position", "缺少该列。"),
                                                 ImportProblem(3, "source", "太长。")])
    shown = PipelineImportMixin.problems_shown(DistrictResource(), report)
    assert shown == [str(p) for p in report.problems] + [COLUMNS]


def test_row_problems_alone_list_no_columns():
    table = Table(headers=["name", "position", "source"], rows=[], header_line=1)
    report = ImportReport(table=table, problems=[ImportProblem(2, "position", "不是数字。")])
    assert PipelineImportMixin.problems_shown(DistrictResource(), report) == [str(report.problems[0])]


# --- step 2: the confirmation --------------------------------------------------------------------------


def test_a_confirmed_import_goes_to_the_list_with_import_exports_summary(logged_in):
    preview = upload(logged_in, "name,position,source\n测试区,99,x\n".encode())
    response = logged_in.post(reverse(CONFIRM), preview.context["confirm_form"].initial, follow=True)
    assert response.redirect_chain == [(reverse("admin:policyops_district_changelist"), 302)]
    assert messages_of(response, "error") == []
    assert len(messages_of(response, "success")) == 1
    assert District.objects.filter(name="测试区").exists()


def test_a_confirmation_by_one_who_may_not_import_is_refused(client, seeded):
    pingdu = District.objects.get(name="平度市")
    client.force_login(make_user(Role.PROGRAMME_MANAGER, district=pingdu))
    response = client.post(reverse("admin:roads_roadtarget_process_import"),
                           {"import_file_name": "x", "original_file_name": "t.csv", "format": "0", "resource": "0"})
    assert response.status_code == 403


def test_a_confirmation_whose_stored_file_is_gone_says_the_preview_expired(logged_in, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    preview = upload(logged_in, "name,position,source\n测试区,99,x\n".encode())
    for stored in tmp_path.iterdir():
        stored.unlink()
    response = logged_in.post(reverse(CONFIRM), preview.context["confirm_form"].initial, follow=True)
    assert response.redirect_chain == [(reverse(IMPORT), 302)]
    assert messages_of(response, "error") == [zh("This preview has expired; upload the file again.")]
    assert not District.objects.filter(name="测试区").exists()
