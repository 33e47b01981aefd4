import contextlib
from unittest import mock

import pytest
from django.core.management.sql import sql_flush

from policyops import calendar, schedules, seeding
from policyops.roles import Role, group_for
from tests import template_db
from tests.factories import PersonFactory, UserFactory

# The seeds (seeds/*.csv) are loaded once per test database, i.e. once per session and
# per xdist worker, right after pytest-django has created it (``django_db_setup``).
# Every test runs inside a transaction that is rolled back, so the seeds stay as loaded.
# The one exception is a ``transaction=True`` test: its teardown flushes every table;
# ``pytest_runtest_teardown`` below puts the seeds back right after that flush (on PostgreSQL
# by copying back the rows it copied when they were first loaded), so the next test starts
# from the same database whatever ran before it.
_db_blocker = None


def seeds_present() -> bool:
    """Cheap check: the first and the last seed tables loaded (loading is all-or-nothing)."""
    from policyops.models import District, PolicyTask

    return District.objects.exists() and PolicyTask.objects.exists()


# PostgreSQL: every table's rows as COPY wrote them right after the seeds were first loaded.
# A flush is undone by copying them back (~0.4 s) instead of loading the seeds again (~3 s, each
# of the browser journeys and the other transaction=True tests paying it).
_seeded_rows: dict[str, bytes] = {}


def ensure_seeds() -> None:
    from django.db import connection

    if not seeds_present():
        if _seeded_rows:
            _restore_seeded_rows()
        else:
            seeding.load_seeds()  # what `manage.py load_seeds` runs, without its report on stdout
            # A flush also empties what a data migration installed: the reminder schedules.
            from django.apps import apps

            schedules.install(apps)
            if connection.vendor == "postgresql":
                _seeded_rows.update(_copied_rows())
    calendar.clear_cache()


def remember_kept_seeds() -> None:
    """A database kept from the run before (--reuse-db: make test's journeys run on the databases
    the unit tests built) has its seeds already, so ensure_seeds copied nothing: copy them now."""
    from django.db import connection

    if connection.vendor == "postgresql" and not _seeded_rows:
        _seeded_rows.update(_copied_rows())


def _tables() -> list[str]:
    from django.db import connection

    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _copied_rows() -> dict[str, bytes]:
    from django.db import connection

    rows = {}
    with connection.cursor() as cursor:
        for table in _tables():
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} TO STDOUT") as copy:
                data = b"".join(bytes(block) for block in copy)
            if data:
                rows[table] = data
    return rows


def _emptying_sql(connection) -> str:
    """DELETE from every table, in one statement list: where a test left a few rows, it takes
    milliseconds, where TRUNCATE makes new files for each of ~130 tables and their indexes
    (0.3-0.8 s). The foreign keys are deferred until the commit, so the order does not matter."""
    return ";".join(f"DELETE FROM {connection.ops.quote_name(table)}" for table in _tables())


