"""A supervisor at a desk: generates and publishes next month's rota, sees an A/B filing, runs a sweep
now, and reads the monthly briefing's evaluation chart."""
import datetime as dt

from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from policyops.models import AuditEntry, Notification
from policyops.months import next_month, previous_month
from policyops.roles import Role
from programs.halls import generator, services
from programs.halls.models import DutyShift
from tests.conftest import make_user
from tests.halls.factories import (
    TZ,
    DirectorFactory,
    DutyShiftFactory,
    EvaluationFactory,
    HallFactory,
)

SWEEP = "值班提醒与未签到督办"  # programs.halls.tasks.sweep_shifts (policyops.schedules)


def a_hall_with_an_ab_pair():
    hall = HallFactory(name="浏览器排班大厅")
    wang = DirectorFactory(hall=hall, name="王强", department_name="市教育局")
    li = DirectorFactory(hall=hall, name="李明", department_name="市教育局", partner=wang)
    wang.partner = li
    wang.save(update_fields=["partner"])
    DirectorFactory(hall=hall, name="赵刚", department_name="市民政局")
    return hall, wang, li


def generate_and_publish(desk, hall, month):
    desk.go("/admin/halls/dutyshift/generate/")
    desk.page.select_option("select[name=hall]", label=hall.name)
    assert desk.page.input_value("input[name=year]") == str(month.year)
    assert desk.page.input_value("select[name=month]") == str(month.month)
    desk.submit(form="#content-main form")

    generated = DutyShift.objects.filter(hall=hall, date__year=month.year, date__month=month.month)
    assert generated.count() >= 3 and set(generated.values_list("state", flat=True)) == {DutyShift.State.SCHEDULED}
    expected = f"已为{hall.name}生成{month:%Y-%m}的值班班次共{generated.count()}个"
    assert expected in desk.page.inner_text("ul.messagelist")
    rows = desk.page.locator("#result_list tbody tr")
    assert rows.count() == generated.count()
    assert "王强" in desk.page.inner_text("#result_list")

    desk.page.check("#action-toggle")
    desk.page.select_option("select[name=action]", "publish_months")
    desk.submit(form="#changelist-form")
    assert f"{hall.name} {month:%Y-%m}：已发布{generated.count()}个班次。" in desk.page.inner_text("ul.messagelist")
    assert set(generated.values_list("state", flat=True)) == {DutyShift.State.PUBLISHED}


def sees_the_filing(desk, wang, li, month):
    # Arranged: filing is the director's own journey.
    shift = DutyShift.objects.filter(director=wang, date__year=month.year, date__month=month.month).first()
    services.shift_file_substitution(shift=shift, substitute=li, reason="参加上级部门业务培训",
                                     acting_user=wang.person.user, now=timezone.now())

    desk.go("/")
    panel = desk.page.locator("table", has_text="参加上级部门业务培训")
    assert panel.count() == 1
    assert "王强" in panel.inner_text() and "李明" in panel.inner_text()
    assert f"{shift.date:%Y-%m-%d}" in panel.inner_text()

    assert desk.page.inner_text("a.bell .count") == "1"
    with desk.page.expect_navigation():
        desk.page.click("a.bell")
    notice = desk.page.locator("tr.unread a", has_text="李明")
    assert "AB角替岗已报备" in notice.inner_text() and "王强" in notice.inner_text()
    with desk.page.expect_navigation():
        notice.click()
    assert desk.page.url.endswith(f"/admin/halls/dutyshift/{shift.pk}/change/")
    assert "参加上级部门业务培训" in desk.page.inner_text("#content-main")
    assert not Notification.objects.filter(recipient=desk.user, read_at__isnull=True,
                                           kind="shift.substitution_filed").exists()


def runs_a_sweep_now(desk):
    desk.go("/admin/")
    with desk.page.expect_navigation():
        desk.page.click("tr.model-periodictask a:text-is('周期任务')")  # the model's row, not its app's caption
    desk.page.locator("#result_list tr", has_text=SWEEP).locator("input.action-select").check()
    desk.page.select_option("select[name=action]", label="立即运行所选任务")
    desk.submit(form="#changelist-form")
    # Run at once with the embedded broker (a laptop), queued for the worker with Redis (CI, production).
    said = desk.page.inner_text("ul.messagelist")
    assert f"已立即运行 1 个任务：{SWEEP}。" in said or f"已将 1 个任务交给后台进程：{SWEEP}。" in said, said
    task = PeriodicTask.objects.get(name=SWEEP)
    assert AuditEntry.objects.filter(action="run_now", object_id=str(task.pk), actor=desk.user).exists()


def evaluations_last_month(hall, month):
    day = generator.working_days_of_month(month.year, month.month)[0]
    shift = DutyShiftFactory(director=DirectorFactory(hall=hall, name="孙丽"), date=day,
                             state=DutyShift.State.SIGNED_OUT,
                             signed_in_at=dt.datetime.combine(day, dt.time(8, 55), tzinfo=TZ),
                             signed_out_at=dt.datetime.combine(day, dt.time(17, 5), tzinfo=TZ))
    for level, count in ((5, 4), (4, 2), (2, 1)):
        EvaluationFactory.create_batch(count, shift=shift, level=level)


def reads_the_evaluation_chart(desk, month):
    desk.go(f"/halls/briefing/{month.year}/{month.month}/")
    widths = desk.page.evaluate("""() => [...document.querySelectorAll(
        'svg.bar-chart[aria-label="评价分布"] rect.bar-chart__value')].map(r => r.getBoundingClientRect().width)""")
    very, satisfied, basic, dissatisfied, very_dissatisfied = widths  # levels 5 … 1
    assert very > 100
    assert abs(very - 2 * satisfied) <= 1 and abs(very - 4 * dissatisfied) <= 1
    assert basic == 0 and very_dissatisfied == 0


def test_a_supervisor_publishes_a_rota_sees_a_filing_runs_a_sweep_and_reads_the_briefing(visitor):
    today = timezone.localdate()
    hall, wang, li = a_hall_with_an_ab_pair()
    evaluations_last_month(hall, previous_month(today.replace(day=1)))
    desk = visitor("supervisor")
    desk.user = make_user(Role.SUPERVISOR)
    desk.log_in_as(desk.user)

    following = next_month(today)
    generate_and_publish(desk, hall, following)
    sees_the_filing(desk, wang, li, following)
    runs_a_sweep_now(desk)
    reads_the_evaluation_chart(desk, previous_month(today.replace(day=1)))

    desk.shot("last")
    desk.assert_healthy()

