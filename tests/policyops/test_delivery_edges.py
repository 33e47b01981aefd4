"""Edges of storing and delivering messages (policyops.notifications) that the mutation runner
showed no test held: who is skipped, what is cut to its column, a gateway or mail server that
refuses, the last attempt, the batch's time budget and the bell's count."""
import datetime as dt
import http.server
import threading
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType

from policyops import notifications
from policyops.models import Notification
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 10, 21, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def unit():
    return DepartmentFactory(name="市测试局")


@pytest.fixture
def task(unit):
    return PolicyTaskFactory(lead_unit=unit)


def notify(users, task, **fields):
    return notifications.notify(recipients=users, kind="k", obj=task, due_date=NOW.date(),
                                **{"subject": "到期提醒", **fields}, now=NOW)


def test_an_inactive_user_is_sent_nothing(unit, task):
    user = make_user(Role.CLERK, department=unit, is_active=False)
    assert notify([user], task) == 0
    assert not Notification.objects.exists()


def test_a_subject_and_a_link_are_cut_to_their_columns(unit, task):
    user = make_user(Role.CLERK, department=unit, email="")
    notify([user], task, subject="题" * 250, url="/" + "a" * 350)
    row = Notification.objects.get()
    assert (row.subject, row.url) == ("题" * 200, ("/" + "a" * 350)[:300])


def test_the_last_attempt_that_fails_gives_the_message_up_with_its_error(unit, task, monkeypatch):
    user = make_user(Role.CLERK, department=unit, email="worker@example.cn")
    notify([user], task)
    Notification.objects.filter(channel="email").update(attempts=notifications.MAX_ATTEMPTS - 1)

    def refused(notification):
        raise OSError("550 mailbox unavailable " + "x" * 400)

    monkeypatch.setattr("policyops.notifications._send_email", refused)
    assert notifications.deliver_due(now=NOW) == {"sent": 0, "failed": 1}
    email = Notification.objects.get(channel="email")
    assert (email.status, email.attempts, email.next_attempt_at) == ("failed", notifications.MAX_ATTEMPTS, None)
    assert email.last_error == ("550 mailbox unavailable " + "x" * 400)[:300]


def test_a_batch_still_claims_at_the_end_of_its_time_budget(unit, task):
    users = [make_user(Role.CLERK, department=unit, email=f"w{i}@example.cn") for i in range(2)]
    notify(users, task)
    ticks = iter([0, notifications.BATCH_SECONDS, notifications.BATCH_SECONDS + 1])
    assert notifications.deliver_due(now=NOW, clock=lambda: next(ticks)) == {"sent": 1, "failed": 0}


def test_a_mail_server_that_cannot_be_reached_leaves_the_message_pending(unit, task, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard: nothing listens
    user = make_user(Role.CLERK, department=unit, email="worker@example.cn")
    notify([user], task)
    assert notifications.deliver_due(now=NOW) == {"sent": 0, "failed": 1}
    email = Notification.objects.get(channel="email")
    assert email.status == "pending" and email.last_error


class Gateway(http.server.BaseHTTPRequestHandler):
    """An SMS gateway on a local port answering every POST with ``answer``."""

    answer = 200

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(self.answer)
        self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST  # noqa: N815 (a redirect followed as a GET would land here)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    # serve_forever looks for shutdown() every poll_interval: 0.5 s by default, at every teardown.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.SMS_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/sms"
    settings.SMS_WEBHOOK_SECRET = "s3cret"
    yield Gateway
    server.shutdown()
    server.server_close()
    Gateway.answer = 200


@pytest.mark.parametrize("answer", [200, 204])
def test_a_gateway_answering_2xx_took_the_message(gateway, unit, task, answer):
    gateway.answer = answer
    notify([make_user(Role.CLERK, department=unit, email="")], task)
    assert notifications.deliver_due(now=NOW) == {"sent": 1, "failed": 0}


@pytest.mark.parametrize("answer", [300, 302, 303, 503])
def test_a_gateway_answering_anything_else_did_not(gateway, unit, task, answer):
    gateway.answer = answer
    notify([make_user(Role.CLERK, department=unit, email="")], task)
    assert notifications.deliver_due(now=NOW) == {"sent": 0, "failed": 1}
    row = Notification.objects.get(channel="webhook")
    assert row.status == "pending" and str(answer) in row.last_error


def unread(user, task, count):
    Notification.objects.bulk_create(
        Notification(recipient=user, kind="k", content_type_id=ContentType.objects.get_for_model(task).pk,
                     object_id=str(task.pk), due_date=NOW.date() + dt.timedelta(days=i), channel="inbox",
                     subject="s", status="sent", created_at=NOW) for i in range(count))


@pytest.mark.parametrize(("count", "badge"), [(0, ""), (99, "99"), (100, "99+")])
def test_the_bell_shows_up_to_99_unread(unit, task, count, badge):
    user = make_user(Role.CLERK, department=unit)
    unread(user, task, count)
    assert notifications.unread_badge(user) == badge


def test_the_unread_count_stops_one_past_what_the_bell_shows(unit, task):
    user = make_user(Role.CLERK, department=unit)
    unread(user, task, 102)
    assert notifications.unread_count(user) == 100
