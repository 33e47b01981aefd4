"""Two deliveries at once: the second skips the message the first holds rather than waiting on it
(SELECT … FOR UPDATE SKIP LOCKED). Real threads with their own connections, the messages
committed first (transaction=True); PostgreSQL only, as SQLite has no row locks."""
import datetime as dt
import os
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connections, transaction

from policyops import notifications
from policyops.models import Notification
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory

pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                       reason="row locks between connections: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
NOW = dt.datetime(2024, 10, 21, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_delivery_skips_the_message_another_delivery_holds():
    unit = DepartmentFactory(name="市测试局")
    users = [make_user(Role.CLERK, department=unit, email=f"w{i}@example.cn") for i in range(2)]
    batch = notifications.NotificationBatch(now=NOW)  # stored only: notify() would deliver them on commit
    batch.add(recipients=users, kind="k", obj=PolicyTaskFactory(lead_unit=unit), due_date=NOW.date(),
              subject="到期提醒")
    batch.save()
    first, second = Notification.objects.filter(channel="email").order_by("next_attempt_at", "id")
    held, release = threading.Event(), threading.Event()

    def other_delivery():
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=first.pk)
                held.set()
                release.wait(5)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_delivery)
    thread.start()
    try:
        assert held.wait(10)
        claimed = notifications._claim_next(NOW)  # waiting on the lock would take the 5 s, then the first
    finally:
        release.set()
        thread.join()
    assert claimed.pk == second.pk
