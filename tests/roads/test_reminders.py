import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from policyops.models import Notification
from programs.roads import reminders
from programs.roads.models import Step
from tests.roads.factories import RoadProjectFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2019, 5, 10, 8, tzinfo=ZoneInfo("Asia/Shanghai"))



def project(manager, planned_design_end):
    return RoadProjectFactory(acting_user=manager, planned_ends={Step.SURVEY_DESIGN: planned_design_end},
                              work_type="中修", quantity=Decimal("5"), estimate_wan=Decimal("200"), plan_year=2019)


def test_a_step_due_within_ten_days_and_an_overdue_one(manager):
    project(manager, dt.date(2019, 5, 15))
    project(manager, dt.date(2019, 5, 1))
    project(manager, dt.date(2019, 6, 30))
    reminders.sweep_milestones(today=NOW.date(), now=NOW)
    assert sorted(Notification.objects.filter(channel="inbox").values_list("kind", flat=True)) == [
        "milestone.due", "milestone.overdue"]
    assert reminders.sweep_milestones(today=NOW.date(), now=NOW) == 0


def test_at_risk_districts_are_told_monthly(manager):
    # Mid-2018 with nothing done: phase 1 is at risk for every district.
    today = dt.date(2018, 9, 1)
    assert reminders.sweep_phase_risk(today=today, now=NOW) == 1  # only 平度市 has a manager
    assert reminders.sweep_phase_risk(today=dt.date(2018, 9, 20), now=NOW) == 0
    assert reminders.sweep_phase_risk(today=dt.date(2018, 10, 1), now=NOW) == 1
    assert sorted(Notification.objects.filter(kind="roads.phase_at_risk").values_list("due_date", flat=True)) == [
        dt.date(2018, 9, 1), dt.date(2018, 10, 1)]  # one a month, dated its first day


def test_milestone_sweep_query_count_is_constant(manager, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(2):
        project(manager, dt.date(2019, 5, 12) + dt.timedelta(days=n))
    reminders.sweep_milestones(today=NOW.date(), now=NOW)
    with CaptureQueriesContext(connection) as small:
        reminders.sweep_milestones(today=NOW.date(), now=NOW)
    for n in range(2, 12):
        project(manager, dt.date(2019, 5, 12) + dt.timedelta(days=n % 8, weeks=n))
    Notification.objects.all().delete()
    reminders.sweep_milestones(today=NOW.date(), now=NOW)
    with django_assert_num_queries(len(small.captured_queries)):
        reminders.sweep_milestones(today=NOW.date(), now=NOW)
