"""Issue 11: claim, release and the follow-up date (services.handling), and the clock's colour rule."""
import datetime as dt

import pytest

from approvals import rules, services
from approvals.models import ApprovalCase
from approvals.services import handling
from policyops.errors import InvalidInput, NotAllowed
from policyops.models import AuditEntry
from policyops.roles import Role
from tests.approvals.factories import pingdu, pingdu_authority, register_case
from tests.conftest import make_user
from tests.factories import DistrictFactory, UserFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def case(power, entrustment, clerk):
    return register_case(power, clerk=clerk)


@pytest.fixture
def colleague(db):
    return make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())


def test_claim_makes_the_clerk_the_handler_and_audits_it(case, clerk):
    services.case_claim(case=case, acting_user=clerk)
    case.refresh_from_db()
    assert case.handler == clerk.person
    entry = AuditEntry.objects.get(action="claim", object_id=str(case.pk))
    assert entry.actor == clerk and entry.reason == f"— → {clerk.person}"


def test_claim_outside_a_request_names_the_clerk_in_the_history_row(case, clerk):
    services.case_claim(case=case, acting_user=clerk)  # no request: as a command or a task would
    assert case.history.latest("history_id").history_user == clerk


def test_claim_of_a_case_someone_handles_is_refused_by_name(case, clerk, colleague):
    services.case_claim(case=case, acting_user=colleague)
    stale = ApprovalCase.objects.get(pk=case.pk)
    stale.handler = None  # a page loaded before the colleague claimed it
    with pytest.raises(InvalidInput) as refused:
        services.case_claim(case=stale, acting_user=clerk)
    assert colleague.person.name in str(refused.value)
    case.refresh_from_db()
    assert case.handler == colleague.person
    assert AuditEntry.objects.filter(action="claim").count() == 1


def test_claim_of_another_districts_case_is_refused(case):
    outsider = make_user(Role.CLERK, district=DistrictFactory(name="莱西市"))
    with pytest.raises(NotAllowed):
        services.case_claim(case=case, acting_user=outsider)
    case.refresh_from_db()
    assert case.handler is None


def test_claim_needs_the_right_to_process_cases(case, head):
    with pytest.raises(NotAllowed):
        services.case_claim(case=case, acting_user=head)


def test_claim_of_a_closed_case_is_refused(case, clerk):
    services.case_withdraw(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    with pytest.raises(InvalidInput):
        services.case_claim(case=case, acting_user=clerk)


def test_release_gives_the_case_back_and_audits_it(case, clerk):
    services.case_claim(case=case, acting_user=clerk)
    services.case_release(case=case, acting_user=clerk)
    case.refresh_from_db()
    assert case.handler is None
    assert AuditEntry.objects.filter(action="release", object_id=str(case.pk), actor=clerk).exists()


def test_release_of_someone_elses_case_is_refused(case, clerk, colleague):
    services.case_claim(case=case, acting_user=colleague)
    with pytest.raises(NotAllowed):
        services.case_release(case=case, acting_user=clerk)
    case.refresh_from_db()
    assert case.handler == colleague.person


def test_follow_up_date_is_set_audited_and_cleared(case, clerk):
    services.case_set_follow_up(case=case, acting_user=clerk, follow_up_on=D(2024, 10, 8), as_of=D(2024, 9, 30))
    case.refresh_from_db()
    assert case.follow_up_on == D(2024, 10, 8)
    services.case_set_follow_up(case=case, acting_user=clerk, follow_up_on=None, as_of=D(2024, 9, 30))
    case.refresh_from_db()
    assert case.follow_up_on is None
    reasons = list(AuditEntry.objects.filter(action="set_follow_up").order_by("id").values_list("reason", flat=True))
    assert reasons == ["— → 2024-10-08", "2024-10-08 → —"]


def test_follow_up_date_before_today_is_refused_and_nothing_saved(case, clerk):
    with pytest.raises(InvalidInput) as refused:
        services.case_set_follow_up(case=case, acting_user=clerk, follow_up_on=D(2024, 9, 1), as_of=D(2024, 9, 30))
    assert refused.value.field == "follow_up_on"
    case.refresh_from_db()
    assert case.follow_up_on is None and not AuditEntry.objects.filter(action="set_follow_up").exists()


def test_follow_up_date_of_another_district_is_refused(case):
    outsider = make_user(Role.CLERK, district=DistrictFactory(name="莱西市"))
    with pytest.raises(NotAllowed):
        services.case_set_follow_up(case=case, acting_user=outsider, follow_up_on=D(2024, 10, 8), as_of=D(2024, 9, 30))


# --- the colour rule (rules.time_used_alert) -------------------------------------------------


@pytest.mark.parametrize(("overdue", "days_left", "budget", "alert"), [
    (True, None, None, rules.Alert.RED),
    (False, 3, 20, rules.Alert.YELLOW),  # at most 3 working days left
    (False, 4, 40, rules.Alert.YELLOW),  # 36 of 40 used: 90 %
    (False, 5, 40, rules.Alert.NONE),  # 35 of 40 used: under 90 %
    (False, 10, 20, rules.Alert.NONE),
    (False, None, 20, rules.Alert.NONE),  # the clock is stopped
])
def test_time_used_alert(overdue, days_left, budget, alert):
    assert rules.time_used_alert(overdue=overdue, days_left=days_left, budget_days=budget) == alert


# --- edges the mutation runner found unpinned (round 37) ----------------------------------------


def test_a_city_level_user_may_not_claim_a_district_case(case):
    # Sees every district and holds every right, but no district of their own: not the case's clerk.
    city = make_user(is_superuser=True)
    assert not handling.may_claim(case, city)
    with pytest.raises(NotAllowed):
        services.case_claim(case=case, acting_user=city)


def test_only_an_open_unassigned_case_may_be_claimed(case, clerk, colleague):
    assert handling.may_claim(case, clerk)
    services.case_claim(case=case, acting_user=colleague)
    assert not handling.may_claim(case, clerk)


def test_a_closed_case_may_not_be_claimed(case, clerk):
    services.case_withdraw(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    assert not handling.may_claim(case, clerk)


def test_only_the_handler_may_release_an_open_case(case, clerk, colleague):
    assert services.case_claim(case=case, acting_user=clerk) is case
    assert handling.may_release(case, clerk) and not handling.may_release(case, colleague)
    assert not handling.may_release(case, UserFactory(is_superuser=True))  # no person: handles nothing
    assert services.case_release(case=case, acting_user=clerk) is case


def test_a_closed_case_may_not_be_released(case, clerk):
    services.case_claim(case=case, acting_user=clerk)
    services.case_withdraw(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    case.refresh_from_db()
    assert not handling.may_release(case, clerk)


def test_the_follow_up_date_of_an_open_case_of_ones_own_district_may_be_set(case, clerk):
    outsider = make_user(Role.CLERK, district=DistrictFactory(name="莱西市"))
    assert handling.may_set_follow_up(case, clerk) and not handling.may_set_follow_up(case, outsider)
    services.case_withdraw(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    assert not handling.may_set_follow_up(case, clerk)


def test_the_follow_up_date_may_be_today_and_is_returned_set(case, clerk):
    assert services.case_set_follow_up(case=case, acting_user=clerk, follow_up_on=D(2024, 9, 30),
                                       as_of=D(2024, 9, 30)) is case
    assert case.follow_up_on == D(2024, 9, 30)
    assert services.case_set_follow_up(case=case, acting_user=clerk, follow_up_on=D(2024, 9, 30),
                                       as_of=D(2024, 9, 30)) is case  # unchanged: nothing written
