"""``manage.py benchmark``: build a data set of a given scale in a separate database and
time each scenario beside its plain counterpart (issue 12). See README, "Performance"."""
import json
import textwrap

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import translation

from policyops import benchmarking


class Command(BaseCommand):
    help = ("Build a data set of --scale approval cases (with halls, directors and road projects) in a "
            "separate database (<DB>_benchmark on PostgreSQL, var/benchmark.sqlite3 on SQLite; another scale "
            "than the default gets its own, e.g. <DB>_benchmark_2000), then time "
            "each scenario several times and print our median beside its counterpart's, the ratio, the "
            "target and pass/fail. The data set is kept for the next run of the same scale.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        lines = ["scenarios:"]
        for item in benchmarking.scenarios().values():
            lines.append(f"  {item.name}")
            lines += textwrap.wrap(f"{item.help} Target: {item.target}.", 76,
                                   initial_indent="      ", subsequent_indent="      ")
        parser.epilog = "\n".join(lines)
        import argparse
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=benchmarking.DEFAULT_SCALE,
                            help="Approval cases to generate (default 1,000,000; CI uses 2,000).")
        parser.add_argument("--only", action="append", default=[], metavar="NAME",
                            help="Run only this scenario (repeatable, or comma-separated).")
        parser.add_argument("--repeat", type=int, default=5, help="Timed runs per scenario (median; default 5).")
        parser.add_argument("--http-seconds", type=int, default=30,
                            help="Length of each load phase of the http scenario (default 30).")
        parser.add_argument("--json", dest="json_file", metavar="FILE", help="Also write the results as JSON to FILE.")
        parser.add_argument("--rebuild", action="store_true", help="Drop the benchmark database and build it anew.")
        parser.add_argument("--list", dest="list_only", action="store_true", help="List the scenarios and stop.")

    def handle(self, *args, scale, only, repeat, http_seconds, json_file, rebuild, list_only, **options):
        known = benchmarking.scenarios()
        if list_only:
            for item in known.values():
                self.stdout.write(f"{item.name}: {item.help} Target: {item.target}.")
            return
        wanted = [name.strip() for value in only for name in value.split(",") if name.strip()] or [*known]
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise CommandError(f"Unknown scenario(s): {', '.join(unknown)}. Known: {', '.join(known)}")
        if scale < 100 or repeat < 1:
            raise CommandError("--scale must be at least 100 and --repeat at least 1.")
        ctx = benchmarking.Context(scale=scale, repeat=repeat, log=self.stdout.write, http_seconds=http_seconds)
        results = []
        # Chinese pages as the users see them, DEBUG off as in production (no query log, no template
        # debug data); the plain admin served beside the real one.
        with translation.override("zh-hans"), \
                override_settings(ROOT_URLCONF="policyops.benchmark_urls", DEBUG=False), \
                benchmarking.bench_database(rebuild=rebuild, scale=scale, log=self.stdout.write) as (built, mark):
            if not built:
                for builder in benchmarking.builders():
                    self.stdout.write(f"Building data: {builder.name} …")
                    builder.build(ctx)
                self.stdout.write("Building data: VACUUM (ANALYZE) …")
                benchmarking.settle_data_set()
                mark()
            benchmarking.settle_like_a_worker()
            for name in wanted:
                self.stdout.write(f"Running {name} …")
                result = known[name].measure(ctx)
                results.append(result)
                self.stdout.write(benchmarking.table([result]).splitlines()[-1])
        self.stdout.write("\n" + benchmarking.table(results))
        if json_file:
            with open(json_file, "w", encoding="utf-8") as out:
                out.write(_json_dump({"scale": scale, "repeat": repeat, "results": [r.as_dict() for r in results]}))
        failed = [r.name for r in results if r.passed is False]
        if failed:
            self.stdout.write(self.style.WARNING(f"Targets missed: {', '.join(failed)}"))


def _json_dump(payload) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str)
