"""The benchmark kernel's arithmetic and bookkeeping (timings themselves are never asserted)."""
import json
import platform
import sys

import pytest
from django.core.management import call_command
from django.db import connection

from policyops import benchmarking
from policyops.models import District
from tests import plans


def test_ratio_of_a_duration_is_how_many_times_faster_than_the_counterpart():
    assert benchmarking.Result("x", 0.1, "t", True, counterpart=0.5).ratio == pytest.approx(5)


def test_ratio_of_a_rate_is_ours_over_the_counterpart():
    assert benchmarking.Result("x", 100, "t", True, counterpart=200, unit="steps/s").ratio == pytest.approx(0.5)


def test_a_result_without_counterpart_has_no_ratio():
    assert benchmarking.Result("x", 0.1, "t", None).ratio is None


def test_the_table_shows_milliseconds_queries_ratio_and_verdict():
    row = benchmarking.table([benchmarking.Result("admin", 0.0421, "≤ 50 ms", False, counterpart=0.2,
                                                  queries=9)]).splitlines()[-1]
    assert row == "| admin | 42 ms (9 queries) | 200 ms | 4.75× | ≤ 50 ms | FAIL |"


def test_percentile_picks_the_value_at_the_share():
    assert benchmarking.percentile([float(n) for n in range(1, 101)], 0.95) == 96.0


@pytest.mark.django_db
def test_a_measured_run_is_rolled_back_and_its_queries_counted(seeded):
    before = District.objects.count()

    def run():
        District.objects.create(name="基准区")

    seconds, queries = benchmarking.median_seconds(run, repeat=2)
    assert District.objects.count() == before and queries >= 1 and seconds > 0


@pytest.mark.django_db
def test_paired_runs_alternate_and_are_rolled_back(seeded):
    before = District.objects.count()
    order = []

    def ours():
        order.append("ours")
        District.objects.create(name="基准区")

    def counterpart():
        order.append("counterpart")

    seconds, queries, counterpart_seconds = benchmarking.paired_median_seconds(ours, counterpart, repeat=2)
    # One warm-up pair, one run of ours that counts its queries, then two timed pairs.
    assert order == ["ours", "counterpart", "ours"] + ["ours", "counterpart"] * 2
    assert District.objects.count() == before and queries >= 1 and seconds > 0 and counterpart_seconds > 0


@pytest.mark.django_db
def test_only_an_untimed_run_logs_its_statements(seeded):
    from django.db import connection

    logging = []

    def run():
        logging.append(connection.force_debug_cursor)
        District.objects.count()

    seconds, queries = benchmarking.median_seconds(run, repeat=3, rollback=False)
    assert logging == [False, True, False, False, False]  # warm-up, counted, three timed
    assert queries == 1


def test_every_scenario_is_listed_with_its_target(capsys):
    call_command("benchmark", "--list")
    out = capsys.readouterr().out
    for name in ("admin_case_list_supervisor", "transitions", "sweep", "rota", "briefing_xlsx", "http"):
        assert f"{name}:" in out


def test_an_unknown_scenario_is_refused_by_name():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nonsense"):
        call_command("benchmark", "--only", "nonsense")


def test_each_scale_has_its_own_database_and_the_default_keeps_the_plain_name():
    default = benchmarking.bench_database_name()
    small = benchmarking.bench_database_name(2000)
    assert default.endswith(("_benchmark", "benchmark.sqlite3")) and small != default and "2000" in small


@pytest.mark.django_db
def test_the_transitions_database_wait_counts_the_statements_not_the_python_between(monkeypatch):
    import time

    from django.db import connection, connections

    from approvals import benchmarks

    def step_of_python_and_one_statement(case, user, today):
        time.sleep(0.02)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    monkeypatch.setattr(benchmarks, "_five_steps", step_of_python_and_one_statement)
    step, waiting = benchmarks._database_wait([object()], user=None, today=None)
    assert 0 < waiting < 0.02 <= 5 * step  # the statement counted, the 20 ms of Python not
    assert "commit" not in vars(connections["default"])  # the timing wrapper is taken off again


def test_the_recipe_is_read_with_every_apps_builders_without_the_command(monkeypatch):
    # A script that opens the data set without the command must see the same recipe, or it
    # takes the built data set for an unfinished one and drops it.
    asked = []
    monkeypatch.setattr(benchmarking, "autodiscover_modules", asked.append)
    benchmarking.data_recipe()
    assert asked == ["benchmarks"]


