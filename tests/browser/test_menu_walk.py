"""Every role opens every page its menu offers, on a 390 px phone: no error, no sideways scroll."""
import pytest

from policyops.roles import Role
from tests.approvals.factories import pingdu
from tests.conftest import make_user

ROLES = [Role.CLERK, Role.PROGRAMME_MANAGER, Role.DIRECTOR, Role.SUPERVISOR]


def menu_paths(person) -> list[str]:
    return person.page.eval_on_selector_all("nav.menu a", "links => links.map(a => a.pathname)")


@pytest.mark.parametrize("role", ROLES)
def test_each_page_in_a_roles_menu_opens_and_fits_a_phone(visitor, role):
    person = visitor(role, phone=True)
    person.log_in_as(make_user(role, district=pingdu()))
    person.go("/")
    paths = ["/", *menu_paths(person)]
    assert len(paths) > 2, paths
    too_wide = {}
    for path in paths:
        person.go(path)  # asserts 200: a page in the menu never answers 403, 404 or 500
        if person.sideways_overflow() > 0:
            too_wide[path] = person.page.evaluate("document.documentElement.scrollWidth")
            person.shot("too-wide-" + path.strip("/").replace("/", "-"))
    person.go("/")
    person.shot("home")
    assert too_wide == {}, too_wide
    person.assert_healthy()


def test_an_anonymous_visitor_sees_only_public_pages_in_the_menu(visitor):
    guest = visitor("guest", phone=True)
    guest.go("/")
    for path in menu_paths(guest):
        guest.go(path)
        assert guest.sideways_overflow() <= 0, path
    guest.assert_healthy()


def test_the_admin_case_list_fits_a_phone(visitor):
    # The admin loads the approvals pages' stylesheet for its badges; its rules for the front
    # pages' <main> once padded the admin's too, 19 px wider than the phone.
    from tests.approvals.factories import DelegatedPowerFactory, register_case

    register_case(DelegatedPowerFactory(), clerk=make_user(Role.CLERK, district=pingdu()))  # a row: a wide table
    person = visitor(Role.SUPERVISOR, phone=True)
    person.log_in_as(make_user(Role.SUPERVISOR, district=pingdu()))
    person.go("/admin/approvals/approvalcase/")
    assert person.page.locator("#result_list tbody tr").count() == 1
    person.shot("admin-case-list")
    assert person.sideways_overflow() <= 0
    person.assert_healthy()


def test_the_admin_register_form_keeps_a_long_select_inside_the_form_at_desktop_width(visitor):
    # A power's full name made its select as wide as the name: it ran past the form's right
    # edge with its arrow cut off, and nothing scrolled sideways to show it.
    from tests.approvals.factories import DelegatedPowerFactory

    DelegatedPowerFactory(name="关于企业投资项目核准及其变更、延期、转让事项的审批（含跨区域重大项目前期工作）" * 2)
    person = visitor(Role.CLERK)
    person.log_in_as(make_user(Role.CLERK, district=pingdu()))
    person.go("/admin/approvals/approvalcase/add/")
    form_right = person.page.eval_on_selector("#content-main form", "f => f.getBoundingClientRect().right")
    overflowing = person.page.eval_on_selector_all(
        "#content-main select", f"els => els.filter(s => s.getBoundingClientRect().right > {form_right} + 1)"
                                 ".map(s => s.name)")
    person.shot("admin-register")
    assert overflowing == []
    person.assert_healthy()
