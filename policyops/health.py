"""Probes for a load balancer or an orchestrator: /healthz (alive) and /readyz (can serve).

Both are open (no login) and say nothing but component names and "ok"/"error"; what
failed and why goes to the log. Both are cheap: no table is read.
"""
from __future__ import annotations

import logging
import threading

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from policyops import metrics

logger = logging.getLogger(__name__)

OK, ERROR = "ok", "error"
# Once a process has seen every migration applied it stops asking: its code (hence its
# migrations) cannot change under it, and loading the migration graph costs tens of ms.
_migrations_applied = threading.Event()


@never_cache
@require_GET
def healthz(request):
    """The process answers: nothing else is touched (a database outage must not get it restarted)."""
    return HttpResponse("ok", content_type="text/plain")


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_migrations() -> None:
    if _migrations_applied.is_set():
        return
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations: run manage.py migrate")
    _migrations_applied.set()


def check_broker() -> None:
    client = metrics.broker_client()
    if client is not None:
        client.ping()  # short socket timeouts (metrics.BROKER_TIMEOUT_SECONDS)
        return
    from policyops.celery import app

    with app.connection_for_write() as conn:  # the filesystem broker: its folders exist
        conn.ensure_connection(max_retries=1, timeout=metrics.BROKER_TIMEOUT_SECONDS)


def check_cache() -> None:
    cache.set("policyops:readyz", "ok", timeout=30)
    if cache.get("policyops:readyz") != "ok":
        raise RuntimeError("the cache did not return what was just stored")


CHECKS = {"database": check_database, "migrations": check_migrations, "broker": check_broker,
          "cache": check_cache}


@never_cache
@require_GET
def readyz(request):
    """200 when every component answers, else 503; the body names each component's state."""
    states = {}
    for name, check in CHECKS.items():
        if name == "migrations" and states.get("database") != OK:
            states[name] = ERROR  # cannot tell without the database
            continue
        try:
            check()
        except Exception:
            logger.warning("Readiness check %s failed", name, exc_info=True)
            states[name] = ERROR
        else:
            states[name] = OK
    ready = all(state == OK for state in states.values())
    return JsonResponse(states, status=200 if ready else 503)
