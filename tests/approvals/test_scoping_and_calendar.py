import datetime as dt

import pytest

from approvals import services
from approvals.models import ApprovalCase
from policyops import services as core_services
from policyops.errors import NotAllowed
from policyops.models import District
from policyops.roles import Role
from tests.approvals.factories import register_case
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_clerk_of_another_district_sees_no_case(seeded, power, entrustment, clerk):
    register_case(power, clerk=clerk)
    other = make_user(Role.CLERK, district=District.objects.get(name="莱西市"))
    assert not ApprovalCase.objects.visible_to(other).exists()
    assert ApprovalCase.objects.visible_to(clerk).count() == 1


def test_a_clerk_of_another_district_cannot_act(seeded, power, entrustment, clerk):
    case = register_case(power, clerk=clerk)
    other = make_user(Role.CLERK, district=District.objects.get(name="莱西市"))
    with pytest.raises(NotAllowed):
        services.case_accept(case=case, acting_user=other, as_of=D(2024, 9, 27))


def test_calendar_import_recomputes_open_case_deadlines(power, entrustment, clerk, supervisor):
    # A case accepted in December 2026 runs into 2027, which the package does not know.
    case = register_case(power, clerk=clerk, received_on=D(2026, 12, 15))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2026, 12, 15))
    case.refresh_from_db()
    assert case.legal_due_on == D(2027, 1, 13)  # fallback: weekdays without the statutory 元旦 (2027-01-01)
    rows = core_services.parse_official_calendar("date,type,name\n2027-01-01,休,元旦\n2027-01-04,休,测试\n", year=2027)
    core_services.calendar_import_official_year(year=2027, rows=rows, acting_user=supervisor)
    case.refresh_from_db()
    assert case.legal_due_on == D(2027, 1, 14)


def test_a_closed_case_keeps_its_dates_after_a_calendar_change(power, entrustment, clerk, supervisor):
    case = register_case(power, clerk=clerk, received_on=D(2026, 12, 15))
    services.case_withdraw(case=case, acting_user=clerk, as_of=D(2026, 12, 16))
    before = ApprovalCase.objects.get(pk=case.pk).correction_due_on
    core_services.calendar_import_official_year(year=2026, rows=[(D(2026, 12, 16), False, "测试")],
                                                acting_user=supervisor)
    assert ApprovalCase.objects.get(pk=case.pk).correction_due_on == before
