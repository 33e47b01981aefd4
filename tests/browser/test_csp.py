"""The Content-Security-Policy blocks nothing the pages need (Visitor fails on a CSP console error)."""
import pytest

from policyops.roles import Role
from tests.approvals.factories import pingdu
from tests.conftest import make_user
from tests.halls.factories import HallFactory

# The home page, a case list, an admin change list, Swagger UI and a public page.
STAFF_PAGES = ["/", "/approvals/cases/", "/admin/approvals/approvalcase/", "/api/docs/", "/tasks/", "/indicators/"]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_staff_pages_run_under_the_csp(visitor, phone):
    person = visitor("supervisor", phone=phone)
    person.log_in_as(make_user(Role.SUPERVISOR, district=pingdu()))
    for path in STAFF_PAGES:
        person.go(path)
        person.page.wait_for_load_state("networkidle")
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
