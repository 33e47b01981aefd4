"""Run the whole app on one machine: web server, Celery worker and beat.

With the default settings this needs no server at all (SQLite, filesystem broker).

The worker (with the one embedded beat) is a child in its own process group. It stops
with this command however this command is stopped: Ctrl-C, ``kill -TERM``, or (Linux)
this process dying, through the kernel's parent-death signal. A pid file under
POLICYOPS_VAR_DIR makes a second ``serve`` refuse to start a second beat while the
first one's worker is alive; a pid file left by a crash is recognised as stale.
"""
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

STOP_TIMEOUT = 20  # seconds a warm shutdown may take before the worker's group is killed


def pidfile_path() -> Path:
    return Path(settings.VAR_DIR) / "celery-worker-beat.pid"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def running_beat_pid() -> int | None:
    """The pid of a live worker+beat started by another ``serve``, or None (no file, or stale)."""
    pid = read_pid(pidfile_path())
    if pid is None or pid == os.getpid() or not process_alive(pid):
        return None
    try:  # a pid reused by an unrelated program after a crash is not our worker
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # no /proc (not Linux): trust the liveness check alone
        cmdline = b""
    return None if cmdline and b"celery" not in cmdline else pid


def display_address(addrport: str) -> str:
    """The http:// address a browser opens for runserver's ADDRPORT ("8001", "0.0.0.0:8001", …)."""
    match = re.match(r"^(?:(?P<addr>\[[0-9a-fA-F:]+\]|[^:]+):)?(?P<port>\d+)$", (addrport or "").strip())
    if not match:
        return "http://127.0.0.1:8000"
    addr = match["addr"] or "127.0.0.1"
    if addr in ("0", "0.0.0.0"):  # listens everywhere: this machine reaches it on the loopback
        addr = "127.0.0.1"
    elif addr in ("[::]", "[::0]"):
        addr = "[::1]"
    return f"http://{addr}:{match['port']}"


def _die_with_parent() -> None:
    """In the child before exec: its own process group, and SIGTERM when ``serve`` dies (Linux)."""
    os.setpgrp()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: Ctrl-C and kill -TERM are still handled
        pass


def _stop_on_signal(signum, frame):
    # runserver treats KeyboardInterrupt as its normal way out; the finally below stops the worker.
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the development web server together with a Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-celery", action="store_true", help="Run the web server only.")

    def handle(self, *args, **options):
        worker = None
        if not options["no_celery"]:
            other = running_beat_pid()
            if other is not None:
                raise CommandError(
                    f"A Celery worker and beat of this installation are already running (pid {other}, "
                    f"{pidfile_path()}). Stop that 'manage.py serve' first, or run this one with --no-celery.")
            worker = self._start_worker()
        # runserver starts a thread per request: a connection kept past its request would stay
        # open per finished thread and exhaust PostgreSQL (issue 13 #9), whatever DB_CONN_MAX_AGE says.
        for database in settings.DATABASES.values():
            database["CONN_MAX_AGE"] = 0
        previous = {sig: signal.signal(sig, _stop_on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if worker is not None:
                self._stop_worker(worker)

    def _start_worker(self) -> subprocess.Popen:
        settings.CELERY_BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
        (settings.CELERY_BROKER_FOLDER / "processed").mkdir(parents=True, exist_ok=True)
        # One process runs the worker and the one beat (-B); solo pool keeps it light. Celery's
        # own --pidfile check stops a second one even if it is started by hand.
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "policyops", "worker", "-B", "--pool=solo",
             "--loglevel=INFO", "--schedule", str(settings.VAR_DIR / "celerybeat-schedule"),
             "--pidfile", str(pidfile_path())],
            env=os.environ.copy(), preexec_fn=_die_with_parent,  # noqa: PLW1509 (only os calls)
        )
        self.stdout.write(f"Celery worker and beat started (pid {worker.pid}).")
        return worker

    def _stop_worker(self, worker: subprocess.Popen) -> None:
        """Warm shutdown of the worker's whole group (worker and beat), then kill what is left."""
        for sig, timeout in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 5)):
            try:
                os.killpg(worker.pid, sig)
            except ProcessLookupError:
                break
            try:
                worker.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                continue
            # The worker has gone; its beat child may still be finishing: end the group too.
            try:
                os.killpg(worker.pid, signal.SIGKILL if sig == signal.SIGKILL else signal.SIGTERM)
            except ProcessLookupError:
                pass
            break
        if read_pid(pidfile_path()) == worker.pid:  # never another serve's file
            pidfile_path().unlink(missing_ok=True)
        self.stdout.write("Celery worker and beat stopped.")
