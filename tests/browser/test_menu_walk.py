"""Every role opens every page its menu offers, on a 390 px phone: no error, no sideways scroll, nothing
axe-core finds wrong (accessibility)."""
import re
from decimal import Decimal

import pytest

from policyops.roles import Role
from tests.approvals.factories import pingdu
from tests.conftest import make_user

ROLES = [Role.CLERK, Role.PROGRAMME_MANAGER, Role.DIRECTOR, Role.SUPERVISOR]


def menu_paths(person) -> list[str]:
    return person.page.eval_on_selector_all("nav.menu a", "links => links.map(a => a.pathname)")


def contrast_audited_elsewhere(role) -> tuple[str, ...]:
    """Colour contrast, four-fifths of axe's time, is the style sheets' and not the role's: audited on
    the supervisor's walk (every app's pages) and test_accessibility's pages with rows; the
    other roles' walks audit all the rest."""
    return () if role == Role.SUPERVISOR else ("color-contrast",)


@pytest.mark.parametrize("role", ROLES)
def test_each_page_in_a_roles_menu_opens_and_fits_a_phone(visitor, role):
    person = visitor(role, phone=True)
    person.log_in_as(make_user(role, district=pingdu()))
    person.go("/")
    paths = ["/", *menu_paths(person)]
    assert len(paths) > 2, paths
    too_wide, faults = {}, []
    for path in paths:
        person.go(path)  # asserts 200: a page in the menu never answers 403, 404 or 500
        if person.sideways_overflow() > 0:
            too_wide[path] = person.page.evaluate("document.documentElement.scrollWidth")
            person.shot("too-wide-" + path.strip("/").replace("/", "-"))
        faults += person.accessibility_faults(rules_off=contrast_audited_elsewhere(role))
    person.go("/")
    person.shot("home")
    assert too_wide == {}, too_wide
    assert faults == []
    person.assert_healthy()


def test_an_anonymous_visitor_sees_only_public_pages_in_the_menu(visitor):
    guest = visitor("guest", phone=True)
    guest.go("/")
    for path in menu_paths(guest):
        guest.go(path)
        assert guest.sideways_overflow() <= 0, path
        assert guest.accessibility_faults() == []
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


def test_an_action_forms_own_field_fits_a_phone_in_english_and_its_action_runs(visitor):
    # The plan adjustments' decision note (size 40) beside the action's menu widened the list
    # by 3 px at 390 px in English; it now takes a row of its own and shrinks with it.
    from programs.roads.models import PlanAdjustment
    from tests.roads.factories import PlanAdjustmentFactory, annual_plans

    district = pingdu()
    annual_plans({2018: "14.0", 2019: "31.4", 2020: "24.3"}, district=district)
    manager = make_user(Role.PROGRAMME_MANAGER, district=district)
    adjustment = PlanAdjustmentFactory(district=district, reason="项目前移", acting_user=manager,
                                       lines={2019: Decimal("36.4"), 2020: Decimal("19.3")})
    person = visitor(Role.SUPERVISOR, phone=True)
    person.context.add_cookies([{"name": "django_language", "value": "en", "url": person.base_url}])
    person.log_in_as(make_user(Role.SUPERVISOR, district=district))
    person.go("/admin/roads/planadjustment/")
    assert person.page.locator("label", has_text="decision note").is_visible()
    person.shot("plan-adjustments")
    assert person.sideways_overflow() <= 0
    # The action's menu keeps its row (it once shrank to 6 px beside the note's row of its own).
    menu, row = (person.page.eval_on_selector(selector, "e => e.getBoundingClientRect().width")
                 for selector in ("select[name=action]", "#changelist .actions"))
    assert menu >= row / 2
    person.page.check("input.action-select")
    person.page.select_option("select[name=action]", "approve_adjustments")
    person.page.fill("input[name=note]", "同意")
    person.submit(form="#changelist-form")
    adjustment.refresh_from_db()
    assert adjustment.state == PlanAdjustment.State.APPROVED and adjustment.decision_note == "同意"
    person.assert_healthy()


def test_the_case_lists_keep_a_handlers_name_on_one_line_and_fit_at_desktop_width(visitor):
    # 王晓明 stood one character a line on the front list, squeezed by the clock's unwrapped
    # headings; in the admin, 王晓明（平度市行政审批服务局） on one line pushed the due state out of sight.
    from approvals.models import ApprovalCase
    from policyops.models import Person
    from tests.approvals.factories import DelegatedPowerFactory, register_case
    from tests.factories import DepartmentFactory

    clerk = make_user(Role.CLERK, district=pingdu())
    Person.objects.filter(user=clerk).update(name="王晓明", department=DepartmentFactory(name="平度市行政审批服务局"))
    power = DelegatedPowerFactory(name="举办实施学历教育、学前教育、自学考试助学及其他文化教育的民办学校筹设")
    case = register_case(power, clerk=clerk)
    ApprovalCase.objects.filter(pk=case.pk).update(handler=Person.objects.get(user=clerk))  # the page's data only
    person = visitor(Role.CLERK)
    person.log_in_as(clerk)
    person.go("/approvals/cases/")
    person.shot("front-list")
    handler = person.page.locator(".case-table tbody td").filter(has_text=re.compile("^王晓明$"))
    assert person.text_lines(handler) == 1
    person.go("/admin/approvals/approvalcase/")
    person.shot("admin-list")
    assert person.results_overflow() <= 0
    person.assert_healthy()


def test_an_admin_list_with_a_long_related_name_fits_its_box_at_desktop_width(visitor):
    # Django keeps a related object's cell and each heading on one line: a policy document's
    # title pushed the indicator list's values 483 px out of sight at 1366 px
    # (policyops/admin_site.css, on every admin page).
    from tests.factories import IndicatorFactory, PolicyDocumentFactory

    title = "青岛市人民政府办公厅关于印发青岛市节能与绿色发展行动方案（2018—2020年）的通知（测试）"
    document = PolicyDocumentFactory(title=title)
    for n in range(3):
        IndicatorFactory(document=document, name=f"单位生产总值能耗降低率{n}")
    person = visitor(Role.SUPERVISOR)
    person.log_in_as(make_user(Role.SUPERVISOR, district=pingdu()))
    person.go(f"/admin/policyops/indicator/?document__id__exact={document.pk}")
    person.shot("indicator-list")
    assert person.page.locator("#result_list tbody tr").count() == 3
    assert person.results_overflow() <= 0
    person.assert_healthy()


def test_without_javascript_the_language_menus_button_switches_the_language(visitor):
    person = visitor(Role.SUPERVISOR, phone=True, javascript=False)
    person.log_in_as(make_user(Role.SUPERVISOR, district=pingdu()))
    person.go("/indicators/")
    person.page.select_option("select[name=language]", "en")
    person.submit("切换", form="header")
    assert person.page.locator("html").get_attribute("lang") == "en"
    assert person.page.locator("select[name=language]").get_attribute("aria-label") == "Language"
    person.shot("english")
    assert person.sideways_overflow() <= 0
    person.assert_healthy()
