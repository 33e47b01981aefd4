"""The benchmark kernel of ``manage.py benchmark`` (issue 12).

Apps register, in their ``benchmarks`` module, the data they add to the benchmark's own
database (``data``) and their scenarios (``scenario``). A scenario measures our code and,
where there is one, a plain counterpart in the same run (a plain ``ModelAdmin``, a plain
``ModelResource``, bare SQL), and says whether the issue's target is met.

Timings are medians of several runs. Everything a scenario writes is rolled back after
each run unless the scenario is about committing (the transitions), so runs repeat on
the same data. Nothing here is a test: tests never assert a timing.
"""
from __future__ import annotations

import gc
import json
import os
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, reset_queries, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import autodiscover_modules


class Rollback(Exception):
    """Raised inside a measured run to undo what it wrote."""


@dataclass
class Result:
    """One row of the table: our median beside the counterpart's, and the target."""

    name: str
    ours: float  # seconds (or the unit named in ``unit``)
    target: str
    passed: bool | None
    counterpart: float | None = None
    queries: int | None = None
    unit: str = "s"
    notes: str = ""
    figures: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """How many times faster than the counterpart (>1: faster); for rates, ours / counterpart."""
        if not self.counterpart or not self.ours:
            return None
        return self.ours / self.counterpart if self.unit.endswith("/s") else self.counterpart / self.ours

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


@dataclass
class Context:
    """What every builder and scenario gets: the scale, repetitions, log and shared objects."""

    scale: int
    repeat: int
    log: Callable[[str], None]
    http_seconds: int = 30
    shared: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    help: str
    target: str
    measure: Callable[[Context], Result]


@dataclass(frozen=True)
class DataBuilder:
    name: str
    order: int
    build: Callable[[Context], None]


_scenarios: dict[str, Scenario] = {}
_builders: list[DataBuilder] = []
# The plain counterpart of our admin pages: a default AdminSite the apps register plain
# ModelAdmins on; benchmark_urls serves it beside the real admin.
plain_admin_site = admin.AdminSite(name="plain_admin")
# Other plain counterparts (a plain API view), which apps append and benchmark_urls serves too.
plain_urlpatterns: list = []


def scenario(name: str, *, help: str, target: str):
    """Decorator: register ``measure(ctx) -> Result`` as the scenario ``name``."""
    def register(measure):
        _scenarios[name] = Scenario(name, help, target, measure)
        return measure
    return register


def data(name: str, *, order: int):
    """Decorator: register ``build(ctx)``, run in ``order`` when the data set is built."""
    def register(build):
        _builders.append(DataBuilder(name, order, build))
        return build
    return register


def _discover() -> None:
    # Each app's benchmarks module registers its scenarios and data builders when imported.
    # Asked here, not only by the command: a script that opened the data set without them saw
    # an empty recipe, took the million cases for an unfinished build and dropped them.
    autodiscover_modules("benchmarks")


def scenarios() -> dict[str, Scenario]:
    _discover()
    return dict(_scenarios)


def builders() -> list[DataBuilder]:
    _discover()
    return sorted(_builders, key=lambda b: b.order)


# --- measuring ------------------------------------------------------------------------


def settle_like_a_worker() -> None:
    """Freeze what the process has loaded, as each gunicorn worker does once it has loaded the
    app (policyops.gunicorn_conf.post_worker_init): the scenarios then pay the garbage
    collector what a worker pays, not full scans of a benchmark's data-building heap."""
    gc.collect()
    gc.freeze()


def rolled_back(run: Callable[[], object]) -> None:
    """Run ``run`` in a transaction that is undone afterwards."""
    try:
        with transaction.atomic():
            run()
            raise Rollback
    except Rollback:
        pass


