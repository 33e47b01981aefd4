import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from policyops import notifications, reminders, tasks
from policyops.models import Notification
from policyops.roles import Role
from tests.conftest import freeze_localdate, make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 10, 21, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


@pytest.fixture
def unit_user():
    unit = DepartmentFactory(name="市测试局")
    return make_user(Role.CLERK, department=unit, email="worker@example.cn"), unit


def test_notify_is_idempotent_per_key(unit_user):
    user, unit = unit_user
    task = PolicyTaskFactory(lead_unit=unit)
    args = dict(recipients=[user], kind="policy_task.due_in_5", obj=task, due_date=TODAY, subject="到期提醒", now=NOW)
    assert notifications.notify(**args) == 2  # inbox + email
    assert notifications.notify(**args) == 0
    assert Notification.objects.count() == 2


def batch_of(users, task, *, kind="policy_task.due_in_5"):
    batch = notifications.NotificationBatch(now=NOW)
    batch.add(recipients=users, kind=kind, obj=task, due_date=TODAY, subject="到期提醒")
    return batch


def test_batch_save_returns_the_new_rows_and_a_second_identical_save_none(unit_user):
    user, unit = unit_user
    task = PolicyTaskFactory(lead_unit=unit)
    assert batch_of([user], task).save() == 2  # inbox + email
    assert batch_of([user], task).save() == 0
    assert Notification.objects.count() == 2


def test_batch_save_counts_only_what_it_inserted_itself(unit_user):
    user, unit = unit_user
    other = make_user(Role.CLERK, department=unit)  # no email: inbox only
    task = PolicyTaskFactory(lead_unit=unit)
    batch_of([user], task).save()  # e.g. an overlapping sweep, first
    assert batch_of([user, other], task).save() == 1
    assert Notification.objects.count() == 3


def test_batch_save_inserts_without_looking_up_existing_rows(unit_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user, unit = unit_user
    task = PolicyTaskFactory(lead_unit=unit)
    batch = batch_of([user], task)
    with CaptureQueriesContext(connection) as queries:
        batch.save()
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]


def test_flush_inserts_and_forgets_and_save_returns_the_running_total(unit_user):
    user, unit = unit_user
    first, second = PolicyTaskFactory(lead_unit=unit), PolicyTaskFactory(lead_unit=unit)
    batch = batch_of([user], first)
    assert batch.flush() == 2
    assert batch.rows == {}
    batch.add(recipients=[user], kind="policy_task.due_in_5", obj=second, due_date=TODAY, subject="到期提醒")
    batch.add(recipients=[user], kind="policy_task.due_in_5", obj=first, due_date=TODAY, subject="到期提醒")
    assert batch.flush() == 2  # the first task's rows again: there already, not counted
    assert batch.save() == 4
    assert Notification.objects.count() == 4


def test_an_empty_batch_saves_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert notifications.NotificationBatch(now=NOW).save() == 0


def test_batch_rows_keep_their_values(unit_user):
    user, unit = unit_user
    task = PolicyTaskFactory(lead_unit=unit)
    batch = notifications.NotificationBatch(now=NOW)
    batch.add(recipients=[user], kind="k", obj=task, due_date=TODAY, subject="主题", body="正文", url="/tasks/")
    batch.save()
    inbox = Notification.objects.get(channel="inbox")
    assert (inbox.recipient, inbox.kind, inbox.content_object, inbox.due_date, inbox.subject, inbox.body, inbox.url,
            inbox.status, inbox.created_at, inbox.sent_at, inbox.next_attempt_at) == \
        (user, "k", task, TODAY, "主题", "正文", "/tasks/", "sent", NOW, NOW, None)
    email = Notification.objects.get(channel="email")
    assert (email.status, email.sent_at, email.next_attempt_at, email.attempts) == ("pending", None, NOW, 0)


