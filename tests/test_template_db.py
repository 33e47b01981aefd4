"""The migrated template the PostgreSQL test databases are copied from (tests/template_db.py)."""
import os
import shutil

import pytest
from django.conf import settings

from tests import template_db

on_postgresql = pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                                   reason="templates are PostgreSQL's")


@pytest.fixture
def sources(tmp_path):
    for entry in template_db.BUILT_FROM:
        source = template_db.ROOT / entry
        if source.is_dir():
            shutil.copytree(source, tmp_path / entry, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            (tmp_path / entry).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, tmp_path / entry)
    return tmp_path


def test_the_digest_is_that_of_the_sources(sources):
    assert template_db.digest(sources) == template_db.digest()


def test_a_changed_migration_changes_the_digest(sources):
    before = template_db.digest(sources)
    with (sources / "approvals/migrations/0001_initial.py").open("a") as migration:
        migration.write("\n# changed\n")
    assert template_db.digest(sources) != before


def test_a_changed_module_a_migration_imports_changes_the_digest(sources):
    before = template_db.digest(sources)
    with (sources / "policyops/schedules.py").open("a") as module:
        module.write("\n# changed\n")
    assert template_db.digest(sources) != before


@pytest.mark.parametrize(("built_by", "mode", "expected"), [
    (None, "yes", True),
    ("run this", "yes", False),
    ("run before", "yes", False),
    ("run before", "rebuild", True),
    ("run this", "rebuild", False),  # the second worker of the run that rebuilt it
    (None, "rebuild", True),
])
def test_the_template_is_migrated_only_where_missing_or_rebuilt_by_another_run(built_by, mode, expected):
    assert template_db.needs_migrating(built_by, mode, "this") is expected


def test_sqlite_uses_no_template():
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    assert template_db.use_migrated_template(database) is None
    assert "TEST" not in database


def test_no_means_every_worker_migrates_its_own(monkeypatch):
    monkeypatch.setenv("POLICYOPS_TEST_TEMPLATE", "no")
    database = {"ENGINE": "django.db.backends.postgresql", "NAME": "test"}
    assert template_db.use_migrated_template(database) is None
    assert "TEST" not in database


def test_an_unknown_mode_is_refused(monkeypatch):
    monkeypatch.setenv("POLICYOPS_TEST_TEMPLATE", "sometimes")
    with pytest.raises(ValueError, match="yes, no or rebuild"):
        template_db.use_migrated_template({"ENGINE": "django.db.backends.postgresql", "NAME": "test"})


@pytest.fixture
def maintenance():
    import psycopg

    database = settings.DATABASES["default"]
    with psycopg.connect(**template_db._connection_arguments(database, "postgres"), autocommit=True) as connection:
        yield connection


def _databases(maintenance, prefix):
    rows = maintenance.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix])
    return {name for (name,) in rows}


@on_postgresql
def test_a_template_made_before_is_copied_without_migrating(maintenance, monkeypatch):
    monkeypatch.setenv("POLICYOPS_TEST_TEMPLATE", "yes")
    name = f"test_tplcheck{os.getpid()}_migrated_{template_db.digest()}"
    maintenance.execute(f'CREATE DATABASE "{name}"')
    maintenance.execute(f"COMMENT ON DATABASE \"{name}\" IS 'run before'")
    try:
        database = {**settings.DATABASES["default"], "NAME": f"tplcheck{os.getpid()}", "TEST": {}}
        assert template_db.use_migrated_template(database, run="now") == name
        assert database["TEST"]["TEMPLATE"] == name
        built_by = maintenance.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                                       " WHERE datname = %s", [name]).fetchone()
        assert built_by == ("run before",)  # not migrated again (that would say "run now")
    finally:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{name}"')


@on_postgresql
def test_older_templates_but_the_two_newest_are_dropped_and_other_databases_kept(maintenance):
    base = f"tpl_drop{os.getpid()}"
    kept, other = f"test_{base}_migrated_new", f"test_{base}Xmigrated_old"
    older = [f"test_{base}_migrated_old{i}" for i in range(4)]  # in the order they were made
    for name in (*older, kept, other):
        maintenance.execute(f'CREATE DATABASE "{name}"')
    try:
        template_db._drop_other_templates(maintenance, base, keep=kept)
        assert _databases(maintenance, f"test_{base}") == {kept, other, older[2], older[3]}
    finally:
        for name in (*older, kept, other):
            maintenance.execute(f'DROP DATABASE IF EXISTS "{name}"')


@on_postgresql
def test_without_a_postgres_database_the_configured_one_is_used(monkeypatch):
    import psycopg

    connected = []
    real_connect = psycopg.connect

    def connect(**arguments):
        connected.append(arguments["dbname"])
        if arguments["dbname"] == "postgres":
            raise psycopg.OperationalError("database \"postgres\" does not exist")
        return real_connect(**arguments)

    monkeypatch.setattr(psycopg, "connect", connect)
    with template_db._maintenance_connection(settings.DATABASES["default"]) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
    assert connected == ["postgres", settings.DATABASES["default"]["NAME"]]


@on_postgresql
def test_a_run_that_keeps_its_existing_database_needs_no_template(maintenance, monkeypatch):
    monkeypatch.setenv("POLICYOPS_TEST_TEMPLATE", "rebuild")  # would migrate, were a template wanted
    kept = f"test_tplkept{os.getpid()}"
    maintenance.execute(f'CREATE DATABASE "{kept}"')
    try:
        database = {**settings.DATABASES["default"], "NAME": f"tplkept{os.getpid()}", "TEST": {"NAME": kept}}
        assert template_db.use_migrated_template(database, run="now", reused=True) is None
        assert "TEMPLATE" not in database["TEST"]
        assert _databases(maintenance, f"test_tplkept{os.getpid()}") == {kept}
    finally:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{kept}"')
