"""Issue 13 #10: a broker that cannot be reached never fails a request and loses nothing.

The Celery app is pointed at a Redis port where nothing listens (connection refused) and
stops running tasks eagerly, so every publish really goes to that broker.
"""
import datetime as dt
import time

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse

from policyops import notifications
from policyops.enqueue import enqueue
from policyops.models import AuditEntry, Notification
from policyops.roles import Role
from tests.conftest import make_user
from tests.halls.conftest import (  # noqa: F401 (fixtures of the rota below)
    clock,
    hall,
    rota_manager,
)
from tests.halls.test_pages import DAY, at, free_on_the_day, rota, shift_of  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
UNREACHABLE = "redis://127.0.0.1:1/0"
# A request may spend this long on a broker that is down (PUBLISH_RETRY_POLICY and the
# connect timeout allow well under it); Celery's defaults took 1-3 s per task.
QUICK_SECONDS = 3


def _reset_pools(app):
    # Dropped, not closed: kombu keeps one pool per broker URL for the whole process.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings, monkeypatch):
    import kombu.transport.redis  # noqa: F401 (imported once per process: not the time measured)

    from policyops.celery import app

    keys = ("broker_url", "broker_transport_options", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=UNREACHABLE, broker_transport_options={"socket_connect_timeout": 2},
                    task_always_eager=False)
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE)  # Celery prefers it to its conf (CI sets it)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _reset_pools(app)
    yield app
    app.conf.update(saved)
    _reset_pools(app)


def test_enqueue_waits_for_the_commit_then_reports_an_unreachable_broker_quickly(
        broker_down, django_capture_on_commit_callbacks):
    from policyops.tasks import deliver_notifications

    errors = []
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue(deliver_notifications, on_failure=errors.append)
    assert errors == [] and len(callbacks) == 1  # nothing sent before the commit
    started = time.monotonic()
    callbacks[0]()
    assert time.monotonic() - started < QUICK_SECONDS
    assert len(errors) == 1


def test_a_step_that_notifies_succeeds_with_the_broker_down_and_its_messages_go_out_later(
        client, broker_down, rota, clock, django_capture_on_commit_callbacks):  # noqa: F811 (imported fixtures)
    a, b = rota["a"], free_on_the_day(rota["b"])
    client.force_login(a.person.user)
    filed_at = clock(at(18, day=DAY - dt.timedelta(days=1)))
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("halls:file_substitution", args=[shift_of(a).pk]),
                               {"substitute": b.pk, "reason": "参加全市会议"})
    assert response.status_code == 302 and shift_of(a).substitute == b
    started = time.monotonic()
    for callback in callbacks:  # what runs once the step commits: queueing its delivery, which fails
        callback()
    assert callbacks and time.monotonic() - started < QUICK_SECONDS
    pending = Notification.objects.filter(channel="email", kind="shift.substitution_filed")
    assert pending.exists() and set(pending.values_list("status", flat=True)) == {"pending"}
    assert mail.outbox == []
    # The broker is back: the once-a-minute delivery sends each message once.
    assert notifications.deliver_due(now=filed_at + dt.timedelta(minutes=1))["sent"] == pending.count()
    assert set(pending.values_list("status", flat=True)) == {"sent"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(pending.values_list("recipient__email", flat=True))


def test_run_now_with_the_broker_down_says_so_quickly_and_audits_no_run(client, broker_down, seeded):
    from django_celery_beat.models import PeriodicTask

    sweep = PeriodicTask.objects.get(task="policyops.tasks.sweep_policy_tasks")
    client.force_login(make_user(Role.SUPERVISOR))
    started = time.monotonic()
    response = client.post(reverse("admin:django_celery_beat_periodictask_changelist"),
                           {"action": "run_tasks", ACTION_CHECKBOX_NAME: [sweep.pk]}, follow=True)
    assert time.monotonic() - started < QUICK_SECONDS
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not AuditEntry.objects.filter(action="run_now", object_id=str(sweep.pk)).exists()


def test_a_large_project_list_stays_waiting_while_the_broker_is_down(client, broker_down, seeded, settings,
                                                                     tmp_path, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from policyops.models import District
    from programs.roads import project_lists
    from programs.roads.models import RoadProject
    from programs.roads.sample_files import sample_csv
    from programs.roads.views_import import SESSION_KEY

    settings.ROADS_IMPORT_DIR = tmp_path / "imports"
    monkeypatch.setattr(project_lists, "BACKGROUND_ROWS", 10)  # 30 rows: saved by the worker
    client.force_login(make_user(Role.PROGRAMME_MANAGER, district=District.objects.get(name="平度市")))
    url = reverse("roads:project-import")
    client.post(url, {"file": SimpleUploadedFile("清单.csv", sample_csv(30))})
    token = client.session[SESSION_KEY]["token"]
    started = time.monotonic()
    response = client.post(url, {"token": token}, follow=True)
    assert time.monotonic() - started < QUICK_SECONDS
    assert response.status_code == 200 and [m.level_tag for m in response.context["messages"]] == ["error"]
    assert RoadProject.objects.count() == 0 and client.session[SESSION_KEY]["token"] == token  # still waiting
    broker_down.conf.task_always_eager = True  # the broker is back (the worker runs in this process)
    client.post(url, {"token": token})
    assert RoadProject.objects.count() == 30
