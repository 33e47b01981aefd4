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

A term of one or two characters holds no trigram, and pg_trgm then reads its whole index:
a clerk's search for a two-character name (张伟) took 0.2–0.9 s. ``short_gram_search_indexes``
indexes every one- and two-character piece of ``UPPER(column)`` (``policyops_short_grams``,
a plain SQL function: no extension) in a GIN index over that array, and ``ShortGramContains``
asks it: for a term that short, "contains the term" and "has the term among its pieces" are
the same question.

Every such index is written at once (``WITH (fastupdate = off)``, ``GIN_STORAGE``). By default
GIN keeps new entries in a pending list, merged into the index only when it passes
``gin_pending_list_limit`` (4 MB) or when VACUUM or ANALYZE visits the table, and every search
reads the whole list. A case gets new entries at each step (a step changes indexed columns, so
the row is written anew), and a million-case table is analysed only after 100,000 changes: a
clerk's search of one case number took 58 ms with 440 pending pages against 17 ms with none.
Written at once, a step took no measurably longer (9.5-10.1 ms a step against 8.6-10.0).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, transaction
from django.db.models import F, Lookup, OrderBy, Q
from django.db.models.functions import Coalesce

logger = logging.getLogger(__name__)


def index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"[:63]


GIN_STORAGE = "fastupdate = off"  # no pending list for searches to read (module docstring)


def _gin_indexes(table: str, columns: tuple[str, ...], *, name_of, indexed, prepare):
    """(create, drop) for ``migrations.RunPython``: per column a GIN index named ``name_of(table,
    column)`` over ``indexed(quoted column)``, once ``prepare(schema_editor)`` says the database
    can have it (PostgreSQL only)."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql" or not prepare(schema_editor):
            return
        quote = schema_editor.quote_name
        for column in columns:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(name_of(table, column))} ON {quote(table)} "
                                  f"USING gin ({indexed(quote(column))}) WITH ({GIN_STORAGE})")

    drop = _on_postgresql(lambda quote: [f"DROP INDEX IF EXISTS {quote(name_of(table, column))}"
                                         for column in columns])
    return create, drop


def _on_postgresql(statements):
    """A ``RunPython`` function that executes ``statements(quote_name)`` — SQL strings, or
    (SQL, parameters) pairs — on PostgreSQL, and does nothing elsewhere."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements(schema_editor.quote_name):
            schema_editor.execute(*((statement,) if isinstance(statement, str) else statement))

    return run


def trigram_search_indexes(table: str, columns: tuple[str, ...]):
    """(create, drop) for ``migrations.RunPython``: one ``UPPER(column) gin_trgm_ops`` index per column."""

    def prepare(schema_editor) -> bool:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            logger.warning("pg_trgm could not be created (%s): searches of %s stay unindexed", exc, table)
            return False
        return True

    return _gin_indexes(table, columns, name_of=index_name, indexed=lambda column: f"UPPER({column}) gin_trgm_ops",
                        prepare=prepare)


# --- one- and two-character terms ---------------------------------------------------------------

SHORT_TERM = 2  # a term of at most this many characters holds no trigram
SHORT_GRAMS_FUNCTION = "policyops_short_grams"
# Each character, and each with the next (SHORT_TERM is 2). The text is split once
# (string_to_array): read by position (substr(value, i, n) for every i) it was walked from its
# start each time, and a step's 40,000-character reason took minutes to index while its case
# stayed locked (round 23). The pieces are the same, in the same order: the indexes made by the
# earlier body hold.
_SHORT_GRAMS_SQL = f"""
CREATE OR REPLACE FUNCTION {SHORT_GRAMS_FUNCTION}(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
  SELECT coalesce(array_agg(DISTINCT piece), '{{}}')
  FROM (SELECT c, lead(c) OVER (ORDER BY i) AS next_c
        FROM unnest(string_to_array(value, NULL)) WITH ORDINALITY AS chars(c, i)) AS pairs,
       LATERAL (VALUES (c), (c || next_c)) AS pieces(piece)
  WHERE piece IS NOT NULL
$$"""


