"""A city deployment on one machine: 2 gunicorns, 2 Celery workers each with a beat, Redis, PostgreSQL.

Runs only with PostgreSQL and Redis (like test_celery_redis, whose helpers it reuses). It
shows, while logged-in requests and sweeps run at the same time:

- every reminder reaches the SMS gateway exactly once, although two beats schedule every
  sweep twice: the guarantee is not a single beat but the sweeps themselves (the
  notification's unique key: a second insert is a no-op) and delivery's SKIP LOCKED claim;
- a calendar change made through one gunicorn is seen by the other's next request;
- killing a gunicorn worker mid-load loses no request that was answered as done;
- /metrics adds up every worker's samples; the logs are JSON lines with the request id.
"""
import datetime as dt
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from policyops.benchmarking import session_cookie
from policyops.models import Notification
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory, UserFactory
from tests.integration.test_celery_redis import ROOT, start_worker, wait_for  # noqa: F401 (fixture)

BROKER = os.environ.get("CELERY_BROKER_URL", "")
pytestmark = [
    pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs Redis (CELERY_BROKER_URL=redis://…)"),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                       reason="the processes must share the test database (PostgreSQL)"),
    pytest.mark.django_db(transaction=True),
]
# Redis databases of their own (test_celery_redis flushes 15…8 per xdist worker; 0 and 1 are the app's).
DEPLOY_BROKER = BROKER.rsplit("/", 1)[0] + "/6"
DEPLOY_CACHE = BROKER.rsplit("/", 1)[0] + "/5"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gateway(http.server.BaseHTTPRequestHandler):
    """The SMS gateway: counts deliveries by notification id."""

    received: Counter = Counter()  # noqa: RUF012 (reset by the fixture)
    lock = threading.Lock()

    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with Gateway.lock:
            Gateway.received[payload["id"]] += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def deployment(tmp_path, start_worker):  # noqa: F811
    import redis

    for url in (DEPLOY_BROKER, DEPLOY_CACHE):
        redis.Redis.from_url(url).flushdb()
    Gateway.received = Counter()
    gateway = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=gateway.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    db = connection.settings_dict
    env = {"CELERY_BROKER_URL": DEPLOY_BROKER, "CACHE_URL": DEPLOY_CACHE,
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "SMS_WEBHOOK_URL": f"http://127.0.0.1:{gateway.server_port}/sms", "SMS_WEBHOOK_SECRET": "s3cret",
           "LOG_FORMAT": "json", "POLICYOPS_VAR_DIR": str(tmp_path / "var"),
           "SECRET_KEY": settings.SECRET_KEY}  # the sessions made here must hold there
    webs = []

    def start_web():
        port = free_port()
        log = open(tmp_path / f"web{len(webs)}.log", "w")  # noqa: SIM115 (the process writes it)
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:policyops.gunicorn_conf", "-b", f"127.0.0.1:{port}",
             "policyops.wsgi"],
            cwd=ROOT, env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "policyops.settings", "WEB_CONCURRENCY": "2"},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        webs.append((proc, f"http://127.0.0.1:{port}", tmp_path / f"web{len(webs)}.log"))
        return webs[-1]

    yield {"start_web": start_web, "start_worker": lambda: start_worker(beat=True, extra_env=env)}
    for proc, _url, _log in webs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    gateway.shutdown()


def get(url, cookie="", headers=None, data=None, timeout=20):
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie, **(headers or {})})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=timeout) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def up(base):
    try:
        return get(base + "/healthz", timeout=2)[0] == 200
    except OSError:
        return False


def worker_pids(master_pid) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


CSRF = "c" * 32  # a CSRF secret of our own: the cookie and the form field carry the same value


