"""Yearly number sequences: consecutive, one statement per draw, never the same number twice."""
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from policyops.models import NumberSequence
from policyops.numbering import next_number


@pytest.mark.django_db
def test_the_first_draw_of_a_year_is_one_and_the_next_follows():
    assert [next_number("test-seq", 2031), next_number("test-seq", 2031)] == [1, 2]


@pytest.mark.django_db
def test_each_key_and_year_counts_on_its_own():
    next_number("test-seq", 2031)
    assert (next_number("test-seq", 2032), next_number("other-seq", 2031)) == (1, 1)


@pytest.mark.django_db
def test_a_draw_is_one_statement_on_the_counter_row():
    next_number("test-seq", 2031)
    with CaptureQueriesContext(connection) as queries:
        number = next_number("test-seq", 2031)
    assert number == 2
    assert len(queries.captured_queries) == 1
    assert NumberSequence.objects.get(key="test-seq", year=2031).last == 2


@pytest.mark.django_db
def test_a_rolled_back_draw_leaves_no_gap():
    next_number("test-seq", 2031)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("test-seq", 2031)
        raise RuntimeError("the registration failed")
    assert next_number("test-seq", 2031) == 2


@pytest.mark.django_db
def test_without_upsert_the_portable_way_also_counts_on(monkeypatch):
    monkeypatch.setattr(connection.features, "supports_update_conflicts_with_target", False)
    assert [next_number("test-seq", 2031), next_number("test-seq", 2031)] == [1, 2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_draws_never_share_a_number():
    drawn, errors = [], []
    start = threading.Barrier(4)

    def draw():
        try:
            start.wait()
            for _ in range(10):
                with transaction.atomic():
                    drawn.append(next_number("test-concurrent", 2031))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(drawn) == list(range(1, 41))
