"""axe-core audits the pages each role works on, with rows in their tables, at desktop width; the
menu walk (test_menu_walk.py) audits every menu page on a phone. Django's own widgets are left out
(conftest.DJANGOS_OWN); whatever else axe finds is a defect."""
from django.utils import timezone

from policyops.roles import Role
from programs.halls import codes
from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force, pingdu, register_case
from tests.conftest import make_user
from tests.halls.factories import HallFactory
from tests.roads.factories import RoadProjectFactory


def a_case_in_pingdu():
    power = DelegatedPowerFactory()
    entrustment_in_force([power], supervisor=make_user(Role.SUPERVISOR))
    clerk = make_user(Role.CLERK, district=pingdu())
    return clerk, register_case(power, clerk=clerk, materials=(("申请书", True), ("营业执照副本", False)))


def test_a_clerks_pages_with_a_case_have_nothing_axe_finds(visitor):
    clerk, case = a_case_in_pingdu()
    person = visitor("clerk")
    person.log_in_as(clerk)
    assert person.accessibility_faults_on(["/", "/approvals/cases/", f"/approvals/cases/{case.pk}/", "/inbox/"]) == []
    person.assert_healthy()


def test_the_admins_pages_have_nothing_axe_finds_beyond_djangos_widgets(visitor):
    _clerk, case = a_case_in_pingdu()
    project = RoadProjectFactory()
    person = visitor("admin")
    person.log_in_as(make_user(is_superuser=True))
    assert person.accessibility_faults_on([
        "/admin/", "/admin/approvals/approvalcase/", f"/admin/approvals/approvalcase/{case.pk}/change/",
        "/admin/approvals/delegatedpower/add/", "/admin/policyops/policydocument/add/",
        f"/admin/roads/roadproject/{project.pk}/change/"]) == []
    person.assert_healthy()


def test_the_first_tab_on_a_page_skips_the_menu_to_its_content(visitor):
    # The brand, the menu, the bell, 退出登录 and the language stood before a page's first field.
    clerk, _case = a_case_in_pingdu()
    person = visitor("clerk")
    person.log_in_as(clerk)
    person.go("/approvals/cases/")
    person.page.keyboard.press("Tab")
    skip = person.page.locator(".skip-link")
    assert skip.evaluate("link => link === document.activeElement") and skip.inner_text() == "跳到主要内容"
    assert skip.bounding_box()["x"] >= 0  # shown while it has the focus
    person.page.keyboard.press("Enter")
    person.page.keyboard.press("Tab")
    # The page's first control: its own 登记申请, not the menu's.
    focused = person.page.evaluate("[!!document.activeElement.closest('main'), document.activeElement.textContent]")
    assert focused == [True, "登记申请"]


OVERFLOWING_BOXES = """() => Array.from(document.querySelectorAll('.table-scroll, .table-wrap, main table'))
    .filter(box => box.scrollWidth > box.clientWidth).map(box => box.getAttribute('tabindex'))"""


def test_a_table_too_wide_for_a_phone_can_be_scrolled_with_the_keyboard(visitor):
    # The programme dashboard's tables hold figures and no link: nothing in them took the focus.
    person = visitor("supervisor", phone=True)
    person.log_in_as(make_user(Role.SUPERVISOR))
    person.go("/roads/")
    too_wide = person.page.evaluate(OVERFLOWING_BOXES)
    assert too_wide and set(too_wide) == {"0"}, too_wide  # reached by Tab; the arrow keys then scroll it
    assert person.accessibility_faults() == []
    person.page.set_viewport_size({"width": 1920, "height": 900})  # where they fit, no stop for the Tab key
    person.page.wait_for_function("() => !document.querySelector('main [tabindex]')")


def test_the_halls_screen_and_printed_rota_have_nothing_axe_finds_but_the_screens_own_refresh(visitor):
    hall = HallFactory()
    today = timezone.localdate()
    screen = visitor("screen")
    screen.go(f"/halls/kiosk/{codes.kiosk_token(hall.duty_settings)}/")
    # The screen on the hall's wall reloads itself for the code of the next minute: nobody reads it
    # with a screen reader, and the code must change (kiosk.py). Everything else is audited.
    assert screen.accessibility_faults(rules_off=("meta-refresh",)) == []
    screen.go(f"/halls/{hall.pk}/sign/{today.year}/{today.month}/")
    assert screen.accessibility_faults() == []
    screen.assert_healthy()
