"""A tablet held upright (768 px): tables keep their words readable, the admin gives its lists room."""
from django.utils import timezone

from approvals import services
from approvals.models import ApprovalCase
from policyops.models import Person
from policyops.roles import Role
from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force, pingdu, register_case
from tests.conftest import make_user

LONG_POWER = "举办实施学历教育、学前教育、自学考试助学及其他文化教育的民办学校筹设"

# The lines a cell's text takes: the tops of its text's boxes (an element's own box, a <p>'s, is not a line).
TEXT_LINES = """cell => {
    const tops = new Set(), walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const rect of range.getClientRects()) if (rect.width > 0) tops.add(Math.round(rect.top));
    }
    return tops.size }"""

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
    assert number.evaluate(TEXT_LINES) == 1
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
    assert dates and all(cell.evaluate(TEXT_LINES) == 1 for cell in dates)
    assert person.sideways_overflow() <= 0
    person.assert_healthy()
