"""The calendar's per-process copy of the overrides: when it is read again, and when not.

Each test here fails on one small change to ``policyops.calendar``'s cache (found by
`make mutants`, README *Mutation testing*): a copy read again on every request costs a query a
lookup, one never read again shows a changed calendar late.
"""
import datetime as dt
import logging
import threading

import pytest
from django.core.cache import cache
from django.db import transaction

from policyops import calendar, services
from policyops.models import CalendarOverride
from tests.conftest import next_request

pytestmark = pytest.mark.django_db
WEDNESDAY = dt.date(2031, 3, 5)


@pytest.fixture
def reads(monkeypatch):
    """How often the overrides are read from the database."""
    count = []
    real = calendar._query
    monkeypatch.setattr(calendar, "_query", lambda: count.append(1) or real())
    return count


@pytest.fixture
def clock(monkeypatch):
    """``time.monotonic`` as the calendar sees it, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(calendar.time, "monotonic", lambda: now[0])
    return now


def test_a_stamp_another_process_stored_is_read_on_the_next_request(clock):
    cache.set(calendar._VERSION_KEY, "before", timeout=None)
    assert calendar.is_working_day(WEDNESDAY) is True
    # Another process commits a change: its rows, then a new stamp (calendar._committed).
    CalendarOverride.objects.create(date=WEDNESDAY, is_working_day=False, name="测试")
    cache.set(calendar._VERSION_KEY, "after", timeout=None)
    assert calendar.is_working_day(WEDNESDAY) is True  # within this request: the copy holds
    next_request()
    assert calendar.is_working_day(WEDNESDAY) is False


def test_an_unchanged_stamp_keeps_the_copy_past_the_check_interval(clock, reads):
    cache.set(calendar._VERSION_KEY, "same", timeout=None)
    calendar.is_working_day(WEDNESDAY)
    clock[0] += calendar._VERSION_CHECK_SECONDS + 1
    next_request()
    calendar.is_working_day(WEDNESDAY)
    assert len(reads) == 1


def test_when_the_shared_cache_is_down_the_copy_holds_without_reading_again(clock, reads, monkeypatch):
    cache.set(calendar._VERSION_KEY, "known", timeout=None)
    calendar.is_working_day(WEDNESDAY)

    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "get", down)
    clock[0] += calendar._VERSION_CHECK_SECONDS + 1
    next_request()
    assert calendar.is_working_day(WEDNESDAY) is True
    assert len(reads) == 1
    clock[0] += calendar._CACHE_SECONDS + 1  # the net: past it the copy is read again all the same
    next_request()
    calendar.is_working_day(WEDNESDAY)
    assert len(reads) == 2


def test_a_shared_cache_that_cannot_be_read_is_logged_with_its_cause(monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "get", down)
    with caplog.at_level(logging.WARNING, logger="policyops.calendar"):
        calendar.is_working_day(WEDNESDAY)
    [record] = [r for r in caplog.records if r.name == "policyops.calendar"]
    assert record.exc_info and record.exc_info[0] is ConnectionError


def test_a_stamp_that_cannot_be_stored_is_logged_with_its_cause(monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "set", down)
    with caplog.at_level(logging.WARNING, logger="policyops.calendar"):
        calendar._committed()
    [record] = [r for r in caplog.records if r.name == "policyops.calendar"]
    assert record.exc_info and record.exc_info[0] is ConnectionError


def test_a_committed_change_stores_a_stamp_that_does_not_expire():
    calendar._committed()
    assert cache.get(calendar._VERSION_KEY)  # timeout=None: kept until the next change (0 would drop it)


def test_a_new_thread_reads_the_processs_copy(reads):
    calendar.is_working_day(WEDNESDAY)
    answers = []
    thread = threading.Thread(target=lambda: answers.append(calendar.is_working_day(WEDNESDAY)))
    thread.start()
    thread.join()
    assert answers == [True]
    assert len(reads) == 1


def test_a_savepoint_inside_a_calendar_change_reads_the_changes_own_copy(reads):
    with transaction.atomic():
        services.calendar_override_save(override=CalendarOverride(date=WEDNESDAY, is_working_day=False))
        assert calendar.is_working_day(WEDNESDAY) is False
        before = len(reads)
        with transaction.atomic():  # a savepoint within the change
            assert calendar.is_working_day(WEDNESDAY) is False
        assert len(reads) == before


def test_no_changed_dates_change_nothing_and_say_so():
    from policyops.models import AuditEntry

    entries = AuditEntry.objects.count()
    assert calendar.overrides_changed([]) == []
    assert calendar.overrides_changed([None]) == []
    assert AuditEntry.objects.count() == entries