def test_a_large_batch_is_inserted_in_several_statements(unit_user, monkeypatch):
    user, unit = unit_user
    monkeypatch.setattr(notifications, "INSERT_BATCH", 3)
    batch = notifications.NotificationBatch(now=NOW)
    for task in PolicyTaskFactory.create_batch(4, lead_unit=unit):
        batch.add(recipients=[user], kind="k", obj=task, due_date=TODAY, subject="s")
    assert batch.save() == 8
    assert Notification.objects.count() == 8


def test_inbox_rows_are_delivered_when_stored_email_rows_wait(unit_user):
    user, unit = unit_user
    notifications.notify(recipients=[user], kind="k", obj=PolicyTaskFactory(lead_unit=unit), due_date=TODAY,
                         subject="s", now=NOW)
    statuses = dict(Notification.objects.values_list("channel", "status"))
    assert statuses == {"inbox": "sent", "email": "pending"}


def test_delivery_sends_email_once(unit_user):
    user, unit = unit_user
    notifications.notify(recipients=[user], kind="k", obj=PolicyTaskFactory(lead_unit=unit), due_date=TODAY,
                         subject="到期提醒", now=NOW)
    assert notifications.deliver_due(now=NOW) == {"sent": 1, "failed": 0}
    assert notifications.deliver_due(now=NOW) == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["worker@example.cn"]


def test_a_failed_send_stays_pending_with_backoff_then_succeeds(unit_user, monkeypatch):
    user, unit = unit_user
    notifications.notify(recipients=[user], kind="k", obj=PolicyTaskFactory(lead_unit=unit), due_date=TODAY,
                         subject="s", now=NOW)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("smtp down")
        return 1

    monkeypatch.setattr("policyops.notifications._send_email", flaky)
    assert notifications.deliver_due(now=NOW)["failed"] == 1
    email = Notification.objects.get(channel="email")
    assert email.status == "pending" and email.attempts == 1 and email.next_attempt_at == NOW + dt.timedelta(minutes=2)
    assert notifications.deliver_due(now=NOW + dt.timedelta(minutes=1)) == {"sent": 0, "failed": 0}
    assert notifications.deliver_due(now=NOW + dt.timedelta(minutes=2)) == {"sent": 1, "failed": 0}


def test_backoff_doubles_up_to_a_cap():
    assert [notifications.backoff(n).total_seconds() / 60 for n in (1, 2, 3)] == [2, 4, 8]
    assert notifications.backoff(30) == notifications.BACKOFF_MAX


def test_policy_task_sweep_reminds_5_days_ahead_today_and_overdue(unit_user):
    user, unit = unit_user
    ahead = PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2024, 10, 28))  # 5 working days after 10-21
    today = PolicyTaskFactory(lead_unit=unit, deadline=TODAY)
    late = PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2024, 10, 1))
    # 4 days left and its 5-day reminder never sent (a missed sweep): sent now, once.
    missed = PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2024, 10, 25))
    later = PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2024, 10, 29))  # 6 days: nothing yet
    reminders.sweep_policy_tasks(today=TODAY, now=NOW)
    kinds = dict(Notification.objects.filter(channel="inbox").values_list("object_id", "kind"))
    assert kinds == {str(ahead.pk): "policy_task.due_in_5", str(today.pk): "policy_task.due_in_0",
                     str(late.pk): "policy_task.overdue", str(missed.pk): "policy_task.due_in_5"}
    assert str(later.pk) not in kinds


def test_a_task_due_today_says_today_and_one_due_later_says_how_many_days(unit_user):
    user, unit = unit_user
    today = PolicyTaskFactory(lead_unit=unit, deadline=TODAY)
    ahead = PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2024, 10, 22))  # one working day after 10-21
    reminders.sweep_policy_tasks(today=TODAY, now=NOW)
    subjects = dict(Notification.objects.filter(channel="inbox").values_list("object_id", "subject"))
    assert subjects[str(today.pk)].startswith("今日到期：")
    assert not subjects[str(ahead.pk)].startswith("今日到期：") and "1" in subjects[str(ahead.pk)]


