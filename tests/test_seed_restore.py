"""tests/conftest.py: after a transaction=True test's flush, the seeds come back as they were first
loaded — the same rows with the same keys — copied back on PostgreSQL (loaded again elsewhere)."""
import os
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from approvals.models import ApprovalCase, DelegatedPower
from policyops.models import District, PolicyTask
from tests import conftest

pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                       reason="the copy is PostgreSQL's COPY"),
    pytest.mark.django_db(transaction=True),
]


def seeded_state():
    return {
        "districts": list(District.objects.order_by("pk").values_list("pk", "name")),
        "powers": list(DelegatedPower.objects.order_by("pk").values_list("pk", "number", "agency_id")),
        "tasks": PolicyTask.objects.count(),
        "roles": sorted((group.pk, group.name, sorted(group.permissions.values_list("pk", flat=True)))
                        for group in Group.objects.all()),
        "content_types": list(ContentType.objects.order_by("pk").values_list("pk", "app_label", "model")),
    }


def teardown_flush():
    """The flush a transaction=True test's teardown runs: its sequences go on, so post_migrate makes the
    content types and permissions again under new keys."""
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)


def test_a_flush_is_undone_with_the_seeded_rows_and_their_keys():
    before = seeded_state()
    assert conftest._seeded_rows, "the seeds were copied when first loaded"
    teardown_flush()
    assert not District.objects.exists()
    conftest.ensure_seeds()
    assert seeded_state() == before


def test_content_types_cached_between_the_flush_and_the_copy_are_forgotten():
    # After the flush a content type read (and cached) has a key the copy then replaces.
    teardown_flush()
    stale = ContentType.objects.get_for_model(ApprovalCase)
    conftest.ensure_seeds()
    fresh = ContentType.objects.get_for_model(ApprovalCase)
    assert fresh.pk != stale.pk
    assert fresh.pk == Permission.objects.get(codename="process_case").content_type_id


def test_rows_added_after_a_restore_take_new_keys():
    call_command("flush", interactive=False, verbosity=0)  # a reset_sequences test's: every sequence at 1
    conftest.ensure_seeds()
    added = District.objects.create(name="测试区", position=99)
    assert added.pk > max(District.objects.exclude(pk=added.pk).values_list("pk", flat=True))


def test_a_kept_databases_seeds_are_copied_as_found(monkeypatch):
    # A --reuse-db session finds the seeds loaded, copies them, and a flush then restores them.
    before = seeded_state()
    monkeypatch.setattr(conftest, "_seeded_rows", {})
    conftest.remember_kept_seeds()
    assert "policyops_district" in conftest._seeded_rows
    teardown_flush()
    conftest.ensure_seeds()
    assert seeded_state() == before


def test_a_flushing_tests_teardown_empties_every_table_by_delete():
    from django.db import connection

    from policyops.audit import record

    record(action="probe", obj=District.objects.first(), actor=None)  # the audit trail's trigger lets it go
    with mock.patch("django.core.management.commands.flush.sql_flush", conftest._flush_by_deleting), \
         mock.patch("django.core.management.commands.flush.emit_post_migrate_signal"):
        teardown_flush()
    with connection.cursor() as cursor:
        filled = [table for table in conftest._tables()
                  if cursor.execute(f"SELECT EXISTS (SELECT FROM {connection.ops.quote_name(table)})").fetchone()[0]]
    assert filled == []
    conftest.ensure_seeds()
    assert District.objects.exists()


def test_a_flush_that_restarts_the_sequences_keeps_djangos_truncate():
    from django.core.management.color import no_style
    from django.db import connection

    statements = conftest._flush_by_deleting(no_style(), connection, reset_sequences=True)
    assert statements[0].startswith("TRUNCATE") and "RESTART IDENTITY" in statements[0]


def test_a_flush_that_keeps_the_sequences_deletes_from_every_table():
    from django.core.management.color import no_style
    from django.db import connection

    [statements] = conftest._flush_by_deleting(no_style(), connection, reset_sequences=False)
    tables = {statement.removeprefix("DELETE FROM ").strip('"') for statement in statements.split(";")}
    assert tables == set(conftest._tables())
