"""An audit trail you can trust (issue 13): append-only, hash-chained, and written by the admin,
the calendar and the seed load too."""
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from policyops import audit, services
from policyops.models import AuditEntry, CalendarOverride, District
from policyops.roles import Role
from tests.approvals.factories import (
    DelegatedPowerFactory,
    entrustment_in_force,
    pingdu,
    pingdu_authority,
    register_case,
)
from tests.approvals.test_admin import posted_form
from tests.conftest import make_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TABLE = AuditEntry._meta.db_table
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only")


@pytest.fixture
def entries(db):
    """Three audit rows about a district, unsealed, in insertion order."""
    district = District.objects.first() or District.objects.create(name="测试区", position=99)
    return [audit.record(obj=district, action=f"step{i}", reason=f"reason {i}") for i in range(3)]


def verify():
    """verify_audit's (exit status, output) in English: 0 and stdout, or the CommandError's status and message."""
    out = io.StringIO()
    try:
        with translation.override("en"):
            call_command("verify_audit", stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- append-only through the ORM, the admin and the API -------------------------------------------


def test_queryset_update_is_refused(entries):
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.filter(pk=entries[0].pk).update(reason="rewritten")
    assert AuditEntry.objects.get(pk=entries[0].pk).reason == "reason 0"


def test_queryset_delete_is_refused(entries):
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).count() == 3


def test_bulk_update_is_refused(entries):
    entries[0].reason = "rewritten"
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.bulk_update(entries, ["reason"])
    assert AuditEntry.objects.get(pk=entries[0].pk).reason == "reason 0"


def test_a_row_cannot_be_created_sealed(db):
    district = District.objects.first() or District.objects.create(name="测试区", position=99)
    row = AuditEntry(at=timezone.now(), action="forged", content_type_id=1, object_id=str(district.pk),
                     object_repr="x", chain_seq=1, row_hash="0" * 64)
    with pytest.raises(PermissionDenied):
        row.save()
    assert not AuditEntry.objects.filter(action="forged").exists()


