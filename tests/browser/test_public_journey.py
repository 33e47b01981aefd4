"""A member of the public, on a phone: checks a case's status, then rates the director on duty."""
import datetime as dt

from django.utils import timezone

from approvals.models import ApprovalCase
from policyops.roles import Role
from programs.halls.models import DutyShift, Evaluation, FollowUp
from tests.approvals.factories import (
    DelegatedPowerFactory,
    entrustment_in_force,
    pingdu,
    register_case,
)
from tests.conftest import make_user
from tests.halls.factories import DirectorFactory, DutyShiftFactory, HallFactory


def signed_in_shift_now():
    hall = HallFactory(name="浏览器测试大厅")
    now = timezone.localtime()
    return DutyShiftFactory(director=DirectorFactory(hall=hall, name="刘宏"), date=now.date(),
                            starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1),
                            state=DutyShift.State.SIGNED_IN, signed_in_at=now - dt.timedelta(minutes=50))


def test_an_applicant_reads_the_status_of_their_case_on_a_phone(visitor):
    supervisor = make_user(Role.SUPERVISOR)
    clerk = make_user(Role.CLERK, district=pingdu())
    power = DelegatedPowerFactory()
    entrustment_in_force([power], supervisor=supervisor)
    case = register_case(power, clerk=clerk)
    applicant = visitor("applicant", phone=True)

    applicant.go("/approvals/status/")
    applicant.page.fill("input[name=number]", case.number)
    applicant.page.fill("input[name=phone_last4]", "1234")
    applicant.submit("查询")

    result = applicant.page.locator("table.status-result")
    assert case.number in result.inner_text()
    assert "已收件，待受理" in result.inner_text()
    assert applicant.sideways_overflow() <= 0
    applicant.shot("status")
    applicant.assert_healthy()
    assert ApprovalCase.objects.get(pk=case.pk).state == ApprovalCase.State.SUBMITTED


def test_a_dissatisfied_rating_is_saved_opens_a_follow_up_and_reaches_the_briefing(visitor):
    shift = signed_in_shift_now()
    citizen = visitor("citizen", phone=True)

    citizen.go(f"/halls/{shift.hall_id}/evaluate/")
    citizen.page.check("input[name=level][value='2']")
    citizen.page.fill("textarea[name=comment]", "等候时间太长")
    citizen.submit()

    assert citizen.page.url.endswith(f"/halls/{shift.hall_id}/evaluate/")
    assert "CSRF" not in citizen.page.content()
    evaluation = Evaluation.objects.get(shift=shift)
    assert (evaluation.level, evaluation.comment) == (2, "等候时间太长")
    assert FollowUp.objects.filter(evaluation=evaluation).exists()
    assert citizen.sideways_overflow() <= 0
    citizen.shot("rated")
    citizen.assert_healthy()

    # The briefing counts a shift once its day has passed: let that day pass.
    yesterday = dt.timedelta(days=1)
    DutyShift.objects.filter(pk=shift.pk).update(date=shift.date - yesterday, starts_at=shift.starts_at - yesterday,
                                                 ends_at=shift.ends_at - yesterday)
    Evaluation.objects.filter(pk=evaluation.pk).update(created_at=evaluation.created_at - yesterday)
    day = shift.date - yesterday
    supervisor = visitor("supervisor")
    supervisor.log_in_as(make_user(Role.SUPERVISOR))
    supervisor.go(f"/halls/briefing/{day.year}/{day.month}/")
    counts = supervisor.page.evaluate("""() => [...document.querySelectorAll('tr')]
        .filter(tr => tr.cells.length > 1 && /不满意/.test(tr.cells[0].innerText)
                      && !/非常不满意/.test(tr.cells[0].innerText))
        .map(tr => tr.cells[1].innerText.trim())""")
    assert counts == ["1"]
    supervisor.shot("briefing")
    supervisor.assert_healthy()
