"""Fixtures the policy-task tests share: a clerk of a unit in 平度市, a task of the unit, and the
day the task pages are looked at."""
import datetime as dt

import pytest

from policyops.models import District
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory

TASK_PAGES_TODAY = dt.date(2019, 3, 1)


@pytest.fixture
def pingdu(seeded):
    return District.objects.get(name="平度市")


@pytest.fixture
def unit(pingdu):
    return DepartmentFactory(name="平度市测试局", district=pingdu)


@pytest.fixture
def clerk(unit, pingdu):
    return make_user(Role.CLERK, district=pingdu, department=unit)


@pytest.fixture
def task(unit):
    # Deadline before every seeded one: first on the first page whatever the seeds hold.
    return PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2017, 1, 1), text="编制农村公路养护计划。")


@pytest.fixture
def task_pages_today(monkeypatch):
    """The pages' today (``timezone.localdate``), the day their overdue and due-soon marks count from."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TASK_PAGES_TODAY)
    return TASK_PAGES_TODAY
