"""Ask PostgreSQL's planner how it would read a queryset (tests of indexes, issue 12)."""
from django.db import connection

# A test's table is tiny: the planner reads it whole unless these are priced out.
WHOLE_TABLE = ("enable_seqscan",)
# With sorts priced out as well, a plan without a sort node is one whose index gives the order.
WHOLE_TABLE_OR_SORT = ("enable_seqscan", "enable_sort", "enable_incremental_sort", "enable_bitmapscan")


def plan_of(queryset, *, off=WHOLE_TABLE) -> str:
    sql, params = queryset.query.sql_with_params()
    return plan_of_sql(sql, params, off=off)


def plan_of_sql(sql: str, params=(), *, off=WHOLE_TABLE) -> str:
    """The plan of one statement (a queryset's, or one a read ran: CaptureQueriesContext's ``sql``)."""
    with connection.cursor() as cursor:
        for setting in off:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
