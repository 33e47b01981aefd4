"""A real Celery worker and beat against Redis and the test database (CI runs these).

They need Redis (CELERY_BROKER_URL=redis://…) and PostgreSQL (the worker process must
see the test database); elsewhere they are skipped.
"""
import datetime as dt
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from policyops.models import Notification
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory

BROKER = os.environ.get("CELERY_BROKER_URL", "")
pytestmark = [
    pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs Redis (CELERY_BROKER_URL=redis://…)"),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                       reason="the worker must share the test database (PostgreSQL)"),
    pytest.mark.django_db(transaction=True),
]


def worker_broker_url(worker=os.environ.get("PYTEST_XDIST_WORKER", "gw0")):
    """A Redis database per xdist worker (15, 14, …), flushed by each test.

    Two workers may run these tests at once, and a flush must not take the other's queued
    tasks. (xdist_group cannot keep them on one worker: pytest 9.2 ignores the group
    suffix that pytest-xdist 3.8 writes into the node id.)
    """
    return BROKER.rsplit("/", 1)[0] + f"/{15 - int(worker.removeprefix('gw')) % 8}"


TEST_BROKER = worker_broker_url()
ROOT = Path(__file__).resolve().parents[2]


class Broker:
    """Publishes to the test's own Redis database (the app's pool keeps the default one)."""

    def __init__(self, app):
        self.app = app

    def send(self, task):
        with self.app.connection_for_write(TEST_BROKER) as conn:
            return task.apply_async(connection=conn)


@pytest.fixture
def broker():
    import redis

    client = redis.Redis.from_url(TEST_BROKER)
    client.flushdb()
    from policyops.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield Broker(app)
    app.conf.task_always_eager = eager
    client.flushdb()


@pytest.fixture
def start_worker(tmp_path):
    workers = []

    def start(*, beat=False, extra_env=None):
        db = connection.settings_dict
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "policyops.settings", "CELERY_BROKER_URL": TEST_BROKER,
               "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
               "EMAIL_FILE_PATH": str(tmp_path / "mail"), "POLICYOPS_VAR_DIR": str(tmp_path / "var"),
               "DB_CONN_MAX_AGE": "0", **(extra_env or {})}
        cmd = [sys.executable, "-m", "celery", "-A", "policyops", "worker", "--pool=solo", "--loglevel=WARNING",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"it{len(workers)}@%h"]
        if beat:
            cmd += ["-B", "--schedule", str(tmp_path / "beat-schedule")]
        log = open(tmp_path / f"worker{len(workers)}.log", "w")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        workers.append(proc)
        return proc

    yield start
    for proc in workers:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


# Generous: on two cores the xdist workers run other tests beside the Celery worker, whose
# start alone (Django, Celery, the broker) can then take tens of seconds. A passing wait
# returns as soon as its predicate holds.
def wait_for(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def emails(tmp_path):
    folder = tmp_path / "mail"
    return sorted(folder.glob("*.log")) if folder.exists() else []


@pytest.fixture
def overdue_tasks():
    unit = DepartmentFactory(name="市测试局")
    users = [make_user(Role.CLERK, department=unit, email=f"w{i}@example.cn") for i in range(3)]
    PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2020, 1, 6))
    return users


def sent_emails():
    return Notification.objects.filter(channel="email", status="sent").count()


def test_a_reminder_is_delivered_once(broker, start_worker, overdue_tasks, tmp_path):
    from policyops.tasks import sweep_policy_tasks

    start_worker()
    broker.send(sweep_policy_tasks)
    assert wait_for(lambda: sent_emails() == 3)
    assert len(emails(tmp_path)) >= 1
    broker.send(sweep_policy_tasks)
    time.sleep(3)
    assert Notification.objects.filter(channel="email").count() == 3
    assert sent_emails() == 3


def test_beat_runs_the_sweep_and_delivery_happens(broker, start_worker, overdue_tasks):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_2s, _ = IntervalSchedule.objects.get_or_create(every=2, period="seconds")
    PeriodicTask.objects.filter(task="policyops.tasks.sweep_policy_tasks").update(enabled=False)
    PeriodicTask.objects.create(name="test sweep", task="policyops.tasks.sweep_policy_tasks", interval=every_2s)
    start_worker(beat=True)
    assert wait_for(lambda: sent_emails() == 3, timeout=120)
    time.sleep(5)  # more beats: still exactly one message each
    assert Notification.objects.filter(channel="email").count() == 3


class FlakyGateway(http.server.BaseHTTPRequestHandler):
    calls = []

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        FlakyGateway.calls.append(self.headers.get("X-PolicyOps-Signature"))
        self.send_response(500 if len(FlakyGateway.calls) == 1 else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_failed_send_is_retried_then_delivered(broker, start_worker, overdue_tasks, settings):
    FlakyGateway.calls = []
    server = http.server.HTTPServer(("127.0.0.1", 0), FlakyGateway)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/sms"
    settings.SMS_WEBHOOK_URL, settings.SMS_WEBHOOK_SECRET = url, "s3cret"  # so notify() queues the channel
    from policyops.tasks import deliver_notifications, sweep_policy_tasks

    users = overdue_tasks[:1]
    for user in overdue_tasks[1:]:
        user.is_active = False
        user.save()
    start_worker(extra_env={"SMS_WEBHOOK_URL": url, "SMS_WEBHOOK_SECRET": "s3cret",
                            "NOTIFICATION_BACKOFF_SECONDS": "1"})
    broker.send(sweep_policy_tasks)
    webhook = Notification.objects.filter(channel="webhook")
    # The failure recorded (attempts=1 alone is also the claim, before the send).
    assert wait_for(lambda: webhook.filter(attempts=1).exclude(last_error="").exists())
    assert webhook.get().status == "pending" and webhook.get().last_error
    time.sleep(1.5)
    broker.send(deliver_notifications)
    assert wait_for(lambda: webhook.filter(status="sent").exists())
    assert webhook.get().attempts == 2 and len(FlakyGateway.calls) == 2
    assert users[0].notifications.filter(channel="webhook").count() == 1
    server.shutdown()


def test_a_worker_killed_mid_sweep_loses_nothing(broker, start_worker, tmp_path):
    unit = DepartmentFactory(name="市测试局")
    users = [make_user(Role.CLERK, department=unit, email=f"k{i}@example.cn") for i in range(40)]
    for _ in range(5):
        PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2020, 1, 6))
    from policyops.tasks import sweep_policy_tasks

    worker = start_worker()
    broker.send(sweep_policy_tasks)
    wait_for(lambda: Notification.objects.exists(), timeout=60)
    os.killpg(worker.pid, signal.SIGKILL)  # wherever it was: sweeping or delivering
    worker.wait(timeout=10)
    # A message it was sending stays claimed for notifications.LEASE (5 minutes): moved here.
    Notification.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    start_worker()
    broker.send(sweep_policy_tasks)  # the next scheduled run catches up
    expected = len(users) * 5
    unsent = Notification.objects.exclude(status="sent")
    assert wait_for(lambda: sent_emails() == expected, timeout=180), (
        sent_emails(), list(unsent.values_list("channel", "status", "attempts", "last_error")[:5]))
    assert Notification.objects.filter(channel="email").count() == expected
