"""Queueing a Celery task from a request (or a sweep) without ever failing it on the broker.

Every enqueue of the web path goes through ``enqueue``. It publishes after the current
transaction commits (the worker must find what the task will read), retries the broker a
bounded few times, and when the broker is still unreachable it logs and reports the error
to ``on_failure`` instead of raising: the request goes on. Nothing is lost because each
caller's work is recorded before it is queued (the reason is written at each call site):
notifications are rows that ``deliver_due`` and the once-a-minute delivery of beat pick
up when the broker is back; the sweeps run again on their schedule.
"""
from __future__ import annotations

import logging
from pathlib import Path

from django.db import transaction
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

# A request waits at most about this long for a broker that is down (kombu's retry policy:
# 3 connection attempts 0.1 s and 0.2 s apart), instead of Celery's default of ~1-3 s per
# task; the connection attempt itself is bounded by CELERY_BROKER_CONNECTION_TIMEOUT and
# Redis's socket_connect_timeout in settings.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.1, "interval_max": 0.2}

# What a broker that cannot be reached raises: kombu's connection errors (OperationalError
# is a KombuError) and the OS's (refused, unreachable, a filesystem broker's folder gone).
BROKER_ERRORS = (KombuError, OSError)


def _app():
    from policyops.celery import app

    return app


def ensure_broker_folders(app) -> None:
    """kombu's filesystem transport fails when its folders are missing: create them."""
    if not str(app.conf.broker_url or "").startswith("filesystem://"):
        return
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


def _publish(task, args, kwargs, options, on_failure) -> bool:
    app = _app()
    try:
        if not app.conf.task_always_eager:
            ensure_broker_folders(app)  # a deleted var/ must not lose the message
        task.apply_async(args=args, kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY, **options)
    except BROKER_ERRORS as exc:
        logger.warning("Could not queue %s (the broker is not reachable): %s", task.name, exc)
        if on_failure is not None:
            on_failure(exc)
        return False
    return True


def enqueue(task, args=(), kwargs=None, *, after_commit: bool = True, on_failure=None, **options) -> None:
    """Queue ``task``; never raises because the broker is down (``on_failure(exc)`` is told instead).

    ``after_commit``: publish once the current transaction commits (at once when none is
    open). ``False`` publishes now, for a caller that keeps its work outside the database
    and must know the outcome before it answers. ``options`` go to ``apply_async``.
    """
    args, kwargs = tuple(args), dict(kwargs or {})
    if after_commit:
        transaction.on_commit(lambda: _publish(task, args, kwargs, options, on_failure))
    else:
        _publish(task, args, kwargs, options, on_failure)


def broker_reachable() -> bool:
    """Whether the broker answers now (one quick connection, bounded like a publish)."""
    app = _app()
    if app.conf.task_always_eager:
        return True
    try:
        ensure_broker_folders(app)
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, timeout=2)
    except BROKER_ERRORS as exc:
        logger.warning("The broker is not reachable: %s", exc)
        return False
    return True
