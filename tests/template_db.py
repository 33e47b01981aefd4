"""PostgreSQL test databases copied from one migrated template instead of each migrated anew.

Migrating an empty database runs 101 migrations, ~15 s of Python, and every xdist worker paid it
at the start of every run. Here one process migrates a template database, under an advisory lock
the others wait on, and each worker's database is created as its copy (Django's TEST TEMPLATE
setting: ``CREATE DATABASE … TEMPLATE``), which its ``migrate`` then finds complete.

The template is kept between runs under a name that carries a digest of all that decides what
migrating builds: the project's code (the migrations and what they import), the test settings and
every installed distribution's version. Any change gives a new name, so a template from other code
is never used; when a new one is made, all but the two newest of the others are dropped.

POLICYOPS_TEST_TEMPLATE=rebuild migrates the template anew once per run (CI does: each of its runs
migrates from nothing); =no leaves every worker to migrate its own database, as before.
"""
import hashlib
import importlib.metadata
import os
import subprocess
import sys
import uuid
import zlib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Whatever migrating reads: the apps' code (migrations import models, schedules, search indexes…)
# and the settings the tests migrate with.
BUILT_FROM = ("approvals", "policyops", "programs", "tests/settings.py")
LOCK = zlib.crc32(b"policyops test template")  # pg_advisory_lock's key, the same in every process
_RUN = uuid.uuid4().hex  # this process's run, where pytest-xdist gives none


def digest(root: Path = ROOT) -> str:
    """A digest of the sources and installed versions that decide what migrating builds."""
    sha = hashlib.sha256()
    for entry in BUILT_FROM:
        path = root / entry
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            sha.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    versions = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions())
    sha.update("\n".join(versions).encode())
    return sha.hexdigest()[:12]


def use_migrated_template(database: dict, run: str | None = None, reused: bool = False) -> str | None:
    """Make sure the migrated template exists, and have the test databases created from it.

    ``database`` is settings.DATABASES["default"]; ``run`` identifies this test run (pytest-xdist's
    testrunuid), so that ``rebuild`` migrates once per run and not once per worker; ``reused``: the
    run keeps an existing test database (--reuse-db without --create-db, as make test's journeys),
    which then needs no template. Returns the template's name, or None where none is used (SQLite,
    POLICYOPS_TEST_TEMPLATE=no, or a kept database).
    """
    mode = os.environ.get("POLICYOPS_TEST_TEMPLATE", "yes")
    if mode not in {"yes", "no", "rebuild"}:
        raise ValueError(f"POLICYOPS_TEST_TEMPLATE={mode!r}: give yes, no or rebuild")
    if mode == "no" or not database["ENGINE"].endswith("postgresql"):
        return None
    run = run or _RUN
    database.setdefault("TEST", {})
    name = f"test_{database['NAME']}_migrated_{digest()}"
    with _maintenance_connection(database) as maintenance:
        maintenance.execute("SELECT pg_advisory_lock(%s)", [LOCK])  # held until this connection closes
        if reused and _exists(maintenance, database["TEST"].get("NAME") or f"test_{database['NAME']}"):
            return None
        found = maintenance.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]).fetchone()
        if needs_migrating(found and found[0], mode, run):
            _migrate_template(maintenance, database, name, run)
            _drop_other_templates(maintenance, database["NAME"], keep=name)
    database["TEST"]["TEMPLATE"] = name
    return name


def _exists(maintenance, name: str) -> bool:
    return maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def needs_migrating(built_by: str | None, mode: str, run: str) -> bool:
    """Whether the template must be migrated: it is missing, or a rebuild was asked and another run
    made it (``built_by`` is the template's comment, None where there is no template)."""
    return built_by is None or (mode == "rebuild" and built_by != f"run {run}")


def _migrate_template(maintenance, database: dict, name: str, run: str) -> None:
    from psycopg import sql

    building = f"{name}_building"
    maintenance.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(building)))
    maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
    environment = {**os.environ, "DATABASE_URL": _url_of(building), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    migrated = subprocess.run([sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
                              cwd=ROOT, env=environment, capture_output=True, text=True)
    if migrated.returncode:
        raise RuntimeError(f"migrating the test template {building} failed:\n{migrated.stdout}{migrated.stderr}")
    maintenance.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    maintenance.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(building),
                                                                        sql.Identifier(name)))
    # Nobody may connect to it: a session open on the template would make every copy fail.
    maintenance.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
    maintenance.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name),
                                                                     sql.Literal(f"run {run}")))


def _drop_other_templates(maintenance, base: str, keep: str, spare: int = 2) -> None:
    """Drop the templates of other code but the ``spare`` newest: another checkout of other code (a
    CI clone beside a working tree) may be about to copy one of those this moment."""
    from psycopg import errors, sql

    escaped = base.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
    others = maintenance.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s ORDER BY oid DESC OFFSET %s",
        [f"test\\_{escaped}\\_migrated\\_%", keep, spare]).fetchall()
    for (other,) in others:
        try:
            maintenance.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(other)))
        except errors.ObjectInUse:  # being copied this moment; a later new template drops it
            pass


def _maintenance_connection(database: dict):
    """A connection outside the test databases: to ``postgres``, or, where that one is missing or
    closed to this user, to the configured database (as Django's own test set-up falls back)."""
    import psycopg

    try:
        return psycopg.connect(**_connection_arguments(database, "postgres"), autocommit=True)
    except psycopg.OperationalError:
        return psycopg.connect(**_connection_arguments(database, database["NAME"]), autocommit=True)


def _connection_arguments(database: dict, dbname: str) -> dict:
    arguments = {"dbname": dbname, "host": database.get("HOST") or None, "port": database.get("PORT") or None,
                 "user": database.get("USER") or None, "password": database.get("PASSWORD") or None}
    return {key: value for key, value in arguments.items() if value is not None}


def _url_of(dbname: str) -> str:
    """DATABASE_URL with its database name replaced (the settings read it; keeps its options)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{dbname}"))
