"""Edges of the periodic tasks' admin (policyops.admin_beat) that test_platform_beat and the audit tests do
not pin: which broker runs a task here, what "run now" says and passes on, the form's refusals and the
schedules in words (found by mutation testing)."""
from types import SimpleNamespace

import pytest
from celery.app.task import Task
from cron_descriptor import Options
from django.contrib import admin
from django.urls import reverse
from django.utils import translation
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from kombu.exceptions import OperationalError

from policyops import admin_beat
from policyops.admin_beat import describe_crontab, embedded_broker
from policyops.audit import entries_for
from tests.admin_pages import admin_request, model_admin, posted_as_shown, request_messages
from tests.conftest import make_user
from tests.pages import zh

pytestmark = pytest.mark.django_db
SWEEP = "policyops.tasks.sweep_policy_tasks"


@pytest.fixture
def sweep(seeded):
    return PeriodicTask.objects.get(task=SWEEP)


@pytest.fixture
def hourly(db):
    return IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)


def app_with(broker_url):
    return SimpleNamespace(conf=SimpleNamespace(broker_url=broker_url))


# --- the broker --------------------------------------------------------------------------------------


def test_the_filesystem_broker_is_the_embedded_one():
    assert embedded_broker(app_with("filesystem://")) is True


def test_a_redis_broker_is_not_embedded():
    assert embedded_broker(app_with("redis://localhost:6379/0")) is False


def test_no_broker_url_is_not_embedded():
    assert embedded_broker(app_with(None)) is False


# --- run now -----------------------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """The tasks published to a real broker (apply_async's keyword arguments)."""
    calls = []
    monkeypatch.setattr(admin_beat, "embedded_broker", lambda app: False)
    monkeypatch.setattr(Task, "apply_async", lambda self, **kw: calls.append(kw))
    return calls


@pytest.fixture
def ran_here(monkeypatch):
    """The sweeps run in the request (the embedded broker)."""
    from policyops import tasks

    calls = []
    monkeypatch.setattr(admin_beat, "embedded_broker", lambda app: True)
    monkeypatch.setattr(tasks.reminders, "sweep_policy_tasks", lambda **kw: calls.append(kw) or 0)
    return calls


def a_sweep(name, hourly, **fields):
    return PeriodicTask.objects.create(name=name, task=SWEEP, interval=hourly, **fields)


def test_run_now_with_the_embedded_broker_says_which_tasks_ran(supervisor, ran_here, hourly):
    chosen = [a_sweep("乙扫", hourly), a_sweep("甲扫", hourly)]
    request = admin_request(supervisor, "post")
    model_admin(PeriodicTask).run_tasks(request, PeriodicTask.objects.filter(pk__in=[t.pk for t in chosen]))
    assert len(ran_here) == 2
    names = "、".join(sorted(["乙扫", "甲扫"]))
    with translation.override("zh-hans"):
        said = translation.ngettext("Ran %(count)d task now: %(names)s.", "Ran %(count)d tasks now: %(names)s.", 2)
    assert request_messages(request) == [("success", said % {"count": 2, "names": names})]
    assert entries_for(chosen[0]).get(action="run_now").reason == zh("ran in the web process")


def test_run_now_with_a_real_broker_says_the_task_was_queued(supervisor, queued, hourly):
    task = a_sweep("排队扫", hourly)
    request = admin_request(supervisor, "post")
    model_admin(PeriodicTask).run_tasks(request, PeriodicTask.objects.filter(pk=task.pk))
    with translation.override("zh-hans"):
        said = translation.ngettext(
            "Queued %(count)d task for the worker: %(names)s. It runs within a minute if the worker is up.",
            "Queued %(count)d tasks for the worker: %(names)s. They run within a minute if the worker is up.", 1)
    assert request_messages(request) == [("success", said % {"count": 1, "names": "排队扫"})]
    assert entries_for(task).get(action="run_now").reason == zh("queued for the worker")


def test_run_now_passes_the_tasks_arguments_and_queue_on(supervisor, queued, hourly):
    task = a_sweep("带参扫", hourly, args='["a", 1]', kwargs='{"b": 2}', queue="reports")
    model_admin(PeriodicTask).run_tasks(admin_request(supervisor, "post"), PeriodicTask.objects.filter(pk=task.pk))
    (call,) = queued
    assert (call["args"], call["kwargs"], call["queue"]) == (("a", 1), {"b": 2}, "reports")
    assert call["headers"] == {"periodic_task_name": "带参扫"}


def test_run_now_of_a_task_without_arguments_or_queue_passes_none(supervisor, queued, hourly):
    task = a_sweep("无参扫", hourly, args="", kwargs="", queue="")
    model_admin(PeriodicTask).run_tasks(admin_request(supervisor, "post"), PeriodicTask.objects.filter(pk=task.pk))
    (call,) = queued
    assert (call["args"], call["kwargs"], call["queue"]) == ((), {}, None)


def test_run_now_names_the_unknown_tasks_and_runs_none(supervisor, ran_here, sweep, hourly):
    bogus = PeriodicTask.objects.create(name="坏任务", task="nowhere.tasks.nothing", interval=hourly)
    request = admin_request(supervisor, "post")
    model_admin(PeriodicTask).run_tasks(request, PeriodicTask.objects.filter(pk__in=[sweep.pk, bogus.pk]))
    assert ran_here == []
    assert request_messages(request) == [("error", zh(
        "Nothing was run: %(tasks)s is not a task of this installation.", tasks="坏任务（nowhere.tasks.nothing）"))]


