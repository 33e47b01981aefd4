"""周期任务 for supervisors: they open and edit the schedules and run a sweep now (audited)."""
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from policyops.models import AuditEntry
from policyops.roles import Role
from tests.admin_pages import posted_as_shown
from tests.conftest import make_user

CHANGELIST = "admin:django_celery_beat_periodictask_changelist"


@pytest.fixture
def sweep(seeded):
    from django_celery_beat.models import PeriodicTask

    return PeriodicTask.objects.get(task="policyops.tasks.sweep_policy_tasks")


def run_now(client, *tasks):
    return client.post(reverse(CHANGELIST), {"action": "run_tasks", ACTION_CHECKBOX_NAME: [t.pk for t in tasks]},
                       follow=True)


def test_supervisors_open_the_periodic_tasks(client, supervisor, sweep):
    client.force_login(supervisor)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.get(reverse("admin:django_celery_beat_periodictask_change", args=[sweep.pk])).status_code == 200


def test_supervisors_change_a_schedule(client, supervisor, sweep):
    from django_celery_beat.models import CrontabSchedule

    client.force_login(supervisor)
    response = client.post(reverse("admin:django_celery_beat_crontabschedule_add"), {
        "minute": "30", "hour": "7", "day_of_month": "*", "month_of_year": "*", "day_of_week": "*",
        "timezone": "Asia/Shanghai", "periodictask_set-TOTAL_FORMS": "0", "periodictask_set-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert CrontabSchedule.objects.filter(hour="7", minute="30").exists()


def test_clerks_may_not_open_the_periodic_tasks(client, seeded):
    client.force_login(make_user(Role.CLERK))
    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_run_now_runs_the_sweep_with_the_embedded_broker_and_audits_it(client, supervisor, sweep, monkeypatch):
    monkeypatch.setattr("policyops.admin_beat.embedded_broker", lambda app: True)  # whatever CI's broker
    from policyops import tasks

    ran = []
    monkeypatch.setattr(tasks.reminders, "sweep_policy_tasks", lambda **kw: ran.append(kw) or 0)
    client.force_login(supervisor)
    response = run_now(client, sweep)
    assert len(ran) == 1
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    entry = AuditEntry.objects.get(action="run_now", object_id=str(sweep.pk))
    assert entry.actor == supervisor


def test_run_now_queues_the_task_with_a_real_broker(client, supervisor, sweep, monkeypatch):
    from celery.app.task import Task

    queued = []
    monkeypatch.setattr("policyops.admin_beat.embedded_broker", lambda app: False)
    monkeypatch.setattr(Task, "apply_async", lambda self, **kw: queued.append((self.name, kw["headers"])))
    client.force_login(supervisor)
    response = run_now(client, sweep)
    assert queued == [("policyops.tasks.sweep_policy_tasks", {"periodic_task_name": sweep.name})]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert AuditEntry.objects.filter(action="run_now", object_id=str(sweep.pk)).count() == 1


def test_a_failing_sweep_is_reported_and_audited_as_failed(client, supervisor, sweep, monkeypatch):
    monkeypatch.setattr("policyops.admin_beat.embedded_broker", lambda app: True)  # whatever CI's broker
    from policyops import tasks

    def broken(**kw):
        raise RuntimeError("数据库繁忙")

    monkeypatch.setattr(tasks.reminders, "sweep_policy_tasks", broken)
    client.force_login(supervisor)
    response = run_now(client, sweep)
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "数据库繁忙" in messages[0]
    assert AuditEntry.objects.filter(action="run_now_failed", object_id=str(sweep.pk)).count() == 1


def test_an_unknown_task_runs_nothing(client, supervisor, sweep, monkeypatch):
    monkeypatch.setattr("policyops.admin_beat.embedded_broker", lambda app: True)  # whatever CI's broker
    from policyops import tasks

    ran = []
    monkeypatch.setattr(tasks.reminders, "sweep_policy_tasks", lambda **kw: ran.append(kw) or 0)
    bogus = type(sweep).objects.create(name="坏任务", task="nowhere.tasks.nothing", interval=sweep.interval,
                                       crontab=sweep.crontab)
    client.force_login(supervisor)
    response = run_now(client, sweep, bogus)
    assert ran == [] and [m.level_tag for m in response.context["messages"]] == ["error"]


def test_the_task_field_has_no_english_label(client, supervisor, sweep):
    client.force_login(supervisor)
    html = client.get(reverse(CHANGELIST)).content.decode()
    html += client.get(reverse("admin:django_celery_beat_periodictask_change", args=[sweep.pk])).content.decode()
    crontab_url = reverse("admin:django_celery_beat_crontabschedule_change", args=[sweep.crontab_id])
    html += client.get(crontab_url).content.decode()
    assert "Task Name" not in html


def test_the_task_lists_schedule_column_is_headed_in_chinese(client, supervisor, sweep):
    client.force_login(supervisor)
    response = client.get(reverse(CHANGELIST))
    headers = [str(header["text"]) for header in response.context["result_headers"]]
    assert "Scheduler" not in headers and "执行计划" in headers


def test_the_task_pages_crontab_in_words_is_labelled_in_chinese(client, supervisor, sweep):
    client.force_login(supervisor)
    html = client.get(reverse("admin:django_celery_beat_periodictask_change", args=[sweep.pk])).content.decode()
    assert "Crontab translation" not in html and "Crontab 计划说明" in html


def test_a_crontab_is_described_in_chinese_when_the_page_is(db):
    from django.utils import translation
    from django_celery_beat.models import CrontabSchedule

    schedule = CrontabSchedule(minute="0", hour="8", day_of_week="*", day_of_month="*", month_of_year="*",
                               timezone="Asia/Shanghai")
    with translation.override("zh-hans"):
        assert schedule.human_readable.startswith("在 08:00")
    with translation.override("en"):
        assert schedule.human_readable.startswith("At 08:00")


def task_form_as_shown(client, task) -> tuple[str, dict]:
    url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    return url, posted_as_shown(client.get(url))


@pytest.mark.parametrize("field, value", [("task", "x" * 10_000), ("task", "a\x00b"), ("regtask", "a\x00b"),
                                          ("regtask", "no.such.task")])
def test_a_task_name_the_form_cannot_take_is_the_forms_error(client, supervisor, sweep, field, value):
    client.force_login(supervisor)
    url, data = task_form_as_shown(client, sweep)
    response = client.post(url, {**data, field: value})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    sweep.refresh_from_db()
    assert sweep.task == "policyops.tasks.sweep_policy_tasks"


def test_headers_left_empty_are_saved_as_none(client, supervisor, sweep):
    # Beat's model saved NULL into its NOT NULL column (a 500).
    client.force_login(supervisor)
    url, data = task_form_as_shown(client, sweep)
    response = client.post(url, {**data, "headers": ""})
    assert response.status_code == 302
    sweep.refresh_from_db()
    assert sweep.headers == "{}"


def test_a_crontab_the_form_refuses_is_shown_again_without_its_words(client, supervisor, sweep):
    client.force_login(supervisor)
    response = client.post(reverse("admin:django_celery_beat_crontabschedule_add"), {
        "minute": "-1", "hour": "7", "day_of_month": "*", "month_of_year": "*", "day_of_week": "*",
        "timezone": "Asia/Shanghai", "periodictask_set-TOTAL_FORMS": "0", "periodictask_set-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["minute"][0].startswith("无法识别此项（")


def posted_task_errors(client, task, changes) -> list[str]:
    url, data = task_form_as_shown(client, task)
    response = client.post(url, {**data, **changes})
    assert response.status_code == 200
    form = response.context["adminform"].form
    return [str(message) for messages in form.errors.values() for message in messages]


def test_a_task_without_a_schedule_is_refused_in_chinese(client, supervisor, sweep):
    client.force_login(supervisor)
    errors = posted_task_errors(client, sweep, {"crontab": "", "interval": "", "solar": "", "clocked": ""})
    assert errors == ["请选择一种计划：Crontab 计划、间隔计划、太阳事件计划或定时计划。"]


def test_a_task_with_two_schedules_is_refused_in_chinese_on_each(client, supervisor, sweep):
    from django_celery_beat.models import IntervalSchedule

    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    client.force_login(supervisor)
    errors = posted_task_errors(client, sweep, {"crontab": sweep.crontab_id, "interval": every_hour.pk})
    assert errors == ["只能选择一种计划（Crontab 计划、间隔计划、太阳事件计划或定时计划），其余请留空。"] * 2


def test_a_clocked_task_that_is_not_one_off_is_refused_in_chinese(client, supervisor, sweep):
    import datetime as dt

    from django_celery_beat.models import ClockedSchedule

    at_noon = ClockedSchedule.objects.create(clocked_time=dt.datetime(2026, 12, 7, 4, tzinfo=dt.UTC))
    client.force_login(supervisor)
    errors = posted_task_errors(client, sweep, {"crontab": "", "clocked": at_noon.pk, "one_off": ""})
    assert errors == ["定时计划只运行一次：请勾选“一次任务”。"]