def import_official_year(base, cookie, year):
    boundary = "----policyops"
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("csrfmiddlewaretoken", CSRF), ("year", year), ("notice", "测试")))
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{year}.csv"\r\n'
             f"Content-Type: text/csv\r\n\r\ndate,type,name\r\n{year}-01-01,休,元旦\r\n--{boundary}--\r\n")
    return get(base + "/admin/policyops/calendaroverride/import-official-year/", f"{cookie}; csrftoken={CSRF}",
               {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body.encode())


def test_a_city_deployment(deployment, tmp_path):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    # Reminders: 12 clerks of a unit with 2 overdue tasks: 24 SMS messages, swept every 2 s by 2 beats.
    unit = DepartmentFactory(name="市部署测试局")
    clerks = [make_user(Role.CLERK, department=unit, email=f"d{i}@example.cn") for i in range(12)]
    for _ in range(2):
        PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2020, 1, 6))
    every_2s, _ = IntervalSchedule.objects.get_or_create(every=2, period="seconds")
    PeriodicTask.objects.filter(task="policyops.tasks.sweep_policy_tasks").update(enabled=False)
    PeriodicTask.objects.create(name="deploy sweep", task="policyops.tasks.sweep_policy_tasks", interval=every_2s)
    # Writes for the load: opening an inbox message marks it read (GET /inbox/<id>/open/).
    admin = UserFactory(username="deploy-admin", is_staff=True, is_superuser=True)
    now = timezone.now()
    content_type_id = ContentType.objects.get_for_model(Notification).pk
    inbox = Notification.objects.bulk_create(
        Notification(recipient=admin, kind="deploy", content_type_id=content_type_id, object_id=str(i),
                     due_date=dt.date(2026, 1, 5),
                     channel="inbox", subject=f"消息 {i}", status="sent", created_at=now, sent_at=now)
        for i in range(120))
    cookie = session_cookie("deploy-admin")

    proc_a, web_a, log_a = deployment["start_web"]()
    _proc_b, web_b, _log_b = deployment["start_web"]()
    deployment["start_worker"]()
    deployment["start_worker"]()  # its beat is the second one
    assert wait_for(lambda: up(web_a) and up(web_b), timeout=120), log_a.read_text()[-2000:]

    # A calendar change through A is seen by B at once: B warns about 2027 until it is imported.
    english = f"{cookie}; django_language=en"
    warning = "The official calendar of 2027 has not been entered"
    changelist = "/admin/policyops/calendaroverride/"
    pages = [get(web_b + changelist, english) for _ in range(6)]  # both B workers cache the calendar
    assert all(warning in body for _status, body, _headers in pages), (pages[0][0], pages[0][2], cookie)
    status, body, _ = import_official_year(web_a, cookie, 2027)
    assert status == 302, body[-1500:]
    assert not any(warning in get(web_b + changelist, english)[1] for _ in range(6))

    # Load on both gunicorns while one of A's workers is killed mid-way.
    answered = {}

    def open_message(index):
        notification = inbox[index]
        base = web_a if index % 2 else web_b
        try:
            answered[notification.pk] = get(f"{base}/inbox/{notification.pk}/open/", cookie)[0]
        except OSError:  # the killed worker's connection: not answered as done
            answered[notification.pk] = None

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(open_message, i) for i in range(len(inbox))]
        while sum(f.done() for f in futures) < 20:
            time.sleep(0.05)
        victim = worker_pids(proc_a.pid)[0]
        os.kill(victim, signal.SIGKILL)
        for future in futures:
            future.result()
    done = [pk for pk, status in answered.items() if status == 302]
    assert len(done) >= 60
    assert Notification.objects.filter(pk__in=done, read_at__isnull=True).count() == 0  # none lost
    assert wait_for(lambda: up(web_a) and victim not in worker_pids(proc_a.pid), timeout=30)  # replaced

    # Every SMS reminder delivered exactly once, while the two beats kept sweeping.
    webhook = Notification.objects.filter(channel="webhook")
    expected = len(clerks) * 2
    assert wait_for(lambda: webhook.filter(status="sent").count() == expected, timeout=120), (
        webhook.count(), dict(Gateway.received))
    time.sleep(4)  # two more rounds of both beats
    assert webhook.count() == expected
    ids = set(webhook.values_list("pk", flat=True))
    assert set(Gateway.received) == ids
    assert set(Gateway.received.values()) == {1}

    # /metrics on A adds up its workers (multiprocess mode); the sweeps reported through the cache.
    for _ in range(10):
        get(web_a + "/healthz")
    metrics = get(web_a + "/metrics")[1]
    count = [line for line in metrics.splitlines()
             if line.startswith('policyops_http_request_duration_seconds_count{status="2xx",view="healthz"}')]
    assert count and float(count[0].rsplit(" ", 1)[1]) >= 10
    assert 'policyops_sweep_runs_total{sweep="sweep_policy_tasks"}' in metrics

    # The logs are JSON lines; a refused page's line carries the id the response gave.
    status, _body, headers = get(web_a + "/no-such-page/")
    assert status == 404
    time.sleep(0.5)
    lines = [json.loads(line) for line in log_a.read_text().splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == headers["X-Request-ID"] for line in lines), lines[-5:]
