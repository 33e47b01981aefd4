"""The supervisor's hall panel reads what waits, not every shift of the years (issue 12).

Shifts grow by some 16,000 a year at a 1,000-director hall; the panel's filings and open
follow-ups are a handful. Each statement the panel runs is put to PostgreSQL's planner with
whole-table reads priced out (tests.plans).
"""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.halls import selectors
from programs.halls.models import FollowUp
from tests import plans

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner is asked")]
NOW = dt.datetime(2024, 10, 14, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def plans_of_statements(read, table: str) -> list[str]:
    """The plan of each statement ``read()`` runs from ``table``, sequential scans priced out."""
    with CaptureQueriesContext(connection) as captured:
        read()
    # Statements from other tables are the user's scope, read once.
    return [plans.plan_of_sql(query["sql"]) for query in captured.captured_queries
            if f'FROM "{table}"' in query["sql"]]


def test_filed_substitutions_are_read_from_their_own_index(rota_manager):
    rows, count = plans_of_statements(lambda: selectors.filed_substitutions(user=rota_manager, now=NOW),
                                      "halls_dutyshift")
    assert "dutyshift_filed_substitution" in rows, rows
    assert "dutyshift_filed_substitution" in count, count


def test_open_follow_ups_are_counted_against_the_training_halls_shifts_only(rota_manager):
    (count,) = plans_of_statements(lambda: FollowUp.objects.visible_to(rota_manager).counted()
                                   .filter(answered_at__isnull=True).count(), "halls_followup")
    # "No training hall's shift is this one" (an anti-join), not every shift joined to its hall.
    assert "Anti Join" in count, count