def test_run_now_says_the_broker_is_unreachable(supervisor, monkeypatch, hourly):
    def unreachable(self, **kw):
        raise OperationalError("拒绝连接")

    monkeypatch.setattr(admin_beat, "embedded_broker", lambda app: False)
    monkeypatch.setattr(Task, "apply_async", unreachable)
    task = a_sweep("断线扫", hourly)
    request = admin_request(supervisor, "post")
    model_admin(PeriodicTask).run_tasks(request, PeriodicTask.objects.filter(pk=task.pk))
    assert request_messages(request) == [("error", zh(
        "The tasks could not be queued: the message broker is not reachable (%(error)s). Check "
        "CELERY_BROKER_URL and that the worker is running.", error="拒绝连接"))]
    assert not entries_for(task).exists()


def test_a_failed_run_is_said_and_its_audit_reason_is_cut_at_500(supervisor, monkeypatch, hourly):
    from policyops import tasks

    def broken(**kw):
        raise RuntimeError("坏" * 600)

    monkeypatch.setattr(admin_beat, "embedded_broker", lambda app: True)
    monkeypatch.setattr(tasks.reminders, "sweep_policy_tasks", broken)
    task = a_sweep("失败扫", hourly)
    request = admin_request(supervisor, "post")
    model_admin(PeriodicTask).run_tasks(request, PeriodicTask.objects.filter(pk=task.pk))
    assert request_messages(request) == [("error", zh("%(name)s failed: %(error)s", name="失败扫", error="坏" * 600))]
    assert entries_for(task).get(action="run_now_failed").reason == "坏" * 500


# --- actions, columns, the form --------------------------------------------------------------------------


def test_who_may_only_view_the_tasks_gets_no_action_that_changes_them(seeded):
    from django.contrib.auth.models import Permission

    viewer = make_user(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_periodictask"))
    viewer = type(viewer).objects.get(pk=viewer.pk)
    actions = model_admin(PeriodicTask).get_actions(admin_request(viewer, "get"))
    assert not {"enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks"} & set(actions)


def test_a_supervisor_gets_the_actions_that_change_the_tasks(supervisor):
    actions = model_admin(PeriodicTask).get_actions(admin_request(supervisor, "get"))
    assert {"enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks"} <= set(actions)


def test_the_schedule_column_is_the_tasks_schedule(sweep):
    assert model_admin(PeriodicTask).schedule_in_use(sweep) == sweep.scheduler


def test_the_crontab_in_words_of_a_crontab_task(sweep):
    assert sweep.crontab_id
    assert model_admin(PeriodicTask).crontab_translation(sweep) == sweep.crontab.human_readable


def test_an_interval_task_has_no_crontab_in_words(hourly):
    assert model_admin(PeriodicTask).crontab_translation(a_sweep("间隔扫", hourly)) == "—"


def test_the_custom_task_field_is_labelled_in_chinese(supervisor, monkeypatch):
    # The form classes get_form makes share their declared field: it comes back with beat's label here.
    monkeypatch.setattr(admin_beat.PeriodicTaskForm.base_fields["task"], "label", "Task (custom)")
    form = model_admin(PeriodicTask).get_form(admin_request(supervisor, "get"))
    assert str(form.base_fields["task"].label) == zh("Celery task (custom)")


def test_a_schedules_task_column_is_the_celery_task(hourly):
    task = a_sweep("内联扫", hourly)
    assert admin_beat.PeriodicTaskInline.celery_task(None, task) == SWEEP


def posted(client, task, changes):
    url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    return client.post(url, {**posted_as_shown(client.get(url)), **changes})


def test_a_registered_task_chosen_in_the_form_is_saved(client, supervisor, hourly):
    task = a_sweep("改任务", hourly)
    client.force_login(supervisor)
    response = posted(client, task, {"regtask": "policyops.tasks.seal_audit_chain", "task": ""})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.task == "policyops.tasks.seal_audit_chain"


def test_headers_given_in_the_form_are_kept(client, supervisor, hourly):
    task = a_sweep("带头扫", hourly)
    client.force_login(supervisor)
    assert posted(client, task, {"headers": '{"x": "y"}'}).status_code == 302
    task.refresh_from_db()
    assert task.headers == '{"x": "y"}'


# --- crontabs in words --------------------------------------------------------------------------------


def test_a_crontab_is_described_in_english_with_the_24_hour_clock():
    with translation.override("en"):
        assert describe_crontab("0 20 * * *") == "At 20:00"


def test_a_crontab_is_described_in_chinese_when_the_page_is():
    with translation.override("zh-hans"):
        assert describe_crontab("0 20 * * *") == "在 20:00"


def test_a_crontab_is_described_in_english_with_no_language_active():
    translation.deactivate_all()
    assert describe_crontab("0 20 * * *") == "At 20:00"


def test_a_crontabs_description_keeps_the_options_given():
    options = Options()
    options.verbose = True
    with translation.override("en"):
        assert describe_crontab("0 20 * * *", options) != describe_crontab("0 20 * * *")


def test_the_crontab_page_shows_a_schedule_in_words(db):
    schedule = CrontabSchedule(minute="0", hour="20", day_of_week="*", day_of_month="*", month_of_year="*")
    crontab_admin = admin.site._registry[CrontabSchedule]
    assert crontab_admin.human_readable(schedule) == schedule.human_readable


def test_the_crontab_page_shows_a_dash_for_a_schedule_it_cannot_read(db):
    schedule = CrontabSchedule(minute="-1", hour="20", day_of_week="*", day_of_month="*", month_of_year="*")
    assert admin.site._registry[CrontabSchedule].human_readable(schedule) == "—"
