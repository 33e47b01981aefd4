"""Ended sessions are deleted daily (policyops.sessions.clear_expired, 过期会话清理)."""
import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django_celery_beat.models import PeriodicTask

from policyops import pruning, sessions, tasks

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 5, 3, 10, tzinfo=dt.timezone.utc)


def session(key, expires):
    return Session.objects.create(session_key=key, session_data="", expire_date=expires)


def test_sessions_that_ended_are_deleted_and_live_ones_kept():
    session("ended", NOW - dt.timedelta(seconds=1))
    session("live", NOW + dt.timedelta(hours=1))
    assert sessions.clear_expired(now=NOW) == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_a_backlog_of_ended_sessions_is_deleted_a_batch_at_a_time(monkeypatch):
    monkeypatch.setattr(pruning, "BATCH", 2)
    for n in range(5):
        session(f"old{n}", NOW - dt.timedelta(days=n + 1))
    assert sessions.clear_expired(now=NOW) == 5 and not Session.objects.exists()


def test_the_daily_task_is_scheduled_and_clears():
    assert PeriodicTask.objects.get(name="过期会话清理").task == "policyops.tasks.clear_expired_sessions"
    session("ended", dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    assert tasks.clear_expired_sessions() == 1