def _flush_by_deleting(style, connection, reset_sequences=True, allow_cascade=False):
    """The flush's SQL (``manage.py flush``'s sql_flush) for a transaction=True test's teardown on
    PostgreSQL: every table emptied by DELETE. A flush that restarts the sequences keeps Django's."""
    if reset_sequences or connection.vendor != "postgresql":
        return sql_flush(style, connection, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    return [_emptying_sql(connection)]


def _restore_seeded_rows() -> None:
    """The seeded rows back, with their own keys, after a flush: what the flush's post_migrate made
    again (content types, permissions, role groups) is emptied first, its keys being new."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connection, transaction

    quote = connection.ops.quote_name
    # The flush left every other table empty: post_migrate fills only tables that held rows when
    # the seeds were copied (it ran when the database was made).
    seeded_models = [model for model in apps.get_models(include_auto_created=True)
                     if model._meta.db_table in _seeded_rows]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_emptying_sql(connection))
        for table, data in _seeded_rows.items():
            with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                copy.write(data)
        # The flush restarted the sequences at 1 (post_migrate's rows took the first keys again): each
        # continues after its table's copied rows.
        cursor.execute(";".join(connection.ops.sequence_reset_sql(no_style(), seeded_models)))
    ContentType.objects.clear_cache()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request):
    """Each worker's PostgreSQL test database a copy of the migrated template (tests/template_db.py)."""
    from django.conf import settings

    template_db.use_migrated_template(
        settings.DATABASES["default"], run=getattr(request.config, "workerinput", {}).get("testrunuid"),
        reused=request.config.getoption("reuse_db") and not request.config.getoption("create_db"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, plus the seeds (committed, shared by every test)."""
    global _db_blocker
    _db_blocker = django_db_blocker
    with django_db_blocker.unblock():
        ensure_seeds()
        remember_kept_seeds()


def _flushes_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "django_db_reset_sequences", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    flushes = _db_blocker is not None and _flushes_the_database(item)
    # After the last test the database is destroyed: nothing to restore, unless --reuse-db keeps it
    # for the next run (make test's browser journeys run on the databases the unit tests built).
    restores = flushes and (nextitem is not None or item.config.getoption("reuse_db"))
    # The copy puts back what the flush's post_migrate would make again (content types,
    # permissions, role groups, ~0.6 s), only to be emptied first: the flush is spared it where the
    # copy follows (a database left without it would lack them).
    with (mock.patch("django.core.management.commands.flush.emit_post_migrate_signal")
          if restores and _seeded_rows else contextlib.nullcontext()), \
         (mock.patch("django.core.management.commands.flush.sql_flush", _flush_by_deleting)
          if flushes else contextlib.nullcontext()):
        result = yield
    if restores:
        with _db_blocker.unblock():
            ensure_seeds()
    return result


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # The calendar caches its overrides per process: one cached by an earlier test may
    # have been rolled back with it (the seeds hold no overrides, so nothing is lost).
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture(autouse=True)
def _default_language():
    # A request in English (LocaleMiddleware) leaves "en" active in the worker's thread;
    # every test starts in the site's default language, whatever ran before it.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def freeze_localdate(monkeypatch, day):
    """The pages' and the admin's today (``timezone.localdate``) held at ``day``, which it returns."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: day)
    return day


@pytest.fixture
def seeded(db):
    """The seeded database. The seeds are loaded once per session (see above); this only
    checks they are there (and reloads them, inside this test, if something removed them)."""
    ensure_seeds()


def next_request():
    """request_started as a new request sends it, without Django's close_old_connections
    (as its test client does): closing the test's connection mid-transaction breaks it."""
    from django.core.signals import request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
    finally:
        request_started.connect(close_old_connections)


def make_user(role=None, *, district=None, department=None, **kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    if role:
        user.groups.add(group_for(role))
    PersonFactory(user=user, name=user.username, district=district, department=department)
    return user


@pytest.fixture
def supervisor(db):
    return make_user(Role.SUPERVISOR)


def statements_reading(client, url: str, table: str):
    """GET ``url``: (the response, the SQL of its statements that read ``table``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]


@pytest.fixture
def assert_constant_queries(django_assert_num_queries):
    """Fetch ``url`` at two table sizes and prove the query count does not grow.

    ``grow(n)`` adds n more rows to the table the page lists.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def check(client, url, grow, small=3, large=25):
        from django.core.cache import cache

        grow(small)
        # Once unmeasured, for what a process reads once and keeps in memory; then each counted
        # fetch starts from an empty cache: what a page keeps there (the road dashboard's subsidy
        # sums, kept until a project changes) would otherwise be read at one size and computed at
        # the other, or left by an earlier test of the same process.
        assert client.get(url).status_code == 200
        cache.clear()
        with CaptureQueriesContext(connection) as first:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        grow(large)
        cache.clear()
        with django_assert_num_queries(len(first.captured_queries)):
            response = client.get(url)
        assert response.status_code == 200
        return response

    return check


@pytest.fixture
def migrate_to(transactional_db):
    """``migrate_to(targets)``: the database migrated to ``targets``, and the apps as they were
    then; back to the latest migrations afterwards."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
