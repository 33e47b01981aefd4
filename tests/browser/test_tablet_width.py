"""A tablet held upright (768 px) and a laptop: tables keep their words readable, the admin gives its lists room."""
from django.utils import timezone

from approvals import services
from approvals.models import ApprovalCase
from policyops.models import Person
from policyops.roles import Role
from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force, pingdu, register_case
from tests.browser.conftest import TEXT_LINES
from tests.conftest import make_user

LONG_POWER = "举办实施学历教育、学前教育、自学考试助学及其他文化教育的民办学校筹设"

# Cells of ``selector`` whose words stand a character or two a line (审查中 in three lines); a
# long text wrapping at a few characters a line is not one of them.
SQUEEZED = f"""selector => [...document.querySelectorAll(selector)].filter(cell => {{
    const characters = cell.innerText.replace(/\\s/g, '').length, lines = ({TEXT_LINES})(cell);
    return characters >= 3 && lines >= 3 && 2 * lines > characters;
}}).map(cell => cell.innerText.trim())"""


def squeezed(person, selector: str) -> list[str]:
    return person.page.evaluate(SQUEEZED, selector)


def clerk_with_case(*, accepted: bool = False):
    """A 平度市 clerk handling a case of a power with a long name (its entrustment in force)."""
    power = DelegatedPowerFactory(name=LONG_POWER)
    entrustment_in_force([power], supervisor=make_user(Role.SUPERVISOR))
    clerk = make_user(Role.CLERK, district=pingdu())
    Person.objects.filter(user=clerk).update(name="王晓明")
    today = timezone.localdate()
    case = register_case(power, clerk=clerk, received_on=today)
    ApprovalCase.objects.filter(pk=case.pk).update(handler=Person.objects.get(user=clerk))
    if accepted:
        case.refresh_from_db()
        services.case_accept(case=case, acting_user=clerk, as_of=today)
    return clerk, case


def test_the_front_case_list_keeps_its_words_and_numbers_whole_at_768_px(visitor):
    # 审查中 and the clock's headings stood a character a line, the case number in three.
    clerk, case = clerk_with_case()
    person = visitor(Role.CLERK, tablet=True)
    person.log_in_as(clerk)
    person.go("/approvals/cases/")
    person.shot("case-list")
    assert squeezed(person, ".case-table td, .case-table th") == []
    number = person.page.locator(".case-table tbody td", has_text=case.number).first
    assert person.text_lines(number) == 1
    assert person.sideways_overflow() <= 0
    person.assert_healthy()


def test_the_case_page_keeps_its_notices_and_dates_readable_at_768_px(visitor):
    # Two boxes side by side squeezed the notices' table: 受理通知书 in three lines, dates broken at their hyphens.
    clerk, case = clerk_with_case(accepted=True)
    person = visitor(Role.CLERK, tablet=True)
    person.log_in_as(clerk)
    person.go(f"/approvals/cases/{case.pk}/")
    person.shot("case-page")
    assert person.page.locator("main td", has_text="受理通知书").count() == 1
    assert squeezed(person, "main td, main th") == []
    dates = person.page.locator("main td.nowrap", has_text=str(timezone.localdate())).all()
    assert dates and all(person.text_lines(cell) == 1 for cell in dates)
    assert person.sideways_overflow() <= 0
    person.assert_healthy()


def main_is_shifted(person) -> bool:
    """Whether Django's navigation is open beside the page (nav_sidebar.js marks #main)."""
    return person.page.eval_on_selector("#main", "main => main.classList.contains('shifted')")


def test_below_1366_px_the_admins_navigation_starts_closed_and_keeps_the_users_choice(visitor):
    # Open, it left the hall settings' list 200 px beside the filters; the action menu widened the page by 6 px.
    from tests.halls.factories import HallFactory

    HallFactory(name="平度市审批服务大厅（测试）")
    person = visitor(Role.SUPERVISOR, tablet=True)
    person.log_in_as(make_user(Role.SUPERVISOR, district=pingdu()))
    person.go("/admin/halls/hallsettings/")
    person.shot("closed")
    assert not main_is_shifted(person)
    assert person.sideways_overflow() <= 0
    person.page.click("#toggle-nav-sidebar")
    assert main_is_shifted(person)
    person.go("/admin/halls/hallsettings/")
    person.shot("opened-by-the-user")
    assert main_is_shifted(person)
    assert person.sideways_overflow() <= 0
    person.assert_healthy()


def test_at_1366_px_the_navigation_starts_open_and_the_admin_case_list_fits_beside_it(visitor):
    # The commonest laptop width: the list's ~720 px hold its columns, the case number on one line.
    from tests.factories import DepartmentFactory

    clerk, case = clerk_with_case()
    Person.objects.filter(user=clerk).update(department=DepartmentFactory(name="平度市行政审批服务局"))
    person = visitor(Role.SUPERVISOR)
    person.page.set_viewport_size({"width": 1366, "height": 900})
    person.log_in_as(make_user(Role.SUPERVISOR, district=pingdu()))
    person.go("/admin/approvals/approvalcase/")
    person.shot("case-list")
    assert main_is_shifted(person)
    assert person.text_lines(person.page.locator("#result_list tbody th", has_text=case.number)) == 1
    assert person.results_overflow() <= 0
    person.assert_healthy()


def test_an_admin_audit_trail_and_inlines_beside_the_open_navigation_keep_their_words_at_768_px(visitor):
    # The trail's five columns in ~240 px stood 王晓明 a character a line, the notices' inline 受理通知书;
    # they scroll inside their boxes now.
    _clerk, case = clerk_with_case(accepted=True)
    person = visitor(Role.SUPERVISOR, tablet=True)
    person.log_in_as(make_user(Role.SUPERVISOR, district=pingdu()))
    page = f"/admin/approvals/approvalcase/{case.pk}/change/"
    person.go(page)
    person.page.evaluate("localStorage.setItem('django.admin.navSidebarIsOpen', 'true')")  # the user's choice
    person.go(page)
    assert main_is_shifted(person)
    person.shot("audit-trail")
    assert person.page.locator("table.approvals-audit tbody tr").count() >= 2
    assert person.page.locator(".inline-group td", has_text="受理通知书").count() >= 1
    assert squeezed(person, "table.approvals-audit td, .inline-group td") == []
    assert person.sideways_overflow() <= 0
    person.assert_healthy()


def test_at_768_px_an_admin_lists_names_and_headings_keep_a_few_characters_a_line(visitor):
    # The road projects' names stood two characters a line, their sorted 计划年度 one.
    from tests.roads.factories import RoadProjectFactory

    for n in range(2):
        RoadProjectFactory(name=f"平度市南村镇测试村至北村道路提档升级工程{n}")
    person = visitor(Role.SUPERVISOR, tablet=True)
    person.log_in_as(make_user(Role.SUPERVISOR, district=pingdu()))
    person.go("/admin/roads/roadproject/?o=6")
    person.shot("road-projects")
    assert person.page.locator("#result_list thead th.sorted", has_text="计划年度").count() == 1
    assert person.page.locator("#result_list tbody tr").count() == 2
    assert squeezed(person, "#result_list thead th .text, #result_list tbody th") == []
    assert person.sideways_overflow() <= 0
    person.assert_healthy()
