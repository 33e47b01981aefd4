"""The clock as a case page explains it (selectors.case_clock_detail): which due date governs,
the time limit it allows, why each date falls where it does, and why no deadline runs."""
import datetime as dt

import pytest

from approvals import rules, services
from approvals.selectors import DueState, case_clock_detail, case_clock_summary, case_due_state, governing_budget
from policyops import calendar
from tests.approvals.factories import DelegatedPowerFactory, entrustment_in_force, register_case

pytestmark = pytest.mark.django_db
D = dt.date
RECEIVED = D(2024, 9, 27)


def rows_of(detail) -> dict:
    return {row["key"]: row for row in detail["rows"]}


def governing(detail) -> list[str]:
    return [row["key"] for row in detail["rows"] if row["governs"]]


def accepted(power, clerk, *, on):
    case = register_case(power, clerk=clerk, received_on=RECEIVED)
    services.case_accept(case=case, acting_user=clerk, as_of=on)
    case.refresh_from_db()
    return case


def test_a_submitted_case_is_governed_by_its_correction_window(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=RECEIVED)
    detail = case_clock_detail(case, RECEIVED)
    assert list(rows_of(detail)) == ["correction_due_on"]
    assert governing(detail) == ["correction_due_on"]
    assert detail["budget"] == rules.CORRECTION_NOTICE_DAYS
    assert detail["stopped_because"] is None


def test_an_accepted_case_counts_from_the_day_it_was_accepted(power, entrustment, clerk):
    case = accepted(power, clerk, on=D(2024, 9, 30))
    rows = rows_of(case_clock_detail(case, D(2024, 9, 30)))
    assert list(rows) == ["correction_due_on", "accepted_on", "legal_due_on"]
    assert rows["accepted_on"]["date"] == D(2024, 9, 30)
    assert rows["accepted_on"]["why"] == ""
    assert rows["legal_due_on"]["why"] == f"法定时限：自2024-09-30起{power.legal_limit_days}个工作日"


def test_the_legal_due_date_governs_an_accepted_case(power, entrustment, clerk):
    case = accepted(power, clerk, on=D(2024, 9, 30))
    detail = case_clock_detail(case, D(2024, 9, 30))
    assert governing(detail) == ["legal_due_on"]
    assert detail["budget"] == power.legal_limit_days


def test_a_case_accepted_after_its_correction_window_counts_from_receipt(power, entrustment, clerk):
    case = accepted(power, clerk, on=D(2024, 10, 21))
    rows = rows_of(case_clock_detail(case, D(2024, 10, 21)))
    assert rows["accepted_on"]["date"] == RECEIVED
    assert rows["accepted_on"]["why"] == "5个工作日内未告知补正，自收到申请材料之日起即为受理（第三十二条）"


def test_a_submitted_case_past_its_window_shows_its_decision_clock_from_receipt(power, entrustment, clerk):
    case = register_case(power, clerk=clerk, received_on=RECEIVED)
    services.cases_start_deemed_clocks(as_of=D(2024, 10, 21))
    case.refresh_from_db()
    detail = case_clock_detail(case, D(2024, 10, 21))
    rows = rows_of(detail)
    assert rows["accepted_on"]["date"] == RECEIVED
    assert rows["accepted_on"]["why"].startswith("5个工作日内未告知补正")
    assert governing(detail) == ["legal_due_on"]


def test_a_promised_time_limit_governs_where_the_power_has_one(clerk, supervisor):
    power = DelegatedPowerFactory(promised_limit_days=8)
    entrustment_in_force([power], supervisor=supervisor)
    case = accepted(power, clerk, on=D(2024, 9, 30))
    detail = case_clock_detail(case, D(2024, 9, 30))
    assert governing(detail) == ["promised_due_on"]
    assert detail["budget"] == 8
    assert rows_of(detail)["promised_due_on"]["why"] == "承诺时限：自2024-09-30起8个工作日"


def test_a_promised_due_date_whose_power_lost_its_promise_has_no_budget(clerk, supervisor):
    power = DelegatedPowerFactory(promised_limit_days=8)
    entrustment_in_force([power], supervisor=supervisor)
    case = accepted(power, clerk, on=D(2024, 9, 30))
    case.power.promised_limit_days = None  # the stored promised date stands until the clock is recomputed
    assert governing_budget(case) is None


