import datetime as dt

import pytest
from django_fsm import ConcurrentTransition

from policyops import services
from policyops.audit import entries_for
from policyops.errors import ConditionFailed, NotAllowed, StaleObject
from policyops.models import PolicyTask
from policyops.roles import Role
from tests.conftest import make_user
from tests.factories import DepartmentFactory, PolicyTaskFactory

pytestmark = pytest.mark.django_db
ON = dt.date(2020, 6, 1)


@pytest.fixture
def unit():
    return DepartmentFactory(name="市测试局")


@pytest.fixture
def task(unit):
    return PolicyTaskFactory(lead_unit=unit, deadline=dt.date(2020, 12, 31))


@pytest.fixture
def worker(unit):
    return make_user(Role.CLERK, department=unit)


def test_the_lead_units_worker_starts_and_submits(task, worker):
    services.policy_task_start(task=task, acting_user=worker, as_of=ON)
    services.policy_task_submit(task=task, acting_user=worker, as_of=ON, progress_report="已完成")
    task.refresh_from_db()
    assert task.state == PolicyTask.State.SUBMITTED
    assert task.progress_report == "已完成"


def test_another_units_worker_may_not_start(task):
    stranger = make_user(Role.CLERK, department=DepartmentFactory(name="市其他局"))
    with pytest.raises(NotAllowed):
        services.policy_task_start(task=task, acting_user=stranger, as_of=ON)
    task.refresh_from_db()
    assert task.state == PolicyTask.State.ASSIGNED


def test_submitting_without_a_report_names_the_missing_condition(task, worker):
    services.policy_task_start(task=task, acting_user=worker, as_of=ON)
    with pytest.raises(ConditionFailed) as exc:
        services.policy_task_submit(task=task, acting_user=worker, as_of=ON, progress_report="  ")
    assert "progress report" in str(exc.value) or "进展" in str(exc.value)
    task.refresh_from_db()
    assert task.state == PolicyTask.State.IN_PROGRESS


def test_a_worker_may_not_accept_their_own_submission(task, worker):
    services.policy_task_start(task=task, acting_user=worker, as_of=ON)
    services.policy_task_submit(task=task, acting_user=worker, as_of=ON, progress_report="已完成")
    with pytest.raises(NotAllowed):
        services.policy_task_accept(task=task, acting_user=worker, as_of=ON)


def test_supervisor_returns_with_reason_and_worker_resumes(task, worker, supervisor):
    services.policy_task_start(task=task, acting_user=worker, as_of=ON)
    services.policy_task_submit(task=task, acting_user=worker, as_of=ON, progress_report="已完成")
    services.policy_task_return(task=task, acting_user=supervisor, as_of=ON, reason="缺少数据")
    services.policy_task_resume(task=task, acting_user=worker, as_of=ON)
    task.refresh_from_db()
    assert task.state == PolicyTask.State.IN_PROGRESS
    assert task.return_reason == "缺少数据"


def test_returning_needs_a_reason(task, worker, supervisor):
    services.policy_task_start(task=task, acting_user=worker, as_of=ON)
    services.policy_task_submit(task=task, acting_user=worker, as_of=ON, progress_report="已完成")
    with pytest.raises(ConditionFailed):
        services.policy_task_return(task=task, acting_user=supervisor, as_of=ON, reason="")


def test_every_transition_leaves_an_audit_row(task, worker, supervisor):
    services.policy_task_start(task=task, acting_user=worker, as_of=ON)
    services.policy_task_submit(task=task, acting_user=worker, as_of=ON, progress_report="已完成")
    services.policy_task_accept(task=task, acting_user=supervisor, as_of=ON)
    trail = [(e.action, e.from_state, e.to_state, e.actor) for e in entries_for(task).order_by("id")]
    assert trail == [("start", "assigned", "in_progress", worker),
                     ("submit", "in_progress", "submitted", worker),
                     ("accept", "submitted", "accepted", supervisor)]


def test_audit_rows_cannot_be_rewritten(task, worker):
    services.policy_task_start(task=task, acting_user=worker, as_of=ON)
    entry = entries_for(task).get()
    entry.reason = "篡改"
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()


def test_state_cannot_be_assigned_directly(task):
    with pytest.raises(AttributeError):
        task.state = PolicyTask.State.ACCEPTED


def test_two_clerks_cannot_both_win(task, worker):
    first = PolicyTask.objects.get(pk=task.pk)
    second = PolicyTask.objects.get(pk=task.pk)
    services.policy_task_start(task=first, acting_user=worker, as_of=ON)
    with pytest.raises(StaleObject):
        # The second copy still believes the task is assigned; the save must be refused.
        services.policy_task_start(task=second, acting_user=worker, as_of=ON)
    assert PolicyTask.objects.get(pk=task.pk).state == PolicyTask.State.IN_PROGRESS
    assert entries_for(task).count() == 1


def test_overdue_is_derived_from_the_deadline(task, worker, supervisor):
    assert task.is_overdue(dt.date(2021, 1, 1))
    assert not task.is_overdue(dt.date(2020, 12, 31))
    # (The seeded tasks have deadlines of their own: look at this test's document only.)
    assert list(PolicyTask.objects.overdue(dt.date(2021, 1, 1)).filter(document=task.document)) == [task]
    services.policy_task_start(task=task, acting_user=worker, as_of=ON)
    services.policy_task_submit(task=task, acting_user=worker, as_of=ON, progress_report="已完成")
    services.policy_task_accept(task=task, acting_user=supervisor, as_of=ON)
    assert not PolicyTask.objects.overdue(dt.date(2021, 1, 1)).filter(document=task.document).exists()


def test_concurrent_transition_error_is_what_the_model_raises(task):
    first = PolicyTask.objects.get(pk=task.pk)
    second = PolicyTask.objects.get(pk=task.pk)
    first.start()
    first.save()
    second.start()
    with pytest.raises(ConcurrentTransition):
        second.save()