def test_superuser_may_not_add_change_or_delete_in_the_admin(client, entries):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    entry = entries[0]
    assert client.get(reverse("admin:policyops_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:policyops_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:policyops_auditentry_change", args=[entry.pk]),
                       {"reason": "rewritten"}).status_code == 403
    assert client.post(reverse("admin:policyops_auditentry_delete", args=[entry.pk]),
                       {"post": "yes"}).status_code == 403
    response = client.post(reverse("admin:policyops_auditentry_changelist"),
                           {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert response.status_code in (200, 302)
    assert AuditEntry.objects.get(pk=entry.pk).reason == "reason 0"


def test_no_api_route_serves_the_audit_trail():
    from django.urls import get_resolver

    def routes(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    api = [route for route in routes(get_resolver().url_patterns) if route.startswith("api/")]
    assert api  # the walk found the API
    assert not [route for route in api if "audit" in route]


# --- the PostgreSQL triggers ---------------------------------------------------------------------


def hatch_off_then(sql, params=()):
    """Run ``sql`` with the maintenance hatch off, inside a savepoint; the database's error, if any."""
    try:
        with transaction.atomic():
            raw("SET LOCAL policyops.audit_maintenance = 'off'")
            raw(sql, params)
    except DatabaseError as exc:
        return exc
    return None


@postgresql_only
def test_trigger_refuses_a_raw_update(entries):
    error = hatch_off_then(f"UPDATE {TABLE} SET reason = 'rewritten' WHERE id = %s", [entries[0].pk])
    assert error is not None and "append-only" in str(error)
    assert AuditEntry.objects.get(pk=entries[0].pk).reason == "reason 0"


@postgresql_only
def test_trigger_refuses_a_raw_delete(entries):
    error = hatch_off_then(f"DELETE FROM {TABLE} WHERE id = %s", [entries[0].pk])
    assert error is not None and "append-only" in str(error)
    assert AuditEntry.objects.filter(pk=entries[0].pk).exists()


@postgresql_only
def test_trigger_refuses_truncate(entries):
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses to run with the inserts' FK checks still pending
    error = hatch_off_then(f"TRUNCATE {TABLE} CASCADE")
    assert error is not None and "append-only" in str(error)
    assert AuditEntry.objects.filter(pk=entries[0].pk).exists()


@postgresql_only
def test_trigger_lets_the_sealer_fill_the_chain_columns_once(entries):
    error = hatch_off_then("SELECT 1")
    assert error is None
    with transaction.atomic():
        raw("SET LOCAL policyops.audit_maintenance = 'off'")
        assert audit.seal_audit() >= 3
    sealed = AuditEntry.objects.get(pk=entries[0].pk)
    assert sealed.chain_seq is not None and len(sealed.row_hash) == 64
    error = hatch_off_then(f"UPDATE {TABLE} SET row_hash = %s WHERE id = %s", ["f" * 64, entries[0].pk])
    assert error is not None and "append-only" in str(error)


@postgresql_only
def test_trigger_refuses_sealing_that_also_changes_the_content(entries):
    error = hatch_off_then(f"UPDATE {TABLE} SET chain_seq = 999999, row_hash = %s, reason = 'x' WHERE id = %s",
                           ["f" * 64, entries[0].pk])
    assert error is not None and "append-only" in str(error)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_periodic_sealer_gives_way_while_another_holds_the_chain(entries):
    import threading

    from django.db import connections

    locked, release = threading.Event(), threading.Event()

    def other_sealer():
        try:
            with transaction.atomic():
                raw("SELECT pg_advisory_xact_lock(%s)", [audit.CHAIN_LOCK_KEY])
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_sealer)
    thread.start()
    try:
        assert locked.wait(10)
        assert audit.seal_audit(wait=False) == 0
        assert AuditEntry.objects.filter(pk=entries[0].pk, chain_seq__isnull=True).exists()
    finally:
        release.set()
        thread.join()
    assert audit.seal_audit(wait=False) >= 3
    assert verify()[0] == 0


# --- the hash chain -----------------------------------------------------------------------------


def test_seal_then_verify_is_ok(entries):
    assert audit.seal_audit() >= 3
    assert not AuditEntry.objects.filter(chain_seq__isnull=True).exists()
    status, output = verify()
    assert status == 0
    assert f"OK, {AuditEntry.objects.count()} rows" in output


def test_chain_order_is_sealing_order(entries):
    audit.seal_audit()
    late_id = min(e.pk for e in entries) - 1  # a row that committed late, with a smaller id
    while late_id > 0 and AuditEntry.objects.filter(pk=late_id).exists():
        late_id -= 1
    AuditEntry.objects.bulk_create([AuditEntry(id=late_id, at=timezone.now(), action="late",
                                               content_type=entries[0].content_type, object_id="1",
                                               object_repr="late")])
    assert audit.seal_audit() == 1
    seqs = AuditEntry.objects.order_by("-chain_seq").values_list("id", flat=True)
    assert seqs[0] == late_id
    assert verify()[0] == 0


def test_verify_names_a_row_changed_after_sealing(entries):
    audit.seal_audit()
    raw(f"UPDATE {TABLE} SET reason = 'rewritten' WHERE id = %s", [entries[1].pk])  # the hatch is on in tests
    status, message = verify()
    assert status == 1
    assert f"id {entries[1].pk} " in message


def test_verify_catches_a_deleted_middle_row(entries):
    audit.seal_audit()
    middle = AuditEntry.objects.get(pk=entries[1].pk)
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [middle.pk])
    status, message = verify()
    assert status == 1
    assert f"position {middle.chain_seq}" in message and f"id {entries[2].pk} " in message


def test_verify_reports_unsealed_rows_and_the_oldest(entries):
    audit.seal_audit()
    seven_minutes_ago = timezone.now() - dt.timedelta(minutes=7)
    audit.record(obj=District.objects.first(), action="later", at=seven_minutes_ago)
    report = audit.verify_chain()
    assert report.ok and report.unsealed == 1 and report.oldest_unsealed == seven_minutes_ago
    status, output = verify()
    assert status == 0
    assert "1 row(s) not sealed yet" in output and "(7 minute(s) ago)" in output


def test_verify_seal_option_seals_first(entries):
    out = io.StringIO()
    call_command("verify_audit", "--seal", stdout=out)
    assert not AuditEntry.objects.filter(chain_seq__isnull=True).exists()


def test_the_hash_covers_the_content():
    row = {"id": 1, "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "actor_id": None, "action": "a",
           "content_type_id": 1, "object_id": "1", "object_repr": "x", "from_state": "", "to_state": "",
           "reason": "r"}
    digest = audit.row_digest(row, 1, audit.GENESIS)
    assert audit.row_digest({**row, "reason": "R"}, 1, audit.GENESIS) != digest
    assert audit.row_digest(row, 2, audit.GENESIS) != digest
    assert audit.row_digest(row, 1, "1" * 64) != digest
    assert audit.row_digest({**row, "at": row["at"].astimezone(dt.timezone(dt.timedelta(hours=8)))},
                            1, audit.GENESIS) == digest  # the same instant in another zone


def test_the_hash_is_sha256_of_the_rows_canonical_json():
    """The format a verifier outside the application recomputes: changing it breaks every sealed chain."""
    import hashlib

    row = {"id": 1, "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "actor_id": None, "action": "a",
           "content_type_id": 1, "object_id": "1", "object_repr": "平度市", "from_state": "", "to_state": "",
           "reason": "r"}
    canonical = ('{"action":"a","actor_id":null,"at":"2026-01-01T00:00:00+00:00","chain_seq":1,'
                 '"content_type_id":1,"from_state":"","id":1,"object_id":"1","object_repr":"平度市",'
                 f'"previous":"{audit.GENESIS}","reason":"r","to_state":""}}')
    assert audit.row_digest(row, 1, audit.GENESIS) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_verify_reports_the_head_of_the_chain(entries):
    audit.seal_audit()
    report = audit.verify_chain()
    assert (report.head_seq, report.head_hash) == audit.chain_head()
    assert report.head_seq == report.rows == AuditEntry.objects.count()


def test_rows_recorded_together_are_dated_at_the_time_given(db):
    district = District.objects.first() or District.objects.create(name="测试区", position=99)
    at = timezone.now() - dt.timedelta(hours=3)
    audit.record_many(model=District, objects=[(district.pk, "甲"), (district.pk, "乙")], action="import_update", at=at)
    assert list(AuditEntry.objects.filter(action="import_update").order_by("id").values_list("object_repr", "at")) == [
        ("甲", at), ("乙", at)]


def test_an_objects_name_is_kept_to_its_first_200_characters(db):
    entry = audit.record_event(action="load_seeds", object_repr="名" * 250)
    entry.refresh_from_db()
    assert entry.object_repr == "名" * 200


# --- who leaves rows: the admin, the calendar, the seed load ----------------------------------------


def test_admin_change_of_a_case_leaves_an_audit_row(client, supervisor):
    power = DelegatedPowerFactory()
    entrustment_in_force([power], supervisor=supervisor)
    clerk = make_user(Role.CLERK, district=pingdu(), department=pingdu_authority())
    case = register_case(power, clerk=clerk)
    client.force_login(clerk)
    url = reverse("admin:approvals_approvalcase_change", args=[case.pk])
    response = client.post(url, posted_form(client.get(url), applicant_phone="0532-88885678"))
    assert response.status_code == 302
    row = audit.entries_for(case).get(action="admin_change")
    assert row.actor == clerk
    assert row.reason.startswith("已修改联系电话。")


def test_admin_delete_leaves_an_audit_row(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    override = services.calendar_override_save(override=CalendarOverride(date=dt.date(2031, 5, 6),
                                                                         is_working_day=False, name="测试"))
    client.force_login(admin_user)
    response = client.post(reverse("admin:policyops_calendaroverride_changelist"),
                           {"action": "delete_selected", "_selected_action": [override.pk], "post": "yes"})
    assert response.status_code == 302
    assert not CalendarOverride.objects.filter(pk=override.pk).exists()
    row = AuditEntry.objects.get(action="admin_delete", object_id=str(override.pk))
    assert row.actor == admin_user


def test_a_calendar_change_leaves_an_audit_row(db):
    services.calendar_override_save(override=CalendarOverride(date=dt.date(2031, 5, 6), is_working_day=False,
                                                              name="测试"))
    row = AuditEntry.objects.get(action="calendar_change")
    assert row.content_type.model_class() is CalendarOverride
    assert row.reason == "2031-05-06"


def test_load_seeds_leaves_one_audit_row(seeded):
    before = AuditEntry.objects.filter(action="load_seeds").count()
    call_command("load_seeds", stdout=io.StringIO())
    rows = AuditEntry.objects.filter(action="load_seeds")
    assert rows.count() == before + 1
    assert "districts.csv" in rows.latest("id").reason and "skip=" in rows.latest("id").reason


def test_the_periodic_task_seals_and_is_scheduled_every_minute(entries):
    from django_celery_beat.models import PeriodicTask

    from policyops.tasks import seal_audit_chain

    assert PeriodicTask.objects.filter(task="policyops.tasks.seal_audit_chain", interval__every=1,
                                       enabled=True).exists()
    assert seal_audit_chain() >= 3
    assert not AuditEntry.objects.filter(chain_seq__isnull=True).exists()


def test_admin_add_leaves_an_audit_row(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(reverse("admin:policyops_district_add"), {"name": "测试新区", "position": "98",
                                                                     "source": ""})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    district = District.objects.get(name="测试新区")
    assert [(e.action, e.actor) for e in audit.entries_for(district)] == [("admin_add", admin_user)]


def test_the_object_type_is_indexed_once_at_the_head_of_the_objects_index():
    # Every audit row written (two a step) paid for a second index of the same column (issue 12).
    with connection.cursor() as cursor:
        indexes = [c["columns"] for c in connection.introspection.get_constraints(cursor, TABLE).values()
                   if c["index"] and not c["primary_key"]]
    assert ["content_type_id"] not in indexes
    assert ["content_type_id", "object_id", "at"] in indexes


def test_an_entry_is_named_in_local_time_and_by_its_actions_label(db):
    # Its page's title and breadcrumb said "… seeds/ load_seeds" at the UTC hour.
    entry = audit.record(obj=District.objects.first(), action="load_seeds")
    entry = AuditEntry.objects.get(pk=entry.pk)
    local = timezone.localtime(entry.at)
    assert str(entry) == f"{local:%Y-%m-%d %H:%M} {entry.object_repr} 载入种子数据"
