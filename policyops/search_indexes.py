"""Trigram indexes for the admin's searches over million-row tables (PostgreSQL only).

Django searches a list with ``icontains``: ``UPPER(column) LIKE UPPER('%term%')``, which no
B-tree can serve, so finding one case by its number read all million cases (0.5 s in the
admin, 1.1 s on the front list) and one object in the audit trail all its rows (1.3–1.9 s at
2 M rows; issue 12). A GIN index over ``UPPER(column)`` with pg_trgm's operator class serves
exactly that expression.

``trigram_search_indexes(table, columns)`` gives a migration's pair of functions for
``RunPython``. On SQLite (a laptop's few rows) they do nothing. pg_trgm is a trusted
extension (PostgreSQL 13 and later): the database's owner may create it. Where it cannot be
created, the migration says so and goes on without the indexes — searches stay right, only
slower — and `manage.py migrate` can be run again once it is there.
"""
from __future__ import annotations

import logging

from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)


def index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"[:63]


def trigram_search_indexes(table: str, columns: tuple[str, ...]):
    """(create, drop) for ``migrations.RunPython``: one ``UPPER(column) gin_trgm_ops`` index per column."""

    def create(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        try:
            with transaction.atomic(using=connection.alias):
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            logger.warning("pg_trgm could not be created (%s): searches of %s stay unindexed", exc, table)
            return
        for column in columns:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(index_name(table, column))} ON {quote(table)} "
                                  f"USING gin (UPPER({quote(column)}) gin_trgm_ops)")

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in columns:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index_name(table, column))}")

    return create, drop
