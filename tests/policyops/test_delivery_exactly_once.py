"""Issue 13 #3: each message is claimed, sent and recorded on its own, so a worker killed mid-batch
repeats at most the one message it was sending, with the same idempotency key, and loses none."""
import datetime as dt
import json
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection

from policyops import notifications
from policyops.models import Notification
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 10, 21, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
AFTER_LEASE = NOW + notifications.LEASE


class Killed(BaseException):
    """What a SIGKILL looks like from inside: not an Exception, nothing after it runs."""


class Gateway:
    """A fake SMS gateway: counts requests per Idempotency-Key; may die around the n-th request."""

    def __init__(self, *, kill_at=None, kill_before_send=False):
        self.keys = Counter()
        self.requests = []
        self.calls = 0
        self.kill_at, self.kill_before_send = kill_at, kill_before_send
        self.during_send = []  # (pk, attempts, next_attempt_at, open atomic blocks) seen while sending

    def urlopen(self, request, timeout):
        self.calls += 1
        payload = json.loads(request.data)
        row = Notification.objects.get(pk=payload["id"])
        self.during_send.append((row.pk, row.attempts, row.next_attempt_at, len(connection.atomic_blocks)))
        if self.calls == self.kill_at and self.kill_before_send:
            raise Killed
        self.keys[request.headers["Idempotency-key"]] += 1
        self.requests.append(request)
        if self.calls == self.kill_at:
            raise Killed  # delivered, but the worker dies before recording it
        return Response()


class Response:
    status = 200

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def webhook_messages(settings):
    """Ten SMS messages (one per user; no email address, so no email row)."""
    settings.SMS_WEBHOOK_URL, settings.SMS_WEBHOOK_SECRET = "http://127.0.0.1:9/sms", "s3cret"
    unit = DepartmentFactory(name="市测试局")
    users = [make_user(Role.CLERK, department=unit, email="") for _ in range(10)]
    notifications.notify(recipients=users, kind="k", obj=PolicyTaskFactory(lead_unit=unit), due_date=NOW.date(),
                         subject="到期提醒", now=NOW)
    rows = Notification.objects.filter(channel="webhook")
    assert rows.count() == 10
    return rows


def install(monkeypatch, gateway):
    monkeypatch.setattr("policyops.notifications._post",
                        lambda request: gateway.urlopen(request, notifications.SEND_TIMEOUT))
    return gateway


def every_key(rows):
    return {notifications.idempotency_key(row) for row in rows}


@pytest.mark.parametrize("kill_before_send", [False, True], ids=["after-the-send", "before-the-send"])
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_one(webhook_messages, monkeypatch,
                                                                         kill_before_send):
    gateway = install(monkeypatch, Gateway(kill_at=4, kill_before_send=kill_before_send))
    with pytest.raises(Killed):
        notifications.deliver_due(now=NOW)
    assert webhook_messages.filter(status="sent").count() == 3  # recorded one by one, before the kill
    # The next run within the lease sends the six never claimed, not the claimed one.
    assert notifications.deliver_due(now=NOW + dt.timedelta(minutes=1)) == {"sent": 6, "failed": 0}
    assert notifications.deliver_due(now=AFTER_LEASE) == {"sent": 1, "failed": 0}
    assert set(webhook_messages.values_list("status", flat=True)) == {"sent"}
    assert set(gateway.keys) == every_key(webhook_messages)  # nothing lost
    repeated = {key: n for key, n in gateway.keys.items() if n > 1}
    assert repeated == ({} if kill_before_send else {gateway.requests[3].headers["Idempotency-key"]: 2})


def test_a_repeated_message_carries_the_same_key_and_payload_id(webhook_messages, monkeypatch):
    gateway = install(monkeypatch, Gateway(kill_at=1))
    with pytest.raises(Killed):
        notifications.deliver_due(now=NOW)
    notifications.deliver_due(now=AFTER_LEASE)
    first = gateway.requests[0]
    key, pk = first.headers["Idempotency-key"], json.loads(first.data)["id"]
    again = [r for r in gateway.requests[1:] if json.loads(r.data)["id"] == pk]
    assert len(again) == 1 and again[0].headers["Idempotency-key"] == key == f"policyops-notification-{pk}"
    assert again[0].data == first.data  # the same message, signature included