# For a migration: the function's body replaced where it exists (PostgreSQL).
short_grams_function_rewritten = _on_postgresql(lambda quote: [_SHORT_GRAMS_SQL])


def short_gram_index_name(table: str, column: str) -> str:
    return f"{table}_{column}_grams"[:63]


def short_gram_search_indexes(table: str, columns: tuple[str, ...]):
    """(create, drop) for ``migrations.RunPython``: a GIN index over the one- and two-character
    pieces of ``UPPER(column)``, for each column."""

    def prepare(schema_editor) -> bool:
        schema_editor.execute(_SHORT_GRAMS_SQL)
        return True

    return _gin_indexes(table, columns, name_of=short_gram_index_name,
                        indexed=lambda column: f"{SHORT_GRAMS_FUNCTION}(UPPER({column}))", prepare=prepare)


def written_at_once(table: str, *, trigram_columns=(), short_gram_columns=()):
    """(forward, backward) for ``migrations.RunPython``: the search indexes of ``table``, made
    before GIN_STORAGE, are written at once from now on, and what their pending lists held is
    merged now (PostgreSQL only; an index that pg_trgm's absence left out is skipped)."""
    names = [index_name(table, column) for column in trigram_columns]
    names += [short_gram_index_name(table, column) for column in short_gram_columns]

    forward = _on_postgresql(lambda quote: [
        statement for name in names
        for statement in (f"ALTER INDEX IF EXISTS {quote(name)} SET ({GIN_STORAGE})",
                          ("SELECT gin_clean_pending_list(to_regclass(%s))", [name]))])
    backward = _on_postgresql(lambda quote: [f"ALTER INDEX IF EXISTS {quote(name)} RESET (fastupdate)"
                                             for name in names])
    return forward, backward


def short_grams_usable(connection, term: str) -> bool:
    """Whether ``short_term_contains`` may answer for ``term`` on ``connection``."""
    return connection.vendor == "postgresql" and 0 < len(term) <= SHORT_TERM


def short_term_contains(column: str, term: str) -> Q:
    """``column__icontains=term`` for a term of at most SHORT_TERM characters, where
    ``short_grams_usable``, as the index of pieces serves it. For finding the rows by that index:
    a row's pieces cost ~10 µs to work out, so PostgreSQL must not check this row by row while
    it reads another index's order (4 s over a million cases); filter the page by the ids found,
    or with ``unindexed_contains`` when there are more than a page's cap."""
    return Q(ShortGramContains(F(column), term))


def narrowed_to_ids(queryset, condition: Q, cap: int):
    """``queryset`` narrowed to the rows matching ``condition`` by their ids, read first — or None
    when more than ``cap`` match (the caller then filters the page another way). The ids come
    from the search's own indexes; left to itself, PostgreSQL often walked the list's order index
    and tested every row instead (issue 12)."""
    ids = list(queryset.filter(condition).order_by().values_list("pk", flat=True)[:cap + 1])
    return queryset.filter(pk__in=ids) if len(ids) <= cap else None


# How many of a list's newest rows matches_lie_further_back reads: at 10,000 of the audit trail's,
# 6 ms at two million rows.
NEWEST_ROWS_READ_FIRST = 10_000


def matches_lie_further_back(queryset, condition: Q, *, newest_first: str, page: int) -> bool:
    """Whether fewer than ``page`` rows of ``queryset`` that match ``condition`` are among the
    table's NEWEST_ROWS_READ_FIRST newest by ``newest_first`` (a date or time field), so that a
    list walked newest first would read past them to fill its page — as far as the whole table
    when the matches lie at its old end: a year's case numbers in the audit trail (PD-2019:
    1.0 s in SQL at two million rows, against 0.13 s with the matches sorted apart; issue 12).
    Then the caller sorts the matches apart (``ordered_apart``), which reads all of them instead.

    ``condition`` should be one no index serves (``unindexed_contains``), so that the window is
    read along the field's index; a table of fewer rows is walked (False)."""
    window = NEWEST_ROWS_READ_FIRST
    newest = list(queryset.model._default_manager.order_by(f"-{newest_first}")
                  .values_list(newest_first, flat=True)[window - 1:window])
    if not newest:
        return False
    found = queryset.filter(condition, **{f"{newest_first}__gte": newest[0]}).order_by()[:page].count()
    return found < page


