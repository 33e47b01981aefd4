"""``manage.py benchmark`` itself (policyops/management/commands/benchmark.py): what it does with
the kernel's data set and scenarios, its arguments and its output. The kernel is faked here; its
own arithmetic is tested in test_benchmarking, and no timing is ever asserted."""
import contextlib
import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from policyops import benchmarking
from policyops.management.commands.benchmark import Command


@pytest.fixture
def kernel(monkeypatch):
    """Two scenarios (one meeting its target, one missing it), one data builder and a data set
    that was not built before; ``kernel`` records what the command asked of them."""
    record = {"built": [], "marked": 0, "measured": [], "database": None, "built_before": False}

    def scenario(name, passed):
        def measure(ctx):
            record["measured"].append({"name": name, "ctx": ctx, "debug": settings.DEBUG,
                                       "urls": settings.ROOT_URLCONF, "language": translation.get_language()})
            return benchmarking.Result(name, 0.02, "≤ 50 ms", passed, counterpart=0.1, queries=3)
        return benchmarking.Scenario(name, f"The {name} page.", "≤ 50 ms", measure)

    known = {"fast": scenario("fast", True), "slow": scenario("slow", False), "machine": scenario("machine", None)}
    monkeypatch.setattr(benchmarking, "scenarios", lambda: dict(known))
    monkeypatch.setattr(benchmarking, "builders", lambda: [
        benchmarking.DataBuilder("cases", 1, lambda ctx: record["built"].append(ctx.scale))])

    @contextlib.contextmanager
    def bench_database(*, rebuild, scale, log):
        record["database"] = {"rebuild": rebuild, "scale": scale}

        def mark():
            record["marked"] += 1
        yield record["built_before"], mark

    monkeypatch.setattr(benchmarking, "bench_database", bench_database)
    monkeypatch.setattr(benchmarking, "settle_data_set", lambda: None)
    monkeypatch.setattr(benchmarking, "settle_like_a_worker", lambda: None)
    return record


def run(*args) -> str:
    out = io.StringIO()
    call_command("benchmark", *args, stdout=out)
    return out.getvalue()


def test_a_data_set_not_built_before_is_built_once_then_marked_built(kernel):
    run("--scale", "2000", "--only", "fast")
    assert kernel["built"] == [2000] and kernel["marked"] == 1


def test_a_data_set_built_before_is_measured_without_building_it_again(kernel):
    kernel["built_before"] = True
    run("--scale", "2000", "--only", "fast")
    assert kernel["built"] == [] and kernel["marked"] == 0
    assert [m["name"] for m in kernel["measured"]] == ["fast"]


def test_rebuild_and_scale_choose_the_database(kernel):
    run("--scale", "2000", "--only", "fast", "--rebuild")
    assert kernel["database"] == {"rebuild": True, "scale": 2000}


def test_every_scenario_runs_once_in_order_when_none_is_named(kernel):
    run("--scale", "2000")
    assert [m["name"] for m in kernel["measured"]] == ["fast", "slow", "machine"]


def test_named_scenarios_run_as_named_comma_separated_or_repeated(kernel):
    run("--scale", "2000", "--only", "slow, fast", "--only", "machine")
    assert [m["name"] for m in kernel["measured"]] == ["slow", "fast", "machine"]


def test_a_scenario_gets_the_runs_scale_repeats_and_load_length(kernel):
    run("--scale", "2000", "--only", "fast", "--repeat", "3", "--http-seconds", "7")
    (ctx,) = [m["ctx"] for m in kernel["measured"]]
    assert (ctx.scale, ctx.repeat, ctx.http_seconds) == (2000, 3, 7)


def test_by_default_a_scenario_is_timed_five_times_and_a_load_phase_lasts_30_seconds(kernel):
    # As --help and README say; the default scale is the million cases.
    run("--only", "fast")
    (ctx,) = [m["ctx"] for m in kernel["measured"]]
    assert (ctx.scale, ctx.repeat, ctx.http_seconds) == (benchmarking.DEFAULT_SCALE, 5, 30)
    assert benchmarking.DEFAULT_SCALE == 1_000_000


