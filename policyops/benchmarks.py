"""The shared part of the benchmark: the machine's yardstick (the first row), and of the data
set the seeds and the demo (users of every role, halls, entrustments and seals), on which the
apps add their volume, and the logins django-axes keeps."""
import datetime as dt
import platform
import random
import sys

from axes import admin as axes_admin
from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from policyops import benchmarking
from policyops.demo import build_demo

# --- the machine ------------------------------------------------------------------------------


def interpreter() -> str:
    """Which Python runs the benchmark: its version and where it is installed (/usr for Debian's,
    ~/.pyenv/versions/… for pyenv's). Builds of one version differ by 1.2-1.8 times in speed on
    one machine (README, *Performance at city scale*), so a run names its own."""
    return f"Python {platform.python_version()} from {sys.base_prefix}"


def python_yardstick() -> None:
    """A fixed piece of pure Python (arithmetic, a dict, strings): what the interpreter does in
    every view, without Django or the database."""
    seen = {}
    for i in range(200_000):
        seen[i % 997] = f"{i}:{i * i % 101}"
    assert len(seen) == 997


@benchmarking.scenario("machine", target="— (a yardstick)",
                       help="What this machine gives any code, measured first: a logged-in trivial view in process "
                            "(session, user, middleware: the least a page costs), one PostgreSQL round trip "
                            "(SELECT 1) and a fixed piece of pure Python, and which Python ran them. No target: "
                            "the absolute ones (≤ 50 ms) were set on one machine, and machines here differ by up "
                            "to three times; compare these before comparing two runs' pages.")
def measure_machine(ctx):
    client = benchmarking.logged_in_client("clerk_pingdu")

    def trivial():
        assert client.get("/benchmark/trivial/").status_code == 200

    def round_trip():
        with connection.cursor() as cursor:
            for _ in range(100):
                cursor.execute("SELECT 1")

    repeat = max(5, ctx.repeat)
    page, _queries = benchmarking.median_seconds(trivial, repeat=repeat, rollback=False, count_queries=False)
    trip, _queries = benchmarking.median_seconds(round_trip, repeat=repeat, rollback=False, count_queries=False)
    python, _queries = benchmarking.median_seconds(python_yardstick, repeat=repeat, rollback=False,
                                                   count_queries=False)
    python_build = interpreter()
    return benchmarking.Result("machine", page, "—", passed=None,
                               notes=f"trivial view {page * 1000:.1f} ms; SELECT 1 {trip * 10_000:.0f} µs a round "
                                     f"trip; pure Python {python * 1000:.0f} ms; {python_build}",
                               figures={"round_trip_s": trip / 100, "python_s": python, "interpreter": python_build})


@benchmarking.data("seeds and demo users", order=0)
def build_base(ctx):
    call_command("load_seeds", verbosity=0)
    build_demo(log=lambda line: None)
    # The demo's users are the benchmark's actors; their passwords are never needed (force_login).


# A year of logins: about one a working day for each of the city's ~2,000 users at a million
# cases (scale / 2), and one mistyped password in twenty-five (scale / 50). django-axes writes a
# row per login (AccessLog) and per failure (AccessFailureLog) and never deletes them itself.
LOGINS_PER_CASE = 0.5
FAILURES_PER_CASE = 0.02
_BROWSERS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
             "Safari/537.36",
             "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
             "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 "
             "MicroMessenger/8.0")


@benchmarking.data("a year of logins and mistyped passwords (django-axes' logs)", order=30)
def build_login_logs(ctx):
    rng = random.Random(30)
    usernames = list(get_user_model().objects.order_by("pk").values_list("username", flat=True))
    now = timezone.now()
    year = dt.timedelta(days=365).total_seconds()
    login_path = reverse("admin:login")

    def seen(index, count):
        """The index-th of count moments spread over the past year, the oldest first."""
        return now - dt.timedelta(seconds=year * (count - index) / count)

    def visit(model, at, **fields):
        return model(username=rng.choice(usernames), ip_address=f"10.{rng.randrange(256)}.{rng.randrange(256)}.1",
                     user_agent=rng.choice(_BROWSERS), http_accept="text/html", path_info=login_path,
                     attempt_time=at, **fields)

    logins = int(ctx.scale * LOGINS_PER_CASE)
    failures = int(ctx.scale * FAILURES_PER_CASE)
    # attempt_time is auto_now_add: bulk_create would stamp every row with now.
    for model in (AccessLog, AccessFailureLog):
        model._meta.get_field("attempt_time").auto_now_add = False
    try:
        for start in range(0, logins, 20_000):
            AccessLog.objects.bulk_create(
                [visit(AccessLog, at, logout_time=at + dt.timedelta(hours=2) if rng.random() < 0.6 else None,
                       session_hash=f"{i:064x}")
                 for i in range(start, min(start + 20_000, logins)) for at in (seen(i, logins),)],
                batch_size=5000)
        AccessFailureLog.objects.bulk_create([visit(AccessFailureLog, seen(i, failures)) for i in range(failures)],
                                             batch_size=5000)
    finally:
        for model in (AccessLog, AccessFailureLog):
            model._meta.get_field("attempt_time").auto_now_add = True


# The counterpart is django-axes' own admin, as the admin showed the login log before.
benchmarking.plain_admin_site.register(AccessLog, axes_admin.AccessLogAdmin)
benchmarking.admin_list_scenario(
    "admin_login_log_superuser", AccessLog, username="admin",
    help="The admin's login log (django-axes' access logs), first page, as the superuser: a year of logins "
         "(half a million at a million cases); counterpart: django-axes' own admin (a date hierarchy, a filter "
         "on the paths in use, every login counted).")
