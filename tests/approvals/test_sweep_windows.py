"""The case sweep reads only the cases due a message today (issue 12), with the same rules as before."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import reminders, services
from approvals.models import ApprovalCase
from policyops.calendar import add_working_days, working_days_between
from policyops.models import Notification
from policyops.reminders import lead_horizon, lead_threshold
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
D = dt.date
DAY = dt.timedelta(days=1)
# Around the 2024 National Day (with its 调休 Sundays and Saturday) and the 2025 Spring Festival.
HOLIDAY_SEASONS = [D(2024, 9, 20) + DAY * i for i in range(35)] + [D(2025, 1, 20) + DAY * i for i in range(25)]


def sweep(today):
    return reminders.sweep_cases(today=today, now=dt.datetime.combine(today, dt.time(8), ZoneInfo("Asia/Shanghai")))


def kinds():
    return sorted(Notification.objects.filter(channel="inbox").values_list("kind", flat=True))


def case_kinds():
    return [k for k in kinds() if k != "case.overdue_digest"]


# The SQL windows are exactly what the rules accept.

@pytest.mark.parametrize("days", [0, 1, 4, 5, 12])
def test_the_correction_window_selects_exactly_the_receipt_dates_the_rule_accepts(days):
    for today in HOLIDAY_SEASONS:
        latest = reminders._received_by(today, days)
        for received_on in (today + DAY * i for i in range(-40, 6)):
            assert (received_on <= latest) == (working_days_between(received_on, today) >= days), (today, received_on)


@pytest.mark.parametrize("thresholds", [[3, 1, 0], [2], [0], [5, 0], [10]])
def test_the_lead_horizon_selects_exactly_the_due_dates_a_threshold_accepts(thresholds):
    for today in HOLIDAY_SEASONS:
        horizon = lead_horizon(today, thresholds)
        for due in (today + DAY * i for i in range(40)):
            reached = lead_threshold(working_days_between(today, due), thresholds) is not None
            assert (due <= horizon) == reached, (today, due)


def test_no_thresholds_no_horizon():
    assert lead_horizon(D(2024, 10, 8), []) is None


def test_only_the_cases_due_a_message_are_read(power, entrustment, clerk):
    due = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
    for day in (D(2024, 10, 8), D(2024, 10, 9), D(2024, 9, 2)):  # too recent, too recent, window closed
        register_case(power, clerk=clerk, received_on=day, materials=[("营业执照", False)])
    read = reminders._cases_a_reminder_may_be_due_for(D(2024, 10, 9), settings.POLICYOPS_REMINDERS)
    assert [case.pk for case in read] == [due.pk]


# A case just outside each window gets nothing.

def test_no_correction_reminder_after_the_correction_limit(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
    sweep(case.correction_due_on + DAY)
    assert case_kinds() == []


def test_no_decision_reminder_once_the_deadline_has_passed(review_case):
    sweep(review_case.legal_due_on + DAY)
    assert case_kinds() == []
    assert "case.overdue_digest" in kinds()


def test_no_licence_reminder_three_working_days_before_the_limit(review_case, clerk):
    services.case_approve(case=review_case, acting_user=clerk, as_of=D(2024, 10, 21))
    licence_due = ApprovalCase.objects.get(pk=review_case.pk).licence_due_on
    three_before = D(2024, 10, 30)
    assert working_days_between(three_before, licence_due) == 3
    sweep(three_before)
    assert case_kinds() == []


def test_no_licence_reminder_after_the_limit(review_case, clerk):
    services.case_approve(case=review_case, acting_user=clerk, as_of=D(2024, 10, 21))
    sweep(ApprovalCase.objects.get(pk=review_case.pk).licence_due_on + DAY)
    assert case_kinds() == []


def test_no_pause_reminder_on_the_last_announced_day(review_case, clerk):
    services.case_pause(case=review_case, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing", expected_days=2)
    end = add_working_days(D(2024, 10, 10), 2)
    sweep(end)
    assert case_kinds() == []
    sweep(end + DAY)
    assert case_kinds() == ["case.pause_over"]


def test_no_pause_reminder_for_a_pause_that_ended(review_case, clerk):
    services.case_pause(case=review_case, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing", expected_days=2)
    services.case_resume(case=review_case, acting_user=clerk, as_of=D(2024, 10, 11))
    sweep(D(2024, 10, 15))
    assert case_kinds() == []


# Memory and queries do not grow with the cases.

def test_messages_are_inserted_chunk_by_chunk_and_counted_in_all(power, entrustment, clerk, monkeypatch):
    monkeypatch.setattr(reminders, "CHUNK_SIZE", 2)
    for _ in range(5):
        register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
    with CaptureQueriesContext(connection) as queries:
        assert sweep(D(2024, 10, 9)) == 5
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3  # chunks of 2, 2 and 1
    assert kinds() == ["case.correction_window"] * 5


def test_the_sweep_query_count_is_the_same_for_3_and_30_cases(power, entrustment, clerk, head, supervisor,
                                                               django_assert_num_queries):
    def grow(n):
        for _ in range(n):
            register_case(power, clerk=clerk, received_on=D(2024, 9, 27), materials=[("营业执照", False)])
            overdue = register_case(power, clerk=clerk, received_on=D(2024, 9, 2))
            ApprovalCase.objects.filter(pk=overdue.pk).update(due_on=D(2024, 10, 1))

    today = D(2024, 10, 9)
    grow(3)
    sweep(today)  # the calendar and content types cached, as in a running worker
    with CaptureQueriesContext(connection) as small:
        sweep(today)
    grow(27)
    with django_assert_num_queries(len(small.captured_queries)):
        sweep(today)
    assert Notification.objects.filter(kind="case.correction_window").count() == 30
