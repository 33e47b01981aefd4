"""The Content-Security-Policy blocks nothing the pages need (Visitor fails on a CSP console error)."""
import pytest

from policyops.roles import Role
from tests.approvals.factories import pingdu
from tests.conftest import make_user
from tests.halls.factories import HallFactory

# The home page, a case list, an admin change list, Swagger UI, the browsable API and a public page.
STAFF_PAGES = ["/", "/approvals/cases/", "/admin/approvals/approvalcase/", "/api/docs/", "/api/approvals/cases/",
               "/tasks/", "/indicators/"]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_staff_pages_run_under_the_csp(visitor, phone):
    person = visitor("supervisor", phone=phone)
    person.log_in_as(make_user(Role.SUPERVISOR, district=pingdu()))
    for path in STAFF_PAGES:
        person.go(path)
        person.page.wait_for_load_state("networkidle")
    person.go("/api/approvals/cases/")  # the browsable API, its code colours from a file
    person.shot("browsable-api")
    # Swagger UI drew the API from its start-up script (loaded from /api/docs/?script).
    person.go("/api/docs/")
    person.page.wait_for_selector(".opblock", timeout=30_000)
    person.shot("api-docs")
    person.assert_healthy()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_public_pages_run_under_the_csp(visitor, phone):
    hall = HallFactory()
    guest = visitor("guest", phone=phone)
    for path in ["/halls/", "/admin/login/", "/no-such-page/"]:
        guest.go(path, expect_status=404 if path == "/no-such-page/" else 200)
        guest.page.wait_for_load_state("networkidle")
    guest.go(f"/halls/{hall.pk}/evaluate/")
    guest.assert_healthy()


def test_the_language_menu_still_switches_without_an_inline_handler(visitor):
    guest = visitor("guest")
    guest.go("/halls/")
    with guest.page.expect_navigation():
        guest.page.select_option("select[name=language]", "en")
    assert guest.page.locator("html").get_attribute("lang") == "en"
    guest.assert_healthy()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_export_pages_select_all_box_works_under_the_csp(visitor, phone):
    # import-export's own page toggled the fields from an inline handler, which the CSP blocked.
    person = visitor("supervisor", phone=phone)
    person.log_in_as(make_user(Role.SUPERVISOR, district=pingdu()))
    person.go("/admin/approvals/approvalcase/export/")
    fields = person.page.locator('.selectable-field-export-row input[type="checkbox"]:not(.select-toggle)')
    ticked = lambda: [fields.nth(i).is_checked() for i in range(fields.count())]  # noqa: E731
    assert fields.count() > 10 and all(ticked())
    person.page.locator("label[for=select-all-toggle]").click()  # 全选, by its label
    assert not any(ticked())
    person.page.locator("#select-all-toggle").check()
    assert all(ticked())
    assert person.sideways_overflow() <= 0
    person.shot("export")
    with person.page.expect_download() as download:
        person.page.locator("input[type=submit].default").click()
    name = download.value.suggested_filename
    assert name.startswith("审批案件-") and name.endswith(".xlsx")  # named in Chinese, as the header encodes it
    person.assert_healthy()


def test_the_admin_import_preview_shows_its_changes_under_the_csp(visitor):
    # diff-match-patch coloured each changed cell in a style attribute: a CSP report a cell.
    from policyops.models import District

    district = District.objects.order_by("position").first()
    person = visitor("admin")
    person.log_in_as(make_user(is_superuser=True))
    person.go("/admin/policyops/district/import/")
    content = f"name,position,source\n{district.name},{district.position},改过的出处\n".encode()
    person.page.set_input_files("input[type=file]", files=[{"name": "d.csv", "mimeType": "text/csv",
                                                             "buffer": content}])
    person.submit(form="#content form")
    assert person.page.locator("table.import-preview ins", has_text="改过的出处").count() == 1
    person.shot("import-preview")
    person.assert_healthy()
