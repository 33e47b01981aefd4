"""Prometheus metrics, served at /metrics (prometheus-client).

- ``policyops_http_request_duration_seconds``: request latency by view name and status class,
  measured in each web process (``RequestMetricsMiddleware``). Under gunicorn's several
  workers prometheus-client runs in multiprocess mode: gunicorn_conf sets
  PROMETHEUS_MULTIPROC_DIR and every worker writes its samples there.
- ``policyops_celery_queue_length``: tasks waiting in the broker's default queue (Redis only).
- ``policyops_notifications_pending``: messages not sent yet, counted at scrape time (capped).
- ``policyops_sweep_*``: the reminder sweeps' last duration, last run, runs and failures. The
  sweeps run in Celery workers, which serve no HTTP, so ``timed_sweep`` records them in the
  shared Django cache (Redis in production) and /metrics reads them from there.

/metrics answers only the addresses in METRICS_ALLOWED_IPS or a request bearing
``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets 403.
"""
from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import os
import threading
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "policyops_http_request_duration_seconds", "Time to answer a request, by view and status class.",
    ["view", "status"],
    # Pages are expected well under a second (issue 12); imports and exports may take many.
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
# A scrape counts pending notifications up to this many: the count stays cheap however
# large a backlog grows, and any backlog this size already needs a person.
PENDING_NOTIFICATIONS_CAP = 10_000
# A scrape must answer even when Redis does not: give up on it after this long.
BROKER_TIMEOUT_SECONDS = 1.0


class RequestMetricsMiddleware:
    """Observe every request's duration under its view's name ("<unresolved>" for a 404 of no URL)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match else "<unresolved>"
        REQUEST_LATENCY.labels(view=view, status=f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started)
        return response


# --- the sweeps, recorded in the shared cache -------------------------------------------

_SWEEP_KEY = "policyops:sweep:{name}:{field}"
_sweeps: set[str] = set()  # every sweep decorated in this process (its tasks modules imported)


def _incr(key: str, delta: int = 1) -> None:
    from django.core.cache import cache

    if not cache.add(key, delta, timeout=None):
        try:
            cache.incr(key, delta)
        except ValueError:  # evicted between add and incr: start again
            cache.set(key, delta, timeout=None)


def record_sweep(name: str, *, seconds: float, ok: bool, finished_at: float) -> None:
    """Record one run of the sweep ``name``; never fails the sweep (metrics are not its job)."""
    from django.core.cache import cache

    try:
        cache.set_many({_SWEEP_KEY.format(name=name, field="last_seconds"): seconds,
                        _SWEEP_KEY.format(name=name, field="last_finished"): finished_at}, timeout=None)
        if ok:
            cache.set(_SWEEP_KEY.format(name=name, field="last_success"), finished_at, timeout=None)
        _incr(_SWEEP_KEY.format(name=name, field="runs"))
        _incr(_SWEEP_KEY.format(name=name, field="milliseconds"), round(seconds * 1000))
        if not ok:
            _incr(_SWEEP_KEY.format(name=name, field="failures"))
    except Exception:  # the cache is down: the sweep itself has done its work
        logger.warning("Could not record the metrics of sweep %s", name, exc_info=True)


def timed_sweep(func):
    """Decorator of a sweep task (below ``@shared_task``): records its duration and outcome."""
    name = func.__name__
    _sweeps.add(name)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        ok = False
        try:
            result = func(*args, **kwargs)
            ok = True
            return result
        finally:
            record_sweep(name, seconds=time.perf_counter() - started, ok=ok, finished_at=time.time())

    return wrapper


_tasks_imported = threading.Event()


def known_sweeps() -> list[str]:
    """The sweeps' names: those decorated in the apps' tasks modules (imported once)."""
    if not _tasks_imported.is_set():
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
        _tasks_imported.set()
    return sorted(_sweeps)


# --- values read at scrape time --------------------------------------------------------

_broker_clients: dict[str, object] = {}


def broker_client():
    """A Redis client of the Celery broker (short timeouts), or None when the broker is not Redis."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = _broker_clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=BROKER_TIMEOUT_SECONDS,
                                      socket_connect_timeout=BROKER_TIMEOUT_SECONDS)
        _broker_clients[url] = client
    return client


