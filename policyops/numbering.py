"""Gap-free yearly sequences for human-readable numbers (case and notice numbers)."""
from django.db import connections, router, transaction
from django.db.models import F

from policyops.models import NumberSequence


def next_number(key: str, year: int) -> int:
    """The next number of ``key`` in ``year``, starting at 1; safe under concurrency.

    The counter row stays locked (by the statement that raises it) until the caller's
    transaction ends, so two draws can never get the same number, and a rolled-back one
    leaves no gap.
    """
    connection = connections[router.db_for_write(NumberSequence)]
    features = connection.features
    # The pragma: PostgreSQL and SQLite have both features, so `or` takes the same path on each.
    if features.supports_update_conflicts_with_target and features.can_return_columns_from_insert:  # pragma: no mutate
        return _upsert(connection, key, year)
    return _update_or_create(key, year)


def _upsert(connection, key: str, year: int) -> int:
    """One statement: create the year's counter at 1, or raise the existing one; the new value.

    PostgreSQL and SQLite (3.35 on) both read this INSERT … ON CONFLICT … DO UPDATE …
    RETURNING; a concurrent draw waits for the row (PostgreSQL) or the database (SQLite).
    """
    meta = NumberSequence._meta
    q = connection.ops.quote_name
    table = q(meta.db_table)
    key_col, year_col, last_col = (q(meta.get_field(name).column) for name in ("key", "year", "last"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {year_col}, {last_col}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({key_col}, {year_col}) DO UPDATE SET {last_col} = {table}.{last_col} + 1 "
            f"RETURNING {last_col}",
            [key, year])
        return cursor.fetchone()[0]


def _update_or_create(key: str, year: int) -> int:
    """The portable way, for a database without INSERT … ON CONFLICT … RETURNING."""
    rows = NumberSequence.objects.filter(key=key, year=year)
    with transaction.atomic(savepoint=False):  # pragma: no mutate (a savepoint here: the same numbers)
        # The UPDATE takes the row lock; the first number of a year creates the row.
        if not rows.update(last=F("last") + 1):
            with transaction.atomic():  # a savepoint: a concurrent creator may win the insert
                NumberSequence.objects.get_or_create(key=key, year=year)
            rows.update(last=F("last") + 1)
        return rows.values_list("last", flat=True).get()
