"""A case clock that depends on a year without an official calendar is provisional.

Issue 10 item 17: chinesecalendar 1.11 knows 2004–2026 only; a year without an imported
State Council notice lacks its 调休 days (policyops.calendar.is_provisional).
"""
import datetime as dt

import pytest
from django.urls import reverse

from approvals import services
from approvals.selectors import case_clock_summary
from approvals.serializers import ClockSerializer
from policyops import calendar
from policyops.models import OfficialCalendarYear
from tests.approvals.factories import register_case

pytestmark = pytest.mark.django_db
D = dt.date


def _accepted(power, clerk, day):
    case = register_case(power, clerk=clerk, received_on=day)
    services.case_accept(case=case, acting_user=clerk, as_of=day)
    case.refresh_from_db()
    return case


def test_a_clock_running_into_2027_is_provisional(power, entrustment, clerk):
    calendar.clear_cache()
    case = _accepted(power, clerk, D(2026, 12, 15))
    assert case.legal_due_on.year == 2027
    summary = case_clock_summary(case, D(2026, 12, 15))
    assert summary["provisional"] is True
    assert ClockSerializer(summary).data["provisional"] is True


def test_a_clock_within_a_known_year_is_not_provisional(power, entrustment, clerk):
    calendar.clear_cache()
    case = _accepted(power, clerk, D(2024, 9, 27))
    summary = case_clock_summary(case, D(2024, 9, 27))
    assert summary["provisional"] is False
    assert ClockSerializer(summary).data["provisional"] is False


def test_an_imported_official_year_is_no_longer_provisional(power, entrustment, clerk):
    case = _accepted(power, clerk, D(2026, 12, 15))
    OfficialCalendarYear.objects.create(year=2027)
    calendar.clear_cache()
    assert case_clock_summary(case, D(2026, 12, 15))["provisional"] is False


def test_the_admin_case_page_says_the_due_date_is_provisional(client, power, entrustment, clerk):
    calendar.clear_cache()
    case = _accepted(power, clerk, D(2026, 12, 15))
    client.force_login(clerk)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("admin:approvals_approvalcase_change", args=[case.pk])).content.decode()
    assert "official holiday calendar is not known yet" in html
