import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from approvals import reminders, services
from policyops.models import Notification
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
D = dt.date


def now_on(day):
    return dt.datetime(day.year, day.month, day.day, 8, tzinfo=TZ)


def kinds():
    return sorted(Notification.objects.filter(channel="inbox").values_list("kind", flat=True))


def test_correction_window_reminder_on_day_four(power, entrustment, clerk):
    register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
    # Working days after 09-27: 09-29, 09-30, 10-08, 10-09 (day 4).
    assert reminders.sweep_cases(today=D(2024, 10, 8), now=now_on(D(2024, 10, 8))) == 0
    assert reminders.sweep_cases(today=D(2024, 10, 9), now=now_on(D(2024, 10, 9))) == 1
    assert kinds() == ["case.correction_window"]


@pytest.mark.parametrize("today, expected", [
    (D(2024, 10, 25), ["case.legal_due_in_3"]),   # 10-30 is 3 working days away
    (D(2024, 10, 29), ["case.legal_due_in_1"]),
    (D(2024, 10, 30), ["case.legal_due_in_0"]),
    (D(2024, 10, 24), []),                        # 4 working days away: not yet
    (D(2024, 10, 28), ["case.legal_due_in_3"]),   # the run with 3 left was missed: sent late, once
])
def test_decision_deadline_reminders(review_case, today, expected):
    reminders.sweep_cases(today=today, now=now_on(today))
    assert kinds() == expected


def test_a_missed_reminder_is_sent_once_by_the_next_sweep(review_case):
    # Issue 11 #9: "at or below the threshold, not yet sent for this threshold".
    reminders.sweep_cases(today=D(2024, 10, 25), now=now_on(D(2024, 10, 25)))
    reminders.sweep_cases(today=D(2024, 10, 28), now=now_on(D(2024, 10, 28)))  # 2 left: threshold 3, sent
    assert kinds() == ["case.legal_due_in_3"]
    reminders.sweep_cases(today=D(2024, 10, 29), now=now_on(D(2024, 10, 29)))
    assert kinds() == ["case.legal_due_in_1", "case.legal_due_in_3"]


def test_a_missed_correction_reminder_is_sent_on_day_five(power, entrustment, clerk):
    register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
    assert reminders.sweep_cases(today=D(2024, 10, 10), now=now_on(D(2024, 10, 10))) == 1  # day 5, day 4 missed
    assert reminders.sweep_cases(today=D(2024, 10, 10), now=now_on(D(2024, 10, 10))) == 0
    assert kinds() == ["case.correction_window"]


def test_overdue_cases_escalate_daily_to_supervisor_and_head(review_case, supervisor, head, clerk):
    # Issue 12: the escalation is one digest per person and day (tests/approvals/test_sweep_digest.py).
    reminders.sweep_cases(today=D(2024, 10, 31), now=now_on(D(2024, 10, 31)))
    recipients = set(Notification.objects.filter(kind="case.overdue_digest", channel="inbox")
                     .values_list("recipient__username", flat=True))
    assert recipients == {supervisor.username, head.username, clerk.username}
    assert reminders.sweep_cases(today=D(2024, 10, 31), now=now_on(D(2024, 10, 31))) == 0
    assert reminders.sweep_cases(today=D(2024, 11, 1), now=now_on(D(2024, 11, 1))) == 3  # the next day again


def test_licence_reminder_two_days_before_the_limit(review_case, clerk):
    services.case_approve(case=review_case, acting_user=clerk, as_of=D(2024, 10, 21))
    # Licence due 2024-11-04; two working days before is 10-31.
    reminders.sweep_cases(today=D(2024, 10, 31), now=now_on(D(2024, 10, 31)))
    assert kinds() == ["case.licence_due"]


def test_pause_that_ran_out(review_case, clerk):
    services.case_pause(case=review_case, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing", expected_days=2)
    reminders.sweep_cases(today=D(2024, 10, 15), now=now_on(D(2024, 10, 15)))
    assert kinds() == ["case.pause_over"]


def test_entrustment_nearing_its_end(entrustment, supervisor):
    assert reminders.sweep_entrustments(today=D(2030, 12, 1), now=now_on(D(2030, 12, 1))) == 1
    assert reminders.sweep_entrustments(today=D(2030, 12, 2), now=now_on(D(2030, 12, 2))) == 0


def test_case_sweep_query_count_is_constant(power, entrustment, clerk, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        register_case(power, clerk=clerk, received_on=D(2024, 9, 2))
    reminders.sweep_cases(today=D(2024, 9, 3), now=now_on(D(2024, 9, 3)))
    with CaptureQueriesContext(connection) as small:
        reminders.sweep_cases(today=D(2024, 9, 3), now=now_on(D(2024, 9, 3)))
    for _ in range(15):
        register_case(power, clerk=clerk, received_on=D(2024, 9, 2))
    with django_assert_num_queries(len(small.captured_queries)):
        reminders.sweep_cases(today=D(2024, 9, 3), now=now_on(D(2024, 9, 3)))