def unindexed(field: str) -> Coalesce:
    """``field``'s values, in an expression no index serves (``COALESCE(field, field)``).

    Ordered by it, PostgreSQL finds a search's matches through the search's own index and
    sorts them. Ordered by the column, it walked the column's index and tested every row,
    trusting the matches to be spread evenly — 10,000 old cases sit at one end (issue 12).
    Only for matches known to be few, or known to lie past the newest rows
    (``matches_lie_further_back``): sorting a million rows takes longer than the walk.
    """
    return Coalesce(F(field), F(field))


def ordered_apart(ordering) -> list:
    """``ordering`` (names such as ``"-received_on"`` or ``F(...).asc()``) with its first column
    ``unindexed``, the same order otherwise: for a list whose matches are known to be few."""
    first, *rest = ordering
    if isinstance(first, str):
        expression = unindexed(first.removeprefix("-"))
        first = expression.desc() if first.startswith("-") else expression.asc()
    elif isinstance(first, OrderBy) and isinstance(first.expression, F):
        first = OrderBy(unindexed(first.expression.name), descending=first.descending,
                        nulls_first=first.nulls_first, nulls_last=first.nulls_last)
    return [first, *rest]


class _ContainsLookup(Lookup):
    """``UPPER(column)`` contains ``term``, as ``icontains`` answers, in the SQL of ``template``
    (``{column}``, ``{term}``)."""

    prepare_rhs = False
    template = ""

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return self.template.format(column=lhs, term=rhs), [*lhs_params, *rhs_params]


class ShortGramContains(_ContainsLookup):
    """For a term of at most SHORT_TERM characters, written as the expression
    ``short_gram_search_indexes`` indexes."""

    lookup_name = "short_gram"
    template = SHORT_GRAMS_FUNCTION + "(UPPER({column})) @> ARRAY[UPPER({term})::text]"


class UnindexedContains(_ContainsLookup):
    """Written so that no index serves it: ``STRPOS`` rather than ``LIKE``. For a short term with
    many matches (the pieces' index found more than a page's cap): ``icontains`` was answered from
    the trigram index, which holds nothing of a term under three characters, so PostgreSQL read
    all of it and rechecked every row (0.8 s); this lets it walk the list's own order and stop at
    a page."""

    lookup_name = "unindexed_contains"
    template = "STRPOS(UPPER({column}), UPPER({term})) > 0"


def unindexed_contains(column: str, term: str) -> Q:
    """``column__icontains=term`` that no index answers (``UnindexedContains``; PostgreSQL)."""
    return Q(UnindexedContains(F(column), term))


# --- a term found through its rarest part ----------------------------------------------------

# Functions of a search term that return a part of it few rows hold, registered by the app that
# knows the term's shape (approvals: a whole case number's serial, rules.case_number_serial).
_NARROWING_PARTS: list[Callable[[str], str | None]] = []


def register_narrowing_part(function: Callable[[str], str | None]) -> None:
    """Let ``narrowing_part`` ask ``function`` (once, however often an app is made ready)."""
    if function not in _NARROWING_PARTS:
        _NARROWING_PARTS.append(function)


def narrowing_part(term: str) -> str | None:
    """A part of ``term`` that a registered function says few rows hold, or None."""
    for function in _NARROWING_PARTS:
        part = function(term)
        if part and part != term:
            return part
    return None


def contains_through(column: str, term: str, part: str) -> Q:
    """``column__icontains=term``, found through ``part`` (a part of ``term``; PostgreSQL): the
    trigram index finds the rows holding the part, and each is checked for the whole term
    (``unindexed_contains``) — the same rows, as a text holding the term holds each part of it.
    The index reads every trigram's list of rows: for a whole case number over two million audit
    rows, "PD-", "-20", "202" and "000" are in nearly all of them (35 ms), against 1.6 ms for its
    serial "000123" (issue 12)."""
    return Q(**{f"{column}__icontains": part}) & unindexed_contains(column, term)
