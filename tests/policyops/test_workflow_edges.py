"""Edges of the workflow kernel (policyops.workflow) that the mutation runner found unpinned: a
condition declared without ``@condition``, the label's "…", the step's memo, a model without
actions, and a step run without a savepoint of its own."""
import datetime as dt

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext, isolate_apps
from django_fsm import FSMField, transition

from policyops import workflow
from policyops.models import District, PolicyTask
from tests.factories import PolicyTaskFactory, UserFactory

ON = dt.date(2024, 10, 21)


def not_yet(obj):
    return False


@workflow.condition("尚未签字", structural=True)
def never_signable(obj):
    return False


@pytest.fixture
def toy(monkeypatch):
    """A model of two transitions, one blocked by a plain function, one by a structural condition,
    registered for this test only."""
    with isolate_apps("policyops"):
        class Toy(models.Model):
            state = FSMField(default="new")

            class Meta:
                app_label = "policyops"

            @transition(field=state, source="new", target="done", conditions=[not_yet])
            def finish(self):
                pass

            @transition(field=state, source="new", target="signed", conditions=[never_signable])
            def sign(self):
                pass

    monkeypatch.setattr(workflow, "_registry", dict(workflow._registry))
    workflow.register(Toy, [workflow.Action("finish", "完成…", lambda **kwargs: None),
                            workflow.Action("sign", "签字", lambda **kwargs: None)])
    return Toy


def test_a_condition_declared_without_its_message_blocks_the_step_and_is_named(toy):
    [finish] = workflow.available_actions(toy(), UserFactory.build(), as_of=ON)
    assert (finish.name, finish.ready, finish.reasons) == ("finish", False, ("not_yet",))


def test_the_label_keeps_its_ellipsis_and_the_title_drops_it(toy):
    [finish] = workflow.available_actions(toy(), UserFactory.build(), as_of=ON)
    assert (finish.label, finish.action.title) == ("完成…", "完成")


def test_a_step_outside_any_workflow_is_called_by_its_method_name():
    assert workflow.action_title(District(name="测试区"), "finish") == "finish"


def test_a_step_is_called_by_its_actions_title(toy):
    assert workflow.action_title(toy(), "finish") == "完成"


def test_outside_a_step_nothing_is_remembered():
    calls = []
    assert [workflow.memoized("seal", lambda: calls.append(1) or "章") for _ in range(2)] == ["章", "章"]
    assert len(calls) == 2
    assert workflow.remembered("seal") is False


def test_within_a_step_an_answer_is_remembered_once_given():
    with workflow.acting_on(ON):
        assert workflow.remembered("seal") is False
        workflow.memoized("seal", lambda: "章")
        assert workflow.remembered("seal") is True
    assert workflow.remembered("seal") is False


@pytest.mark.django_db
def test_a_step_runs_in_its_callers_transaction_without_a_savepoint():
    task, user = PolicyTaskFactory(), UserFactory(is_superuser=True)
    with CaptureQueriesContext(connection) as queries:
        assert workflow.run_transition(task, "start", acting_user=user, as_of=ON) is task
    assert task.state == PolicyTask.State.IN_PROGRESS
    assert not [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]


def test_a_declared_condition_is_the_function_itself_with_its_message():
    def has_materials(obj):
        return True

    assert workflow.condition("缺少材料", structural=True)(has_materials) is has_materials
    assert (workflow.condition_message(has_materials), has_materials.structural) == ("缺少材料", True)