def settle_data_set() -> None:
    """After every builder: VACUUM (ANALYZE) the whole database (PostgreSQL), as autovacuum
    leaves tables of years of work — statistics, and the visibility map set. Without it the
    plain admin's full COUNT(*) read the heap (~200 ms) until autovacuum came by, and then an
    index alone (~100 ms): the counterpart moved under the ratio. Run at the end of the cases'
    builder until this round, it left the hall's later rows without statistics: PostgreSQL
    took 25,000 follow-ups for 1,135 and sorted them all (190 ms) instead of reading an index.

    Then the build is written out (``write_out_the_build``) before anything is timed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    write_out_the_build()


def write_out_the_build() -> None:
    """Write the data set's pages to disk now (a CHECKPOINT, then the kernel's dirty pages), not
    while the scenarios run. A million cases leave gigabytes to write; PostgreSQL spreads a
    checkpoint over minutes and the kernel writes behind, and in round 26 the first run after a
    build timed the homes at 117–150 ms and the case page at 54 ms, the same pages 46–47 and
    23 ms in the next run, once the checkpoints of the build had finished."""
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(), connection.cursor() as cursor:  # a refusal undoes only itself
                cursor.execute("CHECKPOINT")  # a superuser's or pg_checkpoint's right
        except DatabaseError:
            pass  # a role without it: the checkpoint comes on its own time, as before
    os.sync()


def vacuum(*models) -> None:
    """VACUUM (ANALYZE) the tables of ``models`` and their history (PostgreSQL), after a scenario
    whose runs were rolled back: its rows stay behind as dead tuples until autovacuum comes,
    and this machine's server runs without it. Left there, the 60,000 dead rows of the import's
    rolled-back road projects made the next run's director home read 80,000 rows for 64 (93 ms)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in _tables_with_history(models):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def _tables_with_history(models) -> list[str]:
    """The tables of ``models`` and of their simple-history models, sorted."""
    tables = {model._meta.db_table for model in models}
    tables |= {model.history.model._meta.db_table for model in models if hasattr(model, "history")}
    return sorted(tables)


def rebuild_indexes(*models) -> None:
    """REINDEX the tables of ``models`` and their history (PostgreSQL), after a scenario that
    wrote and rolled back many of their rows: VACUUM frees the dead rows but leaves the indexes'
    emptied pages, so every run of the benchmark on the same data set found them larger. After two runs the
    import's 10,000 projects and 40,000 milestones a run had left the road indexes 15 to 28
    times their size (roadproject_open_state 692 pages for 4,814 projects, 25 rebuilt), and
    PostgreSQL counted the home panel's road steps from a table scan instead."""
    if connection.vendor != "postgresql":
        return
    reindex_tables(_tables_with_history(models))


