"""Fixtures the policy-task tests share (a clerk of a unit in 平度市, a task of the unit, the day
the task pages are looked at), an audit trail of two years for the trail's search tests, and a
copy of seeds/ to change."""
import datetime as dt
import shutil

import pytest
from django.utils import timezone

from policyops.models import District
from policyops.roles import Role
from tests.conftest import freeze_localdate, make_user
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
    return freeze_localdate(monkeypatch, TASK_PAGES_TODAY)


@pytest.fixture
def trail_of_years(monkeypatch):
    """Twelve audit rows newer than any other: the three oldest of them name an old year's case, the
    nine newest a recent one's; the newest five are what the search reads first, a page two rows."""
    from policyops import audit, search_indexes
    from policyops.admin import AuditEntryAdmin

    monkeypatch.setattr(search_indexes, "NEWEST_ROWS_READ_FIRST", 5)
    monkeypatch.setattr(AuditEntryAdmin, "list_per_page", 2)
    start = timezone.make_aware(dt.datetime(2090, 1, 1))
    return [audit.record_event(action="calendar_change", object_repr=f"旧年号 PD-2019-{i}" if i < 3 else f"新近案 {i}",
                               at=start + dt.timedelta(minutes=i)) for i in range(12)]


@pytest.fixture
def seed_copy(tmp_path):
    """A copy of seeds/ that a test may change and load (``load_seeds(seed_copy)``)."""
    from policyops.seeding import seeds_dir

    target = tmp_path / "seeds"
    shutil.copytree(seeds_dir(), target)
    return target
