"""The programme's progress (dashboard, phase-risk home panel) reads the milestones once (issue 12).

With an EXISTS per project and flag, PostgreSQL probed the milestones' index four times a project
and compiled the plan with JIT: 73 ms at 10,000 projects, on every supervisor's and manager's home.
"""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.roads import selectors
from tests import plans

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner is asked")]


def test_progress_joins_each_projects_milestones_instead_of_probing_them_per_project(seeded, supervisor):
    with CaptureQueriesContext(connection) as captured:
        selectors.district_progress(as_of=dt.date(2019, 6, 30), user=supervisor)
    (progress,) = [q["sql"] for q in captured.captured_queries if 'FROM "roads_roadproject"' in q["sql"]]
    plan = plans.plan_of_sql(progress, off=())
    assert "SubPlan" not in plan and "roads_projectmilestone" in plan, plan