def reindex_tables(tables) -> None:
    """REINDEX each of ``tables`` (PostgreSQL): its indexes rebuilt from the live rows alone.
    Inside a transaction, undone with it (the tests' planner helper, tests/plans.py)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"REINDEX TABLE {connection.ops.quote_name(table)}")


def _once(run: Callable[[], object], rollback: bool) -> None:
    rolled_back(run) if rollback else run()


def timed_seconds(run: Callable[[], object], *, rollback: bool = True) -> float:
    start = time.perf_counter()
    _once(run, rollback)
    return time.perf_counter() - start


def counted_queries(run: Callable[[], object], *, rollback: bool = True) -> int:
    """The statements one run of ``run`` sends, counted on a run of its own.

    Capturing makes Django log each statement's text, work a request in production does
    not do: the timed runs capture nothing (with it, a 10-query page took ~1–2 ms longer).
    """
    reset_queries()  # the query log is bounded: a full one would count nothing
    with CaptureQueriesContext(connection) as captured:
        _once(run, rollback)
    return len(captured)


def median_seconds(run: Callable[[], object], *, repeat: int, rollback: bool = True, warmup: int = 1,
                   count_queries: bool = True) -> tuple[float, int]:
    """Median wall time of ``run`` over ``repeat`` runs, and its queries (0 without ``count_queries``).

    With ``rollback`` each run happens in a transaction that is undone afterwards. The
    queries are counted on one more run, after the warm-up (``counted_queries``).
    """
    for _ in range(warmup):
        _once(run, rollback)
    queries = counted_queries(run, rollback=rollback) if count_queries else 0
    times = [timed_seconds(run, rollback=rollback) for _ in range(repeat)]
    return statistics.median(times), queries


def paired_median_seconds(ours: Callable[[], object], counterpart: Callable[[], object], *, repeat: int,
                          warmup: int = 1) -> tuple[float, int, float]:
    """Medians of ``ours`` and ``counterpart`` run in turns, each rolled back, and our queries
    (counted on one more run of ours, after the warm-up).

    This machine's speed drifts by a third within minutes; run one after the other, a drift
    between the two series moved the ratio. In turns, both meet the same drift.
    """
    for _ in range(warmup):
        _once(ours, True)
        _once(counterpart, True)
    queries = counted_queries(ours)
    ours_times, counterpart_times = [], []
    for _ in range(repeat):
        ours_times.append(timed_seconds(ours))
        counterpart_times.append(timed_seconds(counterpart))
    return statistics.median(ours_times), queries, statistics.median(counterpart_times)


def peak_rss_mb_of(run: Callable[[], object]) -> float | None:
    """Peak resident memory (MB) of ``run`` executed in a forked child; None without fork.

    A child measures only this run, not the data set built in this process before.
    """
    if not hasattr(os, "fork"):
        return None
    import resource

    connections.close_all()  # never share a database socket with the child
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        code = 0
        try:
            rolled_back(run)
            rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            os.write(write_end, str(rss_kb).encode())
        except BaseException:  # noqa: BLE001 — a child must never return into the parent's code
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    return int(text) / 1024 if text else None


# --- page scenarios ---------------------------------------------------------------------


def logged_in_client(username: str):
    """A test client logged in as ``username`` (a user of the data set's demo)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def page_scenario(name, *, url, plain_url=None, username, help, target_ms=50, target_ratio=None):
    """Register a scenario timing GET ``url`` as ``username`` (and ``plain_url`` in turns with it).

    ``url`` and ``plain_url`` may be functions of no arguments that return the path, asked once
    the data set is there (a path that names a row by its key)."""
    target = f"≤ {target_ms} ms" + (f" and ≥ {target_ratio}× faster than plain" if target_ratio else "")

    @scenario(name, help=help, target=target)
    def measure(ctx):
        client = logged_in_client(username)
        path = url() if callable(url) else url
        plain_path = plain_url() if callable(plain_url) else plain_url

        def get(path):
            def run():
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            return run

        if plain_path:
            ours, queries, plain = paired_median_seconds(get(path), get(plain_path), repeat=ctx.repeat)
        else:
            (ours, queries), plain = median_seconds(get(path), repeat=ctx.repeat), None
        result = Result(name, ours, target, passed=None, counterpart=plain, queries=queries)
        result.passed = ours * 1000 <= target_ms and (not target_ratio or (result.ratio or 0) >= target_ratio)
        return result
    return measure


def admin_list_scenario(name, model, **kwargs):
    """A page scenario of ``model``'s admin list beside the plain admin's (``plain_admin_site``)."""
    path = f"{model._meta.app_label}/{model._meta.model_name}/"
    page_scenario(name, url=f"/admin/{path}", plain_url=f"/plain-admin/{path}", **kwargs)


# --- the benchmark's own database -------------------------------------------------------


DEFAULT_SCALE = 1_000_000


def bench_database_name(scale: int = DEFAULT_SCALE) -> str:
    """The benchmark's database; one per scale, so that a small run (CI's) does not replace
    the million-case data set that takes ten minutes to build."""
    db = settings.DATABASES["default"]
    suffix = "" if scale == DEFAULT_SCALE else f"_{scale}"
    if connection.vendor == "sqlite":
        return str(Path(settings.VAR_DIR) / f"benchmark{suffix}.sqlite3")
    return f"{db['NAME']}_benchmark{suffix}"


def data_recipe() -> list[str]:
    """What the data set holds, by its builders' names: a data set built before a builder was
    added (or renamed for what it now adds) is built anew rather than measured without it."""
    return [builder.name for builder in builders()]


def built_before(marker: Path, stamp: dict) -> bool:
    """Whether ``marker`` says a finished build of this scale and recipe (``stamp``) is there."""
    try:
        return json.loads(marker.read_text()) == stamp
    except (OSError, ValueError):
        return False


def _marker_path(name: str) -> Path:
    return Path(settings.VAR_DIR) / f"benchmark-{Path(name).name}.json"


@contextmanager
def bench_database(*, rebuild: bool, scale: int, log):
    """Point the default connection at the benchmark's database for the block.

    Yields (built, mark_built): built is True when an earlier run finished building the data
    set of ``scale`` there; otherwise the database is created empty and the caller builds
    the data and then calls mark_built().
    """
    conn = connections["default"]
    original = dict(conn.settings_dict)
    name = bench_database_name(scale)
    marker = _marker_path(name)
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    # A data set of another scale or recipe, or one whose building did not finish, is built anew.
    stamp = {"scale": scale, "recipe": data_recipe()}
    built = not rebuild and built_before(marker, stamp)
    if not built:
        marker.unlink(missing_ok=True)
    if conn.vendor == "postgresql":
        with conn._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
            built = built and exists
            if exists and not built:
                cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            if not built:
                log(f"Creating database {name}")
                cursor.execute(f'CREATE DATABASE "{name}"')
    else:
        built = built and Path(name).exists()
        if not built:
            Path(name).unlink(missing_ok=True)
    conn.close()
    conn.settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield built, (lambda: marker.write_text(json.dumps(stamp)))
    finally:
        conn.close()
        conn.settings_dict.clear()
        conn.settings_dict.update(original)
        settings.DATABASES["default"]["NAME"] = original["NAME"]


def database_url() -> str:
    """The URL of the current default database, for a server process started by a scenario."""
    db = connections["default"].settings_dict
    if connections["default"].vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth + '@' if auth else ''}{host}:{db.get('PORT') or 5432}/{db['NAME']}"