def test_scenarios_run_in_chinese_with_debug_off_and_the_plain_admin_served(kernel, settings):
    settings.DEBUG = True
    run("--scale", "2000", "--only", "fast")
    (seen,) = kernel["measured"]
    assert (seen["debug"], seen["urls"], seen["language"]) == (False, "policyops.benchmark_urls", "zh-hans")


@pytest.mark.parametrize(("scale", "accepted"), [(99, False), (100, True)])
def test_a_scale_under_100_cases_is_refused(kernel, scale, accepted):
    if accepted:
        run("--scale", str(scale), "--only", "fast")
        assert kernel["built"] == [scale]
    else:
        with pytest.raises(CommandError, match="--scale must be at least 100"):
            run("--scale", str(scale), "--only", "fast")
        assert kernel["database"] is None


@pytest.mark.parametrize(("repeat", "accepted"), [(0, False), (1, True)])
def test_fewer_than_one_timed_run_is_refused(kernel, repeat, accepted):
    if accepted:
        run("--scale", "2000", "--only", "fast", "--repeat", str(repeat))
        assert [m["ctx"].repeat for m in kernel["measured"]] == [repeat]
    else:
        with pytest.raises(CommandError, match="--repeat at least 1"):
            run("--scale", "2000", "--only", "fast", "--repeat", str(repeat))
        assert kernel["database"] is None


def test_each_scenarios_row_follows_its_run_and_the_whole_table_ends_the_output(kernel):
    out = run("--scale", "2000", "--only", "fast,slow")
    results = [benchmarking.Result(name, 0.02, "≤ 50 ms", passed, counterpart=0.1, queries=3)
               for name, passed in (("fast", True), ("slow", False))]
    lines = out.splitlines()
    fast_row, slow_row = benchmarking.table(results).splitlines()[-2:]
    assert lines[lines.index("Running fast …") + 1] == fast_row
    assert lines[lines.index("Running slow …") + 1] == slow_row
    assert out.endswith("\n\n" + benchmarking.table(results) + "\nTargets missed: slow\n")


def test_only_scenarios_that_missed_their_target_are_named_as_missed(kernel):
    out = run("--scale", "2000")
    assert out.splitlines()[-1] == "Targets missed: slow"  # not fast (met), nor machine (no target)


def test_a_run_that_met_every_target_names_none_missed(kernel):
    assert "Targets missed" not in run("--scale", "2000", "--only", "fast,machine")


def test_the_results_are_written_as_readable_json_when_asked(kernel, tmp_path):
    path = tmp_path / "bench.json"
    run("--scale", "2000", "--only", "fast", "--repeat", "2", "--json", str(path))
    text = path.read_text(encoding="utf-8")
    payload = json.loads(text)
    assert (payload["scale"], payload["repeat"]) == (2000, 2)
    assert [(r["name"], r["passed"], r["ratio"]) for r in payload["results"]] == [("fast", True, pytest.approx(5))]
    assert '"target": "≤ 50 ms"' in text  # the targets as written, not \u escapes
    assert text.splitlines()[1] == '  "scale": 2000,'  # indented, a line a key


def test_the_help_lists_each_scenario_with_its_target_within_76_columns(kernel, monkeypatch):
    long_help = " ".join(["a"] * 60)  # wraps: 60 one-letter words are 119 characters
    monkeypatch.setattr(benchmarking, "scenarios", lambda: {"probe": benchmarking.Scenario(
        "probe", long_help, "≤ 1 s", lambda ctx: None)})
    epilog = Command().create_parser("manage.py", "benchmark").epilog
    lines = epilog.splitlines()
    assert lines[:2] == ["scenarios:", "  probe"]
    assert all(line.startswith("      a") for line in lines[2:]) and len(lines) > 3
    assert max(len(line) for line in lines) <= 76
    assert lines[-1].endswith("Target: ≤ 1 s.")
