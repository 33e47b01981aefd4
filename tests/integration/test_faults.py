"""Faults survived (issue 13 #3 and #10): a worker killed mid-delivery, Redis stopped while
reminders are sent, a beat that did not run for three days. Each ends in "nothing lost,
nothing duplicated".

The first two run a real Celery worker process, so, like test_celery_redis.py, they need
PostgreSQL (shared with the worker) and Redis; the third runs the sweep in this process.
"""
import datetime as dt
import http.server
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from policyops import notifications
from policyops.calendar import add_working_days
from policyops.enqueue import enqueue
from policyops.models import Notification
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory
from tests.halls.conftest import (  # noqa: F401 (fixtures of the rota)
    clock,
    hall,
    rota_manager,
)
from tests.halls.test_pages import DAY, at, free_on_the_day, rota, shift_of  # noqa: F401 (fixtures)
from tests.integration.test_celery_redis import (  # noqa: F401 (fixtures)
    BROKER,
    broker,
    start_worker,
    wait_for,
)

WITH_WORKER = [
    pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs Redis (CELERY_BROKER_URL=redis://…)"),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                       reason="the worker must share the test database (PostgreSQL)"),
    pytest.mark.django_db(transaction=True),
]


def with_worker(test):
    for mark in WITH_WORKER:
        test = mark(test)
    return test


def key_of(notification) -> str:
    return notifications.idempotency_key(notification)


# --- (a) a worker SIGKILLed in the middle of a delivery batch -----------------------------------------------


class CountingGateway(http.server.BaseHTTPRequestHandler):
    """A slow SMS gateway: counts the requests it received per Idempotency-Key."""

    received: Counter = Counter()  # noqa: RUF012 (reset by the fixture)
    lock = threading.Lock()
    SECONDS = 0.4  # per message: the batch of ten takes ~4 s, time to kill the worker in it

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        with CountingGateway.lock:
            CountingGateway.received[self.headers["Idempotency-Key"]] += 1
        time.sleep(self.SECONDS)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    CountingGateway.received = Counter()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingGateway)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()


@with_worker
def test_a_worker_killed_mid_batch_delivers_each_message_once_after_a_restart(
        broker, start_worker, gateway, settings):  # noqa: F811 (imported fixtures)
    from policyops.tasks import deliver_notifications

    settings.SMS_WEBHOOK_URL, settings.SMS_WEBHOOK_SECRET = gateway, "s3cret"  # the batch queues the channel
    unit = DepartmentFactory(name="市测试局")
    users = [make_user(Role.CLERK, department=unit, email="") for _ in range(10)]
    batch = notifications.NotificationBatch(now=timezone.now())
    batch.add(recipients=users, kind="k", obj=PolicyTaskFactory(lead_unit=unit), due_date=DAY, subject="到期提醒")
    batch.save()
    sms = Notification.objects.filter(channel="webhook")
    env = {"SMS_WEBHOOK_URL": gateway, "SMS_WEBHOOK_SECRET": "s3cret"}

    worker = start_worker(extra_env=env)
    broker.send(deliver_notifications)
    assert wait_for(lambda: sum(CountingGateway.received.values()) >= 3)
    os.killpg(worker.pid, signal.SIGKILL)  # in the middle of the batch
    worker.wait(timeout=10)
    received = CountingGateway.received
    # Each message is recorded sent right after its send: all but the one in flight.
    assert sum(received.values()) - 1 <= sms.filter(status="sent").count() < 10
    # At most the message it was sending is left claimed (attempt counted, lease running).
    claimed = list(sms.filter(status="pending", attempts=1))
    assert len(claimed) <= 1
    # Its lease runs out (5 minutes: moved here), a new worker starts, beat's next delivery comes.
    sms.filter(status="pending").update(next_attempt_at=timezone.now())
    start_worker(extra_env=env)
    broker.send(deliver_notifications)
    assert wait_for(lambda: sms.filter(status="sent").count() == 10), list(sms.values_list("status", "attempts"))

    # Nothing lost: every message reached the gateway. Nothing duplicated: each key once, but
    # for the one in flight at the kill, repeated with its own key (the gateway drops it by that).
    assert set(received) == {key_of(n) for n in sms}
    repeated = {key for key, count in received.items() if count > 1}
    assert repeated <= {key_of(n) for n in claimed} and max(received.values()) <= 2


# --- (b) Redis stops while reminders are sent -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A redis-server of this test alone, on a spare port, that the test kills and restarts."""

    def __init__(self, folder):
        self.port, self.folder, self.proc = free_port(), folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no", "--daemonize", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        import redis

        assert wait_for(lambda: self._pings(redis), timeout=20), "redis-server did not start"

    def _pings(self, redis):
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.ConnectionError:
            return False

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path, monkeypatch):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    server = OwnRedis(tmp_path)
    server.start()
    from policyops.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=server.url, task_always_eager=False)  # this process publishes there too
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)  # Celery prefers it to its conf
    reset_pools(app)
    yield server
    app.conf.update(saved)
    reset_pools(app)
    if server.proc.poll() is None:
        server.kill()


