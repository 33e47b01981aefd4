"""Ask PostgreSQL's planner how it would read a queryset (tests of indexes, issue 12)."""
import re

from django.db import connection

from policyops.benchmarking import reindex_tables

# A test's table is tiny: the planner reads it whole unless these are priced out.
WHOLE_TABLE = ("enable_seqscan",)
# With sorts priced out as well, a plan without a sort node is one whose index gives the order.
WHOLE_TABLE_OR_SORT = ("enable_seqscan", "enable_sort", "enable_incremental_sort", "enable_bitmapscan")


def plan_of(queryset, *, off=WHOLE_TABLE) -> str:
    sql, params = queryset.query.sql_with_params()
    return plan_of_sql(sql, params, off=off)


def tables_read(sql: str) -> list[str]:
    """The tables a statement names after FROM or JOIN, in order, each once."""
    return list(dict.fromkeys(re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', sql)))


def plan_of_sql(sql: str, params=(), *, off=WHOLE_TABLE) -> str:
    """The plan of one statement (a queryset's, or one a read ran: CaptureQueriesContext's ``sql``).

    The tables it reads have their indexes rebuilt first (undone with the test's transaction):
    the tests before leave their rolled-back rows' pages in the indexes, and with a handful of
    rows the planner's choice between a bloated index and another is a near tie. A test that
    depended on the tests before it failed so in two clean-clone CI runs (tests/roads/
    test_first_steps_due.py); the benchmark rebuilds its indexes for the same reason
    (policyops.benchmarking.rebuild_indexes).
    """
    reindex_tables(tables_read(sql))
    with connection.cursor() as cursor:
        for setting in off:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def index_pages(name: str) -> int:
    """How many pages the index ``name`` takes on disk."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int", [name])
        return cursor.fetchone()[0]