def test_an_extension_adds_its_ten_days_and_says_so(review_case, head):
    services.case_extend(case=review_case, acting_user=head, as_of=D(2024, 10, 28), reason="需要现场核查")
    review_case.refresh_from_db()
    detail = case_clock_detail(review_case, D(2024, 10, 28))
    assert detail["budget"] == review_case.power.legal_limit_days + rules.EXTENSION_DAYS
    assert "经批准延长一次，增加10个工作日（第四十二条）" in rows_of(detail)["legal_due_on"]["why"]


def test_a_paused_case_runs_no_deadline_and_says_why(review_case, clerk):
    services.case_pause(case=review_case, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing",
                        expected_days=3)
    review_case.refresh_from_db()
    detail = case_clock_detail(review_case, D(2024, 10, 11))
    assert governing(detail) == []
    assert detail["budget"] is None
    assert detail["stopped_because"] == "因特别程序中止计时（第四十五条）。"


def test_days_paused_are_explained_once_the_case_resumes(review_case, clerk):
    services.case_pause(case=review_case, acting_user=clerk, as_of=D(2024, 10, 10), ground="hearing",
                        expected_days=3)
    services.case_resume(case=review_case, acting_user=clerk, as_of=D(2024, 10, 15))
    review_case.refresh_from_db()
    detail = case_clock_detail(review_case, D(2024, 10, 15))
    assert [p["days"] for p in detail["paused"]] == [detail["clock"]["days_paused"]]
    assert detail["clock"]["days_paused"] > 0
    assert (f"特别程序所需{detail['clock']['days_paused']}个工作日不计算在内（第四十五条）"
            in rows_of(detail)["legal_due_on"]["why"])
    assert detail["stopped_because"] is None


def test_an_approved_case_is_governed_by_its_licence_deadline(review_case, clerk):
    services.case_approve(case=review_case, acting_user=clerk, as_of=D(2024, 10, 21))
    review_case.refresh_from_db()
    detail = case_clock_detail(review_case, D(2024, 10, 21))
    assert governing(detail) == ["licence_due_on"]
    assert detail["budget"] == rules.LICENCE_ISSUE_DAYS
    assert rows_of(detail)["licence_due_on"]["why"] == "作出准予许可决定后10个工作日内颁发证件（第四十四条）"


def test_a_closed_case_has_no_deadline_and_no_reason_it_stopped(review_case, clerk):
    services.case_withdraw(case=review_case, acting_user=clerk, as_of=D(2024, 10, 11))
    review_case.refresh_from_db()
    detail = case_clock_detail(review_case, D(2024, 10, 11))
    assert governing(detail) == []
    assert detail["stopped_because"] is None


def test_a_preliminary_review_counts_its_own_twenty_days(clerk, supervisor):
    power = DelegatedPowerFactory(name="测试事项初审", legal_limit_days=30)
    entrustment_in_force([power], supervisor=supervisor)
    case = accepted(power, clerk, on=D(2024, 9, 30))
    detail = case_clock_detail(case, D(2024, 9, 30))
    assert detail["budget"] == rules.PRELIMINARY_REVIEW_DAYS
    assert rows_of(detail)["legal_due_on"]["why"] == "初审自2024-09-30起20个工作日（第四十三条）"


def test_a_case_due_today_is_due_soon_not_overdue(review_case):
    assert case_due_state(review_case, review_case.due_on) == DueState.SOON
    assert case_due_state(review_case, review_case.due_on + dt.timedelta(days=1)) == DueState.OVERDUE


def test_a_clock_is_provisional_when_only_its_legal_due_date_lies_in_an_unknown_year(clerk, supervisor):
    calendar.clear_cache()
    power = DelegatedPowerFactory(promised_limit_days=3)
    entrustment_in_force([power], supervisor=supervisor)
    case = register_case(power, clerk=clerk, received_on=D(2026, 12, 15))
    services.case_accept(case=case, acting_user=clerk, as_of=D(2026, 12, 15))
    case.refresh_from_db()
    assert calendar.is_provisional(case.legal_due_on) and not calendar.is_provisional(case.due_on)
    assert case_clock_summary(case, D(2026, 12, 15))["provisional"] is True