def reset_pools(app):
    # Dropped, not closed: kombu keeps one pool per broker URL for the whole process.
    app._pool = None
    app.amqp._producer_pool = None


def message_ids(folder) -> Counter:
    """The idempotency keys of the emails the worker wrote (file backend), counted."""
    found = Counter()
    for path in folder.glob("*.log") if folder.exists() else []:
        found.update(re.findall(r"^Message-ID: <(policyops-notification-\d+)@", path.read_text(), re.MULTILINE))
    return found


@with_worker
def test_redis_stopped_while_reminders_are_sent_delays_them_and_loses_none(
        own_redis, start_worker, client, rota, clock, tmp_path):  # noqa: F811 (imported fixtures)
    from policyops.tasks import deliver_notifications, sweep_policy_tasks

    unit = DepartmentFactory(name="市测试局")
    clerks = [make_user(Role.CLERK, department=unit, email=f"r{i}@example.cn") for i in range(3)]
    PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2020, 1, 6))
    start_worker(extra_env={"CELERY_BROKER_URL": own_redis.url})
    own_redis.kill()

    # A web step that notifies (and queues its delivery) still answers at once.
    director, substitute = rota["a"], free_on_the_day(rota["b"])
    client.force_login(director.person.user)
    clock(at(18, day=DAY - dt.timedelta(days=1)))
    started = time.monotonic()
    response = client.post(reverse("halls:file_substitution", args=[shift_of(director).pk]),
                           {"substitute": substitute.pk, "reason": "参加全市会议"})
    assert response.status_code == 302 and time.monotonic() - started < 5
    # The reminder sweep runs to its end; its delivery cannot be queued.
    assert sweep_policy_tasks.apply().successful()
    emails = Notification.objects.filter(channel="email")
    assert emails.filter(kind="policy_task.overdue", recipient__in=clerks).count() == 3
    assert emails.filter(kind="shift.substitution_filed").exists()
    assert set(emails.values_list("status", flat=True)) == {"pending"}

    own_redis.start()  # Redis is back (empty: it kept nothing)
    failures = []
    enqueue(deliver_notifications, after_commit=False, on_failure=failures.append)  # beat's next minute
    assert failures == []
    assert wait_for(lambda: not emails.exclude(status="sent").exists()), list(
        emails.values_list("status", "attempts", "last_error"))

    # Nothing lost, nothing duplicated: each message written once, under its own key.
    assert message_ids(tmp_path / "mail") == Counter({key_of(n): 1 for n in emails})


# --- (c) the beat does not run for three days -----------------------------------------------------------------

MONDAY = dt.datetime(2024, 10, 21, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
THURSDAY = MONDAY + dt.timedelta(days=3)


def run_sweep_at(monkeypatch, moment):
    from policyops.tasks import sweep_policy_tasks

    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    before = set(Notification.objects.values_list("pk", flat=True))
    assert sweep_policy_tasks.apply().successful()
    return Notification.objects.exclude(pk__in=before)


@pytest.mark.django_db
def test_three_days_without_beat_are_caught_up_once(monkeypatch):
    unit = DepartmentFactory(name="市测试局")
    users = [make_user(Role.CLERK, department=unit, email=f"b{i}@example.cn") for i in range(2)]
    far = PolicyTaskFactory(lead_unit=unit, deadline=add_working_days(MONDAY.date(), 7))  # Thursday: 4 left
    tomorrow = PolicyTaskFactory(lead_unit=unit, deadline=add_working_days(MONDAY.date(), 1))  # overdue by then
    thursday = PolicyTaskFactory(lead_unit=unit, deadline=THURSDAY.date())  # due that day
    late = PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2024, 10, 8))  # overdue already on Monday
    run_sweep_at(monkeypatch, MONDAY)  # the last run before the beat stopped

    caught_up = run_sweep_at(monkeypatch, THURSDAY).filter(recipient__in=users)  # the first run after three days
    expected = {(str(far.pk), "policy_task.due_in_5"), (str(tomorrow.pk), "policy_task.overdue"),
                (str(thursday.pk), "policy_task.due_in_0")}
    per_user = Counter(caught_up.values_list("object_id", "kind", "channel"))
    assert set(per_user) == {(obj, kind, channel) for obj, kind in expected for channel in ("inbox", "email")}
    assert set(per_user.values()) == {len(users)}  # each reached threshold, once per user and channel
    assert not caught_up.filter(object_id=str(late.pk)).exists()  # its overdue reminder went out on Monday

    # Nothing lost, nothing duplicated: a second run that day adds nothing.
    assert not run_sweep_at(monkeypatch, THURSDAY + dt.timedelta(hours=1)).exists()