def test_a_data_set_of_another_scale_or_recipe_is_not_taken_as_built(tmp_path):
    marker = tmp_path / "benchmark-test_benchmark.json"
    stamp = {"scale": 2000, "recipe": benchmarking.data_recipe()}
    assert len(stamp["recipe"]) > 1
    assert not benchmarking.built_before(marker, stamp)  # never built
    marker.write_text(json.dumps({"scale": 2000}))  # built before the recipe was recorded
    assert not benchmarking.built_before(marker, stamp)
    marker.write_text(json.dumps({**stamp, "recipe": stamp["recipe"][:-1]}))  # a builder added since
    assert not benchmarking.built_before(marker, stamp)
    marker.write_text("{")  # a build interrupted while writing its marker
    assert not benchmarking.built_before(marker, stamp)
    marker.write_text(json.dumps(stamp))
    assert benchmarking.built_before(marker, stamp)


@pytest.mark.django_db
def test_a_page_scenario_asks_its_path_once_the_data_set_is_there(monkeypatch):
    from tests.factories import UserFactory

    UserFactory(username="bench_reader")
    asked = []

    def path():
        asked.append(District.objects.count())  # reads the database it is measured on
        return "/healthz"

    monkeypatch.setattr(benchmarking, "_scenarios", {})
    measure = benchmarking.page_scenario("probe", url=path, username="bench_reader", help="")
    result = measure(benchmarking.Context(scale=1, repeat=1, log=print))
    assert asked == [District.objects.count()] and result.queries is not None


@pytest.mark.django_db
def test_the_machine_yardstick_times_the_trivial_view_a_round_trip_and_python_names_the_interpreter_no_verdict(
        settings):
    from policyops.benchmarks import measure_machine
    from tests.factories import UserFactory

    UserFactory(username="clerk_pingdu")
    settings.ROOT_URLCONF = "policyops.benchmark_urls"  # the trivial view, as the command serves it
    result = measure_machine(benchmarking.Context(scale=1, repeat=1, log=print))
    assert result.passed is None and result.ours > 0
    # Which Python ran it: builds of one version differ by up to 1.8 times on one machine.
    assert result.notes.endswith(f"Python {platform.python_version()} from {sys.base_prefix}")
    assert result.figures["round_trip_s"] > 0 and result.figures["python_s"] > 0
    assert benchmarking.table([result]).endswith("| — | — | — |")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="REINDEX is PostgreSQL's here")
def test_rebuilt_indexes_shed_the_pages_of_rows_written_and_rolled_back():
    from axes.models import AccessLog
    from django.db import transaction
    from django.utils import timezone

    def pkey_pages():
        return plans.index_pages(f"{AccessLog._meta.db_table}_pkey")

    before = pkey_pages()
    with pytest.raises(benchmarking.Rollback), transaction.atomic():
        AccessLog.objects.bulk_create([AccessLog(username=f"u{i}", attempt_time=timezone.now())
                                       for i in range(20_000)], batch_size=5000)
        raise benchmarking.Rollback
    assert pkey_pages() > before + 10  # the undone rows' entries still fill pages
    benchmarking.rebuild_indexes(AccessLog)
    assert pkey_pages() <= before + 1


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="CHECKPOINT is PostgreSQL's")
def test_the_build_is_written_out_by_a_checkpoint_before_anything_is_timed():
    def checkpoints_requested() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the transaction's copy of the statistics
            cursor.execute("SELECT checkpoints_req FROM pg_stat_bgwriter")
            return cursor.fetchone()[0]

    before = checkpoints_requested()
    benchmarking.write_out_the_build()
    # At least one: PostgreSQL also counts a checkpoint that the WAL's size asked for meanwhile.
    assert checkpoints_requested() > before


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="CHECKPOINT is PostgreSQL's")
def test_a_role_without_the_right_to_checkpoint_builds_on_and_keeps_its_transaction():
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE policyops_no_checkpoint")  # undone with the test's transaction
        cursor.execute("SET LOCAL ROLE policyops_no_checkpoint")
    benchmarking.write_out_the_build()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "policyops_no_checkpoint"
