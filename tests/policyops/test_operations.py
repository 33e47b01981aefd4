"""Operating PolicyOps as a city deployment: probes, request ids, JSON logs, metrics, shared calendar."""
import datetime as dt
import importlib.util
import json
import logging
import re
import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from policyops import calendar, health, metrics
from policyops.logging_json import ContextFilter, JsonFormatter
from policyops.models import CalendarOverride, Notification
from tests.conftest import make_user, next_request

pytestmark = pytest.mark.django_db


class Records(logging.Handler):
    """Collects records, through the same filter as the real handler."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.addFilter(ContextFilter())
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def records():
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler.records
    root.removeHandler(handler)


# --- /healthz and /readyz --------------------------------------------------------------

def test_healthz_answers_ok_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_reports_every_component_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "migrations": "ok", "broker": "ok", "cache": "ok"}


def test_readyz_names_the_failed_component_and_nothing_more(client, monkeypatch):
    def down():
        raise OSError("connection refused by db.internal:5432 password=secret")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"database": "error", "migrations": "error", "broker": "ok", "cache": "ok"}
    assert b"db.internal" not in response.content


def test_readyz_refuses_while_migrations_are_unapplied(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(health, "_migrations_applied", type(health._migrations_applied)())
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("approvals", "9999_new")])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "error"


def test_readyz_gives_up_on_an_unreachable_broker_quickly(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["broker"] == "error"
    assert time.monotonic() - started < 5


# --- request ids and logs --------------------------------------------------------------

def test_each_request_gets_a_new_id_in_the_response(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a-01"})
    assert response["X-Request-ID"] == "edge-7f3a-01"


@pytest.mark.parametrize("incoming", ["a" * 65, "id with spaces", "x\r\nSet-Cookie: a=b", "id;drop", "标识"])
def test_an_unsafe_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_log_lines_written_during_a_request_carry_its_id(client, monkeypatch, records):
    def down():
        raise OSError("refused")

    monkeypatch.setitem(health.CHECKS, "cache", down)
    response = client.get("/readyz", headers={"X-Request-ID": "req-42"})
    logged = [r for r in records if r.name == "policyops.health"]
    assert logged and all(r.request_id == "req-42" for r in logged)
    # Django logs the 503 after the middleware has returned: the id is read from the request.
    late = [r for r in records if r.name == "django.request"]
    assert late and late[0].request_id == response["X-Request-ID"] == "req-42"


def test_a_log_line_outside_any_request_has_no_id(records):
    logging.getLogger("policyops.test").warning("no request here")
    assert records[-1].request_id == "-" and records[-1].task_id == "-"


def test_a_celery_tasks_log_lines_carry_the_task_id(records):
    from policyops.celery import app

    @app.task(name="tests.operations.log_something")
    def log_something():
        logging.getLogger("policyops.test").warning("in a task")

    log_something.apply(task_id="task-0001")
    assert [r.task_id for r in records if r.getMessage() == "in a task"] == ["task-0001"]


def test_the_json_formatter_writes_one_object_per_line_with_the_ids():
    record = logging.LogRecord("policyops.test", logging.WARNING, __file__, 1, "案件 %s 已逾期", ("PD-1",), None)
    ContextFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "案件 PD-1 已逾期"
    assert data["level"] == "WARNING" and data["logger"] == "policyops.test"
    assert data["request_id"] == "-" and data["task_id"] == "-"
    assert "案件" in line  # Chinese kept readable, not \\u escapes


def test_settings_choose_json_logs_by_log_format(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == ("json" if settings.LOG_FORMAT == "json" else "console")
    assert "refusal_one_line" in settings.LOGGING["loggers"]["django.request"]["filters"]


# --- /metrics --------------------------------------------------------------------------

def sample(text: str, name: str, **labels) -> float | None:
    """The value of ``name{labels}`` in an exposition, or None."""
    for line in text.splitlines():
        if line.startswith((name + "{", name + " ")):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0] if "{" not in line
                                    else line[:line.index("}") + 1]))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


def scrape(client, **extra) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_metrics_count_requests_by_view_and_status_class(client):
    before = sample(scrape(client), "policyops_http_request_duration_seconds_count", view="healthz", status="2xx") or 0
    client.get("/healthz")
    client.get("/healthz")
    text = scrape(client)
    assert sample(text, "policyops_http_request_duration_seconds_count", view="healthz", status="2xx") == before + 2


def test_metrics_refuse_other_addresses(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"policyops_" not in response.content


def test_metrics_allow_a_configured_network(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_metrics_allow_the_bearer_token_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-tokem")
    assert (ok.status_code, wrong.status_code) == (200, 403)


def test_metrics_behind_a_proxy_judge_the_client_not_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # nginx on this machine forwards everyone from 127.0.0.1
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403


def pending(user, n):
    now = timezone.now()
    for i in range(n):
        Notification.objects.create(recipient=user, kind="test", content_type_id=1, object_id=str(i),
                                    due_date=dt.date(2026, 1, 5), channel="email", subject="s",
                                    created_at=now, next_attempt_at=now)


def test_metrics_count_pending_notifications_up_to_the_cap(client, monkeypatch):
    user = make_user()
    Notification.objects.all().delete()
    pending(user, 3)
    assert sample(scrape(client), "policyops_notifications_pending") == 3
    monkeypatch.setattr(metrics, "PENDING_NOTIFICATIONS_CAP", 2)
    assert sample(scrape(client), "policyops_notifications_pending") == 2


def test_no_queue_length_without_a_redis_broker(client, settings):
    settings.CELERY_BROKER_URL = "filesystem://"
    assert "policyops_celery_queue_length" not in scrape(client)


def test_the_queue_length_is_the_redis_list_length(client, settings):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/7"  # not a database the Celery tests flush (15…8)
    server = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    server.delete("celery")
    server.rpush("celery", "a", "b", "c")
    try:
        settings.CELERY_BROKER_URL = url
        assert sample(scrape(client), "policyops_celery_queue_length", queue="celery") == 3
    finally:
        server.delete("celery")


def sweep_runs(client, name, kind="runs"):
    return sample(scrape(client), f"policyops_sweep_{kind}_total", sweep=name) or 0


def test_a_sweep_run_is_recorded_for_metrics(client):
    from policyops.tasks import sweep_policy_tasks

    before = sweep_runs(client, "sweep_policy_tasks")
    sweep_policy_tasks.apply()
    text = scrape(client)
    assert sample(text, "policyops_sweep_runs_total", sweep="sweep_policy_tasks") == before + 1
    assert sample(text, "policyops_sweep_last_duration_seconds", sweep="sweep_policy_tasks") >= 0
    assert sample(text, "policyops_sweep_last_success_timestamp_seconds", sweep="sweep_policy_tasks") > 0


def test_a_failing_sweep_is_counted_as_failed_and_still_raises(client):
    @metrics.timed_sweep
    def sweep_that_breaks():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        sweep_that_breaks()
    assert sweep_runs(client, "sweep_that_breaks", "failures") >= 1
    assert sample(scrape(client), "policyops_sweep_last_success_timestamp_seconds", sweep="sweep_that_breaks") is None
    metrics._sweeps.discard("sweep_that_breaks")


def test_a_sweep_still_succeeds_when_the_cache_is_down(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "set_many", down)

    @metrics.timed_sweep
    def sweep_fine():
        return 7

    assert sweep_fine() == 7
    metrics._sweeps.discard("sweep_fine")


# --- the calendar, shared across processes ------------------------------------------------

def other_process_calendar():
    """A second copy of policyops.calendar with its own per-process cache, as another process has."""
    spec = importlib.util.spec_from_file_location("policyops_calendar_other", calendar.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_calendar_change_in_one_process_is_seen_by_another_on_its_next_request(
        django_capture_on_commit_callbacks):
    other = other_process_calendar()
    day = dt.date(2031, 3, 5)  # a Wednesday
    assert calendar.is_working_day(day) and other.is_working_day(day)  # both have cached the calendar
    with django_capture_on_commit_callbacks(execute=True):
        CalendarOverride.objects.create(date=day, is_working_day=False, name="测试")
        calendar.overrides_changed([day])
    assert calendar.is_working_day(day) is False  # the process that changed it
    next_request()  # the other process's next request
    assert other.is_working_day(day) is False
    assert other.add_working_days(dt.date(2031, 3, 4), 1) == dt.date(2031, 3, 6)


def test_within_a_request_the_calendar_asks_for_its_version_once(monkeypatch):
    calendar.is_working_day(dt.date(2031, 3, 5))
    asked = []
    real = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *a, **k: asked.append(key) or real(key, *a, **k))
    next_request()
    for offset in range(50):
        calendar.add_working_days(dt.date(2031, 3, 2), offset)
    assert asked.count(calendar._VERSION_KEY) == 1


def test_the_calendar_keeps_working_when_the_shared_cache_is_down(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "get", down)
    assert calendar.is_working_day(dt.date(2031, 3, 5)) is True