# --- the table --------------------------------------------------------------------------


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"
    return f"{value:,.1f} {unit}"


def table(results: list[Result]) -> str:
    """A Markdown table: the form README.md shows."""
    lines = ["| scenario | ours (median) | counterpart, same run | ratio | target | result |",
             "|---|---|---|---|---|---|"]
    for r in results:
        ours = format_value(r.ours, r.unit) + (f" ({r.queries} queries)" if r.queries is not None else "")
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        verdict = {True: "pass", False: "FAIL", None: "—"}[r.passed]
        notes = f" — {r.notes}" if r.notes else ""
        lines.append(f"| {r.name} | {ours}{notes} | {format_value(r.counterpart, r.unit)} | {ratio} | "
                     f"{r.target} | {verdict} |")
    return "\n".join(lines)


# --- HTTP under load ------------------------------------------------------------------------


@dataclass
class LoadFigures:
    requests: int
    errors: int
    timeouts: int
    per_second: float
    p50: float
    p95: float


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def drive(port: int, paths: list[str], cookie: str, *, clients: int, seconds: float,
          timeout: float = 30) -> LoadFigures:
    """``clients`` threads each GET the ``paths`` in turn for ``seconds``; latencies and errors."""
    import http.client
    import socket
    import threading

    latencies: list[float] = []
    errors = timeouts = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: int):
        nonlocal errors, timeouts
        n = offset
        while time.perf_counter() < deadline:
            path = paths[n % len(paths)]
            n += 1
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                conn.request("GET", path, headers={"Cookie": cookie, "Host": "localhost"})
                response = conn.getresponse()
                response.read()
                conn.close()
                ok = response.status == 200
            except (TimeoutError, socket.timeout):
                with lock:
                    timeouts += 1
                continue
            except OSError:
                ok = False
            elapsed = time.perf_counter() - start
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return LoadFigures(len(latencies), errors, timeouts, len(latencies) / wall, percentile(latencies, 0.5),
                       percentile(latencies, 0.95))


@contextmanager
def gunicorn():
    """A gunicorn serving this site (and the benchmark's URLs) on the current database; yields its port.

    Production settings (policyops.gunicorn_conf: 2 × cores + 1 sync workers), DEBUG off,
    persistent database connections, static files from whitenoise.
    """
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "false", "SECRET_KEY": settings.SECRET_KEY,
           "ALLOWED_HOSTS": "localhost,127.0.0.1", "DB_CONN_MAX_AGE": "600",
           "DJANGO_SETTINGS_MODULE": "policyops.settings"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:policyops.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
         "policyops.benchmark_wsgi:application"],
        env=env, cwd=str(settings.BASE_DIR))
    try:
        for _attempt in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("gunicorn stopped at start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def session_cookie(username: str) -> str:
    """A session of ``username`` in the current database, as a Cookie header."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
