"""How long the login logs are kept (django-axes' AccessLog and AccessFailureLog, the admin's
登录日志 and 登录失败).

Axes writes a row a login and a row a mistyped password and deletes none: a city's logins
add a few hundred thousand rows a year. The daily task deletes the rows older than
``settings.LOGIN_LOGS_KEPT_DAYS`` (a year by default, never under the law's six months; the
setting refuses less), a batch at a time, and files what it deleted in the audit trail.
"""
from __future__ import annotations

import datetime as dt

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone

from policyops import audit, pruning


def kept_since(now: dt.datetime) -> dt.datetime:
    """The oldest moment whose login rows are kept at ``now``."""
    return now - dt.timedelta(days=settings.LOGIN_LOGS_KEPT_DAYS)


def prune_login_logs(*, now: dt.datetime) -> int:
    """Delete the login and failed-login rows from before ``kept_since(now)``; how many were deleted."""
    cutoff = kept_since(now)
    deleted = sum(pruning.delete_in_batches(model.objects.filter(attempt_time__lt=cutoff))
                  for model in (AccessLog, AccessFailureLog))
    if deleted:  # how many, and from before when (Beijing time)
        audit.record_event(action="prune_login_logs", model=AccessLog,
                           reason=f"{deleted} (< {timezone.localtime(cutoff):%Y-%m-%d %H:%M})")
    return deleted