def test_the_reminder_carries_the_tasks_first_500_characters(unit_user):
    user, unit = unit_user
    PolicyTaskFactory(lead_unit=unit, deadline=TODAY, text="办" * 600)
    reminders.sweep_policy_tasks(today=TODAY, now=NOW)
    assert Notification.objects.filter(channel="inbox").get().body == "办" * 500


def test_without_lead_times_only_overdue_tasks_are_reminded(unit_user, settings):
    user, unit = unit_user
    settings.POLICYOPS_REMINDERS = {**settings.POLICYOPS_REMINDERS, "policy_task_days_ahead": []}
    late = PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2024, 10, 18))
    PolicyTaskFactory(lead_unit=unit, deadline=TODAY)
    reminders.sweep_policy_tasks(today=TODAY, now=NOW)
    assert list(Notification.objects.filter(channel="inbox").values_list("object_id", "kind")) == [
        (str(late.pk), "policy_task.overdue")]


def test_running_the_sweep_twice_sends_nothing_new(unit_user):
    user, unit = unit_user
    PolicyTaskFactory(lead_unit=unit, deadline=TODAY)
    assert reminders.sweep_policy_tasks(today=TODAY, now=NOW) == 2
    assert reminders.sweep_policy_tasks(today=TODAY, now=NOW + dt.timedelta(hours=1)) == 0


def test_the_sweep_task_queues_delivery_after_commit(unit_user, django_capture_on_commit_callbacks, monkeypatch):
    user, unit = unit_user
    PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2024, 10, 1))
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    freeze_localdate(monkeypatch, TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_policy_tasks.delay()
    assert len(mail.outbox) == 1


def test_sweep_query_count_is_constant(unit_user, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user, unit = unit_user
    for _ in range(2):
        PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2024, 11, 30))  # not due: no message
    reminders.sweep_policy_tasks(today=TODAY, now=NOW)  # warm the calendar cache
    with CaptureQueriesContext(connection) as small:
        reminders.sweep_policy_tasks(today=TODAY, now=NOW)
    for _ in range(20):
        PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2024, 11, 30))
    with django_assert_num_queries(len(small.captured_queries)):
        reminders.sweep_policy_tasks(today=TODAY, now=NOW)


def test_inbox_page_and_bell(client, unit_user):
    user, unit = unit_user
    notifications.notify(recipients=[user], kind="k", obj=PolicyTaskFactory(lead_unit=unit), due_date=TODAY,
                         subject="请办理到期任务", now=NOW)
    client.force_login(user)
    html = client.get("/inbox/").content.decode()
    assert "请办理到期任务" in html and 'class="count">1<' in html
    client.post("/inbox/")
    assert notifications.unread_count(user) == 0


def test_webhook_payload_is_signed(unit_user, settings, monkeypatch):
    import hashlib
    import hmac

    settings.SMS_WEBHOOK_URL = "http://127.0.0.1:9/sms"
    settings.SMS_WEBHOOK_SECRET = "s3cret"
    user, unit = unit_user
    notifications.notify(recipients=[user], kind="k", obj=PolicyTaskFactory(lead_unit=unit), due_date=TODAY,
                         subject="短信", now=NOW)
    sent = []
    monkeypatch.setattr("policyops.notifications._post", sent.append)
    notifications.deliver_due(now=NOW)
    [request] = sent
    expected = hmac.new(b"s3cret", request.data, hashlib.sha256).hexdigest()
    assert request.headers["X-policyops-signature"] == f"sha256={expected}"


def test_a_sweeps_lookup_by_object_has_an_index_leading_with_the_object():
    from policyops.models import Notification

    fields = {tuple(index.fields) for index in Notification._meta.indexes}
    assert ("content_type", "object_id", "kind", "due_date") in fields