def celery_queue_length() -> tuple[str, int] | None:
    """(queue, tasks waiting) for the default queue on a Redis broker; None otherwise."""
    client = broker_client()
    if client is None:
        return None
    from kombu.transport.redis import PRIORITY_STEPS

    from policyops.celery import app

    queue = app.conf.task_default_queue
    # kombu keeps one list per priority step: "celery", "celery\x06\x163", …
    keys = [queue if step == 0 else f"{queue}\x06\x16{step}" for step in PRIORITY_STEPS]
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.llen(key)
    return queue, sum(pipe.execute())


def pending_notifications() -> int:
    """Messages not sent yet, up to PENDING_NOTIFICATIONS_CAP (the (status, next_attempt_at) index)."""
    from policyops.models import Notification

    return Notification.objects.filter(status=Notification.Status.PENDING)[:PENDING_NOTIFICATIONS_CAP].count()


class ScrapeTimeCollector:
    """The values read when /metrics is scraped; a failing source is left out, not fatal."""

    def collect(self):
        try:
            found = celery_queue_length()
        except Exception:
            logger.warning("Could not read the Celery queue length", exc_info=True)
            found = None
        if found is not None:
            queue = GaugeMetricFamily("policyops_celery_queue_length", "Tasks waiting in the broker.",
                                      labels=["queue"])
            queue.add_metric([found[0]], found[1])
            yield queue
        try:
            yield GaugeMetricFamily("policyops_notifications_pending",
                                    f"Messages not sent yet (counted up to {PENDING_NOTIFICATIONS_CAP}).",
                                    value=pending_notifications())
        except Exception:
            logger.warning("Could not count the pending notifications", exc_info=True)
        yield from self._sweeps()

    def _sweeps(self):
        from django.core.cache import cache

        names = known_sweeps()
        fields = ("last_seconds", "last_finished", "last_success", "runs", "milliseconds", "failures")
        try:
            values = cache.get_many([_SWEEP_KEY.format(name=n, field=f) for n in names for f in fields])
        except Exception:
            logger.warning("Could not read the sweeps' metrics from the cache", exc_info=True)
            return
        families = {
            "last_seconds": GaugeMetricFamily("policyops_sweep_last_duration_seconds",
                                              "Duration of the sweep's last run.", labels=["sweep"]),
            "last_finished": GaugeMetricFamily("policyops_sweep_last_run_timestamp_seconds",
                                               "When the sweep last finished (Unix time).", labels=["sweep"]),
            "last_success": GaugeMetricFamily("policyops_sweep_last_success_timestamp_seconds",
                                              "When the sweep last finished without error (Unix time).",
                                              labels=["sweep"]),
            "runs": CounterMetricFamily("policyops_sweep_runs", "Runs of the sweep.", labels=["sweep"]),
            "milliseconds": CounterMetricFamily("policyops_sweep_duration_seconds",
                                                "Time spent in the sweep, all runs.", labels=["sweep"]),
            "failures": CounterMetricFamily("policyops_sweep_failures", "Runs that raised.", labels=["sweep"]),
        }
        for name in names:
            for field, family in families.items():
                value = values.get(_SWEEP_KEY.format(name=name, field=field))
                if value is None:
                    continue
                family.add_metric([name], value / 1000 if field == "milliseconds" else value)
        yield from families.values()


class _Forward:
    """A registry's collectors, inside another registry."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def registry() -> CollectorRegistry:
    """What one scrape reports: every worker's samples (multiprocess mode) or this process's."""
    result = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(result)
    else:
        result.register(_Forward(REGISTRY))
    result.register(ScrapeTimeCollector())
    return result


def metrics_allowed(request) -> bool:
    """A request from METRICS_ALLOWED_IPS (addresses or networks), or bearing METRICS_TOKEN."""
    token = getattr(settings, "METRICS_TOKEN", "")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    from policyops.ratelimit import client_ip  # behind a proxy, REMOTE_ADDR is the proxy's own

    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    for allowed in getattr(settings, "METRICS_ALLOWED_IPS", ()):
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            logger.warning("METRICS_ALLOWED_IPS holds %r, which is no address or network", allowed)
    return False


def metrics_view(request):
    if not metrics_allowed(request):
        raise PermissionDenied
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
