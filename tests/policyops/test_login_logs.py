"""The login logs are kept a year (LOGIN_LOGS_KEPT_DAYS), never under six months, then deleted daily."""
import datetime as dt
import subprocess
import sys

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.test import override_settings
from django_celery_beat.models import PeriodicTask

from policyops import login_logs, pruning, tasks
from policyops.models import AuditEntry
from tests.policyops.test_security_settings import ROOT, fresh_env

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.timezone.utc)


def logged(model, at, username="clerk"):
    row = model.objects.create(username=username, ip_address="10.0.0.1", user_agent="test")
    model.objects.filter(pk=row.pk).update(attempt_time=at)  # attempt_time is set on creation
    return row


def remaining(model):
    return set(model.objects.values_list("username", flat=True))


@override_settings(LOGIN_LOGS_KEPT_DAYS=365)
def test_rows_older_than_the_kept_days_are_deleted_and_the_rest_kept():
    cutoff = NOW - dt.timedelta(days=365)
    for model in (AccessLog, AccessFailureLog):
        logged(model, cutoff - dt.timedelta(seconds=1), "old")
        logged(model, cutoff, "at-the-limit")
        logged(model, NOW, "today")
    assert login_logs.prune_login_logs(now=NOW) == 2
    assert remaining(AccessLog) == remaining(AccessFailureLog) == {"at-the-limit", "today"}


def test_a_backlog_is_deleted_a_batch_at_a_time(monkeypatch):
    monkeypatch.setattr(pruning, "BATCH", 2)
    for n in range(5):
        logged(AccessLog, NOW - dt.timedelta(days=400 + n), f"old{n}")
    assert login_logs.prune_login_logs(now=NOW) == 5 and not AccessLog.objects.exists()


def test_what_was_deleted_is_filed_in_the_audit_trail():
    logged(AccessLog, NOW - dt.timedelta(days=400))
    login_logs.prune_login_logs(now=NOW)
    entry = AuditEntry.objects.get(action="prune_login_logs")
    assert entry.reason.startswith("1 (< 2025-12-05")


def test_nothing_to_delete_files_nothing():
    logged(AccessLog, NOW)
    assert login_logs.prune_login_logs(now=NOW) == 0
    assert not AuditEntry.objects.filter(action="prune_login_logs").exists()


def test_the_daily_task_is_scheduled_and_prunes():
    assert PeriodicTask.objects.get(name="登录日志清理").task == "policyops.tasks.prune_login_logs"
    logged(AccessLog, dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    assert tasks.prune_login_logs() == 1


@pytest.mark.parametrize("value", ["182", "a year", "-1"])
def test_fewer_days_than_the_laws_six_months_are_refused(tmp_path, value):
    done = subprocess.run([sys.executable, "-c", "from django.conf import settings; settings.LOGIN_LOGS_KEPT_DAYS"],
                          cwd=ROOT, env=fresh_env(tmp_path, LOGIN_LOGS_KEPT_DAYS=value),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0 and "LOGIN_LOGS_KEPT_DAYS must be a whole number of days ≥ 183" in done.stderr


def test_six_months_are_accepted(tmp_path):
    code = "from django.conf import settings; print(settings.LOGIN_LOGS_KEPT_DAYS)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=fresh_env(tmp_path, LOGIN_LOGS_KEPT_DAYS="183"),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip().splitlines()[-1] == "183", done.stderr