def test_each_message_is_claimed_outside_any_open_transaction_before_it_is_sent(webhook_messages, monkeypatch):
    gateway = install(monkeypatch, Gateway())
    depth = len(connection.atomic_blocks)  # the test's own transaction
    notifications.deliver_due(now=NOW)
    assert len(gateway.during_send) == 10
    assert {(attempts, lease, blocks) for _pk, attempts, lease, blocks in gateway.during_send} == {
        (1, NOW + notifications.LEASE, depth)}


def test_the_messages_before_a_send_are_already_recorded_sent(webhook_messages, monkeypatch):
    seen = []

    class Watching(Gateway):
        def urlopen(self, request, timeout):
            seen.append(Notification.objects.filter(channel="webhook", status="sent").count())
            return super().urlopen(request, timeout)

    install(monkeypatch, Watching())
    notifications.deliver_due(now=NOW)
    assert seen == list(range(10))


def test_a_claimed_message_is_not_taken_by_a_second_delivery_until_its_lease_ends(webhook_messages, monkeypatch):
    install(monkeypatch, Gateway())
    claimed = notifications._claim_next(NOW)  # another worker's claim, still sending
    assert notifications.deliver_due(now=NOW + notifications.LEASE - dt.timedelta(seconds=1)) == {
        "sent": 9, "failed": 0}
    claimed.refresh_from_db()
    assert claimed.status == "pending" and claimed.attempts == 1


def test_a_message_whose_worker_died_at_every_attempt_is_given_up(webhook_messages, monkeypatch):
    install(monkeypatch, Gateway())
    lost = webhook_messages.first()
    Notification.objects.filter(pk=lost.pk).update(attempts=notifications.MAX_ATTEMPTS)
    assert notifications.deliver_due(now=NOW) == {"sent": 9, "failed": 0}
    lost.refresh_from_db()
    assert lost.status == "failed" and "worker lost" in lost.last_error


def test_a_late_failure_does_not_undo_a_later_claims_send(webhook_messages):
    first = notifications._claim_next(NOW)
    webhook_messages.exclude(pk=first.pk).update(status="sent")  # only this one left
    again = notifications._claim_next(AFTER_LEASE)  # the first claim's lease ran out
    assert again.pk == first.pk and again.attempts == 2
    notifications._record_sent(again, now=AFTER_LEASE)
    notifications._record_failure(first, OSError("timeout"), now=AFTER_LEASE)
    first.refresh_from_db()
    assert (first.status, first.last_error) == ("sent", "")


def test_a_batch_claims_nothing_new_after_its_time_budget(webhook_messages, monkeypatch):
    install(monkeypatch, Gateway())
    ticks = iter([0, 0, 0, notifications.BATCH_SECONDS + 1])
    assert notifications.deliver_due(now=NOW, clock=lambda: next(ticks)) == {"sent": 2, "failed": 0}
    assert webhook_messages.filter(status="pending").count() == 8


def test_an_email_carries_the_idempotency_key_as_its_message_id(settings):
    settings.DEFAULT_FROM_EMAIL = "PolicyOps <policyops@gov.example.cn>"
    unit = DepartmentFactory(name="市测试局")
    user = make_user(Role.CLERK, department=unit, email="worker@example.cn")
    notifications.notify(recipients=[user], kind="k", obj=PolicyTaskFactory(lead_unit=unit), due_date=NOW.date(),
                         subject="到期提醒", now=NOW)
    assert notifications.deliver_due(now=NOW) == {"sent": 1, "failed": 0}
    email = Notification.objects.get(channel="email")
    [message] = mail.outbox
    assert message.message()["Message-ID"] == f"<policyops-notification-{email.pk}@gov.example.cn>"
