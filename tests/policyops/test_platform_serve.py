"""``manage.py serve`` stops its Celery worker and beat with it, and never starts a second beat."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from policyops.management.commands import serve

BASE_DIR = Path(settings.BASE_DIR)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has stopped; only its parent's wait is missing


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split(") ", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_for(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def beat_tables(path: Path) -> None:
    """A SQLite file with django-celery-beat's tables only: all the worker and beat read (a full
    migrate takes longer than this whole test)."""
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper
    from django_celery_beat import models as beat

    conf = connections.configure_settings({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}})
    connection = DatabaseWrapper(conf["default"], alias="platform_serve_test")
    try:
        with connection.schema_editor(atomic=False) as editor:
            for model in (beat.IntervalSchedule, beat.CrontabSchedule, beat.SolarSchedule, beat.ClockedSchedule,
                          beat.PeriodicTask, beat.PeriodicTasks):
                editor.create_model(model)
    finally:
        connection.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_term_on_serve_stops_the_worker_and_the_beat(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        beat_tables(tmp_path / "db.sqlite3")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "POLICYOPS_VAR_DIR": str(tmp_path),
           "CELERY_BROKER_URL": "filesystem://", "DJANGO_SETTINGS_MODULE": "policyops.settings"}
    env.pop("PYTEST_XDIST_WORKER", None)
    proc = subprocess.Popen([sys.executable, "manage.py", "serve", f"127.0.0.1:{free_port()}"], cwd=BASE_DIR, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        worker = wait_for(lambda: children(proc.pid), 30)
        assert worker, "serve started no worker"
        worker = worker[0]
        beats = wait_for(lambda: children(worker), 30)  # the embedded beat is the worker's child
        assert beats, "the worker started no beat"
        assert wait_for(lambda: (tmp_path / "celery-worker-beat.pid").exists(), 10)

        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        assert wait_for(lambda: not any(alive(pid) for pid in [worker, *beats]), 10)
        assert not (tmp_path / "celery-worker-beat.pid").exists()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def var_dir(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_a_second_serve_refuses_while_the_first_ones_worker_is_alive(var_dir, monkeypatch):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "celery"])
    try:
        (var_dir / "celery-worker-beat.pid").write_text(f"{sleeper.pid}\n")
        monkeypatch.setattr("subprocess.Popen", lambda *a, **kw: pytest.fail("started a worker"))
        with pytest.raises(CommandError, match=str(sleeper.pid)):
            call_command("serve", "127.0.0.1:1")
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_pid_file_left_by_a_crash_is_stale(var_dir):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (var_dir / "celery-worker-beat.pid").write_text(f"{dead.pid}\n")
    assert serve.running_beat_pid() is None


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_a_pid_reused_by_another_program_is_not_a_beat(var_dir):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        wait_for(lambda: Path(f"/proc/{sleeper.pid}/cmdline").read_bytes(), 5)
        (var_dir / "celery-worker-beat.pid").write_text(f"{sleeper.pid}\n")
        assert serve.running_beat_pid() is None
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.parametrize(("addrport", "url"), [
    ("", "http://127.0.0.1:8000"),
    ("8001", "http://127.0.0.1:8001"),
    ("0.0.0.0:8080", "http://127.0.0.1:8080"),
    ("192.168.1.5:9000", "http://192.168.1.5:9000"),
    ("[::]:8000", "http://[::1]:8000"),
])
def test_the_address_printed_is_the_one_served(addrport, url):
    assert serve.display_address(addrport) == url


def test_demo_prints_the_address_it_was_given(monkeypatch):
    from io import StringIO

    from policyops.management.commands import demo

    monkeypatch.setattr(demo, "call_command", lambda *a, **kw: None)
    monkeypatch.setattr(demo, "build_demo", lambda log: None)
    out = StringIO()
    call_command("demo", "0.0.0.0:8123", stdout=out)
    assert "http://127.0.0.1:8123/admin/" in out.getvalue() and "8000" not in out.getvalue()
