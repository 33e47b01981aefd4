"""Edges of the case reminders that no other test pinned (found by `make mutants`, README
*Mutation testing*): each test fails on one small change to ``approvals.reminders``."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from approvals import reminders, services
from approvals.models import ApprovalCase
from policyops.models import Notification
from tests.approvals.factories import register_case
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
D = dt.date


def sweep(day):
    return reminders.sweep_cases(today=day, now=dt.datetime(day.year, day.month, day.day, 8, tzinfo=TZ))


def inbox():
    return sorted(Notification.objects.filter(channel="inbox").values_list("kind", "subject"))


def test_a_case_deemed_accepted_gets_its_decision_reminders(power, entrustment, clerk):
    # Art. 32(4): no correction notice within five working days, so accepted on receipt; nobody pressed 受理.
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.cases_start_deemed_clocks(as_of=D(2024, 10, 25))
    case.refresh_from_db()
    assert (case.state, case.legal_due_on) == (ApprovalCase.State.SUBMITTED, D(2024, 10, 30))
    sweep(D(2024, 10, 25))
    assert [kind for kind, _subject in inbox()] == ["case.legal_due_in_3"]


def test_an_approved_case_is_reminded_of_its_licence_not_of_its_decision(review_case, clerk):
    services.case_approve(case=review_case, acting_user=clerk, as_of=D(2024, 10, 17))  # licence due 10-31
    sweep(D(2024, 10, 29))  # the legal decision date 10-30 is still ahead, and decided already
    assert [kind for kind, _subject in inbox()] == ["case.licence_due"]


def test_the_licence_reminder_is_sent_on_its_last_day(review_case, clerk):
    services.case_approve(case=review_case, acting_user=clerk, as_of=D(2024, 10, 21))  # licence due 11-04
    sweep(D(2024, 11, 4))
    assert [kind for kind, _subject in inbox()] == ["case.licence_due"]


def test_the_promised_deadline_reminder_says_promised(power, entrustment, clerk, head):
    power.promised_limit_days = 10
    power.save()
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2024, 9, 27))
    case.refresh_from_db()
    sweep(case.promised_due_on)
    [(kind, subject)] = [row for row in inbox() if row[0].startswith("case.promised")]
    assert kind == "case.promised_due_in_0" and "承诺" in subject and "法定" not in subject


def test_a_handler_without_a_login_is_reminded_of_nothing(review_case):
    ApprovalCase.objects.filter(pk=review_case.pk).update(handler=PersonFactory(name="无账号承办人", user=None))
    assert sweep(D(2024, 10, 25)) == 0
    assert inbox() == []


def test_a_digest_names_ten_numbers_and_counts_the_eleventh():
    first = [(D(2024, 10, 1), pk, f"PD-2024-{pk:06d}") for pk in range(1, 11)]
    summary, numbers = reminders._digest_part("%(count)s", reminders._Overdue(11, D(2024, 10, 1), first))
    assert summary == "11"
    assert numbers.endswith("PD-2024-000010，另有1件")


def test_a_digest_of_ten_names_them_all():
    first = [(D(2024, 10, 1), pk, f"PD-2024-{pk:06d}") for pk in range(1, 11)]
    assert reminders._digest_part("%(count)s", reminders._Overdue(10, D(2024, 10, 1), first))[1].endswith(
        "PD-2024-000010")
