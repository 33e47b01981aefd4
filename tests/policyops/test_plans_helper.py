"""The tests' planner helper (tests/plans.py) asks its plans of rebuilt indexes, so that a plan
test does not depend on the rows the tests before it wrote and rolled back (issue 12)."""
import pytest
from django.db import connection, transaction

from policyops.models import NumberSequence
from tests import plans


def test_the_tables_a_statement_reads_are_named_once_each_in_order():
    sql = ('SELECT 1 FROM "roads_projectmilestone" INNER JOIN "roads_roadproject" ON (a = b) '
           'WHERE x IN (SELECT y FROM "roads_projectmilestone" LEFT OUTER JOIN "policyops_district" ON (c = d))')
    assert plans.tables_read(sql) == ["roads_projectmilestone", "roads_roadproject", "policyops_district"]


class RolledBack(Exception):
    pass


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
def test_a_plan_is_asked_of_the_tables_indexes_rebuilt():
    # Rows written and rolled back, as a test before leaves them: their index pages stay.
    with pytest.raises(RolledBack), transaction.atomic():
        NumberSequence.objects.bulk_create(NumberSequence(key=f"k{n}", year=2026) for n in range(20_000))
        raise RolledBack
    bloated = plans.index_pages("numbersequence_unique_key_year")
    plan = plans.plan_of(NumberSequence.objects.filter(key="notice-acceptance", year=2026))
    assert "numbersequence_unique_key_year" in plan, plan
    assert bloated > 20 and plans.index_pages("numbersequence_unique_key_year") < 5
