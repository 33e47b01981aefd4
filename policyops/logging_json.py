"""Log records that say which request or Celery task wrote them, as text or JSON lines.

``RequestIdMiddleware`` (policyops.middleware) puts the request's id into a context
variable for the time of the request; ``ContextFilter``, on the log handler, copies it (or
the running Celery task's id) onto every record the handler writes, whichever logger wrote
it. ``settings.LOGGING`` picks the format from LOG_FORMAT: ``json`` (one JSON object per
line, for a log collector) or ``console`` (one readable line).
"""
from __future__ import annotations

import contextvars
import logging
import re

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

# "-" outside any request: a field that is always there is easier to query.
NO_ID = "-"
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("policyops_request_id", default=NO_ID)

# An incoming X-Request-ID (a proxy's) is kept only if it is short and plain: it goes into
# every log line, so it must not carry spaces, quotes or line breaks.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def sane_request_id(value: str | None) -> str | None:
    return value if value and _SANE_REQUEST_ID.fullmatch(value) else None


def current_task_id() -> str:
    """The id of the Celery task running in this thread, or NO_ID."""
    from celery import current_task  # here: logging is configured before any app is loaded

    task = current_task._get_current_object() if current_task else None
    request_id = getattr(getattr(task, "request", None), "id", None)
    return request_id or NO_ID


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``task_id`` to every record (``-`` when there is none).

    Django logs a 4xx/5xx response (django.request) after the middleware has returned, when
    the context variable is reset again: such records carry the request, whose id is read
    from it instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id == NO_ID:
            request_id = getattr(getattr(record, "request", None), "request_id", None) or NO_ID
        record.request_id = request_id
        record.task_id = current_task_id()
        context = " ".join(f"{name}={value}" for name, value in (("req", request_id), ("task", record.task_id))
                           if value != NO_ID)
        record.log_context = f" [{context}]" if context else ""
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter with our defaults: Chinese kept readable, no objects.

    A record's extras become fields; Django's ``request`` extra (a request or a socket object)
    is left out: the request id and the message already say which request it was.
    """

    FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", self.FIELDS)
        kwargs.setdefault("timestamp", "time")  # ISO 8601 in UTC: collectors need no time zone guess
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "taskName", "request", "log_context", "server_time"])
        super().__init__(*args, **kwargs)
